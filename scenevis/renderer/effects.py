"""The pixel work of effects and halos, in numpy.

An effect works on the pixels already painted (an (H, W, C) uint8 buffer: the RGB output
of the painter's numpy mode, or an image surface's memory). Its regions become *pieces*:
a window of device pixels and which of them are covered (a pixel is covered when its
centre lies in the region). Every piece is computed from one snapshot of the pixels taken
before any is written, so overlapping regions are changed once, exactly as their union
would be. Pieces that together cost more than their common window are merged into it:
the work then is one vectorized pass over that window.

A halo's glow is computed per region as an alpha plane (:func:`glow`), which the painter
hands Cairo as a mask in the region's color.
"""
from __future__ import annotations

import math
from typing import NamedTuple, Optional

import numpy as np

from scenevis.geometry import Affine, BBox

__all__ = ["Piece", "pieces", "apply", "glow", "blur_radii", "device_scale"]

#: Rec. 601 luma weights (what OpenCV and Pillow use for grey).
_LUMA = (0.299, 0.587, 0.114)


class Piece(NamedTuple):
    """Device pixels ``[y0, y1) x [x0, x1)``; ``mask`` (bool, that shape) says which are
    covered, or is None when all are."""

    y0: int
    y1: int
    x0: int
    x1: int
    mask: Optional[np.ndarray]
    #: The region it comes from (-1 for a union of regions).
    item: int = -1

    @property
    def area(self) -> int:
        return (self.y1 - self.y0) * (self.x1 - self.x0)


def device_scale(device: Affine) -> float:
    """How many device pixels one scene pixel spans (the square root of the area ratio)."""
    return math.sqrt(abs(device.a * device.e - device.b * device.d))


def _span(lo: float, hi: float, limit: int) -> tuple:
    """First and end pixel whose centre lies in ``[lo, hi)``, clipped to ``[0, limit)``."""
    return max(math.ceil(lo - 0.5), 0), min(math.ceil(hi - 0.5), limit)


def _window(box: BBox, size: tuple, clip: Optional[BBox]) -> Optional[tuple]:
    """``(y0, y1, x0, x1)`` of the device pixels whose centres lie in ``box`` (and ``clip``)."""
    if clip is not None:
        box = box & clip
    if box.is_empty:
        return None
    y0, y1 = _span(box.y0, box.y1, size[0])
    x0, x1 = _span(box.x0, box.x1, size[1])
    return (y0, y1, x0, x1) if y1 > y0 and x1 > x0 else None


def _centres(win: tuple, inverse: Affine) -> tuple:
    """The node coordinates of the centres of the pixels of ``win``: (h, w) arrays ``u, v``."""
    y0, y1, x0, x1 = win
    xs = np.arange(x0, x1, dtype=np.float64) + 0.5
    ys = np.arange(y0, y1, dtype=np.float64) + 0.5
    if inverse.is_axis_aligned:
        u = inverse.a * xs + inverse.c
        v = inverse.e * ys + inverse.f
        return np.broadcast_to(u, (len(ys), len(xs))), np.broadcast_to(v[:, None], (len(ys), len(xs)))
    gx, gy = np.meshgrid(xs, ys)
    return inverse.a * gx + inverse.b * gy + inverse.c, inverse.d * gx + inverse.e * gy + inverse.f


def _box_piece(box: np.ndarray, device: Affine, size: tuple, clip: Optional[BBox]) -> Optional[Piece]:
    placed = BBox(*box.tolist()).transformed(device)
    win = _window(placed, size, clip)
    if win is None:
        return None
    if device.is_axis_aligned:
        return Piece(*win, None)
    u, v = _centres(win, device.inverse())
    return Piece(*win, (u >= box[0]) & (u < box[2]) & (v >= box[1]) & (v < box[3]))


def _mask_piece(crop: np.ndarray, box: np.ndarray, x: float, y: float, device: Affine, size: tuple,
                clip: Optional[BBox]) -> Optional[Piece]:
    mx0, my0, mx1, my1 = box.tolist()
    if mx1 <= mx0 or my1 <= my0:
        return None
    placed = BBox(x + mx0, y + my0, x + mx1, y + my1).transformed(device)
    win = _window(placed, size, clip)
    if win is None:
        return None
    shift = (device @ Affine.translation(x + mx0, y + my0)).whole_pixel_shift()
    if shift is not None:
        y0, y1, x0, x1 = win
        return Piece(*win, crop[y0 - shift[1]:y1 - shift[1], x0 - shift[0]:x1 - shift[0]])
    u, v = _centres(win, device.inverse())
    col = np.floor(u - (x + mx0)).astype(np.int64)
    row = np.floor(v - (y + my0)).astype(np.int64)
    inside = (col >= 0) & (col < crop.shape[1]) & (row >= 0) & (row < crop.shape[0])
    return Piece(*win, inside & crop[np.clip(row, 0, crop.shape[0] - 1), np.clip(col, 0, crop.shape[1] - 1)])


