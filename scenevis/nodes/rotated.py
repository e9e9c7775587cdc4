"""Rotated boxes: rectangles at any angle, or any quadrilaterals, as four corners each.

Layer 2. ``(N, 5)`` boxes are ``cx, cy, w, h, angle`` as MMRotate stores them: corner k is
``(cx, cy) + R(angle) @ (sx * w / 2, sy * h / 2)`` with ``R(a) = [[cos a, -sin a], [sin a,
cos a]]`` and ``(sx, sy)`` = (1, 1), (1, -1), (-1, -1), (-1, 1), MMRotate's ``rbox2qbox``
order. The rotation matrix is the counter-clockwise one of x-right, y-up axes; on an image,
whose y axis points down, a positive angle turns the box clockwise on screen (MMRotate
calls its boxes clockwise for that reason: both describe the same corners). MMRotate's
``le90`` boxes (angle in [-pi/2, pi/2), ``w`` the long side) and any other range draw the
same way. ``(N, 8)`` boxes are four corners ``x1, y1, ..., x4, y4`` (DOTA's quadrilaterals).
"""
from __future__ import annotations

import math
from typing import Any

import attrs
import numpy as np

from scenevis._arrays import array_field, coords, frozen
from scenevis.nodes.base import Shape, class_style, flag, style_field
from scenevis.nodes.items import with_title
from scenevis.style import Style

__all__ = ["RotatedBoxes", "rotated_boxes", "rotated_corners", "ANGLE_UNITS"]

ANGLE_UNITS = ("rad", "deg")
#: The signs of (w / 2, h / 2) at each corner, in MMRotate's order.
_SIGNS = np.array([[1.0, 1.0], [1.0, -1.0], [-1.0, -1.0], [-1.0, 1.0]])
_MINUS_PLUS = np.array([-1.0, 1.0])


def rotated_corners(boxes: Any, angle_unit: str = "rad") -> np.ndarray:
    """(N, 4, 2) corners of (N, 5) ``cx, cy, w, h, angle`` boxes (see the module's docstring)."""
    if angle_unit not in ANGLE_UNITS:
        raise ValueError(f"angle_unit: expected one of {list(ANGLE_UNITS)}, got {angle_unit!r}")
    array = coords(boxes, "boxes", (None, 5), (5,), columns=5)
    if (array[:, 2:4] < 0).any():
        bad = np.flatnonzero((array[:, 2:4] < 0).any(axis=1))
        raise ValueError(f"boxes: expected w and h >= 0, got {array[bad[0]].tolist()} at index {bad[0]}")
    angle = array[:, 4] * (math.pi / 180.0) if angle_unit == "deg" else array[:, 4]
    turn = np.stack([np.cos(angle), np.sin(angle)], axis=-1)[:, None]  # (N, 1, 2)
    half = array[:, None, 2:4] / 2 * _SIGNS  # (N, 4, 2) offsets before rotation
    # (hx cos - hy sin, hx sin + hy cos) in few numpy calls (each costs tens of
    # microseconds with cold caches); a - b is a + (-b) to the bit.
    return array[:, None, :2] + (half[..., :1] * turn + half[..., 1:] * turn[..., ::-1] * _MINUS_PLUS)


def _corners(value: Any) -> np.ndarray:
    return coords(value, "corners", (None, 4, 2))


@attrs.frozen(eq=False)
class RotatedBoxes(Shape):
    """Quadrilaterals, (N, 4, 2) corners in drawing order, stroked and optionally filled.

    With ``heading``, each box carries a tick from the middle of its first edge (corner 0
    to corner 1: for ``(N, 5)`` boxes the side the angle points to) a quarter of the way
    towards the centre, in the box's stroke: which way the object faces. With
    ``antialias=False`` edges are drawn aliased, each pixel inked or not (as OpenCV draws),
    which rasterizes several times faster; SVG output asks for crisp edges.
    """

    ITEMS = ("corners",)

    corners: np.ndarray = array_field(converter=_corners)
    heading: bool = attrs.field(default=False, converter=bool)
    style: Style = style_field()
    antialias: bool = attrs.field(default=True, converter=flag("antialias"), kw_only=True)

    @classmethod
    def from_cxcywha(cls, boxes: Any, angle_unit: str = "rad", heading: bool = False,
                     style: Style = Style()) -> "RotatedBoxes":
        """From (N, 5) ``cx, cy, w, h, angle`` (radians, or degrees with ``angle_unit='deg'``)."""
        return cls(frozen(rotated_corners(boxes, angle_unit), np.float64), heading, style)

    @property
    def count(self) -> int:
        return len(self.corners)

    def ticks(self) -> np.ndarray:
        """(N, 2, 2) heading ticks: from the first edge's middle a quarter of the way to the centre."""
        front = (self.corners[:, 0] + self.corners[:, 1]) / 2
        centre = self.corners.mean(axis=1)
        return np.stack([front, front + (centre - front) / 2], axis=1)

    def top_corners(self) -> np.ndarray:
        """(N, 2) the highest corner of each box (smallest y; the leftmost of equals)."""
        c = self.corners
        if not len(c):
            return np.zeros((0, 2))
        top = c[..., 1] <= c[..., 1].min(axis=1, keepdims=True) + 1e-9
        return c[np.arange(len(c)), np.argmin(np.where(top, c[..., 0], np.inf), axis=1)]


def _as_corners(boxes: Any, angle_unit: str) -> np.ndarray:
    shape = np.shape(boxes) if not hasattr(boxes, "shape") else tuple(boxes.shape)
    last = shape[-1] if shape else None
    if len(shape) >= 2 and shape[-2:] == (4, 2):
        return _corners(boxes)
    if last == 8:
        return coords(boxes, "boxes", (None, 8), (8,), columns=8).reshape(-1, 4, 2)
    if last == 5:
        return rotated_corners(boxes, angle_unit)
    raise ValueError(f"boxes: expected shape (N, 5) cx, cy, w, h, angle, (N, 8) or (N, 4, 2) corners, got {shape}")


def rotated_boxes(boxes: Any, *, angle_unit: str = "rad", heading: bool = False, color: Any = None,
                  fill: Any = None, alpha: Any = None, width: Any = None, dash: Any = None,
                  class_ids: Any = None, meta: Any = None, title: Any = None,
                  antialias: bool = True) -> RotatedBoxes:
    """Rotated boxes from (N, 5) ``cx, cy, w, h, angle`` (radians unless ``angle_unit='deg'``;
    MMRotate's convention, see :mod:`scenevis.nodes.rotated`), (N, 8) or (N, 4, 2) corners;
    styled as :func:`~scenevis.nodes.shapes.boxes` (``meta`` and ``title`` too). ``heading``
    marks each box's front edge; ``antialias=False`` draws aliased edges (faster, see
    :class:`RotatedBoxes`)."""
    if angle_unit not in ANGLE_UNITS:
        raise ValueError(f"angle_unit: expected one of {list(ANGLE_UNITS)}, got {angle_unit!r}")
    node = RotatedBoxes(frozen(_as_corners(boxes, angle_unit), np.float64), heading, antialias=antialias)
    return node.replace(style=class_style(node.count, class_ids, color, fill=fill, alpha=alpha, width=width, dash=dash),
                        meta=with_title(meta, title))
