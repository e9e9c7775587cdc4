"""Global label placement: every label inside the canvas, no two labels overlapping.

Pure numpy geometry (no drawing, no fonts): labels are rectangles of known size, each
attached to an anchor box. Labels are placed one at a time in priority order; each takes
the first free spot from its list of candidates:

1. the anchor positions, in order of preference: above the box's top-left corner
   (outside), inside the top-left corner, below the bottom-left corner, then the other
   corners, inside and outside, and beside the box (inside positions move to the end of
   the list when the label would hide most of a small box);
2. nudged positions: the preferred spots shifted by whole label heights and half label
   widths, nearest first;
3. a complete search: any free position can slide left and then up until it touches a
   placed label or the canvas edge, so trying every combination of those contact
   coordinates (and of the right/bottom contacts, and the anchor's own coordinates),
   nearest to the box first, finds a free spot whenever one exists.

Every candidate is clamped into the canvas before it is tested, and candidates are
tested against all placed labels at once (one vectorized overlap test per batch). A
label whose final spot does not touch its box is marked ``moved``, and
:func:`leader_segments` gives the line joining it to its box.
"""
from __future__ import annotations

from typing import NamedTuple, Optional

import numpy as np

__all__ = ["Placement", "place_labels", "leader_segments", "rect_distance", "overlaps"]


class Placement(NamedTuple):
    """``rects`` (N, 4) x0, y0, x1, y1 of each label (meaningless where not ``placed``);
    ``placed`` (N,) bool; ``moved`` (N,) bool: placed away from its anchor box."""

    rects: np.ndarray
    placed: np.ndarray
    moved: np.ndarray