def pieces(regions, device: Affine, size: tuple, clip: Optional[BBox] = None) -> list:
    """One :class:`Piece` per region with covered pixels on a ``size = (H, W)`` canvas."""
    out = []
    if regions.boxes is not None:
        for k, box in enumerate(regions.boxes):
            out.append((k, _box_piece(box, device, size, clip)))
    else:
        stack = regions.masks
        for k, (crop, box) in enumerate(zip(stack.crops, stack.boxes)):
            out.append((k, _mask_piece(crop, box, regions.x, regions.y, device, size, clip)))
    return [p._replace(item=k) for k, p in out if p is not None and (p.mask is None or p.mask.any())]


def _union(parts: list) -> Piece:
    """The window around ``parts`` and which of its pixels any of them covers."""
    y0, y1 = min(p.y0 for p in parts), max(p.y1 for p in parts)
    x0, x1 = min(p.x0 for p in parts), max(p.x1 for p in parts)
    mask = np.zeros((y1 - y0, x1 - x0), np.bool_)
    for p in parts:
        view = mask[p.y0 - y0:p.y1 - y0, p.x0 - x0:p.x1 - x0]
        if p.mask is None:
            view[...] = True
        else:
            view |= p.mask
    return Piece(y0, y1, x0, x1, None if mask.all() else mask)


def _outside(parts: list, frame: Optional[tuple]) -> Optional[Piece]:
    """The pixels of the ``frame`` window that no part covers."""
    if frame is None:
        return None
    y0, y1, x0, x1 = frame
    mask = np.ones((y1 - y0, x1 - x0), np.bool_)
    for p in parts:
        a0, a1, b0, b1 = max(p.y0, y0), min(p.y1, y1), max(p.x0, x0), min(p.x1, x1)
        if a1 <= a0 or b1 <= b0:
            continue
        cover = True if p.mask is None else p.mask[a0 - p.y0:a1 - p.y0, b0 - p.x0:b1 - p.x0]
        mask[a0 - y0:a1 - y0, b0 - x0:b1 - x0] &= ~cover if p.mask is not None else False
    return Piece(y0, y1, x0, x1, mask) if mask.any() else None


