"""No silent wrong pictures, and messages that say what to do (the first hour, §4 and §5).

Each rule here is written in docs/scene.md ("Input rules"): colors and images read their
channels one way everywhere, masks and feature maps name the axis that looks wrong, and
pictures are written by one rule whether ``sv.save`` or ``add_datasample(out_file=)``
writes them.
"""
import os
import uuid
import warnings

import numpy as np
import pytest
import torch

import scenevis as sv
from scenevis import annotate
from scenevis.det_visualizer import DetVisualizer
from scenevis.featmap import as_featmap
from scenevis.visualizer import Visualizer


def _vis(h=40, w=60):
    return Visualizer(name=f"rules_{uuid.uuid4().hex[:8]}", image=np.zeros((h, w, 3), np.uint8))


def _no_warnings():
    context = warnings.catch_warnings()
    context.__enter__()
    warnings.simplefilter("error")
    return context


# ---------------------------------------------------------------- colors: one channel rule

@pytest.mark.parametrize("spelling, rgb", [
    ((1.0, 0, 0), (255, 0, 0)),            # floats in [0, 1] are 0-1 channels
    ((0.5, 0.5, 0.5), (128, 128, 128)),
    ((255.0, 0.0, 0.0), (255, 0, 0)),      # a float above 1 makes the color 0-255
    ((255, 0, 0), (255, 0, 0)),            # integers are always 0-255
    (np.array([0.0, 0.5, 1.0]), (0, 128, 255)),
    (torch.tensor([0.0, 0.5, 1.0]), (0, 128, 255)),
])
def test_a_color_reads_floats_in_0_1_as_0_1_and_everything_else_as_0_255(spelling, rgb):
    node = sv.boxes([[0, 0, 1, 1]], color=spelling)
    assert tuple(node.style.color[0][:3]) == rgb


def test_the_facade_and_the_bbox_dicts_follow_the_same_color_rule():
    vis = _vis()
    vis.draw_bboxes(np.array([2, 2, 20, 20]), edge_colors=(1.0, 0, 0), face_colors=(0.5, 0.5, 0.5), alpha=1.0)
    vis.draw_texts("ab", np.array([[30, 10]]), colors=(0, 0, 1.0), bboxes=dict(facecolor=(0.5, 0.5, 0.5), pad=2))
    scene_red = sv.render(sv.image(np.zeros((40, 60, 3), np.uint8)) + sv.boxes([[2, 2, 20, 20]], color=(1.0, 0, 0)))
    image = vis.get_image()
    assert tuple(image[2, 10]) == (255, 0, 0) == tuple(scene_red[2, 10])
    assert tuple(image[10, 10]) == (128, 128, 128)
    assert tuple(image[10, 29]) == (128, 128, 128)  # the label's box, 0-1 as in matplotlib


def test_a_color_array_is_read_on_one_scale():
    mixed = np.array([[0.2, 0.4, 0.6], [1.0, 1.0, 1.0]])
    assert sv.boxes(np.zeros((2, 4)), color=mixed).style.color[:, :3].tolist() == [[51, 102, 153], [255, 255, 255]]
    wide = np.array([[0.5, 0.5, 0.5], [200.0, 100.0, 0.0]])
    assert sv.boxes(np.zeros((2, 4)), color=wide).style.color[:, :3].tolist() == [[0, 0, 0], [200, 100, 0]]


def test_an_integer_color_of_0s_and_1s_warns_that_it_is_almost_black():
    with pytest.warns(UserWarning, match=r"color: \(1, 0, 0\) is read as 0-255 levels \(almost black\); "
                                         r"write \(255, 0, 0\) for 0-255, or floats such as \(1.0, 0.0, 0.0\)"):
        sv.boxes([[0, 0, 1, 1]], color=(1, 0, 0))
    context = _no_warnings()
    try:
        sv.boxes([[0, 0, 1, 1]], color=(0, 0, 0))
        sv.boxes([[0, 0, 1, 1]], color=(2, 1, 0))
    finally:
        context.__exit__(None, None, None)


# ---------------------------------------------------------------------------- images

