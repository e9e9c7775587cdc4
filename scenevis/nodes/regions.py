"""Regions: where an effect or a halo applies, as N boxes or N masks.

Layer 2. A :class:`Regions` value holds either (N, 4) xyxy boxes or a
:class:`~scenevis.nodes.masks.MaskStack` placed with its top-left pixel at ``(x, y)``.
"""
from __future__ import annotations

from typing import Any, Optional

import attrs
import numpy as np

from scenevis._arrays import as_numpy, coordinate, reduce_through_init
from scenevis.geometry import BBox
from scenevis.nodes.masks import Masks, MaskStack, _masks
from scenevis.nodes.shapes import Boxes, _boxes

__all__ = ["Regions", "as_regions"]


def _optional_boxes(value: Any) -> Optional[np.ndarray]:
    return None if value is None else _boxes(value)


def _optional_masks(value: Any) -> Optional[MaskStack]:
    return None if value is None else _masks(value)


def _arrays_equal(a: Any, b: Any) -> bool:
    return a is b or (a is not None and b is not None and np.array_equal(a, b))


@attrs.frozen
class Regions:
    """N boxes (``boxes``, (N, 4) xyxy) or N masks (``masks``, placed at ``(x, y)``): exactly one is set."""

    boxes: Optional[np.ndarray] = attrs.field(default=None, converter=_optional_boxes,
                                              eq=attrs.cmp_using(eq=_arrays_equal), hash=False)
    masks: Optional[MaskStack] = attrs.field(default=None, converter=_optional_masks)
    x: float = attrs.field(default=0.0, converter=coordinate("x"))
    y: float = attrs.field(default=0.0, converter=coordinate("y"))

    __reduce__ = reduce_through_init

    def __attrs_post_init__(self) -> None:
        if (self.boxes is None) == (self.masks is None):
            raise ValueError("regions: expected boxes or masks (exactly one of them)")

    @property
    def count(self) -> int:
        return len(self.boxes) if self.boxes is not None else len(self.masks)

    def take(self, index: np.ndarray) -> "Regions":
        """The regions at ``index`` (integer positions), in that order."""
        if self.boxes is not None:
            return Regions(boxes=self.boxes[index])
        return Regions(masks=self.masks.take(index), x=self.x, y=self.y)

    def item_boxes(self) -> np.ndarray:
        """(N, 4) float64 xyxy box of each region (a mask's box around its pixels; an
        empty mask's box has no size)."""
        if self.boxes is not None:
            return self.boxes
        return self.masks.boxes.astype(np.float64) + (self.x, self.y, self.x, self.y)

    def extent(self) -> BBox:
        """The box around every region's pixels (empty when there are none)."""
        boxes = self.item_boxes()
        boxes = boxes[(boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])]
        if not len(boxes):
            return BBox.empty()
        return BBox(*boxes[:, :2].min(axis=0).tolist(), *boxes[:, 2:].max(axis=0).tolist())

    def frame(self) -> Optional[BBox]:
        """The masks' whole frame (None for boxes, which have none)."""
        if self.masks is None:
            return None
        h, w = self.masks.size
        return BBox(self.x, self.y, self.x + w, self.y + h)


def as_regions(value: Any, name: str = "regions") -> Regions:
    """Regions from boxes or masks: a :class:`Regions`, a ``Boxes`` or ``Masks`` node, a
    ``MaskStack``, a bool (or 0/1 with three axes) (N, H, W) or (H, W) mask array, or an
    (N, 4) / (4,) array of xyxy boxes (numbers that are not bool)."""
    if isinstance(value, Regions):
        return value
    if isinstance(value, Boxes):
        return Regions(boxes=value.xyxy)
    if isinstance(value, Masks):
        return Regions(masks=value.masks, x=value.x, y=value.y)
    if isinstance(value, MaskStack):
        return Regions(masks=value)
    if value is None or isinstance(value, (str, bytes, int, float)):
        raise TypeError(f"{name}: expected (N, 4) boxes, (N, H, W) masks or a Boxes/Masks node, "
                        f"got {type(value).__name__}")
    array = as_numpy(value, name)
    if array.dtype != np.bool_ and array.ndim <= 2 and array.shape[-1:] == (4,):
        return Regions(boxes=array)
    if array.dtype == np.bool_ or array.ndim == 3:
        return Regions(masks=array)
    raise ValueError(f"{name}: expected (N, 4) boxes or bool (N, H, W) masks, got {array.dtype} {array.shape}")
