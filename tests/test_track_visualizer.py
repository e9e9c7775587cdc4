"""TrackVisualizer on MMDetection-shaped tracking samples built from MMEngine's own data
elements (mmdet itself is not installed here: its ``DetDataSample`` and ``TrackDataSample``
are ``BaseDataElement`` subclasses with the same fields, made below as MMDetection makes
them), with torch tensors inside, as a tracker hands them over."""
from __future__ import annotations

import numpy as np
import pytest

import torch
from mmengine.structures import BaseDataElement, InstanceData

import scenevis as sv
from scenevis import VISUALIZERS, TrackVisualizer
from scenevis.annotate import track_colors
from scenevis.errors import VisualizerValueError
from scenevis.nodes import Texts

from golden_compare import read_png

W, H = 320, 200
CLASSES = ("pedestrian", "car")


class DetDataSample(BaseDataElement):
    """MMDetection's per-frame sample: gt_instances and pred_track_instances are InstanceData."""


class TrackDataSample(BaseDataElement):
    """MMDetection's video sample: ``video_data_samples`` holds one DetDataSample per frame."""

    @property
    def video_data_samples(self):
        return self._video_data_samples

    @video_data_samples.setter
    def video_data_samples(self, value):
        self.set_field(value, "_video_data_samples", dtype=list)

    def __len__(self):
        return len(self._video_data_samples)

    def __getitem__(self, index):
        return self._video_data_samples[index]


def frame_sample(frame_id: int, ids=(3, 8, 21), scores=(0.9, 0.8, 0.2)) -> DetDataSample:
    n = len(ids)
    boxes = torch.tensor([[20 + 10 * frame_id + 90 * i, 40, 80 + 10 * frame_id + 90 * i, 150] for i in range(n)],
                         dtype=torch.float32)
    pred = InstanceData(bboxes=boxes, instances_id=torch.tensor(ids, dtype=torch.long),
                        labels=torch.tensor([i % 2 for i in range(n)]), scores=torch.tensor(scores))
    gt = InstanceData(bboxes=boxes.clone(), instances_ids=torch.tensor(ids, dtype=torch.long),
                      labels=torch.tensor([i % 2 for i in range(n)]))
    return DetDataSample(metainfo=dict(frame_id=frame_id, img_shape=(H, W)), gt_instances=gt,
                         pred_track_instances=pred)


def image() -> np.ndarray:
    return np.full((H, W, 3), 30, np.uint8)


def texts_of(scene) -> list:
    found = []

    def walk(node):
        if isinstance(node, Texts):
            found.extend(node.strings)
        for child in getattr(node, "children", ()):
            walk(child)
    walk(scene)
    return found


def test_registered_under_mmdetections_name_and_built_from_a_config(tmp_path):
    vis = VISUALIZERS.build(dict(type="TrackLocalVisualizer", name="track_cfg", save_dir=str(tmp_path),
                                 vis_backends=[dict(type="LocalVisBackend")]))
    assert isinstance(vis, TrackVisualizer) and vis.line_width == 3 and vis.alpha == 0.8
    assert VISUALIZERS.get("TrackVisualizer") is TrackVisualizer


def test_a_track_data_sample_side_by_side_with_stable_colors_and_id_labels(tmp_path):
    vis = TrackVisualizer(name="track_side", vis_backends=[dict(type="LocalVisBackend")], save_dir=str(tmp_path))
    vis.dataset_meta = dict(classes=CLASSES)
    sample = TrackDataSample()
    sample.video_data_samples = [frame_sample(0)]
    vis.add_datasample("mot", image(), sample, step=0)
    saved = read_png(tmp_path / "vis_data" / "vis_image" / "mot_0.png")
    assert saved.shape == (H, 2 * W, 3)  # ground truth left, prediction right
    strings = texts_of(vis.scene)
    assert "#3 pedestrian" in strings and "#3 pedestrian 0.90" in strings and "#8 car 0.80" in strings
    assert "#21 pedestrian 0.20" not in strings  # at most pred_score_thr: left out
    # the next frame: track 8 is gone, 3 moved; 3 keeps its color on both sides
    vis.add_datasample("mot", image(), frame_sample(1, ids=(3,), scores=(0.95,)), step=1)
    second = read_png(tmp_path / "vis_data" / "vis_image" / "mot_1.png")
    color = tuple(track_colors([3])[0, :3])
    for picture, x in ((saved, 20), (second, 30), (second, W + 30)):
        assert tuple(picture[95, x]) == color


