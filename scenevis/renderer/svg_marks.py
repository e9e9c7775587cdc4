"""The SVG painter's rotated boxes and markers: one element per item, as the Cairo
painter traces them (:mod:`~scenevis.renderer.marks`).

Each item is one ``<path>`` in the node's own coordinates under its transform, starting
where Cairo's path starts (dashes begin there), with the item's metadata. A foot ellipse
with a fill is a ``<g>`` of its filled ellipse and its open arc (one path cannot be both).
A node drawn without antialiasing asks for crisp edges (``shape-rendering``) on each.
"""
from __future__ import annotations

import math

import numpy as np

from scenevis.geometry import Affine, position_points
from scenevis.nodes.markers import marker_sizes
from scenevis.renderer.marks import ELLIPSE_ARC
from scenevis.renderer.svg_shapes import Pens
from scenevis.renderer.svg_write import number, paints

__all__ = ["rotated_boxes", "markers"]


def _xy(x: float, y: float) -> str:
    return f"{number(x)},{number(y)}"


def _extents(points) -> tuple:
    array = np.asarray(points, np.float64).reshape(-1, 2)
    return (*array.min(axis=0).tolist(), *array.max(axis=0).tolist())


def _tail(pens: Pens, node) -> str:
    """The attributes every element of the node ends with: its transform, and crisp edges
    when it is drawn without antialiasing."""
    return pens.transform + ("" if node.antialias else ' shape-rendering="crispEdges"')


def rotated_boxes(p, node, device: Affine, style) -> None:
    """Each quadrilateral filled and stroked, its heading tick a second sub-path of the
    same stroke."""
    if not node.count:
        return
    pens = Pens(p, node, device, style)
    tail = _tail(pens, node)
    corners = node.corners.tolist()
    ticks = node.ticks().tolist() if node.heading else None
    for i, quad in enumerate(corners):
        d = "M" + " L".join(_xy(x, y) for x, y in quad) + " Z"
        if ticks is not None:
            (a, b), (c, e) = ticks[i]
            d += f" M{_xy(a, b)} L{_xy(c, e)}"
        p.element("path", f'd="{d}" {pens.fills[i]} {pens.stroke(i, _extents(quad))}{tail}', pens.mark(i))


def _rounded(x0: float, y0: float, x1: float, y1: float, r: float) -> str:
    r = max(0.0, min(r, (x1 - x0) / 2, (y1 - y0) / 2))
    if r <= 0:
        return f"M{_xy(x0, y0)} L{_xy(x1, y0)} L{_xy(x1, y1)} L{_xy(x0, y1)} Z"
    arc = f"A{number(r)},{number(r)} 0 0 1 "
    return (f"M{_xy(x1 - r, y0)} {arc}{_xy(x1, y0 + r)} L{_xy(x1, y1 - r)} {arc}{_xy(x1 - r, y1)} "
            f"L{_xy(x0 + r, y1)} {arc}{_xy(x0, y1 - r)} L{_xy(x0, y0 + r)} {arc}{_xy(x0 + r, y0)} Z")


def _corners(x0: float, y0: float, x1: float, y1: float, size: float) -> str:
    length = min(size, (x1 - x0) / 2, (y1 - y0) / 2)
    return " ".join(f"M{_xy(cx + dx * length, cy)} L{_xy(cx, cy)} L{_xy(cx, cy + dy * length)}"
                    for cx, cy, dx, dy in ((x0, y0, 1, 1), (x1, y0, -1, 1), (x1, y1, -1, -1), (x0, y1, 1, -1)))


def _arc(cx: float, cy: float, rx: float, ry: float) -> str:
    """The open back of a foot ellipse: clockwise on screen from ``ELLIPSE_ARC[0]`` to ``[1]``."""
    (a, b) = ELLIPSE_ARC
    start = (cx + rx * math.cos(a), cy + ry * math.sin(a))
    end = (cx + rx * math.cos(b), cy + ry * math.sin(b))
    return f"M{_xy(*start)} A{number(rx)},{number(ry)} 0 1 1 {_xy(*end)}"


def markers(p, node, device: Affine, style) -> None:
    n = node.count
    if not n:
        return
    pens = Pens(p, node, device, style)
    tail = _tail(pens, node)
    sizes = marker_sizes(node).tolist()
    boxes = node.xyxy.tolist()
    kind = node.kind
    if kind in ("triangle", "dot"):
        solid = paints("fill", style.color, style.alpha, n)  # solid marks: their color
        for i, (x, y) in enumerate(position_points(node.xyxy, node.position).tolist()):
            s = sizes[i]
            if s <= 0 or solid[i].endswith('"none"'):
                continue
            if kind == "dot":
                p.element("circle", f'cx="{number(x)}" cy="{number(y)}" r="{number(s)}" {solid[i]}{tail}',
                          pens.mark(i))
            else:
                d = f"M{_xy(x, y)} L{_xy(x - s / 2, y - s)} L{_xy(x + s / 2, y - s)} Z"
                p.element("path", f'd="{d}" {solid[i]}{tail}', pens.mark(i))
        return
    for i, (x0, y0, x1, y1) in enumerate(boxes):
        if kind == "round_box":
            p.element("path", f'd="{_rounded(x0, y0, x1, y1, sizes[i])}" {pens.fills[i]} '
                              f'{pens.stroke(i, (x0, y0, x1, y1))}{tail}', pens.mark(i))
        elif kind == "corners":
            p.element("path", f'd="{_corners(x0, y0, x1, y1, sizes[i])}" fill="none" '
                              f'{pens.stroke(i, (x0, y0, x1, y1))}{tail}', pens.mark(i))
        else:
            _foot(p, pens, tail, i, (x0 + x1) / 2, y1, (x1 - x0) / 2, sizes[i])


def _foot(p, pens: Pens, tail: str, i: int, cx: float, cy: float, rx: float, ry: float) -> None:
    if rx <= 0 or ry <= 0:
        return
    arc = (f'd="{_arc(cx, cy, rx, ry)}" fill="none" '
           f'{pens.stroke(i, (cx - rx, cy - ry, cx + rx, cy + ry))}{tail}')
    if pens.fills[i].endswith('"none"'):
        p.element("path", arc, pens.mark(i))
        return
    ellipse = (f'<ellipse cx="{number(cx)}" cy="{number(cy)}" rx="{number(rx)}" ry="{number(ry)}" '
               f'{pens.fills[i]}{tail}/>')
    p.element("g", 'class="foot"', pens.mark(i), f"{ellipse}<path {arc}/>")
