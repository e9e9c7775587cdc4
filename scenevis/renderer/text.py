"""The painter's texts: strings laid out by the render context's fonts, each optionally
on a background box ``pad`` pixels around its layout box (left, top, right, bottom) with
a 1-pixel edge.

Item by item: background, edge, then text, so a later label covers an earlier one.
Layouts come from the context's cache, keyed by string, family, size and the linear part
of the transform (labels such as ``person 0.87`` recur frame after frame); a one-line,
one-font string is drawn with one ``show_text``.
"""
from __future__ import annotations

import numpy as np

from scenevis.geometry import Affine
from scenevis.renderer.fonts import TextBlock
from scenevis.renderer.shapes import rectangles

__all__ = ["HALIGN", "place", "placed", "edge_outlines", "texts"]

#: The fraction of a line's width left of its anchor, by horizontal alignment.
HALIGN = {"left": 0.0, "center": 0.5, "right": 1.0}


def place(block: TextBlock, x: float, y: float, halign: str, valign: str) -> tuple:
    """The top-left corner of ``block``'s layout box anchored at ``(x, y)`` (inlined in
    :func:`placed`, which places thousands of labels a frame)."""
    left = x - block.width * HALIGN[halign]
    top = y - (0.0 if valign == "top" else block.ascent if valign == "baseline"
               else block.height / 2 if valign == "center" else block.height)
    return left, top


def per_item(values, n: int) -> list:
    return list(values) * n if len(values) == 1 else list(values)


def placed(fonts, node, style, linear: tuple) -> tuple:
    """``(items, sizes, haligns)``: ``(index, block, left, top)`` of every item that draws
    (a non-empty string at a size above 0), laid out under a transform whose linear part
    is ``linear``, with every item's font size and horizontal alignment. Both painters
    place texts with it."""
    n = node.count
    family = style.font_family
    sizes = np.broadcast_to(np.asarray(style.font_size, np.float64), (n,)).tolist()
    haligns, valigns = per_item(style.halign, n), per_item(style.valign, n)
    items = []
    for i, (string, size, (x, y)) in enumerate(zip(node.strings, sizes, node.xy.tolist())):
        if string and size > 0:
            block = fonts.layout(string, family, size, linear)
            valign = valigns[i]
            items.append((i, block, x - block.width * HALIGN[haligns[i]],
                          y - (0.0 if valign == "top" else block.ascent if valign == "baseline"
                               else block.height / 2 if valign == "center" else block.height)))
    return items, sizes, haligns


def texts(p, node, device: Affine, style) -> None:
    n = node.count
    if not n:
        return
    ctx = p.ctx
    matrix = ctx.get_matrix()
    items, sizes, haligns = placed(p.context.fonts, node, style, (matrix.xx, matrix.yx, matrix.xy, matrix.yy))
    if not items:
        return
    fills = p.sources(node.background, (1.0,), n) if node.background is not None else None
    pads = np.broadcast_to(node.pad, (n, 4)).tolist() if fills is not None else None
    edges, switch = _edges(p, node, device, items)
    inks = p.sources(style.color, style.alpha, n)
    for k, (i, block, left, top) in enumerate(items):
        if fills is not None and fills[i] is not None:
            pl, pt, pr, pb = pads[i]
            ctx.rectangle(left - pl, top - pt, block.width + pl + pr, block.height + pt + pb)
            ctx.set_source_rgba(*fills[i])
            ctx.fill()
        if edges is not None and edges[k][0] is not None:
            edge, outline, width = edges[k]
            if switch:
                ctx.identity_matrix()
            ctx.rectangle(*outline)
            ctx.set_source_rgba(*edge)
            ctx.set_line_width(width)
            ctx.stroke()
            if switch:
                ctx.set_matrix(matrix)
        if inks[i] is None:
            continue
        ctx.set_source_rgba(*inks[i])
        size = sizes[i]
        if len(block.lines) == 1 and len(block.lines[0]) == 1:
            run_family, chunk, _ = block.lines[0][0]
            p.use_font(run_family, size)
            ctx.move_to(left, top + block.ascent)
            ctx.show_text(chunk)
            continue
        for row, (runs, width) in enumerate(zip(block.lines, block.widths)):
            pen = left + (block.width - width) * HALIGN[haligns[i]]
            baseline = top + block.ascent + row * block.line_height
            for run_family, chunk, advance in runs:
                p.use_font(run_family, size)
                ctx.move_to(pen, baseline)
                ctx.show_text(chunk)
                pen += advance


def _edges(p, node, device: Affine, items: list) -> tuple:
    """``(edges, switch)``: item k's ``(color, outline, width)`` of its background box's
    edge (None without edges), and whether the outlines are in device space (the caller
    draws them under an identity matrix); see :func:`edge_outlines`."""
    if node.background_edge is None:
        return None, False
    outlines, widths, in_device = edge_outlines(node, device, items)
    colors = p.sources(node.background_edge, (1.0,), node.count)
    p.ctx.set_dash([])
    return ([(colors[item[0]], outline, width) for item, outline, width in zip(items, outlines, widths.tolist())],
            in_device and not device.is_identity)


def edge_outlines(node, device: Affine, items: list) -> tuple:
    """``(outlines, widths, in_device)`` of the 1-pixel edges of the drawn items'
    background boxes (``items`` from :func:`placed`), as
    :func:`~scenevis.renderer.shapes.rectangles` gives them: a box on whole pixels gets
    a crisp edge on its outer pixels, as 1-pixel box strokes are drawn; any other is
    drawn where it is. (Fills need no such care: snapping a box already on whole pixels
    leaves its fill where it is.)"""
    pads = np.broadcast_to(node.pad, (node.count, 4))
    index, blocks, lefts, tops = zip(*items)
    index = list(index)
    lo = np.array([lefts, tops], np.float64).T
    size = np.array([[block.width, block.height] for block in blocks], np.float64)
    xyxy = np.concatenate([lo - pads[index, :2], lo + size + pads[index, 2:]], axis=1)
    return rectangles(device, xyxy, np.ones(len(items)), whole_only=True)
