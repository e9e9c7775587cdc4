"""Annotations that come with an image: checked once, then turned into what a tracker keeps.

``DetVisualizer.add_datasample`` hands every backend ``add_image(name, picture, step,
annotations=...)``: the drawn picture plus the sample's annotations as plain values (a
backend never sees scene nodes or data elements)::

    {"image": (H, W, 3) uint8 RGB,          # the sample's own image: coordinates refer to it
     "classes": ["person", ...] or None,   # class names by label
     "ground_truth": {group}, "predictions": {group}}   # either may be missing

    group = {"bboxes": (N, 4) xyxy pixels, "labels": (N,) ints,
             "scores": (N,) floats (predictions), "masks": (N, H, W) bool,
             "sem_seg": (H, W) class ids (ignore_index 255)}   # each key optional

:func:`check_annotations` checks that shape and normalizes it (errors name the field, as
``annotations['predictions']['masks']: expected shape (3, 160, 240), got (3, 80, 120)``);
:func:`annotations_json` gives the JSON document MLflow stores beside the picture, and
:func:`wandb_overlays` the ``boxes=`` and ``masks=`` arguments of ``wandb.Image``.
"""
from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from scenevis._arrays import as_image, as_numpy, check_shape
from scenevis.errors import facade_errors

__all__ = ["GROUPS", "check_annotations", "annotations_json", "wandb_overlays", "rle"]

GROUPS = ("ground_truth", "predictions")
IGNORE_INDEX = 255
#: W&B mask images hold one byte per pixel; 0 is the background, so class ids up to 254.
WANDB_MAX_CLASS = 254


def _group(value: Any, where: str, height: int, width: int) -> Dict[str, np.ndarray]:
    if not isinstance(value, Mapping):
        raise TypeError(f"{where}: expected a dict, got {type(value).__name__}")
    unknown = set(value) - {"bboxes", "labels", "scores", "masks", "sem_seg"}
    if unknown:
        raise ValueError(f"{where}: expected keys among bboxes, labels, scores, masks, sem_seg, got {sorted(unknown)}")
    out: Dict[str, np.ndarray] = {}
    count = None
    for key, dtype, shape in (("bboxes", np.float64, (None, 4)), ("labels", np.int64, (None,)),
                              ("scores", np.float64, (None,)), ("masks", np.bool_, (None, height, width))):
        if value.get(key) is None:
            continue
        array = as_numpy(value[key], f"{where}['{key}']")
        if array.size == 0:
            array = array.reshape((0,) + tuple(s for s in shape[1:]))
        check_shape(array, f"{where}['{key}']", shape)
        if count is not None and len(array) != count:
            raise ValueError(f"{where}['{key}']: expected {count} entries (one per instance), got {len(array)}")
        count = len(array)
        out[key] = array.astype(dtype, copy=False) if key != "masks" else array != 0
    if count and "labels" not in out:
        raise ValueError(f"{where}['labels']: expected one class label per instance, got none")
    if value.get("sem_seg") is not None:
        sem = as_numpy(value["sem_seg"], f"{where}['sem_seg']")
        check_shape(sem, f"{where}['sem_seg']", (height, width))
        out["sem_seg"] = sem.astype(np.int64, copy=False)
    return out


@facade_errors
def check_annotations(value: Any) -> Dict[str, Any]:
    """``value`` checked and normalized (see the module docstring); raises ``TypeError`` or
    :class:`~scenevis.errors.VisualizerValueError` naming the field."""
    if not isinstance(value, Mapping):
        raise TypeError(f"annotations: expected a dict, got {type(value).__name__}")
    if value.get("image") is None:
        raise ValueError("annotations['image']: expected the sample's (H, W, 3) image, got none")
    image = as_image(value["image"], "annotations['image']")
    classes = value.get("classes")
    if classes is not None:
        if isinstance(classes, str) or not all(isinstance(c, str) for c in classes):
            raise TypeError(f"annotations['classes']: expected a sequence of str, got {classes!r}")
        classes = tuple(classes)
    height, width = image.shape[:2]
    groups = {key: _group(value[key], f"annotations['{key}']", height, width)
              for key in GROUPS if value.get(key) is not None}
    return {"image": image, "classes": classes, **groups}


def class_name(classes: Optional[Tuple[str, ...]], label: int) -> str:
    """The name of class ``label``: ``classes[label]``, else ``'class {label}'``."""
    return classes[label] if classes is not None and 0 <= label < len(classes) else f"class {label}"


def rle(mask: np.ndarray) -> Dict[str, Any]:
    """``mask`` (H, W) as COCO's uncompressed run-length encoding: ``{"size": [H, W],
    "counts": [...]}``, runs over the pixels in column-major order, starting with a run of
    zeros (``pycocotools.mask.frPyObjects`` reads it)."""
    flat = np.asarray(mask, bool).ravel(order="F")
    changes = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    counts = np.diff(np.concatenate(([0], changes, [flat.size])))
    if flat.size and flat[0]:
        counts = np.concatenate(([0], counts))
    return {"size": [int(mask.shape[0]), int(mask.shape[1])], "counts": counts.tolist()}


