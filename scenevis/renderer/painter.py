"""Stage two of rendering: the one painter, for image, SVG and PDF surfaces.

It dispatches on node type (nodes know nothing about it) to the drawing functions of
:mod:`~scenevis.renderer.shapes`, :mod:`~scenevis.renderer.rasters` and
:mod:`~scenevis.renderer.text`. On image surfaces, rasters (images, masks) that land on
whole pixels are written straight into the surface's memory with numpy; everywhere else
they go through Cairo patterns, so vector output and scaled renders see the same picture.

The painter has a second mode for scenes made only of such rasters over an image that
covers the canvas (:func:`paints_in_numpy`): it then paints into the (H, W, 3) RGB output
array itself, with the same drawing functions and pixel code, and no Cairo surface.
"""
from __future__ import annotations

import contextlib
import math
from typing import Optional

import cairo
import numpy as np

from scenevis import pixels
from scenevis.geometry import Affine
from scenevis.geometry import BBox
from scenevis.nodes import Boxes, Circles, Effect, Halo, Lines, Markers, Masks, Points, Polygons, RotatedBoxes, Texts
from scenevis.renderer import effects, marks, rasters, shapes, text
from scenevis.renderer.context import RenderContext
from scenevis.renderer.flatten import DrawOp
from scenevis.renderer.fonts import font_options
from scenevis.renderer.shapes import dash_lengths, pick
from scenevis.scene import Background, Heatmap, Image
from scenevis.style import DASHES

__all__ = ["Painter", "paints_in_numpy", "covering_offset", "buffer_shape", "image_surface", "vector_surface", "drawable"]

_DRAW = {
    Image: rasters.image, Heatmap: rasters.heatmap, Background: rasters.background, Masks: rasters.masks,
    Boxes: shapes.boxes, Points: shapes.points, Circles: shapes.circles, Lines: shapes.lines,
    Polygons: shapes.polygons, Texts: text.texts, RotatedBoxes: marks.rotated_boxes, Markers: marks.markers,
    Halo: rasters.halo, Effect: lambda p, node, device, style: p.apply_effect(node, device),
}


def _invertible(transform: Affine) -> bool:
    """False for a transform that collapses the plane onto a line or a point (what it maps
    covers no pixel); a ``ValueError`` for one beyond floating point."""
    det = transform.a * transform.e - transform.b * transform.d
    if not math.isfinite(det):
        raise ValueError(f"transform: expected a scale floating point can hold, got a determinant of {det}")
    return det != 0.0


def drawable(op: DrawOp, device: Affine) -> bool:
    """False for an operation whose ``device`` transform or a clip's collapses the plane
    (it covers no pixel): painters skip it."""
    return all([_invertible(device)] + [_invertible(transform) for _, transform in op.clips])


def _format(rgba: bool):
    return cairo.FORMAT_ARGB32 if rgba else cairo.FORMAT_RGB24


