"""DetVisualizer.add_datasample with plain dicts and with MMEngine data elements: the
picture's layout, score filtering, out_file written with correct colors, backends,
registry building, and the datasample function behind it."""
import os

import numpy as np
import pytest
import torch
from mmengine.structures import BaseDataElement, InstanceData, PixelData

import scenevis as sv
from scenevis import annotate
from scenevis.annotate.access import read_instances, read_map
from scenevis.det_visualizer import DetVisualizer
from scenevis.errors import VisualizerValueError
from scenevis.nodes import Texts
from scenevis.registry import VISUALIZERS
from scenevis.visualizer import Visualizer
from scenevis.renderer.flatten import flatten

from annotate_scenes import backdrop, street_map
from golden_compare import assert_golden, read_png
from golden_scenes import datasample

CLASSES = ("sky", "building", "road", "person", "car")
RED = (230, 20, 20)


def sample_arrays():
    sample = datasample()
    return sample["gt_instances"], sample["pred_instances"]


def dict_sample():
    return datasample()


def element_sample():
    gt, pred = sample_arrays()
    sample = BaseDataElement()
    sample.gt_instances = InstanceData(bboxes=torch.tensor(gt["bboxes"], dtype=torch.float32),
                                       labels=torch.tensor(gt["labels"]))
    sample.pred_instances = InstanceData(bboxes=torch.tensor(pred["bboxes"], dtype=torch.float32),
                                         labels=torch.tensor(pred["labels"]), scores=torch.tensor(pred["scores"]),
                                         masks=torch.tensor(pred["masks"]))
    sample.gt_sem_seg = PixelData(sem_seg=torch.tensor(street_map(240, 160))[None])
    return sample


def strings_of(scene):
    return [s for op in flatten(scene) if isinstance(op.node, Texts) for s in op.node.strings]


@pytest.fixture
def vis(tmp_path):
    v = DetVisualizer(name="det_test", vis_backends=[dict(type="LocalVisBackend")], save_dir=str(tmp_path))
    v.dataset_meta = {"classes": CLASSES}
    yield v
    v.close()


@pytest.mark.parametrize("make", [dict_sample, element_sample])
def test_add_datasample_draws_gt_left_and_prediction_right(vis, make, tmp_path):
    image = backdrop(240, 160, 6)
    vis.add_datasample("val_img", image, make(), step=4)
    drawn = vis.get_image()
    assert drawn.shape == (160, 480, 3)
    strings = strings_of(vis.scene)
    assert "person 91.0" in strings and "car 77.0" in strings
    assert "person 12.0" not in strings  # below pred_score_thr=0.3
    assert "ground truth" in strings and "prediction" in strings
    assert {"sky", "building", "road"} <= set(strings)  # the ground-truth semantic map
    stored = tmp_path / "vis_data" / "vis_image" / "val_img_4.png"
    np.testing.assert_array_equal(read_png(stored), drawn)


def test_dicts_and_data_elements_give_the_same_picture(vis):
    image = backdrop(240, 160, 6)
    vis.add_datasample("a", image, dict_sample())
    first = vis.get_image()
    vis.add_datasample("b", image, element_sample())
    assert (vis.get_image() != first).any(axis=2).mean() < 0.002


def test_golden_datasample_side_by_side(vis):
    vis.add_datasample("golden", backdrop(240, 160, 6), dict_sample(), out_file=None)
    assert_golden("annotate_datasample", vis.get_image())


def test_out_file_is_written_in_rgb_and_backends_are_skipped(vis, tmp_path):
    image = np.zeros((160, 240, 3), np.uint8)
    image[:] = RED
    out = tmp_path / "deep" / "folder" / "result.png"
    vis.add_datasample("x", image, {"pred_instances": {"bboxes": np.zeros((0, 4)), "labels": np.zeros(0, int)}},
                       draw_gt=False, out_file=str(out), pred_score_thr=0.5)
    written = read_png(out)
    assert written.shape == (160, 240, 3)
    assert tuple(written[100, 100]) == RED  # red stays red (no BGR swap)
    assert not (tmp_path / "vis_data" / "vis_image").exists()
    svg = tmp_path / "result.svg"
    vis.add_datasample("x", image, dict_sample(), out_file=str(svg))
    assert svg.read_text().lstrip().startswith("<?xml") and "<svg" in svg.read_text()
    with pytest.raises(VisualizerValueError, match="out_file"):
        vis.add_datasample("x", image, dict_sample(), out_file=str(tmp_path / "result.bmp"))


