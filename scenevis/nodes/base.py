"""What every shape node shares: coordinate arrays, per-item checks, style fields.

Layer 2. A shape node holds N items as arrays; per-item styles are arrays of length 1 or N.
"""
from __future__ import annotations

import functools
from typing import Any, Optional, Sequence

import attrs
import numpy as np

from scenevis._arrays import COORD_LIMIT, as_numpy, check_finite, check_shape, frozen
from scenevis.colors import DEFAULT_PALETTE
from scenevis.scene import Scene
from scenevis.style import Style

__all__ = ["Shape", "coords", "radii", "offsets", "style_field", "class_style"]


def coords(value: Any, name: str, *shapes: Sequence[Optional[int]], columns: Optional[int] = None) -> np.ndarray:
    """A read-only, finite float64 coordinate array of one of ``shapes``; with ``columns``,
    a single item of shape ``(columns,)`` becomes ``(1, columns)``."""
    array = as_numpy(value, name)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name}: expected numbers, got dtype {array.dtype}")
    check_shape(array, name, *shapes)
    check_finite(array, name)
    if columns is not None and array.ndim == 1:
        array = array.reshape(1, columns)
    array = frozen(array, np.float64)
    if array.size and np.abs(array).max() > COORD_LIMIT:
        raise ValueError(f"{name}: expected values within +-{COORD_LIMIT:,.0f} px, got {np.abs(array).max():g}")
    return array


def offsets(value: Any) -> np.ndarray:
    return frozen(np.asarray(value), np.int64)


style_field = functools.partial(attrs.field, factory=Style, validator=attrs.validators.instance_of(Style))


class Shape(Scene):
    """A node of N styled items; subclasses define ``count`` and ``bounds``."""

    __slots__ = ()
    #: Settings this node type uses when neither it nor an enclosing group sets them.
    DEFAULTS = Style()
    #: Fields besides the style that hold one value for all items or one per item.
    PER_ITEM: tuple = ()

    @property
    def count(self) -> int:
        raise NotImplementedError

    def __attrs_post_init__(self) -> None:
        owner, n = type(self).__name__.lower(), self.count
        self.style.check_items(n, owner)
        for name in self.PER_ITEM:
            value = getattr(self, name)
            if value is not None and len(value) not in (1, n):
                raise ValueError(f"{owner}: {name} expected 1 or {n} values, got {len(value)}")


def radii(name: str):
    def convert(value: Any) -> np.ndarray:
        array = coords(value, name, (None,), ())
        array = array.reshape(1) if array.ndim == 0 else array
        if array.size and array.min() < 0:
            raise ValueError(f"{name}: expected values >= 0, got {array.min():g}")
        return array
    return convert


def class_style(n: int, class_ids: Any, color: Any, **settings: Any) -> Style:
    if class_ids is not None and color is None:
        ids = as_numpy(class_ids, "class_ids").reshape(-1)
        if len(ids) != n:
            raise ValueError(f"class_ids: expected {n} ids (one per item), got {len(ids)}")
        color = DEFAULT_PALETTE.take(ids)
    return Style(color=color, **{k: v for k, v in settings.items() if v is not None})
