"""The MMEngine-compatible Visualizer facade: drawing (issue 4 §2).

Exercised the way MMEngine's own visualizer tests drive it: chained calls, every draw
method with numpy arrays, torch tensors and lists, warnings and errors; then compared
pixel by pixel with MMEngine's own picture for the same calls.
"""
import uuid
import warnings

import numpy as np
import pytest
import torch

import scenevis
from scenevis.errors import VisualizerValueError
from scenevis.visualizer import Visualizer

H, W = 60, 80


def unique(prefix="vis"):
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


@pytest.fixture
def image():
    img = np.zeros((H, W, 3), np.uint8)
    img[:, :, 2] = 40
    return img


@pytest.fixture
def vis(image):
    return Visualizer(name=unique(), image=image)


def color_at(img, x, y):
    return tuple(int(c) for c in img[y, x])


# ----------------------------------------------------------------------------- basics

def test_set_and_get_image_round_trip(image):
    vis = Visualizer(name=unique())
    vis.set_image(image)
    out = vis.get_image()
    assert out.dtype == np.uint8 and out.shape == (H, W, 3)
    np.testing.assert_array_equal(out, image)
    assert (vis.width, vis.height) == (W, H)


def test_set_image_copies_and_converts(image):
    vis = Visualizer(name=unique(), image=image)
    image[:] = 255  # the caller's later change must not show
    assert vis.get_image().max() == 40
    vis.set_image(np.ones((4, 5), np.float32))  # gray float in [0, 1]
    assert vis.get_image().shape == (4, 5, 3) and vis.get_image().min() == 255


def test_set_image_starts_a_new_scene(vis, image):
    vis.draw_bboxes(np.array([10, 10, 30, 30]))
    assert vis.get_image().max() > 40
    vis.set_image(image)
    assert isinstance(vis.scene, scenevis.Image)
    np.testing.assert_array_equal(vis.get_image(), image)


def test_get_image_without_image_is_assertion_and_value_error():
    vis = Visualizer(name=unique())
    with pytest.raises(AssertionError, match="set_image"):
        vis.get_image()
    with pytest.raises(ValueError, match="set_image"):
        vis.draw_bboxes(np.array([0, 0, 1, 1]))


