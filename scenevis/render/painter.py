"""Stage two of rendering: the one Cairo painter, for image, SVG and PDF surfaces.

The only module that imports ``cairo``. It dispatches on node type (nodes know nothing
about it). On image surfaces, rasters (images, masks) that land on whole pixels are
written straight into the surface's memory with numpy; everywhere else they go through
Cairo patterns, so vector output and scaled renders see the same picture.
"""
from __future__ import annotations

import math
from typing import Optional

import cairo
import numpy as np

from scenevis import colormaps
from scenevis.geometry import Affine
from scenevis.nodes import Boxes, Circles, Lines, Masks, Points, Polygons, Texts
from scenevis.render import pixels
from scenevis.render.flatten import DrawOp
from scenevis.render.text import Fonts
from scenevis.scene import Background, Heatmap, Image
from scenevis.style import DASHES

__all__ = ["Painter", "image_surface", "vector_surface"]


def image_surface(width: int, height: int, rgba: bool) -> tuple:
    """A Cairo image surface over a fresh numpy buffer: ``(surface, buffer (H, W, 4))``."""
    fmt = cairo.FORMAT_ARGB32 if rgba else cairo.FORMAT_RGB24
    stride = cairo.ImageSurface.format_stride_for_width(fmt, width)
    buffer = np.zeros((height, stride // 4, 4), np.uint8)
    surface = cairo.ImageSurface.create_for_data(memoryview(buffer).cast("B"), fmt, width, height, stride)
    return surface, buffer[:, :width]


def vector_surface(kind: str, target, width: float, height: float):
    """An SVG or PDF surface writing to ``target`` (a path or a binary file object)."""
    if kind == "svg":
        surface = cairo.SVGSurface(target, width, height)
        surface.set_document_unit(cairo.SVGUnit.PX)
        return surface
    if kind == "pdf":
        return cairo.PDFSurface(target, width, height)
    raise ValueError(f"kind: expected 'svg' or 'pdf', got {kind!r}")


def _pick(values, i: int):
    return values[0] if len(values) == 1 else values[i]


def _matrix(affine: Affine) -> cairo.Matrix:
    return cairo.Matrix(*affine.as_tuple())


def _raster_pattern(bgra: np.ndarray, fmt, smooth: bool) -> cairo.SurfacePattern:
    h, w = bgra.shape[:2]
    data = np.ascontiguousarray(bgra)
    surface = cairo.ImageSurface.create_for_data(memoryview(data).cast("B"), fmt, w, h, w * 4)
    pattern = cairo.SurfacePattern(surface)
    pattern.set_filter(cairo.FILTER_BILINEAR if smooth else cairo.FILTER_NEAREST)
    pattern.set_extend(cairo.EXTEND_PAD)
    return pattern


class Painter:
    """Draws flattened operations onto one Cairo surface through ``base`` (canvas) transform.

    ``buffer`` is the surface's memory as an (H, W, 4) array when the surface is an image
    surface; the numpy fast paths use it.
    """

    def __init__(self, surface, base: Affine, buffer: Optional[np.ndarray] = None):
        self.surface = surface
        self.ctx = cairo.Context(surface)
        self.base = base
        self.buffer = buffer
        self._clipped = False
        self.fonts = Fonts(self.ctx)
        options = cairo.FontOptions()
        options.set_antialias(cairo.ANTIALIAS_GRAY)
        options.set_hint_style(cairo.HINT_STYLE_SLIGHT)
        options.set_hint_metrics(cairo.HINT_METRICS_OFF)
        self.ctx.set_font_options(options)
        self.ctx.set_line_join(cairo.LINE_JOIN_MITER)
        self._handlers = {
            Image: self._image, Heatmap: self._heatmap, Background: self._background,
            Boxes: self._boxes, Points: self._points, Circles: self._circles, Lines: self._lines,
            Polygons: self._polygons, Masks: self._masks, Texts: self._texts,
        }

    def fill_canvas(self, rgba: tuple) -> None:
        ctx = self.ctx
        ctx.save()
        ctx.set_operator(cairo.OPERATOR_SOURCE)
        ctx.set_source_rgba(*(c / 255.0 for c in rgba))
        ctx.paint()
        ctx.restore()

    def paint(self, ops: list[DrawOp]) -> None:
        ctx = self.ctx
        for op in ops:
            handler = self._handlers.get(type(op.node))
            if handler is None:
                raise TypeError(f"scene: no painter for node type {type(op.node).__name__}")
            if op.clips:
                ctx.save()
                for box, transform in op.clips:
                    ctx.set_matrix(_matrix(self.base @ transform))
                    ctx.rectangle(box.x0, box.y0, box.width, box.height)
                    ctx.clip()
            self._clipped = bool(op.clips)
            device = self.base @ op.transform
            ctx.set_matrix(_matrix(device))
            handler(op.node, device, op.style)
            if op.clips:
                ctx.restore()
                self.fonts.forget_current()

    # -- helpers -------------------------------------------------------------------------
    def _source(self, rgba, alpha: float) -> bool:
        """Set the source color; False when it would be invisible."""
        a = rgba[3] / 255.0 * alpha
        if a <= 0.0:
            return False
        self.ctx.set_source_rgba(rgba[0] / 255.0, rgba[1] / 255.0, rgba[2] / 255.0, a)
        return True

    def _pen(self, style, i: int, scale: float = 1.0) -> bool:
        """Set color, width and dashes of item i's stroke (width times ``scale``); False
        when nothing shows."""
        width = float(_pick(style.width, i)) * scale
        if width <= 0.0 or not self._source(_pick(style.color, i), float(_pick(style.alpha, i))):
            return False
        ctx = self.ctx
        ctx.set_line_width(width)
        pattern = DASHES[_pick(style.dash, i)]
        ctx.set_dash([d * width for d in pattern] if pattern else [])
        return True

    def _fill_then_stroke(self, style, i: int) -> None:
        ctx = self.ctx
        if self._source(_pick(style.fill, i), float(_pick(style.alpha, i))):
            ctx.fill_preserve()
        if self._pen(style, i):
            ctx.stroke()
        else:
            ctx.new_path()

    def _pixel_offset(self, device: Affine) -> Optional[tuple]:
        """Integer (x, y) when ``device`` maps rasters 1:1 onto the image surface's pixels."""
        if self.buffer is None or self._clipped or not device.is_translation:
            return None
        if device.c != round(device.c) or device.f != round(device.f):
            return None
        return int(device.c), int(device.f)

    # -- rasters ---------------------------------------------------------------------------
    def _image(self, node: Image, device: Affine, style) -> None:
        offset = self._pixel_offset(device @ Affine.translation(node.x, node.y))
        if offset is not None:
            self.surface.flush()
            pixels.rgb_into_surface(self.buffer, node.pixels, *offset)
            self.surface.mark_dirty()
            return
        h, w = node.pixels.shape[:2]
        bgra = np.empty((h, w, 4), np.uint8)
        pixels.rgb_into_surface(bgra, node.pixels)
        self.ctx.translate(node.x, node.y)
        self.ctx.rectangle(0, 0, w, h)
        self.ctx.set_source(_raster_pattern(bgra, cairo.FORMAT_RGB24, smooth=True))
        self.ctx.fill()

    def _heatmap(self, node: Heatmap, device: Affine, style) -> None:
        lut = colormaps.lut(node.cmap)
        index = np.rint(node.normalized() * 255).astype(np.uint8)
        alpha = np.full(index.shape, round(node.alpha * 255), np.uint8)
        bgra = pixels.premultiplied_bgra(lut[index], alpha)
        h, w = index.shape
        box = node.extent
        ctx = self.ctx
        ctx.rectangle(box.x0, box.y0, box.width, box.height)
        ctx.translate(box.x0, box.y0)
        ctx.scale(box.width / w, box.height / h)
        ctx.set_source(_raster_pattern(bgra, cairo.FORMAT_ARGB32, node.smooth))
        ctx.fill()

    def _masks(self, node: Masks, device: Affine, style) -> None:
        if not node.count:
            return
        colors, alphas = style.color, style.alpha
        offset = self._pixel_offset(device @ Affine.translation(node.x, node.y))
        if offset is not None:
            self.surface.flush()
            pixels.blend_masks(self.buffer, node.masks, node.item_boxes, colors, alphas, *offset)
            self.surface.mark_dirty()
            return
        ctx = self.ctx
        for k, (x0, y0, x1, y1) in enumerate(node.item_boxes):
            color = _pick(colors, k)
            a = round(float(_pick(alphas, k)) * color[3])
            if x1 <= x0 or a == 0:
                continue
            plane = node.masks[k, y0:y1, x0:x1].astype(np.uint8) * np.uint8(a)
            rgb = np.broadcast_to(np.asarray(color[:3], np.uint8), plane.shape + (3,))
            ctx.save()
            ctx.translate(node.x + x0, node.y + y0)
            ctx.rectangle(0, 0, x1 - x0, y1 - y0)
            ctx.set_source(_raster_pattern(pixels.premultiplied_bgra(rgb, plane), cairo.FORMAT_ARGB32, smooth=False))
            ctx.fill()
            ctx.restore()

    def _background(self, node: Background, device: Affine, style) -> None:
        box = node.extent
        self.ctx.rectangle(box.x0, box.y0, box.width, box.height)
        if self._source(node.color[0], 1.0):
            self.ctx.fill()
        self.ctx.new_path()

    # -- vector shapes -----------------------------------------------------------------------
    def _boxes(self, node: Boxes, device: Affine, style) -> None:
        ctx = self.ctx
        snap = device.is_axis_aligned
        if snap:  # draw in device space on whole pixels, so edges stay crisp
            ctx.identity_matrix()
            corners = np.stack([device.apply(node.xyxy[:, :2]), device.apply(node.xyxy[:, 2:])], axis=1)
            lo, hi = np.minimum(corners[:, 0], corners[:, 1]), np.maximum(corners[:, 0], corners[:, 1])
            scale = math.sqrt(abs(device.a * device.e))
        for i in range(node.count):
            if snap:
                width = float(_pick(style.width, i)) * scale
                half = 0.5 if round(width) % 2 == 1 and abs(width - round(width)) < 1e-6 else 0.0
                x0, y0 = np.rint(lo[i]) + half
                x1, y1 = np.rint(hi[i]) + half
                ctx.rectangle(x0, y0, x1 - x0, y1 - y0)
                if self._source(_pick(style.fill, i), float(_pick(style.alpha, i))):
                    ctx.fill_preserve()
                if self._pen(style, i, scale):
                    ctx.stroke()
                else:
                    ctx.new_path()
            else:
                x0, y0, x1, y1 = node.xyxy[i]
                ctx.rectangle(x0, y0, x1 - x0, y1 - y0)
                self._fill_then_stroke(style, i)

    def _points(self, node: Points, device: Affine, style) -> None:
        ctx = self.ctx
        for i in range(node.count):
            x, y = node.xy[i]
            ctx.new_sub_path()
            ctx.arc(x, y, float(_pick(node.radius, i)), 0.0, 2 * math.pi)
            if self._source(_pick(style.color, i), float(_pick(style.alpha, i))):
                ctx.fill()
            ctx.new_path()

    def _circles(self, node: Circles, device: Affine, style) -> None:
        ctx = self.ctx
        for i in range(node.count):
            x, y = node.centers[i]
            ctx.new_sub_path()
            ctx.arc(x, y, float(_pick(node.radii, i)), 0.0, 2 * math.pi)
            self._fill_then_stroke(style, i)

    def _path(self, points: np.ndarray, close: bool) -> None:
        ctx = self.ctx
        ctx.move_to(*points[0])
        for x, y in points[1:]:
            ctx.line_to(x, y)
        if close:
            ctx.close_path()

    def _lines(self, node: Lines, device: Affine, style) -> None:
        ctx = self.ctx
        ctx.set_line_cap(cairo.LINE_CAP_BUTT)
        for i in range(node.count):
            self._path(node.points[node.offsets[i]:node.offsets[i + 1]], close=False)
            if self._pen(style, i):
                ctx.stroke()
            ctx.new_path()

    def _polygons(self, node: Polygons, device: Affine, style) -> None:
        ctx = self.ctx
        ctx.set_fill_rule(cairo.FILL_RULE_EVEN_ODD)
        for i in range(node.count):
            for r in range(node.polys[i], node.polys[i + 1]):
                self._path(node.points[node.rings[r]:node.rings[r + 1]], close=True)
            self._fill_then_stroke(style, i)

    def _texts(self, node: Texts, device: Affine, style) -> None:
        ctx, fonts = self.ctx, self.fonts
        family = style.font_family
        for i in range(node.count):
            text = node.strings[i]
            if not text:
                continue
            size = float(_pick(style.font_size, i))
            if size <= 0:
                continue
            block = fonts.layout(text, family, size)
            x, y = node.xy[i]
            halign, valign = _pick(style.halign, i), _pick(style.valign, i)
            left = x - block.width * {"left": 0.0, "center": 0.5, "right": 1.0}[halign]
            top = y - {"top": 0.0, "center": block.height / 2, "bottom": block.height,
                       "baseline": block.ascent}[valign]
            if node.background is not None or node.background_edge is not None:
                pad = float(_pick(node.pad, i))
                ctx.rectangle(left - pad, top - pad, block.width + 2 * pad, block.height + 2 * pad)
                if node.background is not None and self._source(_pick(node.background, i), 1.0):
                    ctx.fill_preserve()
                if node.background_edge is not None and self._source(_pick(node.background_edge, i), 1.0):
                    ctx.set_line_width(1.0)
                    ctx.set_dash([])
                    ctx.stroke()
                ctx.new_path()
            if self._source(_pick(style.color, i), float(_pick(style.alpha, i))):
                fonts.draw(block, left, top, size, halign)
