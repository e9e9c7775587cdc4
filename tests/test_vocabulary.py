"""The fuller drawing vocabulary (issue 20): rotated boxes, markers, halos, effects, labels
that ask where to go, keypoint styles and insets. Geometry is checked against the maths;
pictures are pinned by the goldens in tests/golden_scenes.py."""
import math

import numpy as np
import pytest
from hypothesis import example, given, settings, strategies as st

import scenevis as sv
from scenevis import annotate, samples
from scenevis.annotate.labels import LabelSet, draw_labels, fitted
from scenevis.annotate.placement import overlaps
from scenevis.nodes import rotated_corners

from golden_compare import assert_golden
from golden_scenes import SCENES


def nodes_of(scene, kind) -> list:
    """The nodes of type ``kind`` that ``scene`` draws, in drawing order (through its layers)."""
    from scenevis.renderer.flatten import flatten

    return [op.node for op in flatten(scene) if isinstance(op.node, kind)]

RED = np.array([255, 0, 0], np.uint8)


# ------------------------------------------------------------------------------ rotated boxes

@pytest.mark.parametrize("unit", ["rad", "deg"])
def test_rotated_corners_are_the_formula_to_the_bit(unit):
    """Corner k is (cx + hx cos - hy sin, cy + hx sin + hy cos), (hx, hy) = (sx w / 2, sy h / 2),
    each value as that formula computes it in float64 (the pixels of rotated boxes depend on it)."""
    rng = np.random.default_rng(11)
    boxes = np.c_[rng.uniform(-50, 900, (200, 2)), rng.uniform(0, 300, (200, 2)), rng.uniform(-4, 4, 200)]
    boxes[:5, 4] = [0.0, -0.0, math.pi / 2, -math.pi, 1e-300]
    angle = boxes[:, 4] * (math.pi / 180.0) if unit == "deg" else boxes[:, 4]
    cos, sin = np.cos(angle).tolist(), np.sin(angle).tolist()
    got = rotated_corners(boxes, unit).tolist()
    for i, (cx, cy, w, h, _) in enumerate(boxes.tolist()):
        for k, (sx, sy) in enumerate([(1.0, 1.0), (1.0, -1.0), (-1.0, -1.0), (-1.0, 1.0)]):
            hx, hy = w / 2 * sx, h / 2 * sy
            assert got[i][k] == [cx + (hx * cos[i] - hy * sin[i]), cy + (hx * sin[i] + hy * cos[i])]


def test_rotated_corners_land_where_the_maths_says():
    # (cx, cy, w, h, angle) = (10, 20, 8, 4, pi/6): corner k = centre + R(angle) (sx w/2, sy h/2)
    # with (sx, sy) = (1, 1), (1, -1), (-1, -1), (-1, 1) (MMRotate's rbox2qbox order).
    c, s = math.cos(math.pi / 6), math.sin(math.pi / 6)
    expected = [[10 + 4 * c - 2 * s, 20 + 4 * s + 2 * c], [10 + 4 * c + 2 * s, 20 + 4 * s - 2 * c],
                [10 - 4 * c + 2 * s, 20 - 4 * s - 2 * c], [10 - 4 * c - 2 * s, 20 - 4 * s + 2 * c]]
    np.testing.assert_allclose(rotated_corners([[10, 20, 8, 4, math.pi / 6]])[0], expected)
    np.testing.assert_allclose(expected[0], [12.4641016, 23.7320508])  # worked by hand
    degrees = sv.rotated_boxes([[10, 20, 8, 4, 30]], angle_unit="deg")
    np.testing.assert_allclose(degrees.corners[0], expected)
    eight = sv.rotated_boxes(np.array(expected).reshape(1, 8))
    np.testing.assert_allclose(eight.corners, degrees.corners)
    # sides keep their lengths; the first edge is the +w/2 side, facing the angle
    corners = degrees.corners[0]
    assert math.isclose(np.hypot(*(corners[1] - corners[0])), 4) and math.isclose(np.hypot(*(corners[2] - corners[1])), 8)
    front = (corners[0] + corners[1]) / 2
    np.testing.assert_allclose(front, [10 + 4 * c, 20 + 4 * s])