def rect_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Euclidean gap between axis-aligned rectangles ``a`` and ``b`` (broadcast), 0 when
    they touch or overlap."""
    dx = np.maximum(0.0, np.maximum(b[..., 0] - a[..., 2], a[..., 0] - b[..., 2]))
    dy = np.maximum(0.0, np.maximum(b[..., 1] - a[..., 3], a[..., 1] - b[..., 3]))
    return np.hypot(dx, dy)


def overlaps(a: np.ndarray, b: np.ndarray, gap: float = 0.0) -> np.ndarray:
    """(len(a), len(b)) bool: rectangle pairs whose interiors come closer than ``gap``."""
    return ((a[:, None, 0] < b[None, :, 2] + gap) & (a[:, None, 2] + gap > b[None, :, 0])
            & (a[:, None, 1] < b[None, :, 3] + gap) & (a[:, None, 3] + gap > b[None, :, 1]))


def _anchor_candidates(box: np.ndarray, w: float, h: float) -> np.ndarray:
    """(C, 2) top-left corners in preference order for a w x h label on ``box``."""
    x0, y0, x1, y1 = box
    if x1 - x0 <= 0 and y1 - y0 <= 0:  # a point: centered on it, then around it
        return np.array([(x0 - w / 2, y0 - h / 2), (x0 - w / 2, y0 - h), (x0 - w / 2, y0),
                         (x0, y0 - h / 2), (x0 - w, y0 - h / 2)])
    inside_fits = w <= 0.8 * (x1 - x0) and h <= 0.5 * (y1 - y0)
    outside = [(x0, y0 - h), (x0, y1), (x1 - w, y0 - h), (x1 - w, y1), (x1, y0), (x0 - w, y0),
               (x1, y1 - h), (x0 - w, y1 - h)]
    inside = [(x0, y0), (x1 - w, y0), (x0, y1 - h), (x1 - w, y1 - h)]
    if inside_fits:  # above, inside top-left, below, then the other corners
        order = outside[:1] + inside[:1] + outside[1:2] + inside[1:] + outside[2:]
    else:
        order = outside + inside
    return np.asarray(order, np.float64)


def _covering_last(xy: np.ndarray, box: np.ndarray, w: float, h: float) -> np.ndarray:
    """``xy`` with the spots that would hide over a third of a small box moved to the end
    (clamping into the canvas can push an outside spot over its box)."""
    bw, bh = box[2] - box[0], box[3] - box[1]
    if bw <= 0 or bh <= 0 or (w <= 0.8 * bw and h <= 0.5 * bh):
        return xy
    ix = np.clip(np.minimum(xy[:, 0] + w, box[2]) - np.maximum(xy[:, 0], box[0]), 0, None)
    iy = np.clip(np.minimum(xy[:, 1] + h, box[3]) - np.maximum(xy[:, 1], box[1]), 0, None)
    hides = ix * iy > bw * bh / 3
    return np.concatenate([xy[~hides], xy[hides]])


def _nudged(first: np.ndarray, w: float, h: float, gap: float) -> np.ndarray:
    """The preferred spots shifted by up to 4 label heights and 1 label width, nearest first."""
    steps = [(dx, dy) for dy in range(-4, 5) for dx in (0, -0.5, 0.5, -1, 1) if (dx, dy) != (0, 0)]
    steps.sort(key=lambda s: (abs(s[1]) * (h + gap)) ** 2 + (abs(s[0]) * w) ** 2)
    offsets = np.array([(dx * (w + gap), dy * (h + gap)) for dx, dy in steps])
    return (first[:, None, :] + offsets[None, :, :]).transpose(1, 0, 2).reshape(-1, 2)


def _clamp(xy: np.ndarray, w: float, h: float, width: float, height: float) -> np.ndarray:
    x = np.clip(xy[:, 0], 0.0, max(width - w, 0.0))
    y = np.clip(xy[:, 1], 0.0, max(height - h, 0.0))
    return np.stack([x, y], axis=1)


def _first_free(xy: np.ndarray, w: float, h: float, taken: np.ndarray, gap: float) -> Optional[np.ndarray]:
    """The first candidate (in order) whose w x h rectangle overlaps nothing in ``taken``."""
    if not len(xy):
        return None
    if not len(taken):
        return xy[0]
    for start in range(0, len(xy), 512):
        chunk = xy[start:start + 512]
        rects = np.concatenate([chunk, chunk + (w, h)], axis=1)
        free = ~overlaps(rects, taken, gap).any(axis=1)
        hit = np.flatnonzero(free)
        if len(hit):
            return chunk[hit[0]]
    return None


def _contact_search(box: np.ndarray, w: float, h: float, taken: np.ndarray, gap: float,
                    width: float, height: float) -> Optional[np.ndarray]:
    """A free spot nearest to ``box`` among positions touching placed labels or the
    canvas edges, within 1.5 label sizes of the box."""
    reach = 1.5 * (w + h)
    near = taken[rect_distance(taken, box) < reach]
    xs = np.concatenate([[0.0, width - w, box[0], box[2] - w], near[:, 2] + gap, near[:, 0] - gap - w])
    ys = np.concatenate([[0.0, height - h, box[1] - h, box[3]], near[:, 3] + gap, near[:, 1] - gap - h])
    xs = np.unique(xs[(xs >= 0) & (xs <= width - w)])
    ys = np.unique(ys[(ys >= 0) & (ys <= height - h)])
    if not len(xs) or not len(ys):
        return None
    grid = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
    rects = np.concatenate([grid, grid + (w, h)], axis=1)
    close = rect_distance(rects, box) < reach
    grid, rects = grid[close], rects[close]
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    # nearest to the box first; a light pull towards its top-left corner breaks ties
    cost = rect_distance(rects, box) + 0.05 * np.hypot(rects[:, 0] - box[0], rects[:, 3] - box[1])
    cost += 0.01 * np.hypot((rects[:, 0] + rects[:, 2]) / 2 - cx, (rects[:, 1] + rects[:, 3]) / 2 - cy)
    blockers = taken[rect_distance(taken, box) < reach + w + h + gap]
    return _first_free(grid[np.argsort(cost, kind="stable")], w, h, blockers, gap)


def _grid_search(box: np.ndarray, w: float, h: float, taken: np.ndarray, gap: float,
                 width: float, height: float) -> Optional[np.ndarray]:
    """A free spot nearest to ``box`` on a grid of cells about h/4 wide.

    Placed labels (grown by ``gap``) are rasterized conservatively onto the cells and a
    summed-area table tests every grid position at once, so a crowded canvas costs one
    pass over a small grid instead of many overlap tests; the spot returned is free.
    """
    cell = max(1.0, np.floor(h / 4))
    gw, gh = int(width // cell), int(height // cell)
    kw, kh = int(np.ceil(w / cell)), int(np.ceil(h / cell))
    if gw < kw or gh < kh:
        return None
    occupied = np.zeros((gh + 1, gw + 1), np.int32)
    lo = np.floor((taken[:, :2] - gap) / cell).astype(np.int64)
    hi = np.ceil((taken[:, 2:] + gap) / cell).astype(np.int64)
    lo = np.clip(lo, 0, [gw, gh])
    hi = np.clip(hi, 0, [gw, gh])
    for (x0, y0), (x1, y1) in zip(lo, hi):
        occupied[y0 + 1:y1 + 1, x0 + 1:x1 + 1] = 1
    table = occupied.cumsum(0).cumsum(1)
    sums = table[kh:, kw:] - table[:-kh, kw:] - table[kh:, :-kw] + table[:-kh, :-kw]
    ys, xs = np.nonzero(sums == 0)
    if not len(xs):
        return None
    spots = np.stack([xs, ys], axis=1) * cell
    rects = np.concatenate([spots, spots + (w, h)], axis=1)
    cost = rect_distance(rects, box) + 0.05 * np.hypot(rects[:, 0] - box[0], rects[:, 3] - box[1])
    return _first_free(spots[np.argsort(cost, kind="stable")], w, h, taken, gap)


def place_labels(anchors, sizes, canvas, *, priority=None, obstacles=None, gap: float = 1.0) -> Placement:
    """Place N labels of ``sizes`` (N, 2) ``w, h`` next to ``anchors`` (N, 4) xyxy boxes on a
    ``canvas = (width, height)``.

    Labels are placed by descending ``priority`` (default: in order); ``obstacles``
    (M, 4) are rectangles labels must also avoid (captions, legends). Two labels never
    come closer than ``gap`` pixels. A label that fits nowhere is left unplaced
    (``placed`` False) rather than drawn over another; a label larger than the canvas is
    placed at its top-left corner.
    """
    anchors = np.asarray(anchors, np.float64).reshape(-1, 4)
    sizes = np.asarray(sizes, np.float64).reshape(-1, 2)
    width, height = float(canvas[0]), float(canvas[1])
    n = len(anchors)
    rects = np.zeros((n, 4))
    placed = np.zeros(n, bool)
    taken = np.asarray(obstacles if obstacles is not None else np.zeros((0, 4)), np.float64).reshape(-1, 4)
    order = np.arange(n) if priority is None else np.argsort(-np.asarray(priority, np.float64), kind="stable")
    count = len(taken)
    buffer = np.empty((count + n, 4))
    buffer[:count] = taken
    failed: list = []  # sizes that fit nowhere: larger labels will not fit either
    for i in order:
        w, h = sizes[i]
        box = anchors[i]
        current = buffer[:count]
        if w > width or h > height:
            spot = np.array([0.0, 0.0])
        else:
            first = _covering_last(_clamp(_anchor_candidates(box, w, h), w, h, width, height), box, w, h)
            spot = _first_free(first, w, h, current, gap)
            if spot is None:
                spot = _first_free(_clamp(_nudged(first[:3], w, h, gap), w, h, width, height), w, h, current, gap)
            if spot is None and not (failed and any(w >= fw and h >= fh for fw, fh in failed)):
                spot = _grid_search(box, w, h, current, gap, width, height)
                if spot is None:
                    spot = _contact_search(box, w, h, current, gap, width, height)
                if spot is None:
                    failed.append((w, h))
        if spot is None:
            continue
        rects[i] = (spot[0], spot[1], spot[0] + w, spot[1] + h)
        placed[i] = True
        buffer[count] = rects[i]
        count += 1
    moved = placed & (rect_distance(rects, anchors) > 1.5)
    return Placement(rects, placed, moved)


def _nearest_points(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For rectangle pairs, the closest points of ``a`` to ``b`` and of ``b`` to ``a``."""
    pa, pb = np.empty(a.shape[:-1] + (2,)), np.empty(a.shape[:-1] + (2,))
    for axis in (0, 1):
        lo = np.maximum(a[..., axis], b[..., axis])
        hi = np.minimum(a[..., axis + 2], b[..., axis + 2])
        shared = (lo + hi) / 2
        a_before = a[..., axis + 2] < b[..., axis]
        b_before = b[..., axis + 2] < a[..., axis]
        pa[..., axis] = np.where(a_before, a[..., axis + 2], np.where(b_before, a[..., axis], shared))
        pb[..., axis] = np.where(a_before, b[..., axis], np.where(b_before, b[..., axis + 2], shared))
    return pa, pb


def leader_segments(rects: np.ndarray, anchors: np.ndarray) -> np.ndarray:
    """(N, 2, 2) segments from each label rectangle to the nearest point of its box."""
    pa, pb = _nearest_points(np.asarray(rects, np.float64), np.asarray(anchors, np.float64))
    return np.stack([pa, pb], axis=1)