def test_trails_carry_over_calls_and_restart_at_frame_zero():
    vis = TrackVisualizer(name="track_trails", trail_length=10)
    for frame in range(5):
        vis.draw_track_sample(image(), frame_sample(frame), draw_gt=False)
    trails = vis._trails["pred"]
    assert list(trails.ids) == [3, 8] and len(trails.trail(3)) == 5
    assert np.array_equal(trails.trail(3)[[0, -1]], [[50, 95], [90, 95]])
    vis.draw_track_sample(image(), frame_sample(0), draw_gt=False)  # a new video
    assert len(vis._trails["pred"].trail(3)) == 1
    picture = vis.get_image()
    assert picture.shape == (H, W, 3)


def test_out_file_writes_the_picture_and_not_the_backends(tmp_path):
    vis = TrackVisualizer(name="track_out", vis_backends=[dict(type="LocalVisBackend")], save_dir=str(tmp_path))
    vis.add_datasample("mot", image(), frame_sample(2), draw_gt=False, out_file=str(tmp_path / "out" / "f.png"))
    assert read_png(tmp_path / "out" / "f.png").shape == (H, W, 3)
    assert not (tmp_path / "vis_data" / "vis_image").exists()


def test_masks_from_the_sample_are_blended_in_the_track_color():
    sample = frame_sample(0, ids=(5,), scores=(0.9,))
    masks = torch.zeros((1, H, W), dtype=torch.bool)
    masks[0, 60:120, 30:70] = True
    sample.pred_track_instances.masks = masks
    vis = TrackVisualizer(name="track_masks", alpha=0.5)
    vis.draw_track_sample(image(), sample, draw_gt=False)
    pixel = vis.get_image()[90, 50].astype(int)
    expected = (np.array([30, 30, 30]) + track_colors([5])[0, :3]) / 2
    assert np.abs(pixel - expected).max() <= 2


@pytest.mark.parametrize("sample, message", [
    ("several", "expected one frame, got a TrackDataSample of 2 frames"),
    ("no-pred", "expected 'pred_track_instances'"),
    ("no-ids", "expected pred instances with 'bboxes' and 'instances_id'"),
])
def test_bad_samples_raise_before_anything_is_recorded(tmp_path, sample, message):
    vis = TrackVisualizer(name=f"track_bad_{sample}", vis_backends=[dict(type="LocalVisBackend")],
                          save_dir=str(tmp_path))
    if sample == "several":
        data = TrackDataSample()
        data.video_data_samples = [frame_sample(0), frame_sample(1)]
    elif sample == "no-pred":
        data = DetDataSample(gt_instances=frame_sample(0).gt_instances)
    else:
        data = DetDataSample(pred_track_instances=InstanceData(bboxes=torch.zeros((1, 4))))
    with pytest.raises(VisualizerValueError, match=message):
        vis.add_datasample("mot", image(), data, draw_gt=False)
    assert not (tmp_path / "vis_data" / "vis_image").exists()
    with pytest.raises(VisualizerValueError, match="trail_length"):
        TrackVisualizer(name="track_bad_length", trail_length=-1)


def test_the_scene_saves_as_svg(tmp_path):
    vis = TrackVisualizer(name="track_svg")
    scene = vis.draw_track_sample(image(), frame_sample(0))
    svg = sv.to_svg(scene)
    assert svg.startswith("<?xml") and "<svg" in svg
