"""Style: how a node's items are stroked, filled and lettered.

Layer 1. Every field is either ``None`` (inherit from the enclosing group, then from
``DEFAULT_STYLE``) or a value for all items, or one value per item. Per-item values are
stored as arrays or tuples of length 1 or N; the node that carries the style checks N.

Precedence law: the innermost setting wins, ``child.over(parent)`` keeps every field the
child sets and takes the rest from the parent.
"""
from __future__ import annotations

import functools
import operator
from typing import Any, Optional

import attrs
import numpy as np

from scenevis._arrays import numbers, reduce_through_init
from scenevis.colors import color_array

__all__ = ["Style", "DEFAULT_STYLE", "DASHES", "HALIGNS", "VALIGNS"]

# Dash patterns in units of the line width, as matplotlib's line styles.
DASHES: dict[str, tuple[float, ...]] = {
    "-": (), "solid": (),
    "--": (3.7, 1.6), "dashed": (3.7, 1.6),
    ":": (1.0, 1.65), "dotted": (1.0, 1.65),
    "-.": (6.4, 1.6, 1.0, 1.6), "dashdot": (6.4, 1.6, 1.0, 1.6),
}
HALIGNS = ("left", "center", "right")
VALIGNS = ("top", "center", "baseline", "bottom")

_array_eq = attrs.cmp_using(eq=lambda a, b: a is b or (a is not None and b is not None and np.array_equal(a, b)))


def _optional(converter):
    def convert(value):
        return None if value is None else converter(value)
    return convert


def _colors(name: str):
    return functools.partial(color_array, n=None, name=name)


def _numbers(name: str, low: float, high: float):
    return functools.partial(numbers, name=name, low=low, high=high)


def _choices(name: str, allowed):
    def convert(value: Any) -> tuple[str, ...]:
        items = (value,) if isinstance(value, str) else tuple(value)
        for item in items:
            if item not in allowed:
                raise ValueError(f"{name}: expected one of {sorted(set(allowed))}, got {item!r}")
        return items
    return convert


def _family(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise TypeError(f"font_family: expected a non-empty font family name, got {value!r}")
    return value


def _array_field(converter):
    return attrs.field(default=None, converter=_optional(converter), eq=_array_eq, hash=False)


@attrs.frozen
class Style:
    """Stroke, fill and text settings; ``None`` means inherit."""

    color: Optional[np.ndarray] = _array_field(_colors("color"))
    fill: Optional[np.ndarray] = _array_field(_colors("fill"))
    alpha: Optional[np.ndarray] = _array_field(_numbers("alpha", 0.0, 1.0))
    width: Optional[np.ndarray] = _array_field(_numbers("width", 0.0, 100_000.0))
    dash: Optional[tuple] = attrs.field(default=None, converter=_optional(_choices("dash", DASHES)))
    font_size: Optional[np.ndarray] = _array_field(_numbers("font_size", 0.0, 4096.0))
    font_family: Optional[str] = attrs.field(default=None, converter=_optional(_family))
    halign: Optional[tuple] = attrs.field(default=None, converter=_optional(_choices("halign", HALIGNS)))
    valign: Optional[tuple] = attrs.field(default=None, converter=_optional(_choices("valign", VALIGNS)))

    __reduce__ = reduce_through_init

    def over(self, parent: "Style") -> "Style":
        """This style with every unset field taken from ``parent``."""
        mine = _VALUES(self)
        if all([value is not None for value in mine]):
            return self
        theirs = _VALUES(parent)
        if all([value is None for value in theirs]):
            return self
        # Both styles hold converted values already; build the result without re-running
        # the converters (this sits on the render path, once per node).
        merged = object.__new__(Style)
        for name, own, inherited in zip(_NAMES, mine, theirs):
            object.__setattr__(merged, name, inherited if own is None else own)
        return merged

    @property
    def is_unset(self) -> bool:
        return all([value is None for value in _VALUES(self)])

    def per_item_lengths(self) -> dict[str, int]:
        """The length of every set field that can hold one value per item."""
        return {f.name: len(v) for f in attrs.fields(Style)
                if (v := getattr(self, f.name)) is not None and not isinstance(v, str)}

    def check_items(self, n: int, owner: str) -> None:
        """Raise ``ValueError`` unless every per-item field holds 1 or ``n`` values."""
        for field, length in self.per_item_lengths().items():
            if length not in (1, n):
                raise ValueError(f"{field}: expected 1 or {n} values (one per item of {owner}), got {length}")


_NAMES = tuple(f.name for f in attrs.fields(Style))
_VALUES = operator.attrgetter(*_NAMES)  # all fields' values as one tuple

DEFAULT_STYLE = Style(
    color=(0, 128, 0), fill="none", alpha=1.0, width=2.0, dash="-",
    font_size=13.0, font_family="DejaVu Sans", halign="left", valign="top",
)

