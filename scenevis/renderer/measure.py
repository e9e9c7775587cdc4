"""Text metrics before rendering: the size of a string's box as the painter will draw it.

Label placement needs sizes before anything is drawn. Strings are laid out by the
calling thread's render context (:mod:`scenevis.renderer.context`), with the painter's
font options and fallback across families, so a measured box and the drawn box agree
to the pixel; the layout is kept for the render that follows. Cairo is loaded on the
first call, not at import.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from scenevis.renderer.context import current

__all__ = ["text_size"]


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
    fonts = current().fonts
    out = [(0.0, 0.0)] * len(items)
    for i, (text, size) in enumerate(zip(items, np.asarray(sizes, np.float64).tolist())):
        if text:
            block = fonts.layout(text, family, size)
            out[i] = (block.width, block.height)
    return np.array(out, np.float64).reshape(-1, 2)
