"""Colors for annotations: stable class colors, instance shades, and readable text.

- A class id always maps to the same color (a fixed :class:`~scenevis.colors.Palette`
  indexed by id, cycling past its end): same class, same color, every image, every run.
- Instances of one class get shades of that color derived only from their index among
  the instances of their class (or their ``instance_id``): the first keeps the class
  color exactly, later ones alternate lighter and darker, so neighbours differ.
- Label text is black or white, whichever contrasts more with its background by the
  WCAG 2 contrast ratio; the better of the two is always at least 4.58:1.
"""
from __future__ import annotations

import colorsys
from collections.abc import Mapping
from typing import Any, Optional

import numpy as np

from scenevis.colors import COLORBLIND_PALETTE, DEFAULT_PALETTE, Palette, color_array

__all__ = ["resolve_palette", "class_colors", "instance_shades", "relative_luminance", "contrast_ratio",
           "text_colors", "NAMED_PALETTES"]

NAMED_PALETTES = {"default": DEFAULT_PALETTE, "colorblind": COLORBLIND_PALETTE}

# Lightness offsets (HLS) for the k-th instance of a class; 0 keeps the class color.
_SHADE_STEPS = (0.0, 0.2, -0.2, 0.34, -0.32, 0.1, -0.1, 0.27, -0.26, 0.05, -0.05, 0.15, -0.15)


def resolve_palette(palette: Any = None, meta: Optional[Mapping] = None) -> Palette:
    """The palette to color classes with.

    ``palette`` may be a :class:`Palette`, ``'default'``, ``'colorblind'`` (Okabe-Ito,
    safe under the common color-vision deficiencies) or a sequence of colors. When it is
    ``None`` the dataset's ``meta['palette']`` is used if it is a sequence of colors (as
    MMDetection stores it), else the default palette.
    """
    if palette is None and meta:
        palette = meta.get("palette")
        if isinstance(palette, str) and palette not in NAMED_PALETTES:
            palette = None  # MMDetection's 'random'/'coco' names: use our stable default
    if palette is None:
        return DEFAULT_PALETTE
    if isinstance(palette, Palette):
        return palette
    if isinstance(palette, str):
        if palette not in NAMED_PALETTES:
            raise ValueError(f"palette: expected one of {sorted(NAMED_PALETTES)}, a Palette or colors, got {palette!r}")
        return NAMED_PALETTES[palette]
    if isinstance(palette, np.ndarray) or (hasattr(palette, "detach") and hasattr(palette, "dtype")):
        return Palette(list(color_array(palette, len(palette), "palette")[:, :3].tolist()))
    try:
        items = list(palette)
    except TypeError:
        raise TypeError(f"palette: expected a Palette, a palette name or a sequence of colors, got "
                        f"{type(palette).__name__}") from None
    return Palette([tuple(c) if isinstance(c, list) else c for c in items])


def class_colors(labels: np.ndarray, palette: Palette) -> np.ndarray:
    """(N, 4) uint8 RGBA: the palette color of each class id."""
    return palette.take(np.asarray(labels, np.int64).reshape(-1))


def instance_rank(labels: np.ndarray) -> np.ndarray:
    """For each item, how many earlier items have the same label (0 for the first)."""
    labels = np.asarray(labels, np.int64).reshape(-1)
    order = np.argsort(labels, kind="stable")
    sorted_labels = labels[order]
    starts = np.flatnonzero(np.r_[True, sorted_labels[1:] != sorted_labels[:-1]])
    run_start = np.repeat(starts, np.diff(np.r_[starts, len(labels)]))
    rank = np.empty(len(labels), np.int64)
    rank[order] = np.arange(len(labels)) - run_start
    return rank


def instance_shades(labels: np.ndarray, palette: Palette, index: Optional[np.ndarray] = None) -> np.ndarray:
    """(N, 4) uint8 RGBA shades of each item's class color.

    ``index`` (default: the item's rank among items of its class) picks the shade; the
    same (class, index) always gives the same color. Lightness steps alternate up and
    down and are reflected back into [0.2, 0.85], so very light or very dark class colors
    still get distinct shades.
    """
    base = class_colors(labels, palette)
    k = instance_rank(labels) if index is None else np.asarray(index, np.int64).reshape(-1)
    out = base.copy()
    for i, (color, step) in enumerate(zip(base, np.asarray(_SHADE_STEPS)[np.abs(k) % len(_SHADE_STEPS)])):
        if step == 0.0:
            continue
        h, lightness, s = colorsys.rgb_to_hls(*(color[:3] / 255.0))
        target = lightness + step
        if target > 0.85:
            target = lightness - step * 0.8
        elif target < 0.2:
            target = lightness - step * 0.8
        target = min(max(target, 0.12), 0.9)
        shifted = (h + 0.025 * np.sign(step)) % 1.0
        out[i, :3] = np.rint(np.array(colorsys.hls_to_rgb(shifted, target, s)) * 255)
    return out


def relative_luminance(rgb: Any) -> np.ndarray:
    """WCAG 2 relative luminance of (N, 3+) 0-255 colors, in [0, 1]."""
    c = np.asarray(rgb, np.float64).reshape(-1, np.shape(rgb)[-1])[:, :3] / 255.0
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return linear @ np.array([0.2126, 0.7152, 0.0722])


def contrast_ratio(a: Any, b: Any) -> np.ndarray:
    """WCAG 2 contrast ratio (1 to 21) between colors ``a`` and ``b`` (broadcast)."""
    la, lb = relative_luminance(a), relative_luminance(b)
    return (np.maximum(la, lb) + 0.05) / (np.minimum(la, lb) + 0.05)


_WHITE = np.array([255, 255, 255, 255], np.uint8)
_BLACK = np.array([0, 0, 0, 255], np.uint8)


def text_colors(backgrounds: Any) -> np.ndarray:
    """(N, 4) uint8: black or white text for each background, whichever has the higher
    contrast ratio (white wins ties, as it reads better on saturated colors)."""
    lum = relative_luminance(backgrounds)
    white = 1.05 / (lum + 0.05)
    black = (lum + 0.05) / 0.05
    return np.where((white >= black)[:, None], _WHITE, _BLACK).astype(np.uint8)