def test_a_float_image_that_overshoots_1_a_little_is_read_as_0_1():
    image = np.full((4, 4, 3), 0.5)
    image[0, 0] = (1.02, -0.01, 1.0)
    with pytest.warns(UserWarning, match=r"image: float values in \[-0.01, 1.02\] were read as 0-1 values and "
                                         r"clipped to \[0, 1\]"):
        pixels = sv.image(image).pixels
    assert tuple(pixels[0, 0]) == (255, 0, 255) and tuple(pixels[1, 1]) == (128, 128, 128)


def test_a_float_image_in_0_255_is_still_0_255_and_out_of_range_is_an_error():
    assert sv.image(np.full((2, 2, 3), 200.0)).pixels.max() == 200
    with pytest.raises(ValueError, match=r"image: expected float values in \[0, 1\] or \[0, 255\], got range \[-5, 1\]"):
        sv.image(np.full((2, 2, 3), -5.0) + np.eye(2)[:, :, None] * 6)


def test_a_chw_tensor_given_as_an_image_says_to_permute_it():
    with pytest.raises(ValueError, match=r"image: expected shape \(H, W\), \(H, W, 1\), \(H, W, 3\) or \(H, W, 4\), "
                                         r"got \(3, 32, 48\), which looks channels-first \(C, H, W\); put the channels "
                                         r"last: tensor.permute\(1, 2, 0\)"):
        sv.image(torch.zeros(3, 32, 48))
    with pytest.raises(ValueError, match=r"permute\(1, 2, 0\)"):
        _vis().set_image(torch.zeros(3, 32, 48))


# ----------------------------------------------------------------------------- masks

def test_an_h_w_1_mask_is_one_mask():
    mask = np.zeros((40, 60, 1), bool)
    mask[5:10, 5:10] = True
    node = sv.masks(mask)
    assert node.count == 1 and node.masks.size == (40, 60)
    vis = _vis()
    vis.draw_binary_masks(mask, colors="r", alphas=1.0)
    assert tuple(vis.get_image()[7, 7]) == (255, 0, 0)


def test_masks_of_another_size_than_the_picture_below_warn_in_the_scene_api():
    photo = sv.image(np.zeros((40, 60, 3), np.uint8))
    with pytest.warns(UserWarning, match=r"masks: 20x30 \(H x W\) masks over a 40x60 picture are painted from its "
                                         r"top-left corner; resize them to 40x60 or place them with "
                                         r"masks\(\.\.\., x=, y=\)"):
        photo + sv.masks(np.ones((20, 30), bool))
    context = _no_warnings()
    try:
        photo + sv.masks(np.ones((40, 60), bool))
        photo + sv.masks(np.ones((20, 30), bool), x=10, y=5)  # placed on purpose
        sv.masks(np.ones((20, 30), bool)) + photo
    finally:
        context.__exit__(None, None, None)


@pytest.mark.parametrize("values, shown, fix", [
    (np.array([[0, 255], [255, 0]], np.uint8), r"got values in \[0, 255\] such as 255", "for 0/255 masks pass masks > 127"),
    (np.array([[0.1, 0.9], [0.6, 0.0]]), r"got values in \[0, 0.9\] such as 0.1, 0.6, 0.9", "for probabilities pass masks > 0.5"),
    (np.array([[-1, 3], [0, 1]]), r"got values in \[-1, 3\] such as -1, 3", "pass a bool array"),
])
def test_a_mask_with_other_values_shows_them_and_the_fix(values, shown, fix):
    with pytest.raises(ValueError, match="masks: expected bool or 0/1 values, " + shown + "; " + fix):
        sv.masks(values)


# ----------------------------------------------------------------------------- messages

def test_a_two_number_color_is_named_as_a_bad_color_not_a_count():
    with pytest.raises(ValueError, match=r"color: expected a color name, hex string or RGB\(A\) tuple of 3 or 4 "
                                         r"channels, got 2 numbers \(255, 0\)"):
        sv.boxes([[0, 0, 1, 1]], color=(255, 0))
    with pytest.raises(ValueError, match=r"edge_colors: expected a color name, hex string or RGB\(A\) tuple"):
        _vis().draw_bboxes(np.array([0, 0, 5, 5]), edge_colors=(255, 0))


def test_boxes_from_xywh_report_the_values_given():
    with pytest.raises(ValueError, match=r"xywh: expected width and height >= 0, got \[10.0, 10.0, -5.0, 5.0\] at index 1"):
        sv.Boxes.from_xywh([[0, 0, 1, 1], [10, 10, -5, 5]])