def test_default_font_size_is_mmengines():
    vis = Visualizer(name=unique(), image=np.zeros((720, 1280, 3), np.uint8))
    assert vis._default_font_size == max(np.sqrt(720 * 1280) // 90, 10) == 10
    vis.set_image(np.zeros((2000, 3000, 3), np.uint8))
    assert vis._default_font_size == np.sqrt(2000 * 3000) // 90 == 27


def test_every_draw_returns_self_so_calls_chain(vis):
    mask = np.zeros((H, W), bool)
    mask[5:10, 5:10] = True
    out = (vis.draw_bboxes(np.array([1, 1, 20, 20]))
           .draw_texts("hi", np.array([5, 5]))
           .draw_points(np.array([[30, 30]]))
           .draw_lines(np.array([0, 50]), np.array([0, 50]))
           .draw_circles(np.array([40, 30]), np.array([5]))
           .draw_polygons(np.array([[50, 5], [70, 5], [60, 20]]))
           .draw_binary_masks(mask))
    assert out is vis
    assert vis.get_image().shape == (H, W, 3)


@pytest.mark.parametrize("kind", ["numpy", "torch", "list"])
def test_inputs_numpy_tensor_and_list_draw_the_same(image, kind):
    def conv(a):
        a = np.asarray(a)
        return torch.from_numpy(a) if kind == "torch" else a.tolist() if kind == "list" else a

    mask = np.zeros((H, W), bool)
    mask[40:50, 10:30] = True
    vis = Visualizer(name=unique(), image=image)
    vis.draw_bboxes(conv([[5, 5, 30, 25], [40, 10, 70, 50]]), edge_colors=["r", "b"])
    vis.draw_points(conv([[10, 50], [20, 50]]), sizes=conv([20, 40]))
    vis.draw_lines(conv([[0, 79]]), conv([[59, 0]]), colors="y")
    vis.draw_circles(conv([[60, 30]]), conv([8]))
    vis.draw_polygons([conv([[45, 45], [75, 45], [60, 58]])], face_colors="m")
    vis.draw_texts(["a"], conv([[50, 2]]))
    vis.draw_binary_masks(conv(mask) if kind != "list" else mask.astype(int).tolist())
    reference = Visualizer(name=unique(), image=image)
    reference.draw_bboxes(np.array([[5, 5, 30, 25], [40, 10, 70, 50]]), edge_colors=["r", "b"])
    reference.draw_points(np.array([[10, 50], [20, 50]]), sizes=np.array([20, 40]))
    reference.draw_lines(np.array([[0, 79]]), np.array([[59, 0]]), colors="y")
    reference.draw_circles(np.array([[60, 30]]), np.array([8]))
    reference.draw_polygons([np.array([[45, 45], [75, 45], [60, 58]])], face_colors="m")
    reference.draw_texts(["a"], np.array([[50, 2]]))
    reference.draw_binary_masks(mask)
    np.testing.assert_array_equal(vis.get_image(), reference.get_image())
    assert not np.array_equal(vis.get_image(), image)


def test_get_image_hands_over_a_new_render_each_call(vis, monkeypatch):
    import sys

    render_pkg = sys.modules["scenevis.renderer"]
    calls = []
    real = render_pkg.render
    monkeypatch.setattr(render_pkg, "render", lambda scene, **kw: calls.append(1) or real(scene, **kw))
    vis.draw_bboxes(np.array([5, 5, 20, 20]))
    first = vis.get_image()
    first[:] = 0  # the returned array is the caller's own
    second = vis.get_image()
    assert len(calls) == 2 and second.max() > 40 and not np.shares_memory(first, second)


def test_get_image_hands_over_the_render_of_an_adopted_scene(vis, monkeypatch):
    import sys

    vis._adopt_scene(scenevis.image(np.full((30, 40, 3), 200, np.uint8)) + scenevis.boxes([[2, 2, 20, 20]]))
    render_pkg = sys.modules["scenevis.renderer"]
    calls = []
    real = render_pkg.render
    monkeypatch.setattr(render_pkg, "render", lambda scene, **kw: calls.append(1) or real(scene, **kw))
    first = vis.get_image()
    assert calls == [] and first.shape == (30, 40, 3) and first[25, 30].tolist() == [200, 200, 200]
    first[:] = 0
    second = vis.get_image()  # rendered again: the first one was handed over
    assert calls == [1] and second[25, 30].tolist() == [200, 200, 200]


def test_scene_is_an_immutable_value_saved_as_svg(vis, tmp_path):
    before = vis.scene
    vis.draw_bboxes(np.array([5, 5, 20, 20]), edge_colors="r")
    after = vis.scene
    assert before is not after and isinstance(after, scenevis.Scene)
    path = scenevis.save(after, tmp_path / "drawing.svg")
    assert "<svg" in open(path).read()


# ----------------------------------------------------------------------------- sizes and colors

def test_box_edges_use_mmengine_points_and_colors(vis):
    vis.draw_bboxes(np.array([20, 10, 60, 50]), edge_colors="r", alpha=1.0)
    img = vis.get_image()
    row = img[30, 15:26, 0]
    # 2 pt at 100 dpi = 2.78 px, drawn as a crisp 3 px edge centred on x = 20.5
    assert list(np.flatnonzero(row > 200) + 15) == [19, 20, 21]
    assert color_at(img, 20, 30) == (255, 0, 0)
    assert color_at(img, 40, 30) == (0, 0, 40)  # not filled


def test_box_alpha_and_face_color(vis):
    vis.draw_bboxes(np.array([10, 10, 50, 50]), edge_colors="none", face_colors=(255, 255, 255), alpha=0.5)
    r, g, b = color_at(vis.get_image(), 30, 30)
    assert abs(r - 128) <= 1 and abs(b - (40 + 215 // 2)) <= 2


def test_box_line_width_is_clamped_like_mmengine(vis):
    vis.draw_bboxes(np.array([20, 10, 60, 50]), edge_colors="w", line_widths=20, alpha=1.0)
    row = vis.get_image()[30, 10:35, 0]
    # clamped to default font size / 4 = 2.5 pt = 3.47 px -> 3 px
    assert (row > 200).sum() == 3


def test_line_widths_are_points_not_clamped(vis):
    vis.draw_lines(np.array([0, 80]), np.array([30, 30]), colors="w", line_widths=8)
    column = vis.get_image()[:, 40, 0].astype(float)
    coverage = ((column - 0) / 255).sum()
    assert coverage == pytest.approx(8 * 100 / 72, abs=0.2)


def test_dpi_in_fig_save_cfg_scales_points(image):
    vis = Visualizer(name=unique(), image=image, fig_save_cfg=dict(dpi=200))
    vis.draw_lines(np.array([0, 80]), np.array([30, 30]), colors="w", line_widths=4)
    coverage = (vis.get_image()[:, 40, 0] / 255).sum()
    assert coverage == pytest.approx(4 * 200 / 72, abs=0.2)


def test_matplotlib_letter_colors(vis):
    vis.draw_points(np.array([[10, 10], [30, 10], [50, 10]]), colors=["g", "c", "k"], sizes=np.array([200, 200, 200]))
    img = vis.get_image()
    assert color_at(img, 10, 10) == (0, 128, 0)
    assert color_at(img, 30, 10) == (0, 191, 191)
    assert color_at(img, 50, 10) == (0, 0, 0)


def test_point_size_is_marker_area_in_points(vis):
    vis.draw_points(np.array([40, 30]), colors="w", sizes=np.array([400]))
    row = vis.get_image()[30, :, 0]
    # sqrt(400) = 20 pt diameter plus the 1.5 pt edge: 21.5 pt = 29.9 px
    assert (row > 127).sum() == pytest.approx(21.5 * 100 / 72, abs=1.5)


def test_default_text_size_and_color():
    vis = Visualizer(name=unique(), image=np.zeros((1000, 1800, 3), np.uint8))
    vis.draw_texts("lll", np.array([10, 20]))
    node = vis.scene.children[-1]
    assert isinstance(node, scenevis.Texts)
    # max(sqrt(1000 * 1800) // 90, 10) = 14 pt at 100 dpi
    assert node.style.font_size[0] == pytest.approx(14 * 100 / 72)
    assert tuple(node.style.color[0]) == (0, 128, 0, 255)  # 'g'


def test_text_size_and_top_alignment_in_points():
    vis = Visualizer(name=unique(), image=np.zeros((100, 200, 3), np.uint8))
    vis.draw_texts("lll", np.array([10, 20]), font_sizes=36, colors="w")
    ink = np.argwhere(vis.get_image()[..., 0] > 128)
    # 'l' stands 0.76 em tall (matplotlib aligns the top of "lp" with y); 36 pt = 50 px
    assert ink[:, 0].min() == pytest.approx(20, abs=1)
    assert ink[:, 0].max() - ink[:, 0].min() + 1 == pytest.approx(0.76 * 36 * 100 / 72, abs=1.5)
    assert ink[:, 1].min() == pytest.approx(10 + 0.09 * 50, abs=2)


def test_text_bbox_dict_fills_behind_the_text(image):
    vis = Visualizer(name=unique(), image=np.zeros((60, 200, 3), np.uint8))
    vis.draw_texts("person 0.87", np.array([10, 10]), colors="k",
                   bboxes=dict(facecolor="white", alpha=1.0, pad=4, edgecolor="none"))
    img = vis.get_image()
    filled = np.argwhere(img.min(axis=2) > 200)
    x0, x1 = filled[:, 1].min(), filled[:, 1].max()
    # pad 4 pt = 5.6 px on each side of the text
    assert x0 == pytest.approx(10 - 4 * 100 / 72, abs=1.5)
    assert x1 - x0 > 60


def test_bbox_dict_colors_are_matplotlib_colors():
    vis = Visualizer(name=unique(), image=np.zeros((40, 120, 3), np.uint8))
    boxes = [dict(facecolor=(1.0, 0.5, 0.0), edgecolor="none", pad=2), dict(facecolor="#0000ff", alpha=0.5, pad=2)]
    vis.draw_texts(["ab", "cd"], np.array([[10, 10], [70, 10]]), colors="w", bboxes=boxes)
    img = vis.get_image()
    assert color_at(img, 9, 12) == (255, 128, 0)  # 0-1 floats, as matplotlib reads them
    assert color_at(img, 69, 12) == (0, 0, 128)  # alpha halves the face color over black
    # 0-255 integers, as everywhere else in scenevis (matplotlib would refuse them)
    vis.set_image(np.zeros((40, 120, 3), np.uint8))
    vis.draw_texts("ab", np.array([10, 10]), colors="w", bboxes=dict(facecolor=(255, 0, 0), pad=2))
    assert color_at(vis.get_image(), 9, 12) == (255, 0, 0)
    with pytest.raises(AssertionError, match=r"bboxes\[0\]\['facecolor'\]: expected float values in \[0, 1\] or"):
        vis.draw_texts("x", np.array([1, 1]), bboxes=dict(facecolor=(2.0, -1.0, 0.0)))


def test_line_style_none_hides_the_edge_for_one_or_some_items():
    vis = Visualizer(name=unique(), image=np.zeros((40, 100, 3), np.uint8))
    boxes = np.array([[5, 5, 35, 35], [55, 5, 85, 35]])
    vis.draw_bboxes(boxes, edge_colors="g", face_colors="r", alpha=1.0, line_styles="none")
    img = vis.get_image()
    assert color_at(img, 5, 20) == (255, 0, 0) and color_at(img, 55, 20) == (255, 0, 0)  # no green edge
    vis.set_image(np.zeros((40, 100, 3), np.uint8))
    vis.draw_bboxes(boxes, edge_colors="g", face_colors="r", alpha=1.0, line_styles=["none", "-"])
    img = vis.get_image()
    assert color_at(img, 5, 20) == (255, 0, 0) and color_at(img, 55, 20) == (0, 128, 0)


def test_bbox_dicts_are_read_by_content_on_every_call():
    # Parsed dicts are cached across calls by their content: a dict changed in place, or
    # an equal new one with an array inside, must still be read as it is now.
    vis = Visualizer(name=unique(), image=np.zeros((40, 60, 3), np.uint8))
    box = dict(facecolor=[1.0, 0.0, 0.0], edgecolor="none", pad=2)
    vis.draw_texts("ab", np.array([10, 10]), colors="w", bboxes=box)
    assert color_at(vis.get_image(), 9, 12) == (255, 0, 0)
    box["facecolor"][0], box["facecolor"][2] = 0.0, 1.0
    vis.set_image(np.zeros((40, 60, 3), np.uint8))
    vis.draw_texts("ab", np.array([10, 10]), colors="w", bboxes=box)
    assert color_at(vis.get_image(), 9, 12) == (0, 0, 255)
    vis.set_image(np.zeros((40, 60, 3), np.uint8))
    vis.draw_texts("ab", np.array([10, 10]), colors="w", bboxes=dict(facecolor=np.array([0.0, 1.0, 0.0]), pad=2))
    assert color_at(vis.get_image(), 9, 12) == (0, 255, 0)
    # Equal in Python, not here: fill=0 keeps the face, fill=False drops it.
    vis.set_image(np.zeros((40, 60, 3), np.uint8))
    vis.draw_texts("ab", np.array([10, 10]), colors="w", bboxes=dict(facecolor="r", fill=0, pad=2))
    assert color_at(vis.get_image(), 9, 12) == (255, 0, 0)
    vis.set_image(np.zeros((40, 60, 3), np.uint8))
    vis.draw_texts("ab", np.array([10, 10]), colors="w", bboxes=dict(facecolor="r", fill=False, pad=2))
    assert color_at(vis.get_image(), 9, 12) == (0, 0, 0)


def test_text_alignments_and_per_item_families(vis):
    vis.draw_texts(["a", "b"], np.array([[40, 30], [40, 30]]), horizontal_alignments=["right", "left"],
                   vertical_alignments="center", font_families=["serif", "monospace"], colors="w")
    families = [n.style.font_family for n in vis.scene.children if isinstance(n, scenevis.Texts)]
    assert families == ["DejaVu Serif", "DejaVu Sans Mono"]
    img = vis.get_image()
    ink = np.argwhere(img[..., 0] > 128)
    assert ink[:, 1].min() < 40 < ink[:, 1].max()


# ----------------------------------------------------------------------------- layering like MMEngine

def test_masks_blend_under_vector_shapes(vis):
    mask = np.ones((H, W), bool)
    vis.draw_bboxes(np.array([20, 10, 60, 50]), edge_colors="r", alpha=1.0)
    vis.draw_binary_masks(mask, colors="b", alphas=0.5)
    img = vis.get_image()
    assert color_at(img, 20, 30) == (255, 0, 0)  # the box shows over the mask
    r, g, b = color_at(img, 40, 30)
    assert r == 0 and abs(b - (40 + 255) / 2) <= 1


def test_each_drawn_item_is_in_the_scene_and_the_svg_once(vis):
    from scenevis.renderer.flatten import flatten

    box = np.array([20, 10, 60, 50])
    vis.draw_bboxes(box, edge_colors="r", alpha=1.0).draw_texts("label", np.array([5, 5]))
    for color in ("b", "g", "y"):
        vis.draw_binary_masks(np.ones((H, W), bool), colors=color, alphas=0.3)
    kinds = [type(op.node).__name__ for op in flatten(vis.scene)]
    assert kinds == ["Image", "Masks", "Masks", "Masks", "Boxes", "Texts"]
    svg = scenevis.to_svg(vis.scene)
    assert svg.count('<rect x="20.5" y="10.5" width="40" height="40"') == 1  # the box, stroked once
    assert svg.count("<image ") == 3 + 1 and svg.count(">label</text>") == 1  # the masks and the picture
    img = vis.get_image()
    assert color_at(img, 20, 30) == (255, 0, 0)  # the box is still crisp on top of the masks


def test_shapes_drawn_before_a_mask_keep_mmengines_doubled_opacity(image):
    """MMEngine draws earlier shapes into the picture under a mask and again on top: a
    translucent box away from the mask looks like two boxes over one another."""
    box = np.array([5, 5, 30, 25])
    mask = np.zeros((H, W), bool)
    mask[40:, 40:] = True
    vis = Visualizer(name=unique(), image=image)
    vis.draw_bboxes(box, edge_colors="r", alpha=0.6).draw_binary_masks(mask)
    once = Visualizer(name=unique(), image=image).draw_bboxes(box, edge_colors="r", alpha=0.6)
    twice = scenevis.render(once.scene + once.scene.children[-1])
    away = (slice(0, 40), slice(0, 40))
    assert np.abs(vis.get_image()[away].astype(int) - twice[away].astype(int)).max() <= 1
    assert (vis.get_image()[away] != once.get_image()[away]).any()
    assert len(vis.scene.children) == 3  # image, mask, box


def test_masks_require_the_image_size_and_binary_values(vis):
    with pytest.raises(AssertionError, match=r"binary_masks: expected masks of the image's size \(60, 80\)"):
        vis.draw_binary_masks(np.zeros((2, 10, 10), bool))
    with pytest.raises(ValueError, match="binary_masks"):
        vis.draw_binary_masks(np.full((H, W), 3, np.uint8))


def test_texts_are_drawn_over_boxes_drawn_later(vis):
    vis.draw_texts("█", np.array([30, 20]), colors="w", font_sizes=30)
    vis.draw_bboxes(np.array([0, 0, 80, 60]), edge_colors="none", face_colors="r", alpha=1.0)
    img = vis.get_image()
    assert (img.min(axis=2) > 200).any(), "text (z-order 3) must stay over patches (z-order 1)"


# ----------------------------------------------------------------------------- errors and warnings

@pytest.mark.parametrize("call, match", [
    (lambda v: v.draw_bboxes(np.array([30, 30, 10, 10])), "bboxes: expected x1 <= x2"),
    (lambda v: v.draw_bboxes(np.array([1, 2, 3])), r"bboxes: expected shape \(N, 4\)"),
    (lambda v: v.draw_texts(["a", "b"], np.array([[1, 2]])), "positions: expected shape"),
    (lambda v: v.draw_lines(np.array([1, 2]), np.array([[1, 2], [3, 4]])), "y_datas"),
    (lambda v: v.draw_circles(np.array([[1, 2], [3, 4]]), np.array([1, 2, 3])), r"radius: expected 1 or 2 values"),
    (lambda v: v.draw_circles(np.array([1, 2]), np.array([-1])), "radius: expected values >= 0"),
    (lambda v: v.draw_points(np.array([[1, 2]]), colors="nocolor"), "colors"),
    (lambda v: v.draw_bboxes(np.array([[1, 2, 3, 4]] * 3), edge_colors=["r", "g"]), "edge_colors"),
    (lambda v: v.draw_bboxes(np.array([1, 2, 3, 4]), alpha=2), r"alpha: expected values in \[0, 1\], got range \[2, 2\]"),
    (lambda v: v.draw_bboxes(np.array([1, 2, 3, 4]), line_styles="~"), "line_styles"),
    (lambda v: v.draw_texts("a", np.array([1, 2]), vertical_alignments="middle"), "vertical_alignments"),
    (lambda v: v.draw_texts("a", np.array([1, 2]), font_sizes=-3), "font_sizes"),
    (lambda v: v.draw_texts("a", np.array([1, 2]), bboxes=dict(facecolour="r")), "unknown keys"),
    (lambda v: v.draw_polygons([np.array([[0, 0], [1, 1]])]), "at least 3 points"),
    (lambda v: v.draw_points(np.array([[np.nan, 1]])), "finite"),
    (lambda v: v.draw_texts(["ok", "a\x00b"], np.array([[1, 2], [3, 4]])), r"texts\[1\]: expected text without NUL"),
    (lambda v: v.draw_bboxes(np.array([0, 0, 1e12, 5])), "bboxes: expected values within"),
    (lambda v: v.draw_featmap(torch.zeros(3, 4, 4), channel_reduction="bad"), "channel_reduction"),
])
def test_invalid_values_raise_value_and_assertion_error_and_change_nothing(vis, call, match):
    before = vis.scene
    with pytest.raises(VisualizerValueError, match=match) as info:
        call(vis)
    assert isinstance(info.value, ValueError) and isinstance(info.value, AssertionError)
    assert vis.scene is before


@pytest.mark.parametrize("call", [
    lambda v: v.draw_bboxes("0 0 1 1"),
    lambda v: v.draw_bboxes({"x": 1}),
    lambda v: v.draw_texts(3, np.array([1, 2])),
    lambda v: v.draw_texts(["a", 3], np.array([[1, 2], [3, 4]])),
    lambda v: v.draw_points(np.array([[1, 2]]), colors=object()),
    lambda v: v.draw_lines(None, np.array([1, 2])),
    lambda v: v.draw_bboxes(np.array([1, 2, 3, 4]), line_widths="2"),
    lambda v: v.draw_binary_masks("mask"),
    lambda v: v.draw_polygons(42),
])
def test_wrong_types_raise_type_error_and_change_nothing(vis, call):
    before = vis.scene
    with pytest.raises(TypeError):
        call(vis)
    assert vis.scene is before


def test_out_of_image_geometry_warns_once_per_call(vis):
    boxes = np.array([[-10, -10, 5, 5]] * 10, float)
    with pytest.warns(UserWarning, match="outside") as record:
        vis.draw_bboxes(boxes)
    assert len([w for w in record if "outside" in str(w.message)]) == 1
    for call in (lambda: vis.draw_texts("far", np.array([500, 5])),
                 lambda: vis.draw_lines(np.array([0, 500]), np.array([0, 0])),
                 lambda: vis.draw_circles(np.array([5, 5]), np.array([10])),
                 lambda: vis.draw_polygons(np.array([[0, 0], [100, 0], [0, 100]])),
                 lambda: vis.draw_points(np.array([-3, 4]))):
        with pytest.warns(UserWarning, match="outside"):
            call()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        vis.draw_bboxes(np.array([0, 0, W, H]))  # touching the border is inside


def test_empty_inputs_draw_nothing(vis, image):
    vis.draw_bboxes(np.zeros((0, 4))).draw_points(np.zeros((0, 2))).draw_texts([], np.zeros((0, 2)))
    vis.draw_binary_masks(np.zeros((0, H, W), bool)).draw_lines(np.zeros((0, 2)), np.zeros((0, 2)))
    vis.draw_circles(np.zeros((0, 2)), np.zeros((0,))).draw_polygons([])
    np.testing.assert_array_equal(vis.get_image(), image)


# ----------------------------------------------------------------------------- featmap, meta, datasample

def test_draw_featmap_is_a_staticmethod_returning_rgb():
    featmap = torch.arange(2 * 6 * 8, dtype=torch.float32).reshape(2, 6, 8)
    out = Visualizer.draw_featmap(featmap, np.zeros((6, 8, 3), np.uint8), channel_reduction="select_max")
    assert out.shape == (6, 8, 3) and out.dtype == np.uint8
    grid = Visualizer.draw_featmap(featmap, channel_reduction=None, topk=2, arrangement=(1, 2))
    assert grid.shape == (6, 16, 3)


def test_dataset_meta_and_add_datasample(vis):
    assert vis.dataset_meta is None
    vis.dataset_meta = dict(classes=("cat", "dog"))
    assert vis.dataset_meta["classes"] == ("cat", "dog")
    assert vis.add_datasample("x", np.zeros((4, 4, 3), np.uint8)) is None


# ----------------------------------------------------------------------------- side by side with MMEngine

def _same_calls(v, img):
    v.set_image(img)
    v.draw_bboxes(np.array([[20, 20, 120, 100], [150, 30, 300, 200.5]]), edge_colors=["g", "r"])
    v.draw_bboxes(np.array([40, 120, 140, 220]), edge_colors="b", face_colors="y", alpha=0.5, line_widths=4)
    v.draw_texts(["person 0.87", "car"], np.array([[20, 20], [150, 30]]), colors="w",
                 bboxes=[dict(facecolor="black", alpha=0.8, pad=0.7, edgecolor="none")] * 2)
    v.draw_texts("Top Left g", np.array([170, 120]), colors="k", font_sizes=14)
    v.draw_texts("centered", np.array([160, 230]), colors="m", horizontal_alignments="center",
                 vertical_alignments="bottom", bboxes=dict(facecolor="white"))
    v.draw_lines(np.array([[10, 300], [10, 300]]), np.array([[230, 150], [10, 235]]), colors=["c", "k"],
                 line_styles=["-", "--"])
    v.draw_circles(np.array([[250, 180], [60, 60]]), np.array([30, 10]), edge_colors="m", face_colors="w", alpha=0.6)
    v.draw_points(np.array([[200, 60], [220, 60], [240, 60]]), colors="r")
    v.draw_polygons(np.array([[260, 100], [310, 110], [280, 150]]), edge_colors="y", face_colors="c", line_widths=1)
    mask = np.zeros(img.shape[:2], bool)
    mask[150:200, 180:260] = True
    v.draw_binary_masks(mask, colors="r", alphas=0.5)
    return v.get_image()


def test_picture_looks_like_mmengines():
    from mmengine import visualization as mmengine_vis

    img = np.full((240, 320, 3), 200, np.uint8)
    img[:, :160] = 90
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = _same_calls(mmengine_vis.Visualizer(name=unique("mm")), img)
        ours = _same_calls(Visualizer(name=unique()), img)
    diff = np.abs(theirs.astype(int) - ours.astype(int)).max(axis=2)
    # Same positions, sizes and colors; anti-aliasing and text box heights differ a little.
    assert diff.mean() < 8, diff.mean()
    assert (diff > 60).mean() < 0.04, (diff > 60).mean()
    drawn = np.abs(theirs.astype(int) - img).max(axis=2) > 30
    ours_drawn = np.abs(ours.astype(int) - img).max(axis=2) > 30
    assert (drawn & ours_drawn).sum() / (drawn | ours_drawn).sum() > 0.9


# ============================================================================= instances and config (issue 4 §3)

import copy  # noqa: E402
import json  # noqa: E402

from scenevis.backends import BaseVisBackend, LocalVisBackend  # noqa: E402
from scenevis.registry import VISBACKENDS, VISUALIZERS  # noqa: E402


class RecordingBackend(BaseVisBackend):
    """Records every call into a shared log as (backend name, method, args)."""

    def __init__(self, save_dir=None, log=None, tag="rec", fail_on=()):
        super().__init__(save_dir)
        self.log = log if log is not None else []
        self.tag = tag
        self.fail_on = set(fail_on)
        self.closed = 0

    @property
    def experiment(self):
        return self

    def _init_env(self):
        pass

    def _record(self, method, *call_args):
        if method in self.fail_on:
            raise OSError(f"{self.tag}: disk full")
        self.log.append((self.tag, method) + call_args)

    def add_config(self, config, **kwargs):
        self._record("add_config", config)

    def add_graph(self, model, data_batch, **kwargs):
        self._record("add_graph", model)

    def add_image(self, name, image, step=0, **kwargs):
        self._record("add_image", name, image.shape, step)

    def add_scalar(self, name, value, step=0, **kwargs):
        self._record("add_scalar", name, value, step)

    def add_scalars(self, scalar_dict, step=0, file_path=None, **kwargs):
        self._record("add_scalars", dict(scalar_dict), step, file_path)

    def close(self):
        self.closed += 1
        self._record("close")


class NeedsDirBackend(RecordingBackend):
    def __init__(self, save_dir, **kwargs):  # save_dir without a default: MMEngine's rule applies
        super().__init__(save_dir, **kwargs)


VISBACKENDS.register_module(module=RecordingBackend, name="TestRecordingBackend", force=True)
VISBACKENDS.register_module(module=NeedsDirBackend, name="TestNeedsDirBackend", force=True)


def test_public_names_importable_from_package():
    from scenevis import VISBACKENDS as vb, VISUALIZERS as vz, BaseVisBackend as base, Visualizer as V  # noqa: F401
    assert V is Visualizer and vz.get("Visualizer") is Visualizer and base is BaseVisBackend


def test_get_instance_creates_once_and_current_instance_is_latest():
    name = unique()
    first = Visualizer.get_instance(name)
    assert Visualizer.get_instance(name) is first
    assert Visualizer.check_instance_created(name) and first.instance_name == name
    assert Visualizer.get_current_instance() is first
    second = Visualizer.get_instance(unique())
    assert Visualizer.get_current_instance() is second
    assert not Visualizer.check_instance_created(unique())


def test_current_instance_includes_subclasses():
    class DetLocalVisualizer(Visualizer):
        pass

    det = DetLocalVisualizer.get_instance(unique("det"))
    assert Visualizer.get_current_instance() is det
    assert DetLocalVisualizer.get_current_instance() is det


def test_current_instance_of_a_class_without_instances_is_runtime_error():
    class Fresh(Visualizer):
        pass

    with pytest.raises(RuntimeError, match="Fresh"):
        Fresh.get_current_instance()


def test_build_from_config_goes_through_get_instance_and_keeps_cfg(tmp_path):
    cfg = dict(type="Visualizer", name=unique("vis_new"), save_dir=str(tmp_path),
               vis_backends=[dict(type="LocalVisBackend", name="local")])
    before = copy.deepcopy(cfg)
    vis = VISUALIZERS.build(cfg)
    assert cfg == before, "the caller's config was mutated"
    assert Visualizer.get_current_instance() is vis
    assert Visualizer.get_instance(cfg["name"]) is vis
    assert isinstance(vis.get_backend("local"), LocalVisBackend)
    assert vis.get_backend("local")._save_dir == str(tmp_path / "vis_data")


def test_build_with_a_class_as_type_and_unknown_type_names_the_known_ones():
    vis = VISUALIZERS.build(dict(type=Visualizer, name=unique()))
    assert isinstance(vis, Visualizer)
    with pytest.raises(KeyError, match="Visualizer"):
        VISUALIZERS.build(dict(type="NoSuchVisualizer", name=unique()))


@pytest.mark.parametrize("form", ["none", "dict", "instance", "list"])
def test_vis_backends_forms(form, tmp_path):
    log = []
    backend = RecordingBackend(log=log, tag="inst")
    value = {"none": None, "dict": dict(type="TestRecordingBackend", log=log),
             "instance": backend, "list": [dict(type="TestRecordingBackend", log=log, tag="a", name="a"), backend]}[form]
    vis = Visualizer(name=unique(), vis_backends=value, save_dir=str(tmp_path))
    expected = {"none": [], "dict": ["RecordingBackend"], "instance": ["RecordingBackend"], "list": ["a", "RecordingBackend"]}
    assert list(vis._vis_backends) == expected[form]
    vis.add_scalar("x", 1.0)
    assert len(log) == len(expected[form])


def test_vis_backends_of_wrong_type_is_type_error():
    with pytest.raises(TypeError, match="vis_backends"):
        Visualizer(name=unique(), vis_backends="LocalVisBackend")
    with pytest.raises(TypeError, match=r"vis_backends\[1\]"):
        Visualizer(name=unique(), vis_backends=[dict(type="TestRecordingBackend"), 3])


def test_backend_needing_save_dir_without_one_is_skipped_with_warning():
    with pytest.warns(UserWarning, match="NeedsDirBackend needs a folder"):
        vis = Visualizer(name=unique(), vis_backends=[dict(type="TestNeedsDirBackend"), dict(type="TestRecordingBackend")])
    assert list(vis._vis_backends) == ["RecordingBackend"]
    with pytest.warns(UserWarning, match="LocalVisBackend"):
        vis = Visualizer(name=unique(), vis_backends=dict(type="LocalVisBackend"))
    assert vis.get_backend("LocalVisBackend") is None


def test_duplicate_backend_names_are_runtime_error(tmp_path):
    with pytest.raises(RuntimeError, match="RecordingBackend"):
        Visualizer(name=unique(), vis_backends=[dict(type="TestRecordingBackend"), dict(type="TestRecordingBackend")])
    vis = Visualizer(name=unique(), vis_backends=[dict(type="TestRecordingBackend", name="one"),
                                                  dict(type="TestRecordingBackend", name="two")])
    assert set(vis._vis_backends) == {"one", "two"}
    assert vis.get_backend("one") is not vis.get_backend("two") and vis.get_backend("nope") is None


def test_backend_configs_are_not_mutated(tmp_path):
    cfgs = [dict(type="TestRecordingBackend", name="a"), dict(type="LocalVisBackend", name="b")]
    before = copy.deepcopy(cfgs)
    Visualizer(name=unique(), vis_backends=cfgs, save_dir=str(tmp_path))
    assert cfgs == before


def test_add_methods_fan_out_to_every_backend_in_order(image):
    log = []
    vis = Visualizer(name=unique(), vis_backends=[
        dict(type="TestRecordingBackend", name="first", tag="first", log=log),
        dict(type="TestRecordingBackend", name="second", tag="second", log=log)])
    vis.add_config({"lr": 0.1})
    vis.add_graph("model", None)
    vis.add_image("img", image, step=3)
    vis.add_scalar("loss", 0.5, step=4)
    vis.add_scalars({"acc": 0.9, "map": 0.7}, step=5, file_path="extra.json")
    assert log == [
        ("first", "add_config", {"lr": 0.1}), ("second", "add_config", {"lr": 0.1}),
        ("first", "add_graph", "model"), ("second", "add_graph", "model"),
        ("first", "add_image", "img", (H, W, 3), 3), ("second", "add_image", "img", (H, W, 3), 3),
        ("first", "add_scalar", "loss", 0.5, 4), ("second", "add_scalar", "loss", 0.5, 4),
        ("first", "add_scalars", {"acc": 0.9, "map": 0.7}, 5, "extra.json"),
        ("second", "add_scalars", {"acc": 0.9, "map": 0.7}, 5, "extra.json"),
    ]


def test_add_image_checks_its_input_before_any_backend_sees_it():
    log = []
    vis = Visualizer(name=unique(), vis_backends=dict(type="TestRecordingBackend", log=log))
    with pytest.raises(AssertionError, match="image"):
        vis.add_image("x", np.full((4, 4, 3), 300.0))
    with pytest.raises(TypeError, match="name"):
        vis.add_image(3, np.zeros((4, 4, 3), np.uint8))
    with pytest.raises(TypeError, match="step"):
        vis.add_scalar("x", 1.0, step=1.5)
    assert log == []


def test_a_failing_backend_warns_once_and_the_others_still_run(image):
    log = []
    vis = Visualizer(name=unique(), vis_backends=[
        dict(type="TestRecordingBackend", name="broken", tag="broken", log=log, fail_on={"add_scalars", "add_image"}),
        dict(type="TestRecordingBackend", name="fine", tag="fine", log=log)])
    with pytest.warns(RuntimeWarning, match="'broken'.*disk full") as record:
        for step in range(5):
            vis.add_scalars({"loss": 1.0 / (step + 1)}, step=step)
        vis.add_image("img", image)
    assert len(record) == 1
    assert [entry[3] for entry in log if entry[1] == "add_scalars"] == [0, 1, 2, 3, 4]
    assert ("fine", "add_image", "img", (H, W, 3), 0) in log
    assert vis.backend_failures == {"broken": 6}


def test_strict_mode_re_raises_backend_errors():
    vis = Visualizer(name=unique(), strict=True, vis_backends=[
        dict(type="TestRecordingBackend", name="broken", fail_on={"add_scalar"})])
    with pytest.raises(OSError, match="disk full"):
        vis.add_scalar("x", 1)


def test_close_closes_every_backend_and_is_idempotent():
    log = []
    vis = Visualizer(name=unique(), vis_backends=[
        dict(type="TestRecordingBackend", name="a", tag="a", log=log, fail_on={"close"}),
        dict(type="TestRecordingBackend", name="b", tag="b", log=log)])
    with pytest.warns(RuntimeWarning, match="'a'.*close"):
        vis.close()
    vis.close()
    assert vis.get_backend("b").closed == 2 and ("b", "close") in log


def test_real_local_backend_through_the_facade(tmp_path, image):
    vis = Visualizer(name=unique(), image=image, vis_backends=[dict(type="LocalVisBackend")], save_dir=str(tmp_path))
    vis.draw_bboxes(np.array([5, 5, 30, 30]), edge_colors="r")
    vis.add_image("drawn", vis.get_image(), step=2)
    vis.add_scalars({"loss": 0.25, "acc": 0.5}, step=7)
    vis.close()
    root = tmp_path / "vis_data"
    lines = (root / "scalars.json").read_text().splitlines()
    assert [json.loads(line) for line in lines] == [{"loss": 0.25, "acc": 0.5, "step": 7}]
    from golden_compare import read_png
    np.testing.assert_array_equal(read_png(root / "vis_image" / "drawn_2.png"), vis.get_image())


def test_mmengine_backend_instances_are_accepted(tmp_path):
    from mmengine import visualization as mmengine_vis

    backend = mmengine_vis.LocalVisBackend(str(tmp_path))
    vis = Visualizer(name=unique(), vis_backends=[backend])
    vis.add_scalars({"a": 1}, step=3)
    assert json.loads((tmp_path / "scalars.json").read_text()) == {"a": 1, "step": 3}


# ============================================================================= the example's golden picture

def test_mmengine_style_example_matches_its_golden():
    from golden_compare import assert_golden
    from golden_scenes import mmengine_style_visualizer

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing in the example is out of the image
        vis, image = mmengine_style_visualizer()
    assert image.shape == (214, 320, 3)
    np.testing.assert_array_equal(vis.scene.render(), image)  # the scene the vector tests save is the picture
    assert_golden("facade_mmengine_style", image)