def test_draw_flags_layouts_and_no_sample(vis):
    image = backdrop(240, 160, 6)
    vis.add_datasample("p", image, dict_sample(), draw_gt=False)
    assert vis.get_image().shape == (160, 240, 3) and "prediction" in strings_of(vis.scene)
    vis.add_datasample("g", image, dict_sample(), draw_pred=False)
    assert vis.get_image().shape == (160, 240, 3) and "ground truth" in strings_of(vis.scene)
    vis.add_datasample("n", image, None)
    np.testing.assert_array_equal(vis.get_image(), image)
    overlay = annotate.datasample(image, dict_sample(), dataset_meta={"classes": CLASSES}, layout="overlay")
    assert sv.render(overlay).shape == (160, 240, 3)
    assert "GT person" in strings_of(overlay) and "person 91.0" in strings_of(overlay)
    with pytest.raises(ValueError, match="layout"):
        annotate.datasample(image, dict_sample(), layout="grid")


def test_drawing_continues_on_top_of_the_sample(vis):
    image = backdrop(240, 160, 6)
    vis.add_datasample("s", image, dict_sample())
    vis.draw_bboxes(np.array([[300, 20, 400, 100]]), edge_colors="r")
    drawn = vis.get_image()
    assert drawn.shape == (160, 480, 3)
    assert tuple(drawn[60, 300]) != tuple(backdrop(240, 160, 6)[60, 60])


def test_built_from_config_by_either_name_and_found_as_current_instance(tmp_path):
    cfg = dict(type="DetLocalVisualizer", name="det_from_cfg", vis_backends=[dict(type="LocalVisBackend")],
               save_dir=str(tmp_path), bbox_color=(72, 101, 241), line_width=3)
    vis = VISUALIZERS.build(cfg)
    assert isinstance(vis, DetVisualizer) and cfg["type"] == "DetLocalVisualizer"
    assert Visualizer.get_current_instance() is vis
    assert VISUALIZERS.get("DetVisualizer") is DetVisualizer
    vis.close()


def test_colorblind_palette_and_overlay_layout_options():
    vis = DetVisualizer(name="det_cb", palette="colorblind", layout="overlay", captions=False)
    vis.add_datasample("cb", backdrop(240, 160, 6), dict_sample())
    assert vis.get_image().shape == (160, 240, 3)
    assert "ground truth" not in strings_of(vis.scene)
    with pytest.raises(VisualizerValueError, match="layout"):
        DetVisualizer(name="det_bad", layout="mosaic")


def test_read_helpers_take_tensors_lists_and_elements():
    inst = read_instances(InstanceData(bboxes=torch.zeros(2, 4), labels=torch.tensor([1, 2])))
    assert inst["bboxes"].dtype == np.float64 and inst["labels"].tolist() == [1, 2] and len(inst) == 2
    assert len(read_instances({"bboxes": [[0, 0, 1, 1]]})) == 1
    assert read_map([[1, 2], [3, 4]], "m").shape == (2, 2)
    with pytest.raises(ValueError, match="gt.scores"):
        read_instances({"bboxes": np.zeros((2, 4)), "scores": np.zeros(3)}, "gt")
    with pytest.raises(TypeError, match="m"):
        read_map(np.zeros((2, 2), np.float32) + 0.5, "m")


def test_show_headless_writes_the_picture_and_still_records_it(vis, monkeypatch, caplog, tmp_path):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    with caplog.at_level("WARNING", logger="scenevis"):
        vis.add_datasample("shown", backdrop(240, 160, 6), dict_sample(), show=True, wait_time=0.1, step=1)
    shown = [word for record in caplog.records for word in record.getMessage().split() if word.endswith(".png")]
    assert shown, "show() logged no PNG path"
    np.testing.assert_array_equal(read_png(shown[-1]), vis.get_image())
    assert (tmp_path / "vis_data" / "vis_image" / "shown_1.png").exists()
    os.remove(shown[-1])


def test_bad_sample_values_are_assertion_errors_and_change_nothing():
    vis = DetVisualizer(name="det_bad_sample")
    vis.set_image(backdrop(240, 160, 6))
    before = vis.scene
    with pytest.raises(AssertionError, match="bboxes"):  # MMEngine-style code catches it
        vis.draw_datasample(backdrop(240, 160, 6), {"gt_instances": {"bboxes": np.zeros((2, 3)), "labels": [0, 1]}})
    assert vis.scene is before
    vis.close()
