"""Plane geometry: affine transforms and axis-aligned bounding boxes.

Layer 0: numpy, attrs and ``_arrays`` only. Coordinates are pixels, origin top-left,
y pointing down.
"""
from __future__ import annotations

import math

import attrs
import numpy as np

from scenevis._arrays import COORD_LIMIT, number, number_field

__all__ = ["Affine", "BBox", "COORD_LIMIT", "POSITIONS", "position_points"]

#: The nine positions on a box, as fractions ``(fx, fy)`` of its width and height from its
#: top-left corner.
POSITIONS = {
    "top_left": (0.0, 0.0), "top_center": (0.5, 0.0), "top_right": (1.0, 0.0),
    "center_left": (0.0, 0.5), "center": (0.5, 0.5), "center_right": (1.0, 0.5),
    "bottom_left": (0.0, 1.0), "bottom_center": (0.5, 1.0), "bottom_right": (1.0, 1.0),
}


def position_points(xyxy: np.ndarray, name: str) -> np.ndarray:
    """(N, 2) the point ``name`` (a key of :data:`POSITIONS`) of each (N, 4) xyxy box."""
    if name not in POSITIONS:
        raise ValueError(f"position: expected one of {list(POSITIONS)}, got {name!r}")
    fx, fy = POSITIONS[name]
    box = np.asarray(xyxy, np.float64).reshape(-1, 4)
    return np.stack([box[:, 0] + fx * (box[:, 2] - box[:, 0]), box[:, 1] + fy * (box[:, 3] - box[:, 1])], axis=1)


def _number(name: str, default: "float | None" = None):
    if default is None:
        return attrs.field(converter=number_field(name))
    return attrs.field(default=default, converter=number_field(name))


@attrs.frozen
class Affine:
    """The map ``(x, y) -> (a*x + b*y + c, d*x + e*y + f)``.

    Law: ``(s @ t).apply(p) == s.apply(t.apply(p))``; ``Affine()`` is the identity of ``@``.
    """

    a: float = _number("a", 1.0)
    b: float = _number("b", 0.0)
    c: float = _number("c", 0.0)
    d: float = _number("d", 0.0)
    e: float = _number("e", 1.0)
    f: float = _number("f", 0.0)

    @classmethod
    def translation(cls, dx: float, dy: float) -> "Affine":
        return _affine(1.0, 0.0, number(dx, "dx"), 0.0, 1.0, number(dy, "dy"))

    @classmethod
    def scaling(cls, sx: float, sy: float | None = None) -> "Affine":
        sx = number(sx, "sx")
        return _affine(sx, 0.0, 0.0, 0.0, number(sy, "sy") if sy is not None else sx, 0.0)

    @property
    def is_identity(self) -> bool:
        return self.is_translation and self.c == 0.0 and self.f == 0.0

    @property
    def is_translation(self) -> bool:
        """True when the map only shifts (no scale, rotation or shear)."""
        return self.a == 1.0 and self.b == 0.0 and self.d == 0.0 and self.e == 1.0

    @property
    def is_axis_aligned(self) -> bool:
        """True when axis-aligned rectangles stay axis-aligned rectangles."""
        return self.b == 0.0 and self.d == 0.0

    def whole_pixel_shift(self) -> "tuple[int, int] | None":
        """``(dx, dy)`` when the map only shifts by whole pixels (rasters land 1:1 on a
        pixel grid), otherwise None."""
        if not self.is_translation or self.c != round(self.c) or self.f != round(self.f):
            return None
        return int(self.c), int(self.f)

    def __matmul__(self, other: "Affine") -> "Affine":
        if not isinstance(other, Affine):
            return NotImplemented
        if other.is_identity:
            return self
        if self.is_identity:
            return other
        a, b, c, d, e, f = self.a, self.b, self.c, self.d, self.e, self.f
        oa, ob, oc, od, oe, of = other.a, other.b, other.c, other.d, other.e, other.f
        return _affine(a * oa + b * od, a * ob + b * oe, a * oc + b * of + c,
                       d * oa + e * od, d * ob + e * oe, d * oc + e * of + f)

    def apply(self, points: np.ndarray) -> np.ndarray:
        """Map an (N, 2) array of points; returns a new float64 array."""
        pts = np.asarray(points, dtype=np.float64)
        if self.is_identity:
            return pts
        x, y = pts[..., 0], pts[..., 1]
        return np.stack([self.a * x + self.b * y + self.c, self.d * x + self.e * y + self.f], axis=-1)

    def inverse(self) -> "Affine":
        """The map undoing this one (``ValueError`` when it flattens the plane)."""
        det = self.a * self.e - self.b * self.d
        if det == 0.0:
            raise ValueError(f"transform: expected an invertible map, got {self}")
        a, b, d, e = self.e / det, -self.b / det, -self.d / det, self.a / det
        return _affine(a, b, -(a * self.c + b * self.f), d, e, -(d * self.c + e * self.f))

    def as_tuple(self) -> tuple[float, float, float, float, float, float]:
        """``(xx, yx, xy, yy, x0, y0)``: the order of Cairo's ``Matrix`` arguments."""
        return (self.a, self.d, self.b, self.e, self.c, self.f)


