"""Scene nodes: construction, the input-type matrix, immutability, and clear errors."""
import attrs
import numpy as np
import pytest
import torch

import scenevis as sv
from scenevis.style import Style

BOXES = [[10, 20, 50, 60], [0, 0, 5, 5]]


@pytest.mark.parametrize("kind", ["list", "tuple", "numpy", "numpy_f32", "numpy_int", "tensor", "tensor_grad",
                                  "tensor_f16", "tensor_bf16", "noncontiguous", "readonly"])
def test_boxes_accept_every_input_kind(kind):
    base = np.array(BOXES, np.float64)
    value = {
        "list": BOXES,
        "tuple": tuple(map(tuple, BOXES)),
        "numpy": base,
        "numpy_f32": base.astype(np.float32),
        "numpy_int": base.astype(np.int32),
        "tensor": torch.tensor(BOXES, dtype=torch.float32),
        "tensor_grad": torch.tensor(BOXES, dtype=torch.float32, requires_grad=True),
        "tensor_f16": torch.tensor(BOXES, dtype=torch.float16),
        "tensor_bf16": torch.tensor(BOXES, dtype=torch.bfloat16),
        "noncontiguous": np.asfortranarray(base),
        "readonly": base.copy(),
    }[kind]
    if kind == "readonly":
        value.flags.writeable = False
    node = sv.boxes(value)
    np.testing.assert_array_equal(node.xyxy, base)
    assert node.xyxy.dtype == np.float64
    assert node.xyxy.flags.c_contiguous and not node.xyxy.flags.writeable


def test_caller_array_is_copied_and_left_writable():
    mine = np.array(BOXES, np.float64)
    node = sv.boxes(mine)
    mine[0, 0] = 999
    assert node.xyxy[0, 0] == 10
    assert mine.flags.writeable
    with pytest.raises(ValueError):
        node.xyxy[0, 0] = 1


def test_converter_is_idempotent_and_skips_the_copy():
    node = sv.boxes(BOXES)
    again = sv.Boxes(node.xyxy)
    assert again.xyxy is node.xyxy


def test_nodes_are_frozen_and_compare_by_value():
    a, b = sv.boxes(BOXES, color="red"), sv.boxes(BOXES, color=(255, 0, 0))
    assert a == b and hash(a) == hash(b)
    assert a != sv.boxes(BOXES, color="blue")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        a.xyxy = None
    changed = attrs.evolve(a, style=Style(width=5))
    assert changed.style.width[0] == 5 and a.style.width is None


def test_image_is_copied_once_and_never_mutated():
    pixels = np.zeros((8, 8, 3), np.uint8)
    node = sv.image(pixels)
    sv.render(node + sv.masks(np.ones((8, 8), bool), color="red", alpha=1.0))
    assert pixels.max() == 0
    assert not node.pixels.flags.writeable


