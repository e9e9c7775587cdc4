"""The SVG painter's vector shapes: boxes, points, circles, lines, polygons, backgrounds.

One element per item, in painter's order, each with the item's metadata
(:meth:`~scenevis.renderer.svg.SvgPainter.element`). Boxes on an axis-aligned transform
are written in device pixels, snapped as the Cairo painter snaps them
(:func:`~scenevis.renderer.shapes.rectangles`); everything else is written in the node's
own coordinates under its transform, as Cairo draws it (stroke widths and dashes scale
with the transform).
"""
from __future__ import annotations

import numpy as np

from scenevis.geometry import Affine
from scenevis.renderer.shapes import dash_lengths, rectangles
from scenevis.renderer.svg_write import device_pixel, number, paint, paints, transform_attribute

__all__ = ["boxes", "points", "circles", "lines", "polygons", "background", "stroke", "per_item", "Pens"]


def per_item(values, n: int) -> list:
    """``n`` values from a per-item sequence of 1 or n."""
    values = list(np.asarray(values).tolist()) if isinstance(values, np.ndarray) else list(values)
    return values * n if len(values) == 1 else values


def stroke(color: str, width: float, dash: str, pixel: float, extents: tuple) -> str:
    """The stroke attributes of a ``width`` wide outline in ``color`` (a :func:`paint`
    text), dashed as the Cairo painter dashes it (``pixel``: one device pixel in the
    outline's units; ``extents``: its path's box)."""
    if width <= 0.0 or color.endswith('"none"'):
        return 'stroke="none"'
    text = f'{color} stroke-width="{number(width)}"'
    lengths = dash_lengths(dash, width, pixel, extents)
    if lengths:
        text += ' stroke-dasharray="' + " ".join(number(v) for v in lengths) + '"'
    return text


def boxes(p, node, device: Affine, style) -> None:
    n = node.count
    if not n:
        return
    rects, widths, in_device = rectangles(device, node.xyxy, np.broadcast_to(np.asarray(style.width, np.float64), (n,)))
    transform = "" if in_device else transform_attribute(device)
    pixel = 1.0 if in_device else device_pixel(device)
    fills = paints("fill", style.fill, style.alpha, n)
    colors = paints("stroke", style.color, style.alpha, n)
    dashes = per_item(style.dash, n)
    marks = p.marks(node)
    for i, ((x, y, w, h), width) in enumerate(zip(rects, widths.tolist())):
        outline = stroke(colors[i], width, dashes[i], pixel, (x, y, x + w, y + h))
        p.element("rect", f'x="{number(x)}" y="{number(y)}" width="{number(w)}" height="{number(h)}" '
                          f'{fills[i]} {outline}{transform}', marks[i] if marks else None)


def points(p, node, device: Affine, style) -> None:
    n = node.count
    transform = transform_attribute(device)
    fills = paints("fill", style.color, style.alpha, n)
    radii = per_item(node.radius, n)
    marks = p.marks(node)
    for i, (x, y) in enumerate(node.xy.tolist()):
        p.element("circle", f'cx="{number(x)}" cy="{number(y)}" r="{number(radii[i])}" {fills[i]}{transform}',
                  marks[i] if marks else None)


class Pens:
    """What a handler of stroked (and filled) items writes for each item, worked out once
    per node: its fill, its stroke (:meth:`stroke`) and its metadata (:meth:`mark`), in
    the node's own coordinates under ``transform``."""

    def __init__(self, p, node, device: Affine, style) -> None:
        n = node.count
        self.transform = transform_attribute(device)
        self.pixel = device_pixel(device)
        self.fills = paints("fill", style.fill, style.alpha, n)
        self.colors = paints("stroke", style.color, style.alpha, n)
        self.widths, self.dashes = per_item(style.width, n), per_item(style.dash, n)
        self.marks = p.marks(node)

    def stroke(self, i: int, extents: tuple) -> str:
        """Item i's stroke attributes, for a path whose box is ``extents``."""
        return stroke(self.colors[i], self.widths[i], self.dashes[i], self.pixel, extents)

    def mark(self, i: int):
        return self.marks[i] if self.marks else None


def circles(p, node, device: Affine, style) -> None:
    pens = Pens(p, node, device, style)
    radii = per_item(node.radii, node.count)
    for i, (x, y) in enumerate(node.centers.tolist()):
        r = radii[i]
        p.element("circle", f'cx="{number(x)}" cy="{number(y)}" r="{number(r)}" {pens.fills[i]} '
                            f'{pens.stroke(i, (x - r, y - r, x + r, y + r))}{pens.transform}', pens.mark(i))


def _points(ring: np.ndarray) -> str:
    return " ".join(f"{number(x)},{number(y)}" for x, y in ring.tolist())


def _extents(points: np.ndarray) -> tuple:
    return (*points.min(axis=0).tolist(), *points.max(axis=0).tolist())


def lines(p, node, device: Affine, style) -> None:
    """Joined round, as the Cairo painter joins polylines."""
    pens = Pens(p, node, device, style)
    for i in range(node.count):
        path = node.points[node.offsets[i]:node.offsets[i + 1]]
        p.element("polyline", f'points="{_points(path)}" fill="none" {pens.stroke(i, _extents(path))} '
                              f'stroke-linejoin="round"{pens.transform}', pens.mark(i))


def polygons(p, node, device: Affine, style) -> None:
    """Even-odd filled, then stroked: one ``<path>`` per polygon, holes included."""
    pens = Pens(p, node, device, style)
    for i in range(node.count):
        rings = [node.points[node.rings[r]:node.rings[r + 1]] for r in range(node.polys[i], node.polys[i + 1])]
        d = " ".join("M" + _points(ring).replace(" ", " L") + " Z" for ring in rings)
        p.element("path", f'd="{d}" fill-rule="evenodd" {pens.fills[i]} '
                          f'{pens.stroke(i, _extents(np.concatenate(rings)))}{pens.transform}', pens.mark(i))


def background(p, node, device: Affine, style) -> None:
    box = node.extent
    p.element("rect", f'x="{number(box.x0)}" y="{number(box.y0)}" width="{number(box.width)}" '
                      f'height="{number(box.height)}" {paint("fill", node.color[0], 1.0)}{transform_attribute(device)}')
