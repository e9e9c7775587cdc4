"""The painter's rotated boxes and markers.

Each function draws one node's items in order on the painter's Cairo context, whose matrix
is the node's device transform (the same contract as :mod:`scenevis.renderer.shapes`).
"""
from __future__ import annotations

import math

import numpy as np

from scenevis.geometry import Affine, position_points
from scenevis.nodes.markers import marker_sizes
from scenevis.renderer.shapes import pick

__all__ = ["rotated_boxes", "markers", "marker_extents", "ELLIPSE_ARC"]

#: The part of a foot ellipse drawn, in radians (y down: from the upper right, round the
#: front, to the upper left), as supervision draws it.
ELLIPSE_ARC = (-math.pi / 4, 5 * math.pi / 4)


def rotated_boxes(p, node, device: Affine, style) -> None:
    """Each quadrilateral filled, then stroked, with its heading tick in the same stroke."""
    ctx = p.ctx
    ticks = node.ticks().tolist() if node.heading else None
    for i, corners in enumerate(node.corners.tolist()):
        ctx.move_to(*corners[0])
        for x, y in corners[1:]:
            ctx.line_to(x, y)
        ctx.close_path()
        if ticks is not None:
            ctx.move_to(*ticks[i][0])
            ctx.line_to(*ticks[i][1])
        p.fill_then_stroke(style, i)


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
    ctx = p.ctx
    sizes = marker_sizes(node).tolist()
    boxes = node.xyxy.tolist()
    kind = node.kind
    if kind in ("triangle", "dot"):
        points = position_points(node.xyxy, node.position).tolist()
        for i, ((x, y), s) in enumerate(zip(points, sizes)):
            if s <= 0:
                continue
            if kind == "dot":
                ctx.new_sub_path()
                ctx.arc(x, y, s, 0.0, 2 * math.pi)
            else:
                ctx.move_to(x, y)
                ctx.line_to(x - s / 2, y - s)
                ctx.line_to(x + s / 2, y - s)
                ctx.close_path()
            if p.source(pick(style.color, i), float(pick(style.alpha, i))):
                ctx.fill()
            ctx.new_path()
        return
    for i, ((x0, y0, x1, y1), s) in enumerate(zip(boxes, sizes)):
        if kind == "round_box":
            _rounded(ctx, x0, y0, x1, y1, s)
            p.fill_then_stroke(style, i)
        elif kind == "corners":
            length = min(s, (x1 - x0) / 2, (y1 - y0) / 2)
            for cx, cy, dx, dy in ((x0, y0, 1, 1), (x1, y0, -1, 1), (x1, y1, -1, -1), (x0, y1, 1, -1)):
                ctx.move_to(cx + dx * length, cy)
                ctx.line_to(cx, cy)
                ctx.line_to(cx, cy + dy * length)
            if p.pen(style, i):
                ctx.stroke()
            ctx.new_path()
        else:  # ellipse
            rx = (x1 - x0) / 2
            if rx <= 0 or s <= 0:
                continue
            alpha = float(pick(style.alpha, i))
            if p.source(pick(style.fill, i), alpha):
                _ellipse(ctx, x0 + rx, y1, rx, s, 0.0, 2 * math.pi)
                ctx.fill()
            _ellipse(ctx, x0 + rx, y1, rx, s, *ELLIPSE_ARC)
            if p.pen(style, i):
                ctx.stroke()
            ctx.new_path()


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
