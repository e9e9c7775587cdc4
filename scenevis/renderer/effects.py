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

from scenevis import pixels
from scenevis.geometry import Affine, BBox

__all__ = ["Piece", "pieces", "area", "apply", "glow", "device_scale", "device_amount", "union"]

#: Elements in one strip of a blur's work: its two uint16 temporaries (1 MiB each) are
#: allocated once per blur, not per strip (a fresh multi-megabyte array costs a page fault
#: per 4 KiB, about 3 us each on a virtual machine). Each strip pays some fifteen numpy
#: calls and re-interpolates the cell rows it needs, so fewer, taller strips pay less:
#: W10's blur (100 boxes on a 1280x720 photo, 102 rows a strip) took 5.8 ms where strips
#: a quarter as tall took 6.4 to 6.8, and a 3840x2160 one with 100 boxes 40 against 50 ms.
STRIP = 1 << 19

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


def _box_pieces(boxes: np.ndarray, device: Affine, size: tuple, clip: Optional[BBox]) -> list:
    """:func:`_box_piece` of every box at once, on an axis-aligned ``device``."""
    xs = boxes[:, 0::2] * device.a + device.c
    ys = boxes[:, 1::2] * device.e + device.f
    lo = np.stack([xs.min(axis=1), ys.min(axis=1)], axis=1)
    hi = np.stack([xs.max(axis=1), ys.max(axis=1)], axis=1)
    keep = (boxes[:, 0] <= boxes[:, 2]) & (boxes[:, 1] <= boxes[:, 3])
    if clip is not None:
        if clip.is_empty:
            return []
        lo = np.maximum(lo, (clip.x0, clip.y0))
        hi = np.minimum(hi, (clip.x1, clip.y1))
    start = np.maximum(np.ceil(lo - 0.5), 0).astype(np.int64)
    end = np.minimum(np.ceil(hi - 0.5), (size[1], size[0])).astype(np.int64)
    keep &= (end > start).all(axis=1)
    return [Piece(y0, y1, x0, x1, None, k) for k, x0, y0, x1, y1
            in zip(np.flatnonzero(keep).tolist(), *start[keep].T.tolist(), *end[keep].T.tolist())]


def pieces(regions, device: Affine, size: tuple, clip: Optional[BBox] = None) -> list:
    """One :class:`Piece` per region with covered pixels on a ``size = (H, W)`` canvas."""
    out = []
    if regions.boxes is not None:
        if device.is_axis_aligned:
            return _box_pieces(regions.boxes, device, size, clip)
        for k, box in enumerate(regions.boxes):
            out.append((k, _box_piece(box, device, size, clip)))
    else:
        stack = regions.masks
        for k, (crop, box) in enumerate(zip(stack.crops, stack.boxes)):
            out.append((k, _mask_piece(crop, box, regions.x, regions.y, device, size, clip)))
    return [p._replace(item=k) for k, p in out if p is not None and (p.mask is None or p.mask.any())]


def union(parts: list) -> Piece:
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


def _cell_sizes(start: int, length: int, block: int) -> list:
    """The lengths of the canvas's ``block``-sized cells along ``length`` pixels of a
    window starting at canvas pixel ``start`` (the first and last cut at the window's edges)."""
    head = int(min((-start) % block, length))
    full, tail = divmod(int(length) - head, block)
    return [head] * (head > 0) + [block] * full + [tail] * (tail > 0)


def _cell_sums(a: np.ndarray, axis: int, sizes: list, block: int, dtype) -> np.ndarray:
    """Sums of ``a`` over the cells of :func:`_cell_sizes` along ``axis`` (0 or 1), with
    no ``reduceat`` (ten times slower): the whole cells down rows as one reduction over a
    reshaped axis, across columns as ``block`` strided slices added together."""
    out = np.empty(a.shape[:axis] + (len(sizes),) + a.shape[axis + 1:], dtype)
    a, out = np.moveaxis(a, axis, 0), np.moveaxis(out, axis, 0)
    head = sizes[0] if sizes[0] < block else 0
    full = sizes.count(block)
    tail = a.shape[0] - head - full * block
    if head:
        a[:head].sum(axis=0, dtype=dtype, out=out[0])
    if full:
        body, sums = a[head:head + full * block], out[int(head > 0):int(head > 0) + full]
        if block == 1:
            sums[...] = body
        elif axis == 0:
            body.reshape((full, block) + body.shape[1:]).sum(axis=1, dtype=dtype, out=sums)
        else:
            # Added up on a copy laid out as channel planes, (rows, C, columns): in the
            # input's layout numpy's inner loop runs over one pixel's C channels only.
            planes = np.ascontiguousarray(np.moveaxis(body, 0, 2))
            total = np.add(planes[..., 0::block], planes[..., 1::block], dtype=dtype)
            for k in range(2, block):
                total += planes[..., k::block]
            sums[...] = np.moveaxis(total, 2, 0)
    if tail:
        a[a.shape[0] - tail:].sum(axis=0, dtype=dtype, out=out[-1])
    return np.moveaxis(out, 0, axis)