def buffer_shape(width: int, height: int, rgba: bool) -> tuple:
    """The shape of the uint8 buffer under a ``width`` x ``height`` image surface: rows
    are Cairo's stride long, so the last axis holds the 4 bytes of one pixel."""
    return (height, cairo.ImageSurface.format_stride_for_width(_format(rgba), width) // 4, 4)


def image_surface(width: int, height: int, rgba: bool, buffer: Optional[np.ndarray] = None) -> tuple:
    """A Cairo image surface over a numpy buffer: ``(surface, buffer (H, W, 4))``.

    ``buffer`` (of :func:`buffer_shape`, or with longer rows: another library's padded
    frame) is painted into when given, keeping whatever pixels it held; otherwise a new
    zeroed one is made.
    """
    shape = buffer_shape(width, height, rgba)
    if buffer is None:
        buffer = np.zeros(shape, np.uint8)
    elif (buffer.shape[0] != shape[0] or buffer.shape[1] < shape[1] or buffer.shape[2:] != (4,)
          or buffer.dtype != np.uint8 or not buffer.flags.c_contiguous):
        raise ValueError(f"buffer: expected a C-contiguous uint8 array of shape {shape} (rows may be longer), "
                         f"got {buffer.shape}")
    surface = cairo.ImageSurface.create_for_data(memoryview(buffer).cast("B"), _format(rgba), width, height,
                                                 buffer.shape[1] * 4)
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


_PDF_INFO = {"title": cairo.PDFMetadata.TITLE, "subject": cairo.PDFMetadata.SUBJECT,
             "keywords": cairo.PDFMetadata.KEYWORDS, "creator": cairo.PDFMetadata.CREATOR}


def set_pdf_info(surface, info: dict) -> None:
    """Write ``info`` (``title``, ``subject``, ``keywords``, ``creator``: text) into the
    document information of a PDF surface."""
    for key, value in info.items():
        surface.set_metadata(_PDF_INFO[key], value)


def raster_offset(device: Affine, node) -> Optional[tuple]:
    """Integer (x, y) where a raster node's top-left pixel lands when ``device`` maps it
    1:1 onto whole pixels, or None (what ``(device @ translation(x, y)).whole_pixel_shift()``
    gives, without building the product)."""
    if not device.is_translation:
        return None
    x, y = device.c + node.x, device.f + node.y
    if x != round(x) or y != round(y):
        return None
    return int(x), int(y)


def _raster_offset(op: DrawOp, base: Affine) -> Optional[tuple]:
    """Integer (x, y) where an unclipped raster lands 1:1 on the canvas pixels, or None."""
    return None if op.clips else raster_offset(base @ op.transform, op.node)


def paints_in_numpy(ops: list[DrawOp], base: Affine, canvas: tuple) -> bool:
    """True when ``ops`` are images and masks landing on whole pixels, and effects, the
    first an image covering the ``canvas = (height, width)``: the painter's numpy mode can
    draw them."""
    if not ops or type(ops[0].node) is not Image:
        return False
    for op in ops:
        kind = type(op.node)
        if kind is Effect:
            if op.clips:
                return False
        elif kind not in (Image, Masks) or _raster_offset(op, base) is None:
            return False
    return covering_offset(ops[0], base, canvas) is not None


def covering_offset(op: DrawOp, base: Affine, canvas: tuple) -> Optional[tuple]:
    """Integer (x, y) of ``op``'s top-left pixel when it is an unclipped image landing on
    whole pixels over every pixel of the ``canvas = (height, width)``, else None."""
    if type(op.node) is not Image:
        return None
    offset = _raster_offset(op, base)
    return offset if offset is not None and pixels.covers(canvas, op.node.pixels.shape[:2], offset) else None


class Painter:
    """Draws flattened operations through the ``base`` (canvas) transform onto a Cairo
    ``surface``, or, in numpy mode (``surface=None``), into ``buffer``, an (H, W, 3) RGB array.

    ``buffer`` is the image surface's memory as an (H, W, 4) array when there is one; the
    numpy fast paths use it. Image surfaces are painted with red and blue exchanged
    (``order`` is :data:`pixels.SWAPPED`, :func:`pixels.cairo_channels`), so their memory is
    R, G, B, A and converts to and from RGB fast; read the buffer back with
    ``pixels.surface_to_rgb(buffer, painter.order)``.
    """

    def __init__(self, surface, base: Affine, context: RenderContext, buffer: Optional[np.ndarray] = None,
                 size: Optional[tuple] = None, opaque: bool = True):
        self.surface = surface
        self.base = base
        self.context = context
        self.buffer = buffer
        #: The canvas (height, width) in device pixels.
        self.size = buffer.shape[:2] if buffer is not None else size
        #: False when the buffer holds premultiplied alpha (an RGBA render).
        self.opaque = opaque
        #: True when the buffer is an RGB24 surface's memory: Cairo never reads the fourth
        #: byte of its pixels, so pixels pasted there leave it undefined.
        self.rgb24 = isinstance(surface, cairo.ImageSurface) and surface.get_format() == cairo.FORMAT_RGB24
        self.clip_box: Optional[BBox] = None
        self.ops: list = []
        self.index = 0
        self.background: Optional[tuple] = None
        self.order = pixels.SWAPPED if buffer is not None else pixels.NATIVE
        self.channels = pixels.cairo_channels(self.order)
        self.clipped = False
        self.font = (None, None)
        self.ctx = None
        if surface is not None:
            self.ctx = cairo.Context(surface)
            self.ctx.set_font_options(font_options())
            self.ctx.set_line_join(cairo.LINE_JOIN_MITER)

    def fill_canvas(self, rgba: tuple) -> None:
        """Set every pixel to ``rgba`` (opaque fills of image surfaces in numpy)."""
        if self.buffer is not None and rgba[3] == 255:
            with self.raw_pixels():
                if pixels.fill_opaque(self.buffer, rgba, self.order):
                    return
        self.background = tuple(rgba)
        r, g, b = (rgba[i] / 255.0 for i in self.channels)
        ctx = self.ctx
        ctx.save()
        ctx.set_operator(cairo.OPERATOR_SOURCE)
        ctx.set_source_rgba(r, g, b, rgba[3] / 255.0)
        ctx.paint()
        ctx.restore()

    def paint(self, ops: list[DrawOp]) -> None:
        ctx = self.ctx
        self.ops = ops
        for index, op in enumerate(ops):
            draw = _DRAW.get(type(op.node))
            if draw is None:
                raise TypeError(f"scene: no painter for node type {type(op.node).__name__}")
            device = self.base @ op.transform
            if not drawable(op, device):
                continue  # seen edge-on: a scene collapsed onto a line or a point covers no pixel
            self.index = index
            self.clip_box = self._device_clip(op.clips) if op.clips else None
            if ctx is None:
                draw(self, op.node, device, op.style)
                continue
            if op.clips:
                ctx.save()
                for box, transform in op.clips:
                    ctx.set_matrix(cairo.Matrix(*(self.base @ transform).as_tuple()))
                    ctx.rectangle(box.x0, box.y0, box.width, box.height)
                    ctx.clip()
            self.clipped = bool(op.clips)
            ctx.set_matrix(cairo.Matrix(*device.as_tuple()))
            draw(self, op.node, device, op.style)
            if op.clips:
                ctx.restore()
                self.font = (None, None)

    def _device_clip(self, clips: tuple) -> BBox:
        box = None
        for rect, transform in clips:
            placed = rect.transformed(self.base @ transform)
            box = placed if box is None else box & placed
        return box

    # -- effects -----------------------------------------------------------------------------
    def apply_effect(self, node: Effect, device: Affine) -> None:
        """Apply an effect to what is painted below it: in the buffer when there is one;
        on a vector surface, to a raster of everything painted before it (at one pixel
        per device unit), whose changed pixels are then painted as an image."""
        if self.buffer is not None:
            with self.raw_pixels():
                effects.apply(node, device, self.buffer, self.rgb_channels(), self.alpha_channel(), self.clip_box)
            return
        height, width = self.size
        below, patch = image_surface(width, height, rgba=True)
        painter = Painter(below, self.base, self.context, patch, opaque=False)
        if self.background is not None:
            painter.fill_canvas(self.background)
        painter.paint(self.ops[:self.index])
        below.flush()
        before = patch.copy()
        effects.apply(node, device, patch, painter.rgb_channels(), painter.alpha_channel(), self.clip_box)
        changed = (patch != before).any(axis=2)
        rows, cols = np.flatnonzero(changed.any(axis=1)), np.flatnonzero(changed.any(axis=0))
        if not len(rows):
            return
        y0, y1, x0, x1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
        native = np.zeros((y1 - y0, x1 - x0, 4), np.uint8)
        for src, dst in zip(painter.order, pixels.NATIVE):
            native[..., dst] = patch[y0:y1, x0:x1, src]
        native[~changed[y0:y1, x0:x1]] = 0
        below.finish()
        self.paint_device_raster(native, x0, y0)

    def paint_device_raster(self, argb: np.ndarray, x: int, y: int, mask: bool = False) -> None:
        """Paint a premultiplied ARGB32 raster (NATIVE order) with its top-left at device
        pixel ``(x, y)``; with ``mask``, an A8 plane used as a mask of the current source."""
        h, w = argb.shape[:2]
        fmt = cairo.FORMAT_A8 if mask else cairo.FORMAT_ARGB32
        stride = cairo.ImageSurface.format_stride_for_width(fmt, w)
        data = np.zeros((h, stride), np.uint8)
        data[:, :argb.shape[1] * (1 if mask else 4)] = argb.reshape(h, -1)
        surface = cairo.ImageSurface.create_for_data(memoryview(data).cast("B"), fmt, w, h, stride)
        ctx = self.ctx
        ctx.save()
        ctx.identity_matrix()
        if mask:
            ctx.mask_surface(surface, x, y)
        else:
            ctx.set_source_surface(surface, x, y)
            ctx.rectangle(x, y, w, h)
            ctx.fill()
        ctx.restore()

    def rgb_channels(self) -> tuple:
        return (0, 1, 2) if self.buffer.shape[2] == 3 else tuple(self.order[:3])

    def alpha_channel(self) -> Optional[int]:
        return None if self.opaque or self.buffer.shape[2] == 3 else self.order[3]

    # -- state shared by the drawing functions --------------------------------------------
    @contextlib.contextmanager
    def raw_pixels(self):
        """Around numpy writes into the image surface's memory (Cairo flushed, then told)."""
        if self.surface is None:
            yield
            return
        self.surface.flush()
        yield
        self.surface.mark_dirty()

    def pixel_offset(self, device: Affine, node) -> Optional[tuple]:
        """Integer (x, y) of a raster node's top-left pixel on the buffer when ``device``
        maps it 1:1 onto the buffer's pixels, else None."""
        if self.buffer is None or self.clipped:
            return None
        return raster_offset(device, node)

    def covers_canvas(self, op: DrawOp) -> bool:
        """True when ``op`` is an unclipped image written 1:1 over every pixel of the image
        surface (so filling the canvas first would be wasted)."""
        return self.buffer is not None and covering_offset(op, self.base, self.buffer.shape[:2]) is not None

    def use_font(self, family: str, size: float) -> None:
        if self.font != (family, size):
            self.context.fonts.set_font(self.ctx, family, size)
            self.font = (family, size)

    def sources(self, colors, alphas, n: int) -> list:
        """Item i's Cairo source ``(r, g, b, a)`` in 0-1 (in the surface's channel order),
        or None where it is invisible, for ``n`` items from 1 or n colors and alphas."""
        if len(colors) == 1 and not colors[0][3]:  # no fill: known without the table's dozen numpy calls
            return [None] * n
        rgba = np.asarray(colors)
        alphas = np.asarray(alphas, np.float64)
        if len(alphas) == 1 and alphas[0] == 1.0:  # the colors as they are, in half the numpy calls
            table = rgba[:, self.channels + (3,)] / 255.0
        else:
            table = np.empty((max(len(rgba), len(alphas)), 4))
            table[:, :3] = rgba[:, list(self.channels)] / 255.0
            table[:, 3] = rgba[:, 3] / 255.0 * alphas
        if len(table) == 1:
            return [tuple(table[0].tolist()) if table[0, 3] > 0.0 else None] * n
        if (table[:, 3] > 0.0).all():
            return list(map(tuple, table.tolist()))
        return [tuple(row) if row[3] > 0.0 else None for row in table.tolist()]

    def source(self, rgba, alpha: float) -> bool:
        """Set one color as the source (:meth:`sources` for one item); False when it
        would be invisible."""
        a = rgba[3] / 255.0 * alpha
        if a <= 0.0:
            return False
        r, g, b = self.channels
        self.ctx.set_source_rgba(rgba[r] / 255.0, rgba[g] / 255.0, rgba[b] / 255.0, a)
        return True

    def pen(self, style, i: int) -> bool:
        """Set color, width and dashes of item i's stroke; False when nothing shows."""
        width = float(pick(style.width, i))
        if width <= 0.0 or not self.source(pick(style.color, i), float(pick(style.alpha, i))):
            return False
        self.ctx.set_line_width(width)
        self.set_dash(pick(style.dash, i), width)
        return True

    def set_dash(self, name: str, width: float) -> None:
        """Dash the current path's stroke by :func:`~scenevis.renderer.shapes.dash_lengths`."""
        ctx = self.ctx
        if not DASHES[name]:
            ctx.set_dash([])
            return
        pixel = math.hypot(*ctx.device_to_user_distance(1.0, 0.0))
        ctx.set_dash(dash_lengths(name, width, pixel, ctx.path_extents()))

    def fill_then_stroke(self, style, i: int) -> None:
        ctx = self.ctx
        if self.source(pick(style.fill, i), float(pick(style.alpha, i))):
            ctx.fill_preserve()
        if self.pen(style, i):
            ctx.stroke()
        else:
            ctx.new_path()
