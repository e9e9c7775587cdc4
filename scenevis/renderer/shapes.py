"""The painter's vector shapes: boxes, points, circles, lines and polygons.

Each function draws one node's items in painter's order on the painter's Cairo context,
whose matrix is the node's device transform. Rectangles (boxes, and the backgrounds of
texts) share :func:`rectangles`: on an axis-aligned transform, a box whose stroke is a
whole number of device pixels wide is drawn in device space on whole pixels (odd widths
on pixel centres), so its edges are crisp.
"""
from __future__ import annotations

import contextlib
import math

import cairo
import numpy as np

from scenevis.geometry import Affine
from scenevis.renderer import coverage
from scenevis.style import DASHES

__all__ = ["Pen", "aliased", "pick", "rectangles", "dash_lengths", "boxes", "points", "circles", "lines", "polygons"]

#: A dashed stroke needing more dashes than this is drawn solid (see :func:`dash_lengths`).
MAX_DASHES = 20_000


@contextlib.contextmanager
def aliased(ctx, on: bool):
    """Cairo's antialiasing off (each pixel inked or not) for the drawing inside, when ``on``."""
    if not on:
        yield
        return
    ctx.set_antialias(cairo.ANTIALIAS_NONE)
    try:
        yield
    finally:
        ctx.set_antialias(cairo.ANTIALIAS_DEFAULT)


def pick(values, i: int):
    """Item i's value from a per-item sequence of 1 or N values."""
    return values[0] if len(values) == 1 else values[i]


def rectangles(device: Affine, xyxy: np.ndarray, widths: np.ndarray, whole_only: bool = False) -> tuple:
    """``(rects, widths, in_device)``: the (x, y, w, h) each xyxy box is drawn as and its
    stroke width, in device space (``in_device``, the caller sets an identity matrix)
    when ``device`` is axis-aligned, else in the node's space as given. Boxes with
    whole-pixel stroke widths are snapped to whole pixels; with ``whole_only``, only
    those whose corners already are on whole pixels (so snapping only centres their
    odd-width edges on pixels, and never moves a box)."""
    if not device.is_axis_aligned:
        lo, hi = xyxy[:, :2], xyxy[:, 2:]
        return np.concatenate([lo, hi - lo], axis=1).tolist(), widths, False
    corners = np.stack([device.apply(xyxy[:, :2]), device.apply(xyxy[:, 2:])], axis=1)
    lo, hi = np.minimum(corners[:, 0], corners[:, 1]), np.maximum(corners[:, 0], corners[:, 1])
    widths = widths * math.sqrt(abs(device.a * device.e))
    whole = np.rint(widths)
    snap = (np.abs(widths - whole) < 1e-6)[:, None]
    if whole_only:
        corners = np.concatenate([lo, hi], axis=1)
        snap = snap & (np.abs(corners - np.rint(corners)) < 1e-6).all(axis=1, keepdims=True)
    half = np.where(snap & (whole[:, None] % 2 == 1), 0.5, 0.0)
    lo, hi = np.where(snap, np.rint(lo) + half, lo), np.where(snap, np.rint(hi) + half, hi)
    return np.concatenate([lo, hi - lo], axis=1).tolist(), widths, True


def dash_lengths(name: str, width: float, pixel: float, extents: tuple) -> list:
    """The on/off lengths of a ``name`` dash pattern for a stroke ``width`` wide around a
    path whose extents are ``(x0, y0, x1, y1)``, all in the path's units, where one device
    pixel is ``pixel`` long; ``[]`` for a solid stroke. Dashes scale with the line width
    (as matplotlib's do) but never shrink below one device pixel, and a path that would
    need more than :data:`MAX_DASHES` dashes is stroked solid: a hair-thin dashed outline
    of a huge shape would otherwise keep a rasterizer busy for minutes."""
    pattern = DASHES[name]
    if not pattern:
        return []
    unit = max(width, pixel)
    x0, y0, x1, y1 = extents
    if 2.0 * ((x1 - x0) + (y1 - y0)) > MAX_DASHES * sum(pattern) * unit:
        return []
    return [d * unit for d in pattern]


class Pen:
    """Cairo's source and line settings for one node's items, drawn one after another:
    each is set only when it changes from the item before."""

    def __init__(self, p) -> None:
        self.p, self.ctx = p, p.ctx
        self.source = None
        self.line = None

    def color(self, rgba: tuple) -> None:
        if rgba != self.source:
            self.ctx.set_source_rgba(*rgba)
            self.source = rgba

    def stroke(self, rgba: tuple, width: float, dash: str) -> None:
        """Stroke the current path."""
        self.color(rgba)
        if (width, dash) != self.line:
            self.ctx.set_line_width(width)
            self.p.set_dash(dash, width)
            self.line = (width, dash) if not DASHES[dash] else None  # dashes depend on the path
        self.ctx.stroke()