def _inside_convex(corners, xy, margin):
    """Points at least ``margin`` inside a convex quadrilateral (either winding)."""
    edges = np.roll(corners, -1, axis=0) - corners
    normals = np.stack([edges[:, 1], -edges[:, 0]], 1) / np.hypot(edges[:, 0], edges[:, 1])[:, None]
    sign = np.sign(np.median(((corners.mean(0) - corners) * normals).sum(-1)))
    dist = ((xy[:, None, :] - corners[None]) * normals[None]).sum(-1) * sign
    return (dist > margin).all(axis=1), (dist < -margin).any(axis=1)


@pytest.mark.parametrize("angle", [0.0, 0.3, -1.1, math.pi / 2, 2.5])
def test_a_filled_rotated_box_covers_its_corners_polygon(angle):
    box = sv.rotated_boxes([[50, 40, 60, 24, angle]], fill="red", width=0)
    out = sv.render(sv.background((0, 0, 100, 80), "white") + box)
    yy, xx = np.mgrid[0:80, 0:100]
    centres = np.stack([xx.ravel() + 0.5, yy.ravel() + 0.5], 1)
    inside, outside = _inside_convex(box.corners[0], centres, 0.75)
    red = (out.reshape(-1, 3) == RED).all(axis=1)
    white = (out.reshape(-1, 3) == 255).all(axis=1)
    assert red[inside].all() and white[outside].all()
    assert inside.sum() > 0.9 * 60 * 24 - 2 * 0.75 * (60 + 24) * 1.1


def test_the_heading_tick_marks_the_front_edge():
    plain = sv.rotated_boxes([[50, 40, 60, 24, 0.4]], color="black", width=2)
    ticked = sv.rotated_boxes([[50, 40, 60, 24, 0.4]], color="black", width=2, heading=True)
    canvas = sv.background((0, 0, 100, 80), "white")
    change = np.abs(sv.render(canvas + plain).astype(int) - sv.render(canvas + ticked)).max(axis=2)
    diff = np.argwhere(change > 16)  # (the outline's anti-aliasing moves by a few levels)
    assert len(diff) > 10
    direction = np.array([math.cos(0.4), math.sin(0.4)])
    along = ((diff[:, ::-1] + 0.5) - [50, 40]) @ direction
    assert along.min() > 30 / 2 - 3 and along.max() < 30 + 2  # from half-way to the front edge (w/2 = 30)


def test_rotated_box_errors_name_the_argument():
    with pytest.raises(ValueError, match="boxes: expected shape"):
        sv.rotated_boxes([[1, 2, 3, 4, 5, 6]])
    with pytest.raises(ValueError, match="angle_unit"):
        sv.rotated_boxes([[1, 2, 3, 4, 5]], angle_unit="grad")
    with pytest.raises(ValueError, match="w and h >= 0"):
        sv.rotated_boxes([[1, 2, -3, 4, 5]])


# ------------------------------------------------------------------------------ effects

def _noise(w=64, h=48, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), np.uint8)


def _covered(regions, shape, scale=1.0, outside=False, frame=None):
    """The pixels whose centres lie in the regions (or in the frame but outside them)."""
    h, w = shape
    yy, xx = (np.mgrid[0:h, 0:w] + 0.5) / scale
    cover = np.zeros((h, w), bool)
    if isinstance(regions, np.ndarray) and regions.dtype != bool:
        for x0, y0, x1, y1 in regions:
            cover |= (xx >= x0) & (xx < x1) & (yy >= y0) & (yy < y1)
    else:
        masks = np.asarray(regions, bool).reshape((-1,) + np.shape(regions)[-2:])
        iy, ix = np.floor(yy).astype(int), np.floor(xx).astype(int)
        ok = (iy < masks.shape[1]) & (ix < masks.shape[2])
        cover = np.zeros((h, w), bool)
        cover[ok] = masks.any(axis=0)[iy[ok], ix[ok]]
    if outside:
        x0, y0, x1, y1 = frame
        cover = ~cover & (xx >= x0) & (xx < x1) & (yy >= y0) & (yy < y1)
    return cover


