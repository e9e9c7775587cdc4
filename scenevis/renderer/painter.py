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
from scenevis.resampling import resize
from scenevis.geometry import Affine
from scenevis.nodes import Boxes, Circles, Lines, Masks, Points, Polygons, Texts
from scenevis.renderer import coverage, pixels
from scenevis.renderer.flatten import DrawOp
from scenevis.renderer.text import Fonts
from scenevis.scene import Background, Heatmap, Image
from scenevis.style import DASHES

__all__ = ["Painter", "buffer_shape", "image_surface", "vector_surface"]


#: Heatmaps are resampled to at most this many device pixels per side before coloring.
_MAX_HEAT_SIDE = 4096
#: A dashed stroke needing more dashes than this is drawn solid (see ``Painter._set_dash``).
_MAX_DASHES = 20_000


def _format(rgba: bool):
    return cairo.FORMAT_ARGB32 if rgba else cairo.FORMAT_RGB24


def buffer_shape(width: int, height: int, rgba: bool) -> tuple:
    """The shape of the uint8 buffer under a ``width`` x ``height`` image surface: rows
    are Cairo's stride long, so the last axis holds the 4 bytes of one pixel."""
    return (height, cairo.ImageSurface.format_stride_for_width(_format(rgba), width) // 4, 4)


def image_surface(width: int, height: int, rgba: bool, buffer: Optional[np.ndarray] = None) -> tuple:
    """A Cairo image surface over a numpy buffer: ``(surface, buffer (H, W, 4))``.

    ``buffer`` (of :func:`buffer_shape`) is painted into when given, keeping whatever
    pixels it held; otherwise a new zeroed one is made.
    """
    shape = buffer_shape(width, height, rgba)
    if buffer is None:
        buffer = np.zeros(shape, np.uint8)
    elif buffer.shape != shape or buffer.dtype != np.uint8 or not buffer.flags.c_contiguous:
        raise ValueError(f"buffer: expected a C-contiguous uint8 array of shape {shape}, got {buffer.shape}")
    surface = cairo.ImageSurface.create_for_data(memoryview(buffer).cast("B"), _format(rgba), width, height,
                                                 shape[1] * 4)
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


_HALIGN = {"left": 0.0, "center": 0.5, "right": 1.0}
#: Text layouts shared by every render (see Painter._texts); emptied past the limit.
_LAYOUTS: dict = {}
_LAYOUT_LIMIT = 50_000


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
    surface; the numpy fast paths use it. Image surfaces are painted with red and blue
    exchanged (``order`` is :data:`pixels.SWAPPED`: every color handed to Cairo has its
    red and blue swapped), so their memory is R, G, B, A and converts to and from RGB
    fast; read the buffer back with ``pixels.surface_to_rgb(buffer, painter.order)``.
    """

    def __init__(self, surface, base: Affine, buffer: Optional[np.ndarray] = None):
        self.surface = surface
        self.ctx = cairo.Context(surface)
        self.base = base
        self.buffer = buffer
        self._swap = buffer is not None
        self.order = pixels.SWAPPED if self._swap else pixels.NATIVE
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
        """Set every pixel to ``rgba`` (opaque fills of image surfaces in numpy)."""
        if self.buffer is not None and rgba[3] == 255:
            self.surface.flush()
            if pixels.fill_opaque(self.buffer, rgba, self.order):
                self.surface.mark_dirty()
                return
        r, g, b, a = (c / 255.0 for c in rgba)
        ctx = self.ctx
        ctx.save()
        ctx.set_operator(cairo.OPERATOR_SOURCE)
        ctx.set_source_rgba(*((b, g, r) if self._swap else (r, g, b)), a)
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
        r, b = (2, 0) if self._swap else (0, 2)
        self.ctx.set_source_rgba(rgba[r] / 255.0, rgba[1] / 255.0, rgba[b] / 255.0, a)
        return True

    def _pen(self, style, i: int, scale: float = 1.0) -> bool:
        """Set color, width and dashes of item i's stroke (width times ``scale``); False
        when nothing shows."""
        width = float(_pick(style.width, i)) * scale
        if width <= 0.0 or not self._source(_pick(style.color, i), float(_pick(style.alpha, i))):
            return False
        ctx = self.ctx
        ctx.set_line_width(width)
        self._set_dash(_pick(style.dash, i), width)
        return True

    def _set_dash(self, name: str, width: float) -> None:
        """Dash the current path's stroke. Dashes scale with the line width (as matplotlib's
        do) but never shrink below one device pixel, and a path that would need more than
        ``_MAX_DASHES`` dashes is stroked solid: a hair-thin dashed outline of a huge shape
        would otherwise keep Cairo busy for minutes."""
        ctx = self.ctx
        pattern = DASHES[name]
        if not pattern:
            ctx.set_dash([])
            return
        unit = max(width, math.hypot(*ctx.device_to_user_distance(1.0, 0.0)))
        x0, y0, x1, y1 = ctx.path_extents()
        if 2.0 * ((x1 - x0) + (y1 - y0)) > _MAX_DASHES * sum(pattern) * unit:
            ctx.set_dash([])
            return
        ctx.set_dash([d * unit for d in pattern])

    def _fill_then_stroke(self, style, i: int) -> None:
        ctx = self.ctx
        if self._source(_pick(style.fill, i), float(_pick(style.alpha, i))):
            ctx.fill_preserve()
        if self._pen(style, i):
            ctx.stroke()
        else:
            ctx.new_path()

    def covers_canvas(self, op: DrawOp) -> bool:
        """True when ``op`` is an unclipped image written 1:1 over every pixel of the image
        surface (so filling the canvas first would be wasted)."""
        if self.buffer is None or op.clips or type(op.node) is not Image:
            return False
        offset = self._pixel_offset(self.base @ op.transform @ Affine.translation(op.node.x, op.node.y))
        return offset is not None and pixels.covers(self.buffer.shape[:2], op.node.pixels.shape[:2], offset)

    def _pixel_offset(self, device: Affine) -> Optional[tuple]:
        """Integer (x, y) when ``device`` maps rasters 1:1 onto the image surface's pixels."""
        if self.buffer is None or self._clipped:
            return None
        return device.whole_pixel_shift()

    # -- rasters ---------------------------------------------------------------------------
    def _image(self, node: Image, device: Affine, style) -> None:
        offset = self._pixel_offset(device @ Affine.translation(node.x, node.y))
        if offset is not None:
            self.surface.flush()
            pixels.rgb_into_surface(self.buffer, node.pixels, *offset, order=self.order)
            self.surface.mark_dirty()
            return
        h, w = node.pixels.shape[:2]
        bgra = np.empty((h, w, 4), np.uint8)
        pixels.rgb_into_surface(bgra, node.pixels, order=self.order)
        self.ctx.translate(node.x, node.y)
        self.ctx.rectangle(0, 0, w, h)
        self.ctx.set_source(_raster_pattern(bgra, cairo.FORMAT_RGB24, smooth=True))
        self.ctx.fill()

    def _heatmap(self, node: Heatmap, device: Affine, style) -> None:
        values = node.normalized()
        box = node.extent
        if node.smooth and device.is_axis_aligned:
            # Resample the values, not the colors: between blue and red, jet passes through
            # green and yellow, which interpolating colored pixels would skip.
            out_h = min(max(1, math.ceil(box.height * abs(device.e))), _MAX_HEAT_SIDE)
            out_w = min(max(1, math.ceil(box.width * abs(device.a))), _MAX_HEAT_SIDE)
            if (out_h, out_w) != values.shape:
                values = resize(values, (out_h, out_w))
        lut = colormaps.lut(node.cmap)
        index = np.rint(values * 255).astype(np.uint8)
        alpha = np.full(index.shape, round(node.alpha * 255), np.uint8)
        bgra = pixels.premultiplied_bgra(lut[index], alpha, self.order)
        h, w = index.shape
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
            pixels.blend_masks(self.buffer, node.masks.crops, node.masks.boxes, colors, alphas, *offset,
                               order=self.order)
            self.surface.mark_dirty()
            return
        ctx = self.ctx
        for k, (x0, y0, x1, y1) in enumerate(node.masks.boxes.tolist()):
            color = _pick(colors, k)
            a = round(float(_pick(alphas, k)) * color[3])
            if x1 <= x0 or a == 0:
                continue
            plane = node.masks.crops[k].astype(np.uint8) * np.uint8(a)
            rgb = np.broadcast_to(np.asarray(color[:3], np.uint8), plane.shape + (3,))
            ctx.save()
            ctx.translate(node.x + x0, node.y + y0)
            ctx.rectangle(0, 0, x1 - x0, y1 - y0)
            bgra = pixels.premultiplied_bgra(rgb, plane, self.order)
            ctx.set_source(_raster_pattern(bgra, cairo.FORMAT_ARGB32, smooth=False))
            ctx.fill()
            ctx.restore()

    def _background(self, node: Background, device: Affine, style) -> None:
        box = node.extent
        self.ctx.rectangle(box.x0, box.y0, box.width, box.height)
        if self._source(node.color[0], 1.0):
            self.ctx.fill()
        self.ctx.new_path()

    # -- vector shapes -----------------------------------------------------------------------
    def _sources(self, colors, alphas, n: int) -> list:
        """Item i's Cairo source ``(r, g, b, a)`` in 0-1 (red and blue exchanged on image
        surfaces), or None where it is invisible; :meth:`_source`'s arithmetic, for all
        items at once."""
        rgba = np.asarray(colors, np.float64)
        alphas = np.asarray(alphas, np.float64)
        table = np.empty((max(len(rgba), len(alphas)), 4))
        r, b = (2, 0) if self._swap else (0, 2)
        table[:, 0], table[:, 1], table[:, 2] = rgba[:, r] / 255.0, rgba[:, 1] / 255.0, rgba[:, b] / 255.0
        table[:, 3] = rgba[:, 3] / 255.0 * alphas
        if len(table) == 1:
            return [tuple(table[0].tolist()) if table[0, 3] > 0.0 else None] * n
        if (table[:, 3] > 0.0).all():
            return list(map(tuple, table.tolist()))
        return [tuple(row) if row[3] > 0.0 else None for row in table.tolist()]

    def _boxes(self, node: Boxes, device: Affine, style) -> None:
        """Item by item in painter's order (fill, then stroke), with every per-item number
        worked out in numpy first and Cairo state set only when it changes."""
        n = node.count
        if not n:
            return
        ctx = self.ctx
        snap = device.is_axis_aligned
        widths = np.broadcast_to(np.asarray(style.width, np.float64), (n,))
        if snap:  # draw in device space on whole pixels, so edges stay crisp
            ctx.identity_matrix()
            corners = np.stack([device.apply(node.xyxy[:, :2]), device.apply(node.xyxy[:, 2:])], axis=1)
            lo, hi = np.minimum(corners[:, 0], corners[:, 1]), np.maximum(corners[:, 0], corners[:, 1])
            widths = widths * math.sqrt(abs(device.a * device.e))
            whole = np.rint(widths)
            half = np.where((whole % 2 == 1) & (np.abs(widths - whole) < 1e-6), 0.5, 0.0)[:, None]
            lo, hi = np.rint(lo) + half, np.rint(hi) + half
        else:
            lo, hi = node.xyxy[:, :2], node.xyxy[:, 2:]
        rects = np.concatenate([lo, hi - lo], axis=1).tolist()
        fills = self._sources(style.fill, style.alpha, n)
        strokes = self._sources(style.color, style.alpha, n)
        dashes = list(style.dash) * n if len(style.dash) == 1 else list(style.dash)
        current, pen = None, None
        for rect, fill, stroke, width, dash in zip(rects, fills, strokes, widths.tolist(), dashes):
            ctx.rectangle(*rect)
            if fill is not None:
                if fill != current:
                    ctx.set_source_rgba(*fill)
                    current = fill
                ctx.fill_preserve()
            if width > 0.0 and stroke is not None:
                if stroke != current:
                    ctx.set_source_rgba(*stroke)
                    current = stroke
                if (width, dash) != pen:
                    ctx.set_line_width(width)
                    self._set_dash(dash, width)
                    pen = (width, dash) if not DASHES[dash] else None  # dashes depend on the path
                ctx.stroke()
            else:
                ctx.new_path()

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
        """Even-odd filled, then stroked. On image surfaces, a polygon that would keep
        Cairo's tessellator busy (many vertices, or edges crossing each other everywhere)
        is drawn from its scanline coverage instead (:mod:`scenevis.renderer.coverage`:
        bounded time, solid strokes with square joins)."""
        ctx = self.ctx
        ctx.set_fill_rule(cairo.FILL_RULE_EVEN_ODD)
        for i in range(node.count):
            rings = [node.points[node.rings[r]:node.rings[r + 1]] for r in range(node.polys[i], node.polys[i + 1])]
            if self.buffer is not None:
                placed = [device.apply(ring) for ring in rings]
                if coverage.needs_scanlines(placed, self.buffer.shape[0]):
                    size = self.buffer.shape[:2]
                    alpha = float(_pick(style.alpha, i))
                    width = float(_pick(style.width, i)) * math.sqrt(abs(device.a * device.e - device.b * device.d))
                    for kind in ("fill", "stroke"):
                        if kind == "fill" and self._source(_pick(style.fill, i), alpha):
                            cover = coverage.fill(placed, size)
                        elif kind == "stroke" and width > 0 and self._source(_pick(style.color, i), alpha):
                            cover = coverage.stroke(placed, width, size)
                        else:
                            continue
                        if cover is not None:
                            h, w = cover.alpha.shape
                            stride = cairo.ImageSurface.format_stride_for_width(cairo.FORMAT_A8, w)
                            data = np.zeros((h, stride), np.uint8)
                            data[:, :w] = cover.alpha
                            mask = cairo.ImageSurface.create_for_data(memoryview(data).cast("B"), cairo.FORMAT_A8,
                                                                      w, h, stride)
                            ctx.save()
                            ctx.identity_matrix()
                            ctx.mask_surface(mask, cover.x, cover.y)
                            ctx.restore()
                    continue
            for ring in rings:
                self._path(ring, close=True)
            self._fill_then_stroke(style, i)

    def _texts(self, node: Texts, device: Affine, style) -> None:
        """Item by item (background, edge, then text, so a later label covers an earlier
        one). Layouts are cached across renders by string, family, size and the current
        transform's linear part (labels such as ``person 0.87`` recur frame after frame);
        a one-line, one-font string is drawn with one ``show_text``."""
        n = node.count
        if not n:
            return
        ctx, fonts = self.ctx, self.fonts
        family = style.font_family
        matrix = ctx.get_matrix()
        linear = (family, matrix.xx, matrix.yx, matrix.xy, matrix.yy)
        if len(_LAYOUTS) > _LAYOUT_LIMIT:
            _LAYOUTS.clear()
        sizes = np.broadcast_to(np.asarray(style.font_size, np.float64), (n,)).tolist()
        haligns = list(style.halign) * n if len(style.halign) == 1 else style.halign
        valigns = list(style.valign) * n if len(style.valign) == 1 else style.valign
        inks = self._sources(style.color, style.alpha, n)
        boxed = node.background is not None or node.background_edge is not None
        if boxed:
            pads = np.broadcast_to(np.asarray(node.pad, np.float64), (n,)).tolist()
            fills = self._sources(node.background, (1.0,), n) if node.background is not None else [None] * n
            edges = self._sources(node.background_edge, (1.0,), n) if node.background_edge is not None else [None] * n
        for i, (text, size, (x, y)) in enumerate(zip(node.strings, sizes, node.xy.tolist())):
            if not text or size <= 0:
                continue
            block = _LAYOUTS.get((text, size, linear))
            if block is None:
                block = _LAYOUTS[(text, size, linear)] = fonts.layout(text, family, size)
            valign = valigns[i]
            left = x - block.width * _HALIGN[haligns[i]]
            top = y - (0.0 if valign == "top" else block.ascent if valign == "baseline"
                       else block.height / 2 if valign == "center" else block.height)
            if boxed:
                pad = pads[i]
                ctx.rectangle(left - pad, top - pad, block.width + 2 * pad, block.height + 2 * pad)
                if fills[i] is not None:
                    ctx.set_source_rgba(*fills[i])
                    ctx.fill_preserve()
                if edges[i] is not None:
                    ctx.set_source_rgba(*edges[i])
                    ctx.set_line_width(1.0)
                    ctx.set_dash([])
                    ctx.stroke()
                ctx.new_path()
            if inks[i] is not None:
                ctx.set_source_rgba(*inks[i])
                if len(block.lines) == 1 and len(block.lines[0]) == 1:
                    run_family, chunk, _ = block.lines[0][0]
                    fonts.use(run_family, size)
                    ctx.move_to(left, top + block.ascent)
                    ctx.show_text(chunk)
                else:
                    fonts.draw(block, left, top, size, haligns[i])
