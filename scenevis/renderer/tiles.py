"""Raster output painted only where there is ink.

An image's trip into a Cairo surface and back (RGB into 32-bit words, then out again)
costs more than drawing a hundred small marks over it. So when a render's first operation
is an opaque image covering the canvas on whole pixels and the later ones only paint
(no effect or halo, which read or blur what lies beneath), the canvas is cut into
:data:`TILE`-sided tiles and the tiles each operation's ink boxes
(:func:`scenevis.renderer.ink.ink_boxes`, in device pixels, grown by :data:`PAD`) touch
are marked (not when the operations hold many items: see :data:`TILES_PER_ITEM`). When
they are few, the output starts as a copy of the image, only the marked
tiles go into the surface, the operations are painted unchanged, and only the marked
tiles come back: Cairo composites each pixel from the ink over that pixel alone, so
every pixel comes out as it would from the whole surface.
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from scenevis.geometry import Affine, BBox
from scenevis.nodes import Effect, Halo, Texts
from scenevis.renderer.context import RenderContext
from scenevis.renderer.flatten import DrawOp
from scenevis.renderer.ink import KINDS, ink_boxes
from scenevis.renderer.painter import drawable

__all__ = ["TILE", "PAD", "MAX_SHARE", "TILES_PER_ITEM", "touched"]

#: The side of a tile, in device pixels.
TILE = 16
#: Device pixels added around every ink box: anti-aliasing, and strokes and glyphs snapped
#: to whole pixels, reach about one pixel beyond the geometry.
PAD = 2
#: Paint tiles only when the marked ones hold at most this share of the canvas; beyond
#: it, the whole canvas goes through the surface at once. Gathering and scattering tiles
#: costs several times what the whole canvas's one pass does per pixel: 50 corner
#: brackets on a 1280x720 photo, tiles against the whole canvas (CPU caches cold, as in
#: ``python -m benchmarks``), took 2.00 against 2.46 ms with 8% of the tiles marked,
#: 2.59 against 2.52 at 17%, 2.91 against 2.49 at 26%, 3.28 against 2.60 at 38%.
MAX_SHARE = 0.15
#: Paint the whole canvas without marking tiles when the operations hold more than one
#: item per this many tiles. Working out every item's ink boxes and the tiles they mark
#: takes 0.3 to 1 ms for a hundred items when the CPU caches are cold (as they are in
#: ``python -m benchmarks``, which collects garbage before every call); on W10's
#: 1280x720 picture (3,600 tiles), where each hundred marks takes 8% to 76% of the tiles,
#: that cost was more than the tiles saved, and a hundred dots, the sparsest, gained 0.2 ms.
TILES_PER_ITEM = 64


#: Added to an (x0, y0, x1, y1) device box: the pixels around it that may take ink.
_GROW = np.array([-PAD, -PAD, PAD, PAD], np.float64)


def _device_boxes(lo: np.ndarray, hi: np.ndarray, device: Affine) -> np.ndarray:
    """(K, 4) ``x0, y0, x1, y1`` device boxes around the boxes ``(lo, hi)`` under ``device``."""
    if device.is_axis_aligned:
        box = np.concatenate([lo, hi], axis=1)
        box *= (device.a, device.e, device.a, device.e)
        box += (device.c, device.f, device.c, device.f)
        if device.a < 0 or device.e < 0:
            box = np.concatenate([np.minimum(box[:, :2], box[:, 2:]), np.maximum(box[:, :2], box[:, 2:])], axis=1)
        return box
    corners = np.stack([lo, np.stack([hi[:, 0], lo[:, 1]], 1), np.stack([lo[:, 0], hi[:, 1]], 1), hi])
    placed = device.apply(corners.reshape(-1, 2)).reshape(4, -1, 2)
    return np.concatenate([placed.min(axis=0), placed.max(axis=0)], axis=1)


def _clip_box(op: DrawOp, base: Affine) -> BBox:
    box = None
    for rect, transform in op.clips:
        placed = rect.transformed(base @ transform)
        box = placed if box is None else box & placed
    return box


def _device_ink(op: DrawOp, base: Affine, context: RenderContext) -> Optional[np.ndarray]:
    """(K, 4) device boxes around ``op``'s ink, cut to its clips; None when it draws nothing."""
    device = base @ op.transform
    if not drawable(op, device):
        return None
    box = _device_boxes(*ink_boxes(op.node, op.style, context, (device.a, device.d, device.b, device.e)), device)
    if not op.clips:
        return box
    clip = _clip_box(op, base)
    if clip.is_empty:
        return None
    return np.concatenate([np.maximum(box[:, :2], (clip.x0, clip.y0)), np.minimum(box[:, 2:], (clip.x1, clip.y1))],
                          axis=1)


