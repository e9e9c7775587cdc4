"""Duck-typed reading of data samples: plain dicts, objects with attributes, and
MMEngine/MMDetection data elements alike.

A data sample is anything whose fields can be read as ``sample['gt_instances']`` (a
mapping) or ``sample.gt_instances`` (an object: MMEngine's ``BaseDataElement``,
``InstanceData``, ``PixelData``, a ``SimpleNamespace``...). Values may be numpy arrays,
torch tensors (read through ``.detach().cpu().numpy()``, torch is never imported),
lists, or mask containers with ``to_ndarray()`` (MMDetection's ``BitmapMasks``).
Everything leaves this module as numpy arrays.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional, Sequence

import numpy as np

from scenevis._arrays import as_numpy, check_shape
from scenevis.nodes import MaskStack, rotated_corners

__all__ = ["field", "is_array", "read_instances", "read_map", "read_meta", "Instances", "box_corners",
           "upright_boxes"]


def is_array(value: Any) -> bool:
    """True for arrays of values: numpy arrays, lists, tuples and tensors (which have a
    ``dtype`` as well as ``detach``; MMEngine's data elements have ``detach`` only)."""
    return isinstance(value, (np.ndarray, list, tuple)) or (hasattr(value, "detach") and hasattr(value, "dtype"))


def field(sample: Any, name: str, default: Any = None) -> Any:
    """``sample[name]`` for a mapping, ``sample.name`` for an object; ``default`` when absent."""
    if sample is None:
        return default
    if isinstance(sample, Mapping):
        return sample.get(name, default)
    try:
        return getattr(sample, name)
    except AttributeError:
        return default


def _array(value: Any, name: str) -> Optional[np.ndarray]:
    if value is None:
        return None
    to_ndarray = getattr(value, "to_ndarray", None)
    if callable(to_ndarray) and not isinstance(value, np.ndarray):
        value = to_ndarray()
    return as_numpy(value, name)


class Instances(dict):
    """The instance fields of one sample as numpy arrays, keyed as MMDetection names them:
    ``bboxes`` (N, 4) float64 xyxy (or rotated: (N, 5) ``cx, cy, w, h, angle`` as MMRotate
    stores them, (N, 8) corners), ``labels`` (N,) int64, and when present ``scores`` (N,),
    ``masks`` (N, H, W) bool (or a :class:`~scenevis.nodes.MaskStack`, kept as it is), ``instance_ids`` (N,) int64, ``keypoints`` (N, K, 2),
    ``keypoints_visible`` (N, K) and ``label_names`` (N strings)."""

    def __len__(self) -> int:  # the number of instances, not of fields
        for key in ("bboxes", "labels", "masks", "keypoints"):
            if self.get(key) is not None:
                return len(self[key])
        return 0

    def take(self, index: np.ndarray) -> "Instances":
        """The instances selected by a boolean mask or an index array."""
        out = Instances()
        for key, value in self.items():
            if isinstance(value, np.ndarray):
                out[key] = value[index]
            elif isinstance(value, MaskStack):
                out[key] = value.take(np.arange(len(value))[index])
            elif isinstance(value, tuple):
                picks = np.arange(len(value))[index]
                out[key] = tuple(value[i] for i in picks)
            else:
                out[key] = value
        return out


def box_corners(bboxes: np.ndarray) -> np.ndarray:
    """(N, 4, 2) corners of rotated boxes: (N, 5) ``cx, cy, w, h, angle`` (radians, MMRotate's
    convention) or (N, 8) corners."""
    if bboxes.shape[1] == 5:
        return rotated_corners(bboxes)
    return bboxes.reshape(-1, 4, 2)


def upright_boxes(bboxes: np.ndarray) -> np.ndarray:
    """(N, 4) xyxy: boxes as they are, rotated boxes as the upright boxes around their corners."""
    if bboxes.shape[1] == 4:
        return bboxes
    corners = box_corners(bboxes)
    return np.concatenate([corners.min(axis=1), corners.max(axis=1)], axis=1)


def _label_names(value: Any, name: str) -> Optional[tuple]:
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, Sequence) and not isinstance(value, np.ndarray):
        raise TypeError(f"{name}: expected a sequence of strings, got {type(value).__name__}")
    return tuple(str(v) for v in value)