def annotations_json(ann: Dict[str, Any]) -> Dict[str, Any]:
    """The annotations as one JSON document: image size, classes, and per group a list of
    instances (``bbox`` xyxy, ``label``, ``class_name``, ``score``, ``segmentation`` as RLE)
    and of semantic segments (``label``, ``class_name``, ``segmentation``)."""
    height, width = ann["image"].shape[:2]
    doc: Dict[str, Any] = {"width": int(width), "height": int(height),
                           "classes": list(ann["classes"]) if ann["classes"] is not None else None}
    for key in GROUPS:
        group = ann.get(key)
        if group is None:
            continue
        instances = []
        for i, label in enumerate(group.get("labels", np.zeros(0, np.int64)).tolist()):
            item: Dict[str, Any] = {"label": label, "class_name": class_name(ann["classes"], label)}
            if "bboxes" in group:
                item["bbox"] = [float(v) for v in group["bboxes"][i]]
            if "scores" in group:
                item["score"] = float(group["scores"][i])
            if "masks" in group:
                item["segmentation"] = rle(group["masks"][i])
            instances.append(item)
        entry: Dict[str, Any] = {"instances": instances}
        if "sem_seg" in group:
            sem = group["sem_seg"]
            entry["sem_seg"] = [{"label": int(k), "class_name": class_name(ann["classes"], int(k)),
                                 "segmentation": rle(sem == k)}
                                for k in np.unique(sem).tolist() if k != IGNORE_INDEX and k >= 0]
        doc[key] = entry
    return doc


def _class_labels(ann: Dict[str, Any], top: int) -> Dict[int, str]:
    """W&B class labels ``{label + 1: name}`` for every class (up to ``top``), 0 the background."""
    count = len(ann["classes"]) if ann["classes"] is not None else top + 1
    labels = {0: "background"}
    labels.update({k + 1: class_name(ann["classes"], k) for k in range(max(count, top + 1))})
    return labels


def _mask_layer(group: Dict[str, np.ndarray], shape: Tuple[int, int]) -> Optional[np.ndarray]:
    """One (H, W) uint8 map of ``label + 1`` per pixel (later instances over earlier, then
    the semantic map where no instance is), 0 where nothing is; ``None`` without masks."""
    if "masks" not in group and "sem_seg" not in group:
        return None
    layer = np.zeros(shape, np.uint8)
    if "sem_seg" in group:
        sem = group["sem_seg"]
        keep = (sem >= 0) & (sem != IGNORE_INDEX)
        layer[keep] = (sem[keep] + 1).astype(np.uint8)
    for mask, label in zip(group.get("masks", ()), group.get("labels", ())):
        layer[mask] = label + 1
    return layer


def wandb_overlays(ann: Dict[str, Any]) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """The ``boxes=`` and ``masks=`` arguments of ``wandb.Image`` for ``ann``: one box set
    and one mask per group (``ground_truth``, ``predictions``), class ids ``label + 1``
    (0 is the masks' background) with every class's name, boxes in pixels with their class
    name (and score) as caption and ``{"score": s}`` for W&B's score filter. Masks are
    left out, with a ``UserWarning``, when a class id does not fit W&B's one byte."""
    height, width = ann["image"].shape[:2]
    labels_seen = [g["labels"] for g in (ann.get(k) for k in GROUPS) if g is not None and "labels" in g]
    sems = [g["sem_seg"] for g in (ann.get(k) for k in GROUPS) if g is not None and "sem_seg" in g]
    values = [a.max() for a in labels_seen if a.size] + [s[s != IGNORE_INDEX].max() for s in sems
                                                         if (s != IGNORE_INDEX).any()]
    top = int(max(values)) if values else -1
    class_labels = _class_labels(ann, top)
    boxes: Dict[str, Any] = {}
    masks: Dict[str, Any] = {}
    for key in GROUPS:
        group = ann.get(key)
        if group is None:
            continue
        if "bboxes" in group:
            data: List[Dict[str, Any]] = []
            for i, (x1, y1, x2, y2) in enumerate(group["bboxes"].tolist()):
                label = int(group["labels"][i])
                box: Dict[str, Any] = {"position": {"minX": x1, "minY": y1, "maxX": x2, "maxY": y2},
                                       "domain": "pixel", "class_id": label + 1,
                                       "box_caption": class_name(ann["classes"], label)}
                if "scores" in group:
                    score = float(group["scores"][i])
                    box["scores"] = {"score": score}
                    box["box_caption"] += f" {score:.2f}"
                data.append(box)
            boxes[key] = {"box_data": data, "class_labels": {k: v for k, v in class_labels.items() if k}}
        layer = _mask_layer(group, (height, width)) if top <= WANDB_MAX_CLASS else None
        if layer is not None:
            masks[key] = {"mask_data": layer, "class_labels": class_labels}
    if top > WANDB_MAX_CLASS and any("masks" in g or "sem_seg" in g for g in (ann.get(k) or {} for k in GROUPS)):
        warnings.warn(f"annotations: class id {top} does not fit a W&B mask (ids 0-{WANDB_MAX_CLASS}); "
                      "masks are not sent to W&B", UserWarning, stacklevel=3)
    return boxes, masks
