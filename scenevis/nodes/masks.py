"""Binary mask nodes: N masks of one size, each stored cropped to its bounding box.

Layer 2.
"""
from __future__ import annotations

import warnings
from typing import Any

import attrs
import numpy as np

from scenevis._arrays import array_field, as_numpy, check_finite, check_shape, coordinate, frozen, reduce_through_init
from scenevis.nodes.base import Shape, class_style, style_field
from scenevis.nodes.items import with_title
from scenevis.scene import Scene
from scenevis.style import Style

__all__ = ["MaskStack", "Masks", "masks"]


def _crops_equal(a: tuple, b: tuple) -> bool:
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))


def _frozen_crops(value: Any) -> tuple:
    return tuple(frozen(np.asarray(crop, np.bool_), np.bool_) for crop in value)


@attrs.frozen
class MaskStack:
    """N binary masks of one ``size = (H, W)``, each stored cropped to its bounding box.

    ``boxes[k]`` is ``x0, y0, x1, y1`` (end-exclusive) around mask k's True pixels (all
    zeros for an empty mask) and ``crops[k]`` holds exactly those pixels. Twenty blobs on a
    720p image take a few hundred kilobytes instead of 18 MB, and painting never scans
    the empty rest.
    """

    crops: tuple = attrs.field(converter=_frozen_crops, eq=attrs.cmp_using(eq=_crops_equal), hash=False)
    boxes: np.ndarray = array_field(converter=lambda v: frozen(np.asarray(v, np.int64).reshape(-1, 4), np.int64))
    size: tuple = attrs.field(converter=lambda v: (int(v[0]), int(v[1])))

    __reduce__ = reduce_through_init

    @classmethod
    def from_dense(cls, masks: np.ndarray) -> "MaskStack":
        """Crop an (N, H, W) bool array; reads it once and never keeps a reference to it."""
        rows = _rows_with_pixels(masks)
        boxes = np.zeros((len(masks), 4), np.int64)
        crops = []
        for k in range(len(masks)):
            ys = np.flatnonzero(rows[k])
            if not len(ys):
                crops.append(np.zeros((0, 0), np.bool_))
                continue
            y0, y1 = int(ys[0]), int(ys[-1]) + 1
            band = masks[k, y0:y1]
            xs = np.flatnonzero(band.any(axis=0))
            x0, x1 = int(xs[0]), int(xs[-1]) + 1
            boxes[k] = x0, y0, x1, y1
            crops.append(band[:, x0:x1])
        return cls(crops, boxes, masks.shape[1:])

    def __len__(self) -> int:
        return len(self.crops)

    @property
    def shape(self) -> tuple:
        return (len(self.crops),) + self.size

    def take(self, index: np.ndarray) -> "MaskStack":
        """The masks at ``index`` (integer positions), in that order."""
        return MaskStack([self.crops[i] for i in index.tolist()], self.boxes[index], self.size)

    def dense(self) -> np.ndarray:
        """A new (N, H, W) bool array of the full masks."""
        out = np.zeros(self.shape, np.bool_)
        for k, (x0, y0, x1, y1) in enumerate(self.boxes.tolist()):
            out[k, y0:y1, x0:x1] = self.crops[k]
        return out

    def __array__(self, dtype=None, copy=None):
        out = self.dense()
        return out if dtype is None else out.astype(dtype)


def _rows_with_pixels(masks: np.ndarray) -> np.ndarray:
    """(N, H) bool: which rows of each (N, H, W) bool mask hold a True pixel.

    The scan reads every byte of the masks once, so it runs at memory speed only if each
    step takes many bytes: rows of a width divisible by 8 are OR-ed as 64-bit words (a
    fifth to a third faster at 720p than ``any`` over bools)."""
    if masks.shape[2] % 8 == 0 and masks.flags.c_contiguous:
        return np.bitwise_or.reduce(masks.view(np.uint64), axis=2) != 0
    return masks.any(axis=2)


def _masks(value: Any) -> MaskStack:
    if isinstance(value, MaskStack):
        return value
    array = as_numpy(value, "masks")
    if array.ndim in (3, 4) and array.shape[-1] == 1:
        array = array[..., 0]  # a trailing channel axis: (H, W, 1) is one mask, as it is one gray image
    check_shape(array, "masks", (None, None, None), (None, None))
    if array.shape[-1] == 0 or array.shape[-2] == 0:
        raise ValueError(f"masks: expected masks with positive height and width, got shape {tuple(array.shape)}")
    if array.dtype != np.bool_:
        if array.dtype.kind not in "biuf":
            raise TypeError(f"masks: expected bool or 0/1 numbers, got dtype {array.dtype}")
        if array.dtype.kind == "f":
            check_finite(array, "masks")
        binary = np.isin(array, (0, 1))
        if not binary.all():
            raise ValueError(_not_binary(array, binary))
        array = array != 0
    return MaskStack.from_dense(array.reshape((-1,) + array.shape[-2:]))


def _not_binary(array: np.ndarray, binary: np.ndarray) -> str:
    """The error for masks holding values other than 0 and 1: what was found, and the fix."""
    low, high = array.min(), array.max()
    found = ", ".join(f"{v:g}" for v in np.unique(array[~binary][:100_000])[:4].tolist())
    if 0 <= low and high <= 1:
        fix = "for probabilities pass masks > 0.5"
    elif 0 <= low and high <= 255:
        fix = "for 0/255 masks pass masks > 127"
    else:
        fix = "pass a bool array, e.g. masks > threshold"
    return f"masks: expected bool or 0/1 values, got values in [{low:g}, {high:g}] such as {found}; {fix}"


@attrs.frozen(eq=False)
class Masks(Shape):
    """N binary masks of one size, placed with their top-left pixel at ``(x, y)``.

    Masks are painted in order, each blended over what is below with its color at
    ``alpha``; only the pixels inside each mask's own bounding box are touched. ``masks``
    is a :class:`MaskStack` (``np.asarray(node.masks)`` gives the full (N, H, W) array).
    """

    DEFAULTS = Style(alpha=0.5)

    masks: MaskStack = attrs.field(converter=_masks)
    x: float = attrs.field(default=0.0, converter=coordinate("x"))
    y: float = attrs.field(default=0.0, converter=coordinate("y"))
    style: Style = style_field()

    @property
    def count(self) -> int:
        return len(self.masks)

    def _take_items(self, index: np.ndarray) -> dict:
        return {"masks": self.masks.take(index)}

    def _placed_over(self, below: Scene) -> None:
        """``picture + masks`` with masks of another size than the picture, at its corner,
        is almost always a mask made for another image: warn (the facade refuses it)."""
        sheet = below.sheet
        if sheet.is_empty or (self.x, self.y) != (sheet.x0, sheet.y0):
            return
        h, w = self.masks.size
        height, width = round(sheet.height), round(sheet.width)
        if (h, w) != (height, width):
            warnings.warn(f"masks: {h}x{w} (H x W) masks over a {height}x{width} picture are painted from its "
                          f"top-left corner; resize them to {height}x{width} or place them with "
                          "masks(..., x=, y=)", UserWarning, stacklevel=3)


def masks(masks: Any, *, color: Any = None, alpha: Any = None, x: float = 0.0, y: float = 0.0,
          class_ids: Any = None, meta: Any = None, title: Any = None) -> Masks:
    """Binary masks, (N, H, W) or (H, W), bool or 0/1 numbers; blended at ``alpha`` (0.5)."""
    node = Masks(masks, x, y)
    return node.replace(style=class_style(node.count, class_ids, color, alpha=alpha), meta=with_title(meta, title))
