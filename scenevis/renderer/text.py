"""The painter's texts: strings laid out by the render context's fonts, each optionally
on a background box ``pad`` pixels around its layout box (left, top, right, bottom).

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

__all__ = ["HALIGN", "place", "texts"]

#: The fraction of a line's width left of its anchor, by horizontal alignment.
HALIGN = {"left": 0.0, "center": 0.5, "right": 1.0}


def place(block: TextBlock, x: float, y: float, halign: str, valign: str) -> tuple:
    """The top-left corner of ``block``'s layout box anchored at ``(x, y)``."""
    left = x - block.width * HALIGN[halign]
    top = y - (0.0 if valign == "top" else block.ascent if valign == "baseline"
               else block.height / 2 if valign == "center" else block.height)
    return left, top


def per_item(values, n: int) -> list:
    return list(values) * n if len(values) == 1 else list(values)


def texts(p, node, device: Affine, style) -> None:
    n = node.count
    if not n:
        return
    ctx, fonts = p.ctx, p.context.fonts
    family = style.font_family
    matrix = ctx.get_matrix()
    linear = (matrix.xx, matrix.yx, matrix.xy, matrix.yy)
    sizes = np.broadcast_to(np.asarray(style.font_size, np.float64), (n,)).tolist()
    haligns, valigns = per_item(style.halign, n), per_item(style.valign, n)
    items = []  # (index, block, left, top) of every drawn item
    for i, (string, size, (x, y)) in enumerate(zip(node.strings, sizes, node.xy.tolist())):
        if string and size > 0:
            block = fonts.layout(string, family, size, linear)
            items.append((i, block, *place(block, x, y, haligns[i], valigns[i])))
    if not items:
        return
    backgrounds = _backgrounds(p, node, device, items)
    inks = p.sources(style.color, style.alpha, n)
    for k, (i, block, left, top) in enumerate(items):
        if backgrounds is not None:
            backgrounds(k, i)
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


def _backgrounds(p, node, device: Affine, items: list):
    """A function drawing item k's background box and its 1-pixel edge, or None without
    boxes. Boxes on whole pixels are filled crisp and get crisp edges (drawn on the box's
    outer pixels, as :func:`~scenevis.renderer.shapes.rectangles` draws 1-pixel strokes);
    any other box is drawn where it is."""
    if node.background is None and node.background_edge is None:
        return None
    n = node.count
    pads = np.broadcast_to(node.pad, (n, 4))
    index = [item[0] for item in items]
    xyxy = np.array([[left, top, left + block.width, top + block.height] for _, block, left, top in items])
    xyxy += pads[index] * np.array([-1.0, -1.0, 1.0, 1.0])
    fills = edges = [None] * n
    boxes, _, in_device = rectangles(device, xyxy, np.zeros(len(items)), whole_only=True)
    outlines, widths = boxes, None
    if node.background is not None:
        fills = p.sources(node.background, (1.0,), n)
    if node.background_edge is not None:
        edges = p.sources(node.background_edge, (1.0,), n)
        outlines, widths, _ = rectangles(device, xyxy, np.ones(len(items)), whole_only=True)
    ctx = p.ctx

    def draw(k: int, i: int) -> None:
        if in_device:
            ctx.identity_matrix()
        if fills[i] is not None:
            ctx.rectangle(*boxes[k])
            ctx.set_source_rgba(*fills[i])
            ctx.fill()
        if edges[i] is not None:
            ctx.rectangle(*outlines[k])
            ctx.set_source_rgba(*edges[i])
            ctx.set_line_width(float(widths[k]))
            ctx.set_dash([])
            ctx.stroke()
    return draw
