"""Bounds, measured: the box holding every pixel of ink a scene draws.

A scene's bounds depend on how it is drawn: stroke widths, miter joins, the fonts a
string is laid out in (fallback fonts included), its alignment, padding and background
box, and the styles it inherits from its groups. So they are worked out here, beside the
painter, with the same resolved styles and the render context's text layouts, and
:attr:`scenevis.scene.Scene.bounds` asks for them through the scene's output hand-off
(nodes stay renderer-free).

Each node type gives boxes around the pieces of its ink (:func:`ink_boxes`); its bounds
are their union, and the raster output paints only the canvas tiles they touch
(:mod:`scenevis.renderer.tiles`). In the node's own coordinates:

- images, heatmaps, backgrounds: their extent; masks: their whole frame;
- boxes: the boxes grown by half their stroke width (a box's corners are 90-degree
  miters), an unfilled box as its four edges; circles: radius plus half the stroke;
  points: the radius;
- lines and polygons, one box per path: every segment's stroke rectangle (butt caps),
  and at each joint the round join's disc (lines) or the miter tip within Cairo's miter
  limit (polygons), as the painter strokes them;
- rotated boxes: their outlines as closed polygons (and heading ticks as open lines);
- markers: each mark's box grown by half its stroke (:func:`marks.marker_extents`),
  corner brackets as four brackets;
- effects: their regions' pixels (or, outside regions, their frame): an effect changes
  nothing else; halos: their regions grown by the glow's reach;
- texts: the layout box (advance width by line height), the glyphs' ink grown by half a
  pixel (raster output rounds glyph origins to whole pixels), and the background box
  (with half its 1-pixel edge).

A group's bounds are its children's union, cut to its clip, seen through its transform.
"""
from __future__ import annotations

import numpy as np

from scenevis.geometry import BBox
from scenevis.nodes import Boxes, Circles, Effect, Halo, Lines, Markers, Masks, Points, Polygons, RotatedBoxes, Texts
from scenevis.renderer.context import RenderContext
from scenevis.nodes.markers import marker_sizes
from scenevis.renderer.marks import marker_extents
from scenevis.renderer.flatten import UNSET, Styles
from scenevis.renderer.text import HALIGN, placed
from scenevis.scene import Background, Empty, Group, Heatmap, Image, Scene

__all__ = ["bounds", "ink_boxes", "KINDS", "MITER_LIMIT"]

#: Cairo's default miter limit, which the painter keeps: longer miters become bevels.
MITER_LIMIT = 10.0
#: How far raster output may move a glyph: its origin is rounded to a whole pixel.
_GLYPH_ROUNDING = 0.5
#: The linear part of an identity transform: text laid out in its own units.
IDENTITY = (1.0, 0.0, 0.0, 1.0)


def bounds(scene: Scene, context: RenderContext) -> BBox:
    """The box holding every pixel of ink ``scene`` draws, in its own coordinates."""
    styles = Styles()
    done: list = []  # finished boxes, children after their parent's marker
    stack: list = [(scene, UNSET, False)]
    while stack:
        node, inherited, finished = stack.pop()
        if isinstance(node, Group):
            if finished:
                box = BBox.empty()
                for child in done[len(done) - len(node.children):]:
                    box = box | child
                del done[len(done) - len(node.children):]
                box = box & node.clip if node.clip is not None else box
                done.append(box.transformed(node.transform))
            else:
                stack.append((node, inherited, True))
                style = node.style.over(inherited)
                stack.extend((child, style, False) for child in node.children)
            continue
        if isinstance(node, Empty):
            done.append(BBox.empty())
            continue
        done.append(_box(*ink_boxes(node, styles.resolve(node, inherited), context)))
    return done[0]


def ink_boxes(node: Scene, style, context: RenderContext, linear: tuple = IDENTITY) -> tuple:
    """``(lo, hi)``: (K, 2) corners of boxes, in ``node``'s coordinates, whose union holds
    every pixel of ink the leaf ``node`` draws with its resolved ``style``, each box
    holding the ink of one piece of it (an item, an edge of an unfilled box, a corner
    bracket, a stroked path): :func:`bounds` is their union, and the raster output paints
    only the canvas tiles they touch. ``linear`` is the linear part of the transform the
    node is drawn under (text is laid out for it, as the painter lays it out)."""
    ink = _INK.get(type(node))
    if ink is None:
        raise TypeError(f"scene: no bounds for node type {type(node).__name__}")
    return ink(node, style, context, linear)


def _box(lo: np.ndarray, hi: np.ndarray) -> BBox:
    if not len(lo):
        return BBox.empty()
    x0, y0 = lo.min(axis=0).tolist()
    x1, y1 = hi.max(axis=0).tolist()
    return BBox(x0, y0, x1, y1)


