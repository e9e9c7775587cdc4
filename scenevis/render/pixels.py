"""Pixel work in numpy, in the byte order of Cairo's image surfaces.

Cairo's ``FORMAT_RGB24`` and ``FORMAT_ARGB32`` are 32-bit native-endian words; on a
little-endian machine the bytes in memory are B, G, R, A(or X), and ARGB32 colors are
premultiplied by alpha. The conversions between that layout and the public (H, W, 3)
RGB / (H, W, 4) straight-alpha RGBA layouts live here and nowhere else.
"""
from __future__ import annotations

import sys

import numpy as np

__all__ = ["BGRA", "rgb_into_surface", "surface_to_rgb", "surface_to_rgba", "blend_masks", "premultiplied_bgra"]

#: Byte index of (blue, green, red, alpha) inside one 32-bit Cairo pixel in memory.
BGRA = (0, 1, 2, 3) if sys.byteorder == "little" else (3, 2, 1, 0)
_B, _G, _R, _A = BGRA


def rgb_into_surface(buf: np.ndarray, rgb: np.ndarray, x: int = 0, y: int = 0) -> None:
    """Copy an RGB image into the (H, W, 4) surface buffer with its top-left at ``(x, y)``,
    clipped to the buffer, alpha set opaque. Three per-channel copies are several times
    faster than one reversed-channel assignment."""
    h, w = buf.shape[:2]
    x0, y0 = max(x, 0), max(y, 0)
    x1, y1 = min(x + rgb.shape[1], w), min(y + rgb.shape[0], h)
    if x1 <= x0 or y1 <= y0:
        return
    src = rgb[y0 - y:y1 - y, x0 - x:x1 - x]
    dst = buf[y0:y1, x0:x1]
    dst[..., _B] = src[..., 2]
    dst[..., _G] = src[..., 1]
    dst[..., _R] = src[..., 0]
    dst[..., _A] = 255


def surface_to_rgb(buf: np.ndarray) -> np.ndarray:
    """A new (H, W, 3) RGB array from an opaque surface buffer (RGB24 or opaque ARGB32)."""
    out = np.empty(buf.shape[:2] + (3,), np.uint8)
    out[..., 0] = buf[..., _R]
    out[..., 1] = buf[..., _G]
    out[..., 2] = buf[..., _B]
    return out


def surface_to_rgba(buf: np.ndarray) -> np.ndarray:
    """A new (H, W, 4) straight-alpha RGBA array from a premultiplied ARGB32 buffer.

    Example: 50% red over transparent is stored premultiplied as (B, G, R, A) =
    (0, 0, 128, 128) and comes out as (255, 0, 0, 128).
    """
    alpha = buf[..., _A]
    out = np.empty(buf.shape[:2] + (4,), np.uint8)
    out[..., 3] = alpha
    safe = np.maximum(alpha, 1).astype(np.uint16)
    for dst, src in ((0, _R), (1, _G), (2, _B)):
        out[..., dst] = np.minimum((buf[..., src].astype(np.uint16) * 255 + safe // 2) // safe, 255)
    out[alpha == 0, :3] = 0
    return out


def premultiplied_bgra(rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """An (H, W, 4) ARGB32 buffer from RGB colors and a 0-255 alpha plane (premultiplies)."""
    a = alpha.astype(np.uint16)
    out = np.empty(rgb.shape[:2] + (4,), np.uint8)
    out[..., _A] = alpha
    for src, dst in ((0, _R), (1, _G), (2, _B)):
        out[..., dst] = (rgb[..., src].astype(np.uint16) * a + 127) // 255
    return out


def blend_masks(buf: np.ndarray, masks: np.ndarray, boxes: np.ndarray, colors: np.ndarray,
                alphas: np.ndarray, x: int, y: int) -> None:
    """Blend each mask's color over an opaque surface buffer, in order, in place.

    ``out = round((1 - a) * below + a * color)`` on each mask's True pixels. Work is
    limited to each mask's own bounding box (``boxes``, end-exclusive, in mask pixels)
    clipped to the buffer, so K small masks on a large image cost little.
    """
    h, w = buf.shape[:2]
    for k in range(len(masks)):
        mx0, my0, mx1, my1 = (int(v) for v in boxes[k])
        bx0, by0 = max(mx0 + x, 0), max(my0 + y, 0)
        bx1, by1 = min(mx1 + x, w), min(my1 + y, h)
        alpha = float(alphas[k % len(alphas)]) * colors[k % len(colors)][3] / 255.0
        if bx1 <= bx0 or by1 <= by0 or alpha <= 0.0:
            continue
        sel = masks[k, by0 - y:by1 - y, bx0 - x:bx1 - x]
        region = buf[by0:by1, bx0:bx1]
        color = colors[k % len(colors)]
        # Fixed-point weights (out of 256) keep the blend in 16-bit integers.
        wa = int(round(alpha * 256))
        wb = 256 - wa
        for src, dst in ((0, _R), (1, _G), (2, _B)):
            plane = region[..., dst]
            below = plane[sel].astype(np.uint16)
            plane[sel] = ((below * wb + int(color[src]) * wa + 128) >> 8).astype(np.uint8)
