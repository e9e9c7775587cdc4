"""Polygon coverage by counting scanline crossings, in numpy.

The painter's path for polygons Cairo cannot tessellate in reasonable time. Cairo's
tessellator works on the intersections of a path's edges: a polygon of 100,000 vertices
that crosses itself everywhere has billions of them (28-34 s for one polygon), and even a
simple polygon costs about 3 microseconds per vertex. Counting where edges cross sample
rows does not care about intersections: a sample is inside when the winding number of
the crossings to its left is odd (even-odd fill) or not zero (non-zero, for strokes), and
the work is the number of (edge, sample row) crossings plus the number of samples.

Samples sit on a grid of 4x4 per pixel (16 coverage levels), coarser when the crossings
or the samples would exceed :data:`CROSSING_BUDGET` or :data:`SAMPLE_BUDGET`: 2x2, one
per pixel, then one row in every 2, 4, 8... (rows in between repeat the sampled one). So
the time is bounded by the vertex count (at most ``MAX_POLYGON_POINTS`` per polygon) and
the budget; past the budget only the fill's vertical precision drops. Points closer than
an eighth of a pixel to the one before are dropped first (a contour traced at sub-pixel
spacing), and strokes are solid with square joins.

Pure numpy; the painter turns the coverage into a Cairo mask.
"""
from __future__ import annotations

import math
from typing import List, NamedTuple, Optional, Tuple

import numpy as np

__all__ = ["CROSSING_BUDGET", "SAMPLE_BUDGET", "Coverage", "needs_scanlines", "fill", "stroke"]

#: Most (edge, sample row) crossings one coverage computes (about a second of numpy work).
CROSSING_BUDGET = 8_000_000
#: Most samples held at once (a band of rows is done at a time; about 6 bytes each).
SAMPLE_BUDGET = 2_000_000
#: Crossings handled per numpy step (bounds the temporaries to a few tens of MB).
_CHUNK = 1_000_000
#: Above either figure a polygon goes through the scanlines instead of Cairo: its vertex
#: count, or the sum over pixel rows of (edges crossing the row)^2, which grows with the
#: edge intersections Cairo has to find.
_VERTEX_LIMIT = 50_000
_OVERLAP_LIMIT = 10_000_000


class Coverage(NamedTuple):
    """``alpha`` (h, w) uint8 coverage of the pixels from ``(x, y)`` on the canvas."""

    x: int
    y: int
    alpha: np.ndarray


def _thinned(ring: np.ndarray) -> np.ndarray:
    """``ring`` without the points that share an eighth of a pixel with the point before:
    a contour traced at sub-pixel spacing loses what no 4x4 sample could see."""
    cells = np.floor(ring * 8.0)
    moved = (cells != np.roll(cells, 1, axis=0)).any(axis=1)
    moved[0] = True
    return ring[moved] if not moved.all() else ring


def _edges(rings: List[np.ndarray]) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """x0, y0, x1, y1 of every closed ring's edges."""
    rings = [_thinned(ring) for ring in rings]
    points = np.concatenate(rings)
    following = np.concatenate([np.roll(np.arange(len(r)), -1) for r in rings]) + np.repeat(
        np.cumsum([0] + [len(r) for r in rings[:-1]]), [len(r) for r in rings])
    ends = points[following]
    return points[:, 0], points[:, 1], ends[:, 0], ends[:, 1]


def needs_scanlines(rings: List[np.ndarray], height: int) -> bool:
    """Whether device-space ``rings`` would keep Cairo busy: many vertices, or many edges
    crossing the same pixel rows (where edges of one row may intersect)."""
    if sum(len(r) for r in rings) > _VERTEX_LIMIT:
        return True
    _, y0, _, y1 = _edges(rings)
    top = np.clip(np.ceil(np.minimum(y0, y1) - 0.5), 0, height).astype(np.int64)
    bottom = np.clip(np.ceil(np.maximum(y0, y1) - 0.5), 0, height).astype(np.int64)
    active = np.cumsum(np.bincount(top, minlength=height + 1) - np.bincount(bottom, minlength=height + 1))
    return float(np.dot(active, active)) > _OVERLAP_LIMIT


def fill(rings: List[np.ndarray], size: Tuple[int, int]) -> Optional[Coverage]:
    """Even-odd coverage of device-space ``rings`` on a canvas of ``size = (H, W)``."""
    return _coverage(_edges(rings), size, even_odd=True)


def stroke(rings: List[np.ndarray], width: float, size: Tuple[int, int]) -> Optional[Coverage]:
    """Coverage of the closed ``rings`` stroked ``width`` device pixels wide: the union
    (non-zero winding) of one rectangle per edge, extended by half the width at both
    ends so that the corners are covered (solid, square joins)."""
    x0, y0, x1, y1 = _edges(rings)
    dx, dy = x1 - x0, y1 - y0
    length = np.hypot(dx, dy)
    ux = np.divide(dx, length, out=np.ones_like(dx), where=length > 0)
    uy = np.divide(dy, length, out=np.zeros_like(dy), where=length > 0)
    h = width / 2
    ax, ay, bx, by = x0 - ux * h, y0 - uy * h, x1 + ux * h, y1 + uy * h  # the edge with square caps
    nx, ny = -uy * h, ux * h
    corners = [(ax + nx, ay + ny), (bx + nx, by + ny), (bx - nx, by - ny), (ax - nx, ay - ny)]
    starts = [np.concatenate(c) for c in zip(*corners)]
    ends = [np.concatenate(c) for c in zip(*(corners[1:] + corners[:1]))]
    return _coverage((starts[0], starts[1], ends[0], ends[1]), size, even_odd=False)


