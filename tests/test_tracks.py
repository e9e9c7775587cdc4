"""Tracks: stable per-id colors, '#12 person 0.87' labels, Trails, and their pictures."""
from __future__ import annotations

import numpy as np
import pytest

import scenevis as sv
from scenevis import annotate
from scenevis.annotate import Trails, track_colors
from scenevis.nodes import Boxes, Lines, Texts

from golden_compare import assert_golden
from golden_scenes import picture

W, H = 320, 200
GROUND = (40, 40, 40)


def blank() -> np.ndarray:
    return np.full((H, W, 3), GROUND, np.uint8)


def nodes_of(scene, kind) -> list:
    found = []

    def walk(node):
        if isinstance(node, kind):
            found.append(node)
        for child in getattr(node, "children", ()):
            walk(child)
    walk(scene)
    return found


def edge_color(picture: np.ndarray, box) -> tuple:
    """The color in the middle of a box's left edge."""
    return tuple(picture[int((box[1] + box[3]) / 2), int(round(box[0]))])


def test_a_track_keeps_its_color_when_others_come_and_go():
    box3 = [200, 60, 260, 140]
    first = sv.render(annotate.tracks(blank(), [[20, 20, 60, 80], [80, 30, 130, 90], box3], [1, 2, 3], show_labels=False))
    # ids 1 and 2 left, 7 and 40 arrived, and the order changed
    second = sv.render(annotate.tracks(blank(), [[10, 100, 50, 150], box3, [90, 120, 140, 190]], [40, 3, 7],
                                       show_labels=False))
    assert edge_color(first, box3) == edge_color(second, box3) != GROUND
    assert edge_color(second, box3) == tuple(track_colors([3])[0, :3])
    # a color is the id's alone, whoever else is in the frame
    assert np.array_equal(track_colors([3]), track_colors([1, 2, 3])[2:])
    assert not np.array_equal(track_colors([1])[0], track_colors([2])[0])


def test_labels_carry_id_class_and_score():
    scene = annotate.tracks(blank(), [[20, 40, 90, 120], [150, 60, 230, 150]], [12, 5], labels=["person", "car"],
                            scores=[0.871, 0.5])
    strings = [s for node in nodes_of(scene, Texts) for s in node.strings]
    assert sorted(strings) == ["#12 person 0.87", "#5 car 0.50"]
    by_class_id = annotate.tracks(blank(), [[20, 40, 90, 120]], [12], labels=np.array([1]), classes=["person", "car"])
    assert [s for node in nodes_of(by_class_id, Texts) for s in node.strings] == ["#12 car"]
    ids_only = annotate.tracks(blank(), [[20, 40, 90, 120]], np.array([12.0]))
    assert [s for node in nodes_of(ids_only, Texts) for s in node.strings] == ["#12"]


def test_label_boxes_are_in_the_track_color():
    picture = sv.render(annotate.tracks(blank(), [[40, 60, 140, 160]], [9], labels=["dog"]))
    color = tuple(track_colors([9])[0, :3])
    above = picture[45:59, 42:120].reshape(-1, 3)  # the label sits above the box
    assert (np.all(above == color, axis=1)).mean() > 0.3


def test_golden_tracks_frame_with_trails_masks_and_keypoints():
    assert_golden("tracks_frame", picture("tracks_frame"))


def test_trails_update_is_a_new_value():
    start = Trails(length=3)
    one = start.update([5, 2], [[0, 0, 10, 10], [20, 20, 40, 60]])
    assert len(start) == 0 and list(one.ids) == [2, 5]  # ascending ids; the first value is unchanged
    assert np.array_equal(one.trail(2), [[30, 40]]) and np.array_equal(one.trail(5), [[5, 5]])
    two = one.update([2], [[22, 20, 42, 60]])
    assert np.array_equal(two.trail(2), [[30, 40], [32, 40]])
    assert np.array_equal(one.trail(2), [[30, 40]])
    assert np.isnan(two.points[list(two.ids).index(5), -1]).all()  # 5 missed this frame: a gap
    bottom = Trails(length=3, anchor="bottom_center").update([1], [[0, 0, 10, 30]])
    assert np.array_equal(bottom.trail(1), [[5, 30]])
    assert Trails(length=3).update([1], [[0, 0, 2, 2]]) == Trails(length=3).update([1], [[0, 0, 2, 2]])
    with pytest.raises(AttributeError):
        two.length = 5  # frozen