def read_instances(value: Any, name: str = "instances") -> Instances:
    """Instances from a mapping or data element (``None`` gives no instances).

    Checks that every per-instance field has one entry per box (or per mask when there
    are no boxes) and raises ``ValueError`` naming the field otherwise.
    """
    out = Instances()
    if value is None:
        return out
    if is_array(value):
        value = {"bboxes": value}
    bboxes = _array(field(value, "bboxes"), f"{name}.bboxes")
    if bboxes is not None:
        bboxes = np.asarray(bboxes, np.float64)
        if bboxes.size == 0:
            bboxes = bboxes.reshape(0, 4)
        check_shape(bboxes, f"{name}.bboxes", (None, 4), (None, 5), (None, 8))
        out["bboxes"] = bboxes
    for key, dtype, shapes in (("labels", np.int64, [(None,)]), ("scores", np.float64, [(None,)]),
                               ("instance_ids", np.int64, [(None,)]),
                               ("masks", None, [(None, None, None)]),
                               ("keypoints", np.float64, [(None, None, 2), (None, None, 3)]),
                               ("keypoints_visible", np.float64, [(None, None)]),
                               ("keypoint_scores", np.float64, [(None, None)])):
        raw = field(value, key)
        if key == "masks" and isinstance(raw, MaskStack):  # already cropped: kept so
            out[key] = raw
            continue
        array = _array(raw, f"{name}.{key}")
        if array is None:
            continue
        if array.size == 0 and len(shapes[0]) == 1:
            array = array.reshape(0)
        check_shape(array, f"{name}.{key}", *shapes)
        if key == "masks":
            array = array != 0 if array.dtype != np.bool_ else array
        elif key == "keypoints" and array.shape[-1] == 3:
            out.setdefault("keypoints_visible", array[..., 2])
            array = array[..., :2]
        if dtype is not None:
            array = array.astype(dtype, copy=False)
        out[key] = array
    names = _label_names(field(value, "label_names"), f"{name}.label_names")
    if names is not None:
        out["label_names"] = names
    n = len(out)
    for key, item in out.items():
        if len(item) != n:
            raise ValueError(f"{name}.{key}: expected {n} entries (one per instance), got {len(item)}")
    return out


def read_map(value: Any, name: str, key: str = "sem_seg") -> Optional[np.ndarray]:
    """An (H, W) integer map from an array, a ``PixelData``-like element or a mapping
    holding it under ``key``; a leading axis of length 1 is dropped."""
    if value is None:
        return None
    if not is_array(value):
        inner = field(value, key)
        if inner is None:
            raise ValueError(f"{name}: expected an (H, W) map or an element with a {key!r} field, got "
                             f"{type(value).__name__} without it")
        value = inner
    array = as_numpy(value, name)
    if array.ndim == 3 and array.shape[0] == 1:
        array = array[0]
    check_shape(array, name, (None, None))
    if array.dtype.kind not in "biu":
        if array.dtype.kind != "f" or not np.array_equal(array, np.round(array)):
            raise TypeError(f"{name}: expected integer class ids, got dtype {array.dtype}")
    return array.astype(np.int64, copy=False)


def read_meta(sample: Any = None, dataset_meta: Any = None) -> dict:
    """Dataset metadata: ``dataset_meta`` when given, else the sample's own metainfo
    (MMEngine data elements carry it), as a plain dict (possibly empty)."""
    meta = dataset_meta
    if meta is None and sample is not None:
        metainfo = getattr(sample, "metainfo", None)
        meta = metainfo if isinstance(metainfo, Mapping) else field(sample, "dataset_meta")
    if meta is None:
        return {}
    if not isinstance(meta, Mapping):
        raise TypeError(f"dataset_meta: expected a mapping with 'classes' and 'palette', got {type(meta).__name__}")
    return dict(meta)
