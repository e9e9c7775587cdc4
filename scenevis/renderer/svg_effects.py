"""The SVG painter's effects and halos: SVG filters where they can match the raster.

An effect changes what lies beneath it, so the painter wraps everything written before it
in a ``<g class="Effect KIND" filter=...>`` (:meth:`~scenevis.renderer.svg.SvgPainter.wrap`);
the filter works in device pixels on that content (``SourceGraphic``) and puts its
result in place of the content inside the effect's area, the same pixels the raster changes
(:func:`~scenevis.renderer.effects.area`): for boxes on whole pixels, a white
``<feFlood>`` per box; otherwise an ``<feImage>`` of the covered pixels. Filters work in
sRGB values as the raster does:

- blur: ``feGaussianBlur`` with the standard deviation of the raster's blur (a cell's
  mean, ``b`` pixels wide, interpolated linearly between cell centres ``b`` apart: a
  variance of ``b**2 / 12 + b**2 / 6``, so ``sigma = b / 2``); where it reads past the
  canvas's border over opaque content, the mean of the canvas's pixels only, as the
  raster's cells are cut there;
- desaturate: ``feColorMatrix`` towards Rec. 601 luma; dim and brighten:
  ``feComponentTransfer`` towards black or white.

Pixelation has no SVG filter, and it is there for privacy: it is written as the pixels
the Cairo painter gives the area (one ``<image>``), and every image beneath holds those
pixels in place of its own inside the area (:meth:`SvgPainter.redacted`), so the file
never holds the pixels it hides. A blur's filter, in contrast, reads the pixels beneath,
which the file holds.

A halo is one element per region (its box as a ``<rect>`` or its mask as an ``<image>``,
in the region's color, with its metadata) drawn through a filter that blurs it with the
standard deviation of the raster's repeated box blurs, doubles and caps its coverage,
scales it by the color's opacity and cuts the region itself out
(:func:`~scenevis.renderer.effects.glow`).
"""
from __future__ import annotations

import math
from typing import Optional

import numpy as np

from scenevis.geometry import Affine
from scenevis.renderer import effects
from scenevis.renderer.shapes import pick
from scenevis.renderer.svg_rasters import PIXELATED
from scenevis.renderer.svg_write import number, paint, png_uri

__all__ = ["effect", "halo", "coverage", "pixelated_area", "halo_deviation"]

#: The raster's Rec. 601 luma weights in 256ths (scenevis.renderer.effects).
_LUMA = (77 / 256, 150 / 256, 29 / 256)


def coverage(work: list) -> tuple:
    """The pixels ``work`` (pieces) cover: ``(mask (h, w) bool, y0, x0)`` over their window."""
    piece = effects.union(work)
    mask = piece.mask if piece.mask is not None else np.ones((piece.y1 - piece.y0, piece.x1 - piece.x0), np.bool_)
    return mask, piece.y0, piece.x0


def _window(x0: int, y0: int, x1: int, y1: int) -> str:
    return f'x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}"'


def _area(work: list) -> str:
    """Filter primitives whose result ``area`` is opaque white on the covered pixels."""
    if all(w.mask is None for w in work):
        floods = "".join(f'<feFlood flood-color="#fff" {_window(w.x0, w.y0, w.x1, w.y1)} result="r{i}"/>'
                         for i, w in enumerate(work))
        nodes = "".join(f'<feMergeNode in="r{i}"/>' for i in range(len(work)))
        return f'{floods}<feMerge result="area">{nodes}</feMerge>'
    mask, y0, x0 = coverage(work)
    rgba = np.zeros(mask.shape + (4,), np.uint8)
    rgba[mask] = 255
    h, w = mask.shape
    return (f'<feImage {_window(x0, y0, x0 + w, y0 + h)} preserveAspectRatio="none" '
            f'href="{png_uri(rgba)}"{PIXELATED} result="area"/>')


def _operation(kind: str, amount: float, window: str, opaque_edge: bool) -> str:
    """The primitive that changes the pixels (its result: ``changed``). ``opaque_edge``:
    the blur reads past the canvas's border, and what lies beneath is opaque there."""
    if kind == "blur":
        blur = f'<feGaussianBlur in="SourceGraphic" stdDeviation="{number(amount / 2)}" {window}'
        if not opaque_edge:
            return blur + ' result="changed"/>'
        # Past the border there is nothing: the blurred color is the mean of the canvas's
        # pixels (as the raster's cells are cut there), made opaque again.
        return (blur + '/><feComponentTransfer result="changed"><feFuncA type="linear" slope="255"/>'
                '</feComponentTransfer>')
    if kind == "desaturate":
        k = amount
        rows = []
        for c in range(3):
            row = [k * w + (1 - k) * (c == j) for j, w in enumerate(_LUMA)]
            rows.append(" ".join(f"{v:.6g}" for v in row) + " 0 0")
        values = " ".join(rows) + " 0 0 0 1 0"
        return f'<feColorMatrix in="SourceGraphic" type="matrix" values="{values}" {window} result="changed"/>'
    intercept = f' intercept="{amount:.6g}"' if kind == "brighten" else ""
    funcs = "".join(f'<feFunc{c} type="linear" slope="{1 - amount:.6g}"{intercept}/>' for c in "RGB")
    return f'<feComponentTransfer in="SourceGraphic" {window} result="changed">{funcs}</feComponentTransfer>'