regions_st = st.one_of(
    st.lists(st.tuples(st.floats(-5, 60), st.floats(-5, 44), st.floats(1, 30), st.floats(1, 30)), min_size=1,
             max_size=4).map(lambda items: np.array([[x, y, x + w, y + h] for x, y, w, h in items])),
    st.integers(0, 10_000).map(lambda seed: np.random.default_rng(seed).random((2, 48, 64)) > 0.7),
)


@settings(max_examples=60, deadline=None)
@given(regions_st, st.sampled_from([sv.blur, sv.pixelate, sv.desaturate, sv.dim, sv.brighten]), st.booleans(),
       st.sampled_from([1.0, 2.0]))
@example(np.array([[0.0, -1.0, 1.0, 0.0]]), sv.desaturate, False, 1.0)  # a region above the picture
def test_an_effect_changes_pixels_only_inside_its_regions(regions, make, outside, scale):
    frame = (3.5, 2.0, 50.0, 40.5)
    picture = sv.image(_noise())
    below = sv.render(picture, scale=scale)
    out = sv.render(picture + make(regions, outside=outside, frame=frame if outside else None), scale=scale)
    changed = (out != below).any(axis=2)
    allowed = _covered(regions, below.shape[:2], scale, outside, frame)
    assert not (changed & ~allowed).any(), f"{(changed & ~allowed).sum()} pixels changed outside the regions"
    if make in (sv.dim, sv.desaturate) and allowed.any():  # noise changes under these wherever they apply
        assert changed[allowed].mean() > 0.7


def test_overlapping_regions_are_changed_once():
    picture = sv.image(np.full((40, 40, 3), 200, np.uint8))
    twice = sv.render(picture + sv.dim([[0, 0, 30, 30], [10, 10, 40, 40]], 0.5))
    assert twice[20, 20].tolist() == [100, 100, 100] and twice[5, 5].tolist() == [100] * 3
    assert twice[35, 5].tolist() == [200] * 3


def test_pixelate_makes_blocks_on_the_canvas_grid_and_blur_smooths():
    out = sv.render(sv.image(_noise()) + sv.pixelate([[0, 0, 64, 48]], 8))
    blocks = out.reshape(6, 8, 8, 8, 3)
    assert (blocks == blocks[:, :1, :, :1]).all()
    soft = sv.render(sv.image(_noise()) + sv.blur([[0, 0, 64, 48]], 9)).astype(float)
    assert np.abs(np.diff(soft, axis=1)).mean() < 0.2 * np.abs(np.diff(_noise().astype(float), axis=1)).mean()


@pytest.mark.parametrize("rgba", [False, True])
def test_a_blur_is_the_same_whatever_the_height_of_its_strips(monkeypatch, rgba):
    """Blurs are worked a strip of rows at a time; pictures this small fit one strip, so
    strips of a few rows check the seams between strips."""
    from scenevis.renderer import effects

    scene = sv.image(_noise(70, 50, seed=5)) + sv.blur([[3, 2, 60, 47], [30, 10, 70, 50]], 6)
    whole = sv.render(scene, rgba=rgba)
    monkeypatch.setattr(effects, "STRIP", 4 * 70 * 3)
    np.testing.assert_array_equal(sv.render(scene, rgba=rgba), whole)


