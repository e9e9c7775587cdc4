"""Label placement: labels stay inside the image, never overlap, prefer their anchors, and
get a leader line when moved; text metrics agree with what the painter draws."""
import numpy as np
import pytest

import scenevis as sv
from scenevis.annotate.access import read_instances
from scenevis.annotate.instances import instances_overlay
from scenevis.annotate.labels import LabelSet, draw_labels
from scenevis.annotate.palettes import resolve_palette
from scenevis.annotate import placement as placement_module
from scenevis.annotate.placement import ANCHORS, anchor_spots, leader_segments, overlaps, place_labels
from scenevis.nodes import Boxes, Lines, Texts
from scenevis.renderer.flatten import flatten
from scenevis.renderer.measure import text_size

from annotate_scenes import COCO_NAMES, crowded


def pairwise_overlaps(rects: np.ndarray) -> int:
    """Pairs of rectangles whose interiors intersect (touching edges do not count)."""
    hit = overlaps(rects, rects)
    np.fill_diagonal(hit, False)
    return int(hit.sum() // 2)


def label_geometry(n, width, height, seed):
    data = read_instances(crowded(n, width, height, seed))
    overlay = instances_overlay(data, (width, height), classes=COCO_NAMES, palette=resolve_palette())
    return overlay, draw_labels(overlay.labels, (width, height))


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("size", [(640, 480), (800, 600), (480, 360)])
def test_crowded_scene_has_no_overlapping_labels_and_all_inside(seed, size):
    width, height = size
    overlay, (scene, placement, font_sizes) = label_geometry(100, width, height, seed)
    rects = placement.rects[placement.placed]
    assert pairwise_overlaps(rects) == 0
    assert (rects[:, :2] >= 0).all() and (rects[:, 2] <= width).all() and (rects[:, 3] <= height).all()
    assert placement.placed.all(), f"{(~placement.placed).sum()} of 100 labels found no room"
    # what is drawn is what was checked: each label's background box (its measured text
    # plus its pads) is its placed rectangle, on whole pixels
    texts = [op.node for op in flatten(scene) if isinstance(op.node, Texts)]
    assert len(texts) == 1 and set(texts[0].strings) == set(overlay.labels.strings)
    label = texts[0]
    size = text_size(list(label.strings), label.style.font_size, label.style.font_family)
    drawn = np.concatenate([label.xy - label.pad[:, :2], label.xy + size + label.pad[:, 2:]], axis=1)
    np.testing.assert_allclose(drawn, np.rint(rects), atol=1e-9)
    assert not [op for op in flatten(scene) if isinstance(op.node, Boxes)]  # no separate boxes


def test_saturated_canvas_shrinks_or_drops_labels_but_never_overlaps():
    width, height = 240, 160
    _, (scene, placement, font_sizes) = label_geometry(150, width, height, 7)
    rects = placement.rects[placement.placed]
    assert pairwise_overlaps(rects) == 0
    assert (rects[:, :2] >= 0).all() and (rects[:, 2] <= width).all() and (rects[:, 3] <= height).all()
    assert font_sizes.min() < font_sizes.max()  # some labels were retried smaller
    assert 0 < placement.placed.sum() < 150


def test_first_choice_is_above_the_top_left_corner():
    placement = place_labels([[50, 60, 150, 160]], [[40, 12]], (300, 300))
    np.testing.assert_array_equal(placement.rects[0], [50, 48, 90, 60])
    assert not placement.moved[0]


def test_box_at_the_top_edge_gets_its_label_inside():
    placement = place_labels([[50, 0, 150, 100]], [[40, 12]], (300, 300))
    np.testing.assert_array_equal(placement.rects[0], [50, 0, 90, 12])


def test_tiny_box_at_the_top_gets_its_label_below_not_over_it():
    placement = place_labels([[50, 0, 60, 8]], [[40, 12]], (300, 300))
    np.testing.assert_array_equal(placement.rects[0], [50, 8, 90, 20])


def test_label_near_the_right_edge_is_shifted_inside():
    placement = place_labels([[280, 100, 299, 150]], [[60, 12]], (300, 300))
    x0, y0, x1, y1 = placement.rects[0]
    assert x1 <= 300 and y1 == 100


def test_higher_priority_takes_the_contested_spot():
    boxes = [[50, 60, 150, 160], [50, 60, 150, 160]]
    placement = place_labels(boxes, [[40, 12], [40, 12]], (300, 300), priority=[0.2, 0.9])
    np.testing.assert_array_equal(placement.rects[1], [50, 48, 90, 60])
    assert not (placement.rects[0] == placement.rects[1]).all()


def test_point_anchor_centers_the_label():
    placement = place_labels([[100, 100, 100, 100]], [[40, 10]], (300, 300))
    np.testing.assert_array_equal(placement.rects[0], [80, 95, 120, 105])


def test_obstacles_are_avoided():
    placement = place_labels([[50, 60, 150, 160]], [[40, 12]], (300, 300), obstacles=[[0, 0, 300, 61]])
    assert placement.rects[0, 1] >= 61


def test_moved_labels_get_leader_segments_to_their_box():
    boxes = np.array([[100, 100, 120, 120]] * 12, float)  # twelve labels fight for one small box
    placement = place_labels(boxes, np.tile([[50, 12]], (12, 1)), (400, 400))
    assert placement.placed.all() and placement.moved.any()
    assert pairwise_overlaps(placement.rects) == 0
    segments = leader_segments(placement.rects[placement.moved], boxes[placement.moved])
    ends = segments[:, 1]
    assert ((ends >= boxes[0, :2] - 1e-9) & (ends <= boxes[0, 2:] + 1e-9)).all()  # ends on the box

    labels = LabelSet(boxes, [f"label {i}" for i in range(12)], np.tile([200, 30, 30, 255], (12, 1)),
                      np.full(12, 11.0), np.arange(12.0))
    scene, placement, _ = draw_labels(labels, (400, 400))
    lines = [op.node for op in flatten(scene) if isinstance(op.node, Lines)]
    assert lines and lines[-1].count == placement.moved.sum()


def _crowd(seed: int, n: int):
    """Boxes, label sizes, obstacles, priorities and asked-for spots (some NaN) that make
    many labels lose their first spot."""
    rng = np.random.default_rng(seed)
    lo = rng.uniform([0, 0], [360, 260], (n, 2))
    boxes = np.concatenate([lo, lo + rng.uniform(4, 60, (n, 2))], axis=1)
    boxes[::7, 2:] = boxes[::7, :2]  # some point anchors
    sizes = np.column_stack([rng.uniform(20, 70, n), rng.uniform(8, 16, n)])
    sizes[3] = (500, 10)  # wider than the canvas: placed at its corner
    obstacles = np.array([[0, 0, 400, 12], [150, 120, 260, 170]], float)
    spots = np.where(rng.random((n, 1)) < 0.3, rng.uniform(-20, 380, (n, 2)), np.nan)
    return boxes, sizes, obstacles, rng.random(n), spots


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("gap", [0.0, 2.5])
def test_the_table_of_first_spots_places_every_label_where_testing_each_spot_does(seed, gap, monkeypatch):
    boxes, sizes, obstacles, priority, spots = _crowd(seed, 30 + 15 * seed)
    for kwargs in ({}, {"priority": priority, "obstacles": obstacles}, {"priority": priority, "spots": spots}):
        quick = place_labels(boxes, sizes, (400, 300), gap=gap, **kwargs)
        monkeypatch.setattr(placement_module, "QUICK_LABELS", 0)  # every spot tested against the placed labels
        tested = place_labels(boxes, sizes, (400, 300), gap=gap, **kwargs)
        monkeypatch.undo()
        assert quick.placed.sum() > len(boxes) // 2 and quick.moved.any()  # a real contest, not an empty canvas
        np.testing.assert_array_equal(quick.rects, tested.rects)
        np.testing.assert_array_equal(quick.placed, tested.placed)
        np.testing.assert_array_equal(quick.moved, tested.moved)


def _anchor_spot(box, size, name, inside, offset):
    """One label's asked-for spot, worked out by the rule in anchor_spots' docstring."""
    if name is None:
        return np.array([np.nan, np.nan])
    fx, fy = sv.geometry.POSITIONS["center" if name == "mass" else name]
    x0, y0, x1, y1 = box
    w, h = size
    ax, ay = x0 + fx * (x1 - x0), y0 + fy * (y1 - y0)
    x, y = ax - fx * w, ay - fy * h
    if not inside and fy != 0.5:
        y = ay - h if fy == 0.0 else ay
    elif not inside and fx != 0.5:
        x = ax - w if fx == 0.0 else ax
    return np.array([x + offset[0], y + offset[1]])


def test_anchor_spots_follow_the_rule_for_every_anchor_inside_and_outside():
    rng = np.random.default_rng(5)
    names = [None, *ANCHORS] * 4
    n = len(names)
    boxes = np.concatenate([rng.uniform(0, 300, (n, 2)), rng.uniform(300, 500, (n, 2))], axis=1)
    sizes = rng.uniform(5, 80, (n, 2))
    inside = np.arange(n) % 2 == 0
    offsets = rng.uniform(-5, 5, (n, 2))
    got = anchor_spots(boxes, sizes, names, inside, offsets)
    expected = np.array([_anchor_spot(*args) for args in zip(boxes, sizes, names, inside, offsets)])
    np.testing.assert_array_equal(got, expected)
    assert np.isnan(got[[i for i, name in enumerate(names) if name is None]]).all()
    assert anchor_spots(np.zeros((0, 4)), np.zeros((0, 2)), [], np.zeros(0, bool), np.zeros((0, 2))).shape == (0, 2)


def test_label_wider_than_the_canvas_is_shrunk_then_shortened_to_fit():
    labels = LabelSet([[0, 20, 50, 60]], ["a rather long class name 99.9"], [[0, 0, 255, 255]], [20.0], [1.0])
    scene, placement, sizes = draw_labels(labels, (200, 80))
    assert placement.placed[0] and placement.rects[0, 2] <= 200 and 8 <= sizes[0] < 20
    text = [op.node for op in flatten(scene) if isinstance(op.node, Texts)][0]
    assert text.strings == labels.strings

    scene, placement, sizes = draw_labels(labels, (90, 80))
    assert placement.placed[0] and placement.rects[0, 2] <= 90 and sizes[0] == 8
    text = [op.node for op in flatten(scene) if isinstance(op.node, Texts)][0]
    assert text.strings[0].endswith("\u2026") and text.strings[0].startswith("a rather")


def test_measured_size_matches_the_painted_background():
    strings = ["person 87.0", "traffic light 12.5", "\u884c\u4eba 93.0"]
    sizes = text_size(strings, 14.0)
    for text, (w, h) in zip(strings, sizes):
        scene = sv.background((0, 0, 300, 60), "white") + sv.texts(text, (10, 10), font_size=14.0, background="black",
                                                                   pad=0.0)
        dark = np.argwhere(sv.render(scene).max(axis=2) < 128)
        (y0, x0), (y1, x1) = dark.min(axis=0), dark.max(axis=0) + 1
        assert (x0, y0) == (10, 10)
        assert abs((x1 - x0) - w) <= 1 and abs((y1 - y0) - h) <= 1


def test_text_size_checks_its_arguments():
    with pytest.raises(TypeError, match="strings\\[1\\]"):
        text_size(["a", 3], 12)
    with pytest.raises(ValueError, match="font_size"):
        text_size(["a"], 0)
    assert text_size([], 12).shape == (0, 2)
    assert text_size([""], 12).tolist() == [[0.0, 0.0]]


def test_labels_are_measured_once_and_their_backgrounds_sit_on_whole_pixels(monkeypatch):
    """The text sizes placement measured are the ones the backgrounds are padded around
    (only retried, smaller labels are measured again, at their new size): no second pass
    over every label."""
    from scenevis.annotate import labels as labels_module

    calls = []
    measure = labels_module.text_size
    monkeypatch.setattr(labels_module, "text_size", lambda strings, *args: calls.append(len(strings))
                        or measure(strings, *args))
    for n, (width, height) in [(40, (640, 480)), (160, (320, 240))]:
        calls.clear()
        overlay, (scene, placement, sizes) = label_geometry(n, width, height, 0)
        retried = sizes < overlay.labels.font_sizes
        assert calls[0] == n and all(count <= retried.sum() for count in calls[1:]) and retried.any() == (n == 160)
        text = [op for op in flatten(scene) if isinstance(op.node, Texts)][0].node
        keep = np.flatnonzero(placement.placed)
        measured = text_size(list(text.strings), sizes[keep])
        left, top = text.xy[:, 0] - text.pad[:, 0], text.xy[:, 1] - text.pad[:, 1]
        right = text.xy[:, 0] + measured[:, 0] + text.pad[:, 2]
        bottom = text.xy[:, 1] + measured[:, 1] + text.pad[:, 3]
        for edge in (left, top, right, bottom):
            np.testing.assert_allclose(edge, np.rint(edge), atol=1e-9)
        np.testing.assert_allclose(np.stack([left, top, right, bottom], 1), np.rint(placement.rects[keep]), atol=1e-9)
