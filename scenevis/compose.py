"""Layout combinators: rows, columns, grids, padding and titles.

Layer 3. Built only on the scene algebra: every function returns a plain scene value.

Laws: ``hstack([a, b]) == a | b`` and ``vstack([a, b]) == a / b`` when ``gap=0``;
``hstack([])`` and ``vstack([])`` are ``Empty()``; a grid of ``n`` scenes with
``cols=c`` has ``ceil(n / c)`` rows, each cell the size of the largest scene.
"""
from __future__ import annotations

import math
from typing import Any, Optional, Sequence

import numpy as np

from scenevis._arrays import COORD_LIMIT, coords, number
from scenevis.geometry import BBox
from scenevis.nodes import Boxes, Lines, texts
from scenevis.style import Style
from scenevis.scene import Background, Empty, Group, Scene, above, beside

__all__ = ["hstack", "vstack", "grid", "pad", "titled", "inset", "INSET_PLACES"]

#: Where an inset goes: beside the picture (``'right'``, ``'left'``, ``'above'``,
#: ``'below'``, aligned with the region) or over it in a corner (``'top_left'``, ...).
INSET_PLACES = ("right", "left", "above", "below", "top_left", "top_right", "bottom_left", "bottom_right")


def _scenes(scenes: Any, name: str = "scenes") -> list:
    items = list(scenes)
    for i, scene in enumerate(items):
        if not isinstance(scene, Scene):
            raise TypeError(f"{name}[{i}]: expected a Scene, got {type(scene).__name__}")
    return items


def _gap(gap: Any, name: str = "gap") -> float:
    return number(gap, name, 0.0, COORD_LIMIT)


def hstack(scenes: Sequence[Scene], gap: float = 0.0) -> Scene:
    """Scenes left to right, ``gap`` pixels apart, tops aligned."""
    gap = _gap(gap)
    out: Scene = Empty()
    for scene in _scenes(scenes):
        out = scene if isinstance(out, Empty) else beside(out, scene, gap)
    return out


def vstack(scenes: Sequence[Scene], gap: float = 0.0) -> Scene:
    """Scenes top to bottom, ``gap`` pixels apart, left edges aligned."""
    gap = _gap(gap)
    out: Scene = Empty()
    for scene in _scenes(scenes):
        out = scene if isinstance(out, Empty) else above(out, scene, gap)
    return out


def pad(scene: Scene, margin: float, color: Any = "white") -> Scene:
    """``scene`` on a background ``margin`` pixels larger on every side."""
    box = scene.extent
    if box.is_empty:
        return scene
    return Background(box.expanded(_gap(margin, "margin")), color) + scene


def titled(scene: Scene, title: str, font_size: float = 14.0, color: Any = "black",
           background: Any = "white") -> Scene:
    """``scene`` with ``title`` centered in a band above it."""
    box = scene.extent
    band = math.ceil(font_size * 1.6)
    header = Background(BBox(box.x0, box.y0 - band, box.x1, box.y0), background) + texts(
        title, ((box.x0 + box.x1) / 2, box.y0 - band / 2), color=color, font_size=font_size,
        halign="center", valign="center")
    return header + scene


def grid(scenes: Sequence[Scene], cols: Optional[int] = None, gap: float = 0.0,
         background: Any = "white", titles: Optional[Sequence[str]] = None,
         title_size: float = 14.0) -> Scene:
    """Scenes in rows of ``cols`` (default: about square), each in a cell the size of the
    largest scene, ``gap`` pixels apart, on ``background``; ``titles`` label the cells.
    Each scene is clipped to its own extent, so nothing spills into its neighbours."""
    items = _scenes(scenes)
    if titles is not None:
        titles = list(titles)
        if len(titles) != len(items):
            raise ValueError(f"titles: expected {len(items)} titles (one per scene), got {len(titles)}")
        items = [titled(s, str(t), title_size) for s, t in zip(items, titles)]
    if not items:
        return Empty()
    if cols is None:
        cols = math.ceil(math.sqrt(len(items)))
    if isinstance(cols, bool) or not isinstance(cols, int) or cols < 1:
        raise ValueError(f"cols: expected a positive integer, got {cols!r}")
    gap = _gap(gap)
    boxes = [s.extent for s in items]
    cell_w = max(b.width for b in boxes)
    cell_h = max(b.height for b in boxes)
    rows = math.ceil(len(items) / cols)
    width = cols * cell_w + (cols - 1) * gap
    height = rows * cell_h + (rows - 1) * gap
    cells = [Background(BBox(0, 0, width, height), background)]
    for i, (scene, box) in enumerate(zip(items, boxes)):
        r, c = divmod(i, cols)
        cells.append(scene.clipped().translate(c * (cell_w + gap) - box.x0, r * (cell_h + gap) - box.y0))
    return Group.of(*cells)