def _mark(boxes: list, size: tuple) -> Optional[np.ndarray]:
    """The tiles the (K, 4) device boxes may ink, or None when a box is not finite."""
    height, width = size
    rows, cols = -(-height // TILE), -(-width // TILE)
    if not boxes:
        return np.zeros((rows, cols), bool)
    box = np.concatenate(boxes) if len(boxes) > 1 else boxes[0]
    if not np.isfinite(box).all():
        return None
    box = box[(box[:, 0] <= box[:, 2]) & (box[:, 1] <= box[:, 3])]
    # Tiles of the first and last pixel each box may ink, first ones past the canvas
    # clipped to one tile past it and last ones to one tile before it, so a box off the
    # canvas spans no tile.
    span = np.clip((box + _GROW) // TILE, (0, 0, -1, -1), (cols, rows, cols - 1, rows - 1)).astype(np.intp)
    span[:, 2:] += 1
    # Each box adds 1 over its tiles in a table of differences; their running sums mark the tiles.
    stride = cols + 1
    index = span[:, [1, 1, 3, 3]] * stride + span[:, [0, 2, 0, 2]]
    cells = (rows + 1) * stride
    steps = np.bincount(index[:, [0, 3]].reshape(-1), minlength=cells) - np.bincount(index[:, [1, 2]].reshape(-1),
                                                                                    minlength=cells)
    return steps.reshape(rows + 1, stride).cumsum(axis=0).cumsum(axis=1)[:rows, :cols] > 0


def touched(ops: list[DrawOp], base: Affine, context: RenderContext, size: tuple) -> Optional[np.ndarray]:
    """One bool per tile of a ``size = (height, width)`` canvas: True where one of ``ops``
    may ink a pixel; None when the whole canvas is to be painted: one of them reads what
    lies beneath (or has no ink boxes), they hold more than one item per
    :data:`TILES_PER_ITEM` tiles, or they mark more than :data:`MAX_SHARE` of it.
    Texts, whose boxes take a loop over their items, are measured last, and not at all
    when the rest already mark too much."""
    boxes, texts = [], []
    limit = MAX_SHARE * size[0] * size[1]
    items = 0
    for op in ops:
        kind = type(op.node)
        if kind in (Effect, Halo) or kind not in KINDS:
            return None
        items += getattr(op.node, "count", 1)
    if items * TILES_PER_ITEM > -(-size[0] // TILE) * -(-size[1] // TILE):
        return None
    for op in ops:
        kind = type(op.node)
        if kind is Texts:
            texts.append(op)
            continue
        box = _device_ink(op, base, context)
        if box is None:
            continue
        if len(box) == 1:  # masks, an image, a background: one box may be too big already
            x0, y0, x1, y1 = box[0].tolist()
            if max(min(x1, size[1]) - max(x0, 0), 0) * max(min(y1, size[0]) - max(y0, 0), 0) > limit:
                return None
        boxes.append(box)
    marked = _mark(boxes, size)
    if texts and marked is not None and marked.mean() <= MAX_SHARE:
        boxes += [box for box in (_device_ink(op, base, context) for op in texts) if box is not None]
        marked = _mark(boxes, size)
    return None if marked is None or marked.mean() > MAX_SHARE else marked
