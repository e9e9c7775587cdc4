"""Layout combinators: rows, columns, grids, padding and titles.

Layer 3. Built only on the scene algebra: every function returns a plain scene value.

Laws: ``hstack([a, b]) == a | b`` and ``vstack([a, b]) == a / b`` when ``gap=0``;
``hstack([])`` and ``vstack([])`` are ``Empty()``; a grid of ``n`` scenes with
``cols=c`` has ``ceil(n / c)`` rows, each cell the size of the largest scene.
"""
from __future__ import annotations

import math
from typing import Any, Optional, Sequence

from scenevis._arrays import COORD_LIMIT, number
from scenevis.geometry import BBox
from scenevis.nodes import texts
from scenevis.scene import Background, Empty, Group, Scene, above, beside

__all__ = ["hstack", "vstack", "grid", "pad", "titled"]


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
