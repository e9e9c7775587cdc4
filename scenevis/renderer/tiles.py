"""Raster output painted only where there is ink.

An image's trip into a Cairo surface and back (RGB into 32-bit words, then out again)
costs more than drawing a hundred small marks over it. So when a render's first operation
is an opaque image covering the canvas on whole pixels and the later ones only paint
(no effect or halo, which read or blur what lies beneath), the canvas is cut into
:data:`TILE`-sided tiles and the tiles each operation's ink boxes
(:func:`scenevis.renderer.ink.ink_boxes`, in device pixels, grown by :data:`PAD`) touch
are marked. When they are few, the output starts as a copy of the image, only the marked
tiles go into the surface, the operations are painted unchanged, and only the marked
tiles come back: Cairo composites each pixel from the ink over that pixel alone, so
every pixel comes out as it would from the whole surface.
"""
from __future__ import annotations

import math
from typing import Optional

import numpy as np

from scenevis.geometry import Affine, BBox
from scenevis.nodes import Effect, Halo
from scenevis.renderer.context import RenderContext
from scenevis.renderer.flatten import DrawOp
from scenevis.renderer.ink import KINDS, ink_boxes
from scenevis.renderer.painter import drawable

__all__ = ["TILE", "PAD", "MAX_SHARE", "touched"]

#: The side of a tile, in device pixels.
TILE = 16
#: Device pixels added around every ink box: anti-aliasing, and strokes and glyphs snapped
#: to whole pixels, reach about one pixel beyond the geometry.
PAD = 2
#: Paint tiles only when the marked ones hold at most this share of the canvas; beyond
#: it, the whole canvas goes through the surface at once.
MAX_SHARE = 0.4


def _device_boxes(lo: np.ndarray, hi: np.ndarray, device: Affine) -> tuple:
    """The boxes ``(lo, hi)`` as device boxes around their corners under ``device``."""
    if device.is_axis_aligned:
        scale, shift = np.array([device.a, device.e]), np.array([device.c, device.f])
        a, b = lo * scale + shift, hi * scale + shift
        return np.minimum(a, b), np.maximum(a, b)
    corners = np.stack([lo, np.stack([hi[:, 0], lo[:, 1]], 1), np.stack([lo[:, 0], hi[:, 1]], 1), hi])
    placed = device.apply(corners.reshape(-1, 2)).reshape(4, -1, 2)
    return placed.min(axis=0), placed.max(axis=0)


def _clip_box(op: DrawOp, base: Affine) -> Optional[BBox]:
    box = None
    for rect, transform in op.clips:
        placed = rect.transformed(base @ transform)
        box = placed if box is None else box & placed
    return box


def touched(ops: list[DrawOp], base: Affine, context: RenderContext, size: tuple) -> Optional[np.ndarray]:
    """One bool per tile of a ``size = (height, width)`` canvas: True where one of ``ops``
    may ink a pixel; None when one of them reads what lies beneath or has no ink boxes
    (the whole canvas must be painted)."""
    height, width = size
    los, his = [], []
    for op in ops:
        kind = type(op.node)
        if kind in (Effect, Halo) or kind not in KINDS:
            return None
        device = base @ op.transform
        if not drawable(op, device):
            continue
        matrix = (device.a, device.d, device.b, device.e)
        lo, hi = _device_boxes(*ink_boxes(op.node, op.style, context, matrix), device)
        if op.clips:
            clip = _clip_box(op, base)
            if clip.is_empty:
                continue
            lo, hi = np.maximum(lo, [clip.x0, clip.y0]), np.minimum(hi, [clip.x1, clip.y1])
        los.append(lo)
        his.append(hi)
    rows, cols = math.ceil(height / TILE), math.ceil(width / TILE)
    tiles = np.zeros((rows, cols), bool)
    if not los:
        return tiles
    lo, hi = np.concatenate(los), np.concatenate(his)
    if not (np.isfinite(lo).all() and np.isfinite(hi).all()):
        return None
    keep = (lo <= hi).all(axis=1)
    lo, hi = lo[keep] - PAD, hi[keep] + PAD
    keep = (hi[:, 0] > 0) & (hi[:, 1] > 0) & (lo[:, 0] < width) & (lo[:, 1] < height)
    lo, hi = lo[keep], hi[keep]
    x0 = np.clip(np.floor(lo[:, 0] / TILE), 0, cols - 1).astype(np.intp)
    y0 = np.clip(np.floor(lo[:, 1] / TILE), 0, rows - 1).astype(np.intp)
    x1 = np.clip(np.ceil(hi[:, 0] / TILE), 1, cols).astype(np.intp)
    y1 = np.clip(np.ceil(hi[:, 1] / TILE), 1, rows).astype(np.intp)
    # Each box adds 1 over its tiles in a difference table; the sums mark the tiles.
    steps = np.zeros((rows + 1) * (cols + 1), np.intp)
    stride = cols + 1
    for ys, xs, sign in ((y0, x0, 1), (y0, x1, -1), (y1, x0, -1), (y1, x1, 1)):
        steps += sign * np.bincount(ys * stride + xs, minlength=len(steps))
    sums = steps.reshape(rows + 1, cols + 1).cumsum(axis=0).cumsum(axis=1)
    return sums[:rows, :cols] > 0
