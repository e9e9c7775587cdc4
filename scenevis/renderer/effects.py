"""The pixel work of effects and halos, in numpy.

An effect works on the pixels already painted (an (H, W, C) uint8 buffer: the RGB output
of the painter's numpy mode, or an image surface's memory). Its regions become *pieces*:
a window of device pixels and which of them are covered (a pixel is covered when its
centre lies in the region). Every piece is computed from one snapshot of the pixels taken
before any is written, so overlapping regions are changed once, exactly as their union
would be. A blur is the canvas's ``radius``-sized cells' means interpolated linearly
between the cells' centres (16-bit integer work: about a tenth of the cost of repeated
box blurs, and the same grid for every region); pixelation is those means in blocks. Pieces that together cost more than their common window are merged into it:
the work then is one vectorized pass over that window.

A halo's glow is computed per region as an alpha plane (:func:`glow`), which the painter
hands Cairo as a mask in the region's color.
"""
from __future__ import annotations

import math
from typing import NamedTuple, Optional

import numpy as np

from scenevis.geometry import Affine, BBox

__all__ = ["Piece", "pieces", "apply", "glow", "device_scale"]

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
        view = mask[a0 - y0:a1 - y0, b0 - x0:b1 - x0]
        if p.mask is None:
            view[...] = False
        else:
            view &= ~p.mask[a0 - p.y0:a1 - p.y0, b0 - p.x0:b1 - p.x0]
    return Piece(y0, y1, x0, x1, mask) if mask.any() else None


def _grid(start: int, length: int, block: int) -> np.ndarray:
    """Offsets (in a window starting at canvas pixel ``start``, ``length`` long) where the
    canvas's ``block``-sized cells begin, the first at 0."""
    first = -(start % block) + block if start % block else block
    return np.r_[0, np.arange(first, length, block)].astype(np.int64)


def _block_means(src: np.ndarray, origin: tuple, block: int) -> tuple:
    """The mean of each canvas cell in ``src`` (cells cut at the window's edges):
    ``(means (gh, gw, C) float32, row starts, column starts)``."""
    h, w = src.shape[:2]
    rows, cols = _grid(origin[0], h, block), _grid(origin[1], w, block)
    sums = np.add.reduceat(np.add.reduceat(src, rows, axis=0, dtype=np.uint32), cols, axis=1, dtype=np.uint32)
    counts = np.outer(np.diff(np.r_[rows, h]), np.diff(np.r_[cols, w])).astype(np.float32)
    return sums.astype(np.float32) / counts[..., None], rows, cols


def _pixelated(src: np.ndarray, origin: tuple, block: int) -> np.ndarray:
    """Each ``block``-sized cell of the canvas grid (``origin`` = the window's top-left
    pixel on the canvas) replaced by its mean."""
    means, rows, cols = _block_means(src, origin, block)
    h, w = src.shape[:2]
    cells = np.rint(means).astype(np.uint8)
    return np.repeat(np.repeat(cells, np.diff(np.r_[rows, h]), axis=0), np.diff(np.r_[cols, w]), axis=1)


def _weights(start: int, count: int, origin: int, block: int, cells: int) -> tuple:
    """For ``count`` pixels from window offset ``start``: the cell before and after each
    pixel centre and the 0-256 weight of the later one (cell centres at the middle of
    each canvas cell)."""
    first = origin // block  # the canvas cell of the window's first pixel
    centre = (origin + start + np.arange(count) + 0.5) / block - 0.5 - first
    i0 = np.clip(np.floor(centre).astype(np.int64), 0, cells - 1)
    t = np.clip(centre - i0, 0.0, 1.0)
    return i0, np.minimum(i0 + 1, cells - 1), np.rint(t * 256).astype(np.uint16)


def _smoothed(src: np.ndarray, origin: tuple, block: int, piece: tuple) -> np.ndarray:
    """A blur over about ``block`` pixels: the canvas cells' means, interpolated linearly
    between cell centres, at the pixels ``piece = (y0, y1, x0, x1)`` of the window.
    Its weights are whole 256ths, so the work stays in 16-bit integers."""
    means, rows, cols = _block_means(src, origin, block)
    cells = np.rint(means).astype(np.uint16)
    y0, y1, x0, x1 = piece
    c0, c1, tx = _weights(x0, x1 - x0, origin[1], block, cells.shape[1])
    across = (cells[:, c0] * (256 - tx)[None, :, None] + cells[:, c1] * tx[None, :, None] + 128) >> 8
    r0, r1, ty = _weights(y0, y1 - y0, origin[0], block, cells.shape[0])
    out = across[r0] * (256 - ty)[:, None, None]
    out += across[r1] * ty[:, None, None]
    out += 128
    out >>= 8
    return out.astype(np.uint8)


