"""A data sample's annotations as plain values, for trackers that show them interactively.

What ``DetVisualizer.add_datasample`` hands the backends beside the drawn picture (the
shape is documented in ``scenevis/backends/_annotations.py``): the sample's own image,
the class names, and per side the instances (boxes, labels, scores, masks) and the
semantic map, read from dicts and data elements alike by :mod:`scenevis.annotate.access`.
Predictions scoring at most ``pred_score_thr`` are left out, as in the picture.
"""
from __future__ import annotations

from typing import Any, Dict, Optional

import numpy as np

from scenevis._arrays import as_image
from scenevis.annotate.access import field, read_instances, read_map, read_meta, upright_boxes

__all__ = ["sample_annotations"]

_SIDES = (("gt", "ground_truth"), ("pred", "predictions"))


def sample_annotations(image: Any, data_sample: Any, *, dataset_meta: Any = None, draw_gt: bool = True,
                       draw_pred: bool = True, pred_score_thr: float = 0.3) -> Optional[Dict[str, Any]]:
    """``{"image", "classes", "ground_truth", "predictions"}`` for ``data_sample`` over
    ``image`` (RGB), or ``None`` when the drawn sides hold no boxes, masks or semantic map."""
    if data_sample is None:
        return None
    meta = read_meta(data_sample, dataset_meta)
    classes = meta.get("classes")
    out: Dict[str, Any] = {"image": as_image(image, "image"),
                           "classes": [str(c) for c in classes] if classes is not None else None}
    for side, key in _SIDES:
        if not (draw_gt if side == "gt" else draw_pred):
            continue
        group: Dict[str, np.ndarray] = {}
        instances = read_instances(field(data_sample, f"{side}_instances"), f"{side}_instances")
        if side == "pred" and instances.get("scores") is not None:
            instances = instances.take(instances["scores"] > pred_score_thr)
        if len(instances) and instances.get("labels") is not None:  # unlabeled instances: nothing to name
            for name in ("bboxes", "labels", "scores", "masks"):
                if instances.get(name) is not None:
                    group[name] = np.asarray(instances[name])  # a MaskStack as its (N, H, W) masks
            if "bboxes" in group and group["bboxes"].shape[1] != 4:  # rotated: their upright boxes
                group["bboxes"] = upright_boxes(group["bboxes"])
        sem = field(data_sample, f"{side}_sem_seg")
        if sem is not None:
            group["sem_seg"] = read_map(sem, f"{side}_sem_seg")
        if group:
            out[key] = group
    return out if len(out) > 2 else None
