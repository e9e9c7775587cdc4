"""The laws of the scene algebra, checked with hypothesis (stated in scenevis/scene.py)."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import scenevis as sv
from scenevis.geometry import BBox
from scenevis.scene import Empty, Group

coord = st.floats(0, 60, allow_nan=False, allow_infinity=False)
side = st.floats(1, 30)
width = st.sampled_from([0.0, 1.0, 2.0, 3.0, 0.5, 1.7, 6.0])
color = st.sampled_from(["red", "g", "#3366ff", (10, 200, 30), (0, 0, 0, 120)])
STRINGS = ["WWWWWWWWWW", "行人 自行车", "person 0.87", "two\nlines", "Å g j", " ", "x"]


@st.composite
def leaf(draw):
    """One node of any type, with the style settings that change how it inks."""
    kind = draw(st.sampled_from(["boxes", "points", "circles", "lines", "polygons", "masks", "texts", "image",
                                 "heatmap", "background", "rotated", "markers", "halo", "effect"]))
    x0, y0 = draw(coord), draw(coord)
    w, h = draw(side), draw(side)
    if kind == "rotated":
        angle = draw(st.floats(-math.pi, math.pi))
        return sv.rotated_boxes([[x0, y0, w, h, angle]], heading=draw(st.booleans()), color=draw(color),
                                width=draw(width), fill=draw(st.sampled_from([None, "orange"])))
    if kind == "markers":
        return sv.markers([[x0, y0, x0 + w, y0 + h]], draw(st.sampled_from(sv.nodes.MARKERS)), color=draw(color),
                          width=draw(width), size=draw(st.sampled_from([None, 2.0, 9.5])),
                          fill=draw(st.sampled_from([None, (0, 0, 255, 90)])))
    if kind == "halo":
        regions = (np.array([[x0, y0, x0 + w, y0 + h]]) if draw(st.booleans()) else
                   sv.masks(np.pad(np.ones((3, 4), bool), 1), x=int(x0), y=int(y0)))
        return sv.halo(regions, radius=draw(st.sampled_from([2.0, 7.5, 12.0])), color=draw(color))
    if kind == "effect":
        rng = np.random.default_rng(int(x0 * 7 + y0))
        below = sv.image(rng.integers(0, 256, (int(h) + 2, int(w) + 2, 3), np.uint8), x=int(x0), y=int(y0))
        make = draw(st.sampled_from([sv.blur, sv.pixelate, sv.desaturate, sv.dim, sv.brighten]))
        box = [[x0 + w / 4, y0 + h / 4, x0 + w, y0 + h + 3]]
        outside = draw(st.booleans())
        return below + make(box, outside=outside, frame=(x0, y0, x0 + w, y0 + h) if outside else None)
    if kind == "boxes":
        return sv.boxes([[x0, y0, x0 + w, y0 + h]], color=draw(color), width=draw(width),
                        fill=draw(st.sampled_from([None, "orange"])))
    if kind == "points":
        return sv.points([[x0, y0]], radius=draw(st.floats(0, 6)), color=draw(color))
    if kind == "circles":
        return sv.circles([[x0, y0]], [w / 3], color=draw(color), width=draw(width))
    if kind in ("lines", "polygons"):
        n = draw(st.integers(2 if kind == "lines" else 3, 5))
        pts = [[x0 + draw(st.floats(-20, 20)), y0 + draw(st.floats(-20, 20))] for _ in range(n)]
        make = sv.lines if kind == "lines" else sv.polygons
        return make([pts], color=draw(color), width=draw(width))
    if kind == "masks":
        array = np.array(draw(st.lists(st.lists(st.booleans(), min_size=4, max_size=4), min_size=3, max_size=3)))
        return sv.masks(array, x=int(x0), y=int(y0), color=draw(color), alpha=draw(st.sampled_from([0.5, 1.0])))
    if kind == "texts":
        halign = draw(st.sampled_from(["left", "center", "right"]))
        valign = draw(st.sampled_from(["top", "center", "baseline", "bottom"]))
        boxed = draw(st.booleans())
        return sv.texts([draw(st.sampled_from(STRINGS))], [[x0, y0]], font_size=draw(st.sampled_from([9, 13, 20, 24])),
                        color=draw(color), halign=halign, valign=valign,
                        background="yellow" if boxed else None, background_edge="black" if boxed else None,
                        pad=draw(st.sampled_from([0.0, 2.0, [[1.0, 0.0, 3.5, 2.0]]])))
    if kind == "heatmap":
        values = np.arange(12, dtype=np.float32).reshape(3, 4)
        return sv.heatmap(values, extent=(x0, y0, x0 + w, y0 + h), alpha=0.7)
    if kind == "background":
        return sv.background((x0, y0, x0 + w, y0 + h), "navy")
    value = draw(st.integers(0, 255))
    return sv.image(np.full((int(h), int(w), 3), value, np.uint8), x=draw(st.sampled_from([int(x0), x0])), y=int(y0))


def _styled(scene, settings):
    return scene.styled(**settings)


scenes = st.recursive(leaf(), lambda inner: st.one_of(
    st.tuples(inner, inner).map(lambda ab: ab[0] + ab[1]),
    st.tuples(inner, coord, coord).map(lambda t: t[0].translate(t[1], t[2])),
    st.tuples(inner, st.floats(1, 2.5)).map(lambda t: t[0].scale(t[1])),
    st.tuples(inner, st.fixed_dictionaries({}, optional={
        "width": width, "color": color, "font_size": st.sampled_from([8, 16, 30]),
        "halign": st.sampled_from(["left", "right"])}).filter(bool)).map(lambda t: _styled(*t)),
    st.tuples(inner, coord, coord, side, side).map(lambda t: t[0].clipped((t[1], t[2], t[1] + t[3], t[2] + t[4]))),
), max_leaves=6)

CANVAS = dict(size=(100, 100))


@settings(max_examples=40, deadline=None)
@given(scenes)
def test_empty_is_the_identity(a):
    assert a + Empty() == a
    assert Empty() + a == a
    assert (sv.render(a + Empty(), **CANVAS) == sv.render(a, **CANVAS)).all()


@settings(max_examples=40, deadline=None)
@given(scenes, scenes, scenes)
def test_plus_is_associative(a, b, c):
    left, right = (a + b) + c, a + (b + c)
    assert left == right
    assert (sv.render(left, **CANVAS) == sv.render(right, **CANVAS)).all()


@settings(max_examples=60, deadline=None)
@given(scenes, scenes)
def test_bounds_of_a_sum_is_the_union(a, b):
    assert (a + b).bounds == a.bounds | b.bounds


PAPER = (3, 250, 7)  # a canvas color no generated scene draws in
MARGIN = 8


def ink_outside_bounds(scene):
    """Pixels that ``scene`` changes outside its bounds, on a whole-pixel canvas at least
    MARGIN pixels larger on every side."""
    box = scene.bounds
    if box.is_empty:
        return np.zeros((0, 2), int)
    x0, y0 = math.floor(box.x0) - MARGIN, math.floor(box.y0) - MARGIN
    paper = sv.background((x0, y0, math.ceil(box.x1) + MARGIN, math.ceil(box.y1) + MARGIN), PAPER)
    out = sv.render(paper + scene, background=PAPER)
    ink = (out != np.array(PAPER, np.uint8)).any(axis=2)
    rows, cols = np.ogrid[:out.shape[0], :out.shape[1]]
    # pixel (i, j) covers [x0 + j, x0 + j + 1) x [y0 + i, y0 + i + 1): inside when it overlaps the box
    inside = (x0 + cols + 1 > box.x0) & (x0 + cols < box.x1) & (y0 + rows + 1 > box.y0) & (y0 + rows < box.y1)
    return np.argwhere(ink & ~inside)


@settings(max_examples=150, deadline=None)
@given(scenes)
def test_no_ink_lies_outside_the_bounds(a):
    outside = ink_outside_bounds(a)
    assert not len(outside), f"{len(outside)} pixels of ink outside {a.bounds}, e.g. {outside[:5].tolist()}"


@pytest.mark.parametrize("scene", [
    sv.texts(["WWWWWWWWWW"], [[0, 0]], font_size=20),
    sv.texts(["行人 自行车"], [[0, 0]], font_size=24),
    sv.texts(["right-aligned"], [[0, 0]], halign="right"),
    sv.texts(["centre\nlines"], [[0, 0]], halign="center", valign="center", background="yellow", pad=3),
    sv.boxes([[0, 0, 40, 10]], width=6),
    sv.lines([[[0, 0], [40, 2], [0, 4]]], width=3),  # a sharp miter
    sv.polygons([[[0, 0], [30, 0], [15, 3]]], width=4),
], ids=["wide", "cjk", "right", "boxed", "box", "miter", "polygon"])
def test_text_and_stroke_only_scenes_are_not_cut(scene):
    """A scene without an image renders on its bounds, and its bounds hold all its ink:
    the picture is the whole drawing, as on a larger canvas."""
    box = scene.bounds
    assert scene.extent == box | sv.BBox(0, 0, 0, 0)
    out = sv.render(scene.translate(-box.x0, -box.y0), background=PAPER)
    paper = sv.background((-MARGIN, -MARGIN, math.ceil(box.width) + MARGIN, math.ceil(box.height) + MARGIN), PAPER)
    big = sv.render(paper + scene.translate(-box.x0, -box.y0), background=PAPER)
    h, w = out.shape[:2]
    np.testing.assert_array_equal(out, big[MARGIN:MARGIN + h, MARGIN:MARGIN + w])
    assert (out != np.array(PAPER, np.uint8)).any() and not len(ink_outside_bounds(scene))


def test_text_bounds_are_measured():
    wide = sv.texts(["WWWWWWWWWW"], [[0, 0]], font_size=20)
    assert sv.render(wide).shape[1] >= 195  # 198 px of text; the guess was 120
    cjk = sv.texts(["行人 自行车"], [[0, 0]], font_size=24)
    assert sv.render(cjk).shape[1] >= 5 * 24  # five full-width characters and a space; the guess cut the last
    right = sv.texts(["right"], [[0, 0]], halign="right")
    assert right.bounds.x1 <= 0.5 and (sv.render(right) < 128).any()  # it used to render nothing
    a, b = sv.texts(["left text"], [[0, 0]]), sv.texts(["right text"], [[0, 0]])
    row = sv.render(a | b) < 128
    cols = np.flatnonzero(row.any(axis=(0, 2)))
    assert (np.diff(cols) > 1).any()  # a gap between the two texts: they do not overlap
    assert (a | b).bounds.width >= a.bounds.width + b.bounds.width - 1e-9


def test_a_group_style_changes_the_bounds_of_what_it_inherits():
    text = sv.texts(["abc"], [[0, 0]])
    assert text.styled(font_size=40).bounds.height > 2 * text.bounds.height
    box = sv.boxes([[0, 0, 10, 10]])  # no width of its own: 2 by default, 10 in the group
    assert box.bounds == sv.BBox(-1, -1, 11, 11) and box.styled(width=10).bounds == sv.BBox(-5, -5, 15, 15)
    own = sv.boxes([[0, 0, 10, 10]], width=4)  # the innermost setting wins
    assert own.styled(width=10).bounds == own.bounds == sv.BBox(-2, -2, 12, 12)


@settings(max_examples=40, deadline=None)
@given(scenes, coord, coord)
def test_translate_shifts_bounds(a, dx, dy):
    box, moved = a.bounds, a.translate(dx, dy).bounds
    if box.is_empty:
        assert moved.is_empty
        return
    assert np.allclose([moved.x0, moved.y0, moved.x1, moved.y1], [box.x0 + dx, box.y0 + dy, box.x1 + dx, box.y1 + dy])


@st.composite
def pictures(draw):
    """A scene on an image: its extent is the image's, whatever is drawn over it."""
    w, h = draw(st.integers(1, 40)), draw(st.integers(1, 40))
    return sv.image(np.zeros((h, w, 3), np.uint8)) + draw(scenes)