@pytest.mark.parametrize("box", [(3, 5, 70, 50), (13, 11, 59, 41), (0, 0, 70, 50)])
def test_each_pixelated_block_is_the_mean_of_its_canvas_cell(box):
    """Cells cut by the canvas's edge and cells the box cuts (their means come from the
    whole cell) alike."""
    noise = _noise(70, 50, seed=3)
    out = sv.render(sv.image(noise) + sv.pixelate([box], 8))
    x0, y0, x1, y1 = box
    expected = noise.copy()
    for y in range(y0, y1):
        for x in range(x0, x1):
            cell = noise[y // 8 * 8:y // 8 * 8 + 8, x // 8 * 8:x // 8 * 8 + 8]
            expected[y, x] = np.rint(cell.reshape(-1, 3).mean(axis=0))
    np.testing.assert_array_equal(out, expected)

def test_desaturate_outside_keeps_colour_only_on_the_objects():
    img = np.zeros((20, 30, 3), np.uint8)
    img[..., 0] = 200
    out = sv.render(sv.image(img) + sv.desaturate([[10, 5, 20, 15]], outside=True, frame=(0, 0, 30, 20)))
    assert out[10, 15].tolist() == [200, 0, 0]
    grey = round(0.299 * 200)
    assert out[1, 1].tolist() == [grey] * 3


def test_brighten_and_dim_on_an_rgba_render_keep_transparency():
    scene = sv.boxes([[0, 0, 10, 10]], fill=(255, 0, 0, 128), width=0) + sv.brighten([[0, 0, 20, 10]], 1.0)
    out = sv.render(scene, size=(20, 10), rgba=True)
    assert out[5, 5].tolist() == [255, 255, 255, 128] and out[5, 15].tolist() == [0, 0, 0, 0]


def test_effect_errors_name_the_argument():
    with pytest.raises(ValueError, match="frame"):
        sv.desaturate([[0, 0, 5, 5]], outside=True)
    with pytest.raises(ValueError, match="amount"):
        sv.dim([[0, 0, 5, 5]], 1.5)
    with pytest.raises(TypeError, match="regions"):
        sv.blur("everything")


# ------------------------------------------------------------------------------ halos and markers

def test_a_halo_glows_around_its_region_and_leaves_it_clear():
    canvas = sv.background((0, 0, 60, 60), "black")
    out = sv.render(canvas + sv.halo([[20, 20, 40, 40]], radius=9, color="yellow", alpha=1.0))
    assert (out[22:38, 22:38] == 0).all()                 # the region stays clear
    assert out[30, 18, 0] > 150 and out[30, 18, 2] < 40   # strong yellow just outside the edge
    assert out[30, 8].tolist() == [0, 0, 0] and out[5, 5].tolist() == [0, 0, 0]  # nothing past the reach
    inside_mask = np.zeros((60, 60), bool)
    inside_mask[20:40, 20:40] = True
    from_mask = sv.render(canvas + sv.halo(inside_mask, radius=9, color="yellow", alpha=1.0))
    np.testing.assert_array_equal(out, from_mask)


def _ink(scene, size=(100, 80)):
    out = sv.render(sv.background((0, 0) + size, "white") + scene)
    return (out != 255).any(axis=2)


def test_markers_land_where_asked():
    box = [[30, 30, 70, 60]]
    dot = _ink(sv.markers(box, "dot", size=3, color="red"))
    assert dot[45, 50] and dot.sum() < 40 and not dot[31, 31]
    tri = np.argwhere(_ink(sv.markers(box, "triangle", size=10, color="red")))
    assert tri[:, 0].min() >= 20 and tri[:, 0].max() <= 30 and abs(tri[:, 1].mean() + 0.5 - 50) < 1
    corners = _ink(sv.markers(box, "corners", size=6, color="red", width=2))
    assert corners[30, 32] and corners[59, 68] and not corners[30, 50] and not corners[45, 30]
    foot = np.argwhere(_ink(sv.markers(box, "ellipse", color="red", width=2)))
    assert foot[:, 0].min() >= 60 - 40 / 6 - 2 and foot[:, 0].max() <= 60 + 40 / 6 + 1
    assert foot[:, 1].min() >= 29 and foot[:, 1].max() <= 71
    rounded = _ink(sv.markers(box, "round_box", size=8, color="red", width=2))
    square = _ink(sv.boxes(box, color="red", width=2))
    assert square[30, 30] and not rounded[30, 30] and rounded[30, 50]


@pytest.mark.parametrize("make", [
    lambda aa: sv.rotated_boxes([[50, 40, 60, 24, 0.4], [30, 30, 20, 30, -0.7]], color="red", width=2, antialias=aa),
    lambda aa: sv.markers([[10, 10, 90, 60], [20, 30, 60, 70]], "ellipse", color="red", width=2, antialias=aa),
    lambda aa: sv.markers([[10, 10, 90, 60]], "round_box", color="red", width=3, antialias=aa),
    lambda aa: sv.markers([[10, 10, 90, 60]], "dot", color="red", size=6, antialias=aa),
])
def test_aliased_marks_ink_whole_pixels_where_the_antialiased_ones_ink(make):
    canvas = sv.background((0, 0, 100, 80), "white")
    smooth, aliased = sv.render(canvas + make(True)), sv.render(canvas + make(False))
    red = (aliased == RED).all(axis=2)
    assert red.sum() > 20 and (red | (aliased == 255).all(axis=2)).all()  # every pixel inked or not
    partial = ~(smooth == RED).all(axis=2) & ~(smooth == 255).all(axis=2)
    assert partial.sum() > 10  # the default is antialiased
    assert not (red & (smooth == 255).all(axis=2)).any()  # no ink where the smooth mark has none


def test_aliased_marks_keep_their_setting_in_svg_and_scene_files():
    from scenevis import scenefile

    scene = sv.rotated_boxes([[50, 40, 60, 24, 0.4]], antialias=False) + sv.markers([[10, 10, 90, 60]], "ellipse")
    assert scene.to_svg().count('shape-rendering="crispEdges"') == 1
    loaded = scenefile.loads(scenefile.dumps(scene))
    assert [node.antialias for node in nodes_of(loaded, (sv.nodes.RotatedBoxes, sv.nodes.Markers))] == [False, True]
    with pytest.raises(TypeError, match="antialias: expected True or False, got 'no'"):
        sv.markers([[10, 10, 90, 60]], "ellipse", antialias="no")


# ------------------------------------------------------------------------------ labels

anchors_st = st.sampled_from(list(annotate.placement.ANCHORS[:-1]) + [None])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 300), st.floats(0, 200), st.floats(0, 120), st.floats(0, 90), anchors_st,
                          st.booleans(), st.sampled_from(["person", "a much longer label text", "x"])),
                min_size=1, max_size=30),
       st.sampled_from([(0.0, 0.0), (5.0, -3.0), (-40.0, 30.0)]), st.sampled_from([None, 60.0]))