def _table(kind: str, amount: float) -> np.ndarray:
    """The 256-entry lookup table of a per-channel effect on opaque pixels."""
    values = np.arange(256, dtype=np.float64)
    out = values * (1.0 - amount) if kind == "dim" else values + amount * (255.0 - values)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def _pointwise(kind: str, src: np.ndarray, amount: float, channels: tuple, alpha: Optional[int]) -> np.ndarray:
    if kind in ("dim", "brighten") and alpha is None:
        return _table(kind, amount)[src]  # opaque pixels: a fourth byte, if any, is unused
    if kind == "dim":
        out = src.copy()
        table = _table(kind, amount)
        for c in channels:
            out[..., c] = table[src[..., c]]
        return out
    if kind == "desaturate":
        r, g, b = (src[..., c].astype(np.uint16) for c in channels)
        grey = r * 77
        grey += g * 150
        grey += b * 29
        grey += 128
        grey >>= 8  # Rec. 601 luma in 256ths
        k = int(round(amount * 256))
        out = src.copy()
        for c, v in zip(channels, (r, g, b)):
            out[..., c] = grey if k == 256 else (v * (256 - k) + grey * k + 128) >> 8
        return out
    out = src.astype(np.float32)  # brighten premultiplied pixels: towards their alpha
    top = out[..., alpha:alpha + 1]
    for c in channels:
        out[..., c] += np.float32(amount) * (top[..., 0] - out[..., c])
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def _margin(kind: str, amount: float) -> int:
    """How far outside a piece an effect reads: a blur two cells, a pixelation one."""
    return 2 * int(amount) if kind == "blur" else (int(amount) if kind == "pixelate" else 0)


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
    inner = (piece.y0 - sy - a0, piece.y1 - sy - a0, piece.x0 - sx - b0, piece.x1 - sx - b0)
    if kind == "blur":
        return _smoothed(src, (a0 + sy, b0 + sx), int(amount), inner)
    return _pixelated(src, (a0 + sy, b0 + sx), int(amount))[inner[0]:inner[1], inner[2]:inner[3]]


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
    if node.kind in ("blur", "pixelate"):
        amount = max(1, int(round(amount)))
        if amount == 1:
            return
    if node.outside:
        frame = _window(node.area_frame.transformed(device), size, clip)
        work = [p for p in [_outside(parts, frame)] if p is not None]
    elif node.kind in ("desaturate", "dim", "brighten") and all(p.mask is None for p in parts):
        work = parts  # rectangles: slices, no mask to build or test
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
        values = _compute(node.kind, amount, snap, (y0, x0), piece, channels, alpha)
        target = buffer[piece.y0:piece.y1, piece.x0:piece.x1]
        if piece.mask is None:
            target[...] = values
        else:
            np.copyto(target, values, where=piece.mask[..., None])


def _box_blur(a: np.ndarray, r: int, axis: int) -> np.ndarray:
    """Mean over ``2r + 1`` pixels along ``axis``, the edge pixel repeated beyond the ends."""
    n = a.shape[axis]
    moved = np.moveaxis(a, axis, 0)
    padded = np.concatenate([np.repeat(moved[:1], r + 1, axis=0), moved, np.repeat(moved[-1:], r, axis=0)])
    sums = np.cumsum(padded, axis=0, dtype=np.float32)
    out = (sums[2 * r + 1:2 * r + 1 + n] - sums[:n]) * np.float32(1.0 / (2 * r + 1))
    return np.moveaxis(out, 0, axis)


def _blurred(src: np.ndarray, r: int, passes: int) -> np.ndarray:
    """``passes`` box blurs of radius ``r`` along each axis (three approach a Gaussian)."""
    out = src.astype(np.float32)
    for axis in (0, 1):
        for _ in range(passes):
            out = _box_blur(out, r, axis)
    return out


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