def _one(x0: float, y0: float, x1: float, y1: float) -> tuple:
    return np.array([[x0, y0]], np.float64), np.array([[x1, y1]], np.float64)


def _none() -> tuple:
    return np.empty((0, 2)), np.empty((0, 2))


def _widths(style, n: int) -> np.ndarray:
    return np.broadcast_to(np.asarray(style.width, np.float64), (n,))


def _of(box: BBox) -> tuple:
    return _none() if box.is_empty else _one(box.x0, box.y0, box.x1, box.y1)


def _extent(node, style, context, linear) -> tuple:
    return _of(node.extent)


def _image(node, style, context, linear) -> tuple:
    h, w = node.pixels.shape[:2]
    return _one(node.x, node.y, node.x + w, node.y + h)


def _masks(node, style, context, linear) -> tuple:
    h, w = node.masks.size
    return _one(node.x, node.y, node.x + w, node.y + h)


def _boxes(node, style, context, linear) -> tuple:
    n = node.count
    half = _widths(style, n)[:, None] / 2
    lo, hi = node.xyxy[:, :2] - half, node.xyxy[:, 2:] + half
    fill = np.asarray(style.fill, np.float64)[:, 3] * np.asarray(style.alpha, np.float64)
    hollow = np.broadcast_to(fill <= 0.0, (n,))
    if not hollow.any():
        return lo, hi
    # An unfilled box inks its four edges only: top, bottom, left, right.
    inner_lo, inner_hi = node.xyxy[:, :2] + half, node.xyxy[:, 2:] - half
    x0, y0, x1, y1 = lo[:, 0], lo[:, 1], hi[:, 0], hi[:, 1]
    edges_lo = [lo, np.stack([x0, inner_hi[:, 1]], 1), lo, np.stack([inner_hi[:, 0], y0], 1)]
    edges_hi = [np.stack([x1, inner_lo[:, 1]], 1), hi, np.stack([inner_lo[:, 0], y1], 1), hi]
    return (np.concatenate([lo[~hollow]] + [e[hollow] for e in edges_lo]),
            np.concatenate([hi[~hollow]] + [e[hollow] for e in edges_hi]))


def _points(node, style, context, linear) -> tuple:
    r = np.broadcast_to(node.radius, (node.count,))[:, None]
    return node.xy - r, node.xy + r


def _circles(node, style, context, linear) -> tuple:
    n = len(node.centers)
    r = (np.broadcast_to(node.radii, (n,)) + _widths(style, n) / 2)[:, None]
    return node.centers - r, node.centers + r


def _by_path(every: np.ndarray, path: np.ndarray) -> tuple:
    """(lo, hi) of the points ``every`` grouped by ``path``: one box per path."""
    order = np.argsort(path, kind="stable")
    path, every = path[order], every[order]
    starts = np.flatnonzero(np.r_[True, path[1:] != path[:-1]])
    return np.minimum.reduceat(every, starts, axis=0), np.maximum.reduceat(every, starts, axis=0)


def _strokes(points: np.ndarray, paths: np.ndarray, widths: np.ndarray, closed: bool, round_joins: bool = False
             ) -> tuple:
    """One box per polyline (``paths`` offsets into ``points``, one width each) stroked
    with butt caps and miter joins: around its points, every segment's rectangle and every
    miter tip within :data:`MITER_LIMIT`; with ``round_joins``, each joint's disc instead
    of its miter (the ink of a stroke lies in the convex hull of these points)."""
    if not len(points):
        return _none()
    counts = np.diff(paths)
    path_of = np.repeat(np.arange(len(counts)), counts)
    nxt = np.arange(1, len(points) + 1)
    nxt[paths[1:] - 1] = paths[:-1]  # the last point of a path is followed by its first
    keep = np.ones(len(points), bool)
    if not closed:
        keep[paths[1:] - 1] = False
    start, end = np.flatnonzero(keep), nxt[keep]
    d = points[end] - points[start]
    length = np.hypot(d[:, 0], d[:, 1])
    real = length > 0
    start, end, d, path = start[real], end[real], d[real] / length[real, None], path_of[start[real]]
    half = (widths[path] / 2)[:, None]
    normal = np.stack([-d[:, 1], d[:, 0]], axis=1) * half
    corners = [points, points[start] + normal, points[start] - normal, points[end] + normal, points[end] - normal]
    owners = [path_of] + [path] * 4
    # Joins: each segment with the next one of its path (around a closed path).
    if len(d) > 1:
        follows = np.flatnonzero(path[1:] == path[:-1])
        first, second = follows, follows + 1
        if closed:
            starts = np.flatnonzero(np.r_[True, path[1:] != path[:-1]])
            ends = np.r_[starts[1:], len(path)] - 1
            first, second = np.r_[first, ends], np.r_[second, starts]
        if round_joins:
            joint, reach = points[end[first]], half[first]
            corners += [joint - reach, joint + reach]
            owners += [path[first]] * 2
        else:
            cos = np.einsum("ij,ij->i", d[first], d[second])
            outward = d[first] - d[second]
            size = np.hypot(outward[:, 0], outward[:, 1])
            mitred = (2.0 <= MITER_LIMIT ** 2 * (1.0 + cos)) & (size > 1e-12)
            if mitred.any():
                first, outward, size, cos = first[mitred], outward[mitred], size[mitred], cos[mitred]
                reach = half[first, 0] / np.sqrt((1.0 + cos) / 2.0)
                corners.append(points[end[first]] + outward / size[:, None] * reach[:, None])
                owners.append(path[first])
    return _by_path(np.concatenate(corners), np.concatenate(owners))


