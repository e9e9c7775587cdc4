"""Text metrics before rendering: the size of a string's box as the painter will draw it.

Label placement needs sizes before anything is drawn. This module lays strings out
with a :class:`~scenevis.renderer.painter.Painter` on a 1x1 image surface (its own
context, font options and :class:`~scenevis.renderer.text.Fonts` with fallback across
families), so a measured box and the drawn box agree to the pixel. Cairo is loaded on
the first call, not at import, and each thread measures on its own surface.
"""
from __future__ import annotations

import functools
import threading
from typing import Any, Sequence

import numpy as np

__all__ = ["text_size", "text_block"]

_LOCAL = threading.local()


def _fonts():
    fonts = getattr(_LOCAL, "fonts", None)
    if fonts is None:
        from scenevis.geometry import Affine
        from scenevis.renderer.painter import Painter, image_surface

        surface, buffer = image_surface(1, 1, False)
        painter = Painter(surface, Affine(), buffer)  # the painter's own context and font options
        _LOCAL.keep = (surface, buffer, painter)
        fonts = _LOCAL.fonts = painter.fonts
    return fonts


@functools.lru_cache(maxsize=8192)
def _measure(text: str, size: float, family: str) -> tuple[float, float, float]:
    block = _fonts().layout(text, family, size)
    return block.width, block.height, block.ascent


def text_block(text: str, font_size: float, family: str = "DejaVu Sans") -> tuple[float, float, float]:
    """``(width, height, ascent)`` in pixels of ``text`` laid out at ``font_size`` pixels.

    The height is the line height times the number of lines (``\\n`` separates lines),
    exactly the box the painter puts a text background around (before ``pad``).
    """
    if not isinstance(text, str):
        raise TypeError(f"text: expected a string, got {type(text).__name__}")
    if not text:
        return 0.0, 0.0, 0.0
    return _measure(text, float(font_size), family)


def text_size(strings: Sequence[str], font_size: Any, family: str = "DejaVu Sans") -> np.ndarray:
    """(N, 2) float64 ``width, height`` of each string at ``font_size`` pixels (one size
    or one per string), as the painter will draw it; an empty string measures (0, 0)."""
    items = [strings] if isinstance(strings, str) else list(strings)
    for i, item in enumerate(items):
        if not isinstance(item, str):
            raise TypeError(f"strings[{i}]: expected a string, got {type(item).__name__}")
    sizes = np.broadcast_to(np.asarray(font_size, np.float64).reshape(-1), (len(items),)) if items else []
    if len(items) and (not np.isfinite(sizes).all() or sizes.min() <= 0):
        raise ValueError(f"font_size: expected finite sizes > 0, got {np.asarray(font_size).tolist()}")
    out = np.zeros((len(items), 2), np.float64)
    for i, (text, size) in enumerate(zip(items, sizes)):
        out[i, :] = text_block(text, float(size), family)[:2]
    return out
