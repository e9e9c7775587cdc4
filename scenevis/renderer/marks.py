"""The painter's rotated boxes and markers.

Each function draws one node's items in order on the painter's Cairo context, whose matrix
is the node's device transform (the same contract as :mod:`scenevis.renderer.shapes`).
"""
from __future__ import annotations

import math
from typing import Optional

import numpy as np

from scenevis.geometry import Affine, position_points
from scenevis.nodes.markers import marker_sizes
from scenevis.renderer.shapes import Pen, aliased

__all__ = ["rotated_boxes", "markers", "marker_plan", "marker_extents", "ELLIPSE_ARC", "CURVE_TOLERANCE"]

#: How far, in device pixels, Cairo's flattened foot ellipses and round boxes' corners
#: may stray from the true curve (Cairo's default is 0.1): at 0.3 a foot ellipse of W1
#: (boxes 20-200 px wide) has about a third fewer edges to rasterize, and W1's round boxes
#: paint about a tenth faster, with no change visible at 100%.
CURVE_TOLERANCE = 0.3

#: The part of a foot ellipse drawn, in radians (y down: from the upper right, round the
#: front, to the upper left), as supervision draws it.
ELLIPSE_ARC = (-math.pi / 4, 5 * math.pi / 4)


def _draw(p, node, trace, fills: list, strokes: list, widths: list, dashes: list, stroke_trace=None,
          tolerance: Optional[float] = None) -> None:
    """Item by item in painter's order: its fill (``trace``), then its stroke
    (``stroke_trace``, default ``trace``), with every per-item value worked out before
    (:func:`_styles`) and Cairo's source and pen set only when they change; aliased when
    the node asks (``antialias=False``), curves flattened within ``tolerance`` device
    pixels when given."""
    ctx = p.ctx
    pen = Pen(p)
    before = ctx.get_tolerance()
    if tolerance is not None:
        ctx.set_tolerance(tolerance)
    try:
        with aliased(ctx, not node.antialias):
            _items(ctx, pen, node.count, trace, fills, strokes, widths, dashes, stroke_trace)
    finally:
        ctx.set_tolerance(before)


def _items(ctx, pen: Pen, n: int, trace, fills: list, strokes: list, widths: list, dashes: list, stroke_trace) -> None:
    for i in range(n):
        fill, stroke, width = fills[i], strokes[i], widths[i]
        if fill is not None:
            trace(ctx, i)
            pen.color(fill)
            ctx.fill()
        if stroke is None or width <= 0.0:
            continue
        (stroke_trace or trace)(ctx, i)
        pen.stroke(stroke, width, dashes[i])


def _styles(p, style, n: int) -> tuple:
    """(fills, strokes, widths, dashes): item by item, worked out once."""
    widths = np.broadcast_to(np.asarray(style.width, np.float64), (n,)).tolist()
    dashes = list(style.dash) * n if len(style.dash) == 1 else list(style.dash)
    return p.sources(style.fill, style.alpha, n), p.sources(style.color, style.alpha, n), widths, dashes


def rotated_boxes(p, node, device: Affine, style) -> None:
    """Each quadrilateral filled, then stroked, with its heading tick in the same stroke."""
    n = node.count
    if not n:
        return
    corners = node.corners.tolist()
    ticks = node.ticks().tolist() if node.heading else None
    fills, strokes, widths, dashes = _styles(p, style, n)

    def outline(ctx, i):
        (x0, y0), (x1, y1), (x2, y2), (x3, y3) = corners[i]
        ctx.move_to(x0, y0)
        ctx.line_to(x1, y1)
        ctx.line_to(x2, y2)
        ctx.line_to(x3, y3)
        ctx.close_path()
        if ticks is not None:
            ctx.move_to(*ticks[i][0])
            ctx.line_to(*ticks[i][1])

    _draw(p, node, outline, fills, strokes, widths, dashes)


def _rounded(ctx, x0: float, y0: float, x1: float, y1: float, r: float) -> None:
    r = max(0.0, min(r, (x1 - x0) / 2, (y1 - y0) / 2))
    if r <= 0:
        ctx.rectangle(x0, y0, x1 - x0, y1 - y0)
        return
    half = math.pi / 2
    ctx.new_sub_path()
    ctx.arc(x1 - r, y0 + r, r, -half, 0)
    ctx.arc(x1 - r, y1 - r, r, 0, half)
    ctx.arc(x0 + r, y1 - r, r, half, 2 * half)
    ctx.arc(x0 + r, y0 + r, r, 2 * half, 3 * half)
    ctx.close_path()