@pytest.mark.parametrize("call, message", [
    (lambda: sv.boxes([1, 2, 3]), "boxes: expected shape (N, 4) or (4,), got (3,)"),
    (lambda: sv.boxes(np.zeros((3, 5))), "boxes: expected shape (N, 4) or (4,), got (3, 5)"),
    (lambda: sv.boxes([[5, 0, 1, 4]]), "boxes: expected x1 <= x2 and y1 <= y2"),
    (lambda: sv.boxes([[0, 0, np.nan, 4]]), "boxes: expected finite numbers, got NaN"),
    (lambda: sv.boxes([[0, 0, np.inf, 4]]), "boxes: expected finite numbers, got infinite values"),
    (lambda: sv.boxes(BOXES, color=["r", "g", "b"]), "color: expected 1 or 2 values (one per item of boxes), got 3"),
    (lambda: sv.boxes(BOXES, color="nosuchcolor"), "color: unknown color name 'nosuchcolor'"),
    (lambda: sv.boxes(BOXES, width=-1), "width: expected values in [0, 100000], got range [-1, -1]"),
    (lambda: sv.boxes(BOXES, dash="~~"), "dash: expected one of"),
    (lambda: sv.boxes(BOXES, alpha=1.5), "alpha: expected values in [0, 1]"),
    (lambda: sv.circles([[1, 2]], [1e30]), "radii: expected values within +-4,000,000 px, got 1e+30"),
    (lambda: sv.boxes([[0, 0, 1e9, 1]]), "boxes: expected values within +-4,000,000 px"),
    (lambda: sv.masks(np.zeros((2, 2), bool), x=np.nan), "x: expected a finite number, got nan"),
    (lambda: sv.texts("a\x00b", [0, 0]), "texts[0]: expected text without NUL characters"),
    (lambda: sv.texts("a\ud800", [0, 0]), "texts[0]: expected valid Unicode text, got a lone surrogate"),
    (lambda: sv.masks(np.zeros((2, 0, 3), bool)), "masks: expected masks with positive height and width, got shape (2, 0, 3)"),
    (lambda: sv.points([[0, 0], [1, 1]], radius=[1, 2, 3]), "radius: expected 1 or 2 values (one per item of points), got 3"),
    (lambda: sv.circles([[0, 0]], [1, 2]), "radii: expected 1 or 1 values (one per item of circles), got 2"),
    (lambda: sv.texts(["a", "b"], [[0, 0], [1, 1]], pad=[1, 2, 3]), "pad: expected 1 or 2 values (one per item of texts), got 3"),
    (lambda: sv.points([[1, 2, 3]]), "points: expected shape (N, 2) or (2,), got (1, 3)"),
    (lambda: sv.circles([[1, 2]], [-3]), "radii: expected values >= 0"),
    (lambda: sv.masks(np.full((2, 4, 4), 2)), "masks: expected bool or 0/1 values"),
    (lambda: sv.masks(np.zeros(4)), "masks: expected shape (N, M, K) or (N, M), got (4,)"),
    (lambda: sv.texts(["a", "b"], [[0, 0]]), "positions: expected shape (2, 2) (one per string), got 1 positions"),
    (lambda: sv.image(np.zeros((0, 4, 3), np.uint8)), "image: expected an image with positive height and width"),
    (lambda: sv.image(np.full((4, 4, 3), 300.0)), "image: expected float values in [0, 1] or [0, 255]"),
    (lambda: sv.heatmap(np.zeros((4, 4)), extent=(0, 0, -1, 4)), "extent: expected (x0, y0, x1, y1) with x0 < x1"),
    (lambda: sv.polygons([[[0, 0], [1, 1]]]), "polygons[0]: expected at least 3 points, got 2"),
    (lambda: sv.lines([[[0, 0]]]), "lines[0]: expected at least 2 points, got 1"),
])
def test_bad_values_raise_value_error_naming_the_argument(call, message):
    with pytest.raises(ValueError) as info:
        call()
    assert message in str(info.value)


@pytest.mark.parametrize("call, message", [
    (lambda: sv.boxes("0 0 1 1"), "boxes: expected a numpy array, a torch tensor or a sequence of numbers, got str"),
    (lambda: sv.boxes(None), "boxes: expected a numpy array, a torch tensor or a sequence of numbers, got NoneType"),
    (lambda: sv.boxes(BOXES, color=3.5), "color: expected a color or a sequence of colors, got float"),
    (lambda: sv.texts([1, 2], [[0, 0], [1, 1]]), "texts[0]: expected a string, got int"),
    (lambda: sv.texts(b"x", [0, 0]), "texts: expected a string or a sequence of strings, got bytes"),
    (lambda: sv.image(np.array([["a"]])), "image: expected a numeric image"),
    (lambda: sv.Group(children=[1]), "children[0]: expected a Scene, got int"),
])
def test_wrong_kinds_raise_type_error_naming_the_argument(call, message):
    with pytest.raises(TypeError) as info:
        call()
    assert message in str(info.value)


def test_empty_nodes_are_valid_and_draw_nothing():
    base = sv.image(np.full((10, 10, 3), 7, np.uint8))
    empty = sv.boxes(np.zeros((0, 4))) + sv.texts([], np.zeros((0, 2))) + sv.masks(np.zeros((0, 10, 10), bool)) \
        + sv.points(np.zeros((0, 2))) + sv.polygons([]) + sv.lines([]) + sv.circles(np.zeros((0, 2)), [])
    assert (sv.render(base + empty) == 7).all()


def test_per_item_styles_must_match_the_item_count():
    with pytest.raises(ValueError, match=r"width: expected 1 or 2 values \(one per item of boxes\)"):
        sv.Boxes(BOXES, Style(width=[1, 2, 3]))
    node = sv.boxes(BOXES, width=[1, 3], color=["r", "g"], dash=["-", "--"])
    assert node.style.width.tolist() == [1, 3]