def test_labels_with_anchors_stay_in_the_canvas_and_never_overlap(items, offset, max_width):
    n = len(items)
    anchors = np.array([[x, y, x + w, y + h] for x, y, w, h, *_ in items])
    labels = LabelSet(anchors, [t for *_, t in items], np.full((n, 4), 200, np.uint8), np.full(n, 13.0),
                      -np.arange(n, dtype=float), positions=[a for *_, a, _, _ in items],
                      inside=[i for *_, i, _ in items], offsets=np.tile(offset, (n, 1)),
                      max_widths=None if max_width is None else np.full(n, max_width))
    _, placement, _ = draw_labels(labels, (320, 240))
    rects = placement.rects[placement.placed]
    assert (rects[:, :2] >= -1e-9).all() and (rects[:, 2] <= 320 + 1e-9).all() and (rects[:, 3] <= 240 + 1e-9).all()
    hit = overlaps(rects, rects)
    np.fill_diagonal(hit, False)
    assert not hit.any()
    if max_width is not None:
        assert (rects[:, 2] - rects[:, 0] <= max_width + 1e-9).all()


@pytest.mark.parametrize("name, inside, expected", [
    ("top_left", False, lambda w, h: (100, 100 - h)), ("top_left", True, lambda w, h: (100, 100)),
    ("bottom_right", False, lambda w, h: (200 - w, 150)), ("bottom_right", True, lambda w, h: (200 - w, 150 - h)),
    ("center_left", False, lambda w, h: (100 - w, 125 - h / 2)), ("center", False, lambda w, h: (150 - w / 2, 125 - h / 2)),
    ("top_center", False, lambda w, h: (150 - w / 2, 100 - h)),
])
def test_a_free_label_sits_exactly_where_its_anchor_says(name, inside, expected):
    labels = LabelSet([[100, 100, 200, 150]], ["label"], [[200, 0, 0, 255]], [13.0], [1.0], positions=[name],
                      inside=[inside], offsets=[[3.0, -2.0]])
    _, placement, _ = draw_labels(labels, (400, 300))
    w, h = placement.rects[0, 2:] - placement.rects[0, :2]
    x, y = expected(w, h)
    np.testing.assert_allclose(placement.rects[0, :2], [x + 3, y - 2])
    assert not placement.moved[0]