# ------------------------------------------------------------------------- annotate.match

def test_match_refuses_a_score_count_other_than_the_predictions():
    boxes = np.array([[i * 10, 0, i * 10 + 8, 8] for i in range(10)], float)
    with pytest.raises(ValueError, match=r"pred_scores: expected 10 scores \(one per prediction\), got 3"):
        annotate.match(boxes, np.zeros(10, int), boxes, np.zeros(10, int), np.ones(3))
    with pytest.raises(ValueError, match=r"pred_scores: expected shape \(N,\), got \(2, 17\)"):
        annotate.match(boxes, np.zeros(10, int), boxes, np.zeros(10, int), np.ones((2, 17)))
    with pytest.raises(ValueError, match=r"pred_labels: expected 10 labels \(one per prediction\), got 9"):
        annotate.match(boxes, np.zeros(10, int), boxes, np.zeros(9, int))
    assert annotate.match(boxes, np.zeros(10, int), boxes, np.zeros(10, int), np.ones(10)).tp.all()


# ------------------------------------------------------------------------- feature maps

@pytest.mark.parametrize("shape, axis", [((64, 64, 256), "axis 2 (256)"), ((224, 224, 3), "axis 2 (3)"),
                                         ((7, 10, 2048), "axis 2 (2048)")])
def test_a_channels_last_feature_map_warns_naming_the_axis(shape, axis):
    with pytest.warns(UserWarning, match=rf"featmap: shape \{shape}".replace(", ", r", ").replace(")", r"\)")
                      + r" looks channels-last \(H, W, C\): " + axis.replace("(", r"\(").replace(")", r"\)")
                      + r" looks like the channels.*tensor.permute\(2, 0, 1\)"):
        as_featmap(np.zeros(shape, np.float32))


@pytest.mark.parametrize("shape", [(256, 64, 64), (3, 224, 224), (2048, 7, 10), (1, 48, 64)])
def test_channels_first_feature_maps_do_not_warn(shape):
    context = _no_warnings()
    try:
        as_featmap(np.zeros(shape, np.float32))
    finally:
        context.__exit__(None, None, None)


# ------------------------------------------------------------------- writing pictures

def test_save_creates_missing_folders_and_writes_every_picture_type(tmp_path):
    scene = sv.background((0, 0, 20, 10), "red")
    for name in ("a.png", "b.jpg", "c.jpeg", "d.svg", "e.pdf"):
        path = tmp_path / "new" / "folder" / name
        assert sv.save(scene, path) == str(path)
        assert path.stat().st_size > 0
    from PIL import Image
    assert Image.open(tmp_path / "new" / "folder" / "b.jpg").getpixel((5, 5))[0] > 240


def test_save_errors_name_the_path_never_a_temporary_file(tmp_path):
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(OSError) as info:
        sv.save(sv.background((0, 0, 4, 4)), tmp_path / "file" / "x.png")
    assert "x.png" in str(info.value) and ".tmp" not in str(info.value) and ".scenevis-" not in str(info.value)
    with pytest.raises(ValueError, match=r"path: expected a .png, .jpg, .jpeg, .svg or .pdf file name, got '.*x.bmp'"):
        sv.save(sv.background((0, 0, 4, 4)), tmp_path / "x.bmp")
    assert sorted(os.listdir(tmp_path)) == ["file"]


def test_add_datasample_out_file_follows_the_save_rule(tmp_path):
    vis = DetVisualizer(name=f"rules_det_{uuid.uuid4().hex[:8]}")
    image = np.zeros((40, 60, 3), np.uint8)
    sample = {"pred_instances": {"bboxes": np.array([[5, 5, 30, 30.0]]), "labels": np.array([0]),
                                 "scores": np.array([0.9])}}
    for name in ("a.png", "b.jpg", "c.svg"):
        out = tmp_path / "deep" / name
        vis.add_datasample("x", image, sample, out_file=str(out))
        assert out.stat().st_size > 0
    with pytest.raises(ValueError, match=r"out_file: expected a .png, .jpg, .jpeg, .svg or .pdf file name"):
        vis.add_datasample("x", image, sample, out_file=str(tmp_path / "x.bmp"))