def _region(value: Any, extent: BBox) -> BBox:
    x0, y0, x1, y1 = coords(value, "region", (4,)).tolist()
    if not (x0 < x1 and y0 < y1):
        raise ValueError(f"region: expected (x0, y0, x1, y1) with x0 < x1 and y0 < y1, got {(x0, y0, x1, y1)}")
    box = BBox(x0, y0, x1, y1)
    if (box & extent).is_empty:
        raise ValueError(f"region: expected a box overlapping the scene's extent {extent}, got {(x0, y0, x1, y1)}")
    return box


def _inset_origin(at: Any, extent: BBox, region: BBox, w: float, h: float, gap: float) -> tuple:
    if isinstance(at, str):
        if at not in INSET_PLACES:
            raise ValueError(f"at: expected one of {list(INSET_PLACES)} or an (x, y) point, got {at!r}")
        beside = {"right": (extent.x1 + gap, region.y0), "left": (extent.x0 - gap - w, region.y0),
                  "above": (region.x0, extent.y0 - gap - h), "below": (region.x0, extent.y1 + gap)}
        if at in beside:
            x, y = beside[at]
            if at in ("right", "left"):
                y = min(max(y, extent.y0), max(extent.y1 - h, extent.y0))
            else:
                x = min(max(x, extent.x0), max(extent.x1 - w, extent.x0))
            return x, y
        vertical, horizontal = at.split("_")
        x = extent.x0 + gap if horizontal == "left" else extent.x1 - gap - w
        y = extent.y0 + gap if vertical == "top" else extent.y1 - gap - h
        return x, y
    x, y = coords(at, "at", (2,)).tolist()
    return x, y


def _nearest_points(a: BBox, b: BBox) -> np.ndarray:
    """(2, 2): the points of ``a`` and of ``b`` closest to each other (their centres'
    midline where they overlap along an axis)."""
    out = np.empty((2, 2))
    for axis, (lo_a, hi_a, lo_b, hi_b) in enumerate(((a.x0, a.x1, b.x0, b.x1), (a.y0, a.y1, b.y0, b.y1))):
        if hi_a < lo_b:
            out[:, axis] = hi_a, lo_b
        elif hi_b < lo_a:
            out[:, axis] = lo_a, hi_b
        else:
            shared = (max(lo_a, lo_b) + min(hi_a, hi_b)) / 2
            out[:, axis] = shared, shared
    return out


def inset(scene: Scene, region: Any, zoom: float = 2.0, *, at: Any = "right", gap: float = 8.0,
          color: Any = "black", width: float = 1.5, background: Any = "white") -> Scene:
    """``scene`` with a zoomed copy of ``region`` (x0, y0, x1, y1) placed ``at`` a side of it
    (:data:`INSET_PLACES`) or at an (x, y) point (the inset's top-left corner), ``gap``
    pixels away. The region and the inset are framed in ``color`` and joined by a leader
    line between their nearest points.

    The inset is the same scene value cut to the region and scaled, so it is drawn anew
    at the zoom: lines, text and shapes stay sharp (an image in it is resampled
    smoothly from its own pixels; it has no more detail than that).
    """
    if not isinstance(scene, Scene):
        raise TypeError(f"scene: expected a Scene, got {type(scene).__name__}")
    zoom = number(zoom, "zoom", 0.01, 100.0)
    gap = _gap(gap)
    extent = scene.extent
    if extent.is_empty:
        raise ValueError("scene: expected a scene with a size to take an inset from, got one that draws nothing")
    box = _region(region, extent)
    w, h = box.width * zoom, box.height * zoom
    x, y = _inset_origin(at, extent, box, w, h, gap)
    target = BBox(x, y, x + w, y + h)
    zoomed = scene.clipped(box).translate(-box.x0, -box.y0).scale(zoom).translate(x, y)
    frames = Boxes(np.array([[box.x0, box.y0, box.x1, box.y1], [x, y, x + w, y + h]]),
                   Style(color=color, width=width))
    leader = _nearest_points(box.expanded(width / 2), target.expanded(width / 2))
    parts = [scene, Background(target, background), zoomed, frames]
    if np.hypot(*(leader[1] - leader[0])) > 0:
        parts.append(Lines(leader, np.array([0, 2]), Style(color=color, width=width)))
    return Group.of(*parts)