def test_a_track_that_leaves_fades_out_and_drops_after_length_frames():
    trails = Trails(length=4).update([1, 2], [[0, 0, 2, 2], [10, 10, 12, 12]])
    for frame in range(1, 5):
        trails = trails.update([2], [[10 + frame, 10, 12 + frame, 12]])
        assert (1 in trails.ids) == (frame < 4)
    assert list(trails.ids) == [2] and len(trails.trail(2)) == 4


def test_trail_lines_fade_with_age_and_break_at_gaps():
    trails = Trails(length=20)
    for t in range(20):
        if t != 10:  # a gap at frame 10
            trails = trails.update([3], [[10 * t, 50, 10 * t + 4, 54]])
        else:
            trails = trails.update([], np.zeros((0, 4)))
    node = nodes_of(trails.lines(), Lines)[0]
    alpha = node.style.alpha
    starts = node.points[node.offsets[:-1]]
    assert alpha.max() == 1.0 and alpha.min() == pytest.approx(1 / 4)
    assert alpha[np.argmax(starts[:, 0])] == 1.0  # the newest piece is opaque
    assert np.all(np.diff(alpha[np.argsort(starts[:, 0])]) >= 0)  # older pieces are fainter
    # no piece spans the missing frame
    for i in range(node.count):
        xs = node.points[node.offsets[i]:node.offsets[i + 1], 0]
        assert not (xs.min() < 100 < xs.max())
    assert isinstance(Trails(length=5).lines(), sv.Empty)


def test_a_drawn_trail_is_strongest_at_the_newest_point():
    trails = Trails(length=30)
    for t in range(30):
        trails = trails.update([6], [[10 * t, 90, 10 * t + 20, 110]])
    picture = sv.render(annotate.tracks(blank(), [[290, 90, 310, 110]], [6], trails=trails, show_labels=False))
    color = track_colors([6])[0, :3].astype(int)
    strength = [np.abs(picture[100, x].astype(int) - GROUND).sum() / np.abs(color - GROUND).sum() for x in (20, 150, 280)]
    assert strength[0] < strength[1] < strength[2] and strength[2] > 0.9 and strength[0] < 0.35


@pytest.mark.parametrize("call, error, message", [
    (lambda: annotate.tracks(blank(), [[0, 0, 5, 5]], [1, 2]), ValueError, r"boxes: expected shape \(2, 4\)"),
    (lambda: annotate.tracks(blank(), [[0, 0, 5, 5], [1, 1, 6, 6]], [3, 3]), ValueError, "expected each id once per frame, got 3 2 times"),
    (lambda: annotate.tracks(blank(), [[0, 0, 5, 5]], [1.5]), ValueError, "track_ids: expected integer track ids"),
    (lambda: annotate.tracks(blank(), [[0, 0, 5]], [1]), ValueError, r"boxes: expected shape \(1, 4\)"),
    (lambda: annotate.tracks(blank(), [[0, 0, 5, 5]], [1], trails=[1]), TypeError, "trails: expected a scenevis.annotate.Trails"),
    (lambda: annotate.tracks(blank(), [[0, 0, 5, 5]], [1], labels=["a", "b"]), ValueError, "labels: expected 1 names"),
    (lambda: annotate.tracks(blank(), [[0, 0, 5, 5]], [1], masks=np.zeros((1, 5, 5), bool)), ValueError, r"masks: expected \(N, 200, 320\)"),
    (lambda: Trails(length=1), ValueError, "length: expected 2 to 10000 frames, got 1"),
    (lambda: Trails(anchor="top"), ValueError, r"anchor: expected one of \['center', 'bottom_center'\]"),
    (lambda: Trails().update([1], [[0, 0, np.nan, 1]]), ValueError, "boxes"),
    (lambda: Trails().update([1, 2], [[0, 0, 1, 1]]), ValueError, r"boxes: expected shape \(2, 4\)"),
], ids=["ids-count", "duplicate", "fractional", "box-shape", "trails-type", "labels-count", "mask-size", "length",
        "anchor", "nan", "update-count"])
def test_bad_input_names_the_argument(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_no_tracks_is_just_the_image():
    picture = sv.render(annotate.tracks(blank(), np.zeros((0, 4)), []))
    assert np.array_equal(picture, blank())
    assert not nodes_of(annotate.tracks(blank(), np.zeros((0, 4)), []), Boxes)[0].count