def test_the_rule_a_taken_spot_sends_the_later_label_elsewhere_and_the_edge_slides_it_in():
    labels = LabelSet([[100, 100, 200, 150], [100, 100, 200, 150]], ["first", "second"], [[200, 0, 0, 255]] * 2,
                      [13.0, 13.0], [2.0, 1.0], positions=["top_left", "top_left"])
    _, placement, _ = draw_labels(labels, (400, 300))
    assert placement.placed.all() and placement.rects[0, 1] < 100 and placement.rects[0, 0] == 100
    assert not overlaps(placement.rects[:1], placement.rects[1:]).any()
    edge = LabelSet([[0, 0, 50, 50]], ["edge"], [[0, 0, 0, 255]], [13.0], [1.0], positions=["top_left"])
    _, placement, _ = draw_labels(edge, (400, 300))
    assert placement.rects[0, 1] == 0 and placement.rects[0, 0] == 0 and not placement.moved[0]


def test_a_maximum_width_wraps_or_cuts_the_text():
    wrapped = fitted("a much longer label text", 13.0, "DejaVu Sans", 80)
    assert "\n" in wrapped and wrapped.replace("\n", " ") == "a much longer label text"
    cut = fitted("a much longer label text", 13.0, "DejaVu Sans", 80, "ellipsis")
    assert cut.endswith("\u2026") and "\n" not in cut


def test_a_mask_label_can_sit_on_its_centre_of_mass():
    masks = np.zeros((1, 100, 160), bool)
    masks[0, 20:80, 10:30] = True
    masks[0, 20:40, 10:150] = True  # an L: its centre of mass is off its box's centre
    scene = annotate.instances(masks=masks, labels=[0], classes=["thing"], canvas=(160, 100), label_anchor="mass",
                               show_boxes=False)
    texts = nodes_of(scene, sv.Texts)[0]
    ys, xs = np.nonzero(masks[0])
    centre = np.array([xs.mean() + 0.5, ys.mean() + 0.5])
    box = texts.xy[0]  # the text's top-left corner inside the label
    assert abs(box[0] - centre[0]) < 30 and abs(box[1] - centre[1]) < 12


def test_rotated_predictions_are_drawn_with_labels_above_their_top_corner():
    boxes = np.array([[100, 100, 120, 40, 0.4], [300, 200, 90, 30, -0.9]])
    scene = annotate.instances(bboxes=boxes, labels=[0, 1], scores=[0.9, 0.8], classes=["plane", "ship"],
                               canvas=(480, 320))
    rotated = nodes_of(scene, sv.RotatedBoxes)[0]
    np.testing.assert_allclose(rotated.corners, rotated_corners(boxes))
    texts = nodes_of(scene, sv.Texts)[0]
    for corner, (x, y) in zip(rotated.top_corners(), texts.xy):
        assert y < corner[1] and abs(x - corner[0]) < 60  # above the corner, about centred on it


# ------------------------------------------------------------------------------ keypoints

def _pose():
    from golden_scenes import pose_people

    people, visible = pose_people()
    return {"keypoints": people, "keypoint_scores": visible}


def test_openpose_style_adds_the_neck_between_the_shoulders():
    from scenevis.annotate.keypoints import keypoints_overlay_for
    from scenevis.annotate.access import read_instances

    data = _pose()
    overlay = keypoints_overlay_for(read_instances(data), (260, 180), {}, style="openpose")
    circles = nodes_of(overlay.shapes, sv.Circles)[0]
    neck = (data["keypoints"][0, 5] + data["keypoints"][0, 6]) / 2
    assert (np.abs(circles.centers - neck).sum(axis=1) < 1e-9).any()
    assert len(circles.centers) == 2 * 18 - 2  # the second person's hidden wrist and ankle are left out


def test_keypoint_labels_radii_and_link_colours():
    data = _pose()
    idx = annotate.keypoints(data, canvas=(260, 180), show_kpt_idx=True)
    strings = [s for node in nodes_of(idx, sv.Texts) for s in node.strings]
    expected = [str(j) for j in range(17)] + [str(j) for j in range(17) if j not in (9, 15)]  # two hidden
    assert sorted(strings, key=int) == sorted(expected, key=int)
    named = annotate.keypoints(data, canvas=(260, 180), show_kpt_names=True)
    assert "left_shoulder" in [s for node in nodes_of(named, sv.Texts) for s in node.strings]
    radius = np.r_[9.0, np.full(16, 2.0)]
    sized = annotate.keypoints(data, canvas=(260, 180), radius=radius, style="mmpose")
    circles = nodes_of(sized, sv.Circles)[0]
    assert sorted(set(np.broadcast_to(circles.radii, (len(circles.centers),)).tolist())) == [2.0, 9.0]
    gray = annotate.keypoints(data, canvas=(260, 180), link_colors="gray", style="mmpose")
    lines = nodes_of(gray, sv.Lines)[0]
    assert (lines.style.color[:, :3] == 128).all()
    with pytest.raises(ValueError, match="style"):
        annotate.keypoints(data, canvas=(260, 180), style="matplotlib")