def _lines(node, style, context, linear) -> tuple:
    return _strokes(node.points, node.offsets, _widths(style, node.count), closed=False, round_joins=True)


def _polygons(node, style, context, linear) -> tuple:
    rings = node.rings
    ring_widths = np.repeat(_widths(style, node.count), np.diff(node.polys))
    return _strokes(node.points, rings, ring_widths, closed=True)


def _rotated(node, style, context, linear) -> tuple:
    n = node.count
    widths = _widths(style, n)
    lo, hi = _strokes(node.corners.reshape(-1, 2), np.arange(0, 4 * n + 1, 4), widths, closed=True)
    if node.heading and n:
        tick_lo, tick_hi = _strokes(node.ticks().reshape(-1, 2), np.arange(0, 2 * n + 1, 2), widths, closed=False)
        lo, hi = np.concatenate([lo, tick_lo]), np.concatenate([hi, tick_hi])
    return lo, hi


def _markers(node, style, context, linear) -> tuple:
    widths = _widths(style, node.count).astype(np.float64)
    if node.kind != "corners":
        return marker_extents(node, widths)
    # Four brackets, each its two arms from a corner (miter joins stay in the corner's square).
    box, half = node.xyxy, widths[:, None] / 2
    length = np.minimum(marker_sizes(node), np.minimum(box[:, 2] - box[:, 0], box[:, 3] - box[:, 1]) / 2)[:, None]
    lo, hi = [], []
    for cx, cy, dx, dy in ((0, 1, 1, 1), (2, 1, -1, 1), (2, 3, -1, -1), (0, 3, 1, -1)):
        corner = box[:, [cx, cy]]
        tip = corner + length * np.array([dx, dy], np.float64)
        lo.append(np.minimum(corner, tip) - half)
        hi.append(np.maximum(corner, tip) + half)
    return np.concatenate(lo), np.concatenate(hi)


def _effect(node, style, context, linear) -> tuple:
    return _of(node.area_frame if node.outside else node.regions.extent())


def _halo(node, style, context, linear) -> tuple:
    return _of(node.regions.extent().expanded(node.radius))


def _texts(node, style, context, linear) -> tuple:
    n = node.count
    if not n:
        return _none()
    items, _, haligns = placed(context.fonts, node, style, linear)
    boxed = node.background is not None or node.background_edge is not None
    edge = 0.5 if node.background_edge is not None else 0.0
    pads = np.broadcast_to(node.pad, (n, 4)).tolist()
    lo, hi = [], []
    for i, block, left, top in items:
        lo.append((left, top))
        hi.append((left + block.width, top + block.height))
        ink = block.ink(HALIGN[haligns[i]])
        if ink is not None:
            lo.append((left + ink[0] - _GLYPH_ROUNDING, top + ink[1] - _GLYPH_ROUNDING))
            hi.append((left + ink[2] + _GLYPH_ROUNDING, top + ink[3] + _GLYPH_ROUNDING))
        if boxed:
            pl, pt, pr, pb = pads[i]
            lo.append((left - pl - edge, top - pt - edge))
            hi.append((left + block.width + pr + edge, top + block.height + pb + edge))
    return np.array(lo, np.float64).reshape(-1, 2), np.array(hi, np.float64).reshape(-1, 2)


_INK = {
    Image: _image, Heatmap: _extent, Background: _extent, Masks: _masks, Boxes: _boxes, Points: _points,
    Circles: _circles, Lines: _lines, Polygons: _polygons, Texts: _texts, RotatedBoxes: _rotated,
    Markers: _markers, Effect: _effect, Halo: _halo,
}
#: The node types :func:`ink_boxes` knows.
KINDS = frozenset(_INK)
