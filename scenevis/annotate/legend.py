"""Legends: a color swatch and a name per entry, placed beside a picture.

A legend is an ordinary scene whose top-left corner is the origin, sized from measured
text so its box fits its entries exactly. Entries are ``(name, color)`` pairs, or
``(name, color, dash)`` to show a line style instead of a filled swatch (the error view
uses that). A legend taller than ``max_height`` flows into more columns.
"""
from __future__ import annotations

import math
from typing import Any, Optional, Sequence


from scenevis._arrays import number
from scenevis.colors import color_array
from scenevis.compose import hstack, vstack
from scenevis.geometry import BBox
from scenevis.nodes import Boxes, Texts
from scenevis.renderer.measure import text_size
from scenevis.scene import Background, Empty, Group, Scene
from scenevis.style import DASHES, Style

__all__ = ["legend", "with_legend", "legend_beside"]

_SIDES = ("right", "left", "bottom", "top")


def _entries(entries: Any) -> list:
    items = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, (tuple, list)) or len(entry) not in (2, 3):
            raise TypeError(f"entries[{i}]: expected (name, color) or (name, color, dash), got {entry!r}")
        name, color = str(entry[0]), color_array(entry[1], 1, f"entries[{i}] color")[0]
        dash = entry[2] if len(entry) == 3 else None
        if dash is not None and dash not in DASHES:
            raise ValueError(f"entries[{i}] dash: expected one of {sorted(DASHES)}, got {dash!r}")
        items.append((name, color, dash))
    return items


def legend(entries: Sequence, *, title: Optional[str] = None, font_size: float = 13.0,
           font_family: str = "DejaVu Sans", max_height: Optional[float] = None,
           background: Any = "white", text_color: Any = (30, 30, 30), border: Any = (200, 200, 200)) -> Scene:
    """A legend of ``entries`` as a scene with its top-left corner at the origin.

    Each row is a swatch (filled with the entry's color, or an outlined box in the
    entry's dash style) and the entry's name. With ``max_height`` the rows flow into as
    many columns as needed to stay within it. An empty list gives ``Empty()``.
    """
    items = _entries(entries)
    if not items:
        return Empty()
    font_size = number(font_size, "font_size", 0.0, 4096.0)
    if font_size == 0:
        raise ValueError("font_size: expected a value > 0, got 0")
    names = [name for name, _, _ in items]
    sizes = text_size(names, font_size, font_family)
    row = math.ceil(max(sizes[:, 1].max(), font_size) + font_size * 0.45)
    swatch = round(font_size * 0.95)
    margin = round(font_size * 0.6)
    title_h = 0
    if title:
        title_size = text_size([title], font_size, font_family)[0]
        title_h = math.ceil(title_size[1] + font_size * 0.3)
    per_column = len(items)
    if max_height is not None:
        per_column = max(1, int((max_height - 2 * margin - title_h) // row))
    columns = [items[i:i + per_column] for i in range(0, len(items), per_column)]
    widths = [math.ceil(sizes[i:i + per_column, 0].max()) for i in range(0, len(items), per_column)]
    column_w = [swatch + round(font_size * 0.5) + w for w in widths]
    gap = round(font_size * 1.2)
    width = 2 * margin + sum(column_w) + gap * (len(columns) - 1)
    if title:
        width = max(width, 2 * margin + math.ceil(title_size[0]))
    height = 2 * margin + title_h + row * len(columns[0])
    layers: list = [Background(BBox(0, 0, width, height), background)]
    if border is not None:
        layers.append(Boxes([[0.5, 0.5, width - 0.5, height - 0.5]], Style(color=border, width=1.0)))
    if title:
        layers.append(Texts((title,), [[margin, margin]], Style(color=text_color, font_size=font_size,
                                                                 font_family=font_family)))
    x = margin
    for column, cw in zip(columns, column_w):
        y = margin + title_h
        for name, color, dash in column:
            top = y + (row - swatch) / 2
            rect = [[x, top, x + swatch, top + swatch]]
            if dash is None:
                layers.append(Boxes(rect, Style(color=color[None], fill=color[None], width=0.0)))
            else:
                inset = [[x + 1.5, top + 1.5, x + swatch - 1.5, top + swatch - 1.5]]
                layers.append(Boxes(inset, Style(color=color[None], width=2.0, dash=dash)))
            layers.append(Texts((name,), [[x + swatch + round(font_size * 0.5), y + row / 2]],
                                Style(color=text_color, font_size=font_size, font_family=font_family,
                                      valign="center")))
            y += row
        x += cw + gap
    return Group.of(*layers).named("legend")


def with_legend(scene: Scene, legend_scene: Scene, side: str = "right", gap: float = 8.0,
                background: Any = "white") -> Scene:
    """``scene`` with ``legend_scene`` beside it on ``side`` (``'right'``, ``'left'``,
    ``'bottom'`` or ``'top'``), tops (or left edges) aligned, ``gap`` pixels apart; the
    canvas grows to hold both, filled with ``background``."""
    if side not in _SIDES:
        raise ValueError(f"side: expected one of {list(_SIDES)}, got {side!r}")
    if isinstance(legend_scene, Empty):
        return scene
    parts = [scene, legend_scene] if side in ("right", "bottom") else [legend_scene, scene]
    joined = hstack(parts, gap) if side in ("right", "left") else vstack(parts, gap)
    return Background(joined.extent, background) + joined


def legend_beside(picture: Scene, entries: Sequence, canvas: Sequence[float], side: Optional[str], *,
                  title: Optional[str] = None, font_family: str = "DejaVu Sans") -> Scene:
    """``picture`` (drawn on ``canvas = (width, height)``) with a legend of ``entries`` on
    ``side``, its font sized like the labels' and flowing into columns to stay within the
    picture's height; ``side=None`` or no entries returns ``picture`` unchanged."""
    if side is None or not len(entries):
        return picture
    if side not in _SIDES:
        raise ValueError(f"legend_side: expected one of {list(_SIDES)} or None, got {side!r}")
    from scenevis.annotate.labels import base_font_size

    width, height = float(canvas[0]), float(canvas[1])
    if picture.sheet.is_empty:  # an overlay without an image: give it its canvas
        picture = Background(BBox(0, 0, width, height), "white") + picture
    key = legend(entries, title=title, font_size=max(11.0, round(base_font_size(width, height) * 0.9)),
                 font_family=font_family, max_height=height if side in ("right", "left") else None)
    return with_legend(picture, key, side)