def effect(p, node, device: Affine, style) -> None:
    if node.kind == "pixelate":
        _pixelated(p)
        return
    amount = effects.device_amount(node, device)
    if node.kind == "blur" and amount == 1:
        return
    work = effects.area(node, device, (p.height, p.width), p.clip_box)
    if not work:
        return
    x0, y0 = min(w.x0 for w in work), min(w.y0 for w in work)
    x1, y1 = max(w.x1 for w in work), max(w.y1 for w in work)
    opaque_edge = False
    if node.kind == "blur":
        reach = math.ceil(1.5 * amount)  # three standard deviations
        if x0 < reach or y0 < reach or x1 + reach > p.width or y1 + reach > p.height:
            below = p.beneath()[max(y0 - reach, 0):y1 + reach, max(x0 - reach, 0):x1 + reach, 3]
            opaque_edge = bool((below == 255).all())
    body = (_operation(node.kind, amount, _window(x0, y0, x1, y1), opaque_edge) + _area(work)
            + '<feComposite in="changed" in2="area" operator="in" result="inside"/>'
            + '<feComposite in="SourceGraphic" in2="area" operator="out" result="outside"/>'
            + '<feMerge><feMergeNode in="outside"/><feMergeNode in="inside"/></feMerge>')
    found = p.define("filter", f'filterUnits="userSpaceOnUse" primitiveUnits="userSpaceOnUse" '
                               f'{_window(0, 0, p.width, p.height)} color-interpolation-filters="sRGB"', body)
    p.wrap(f'class="Effect {node.kind}" filter="url(#{found})"')


def pixelated_area(node, device: Affine, size: tuple, clip) -> Optional[tuple]:
    """The pixels a pixelation changes on a ``size`` canvas: ``(covered (h, w) bool, y0,
    x0)``, or None when it changes none."""
    if effects.device_amount(node, device) == 1:
        return None
    work = effects.area(node, device, size, clip)
    return coverage(work) if work else None


def _pixelated(p) -> None:
    """The pixels the Cairo painter gives the area, as one image (the images beneath hold
    the same pixels there: :meth:`SvgPainter.redacted`)."""
    found = p.pixelation()
    if found is None:
        return
    covered, y0, x0, after = found
    h, w = covered.shape
    patch = after[y0:y0 + h, x0:x0 + w].copy()
    patch[~covered] = 0
    p.element("image", f'{_window(x0, y0, x0 + w, y0 + h)} href="{png_uri(patch)}"{PIXELATED} '
                       f'class="Effect pixelate"')


def halo_deviation(reach: int) -> float:
    """The standard deviation of the raster glow's blur (:func:`effects.glow`): ``passes``
    box blurs ``2r + 1`` wide."""
    r = max(1, reach // 3)
    passes = min(3, max(1, reach // r))
    return math.sqrt(passes * r * (r + 1) / 3)


def halo(p, node, device: Affine, style) -> None:
    if not node.count:
        return
    reach = max(1, int(node.radius * effects.device_scale(device)))
    deviation = halo_deviation(reach)
    sigma, m = number(deviation), math.ceil(3 * deviation)
    marks = p.marks(node)
    for piece in effects.pieces(node.regions, device, (p.height, p.width)):
        k = piece.item
        rgba = pick(style.color, k)
        opacity = rgba[3] / 255.0 * float(pick(style.alpha, k))
        if opacity <= 0.0:
            continue
        body = (f'<feGaussianBlur in="SourceGraphic" stdDeviation="{sigma}"/>'
                f'<feComponentTransfer><feFuncA type="table" tableValues="0 {opacity:.4g} {opacity:.4g}"/>'
                f'</feComponentTransfer><feComposite in2="SourceAlpha" operator="out"/>')
        found = p.define("filter", f'filterUnits="userSpaceOnUse" {_window(0, 0, p.width, p.height)} '
                                   f'color-interpolation-filters="sRGB"', body)
        color = paint("fill", (*rgba[:3], 255), 1.0)
        mark = marks[k] if marks else None
        # The raster repeats the canvas's edge pixels outwards: a region at the border goes on past it.
        pad = [m * (piece.y0 == 0), m * (piece.y1 == p.height), m * (piece.x0 == 0), m * (piece.x1 == p.width)]
        where = _window(piece.x0 - pad[2], piece.y0 - pad[0], piece.x1 + pad[3], piece.y1 + pad[1])
        if piece.mask is None:
            p.element("rect", f'{where} {color} filter="url(#{found})"', mark)
            continue
        cover = np.pad(piece.mask, (pad[:2], pad[2:]), mode="edge")
        silhouette = np.zeros(cover.shape + (4,), np.uint8)
        silhouette[cover] = (*rgba[:3], 255)
        p.element("image", f'{where} href="{png_uri(silhouette)}"{PIXELATED} filter="url(#{found})"', mark)