def boxes(p, node, device: Affine, style) -> None:
    """Item by item (fill, then stroke), with every per-item number worked out in numpy
    first and Cairo state set only when it changes."""
    n = node.count
    if not n:
        return
    ctx = p.ctx
    rects, widths, in_device = rectangles(device, node.xyxy, np.broadcast_to(np.asarray(style.width, np.float64), (n,)))
    if in_device:
        ctx.identity_matrix()
    fills = p.sources(style.fill, style.alpha, n)
    strokes = p.sources(style.color, style.alpha, n)
    dashes = list(style.dash) * n if len(style.dash) == 1 else list(style.dash)
    # what Pen does, inlined: boxes are the one shape drawn by the thousand
    current, line = None, None
    for rect, fill, stroke, width, dash in zip(rects, fills, strokes, widths.tolist(), dashes):
        ctx.rectangle(*rect)
        if fill is not None:
            if fill != current:
                ctx.set_source_rgba(*fill)
                current = fill
            ctx.fill_preserve()
        if width > 0.0 and stroke is not None:
            if stroke != current:
                ctx.set_source_rgba(*stroke)
                current = stroke
            if (width, dash) != line:
                ctx.set_line_width(width)
                p.set_dash(dash, width)
                line = (width, dash) if not DASHES[dash] else None  # dashes depend on the path
            ctx.stroke()
        else:
            ctx.new_path()


def points(p, node, device: Affine, style) -> None:
    ctx = p.ctx
    for i in range(node.count):
        x, y = node.xy[i]
        ctx.new_sub_path()
        ctx.arc(x, y, float(pick(node.radius, i)), 0.0, 2 * math.pi)
        if p.source(pick(style.color, i), float(pick(style.alpha, i))):
            ctx.fill()
        ctx.new_path()


def circles(p, node, device: Affine, style) -> None:
    ctx = p.ctx
    for i in range(node.count):
        x, y = node.centers[i]
        ctx.new_sub_path()
        ctx.arc(x, y, float(pick(node.radii, i)), 0.0, 2 * math.pi)
        p.fill_then_stroke(style, i)


def _path(ctx, points: np.ndarray, close: bool) -> None:
    ctx.move_to(*points[0])
    for x, y in points[1:]:
        ctx.line_to(x, y)
    if close:
        ctx.close_path()


def lines(p, node, device: Affine, style) -> None:
    """Polylines join round: a corner is a data point, and a miter would draw ink past
    it (up to five line widths at a sharp turn, a spike a chart does not have)."""
    n = node.count
    if not n:
        return
    ctx = p.ctx
    ctx.set_line_cap(cairo.LINE_CAP_BUTT)
    ctx.set_line_join(cairo.LINE_JOIN_ROUND)
    # every per-item value worked out once, Cairo's source and pen set only when they
    # change (a video frame's trails are a hundred short lines)
    strokes = p.sources(style.color, style.alpha, n)
    widths = np.broadcast_to(np.asarray(style.width, np.float64), (n,)).tolist()
    dashes = list(style.dash) * n if len(style.dash) == 1 else list(style.dash)
    points, offsets = node.points.tolist(), node.offsets.tolist()
    pen = Pen(p)
    try:
        for i in range(n):
            stroke, width, path = strokes[i], widths[i], points[offsets[i]:offsets[i + 1]]
            if stroke is None or width <= 0.0 or not path:
                continue
            _path(ctx, path, close=False)
            pen.stroke(stroke, width, dashes[i])
    finally:
        ctx.set_line_join(cairo.LINE_JOIN_MITER)


def polygons(p, node, device: Affine, style) -> None:
    """Even-odd filled, then stroked. On image surfaces, a polygon that would keep Cairo's
    tessellator busy (many vertices, or edges crossing each other everywhere) is drawn
    from its scanline coverage instead (:mod:`scenevis.renderer.coverage`: bounded time,
    solid strokes with square joins)."""
    ctx = p.ctx
    ctx.set_fill_rule(cairo.FILL_RULE_EVEN_ODD)
    for i in range(node.count):
        rings = [node.points[node.rings[r]:node.rings[r + 1]] for r in range(node.polys[i], node.polys[i + 1])]
        if p.buffer is not None:
            placed = [device.apply(ring) for ring in rings]
            if coverage.needs_scanlines(placed, p.buffer.shape[0]):
                _scanline_polygon(p, placed, device, style, i)
                continue
        for ring in rings:
            _path(ctx, ring, close=True)
        p.fill_then_stroke(style, i)


def _scanline_polygon(p, placed: list, device: Affine, style, i: int) -> None:
    """Item i's fill and stroke as Cairo masks of its scanline coverage (device space)."""
    ctx, size = p.ctx, p.buffer.shape[:2]
    alpha = float(pick(style.alpha, i))
    width = float(pick(style.width, i)) * math.sqrt(abs(device.a * device.e - device.b * device.d))
    for kind in ("fill", "stroke"):
        if kind == "fill" and p.source(pick(style.fill, i), alpha):
            cover = coverage.fill(placed, size)
        elif kind == "stroke" and width > 0 and p.source(pick(style.color, i), alpha):
            cover = coverage.stroke(placed, width, size)
        else:
            continue
        if cover is None:
            continue
        h, w = cover.alpha.shape
        stride = cairo.ImageSurface.format_stride_for_width(cairo.FORMAT_A8, w)
        data = np.zeros((h, stride), np.uint8)
        data[:, :w] = cover.alpha
        mask = cairo.ImageSurface.create_for_data(memoryview(data).cast("B"), cairo.FORMAT_A8, w, h, stride)
        ctx.save()
        ctx.identity_matrix()
        ctx.mask_surface(mask, cover.x, cover.y)
        ctx.restore()
