"""The laws of the scene algebra, checked with hypothesis (stated in scenevis/scene.py)."""
import numpy as np
from hypothesis import given, settings, strategies as st

import scenevis as sv
from scenevis.geometry import BBox
from scenevis.scene import Empty, Group

coord = st.floats(0, 60, allow_nan=False, allow_infinity=False)


@st.composite
def leaf(draw):
    kind = draw(st.sampled_from(["boxes", "points", "circles", "lines", "image"]))
    x0, y0 = draw(coord), draw(coord)
    w, h = draw(st.floats(1, 30)), draw(st.floats(1, 30))
    color = draw(st.sampled_from(["red", "g", "#3366ff", (10, 200, 30)]))
    if kind == "boxes":
        return sv.boxes([[x0, y0, x0 + w, y0 + h]], color=color)
    if kind == "points":
        return sv.points([[x0, y0]], color=color)
    if kind == "circles":
        return sv.circles([[x0, y0]], [w / 3], color=color)
    if kind == "lines":
        return sv.lines([[[x0, y0], [x0 + w, y0 + h]]], color=color)
    value = draw(st.integers(0, 255))
    return sv.image(np.full((int(h), int(w), 3), value, np.uint8), x=int(x0), y=int(y0))


scenes = st.recursive(leaf(), lambda inner: st.one_of(
    st.tuples(inner, inner).map(lambda ab: ab[0] + ab[1]),
    st.tuples(inner, coord, coord).map(lambda t: t[0].translate(t[1], t[2])),
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


@settings(max_examples=40, deadline=None)
@given(scenes, coord, coord)
def test_translate_shifts_bounds(a, dx, dy):
    box, moved = a.bounds, a.translate(dx, dy).bounds
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
