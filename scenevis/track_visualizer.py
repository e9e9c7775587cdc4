"""``TrackVisualizer``: the facade's ``add_datasample`` for MMDetection's tracking samples.

Layer 7. The counterpart of MMDetection's ``TrackLocalVisualizer`` (registered in
``VISUALIZERS`` under both names, so MMDetection configs build it unchanged). It draws a
frame's ``gt_instances`` and ``pred_track_instances`` (``bboxes``, ``instances_id``,
``labels``, ``scores``, optional ``masks``) with :func:`scenevis.annotate.tracks`: one
color per track id in every frame, labels ``'#12 person 0.87'`` that never overlap,
ground truth left and prediction right as MMDetection lays them out. Beyond
MMDetection, ``trail_length=N`` draws each track's last ``N`` positions as a fading
trail; the visualizer keeps the trails from call to call and starts them afresh when a
sample's ``frame_id`` is 0 (a new video).
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from scenevis.annotate.access import field, read_meta
from scenevis.annotate.tracks import Trails, tracks
from scenevis.compose import hstack
from scenevis.det_visualizer import write_picture
from scenevis.errors import VisualizerValueError, facade_errors
from scenevis.registry import VISUALIZERS
from scenevis.scene import Scene
from scenevis.visualizer import Visualizer

__all__ = ["TrackVisualizer"]


def _frame_sample(data_sample: Any) -> Any:
    """The one frame's sample: a ``DetDataSample``-like element, or the single frame of a
    ``TrackDataSample`` (its ``video_data_samples``)."""
    frames = field(data_sample, "video_data_samples")
    if frames is None:
        return data_sample
    if len(frames) != 1:
        raise VisualizerValueError(
            f"data_sample: expected one frame, got a TrackDataSample of {len(frames)} frames; pass one frame "
            "(track_data_sample[i]) per call, as MMDetection's TrackVisualizationHook does")
    return frames[0]


def _array(value: Any) -> Optional[np.ndarray]:
    if value is None:
        return None
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    elif callable(getattr(value, "to_ndarray", None)):  # MMDetection's BitmapMasks
        value = value.to_ndarray()
    return np.asarray(value)


@VISUALIZERS.register_module(name=["TrackVisualizer", "TrackLocalVisualizer"])
class TrackVisualizer(Visualizer):
    """A visualizer for multi-object tracking samples.

    Args (beyond :class:`~scenevis.Visualizer`'s):
        line_width: box line width in points, as MMDetection's (3); ``None`` follows the
            image size.
        alpha: mask opacity (MMDetection's 0.8).
        trail_length: draw each predicted track's last ``trail_length`` positions as a
            fading trail (0: no trails, as MMDetection).
        trail_anchor: ``'center'`` or ``'bottom_center'`` of the box.
        palette: track colors: a ``Palette``, ``'default'``, ``'colorblind'`` or colors.
    """

    def __init__(self, name: str = "visualizer", image: Optional[np.ndarray] = None, vis_backends: Any = None,
                 save_dir: Optional[str] = None, line_width: Any = 3, alpha: float = 0.8, *,
                 trail_length: int = 0, trail_anchor: str = "center", palette: Any = None, **kwargs: Any) -> None:
        super().__init__(name=name, image=image, vis_backends=vis_backends, save_dir=save_dir, **kwargs)
        if line_width is not None and (isinstance(line_width, bool) or not isinstance(line_width, (int, float))
                                       or not line_width > 0):
            raise VisualizerValueError(f"line_width: expected a number > 0 or None, got {line_width!r}")
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 <= alpha <= 1:
            raise VisualizerValueError(f"alpha: expected a number in [0, 1], got {alpha!r}")
        if isinstance(trail_length, bool) or not isinstance(trail_length, int) or trail_length < 0:
            raise VisualizerValueError(f"trail_length: expected an int >= 0, got {trail_length!r}")
        self.line_width = line_width
        self.alpha = float(alpha)
        self.palette = palette
        self._trail_setup = (trail_length, trail_anchor)
        self._trails = {"gt": None, "pred": None}
        if trail_length:
            self.reset_trails()  # checks the anchor now

    def reset_trails(self) -> None:
        """Forget every trail (the next frame starts new ones)."""
        length, anchor = self._trail_setup
        if length:
            self._trails = {key: Trails(max(length, 2), anchor) for key in self._trails}

    def _draw(self, image: np.ndarray, instances: Any, key: str, score_thr: Optional[float]) -> Scene:
        boxes = _array(field(instances, "bboxes"))
        ids = _array(field(instances, "instances_id", field(instances, "instances_ids")))
        if boxes is None or ids is None:
            raise VisualizerValueError(f"data_sample: expected {key} instances with 'bboxes' and 'instances_id', "
                                       f"got fields {sorted(instances.keys()) if hasattr(instances, 'keys') else '?'}")
        boxes = boxes.reshape(-1, 4)
        ids = ids.reshape(-1)
        labels, scores, masks = (_array(field(instances, name)) for name in ("labels", "scores", "masks"))
        if score_thr is not None and scores is not None:
            keep = scores.reshape(-1) > score_thr
            boxes, ids, scores = boxes[keep], ids[keep], scores.reshape(-1)[keep]
            labels = labels.reshape(-1)[keep] if labels is not None else None
            masks = masks[keep] if masks is not None else None
        trails = self._trails[key]
        if trails is not None:
            trails = self._trails[key] = trails.update(ids, boxes)
        classes = (self.dataset_meta or {}).get("classes")
        width = None if self.line_width is None else max(1.0, round(float(self.line_width) * self._px))
        return tracks(image, boxes, ids, labels=labels, scores=scores, classes=classes, trails=trails,
                      masks=masks, palette=self.palette, line_width=width, mask_alpha=self.alpha)

    @facade_errors
    def draw_track_sample(self, image: Any, data_sample: Any, draw_gt: bool = True, draw_pred: bool = True,
                          pred_score_thr: float = 0.3) -> Scene:
        """One frame's ground truth (left) and predicted tracks (right) as a scene, also
        made this visualizer's current drawing; predictions scoring at most
        ``pred_score_thr`` are left out."""
        if data_sample is not None and callable(getattr(data_sample, "cpu", None)) \
                and not hasattr(data_sample, "dtype"):
            data_sample = data_sample.cpu()
        sample = _frame_sample(data_sample)
        if self._trail_setup[0] and field(sample, "frame_id") == 0:
            self.reset_trails()
        if self.dataset_meta is None and sample is not None:
            meta = read_meta(sample)
            if "classes" in meta:
                self.dataset_meta = meta
        panels = []
        if draw_gt and sample is not None:
            gt = field(sample, "gt_instances")
            if gt is None:
                raise VisualizerValueError("data_sample: expected 'gt_instances' (draw_gt=True), got none")
            panels.append(self._draw(image, gt, "gt", None))
        if draw_pred and sample is not None:
            pred = field(sample, "pred_track_instances")
            if pred is None:
                raise VisualizerValueError("data_sample: expected 'pred_track_instances' (draw_pred=True), got none")
            panels.append(self._draw(image, pred, "pred", pred_score_thr))
        scene = hstack(panels) if panels else tracks(image, np.zeros((0, 4)), np.zeros(0, np.int64))
        self._adopt_scene(scene)
        return scene

    def add_datasample(self, name: str, image: np.ndarray, data_sample: Any = None, draw_gt: bool = True,
                       draw_pred: bool = True, show: bool = False, wait_time: float = 0,
                       out_file: Optional[str] = None, pred_score_thr: float = 0.3, step: int = 0) -> None:
        """Draw one frame's ``data_sample`` over ``image`` (RGB) and show, save or record it,
        with the arguments and behaviour of MMDetection's ``TrackLocalVisualizer``: ground
        truth and prediction side by side when both are drawn; ``out_file`` writes the
        picture there instead of sending it to the backends."""
        if not isinstance(name, str):
            raise TypeError(f"name: expected a str, got {type(name).__name__}")
        scene = self.draw_track_sample(image, data_sample, draw_gt, draw_pred, pred_score_thr)
        drawn = self.get_image()
        if show:
            self.show(drawn, win_name=name, wait_time=wait_time)
        if out_file is not None:
            write_picture(out_file, scene, drawn)
        else:
            self.add_image(name, drawn, step)