_AFFINE_FIELDS = tuple(field.name for field in attrs.fields(Affine))


def _affine(*values: float) -> Affine:
    """An :class:`Affine` from six Python floats, checked for finiteness but without the
    constructor's per-field converters and validators (products of transforms are made
    on every render)."""
    a, b, c, d, e, f = values
    isfinite = math.isfinite
    if not (isfinite(a) and isfinite(b) and isfinite(c) and isfinite(d) and isfinite(e) and isfinite(f)):
        name, value = next((n, v) for n, v in zip(_AFFINE_FIELDS, values) if not isfinite(v))
        raise ValueError(f"{name}: expected a finite number, got {value!r}")
    out = object.__new__(Affine)
    for name, value in zip(_AFFINE_FIELDS, values):
        object.__setattr__(out, name, value)
    return out


@attrs.frozen
class BBox:
    """An axis-aligned box ``[x0, x1] x [y0, y1]``; ``BBox.empty()`` holds nothing.

    Law: ``a | BBox.empty() == a`` and ``|`` is associative and commutative.
    """

    x0: float = _number("x0")
    y0: float = _number("y0")
    x1: float = _number("x1")
    y1: float = _number("y1")

    @classmethod
    def empty(cls) -> "BBox":
        return _EMPTY

    @classmethod
    def of_points(cls, points: np.ndarray) -> "BBox":
        pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        if len(pts) == 0:
            return _EMPTY
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        return cls(lo[0], lo[1], hi[0], hi[1])

    @property
    def is_empty(self) -> bool:
        return self.x0 > self.x1 or self.y0 > self.y1

    @property
    def width(self) -> float:
        return 0.0 if self.is_empty else self.x1 - self.x0

    @property
    def height(self) -> float:
        return 0.0 if self.is_empty else self.y1 - self.y0

    def __or__(self, other: "BBox") -> "BBox":
        if not isinstance(other, BBox):
            return NotImplemented
        if self.is_empty:
            return other
        if other.is_empty:
            return self
        return BBox(min(self.x0, other.x0), min(self.y0, other.y0), max(self.x1, other.x1), max(self.y1, other.y1))

    def __and__(self, other: "BBox") -> "BBox":
        """The intersection (empty when the boxes do not overlap)."""
        if not isinstance(other, BBox):
            return NotImplemented
        if self.is_empty or other.is_empty:
            return _EMPTY
        box = BBox(max(self.x0, other.x0), max(self.y0, other.y0), min(self.x1, other.x1), min(self.y1, other.y1))
        return _EMPTY if box.is_empty else box

    def transformed(self, transform: Affine) -> "BBox":
        """The bounding box of this box's four corners under ``transform``."""
        if self.is_empty or transform.is_identity:
            return self
        corners = np.array([[self.x0, self.y0], [self.x1, self.y0], [self.x0, self.y1], [self.x1, self.y1]])
        return BBox.of_points(transform.apply(corners))

    def expanded(self, margin: float) -> "BBox":
        if self.is_empty:
            return self
        return BBox(self.x0 - margin, self.y0 - margin, self.x1 + margin, self.y1 + margin)


_EMPTY = BBox(1.0, 1.0, 0.0, 0.0)  # x0 > x1: the canonical empty box