@settings(max_examples=40, deadline=None)
@given(pictures(), pictures(), pictures())
def test_beside_and_above_are_associative(a, b, c):
    for op in (lambda x, y: x | y, lambda x, y: x / y):
        left, right = op(op(a, b), c), op(a, op(b, c))
        lb, rb = left.extent, right.extent
        assert np.allclose([lb.x0, lb.y0, lb.x1, lb.y1], [rb.x0, rb.y0, rb.x1, rb.y1])


def test_painters_order_b_over_a():
    red = sv.boxes([[0, 0, 10, 10]], fill="red", width=0)
    blue = sv.boxes([[0, 0, 10, 10]], fill="blue", width=0)
    assert sv.render(red + blue, size=(10, 10))[5, 5].tolist() == [0, 0, 255]
    assert sv.render(blue + red, size=(10, 10))[5, 5].tolist() == [255, 0, 0]


def test_long_chains_stay_flat():
    scene = Empty()
    for i in range(10_000):
        scene = scene + sv.points([[i % 100, i // 100]])
    assert isinstance(scene, Group) and len(scene.children) == 10_000
    assert all(not isinstance(child, Group) for child in scene.children)
    assert sv.render(scene).shape == (105, 105, 3)  # radius-3 dots from (0, 0) to (99, 99)


def test_beside_and_above_place_scenes():
    a = sv.image(np.zeros((10, 20, 3), np.uint8))
    b = sv.image(np.full((5, 8, 3), 255, np.uint8))
    assert (a | b).extent == BBox(0, 0, 28, 10)
    assert (a / b).extent == BBox(0, 0, 20, 15)
    row = sv.render(a | b)
    assert row[2, 22].tolist() == [255, 255, 255] and row[8, 22].tolist() == [255, 255, 255]  # white canvas under b
    assert sv.hstack([a, b]) == a | b and sv.vstack([a, b]) == a / b
    assert sv.hstack([]) == Empty()


def test_grid_layout_and_titles():
    cells = [sv.image(np.full((10, 10, 3), 40 * i, np.uint8)) for i in range(5)]
    g = sv.grid(cells, cols=3, gap=2)
    assert g.extent == BBox(0, 0, 34, 22)
    img = sv.render(g)
    assert img[5, 5].tolist() == [0, 0, 0] and img[5, 17].tolist() == [40, 40, 40] and img[17, 17].tolist() == [160] * 3
    assert img[5, 11].tolist() == [255, 255, 255]  # the gap shows the background
    titled = sv.grid(cells[:2], cols=2, titles=["a", "b"], title_size=10)
    assert titled.extent.height > 10


def test_styled_group_fills_unset_fields_and_inner_wins():
    inner = sv.boxes([[2, 2, 8, 8]], width=0, fill="red")
    plain = sv.boxes([[2, 2, 8, 8]], width=0)
    scene = (inner + plain.translate(10, 0)).styled(fill="blue")
    img = sv.render(scene, size=(20, 10))
    assert img[5, 5].tolist() == [255, 0, 0]      # the node's own fill wins
    assert img[5, 15].tolist() == [0, 0, 255]     # the group's fill fills the unset one


def test_scale_transform():
    box = sv.boxes([[0, 0, 4, 4]], fill="red", width=0).scale(2)
    assert box.bounds == BBox(0, 0, 8, 8)


def _tagged(scene):
    """``scene`` with every shape node's items numbered in ``meta['k']``."""
    from scenevis.scene import _rebuilt

    return _rebuilt(scene, lambda node, inherited: node.replace(meta={"k": np.arange(node.count)})
                    if isinstance(node, sv.nodes.Shape) else node)


@settings(max_examples=40, deadline=None)
@given(scenes)
def test_filter_and_restyle_leave_scenes_without_metadata_alone(a):
    assert a.filter(lambda m: m["k"] > 0) is a
    assert a.restyle(lambda m: m["k"] > 0, color="red") is a
    tagged = _tagged(a)
    assert tagged.filter(lambda m: True) is tagged
    assert tagged.restyle(lambda m: m["k"] < 0, width=9) is tagged
    assert np.array_equal(sv.render(tagged, **CANVAS), sv.render(a, **CANVAS))
