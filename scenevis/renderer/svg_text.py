"""The SVG painter's texts: real ``<text>``, placed by the Cairo painter's layout.

Each item is its background box, its edge and its text, in that order
(:func:`~scenevis.renderer.text.placed` and :func:`~scenevis.renderer.text.edge_outlines`
give the places). Text is one ``<text>`` per string, one ``<tspan>`` per line and per run
of one font family (the layout's per-character fallback), each glyph at the position
Cairo draws it at (:func:`text_element`), so a browser draws the picture the PNG shows
and a reader can select and search the text. An item with metadata becomes a ``<g>`` holding its parts.
"""
from __future__ import annotations

import math
from xml.sax.saxutils import escape

import numpy as np

from scenevis.geometry import Affine
from scenevis.renderer.svg_write import attribute, number, paints, transform_attribute
from scenevis.renderer.text import HALIGN, edge_outlines, placed

__all__ = ["texts", "text_element"]


def _snap(value: float, scale: float, shift: float) -> float:
    """The node coordinate whose device coordinate ``scale * value + shift`` is rounded
    to a whole pixel, as Cairo's image backend places glyph origins."""
    return (math.floor(scale * value + shift + 0.5) - shift) / scale if scale else value


def text_element(fonts, block, left: float, top: float, halign: float, size: float, ink: str,
                 device: Affine) -> str:
    """A laid-out ``block`` (:class:`~scenevis.renderer.fonts.TextBlock`) whose layout box's
    top-left corner is ``(left, top)``, its lines aligned by ``halign`` (0 left, 0.5
    center, 1 right), in ``ink`` (a fill :func:`paint` text), ``size`` pixels, under
    ``device``. On an axis-aligned transform every glyph gets its own x and the baseline
    its y, on the whole device pixels Cairo's raster output puts them on, so a browser
    draws each glyph where the PNG has it."""
    linear = device.as_tuple()[:4]
    aligned = device.is_axis_aligned
    family = block.lines[0][0][0] if block.lines[0] else "sans-serif"
    spans = []
    for row, (runs, width) in enumerate(zip(block.lines, block.widths)):
        pen = left + (block.width - width) * halign
        baseline = top + block.ascent + row * block.line_height
        y = number(_snap(baseline, device.e, device.f) if aligned else baseline)
        for run_family, chunk, advance in runs:
            if aligned and all(ord(c) < 0x10000 for c in chunk):
                xs = [_snap(pen + dx, device.a, device.c) for dx, _ in fonts.glyph_offsets(chunk, run_family, size, linear)]
            else:
                xs = [pen]
            font = "" if run_family == family else f" font-family={attribute(run_family)}"
            spans.append((" ".join(number(x) for x in xs), y, font, escape(chunk)))
            pen += advance
    head = f'<text font-family={attribute(family)} font-size="{number(size)}" {ink}{transform_attribute(device)}'
    if len(spans) == 1:
        xs, y, _, chunk = spans[0]
        return f'{head} x="{xs}" y="{y}">{chunk}</text>'
    return head + ">" + "".join(f'<tspan x="{xs}" y="{y}"{font}>{chunk}</tspan>' for xs, y, font, chunk in spans) + \
        "</text>"


def texts(p, node, device: Affine, style) -> None:
    n = node.count
    if not n:
        return
    items, sizes, haligns = placed(p.context.fonts, node, style, device.as_tuple()[:4])
    if not items:
        return
    transform = transform_attribute(device)
    fills = paints("fill", node.background, (1.0,), n) if node.background is not None else None
    pads = np.broadcast_to(node.pad, (n, 4)).tolist() if fills is not None else None
    edges = None
    if node.background_edge is not None:
        outlines, widths, in_device = edge_outlines(node, device, items)
        colors = paints("stroke", node.background_edge, (1.0,), n)
        edges = (outlines, widths.tolist(), "" if in_device else transform, colors)
    inks = paints("fill", style.color, style.alpha, n)
    marks = p.marks(node)
    for k, (i, block, left, top) in enumerate(items):
        parts = []
        if fills is not None and not fills[i].endswith('"none"'):
            pl, pt, pr, pb = pads[i]
            parts.append(f'<rect x="{number(left - pl)}" y="{number(top - pt)}" '
                         f'width="{number(block.width + pl + pr)}" height="{number(block.height + pt + pb)}" '
                         f'{fills[i]}{transform}/>')
        if edges is not None and not edges[3][i].endswith('"none"'):
            (x, y, w, h), width = edges[0][k], edges[1][k]
            parts.append(f'<rect x="{number(x)}" y="{number(y)}" width="{number(w)}" height="{number(h)}" '
                         f'fill="none" {edges[3][i]} stroke-width="{number(width)}"{edges[2]}/>')
        if not inks[i].endswith('"none"'):
            parts.append(text_element(p.context.fonts, block, left, top, HALIGN[haligns[i]], sizes[i], inks[i],
                                      device))
        if marks is None:
            p.parts.extend(parts)
        else:
            p.element("g", 'class="label"', marks[i], "".join(parts))