def test_image_input_rules():
    gray = np.arange(16, dtype=np.uint8).reshape(4, 4)
    assert (sv.image(gray).pixels[..., 1] == gray).all()
    unit = np.full((2, 2, 3), 0.5)
    assert (sv.image(unit).pixels == 128).all()
    wide = np.full((2, 2, 3), 200.0)
    assert (sv.image(wide).pixels == 200).all()
    rgba = np.zeros((2, 2, 4), np.uint8)
    rgba[..., 0], rgba[..., 3] = 255, 128
    assert sv.image(rgba).pixels[0, 0].tolist() == [128, 0, 0]
    assert sv.image(torch.zeros(3, 3, 3)).pixels.shape == (3, 3, 3)


def test_alternative_constructors():
    node = sv.Boxes.from_xywh([[10, 20, 5, 6]])
    assert node.xyxy.tolist() == [[10, 20, 15, 26]]
    poly = sv.polygons([[[0, 0], [10, 0], [10, 10], [0, 10]], [[[20, 0], [40, 0], [40, 20]], [[25, 2], [35, 2], [35, 10]]]])
    assert poly.count == 2 and poly.polys.tolist() == [0, 1, 3]
    segs = sv.lines(np.array([[[0, 0], [5, 5]], [[1, 1], [2, 9]]]))
    assert segs.count == 2 and segs.offsets.tolist() == [0, 2, 4]


def test_class_ids_pick_stable_palette_colors():
    a = sv.boxes(BOXES, class_ids=[3, 3])
    b = sv.boxes(BOXES, class_ids=np.array([3, 3]))
    assert a == b
    assert tuple(a.style.color[0][:3]) == sv.DEFAULT_PALETTE[3].rgb
    assert len({sv.DEFAULT_PALETTE[i].rgb for i in range(40)}) == 40


def test_colors_spellings():
    from scenevis.colors import parse_color
    assert parse_color("g").rgb == (0, 128, 0)  # matplotlib's 'g', as in MMEngine
    assert parse_color("red").rgb == (255, 0, 0)
    assert parse_color("#f00").rgb == (255, 0, 0)
    assert parse_color("#ff000080").a == 128
    assert parse_color((1, 2, 3)).rgb == (1, 2, 3)
    assert parse_color("none").a == 0
    with pytest.raises(ValueError, match=r"color: expected integer levels in \[0, 255\], got range \[0, 300\]"):
        parse_color((0, 0, 300))


def test_scenes_pickle_with_read_only_arrays():
    import pickle
    scene = sv.image(np.zeros((4, 4, 3), np.uint8)) + sv.boxes(BOXES, color="red")
    back = pickle.loads(pickle.dumps(scene))
    assert back == scene
    assert not back.children[1].xyxy.flags.writeable and not back.children[0].pixels.flags.writeable
    assert not back.children[1].style.color.flags.writeable
    assert (sv.render(back) == sv.render(scene)).all()


@pytest.mark.parametrize("width", [64, 61, 8])
def test_mask_boxes_match_a_per_pixel_search(width):
    from scenevis.annotate.regions import mask_boxes

    # Widths divisible by 8 are scanned as 64-bit words; others, and strided views, as bools.
    rng = np.random.default_rng(width)
    dense = np.zeros((6, 30, width), bool)
    for k in range(5):
        y, x = rng.integers(0, 30), rng.integers(0, width)
        dense[k, y:y + rng.integers(1, 9), x:x + rng.integers(1, 9)] = True
    dense[4, 29, width - 1] = True  # the last byte of a word
    for masks in (dense, dense[:, :, ::-1], dense.view(np.uint8).astype(bool)):
        expected = []
        for mask in masks:
            ys, xs = np.nonzero(mask)
            expected.append([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1] if len(ys) else [0, 0, 0, 0])
        assert sv.masks(masks).masks.boxes.tolist() == expected
        assert mask_boxes(masks).tolist() == expected  # the annotate layer's own scan


def test_masks_are_stored_cropped_to_their_boxes():
    dense = np.zeros((3, 40, 60), bool)
    dense[0, 5:10, 20:35] = True
    dense[2, 39, 0] = True  # mask 1 stays empty
    node = sv.masks(dense)
    assert node.masks.boxes.tolist() == [[20, 5, 35, 10], [0, 0, 0, 0], [0, 39, 1, 40]]
    assert [c.shape for c in node.masks.crops] == [(5, 15), (0, 0), (1, 1)]
    assert all(not c.flags.writeable for c in node.masks.crops)
    assert np.asarray(node.masks).shape == (3, 40, 60) and (np.asarray(node.masks) == dense).all()
    assert node == sv.masks(dense.astype(np.uint8)) and node != sv.masks(dense[::-1])
    assert node.bounds == sv.BBox(0, 0, 60, 40)
    dense[0] = True  # the caller's array is not referenced
    assert node.masks.crops[0].shape == (5, 15)