# ------------------------------------------------------------------------------ insets

def test_an_inset_is_the_region_drawn_anew_at_the_zoom():
    scene = sv.background((0, 0, 80, 60), "white") + sv.lines([[[10, 10.5], [70, 10.5]]], color="black", width=1)
    out = sv.render(sv.inset(scene, (0, 0, 40, 30), 4, at="right", gap=10, width=1))
    assert out.shape == (120, 80 + 10 + 160, 3)
    zoomed = out[:, 90:]
    column = zoomed[2:100, 80, 0]
    dark = np.flatnonzero(column < 128)
    assert len(dark) == 4 and (column[dark] == 0).all()  # a crisp 4 px line, not a blurred 1 px one
    leader = out[5:25, 82:89]
    assert (leader < 128).any()  # the leader line joins region and inset


def test_inset_errors_name_the_argument():
    scene = sv.background((0, 0, 80, 60))
    with pytest.raises(ValueError, match="region"):
        sv.inset(scene, (100, 100, 120, 120))
    with pytest.raises(ValueError, match="at"):
        sv.inset(scene, (0, 0, 10, 10), at="middle")


# ------------------------------------------------------------------------------ facade

def test_draw_rotated_bboxes_is_draw_polygons_of_the_corners():
    from scenevis.visualizer import Visualizer

    img = samples.photo(320, 214)
    boxes = np.array([[100, 100, 120, 40, 0.4], [220, 120, 90, 30, -0.9]])
    a = Visualizer(name="rot_a", image=img).draw_rotated_bboxes(boxes, edge_colors=["r", "b"])
    b = Visualizer(name="rot_b", image=img).draw_polygons(rotated_corners(boxes), edge_colors=["r", "b"])
    np.testing.assert_array_equal(a.get_image(), b.get_image())
    assert (a.get_image() != img).any()


def test_add_datasample_draws_mmrotate_predictions(tmp_path):
    from scenevis.det_visualizer import DetVisualizer

    vis = DetVisualizer(name="rotated_sample", vis_backends=[dict(type="LocalVisBackend")], save_dir=str(tmp_path))
    vis.dataset_meta = {"classes": ("plane", "ship")}
    sample = {"pred_instances": {"bboxes": np.array([[60.0, 50, 80, 20, 0.5], [150, 90, 40, 16, -1.2]]),
                                 "labels": np.array([0, 1]), "scores": np.array([0.9, 0.8])}}
    vis.add_datasample("rot", samples.photo(240, 160), sample, draw_gt=False, step=1)
    rotated = nodes_of(vis.scene, sv.RotatedBoxes)
    assert len(rotated) == 1 and rotated[0].count == 2
    assert (tmp_path / "vis_data" / "vis_image" / "rot_1.png").exists()


# ------------------------------------------------------------------------------ goldens

@pytest.mark.parametrize("name", sorted(n for n in SCENES if n.startswith("vocabulary_")))
def test_golden_vocabulary(name):
    assert_golden(name, sv.render(SCENES[name]()))


@pytest.mark.parametrize("radius", [1.0, 2.0, 2.5, 4.0])
def test_a_halo_of_any_radius_stays_in_its_bounds(radius):
    from test_algebra import ink_outside_bounds

    mask = np.zeros((5, 6), bool)
    mask[1:4, 1:5] = True
    for scene in (sv.halo(mask, radius=radius, color="red"), sv.halo([[1, 1, 5, 4]], radius=radius, color="red")):
        assert not len(ink_outside_bounds(scene)) and not len(ink_outside_bounds(scene.scale(2)))