def _ellipse(ctx, cx: float, cy: float, rx: float, ry: float, start: float, end: float) -> None:
    ctx.save()
    ctx.translate(cx, cy)
    ctx.scale(rx, ry)
    ctx.new_sub_path()
    ctx.arc(0.0, 0.0, 1.0, start, end)
    ctx.restore()  # the path stays; it is stroked at the unscaled width


def markers(p, node, device: Affine, style) -> None:
    """Every mark of the node, item by item (:func:`_draw`)."""
    if node.count:
        _draw(p, node, *marker_plan(p, node, style))


def marker_plan(p, node, style, shift: Optional[np.ndarray] = None) -> tuple:
    """``(trace, fills, strokes, widths, dashes, stroke_trace, tolerance)``: how
    :func:`_draw` draws the items of a markers node (sources from ``p.sources``), each
    mark moved by its row of the (N, 2) ``shift`` when given."""
    n = node.count
    sizes = marker_sizes(node).tolist()
    kind = node.kind
    stroke_trace, tolerance = None, None
    if kind in ("triangle", "dot"):  # solid marks, filled with their color
        points = position_points(node.xyxy, node.position)
        points = (points if shift is None else points + shift).tolist()
        fills = [None if s <= 0 else color for s, color in zip(sizes, p.sources(style.color, style.alpha, n))]
        strokes, widths, dashes = [None] * n, [0.0] * n, [None] * n
        if kind == "dot":
            def trace(ctx, i):
                ctx.new_sub_path()
                ctx.arc(points[i][0], points[i][1], sizes[i], 0.0, 2 * math.pi)
        else:
            def trace(ctx, i):
                (x, y), s = points[i], sizes[i]
                ctx.move_to(x, y)
                ctx.line_to(x - s / 2, y - s)
                ctx.line_to(x + s / 2, y - s)
                ctx.close_path()
        return trace, fills, strokes, widths, dashes, stroke_trace, tolerance
    boxes = (node.xyxy if shift is None else node.xyxy + np.tile(shift, 2)).tolist()
    fills, strokes, widths, dashes = _styles(p, style, n)
    if kind == "round_box":
        def trace(ctx, i):
            _rounded(ctx, *boxes[i], sizes[i])

        tolerance = CURVE_TOLERANCE
    elif kind == "corners":
        fills = [None] * n

        def trace(ctx, i):
            x0, y0, x1, y1 = boxes[i]
            length = min(sizes[i], (x1 - x0) / 2, (y1 - y0) / 2)
            for cx, cy, dx, dy in ((x0, y0, 1, 1), (x1, y0, -1, 1), (x1, y1, -1, -1), (x0, y1, 1, -1)):
                ctx.move_to(cx + dx * length, cy)
                ctx.line_to(cx, cy)
                ctx.line_to(cx, cy + dy * length)
    else:  # ellipse
        visible = [(b[2] - b[0]) / 2 > 0 and s > 0 for b, s in zip(boxes, sizes)]
        fills = [f if v else None for f, v in zip(fills, visible)]
        strokes = [c if v else None for c, v in zip(strokes, visible)]

        def trace(ctx, i):
            x0, _, x1, y1 = boxes[i]
            _ellipse(ctx, (x0 + x1) / 2, y1, (x1 - x0) / 2, sizes[i], 0.0, 2 * math.pi)

        def stroke_trace(ctx, i):
            x0, _, x1, y1 = boxes[i]
            _ellipse(ctx, (x0 + x1) / 2, y1, (x1 - x0) / 2, sizes[i], *ELLIPSE_ARC)

        tolerance = CURVE_TOLERANCE
    return trace, fills, strokes, widths, dashes, stroke_trace, tolerance


def marker_extents(node, widths: np.ndarray) -> tuple:
    """(lo, hi): (N, 2) corners of the box each mark inks (``widths``: stroke widths)."""
    sizes = marker_sizes(node)
    box = node.xyxy
    half = widths[:, None] / 2
    if node.kind in ("corners", "round_box"):
        return box[:, :2] - half, box[:, 2:] + half
    if node.kind == "ellipse":
        cx = (box[:, 0] + box[:, 2]) / 2
        rx = (box[:, 2] - box[:, 0]) / 2
        centre = np.stack([cx, box[:, 3]], axis=1)
        reach = np.stack([rx, sizes], axis=1) + half
        return centre - reach, centre + reach
    point = position_points(box, node.position)
    if node.kind == "dot":
        return point - sizes[:, None], point + sizes[:, None]
    return point - np.stack([sizes / 2, sizes], axis=1), point + np.stack([sizes / 2, np.zeros(len(sizes))], axis=1)