def _block_means(src: np.ndarray, origin: tuple, block: int) -> tuple:
    """The mean of each canvas cell in ``src`` (cells cut at the window's edges):
    ``(means (gh, gw, C) float32, cell heights, cell widths)``."""
    h, w = src.shape[:2]
    heights, widths = _cell_sizes(origin[0], h, block), _cell_sizes(origin[1], w, block)
    rows = _cell_sums(src, 0, heights, block, np.uint16 if block * 255 <= 0xFFFF else np.uint32)
    sums = _cell_sums(rows, 1, widths, block, np.uint16 if block * block * 255 <= 0xFFFF else np.uint32)
    counts = np.outer(heights, widths).astype(np.float32)
    return sums.astype(np.float32) / counts[..., None], heights, widths


def _pixelated(src: np.ndarray, origin: tuple, block: int) -> np.ndarray:
    """Each ``block``-sized cell of the canvas grid (``origin`` = the window's top-left
    pixel on the canvas) replaced by its mean."""
    means, heights, widths = _block_means(src, origin, block)
    cells = np.rint(means).astype(np.uint8)
    return np.repeat(np.repeat(cells, widths, axis=1), heights, axis=0)


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
    between cell centres (first along rows, then down columns), at the pixels
    ``piece = (y0, y1, x0, x1)`` of the window.

    Each interpolation is ``(a * (256 - t) + b * t + 128) >> 8`` with ``t`` in 256ths,
    worked as ``((a << 8) + 128 + (b - a) * t) >> 8`` in uint16: the difference wraps, but
    the exact result fits in 16 bits, so the wrapped sum is exact. Output rows are made a
    strip at a time from the few cell rows each strip needs; the cells' pixels are packed
    into 64-bit words (4 lanes of 16 bits), which numpy gathers three times as fast as
    three separate channels.
    """
    means, _, _ = _block_means(src, origin, block)
    gh, gw, channels = means.shape
    packed = np.zeros((gh, gw, 4), np.uint16)
    packed[..., :channels] = np.rint(means)
    base = packed << 8
    base += 128
    step_right = np.zeros_like(packed)
    np.subtract(packed[:, 1:], packed[:, :-1], out=step_right[:, :-1])
    base, step_right = base.view(np.uint64)[..., 0], step_right.view(np.uint64)[..., 0]
    y0, y1, x0, x1 = piece
    c0, _, tx = _weights(x0, x1 - x0, origin[1], block, gw)
    r0, r1, ty = _weights(y0, y1 - y0, origin[0], block, gh)
    n, width = y1 - y0, x1 - x0
    tx = np.repeat(tx, 4)  # one weight per lane: the products run over contiguous memory
    ty = ty[:, None]
    flat = np.empty(n * width * channels + 1, np.uint8)  # one spare byte: see pixels.store_lanes
    out = flat[:-1].reshape(n, width, channels)
    step = max(1, min(n, STRIP // (4 * width)))
    low = np.empty((step, 4 * width), np.uint16)
    high = np.empty_like(low)
    for s in range(0, n, step):
        e = min(s + step, n)
        first, last = int(r0[s]), int(r1[e - 1]) + 1
        across = np.take(base[first:last], c0, axis=1).view(np.uint16)
        slope = np.take(step_right[first:last], c0, axis=1).view(np.uint16)
        slope *= tx
        across += slope
        across >>= 8
        rows = across << 8
        rows += 128
        down = np.zeros_like(across)
        np.subtract(across[1:], across[:-1], out=down[:-1])
        a, b = low[:e - s], high[:e - s]
        np.take(rows, r0[s:e] - first, axis=0, out=a, mode="clip")
        np.take(down, r0[s:e] - first, axis=0, out=b, mode="clip")
        b *= ty[s:e]
        a += b
        a >>= 8
        pixels.store_lanes(a.astype(np.uint8).reshape(e - s, width, 4), flat, s * width * channels, channels)
    return out


def _scaled(kind: str, src: np.ndarray, amount: float) -> np.ndarray:
    """Dim (towards 0) or brighten (towards 255) opaque channel values by ``amount`` in
    256ths: ``(v * (256 - k) + top * k + 128) >> 8`` with ``k = round(amount * 256)``, in
    uint16 and in place (a numpy table lookup costs ten times as much)."""
    k = int(round(amount * 256))
    out = src.astype(np.uint16)
    out *= 256 - k
    out += 128 + (255 * k if kind == "brighten" else 0)
    out >>= 8
    return out.astype(np.uint8)


def _pointwise(kind: str, src: np.ndarray, amount: float, channels: tuple, alpha: Optional[int]) -> np.ndarray:
    if kind in ("dim", "brighten") and alpha is None:
        return _scaled(kind, src, amount)  # opaque pixels: a fourth byte, if any, is unused
    if kind == "dim":
        out = src.copy()
        for c in channels:
            out[..., c] = _scaled(kind, src[..., c], amount)
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


def device_amount(node, device: Affine):
    """An effect's amount on the device: a blur's cell or a pixelation's block in whole
    device pixels (1 changes nothing), the other kinds' strength as it is."""
    if node.kind in ("blur", "pixelate"):
        return max(1, int(round(node.amount * device_scale(device))))
    return node.amount


