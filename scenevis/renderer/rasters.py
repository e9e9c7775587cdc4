"""The painter's rasters: images, heatmaps, masks and backgrounds.

Images and masks that land on whole pixels of the painter's buffer (an image surface's
memory, or the RGB array of the numpy mode) are written with :mod:`scenevis.pixels`;
everything else goes through Cairo patterns. Heavy pixel work is vectorized numpy.
"""
from __future__ import annotations

import math

import cairo
import numpy as np

from scenevis import colormaps, pixels
from scenevis.renderer import effects
from scenevis.geometry import Affine, BBox
from scenevis.renderer.shapes import pick
from scenevis.resampling import resize

__all__ = ["image", "heat_colors", "heatmap", "masks", "background", "halo"]

#: Heatmaps are resampled to at most this many device pixels per side before coloring.
_MAX_HEAT_SIDE = 4096


def _pattern(bgra: np.ndarray, fmt, smooth: bool) -> cairo.SurfacePattern:
    h, w = bgra.shape[:2]
    data = np.ascontiguousarray(bgra)
    surface = cairo.ImageSurface.create_for_data(memoryview(data).cast("B"), fmt, w, h, w * 4)
    pattern = cairo.SurfacePattern(surface)
    pattern.set_filter(cairo.FILTER_BILINEAR if smooth else cairo.FILTER_NEAREST)
    pattern.set_extend(cairo.EXTEND_PAD)
    return pattern


def image(p, node, device: Affine, style) -> None:
    offset = p.pixel_offset(device, node)
    if offset is not None:
        with p.raw_pixels():
            pixels.paste_rgb(p.buffer, node.pixels, *offset, order=p.order, alpha=not p.rgb24)
        return
    h, w = node.pixels.shape[:2]
    x0, y0, x1, y1 = _visible(p, device, node, w, h)
    bgra = np.empty((y1 - y0, x1 - x0, 4), np.uint8)
    pixels.paste_rgb(bgra, node.pixels[y0:y1, x0:x1], order=p.order, alpha=False)  # an RGB24 pattern
    pattern = _pattern(bgra, cairo.FORMAT_RGB24, smooth=True)
    pattern.set_matrix(cairo.Matrix(x0=-x0, y0=-y0))
    p.ctx.translate(node.x, node.y)
    p.ctx.rectangle(0, 0, w, h)
    p.ctx.set_source(pattern)
    p.ctx.fill()


def _visible(p, device: Affine, node, w: int, h: int) -> tuple:
    """``(x0, y0, x1, y1)``: the image's pixels that can show on a raster canvas (its
    clip box, if any), with a margin of 2 pixels for the bilinear filter, so a zoomed
    inset converts its region, not the whole picture; the whole image elsewhere."""
    if p.buffer is None:
        return 0, 0, w, h
    height, width = p.size
    view = BBox(0.0, 0.0, float(width), float(height))
    if p.clip_box is not None:
        view = view & p.clip_box
    if view.is_empty:
        return 0, 0, w, h
    box = view.transformed((device @ Affine.translation(node.x, node.y)).inverse())
    x0, y0 = max(int(math.floor(box.x0)) - 2, 0), max(int(math.floor(box.y0)) - 2, 0)
    x1, y1 = min(int(math.ceil(box.x1)) + 2, w), min(int(math.ceil(box.y1)) + 2, h)
    return (x0, y0, x1, y1) if x1 > x0 and y1 > y0 else (0, 0, w, h)


def heat_colors(node, device: Affine) -> tuple:
    """``(rgb, alpha)``: a heatmap's (h, w, 3) colors and (h, w) opacities as drawn under
    ``device``. A smooth map on an axis-aligned transform is resampled to the device
    pixels it covers first (at most ``_MAX_HEAT_SIDE`` a side), its values, not its colors:
    between blue and red, jet passes through green and yellow, which interpolating
    colored pixels would skip."""
    values = node.normalized()
    box = node.extent
    if node.smooth and device.is_axis_aligned:
        out_h = min(max(1, math.ceil(box.height * abs(device.e))), _MAX_HEAT_SIDE)
        out_w = min(max(1, math.ceil(box.width * abs(device.a))), _MAX_HEAT_SIDE)
        if (out_h, out_w) != values.shape:
            values = resize(values, (out_h, out_w))
    index = np.rint(values * 255).astype(np.uint8)
    return colormaps.lut(node.cmap)[index], np.full(index.shape, round(node.alpha * 255), np.uint8)


def heatmap(p, node, device: Affine, style) -> None:
    rgb, alpha = heat_colors(node, device)
    bgra = pixels.premultiplied(rgb, alpha, p.order)
    box = node.extent
    h, w = alpha.shape
    ctx = p.ctx
    ctx.rectangle(box.x0, box.y0, box.width, box.height)
    ctx.translate(box.x0, box.y0)
    ctx.scale(box.width / w, box.height / h)
    ctx.set_source(_pattern(bgra, cairo.FORMAT_ARGB32, node.smooth))
    ctx.fill()


def masks(p, node, device: Affine, style) -> None:
    if not node.count:
        return
    colors, alphas = style.color, style.alpha
    offset = p.pixel_offset(device, node)
    if offset is not None:
        with p.raw_pixels():
            pixels.blend_masks(p.buffer, node.masks.crops, node.masks.boxes, colors, alphas, *offset, order=p.order)
        return
    ctx = p.ctx
    colors, alphas = colors.tolist(), alphas.tolist()
    for k, (x0, y0, x1, y1) in enumerate(node.masks.boxes.tolist()):
        color = pick(colors, k)
        a = round(float(pick(alphas, k)) * color[3])
        if x1 <= x0 or a == 0:
            continue
        ctx.save()
        ctx.translate(node.x + x0, node.y + y0)
        ctx.rectangle(0, 0, x1 - x0, y1 - y0)
        ctx.set_source(_pattern(pixels.premultiplied_mask(node.masks.crops[k], color, a, p.order), cairo.FORMAT_ARGB32,
                                smooth=False))
        ctx.fill()
        ctx.restore()


def background(p, node, device: Affine, style) -> None:
    box = node.extent
    p.ctx.rectangle(box.x0, box.y0, box.width, box.height)
    if p.source(node.color[0], 1.0):
        p.ctx.fill()
    p.ctx.new_path()


def halo(p, node, device: Affine, style) -> None:
    """Each region's glow (:func:`scenevis.renderer.effects.glow`) as a Cairo mask of its
    color, in device pixels (so vector output gets it as a soft mask too)."""
    if not node.count:
        return
    size = p.size
    reach = max(1, int(node.radius * effects.device_scale(device)))
    for piece in effects.pieces(node.regions, device, size):
        k = piece.item
        if not p.source(pick(style.color, k), float(pick(style.alpha, k))):
            continue
        alpha, y0, x0 = effects.glow(piece, reach, size)
        p.paint_device_raster(np.rint(alpha * 255).astype(np.uint8), x0, y0, mask=True)
