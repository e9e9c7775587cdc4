"""Pixel helpers for masks and label maps: outlines and interior label points.

Numpy only, vectorized; work stays inside each mask's bounding box or on a downsampled
copy of the map, so large images and many segments stay cheap.
"""
from __future__ import annotations

import numpy as np

__all__ = ["mask_boxes", "mask_centres", "outline", "interior_points", "map_outline"]


def mask_boxes(masks: np.ndarray) -> np.ndarray:
    """(N, 4) int64 ``x0, y0, x1, y1`` (end-exclusive) around each mask's True pixels;
    zeros for an empty mask. The masks are read once to find their rows (as 64-bit words
    where the width allows), then each one's columns only within its rows."""
    out = np.zeros((len(masks), 4), np.int64)
    if masks.shape[2] % 8 == 0 and masks.flags.c_contiguous:
        rows = np.bitwise_or.reduce(masks.view(np.uint64), axis=2) != 0
    else:
        rows = masks.any(axis=2)
    for k in np.flatnonzero(rows.any(axis=1)).tolist():
        ys = np.flatnonzero(rows[k])
        y0, y1 = int(ys[0]), int(ys[-1]) + 1
        xs = np.flatnonzero(masks[k, y0:y1].any(axis=0))
        out[k] = int(xs[0]), y0, int(xs[-1]) + 1, y1
    return out


def mask_centres(masks: np.ndarray) -> np.ndarray:
    """(N, 2) float64 centre of mass ``x, y`` of each (N, H, W) mask's pixels (pixel
    centres at +0.5); an empty mask's is its frame's centre."""
    out = np.empty((len(masks), 2))
    h, w = masks.shape[1:]
    for k, (x0, y0, x1, y1) in enumerate(mask_boxes(masks).tolist()):
        crop = masks[k, y0:y1, x0:x1]
        total = crop.sum()
        if not total:
            out[k] = w / 2, h / 2
            continue
        out[k, 0] = x0 + 0.5 + (crop.sum(axis=0) @ np.arange(x1 - x0)) / total
        out[k, 1] = y0 + 0.5 + (crop.sum(axis=1) @ np.arange(y1 - y0)) / total
    return out


def _edge(crop: np.ndarray, thickness: int) -> np.ndarray:
    """The pixels of ``crop`` within ``thickness`` (4-neighbour steps) of its outside."""
    inner = crop.copy()
    for _ in range(thickness):
        shrunk = inner.copy()
        shrunk[1:] &= inner[:-1]
        shrunk[:-1] &= inner[1:]
        shrunk[:, 1:] &= inner[:, :-1]
        shrunk[:, :-1] &= inner[:, 1:]
        inner = shrunk
    return crop & ~inner


def outline(crop: np.ndarray, thickness: int = 1) -> np.ndarray:
    """The inner outline of a mask crop, ``thickness`` pixels wide (pixels on the crop's
    border count as outline, so crop with a margin of one pixel where there is room)."""
    padded = np.zeros((crop.shape[0] + 2, crop.shape[1] + 2), bool)
    padded[1:-1, 1:-1] = crop
    return _edge(padded, thickness)[1:-1, 1:-1]


def map_outline(label_map: np.ndarray, ignore: np.ndarray | None = None) -> np.ndarray:
    """(H, W) bool: pixels whose right or lower neighbour holds a different id (both
    sides of each border, so the line is two pixels wide and centered on it)."""
    edge = np.zeros(label_map.shape, bool)
    dx = label_map[:, 1:] != label_map[:, :-1]
    dy = label_map[1:] != label_map[:-1]
    edge[:, 1:] |= dx
    edge[:, :-1] |= dx
    edge[1:] |= dy
    edge[:-1] |= dy
    if ignore is not None:
        edge &= ~ignore
    return edge


def interior_points(label_map: np.ndarray, ids: np.ndarray, max_side: int = 96) -> np.ndarray:
    """(K, 2) float ``x, y``: for each id, a pixel deep inside its region, where a label
    reads as belonging to it: of the cells farthest from the region's border (on a copy
    of the map downsampled to at most ``max_side`` cells a side), the one nearest the
    region's centroid."""
    ids = np.asarray(ids).reshape(-1)
    h, w = label_map.shape
    step = max(1, int(np.ceil(max(h, w) / max_side)))
    small = label_map[step // 2::step, step // 2::step]
    inside = small[None] == ids[:, None, None]
    depth = np.zeros(inside.shape, np.int32)
    current = inside.copy()
    while current.any():
        depth += current
        shrunk = current.copy()
        shrunk[:, 1:] &= current[:, :-1]
        shrunk[:, :-1] &= current[:, 1:]
        shrunk[:, :, 1:] &= current[:, :, :-1]
        shrunk[:, :, :-1] &= current[:, :, 1:]
        shrunk[:, 0] = shrunk[:, -1] = False  # the image border counts as outside
        shrunk[:, :, 0] = shrunk[:, :, -1] = False
        current = shrunk
    points = np.zeros((len(ids), 2))
    flat = depth.reshape(len(ids), -1).astype(np.float64)
    # among the deepest cells, the one nearest the region's centroid
    ys, xs = np.divmod(np.arange(flat.shape[1]), small.shape[1])
    count = np.maximum(inside.reshape(len(ids), -1).sum(axis=1), 1)
    cy = (inside.reshape(len(ids), -1) * ys).sum(axis=1) / count
    cx = (inside.reshape(len(ids), -1) * xs).sum(axis=1) / count
    far = np.hypot(ys[None] - cy[:, None], xs[None] - cx[:, None])
    best = (flat * (far.max() + 1.0) - far).argmax(axis=1)
    for k, region in enumerate(ids):
        if flat[k, best[k]] > 0:
            y, x = divmod(int(best[k]), small.shape[1])
            points[k] = (x * step + step // 2 + 0.5, y * step + step // 2 + 0.5)
        else:  # too small to survive downsampling: the middle of its pixels in raster order
            ys, xs = np.nonzero(label_map == region)
            if len(ys):
                mid = len(ys) // 2
                points[k] = (xs[mid] + 0.5, ys[mid] + 0.5)
    return points