def blur_radii(radius: float) -> int:
    """The radius of each of the three box blurs that make a blur of ``radius`` device
    pixels (their total reach is ``3 * r <= radius``, at least one pixel each)."""
    return max(1, int(radius // 3))


def _box_blur(a: np.ndarray, r: int, axis: int) -> np.ndarray:
    """Mean over ``2r + 1`` pixels along ``axis``, the edge pixel repeated beyond the ends."""
    n = a.shape[axis]
    moved = np.moveaxis(a, axis, 0)
    padded = np.concatenate([np.repeat(moved[:1], r + 1, axis=0), moved, np.repeat(moved[-1:], r, axis=0)])
    sums = np.cumsum(padded, axis=0, dtype=np.float32)
    out = (sums[2 * r + 1:2 * r + 1 + n] - sums[:n]) * np.float32(1.0 / (2 * r + 1))
    return np.moveaxis(out, 0, axis)


def _blurred(src: np.ndarray, r: int, passes: int = 3) -> np.ndarray:
    out = src.astype(np.float32)
    for axis in (0, 1):
        for _ in range(passes):
            out = _box_blur(out, r, axis)
    return out


def _pixelated(src: np.ndarray, origin: tuple, block: int) -> np.ndarray:
    """Each ``block``-sized cell of the canvas grid (``origin`` = the window's top-left
    pixel on the canvas) replaced by its mean."""
    h, w = src.shape[:2]
    rows = np.unique(np.r_[0, np.arange(-(origin[0] % block) + block, h, block)])
    cols = np.unique(np.r_[0, np.arange(-(origin[1] % block) + block, w, block)])
    rows, cols = rows[rows < h], cols[cols < w]
    sums = np.add.reduceat(np.add.reduceat(src.astype(np.float32), rows, axis=0), cols, axis=1)
    counts = np.outer(np.diff(np.r_[rows, h]), np.diff(np.r_[cols, w])).astype(np.float32)
    means = sums / counts[..., None]
    return np.repeat(np.repeat(means, np.diff(np.r_[rows, h]), axis=0), np.diff(np.r_[cols, w]), axis=1)


def _pointwise(kind: str, src: np.ndarray, amount: float, channels: tuple, alpha: Optional[int]) -> np.ndarray:
    out = src.astype(np.float32)
    rgb = list(channels)
    if kind == "desaturate":
        grey = sum(np.float32(wt) * out[..., c] for wt, c in zip(_LUMA, rgb))
        for c in rgb:
            out[..., c] += np.float32(amount) * (grey - out[..., c])
    elif kind == "dim":
        out[..., rgb] *= np.float32(1.0 - amount)
    else:  # brighten: towards white (premultiplied: towards the pixel's alpha)
        top = out[..., alpha:alpha + 1] if alpha is not None else np.float32(255.0)
        out[..., rgb] += np.float32(amount) * (top - out[..., rgb])
    return out


def _margin(kind: str, amount: float) -> int:
    return 3 * blur_radii(amount) if kind == "blur" else (int(amount) if kind == "pixelate" else 0)


def _compute(kind: str, amount: float, snap: np.ndarray, snap_origin: tuple, piece: Piece, channels: tuple,
             alpha: Optional[int]) -> np.ndarray:
    """The new pixels of ``piece`` from ``snap`` (the canvas pixels from ``snap_origin``)."""
    sy, sx = snap_origin
    if kind in ("desaturate", "dim", "brighten"):
        src = snap[piece.y0 - sy:piece.y1 - sy, piece.x0 - sx:piece.x1 - sx]
        return _pointwise(kind, src, amount, channels, alpha)
    m = _margin(kind, amount)
    h, w = snap.shape[:2]
    a0, a1 = max(piece.y0 - sy - m, 0), min(piece.y1 - sy + m, h)
    b0, b1 = max(piece.x0 - sx - m, 0), min(piece.x1 - sx + m, w)
    src = snap[a0:a1, b0:b1]
    out = _blurred(src, blur_radii(amount)) if kind == "blur" else _pixelated(src, (a0 + sy, b0 + sx), int(amount))
    return out[piece.y0 - sy - a0:piece.y1 - sy - a0, piece.x0 - sx - b0:piece.x1 - sx - b0]


def apply(node, device: Affine, buffer: np.ndarray, channels: tuple, alpha: Optional[int],
          clip: Optional[BBox] = None) -> None:
    """Apply the effect ``node`` to ``buffer`` (H, W, C) in place through ``device``.

    ``channels`` are the buffer's indices of red, green and blue; ``alpha`` its
    premultiplied alpha channel, or None when the pixels are opaque. ``clip`` is a device
    box the effect stays within.
    """
    size = buffer.shape[:2]
    parts = pieces(node.regions, device, size, clip)
    scale = device_scale(device)
    amount = node.amount * scale if node.kind in ("blur", "pixelate") else node.amount
    if node.kind == "pixelate":
        amount = max(1, int(round(amount)))
        if amount == 1:
            return
    if node.outside:
        frame = _window(node.area_frame.transformed(device), size, clip)
        work = [p for p in [_outside(parts, frame)] if p is not None]
    elif len(parts) > 1 and sum(p.area for p in parts) > _union(parts).area:
        work = [_union(parts)]
    else:
        work = parts
    if not work:
        return
    m = _margin(node.kind, amount)
    y0, y1 = max(min(p.y0 for p in work) - m, 0), min(max(p.y1 for p in work) + m, size[0])
    x0, x1 = max(min(p.x0 for p in work) - m, 0), min(max(p.x1 for p in work) + m, size[1])
    snap = buffer[y0:y1, x0:x1].copy()
    for piece in work:
        new = _compute(node.kind, amount, snap, (y0, x0), piece, channels, alpha)
        target = buffer[piece.y0:piece.y1, piece.x0:piece.x1]
        values = np.clip(np.rint(new), 0, 255).astype(np.uint8)
        if piece.mask is None:
            target[...] = values
        else:
            np.copyto(target, values, where=piece.mask[..., None])


def glow(piece: Piece, reach: int, size: tuple) -> tuple:
    """A halo's alpha (0-1 float32) around one region's ``piece``: its coverage blurred
    over ``reach`` device pixels, strongest at the region's edge, zero on the region.
    Returns ``(alpha, y0, x0)``: the plane and its top-left pixel on the canvas."""
    r = max(1, reach // 3)
    passes = min(3, max(1, reach // r))
    m = passes * r  # the blur's whole reach: never past ``reach``
    y0, x0 = max(piece.y0 - m, 0), max(piece.x0 - m, 0)
    y1, x1 = min(piece.y1 + m, size[0]), min(piece.x1 + m, size[1])
    cover = np.zeros((y1 - y0, x1 - x0), np.float32)
    cover[piece.y0 - y0:piece.y1 - y0, piece.x0 - x0:piece.x1 - x0] = 1.0 if piece.mask is None else piece.mask
    spread = _blurred(cover[..., None], r, passes)[..., 0]
    return np.minimum(2.0 * spread, 1.0) * (1.0 - cover), y0, x0
