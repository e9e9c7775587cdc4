"""Markers: one kind of mark per node, attached to N boxes.

Layer 2. A :class:`Markers` node draws, for each (N, 4) xyxy box, one of:

- ``'ellipse'``: the "foot" of a tracked object, an ellipse centred on the box's bottom
  centre, as wide as the box, with a vertical half-axis of ``size`` (default: a sixth of
  the box's width), drawn from -45 to 225 degrees so its back stays open behind the
  object (supervision's look);
- ``'corners'``: brackets of length ``size`` (default: a fifth of the shorter side) at the
  four corners;
- ``'triangle'``: a solid triangle ``size`` wide and high (default 12) pointing at the
  box's ``at`` position (default ``'top_center'``) from above;
- ``'dot'``: a solid dot of radius ``size`` (default 4) at ``at`` (default ``'center'``);
- ``'round_box'``: the box with corners rounded to radius ``size`` (default: a quarter of
  the shorter side), stroked and optionally filled.

Outlines (ellipse, corners, round box) use the style's ``color``, ``width``, ``dash`` and
``fill``; solid marks (triangle, dot) are filled with ``color``. With ``antialias=False``
marks are drawn aliased, each pixel inked or not (as OpenCV draws), which rasterizes
slanted and curved edges several times faster; SVG output asks for crisp edges.
"""
from __future__ import annotations

from typing import Any, Optional

import attrs
import numpy as np

from scenevis._arrays import array_field
from scenevis.geometry import POSITIONS
from scenevis.nodes.base import Shape, class_style, flag, radii, style_field
from scenevis.nodes.items import with_title
from scenevis.nodes.shapes import _boxes
from scenevis.style import Style

__all__ = ["Markers", "MARKERS", "markers", "marker_sizes"]

MARKERS = ("ellipse", "corners", "triangle", "dot", "round_box")
#: Where each kind sits by default (only triangles and dots have a position).
_DEFAULT_AT = {"triangle": "top_center", "dot": "center"}


def _kind(instance, attribute, value) -> None:
    if value not in MARKERS:
        raise ValueError(f"kind: expected one of {list(MARKERS)}, got {value!r}")


def _at(value: Any) -> Optional[str]:
    if value is not None and value not in POSITIONS:
        raise ValueError(f"at: expected one of {list(POSITIONS)}, got {value!r}")
    return value


def _optional_sizes(value: Any) -> Optional[np.ndarray]:
    return None if value is None else radii("size")(value)


@attrs.frozen(eq=False)
class Markers(Shape):
    """A ``kind`` of mark (see :data:`MARKERS` and the module docstring) for each (N, 4) xyxy box."""

    PER_ITEM = ("size",)
    ITEMS = ("xyxy",)

    xyxy: np.ndarray = array_field(converter=_boxes)
    kind: str = attrs.field(default="corners", validator=_kind)
    size: Optional[np.ndarray] = array_field(default=None, converter=_optional_sizes)
    at: Optional[str] = attrs.field(default=None, converter=_at)
    style: Style = style_field()
    antialias: bool = attrs.field(default=True, converter=flag("antialias"), kw_only=True)

    @property
    def count(self) -> int:
        return len(self.xyxy)

    @property
    def position(self) -> str:
        """Where a triangle or dot sits on its box."""
        return self.at if self.at is not None else _DEFAULT_AT.get(self.kind, "center")


def marker_sizes(node: Markers) -> np.ndarray:
    """(N,) each mark's size in pixels: the node's ``size`` or its kind's default."""
    n = node.count
    if node.size is not None:
        return np.broadcast_to(node.size, (n,)).astype(np.float64)
    if node.kind in ("triangle", "dot"):
        return np.full(n, 12.0 if node.kind == "triangle" else 4.0)
    w = node.xyxy[:, 2] - node.xyxy[:, 0]
    if node.kind == "ellipse":
        return np.maximum(w / 6, 1.0)
    h = node.xyxy[:, 3] - node.xyxy[:, 1]
    if node.kind == "corners":
        return np.maximum(np.minimum(w, h) / 5, 3.0)
    return np.minimum(w, h) / 4  # round_box


def markers(xyxy: Any, kind: str = "corners", *, size: Any = None, at: Optional[str] = None, color: Any = None,
            fill: Any = None, alpha: Any = None, width: Any = None, dash: Any = None,
            class_ids: Any = None, meta: Any = None, title: Any = None, antialias: bool = True) -> Markers:
    """Marks of one ``kind`` for (N, 4) xyxy boxes (see :mod:`scenevis.nodes.markers`);
    ``meta`` and ``title`` as :func:`~scenevis.nodes.shapes.boxes` takes them;
    ``antialias=False`` draws them aliased (faster)."""
    node = Markers(xyxy, kind, size, at, antialias=antialias)
    return node.replace(style=class_style(node.count, class_ids, color, fill=fill, alpha=alpha, width=width, dash=dash),
                        meta=with_title(meta, title))