def area(node, device: Affine, size: tuple, clip: Optional[BBox] = None) -> list:
    """The :class:`Piece` s of the pixels an effect changes on a ``size = (H, W)`` canvas:
    one per region, or, with ``outside``, the pixels of its frame no region covers."""
    parts = pieces(node.regions, device, size, clip)
    if not node.outside:
        return parts
    frame = _window(node.area_frame.transformed(device), size, clip)
    return [p for p in [_outside(parts, frame)] if p is not None]


def apply(node, device: Affine, buffer: np.ndarray, channels: tuple, alpha: Optional[int],
          clip: Optional[BBox] = None) -> None:
    """Apply the effect ``node`` to ``buffer`` (H, W, C) in place through ``device``.

    ``channels`` are the buffer's indices of red, green and blue; ``alpha`` its
    premultiplied alpha channel, or None when the pixels are opaque. ``clip`` is a device
    box the effect stays within.
    """
    size = buffer.shape[:2]
    amount = device_amount(node, device)
    if amount == 1 and node.kind in ("blur", "pixelate"):
        return
    work = area(node, device, size, clip)
    if not work:
        return
    m = _margin(node.kind, amount)
    window = Piece(min(p.y0 for p in work), max(p.y1 for p in work), min(p.x0 for p in work),
                   max(p.x1 for p in work), None)
    y0, y1 = max(window.y0 - m, 0), min(window.y1 + m, size[0])
    x0, x1 = max(window.x0 - m, 0), min(window.x1 + m, size[1])
    pixels = buffer[y0:y1, x0:x1]
    if len(work) > 1 and sum(p.area for p in work) > window.area and all(p.mask is None for p in work):
        # Rectangles covering their common window more than once: one pass over the
        # window, then each rectangle's slice of it (no mask to build or test).
        values = _compute(node.kind, amount, pixels, (y0, x0), window, channels, alpha)
        for p in work:
            buffer[p.y0:p.y1, p.x0:p.x1] = values[p.y0 - window.y0:p.y1 - window.y0, p.x0 - window.x0:p.x1 - window.x0]
        return
    if len(work) > 1 and any(p.mask is not None for p in work) and sum(p.area for p in work) > union(work).area:
        work = [union(work)]
    if len(work) > 1:
        pixels = pixels.copy()  # every piece reads the pixels as they were before any is written
    for piece in work:
        values = _compute(node.kind, amount, pixels, (y0, x0), piece, channels, alpha)
        target = buffer[piece.y0:piece.y1, piece.x0:piece.x1]
        if piece.mask is None:
            target[...] = values
        else:
            _put(target, values, piece.mask)


def _put(target: np.ndarray, values: np.ndarray, mask: np.ndarray) -> None:
    """``target[mask] = values[mask]`` for (h, w, C) pixels and an (h, w) mask: through a
    mask repeated over the channels (``np.copyto`` with a mask broadcast over a short last
    axis is several times slower)."""
    h, w, c = target.shape
    np.copyto(target.reshape(h, w * c), values.reshape(h, w * c), where=np.repeat(mask, c, axis=1))


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