def _coverage(edges, size: Tuple[int, int], even_odd: bool) -> Optional[Coverage]:
    x0, y0, x1, y1 = edges
    height, width = size
    left = max(int(math.floor(min(x0.min(), x1.min()))), 0)
    right = min(int(math.ceil(max(x0.max(), x1.max()))), width)
    top = max(int(math.floor(min(y0.min(), y1.min()))), 0)
    bottom = min(int(math.ceil(max(y0.max(), y1.max()))), height)
    if right <= left or bottom <= top:
        return None
    w, h = right - left, bottom - top
    per_row, rows_per_sample = _grid(y0, y1, w, h)
    # Sample row j lies at y = offset + j * step; an edge crosses rows start:stop.
    step = 1.0 / per_row if rows_per_sample == 1 else float(rows_per_sample)
    offset = top + (0.5 * step if rows_per_sample == 1 else 0.5)
    samples = -(-h * per_row // rows_per_sample)
    start = np.clip(np.ceil((np.minimum(y0, y1) - offset) / step), 0, samples).astype(np.int64)
    stop = np.clip(np.ceil((np.maximum(y0, y1) - offset) / step), 0, samples).astype(np.int64)
    crossing = np.flatnonzero(stop > start)  # horizontal, short and off-canvas edges cross none
    start, stop = start[crossing], stop[crossing]
    x0, y0, x1, y1 = x0[crossing], y0[crossing], x1[crossing], y1[crossing]
    slope = (x1 - x0) / (y1 - y0)
    # x at sample row j is base + slope_rows * j, in sample columns left of the first one
    base = ((x0 + (offset - y0) * slope) - left) * per_row - 0.5
    slope_rows = slope * step * per_row
    sign = np.where(y1 > y0, 1, -1).astype(np.int32)
    alpha = np.empty((h, w), np.uint8)
    band = per_row * max(1, SAMPLE_BUDGET // (w * per_row * per_row))  # sample rows per band: whole pixel rows
    winding = np.empty(min(band, samples) * (w * per_row + 1), np.int32)
    for first in range(0, samples, band):
        rows = min(band, samples - first)
        inside = _inside(start, stop, base, slope_rows, sign, w * per_row, first, rows, even_odd, winding)
        if rows_per_sample > 1:
            block = np.repeat(inside, rows_per_sample, axis=0)
            begin = first * rows_per_sample
            end = min(begin + len(block), h)
            alpha[begin:end] = block[:end - begin] * np.uint8(255)
        else:
            levels = inside.reshape(-1, per_row, w, per_row).sum(axis=(1, 3), dtype=np.uint16)
            begin = first // per_row
            alpha[begin:begin + len(levels)] = (levels * 255 + per_row ** 2 // 2) // per_row ** 2
    return Coverage(left, top, alpha)


def _grid(y0: np.ndarray, y1: np.ndarray, w: int, h: int) -> Tuple[int, int]:
    """(samples per pixel side, pixel rows per sample row): 4x4, 2x2 or 1 per pixel,
    then every 2nd, 4th... row, the finest whose crossings fit the budget."""
    span = float(np.abs(y1 - y0).sum())  # pixel rows crossed, give or take one per edge
    for per_row in (4, 2, 1):
        if span * per_row <= CROSSING_BUDGET and w * per_row * per_row <= SAMPLE_BUDGET:
            return per_row, 1
    rows_per_sample = 2
    while span / rows_per_sample > CROSSING_BUDGET and rows_per_sample < h:
        rows_per_sample *= 2
    return 1, rows_per_sample


def _inside(start: np.ndarray, stop: np.ndarray, base: np.ndarray, slope: np.ndarray, sign: np.ndarray,
            cols: int, first: int, rows: int, even_odd: bool, winding: np.ndarray) -> np.ndarray:
    """(rows, cols) bool: which samples of sample rows ``first:first + rows`` are inside,
    by the parity (even-odd) or the sum (non-zero) of the signs of the crossings left of
    each sample. ``winding`` is scratch space of at least ``rows * (cols + 1)`` int32."""
    grid = winding[:rows * (cols + 1)]
    grid[:] = 0  # a spare column takes the crossings right of every sample
    here = np.flatnonzero((start < first + rows) & (stop > first))
    begin = np.maximum(start[here], first)
    count = np.minimum(stop[here], first + rows) - begin
    total = np.cumsum(count)
    cuts = np.searchsorted(total, np.arange(_CHUNK, total[-1], _CHUNK), side="right") if len(total) else []
    for part in np.split(np.arange(len(here)), cuts):
        if not len(part):
            continue
        n = count[part]
        row = np.arange(int(n.sum()), dtype=np.int32) - np.repeat((np.cumsum(n) - n - begin[part]).astype(np.int32), n)
        edge = here[part]
        col = np.ceil(np.repeat(base[edge], n) + np.repeat(slope[edge], n) * row)
        np.clip(col, 0, cols, out=col)
        row -= first
        row *= cols + 1
        row += col.astype(np.int32)
        np.add.at(grid, row, np.repeat(sign[edge], n))
    counts = np.cumsum(grid.reshape(rows, cols + 1)[:, :cols], axis=1, dtype=np.int32)
    return (counts & 1).astype(bool) if even_odd else counts != 0
