"""The semantic SVG painter: flattened draw operations written as SVG that explains itself.

Stage two of rendering beside the Cairo painter (:mod:`~scenevis.renderer.painter`), fed
by the same operations (:func:`~scenevis.renderer.flatten.flatten`), so nodes know
nothing about it. It dispatches on node type to one handler per type, in
:mod:`~scenevis.renderer.svg_shapes`, :mod:`~scenevis.renderer.svg_rasters` and
:mod:`~scenevis.renderer.svg_text`, each ``draw(painter, node, device, style)`` as the
Cairo painter's are. What it writes:

- one ``<g id=... class=NAME>`` per named layer (:meth:`scenevis.Scene.named`), nested
  as the layers are; the id is the layer's path joined by ``-`` (made unique);
- one element per item (a ``<rect>``, ``<circle>``, ``<polyline>``, ``<path>``,
  ``<image>``, or a ``<g>`` of a label's box and ``<text>``), carrying the item's
  metadata as ``data-<key>`` attributes and a ``<title>`` (``meta['title']``, else its
  ``label`` or ``class`` and ``score``: ``person 0.87``) that browsers show on hover;
- images as PNG (or JPEG, or the file they were decoded from), each distinct image
  once (in ``<defs>``, placed with ``<use>``);
- text as ``<text>`` in the fonts the Cairo painter uses, at the positions its layout
  gives (selectable and searchable in a browser).

Geometry follows the Cairo painter's rules where they change pixels: boxes and label
edges snapped to whole device pixels (:func:`~scenevis.renderer.shapes.rectangles`),
dash lengths (:func:`~scenevis.renderer.shapes.dash_lengths`), text placement
(:func:`~scenevis.renderer.text.placed`), heatmap resampling
(:func:`~scenevis.renderer.rasters.heat_colors`). Effects change what lies beneath:
the content written before one is wrapped in a group with an SVG filter
(:mod:`~scenevis.renderer.svg_effects`), except pixelation, written as the pixels it
leaves, with the images beneath it holding those pixels in place of their own. A new
node type adds its handler to :data:`HANDLERS`, written with the element helpers of
:class:`SvgPainter` and :mod:`~scenevis.renderer.svg_write`.
"""
from __future__ import annotations

from typing import Optional
from xml.sax.saxutils import escape

import numpy as np

from scenevis import pixels
from scenevis.geometry import Affine, BBox
from scenevis.nodes import Boxes, Circles, Effect, Halo, Lines, Markers, Masks, Points, Polygons, RotatedBoxes, Texts
from scenevis.renderer import svg_effects, svg_marks, svg_rasters, svg_shapes, svg_text
from scenevis.renderer.context import RenderContext
from scenevis.renderer.flatten import DrawOp
from scenevis.renderer.painter import Painter, drawable, image_surface
from scenevis.renderer.svg_write import attribute, data_value, encoded_uri, item_title, jpeg_uri, matrix, number, paint, png_uri
from scenevis.scene import Background, Heatmap, Image

__all__ = ["SvgPainter", "HANDLERS"]

#: Node type -> ``draw(painter, node, device, style)``: one handler per node type.
HANDLERS = {
    Image: svg_rasters.image, Heatmap: svg_rasters.heatmap, Background: svg_shapes.background,
    Masks: svg_rasters.masks, Boxes: svg_shapes.boxes, Points: svg_shapes.points, Circles: svg_shapes.circles,
    Lines: svg_shapes.lines, Polygons: svg_shapes.polygons, Texts: svg_text.texts,
    RotatedBoxes: svg_marks.rotated_boxes, Markers: svg_marks.markers, Effect: svg_effects.effect,
    Halo: svg_effects.halo,
}

_NAMESPACE = "http://www.w3.org/2000/svg"
#: Text laid out as the Cairo painter lays it: no kerning or ligatures (its toy text API
#: applies neither), spaces kept.
_STYLE = "text{white-space:pre;font-kerning:none;font-variant-ligatures:none}"


class SvgPainter:
    """Writes flattened operations through the ``base`` (canvas) transform into an SVG
    document of ``width`` x ``height`` pixels; :meth:`document` returns its text. Images
    are embedded as PNG, or as JPEG of ``image_quality`` when given, or as the file they
    were decoded from when ``sources`` (``(pixels, data, format)``) hold their pixels."""

    def __init__(self, base: Affine, context: RenderContext, width: int, height: int,
                 image_quality: Optional[int] = None, sources: tuple = ()):
        self.base = base
        self.image_quality = image_quality
        self.sources = sources
        self.context = context
        self.width, self.height = width, height
        self.parts: list = []
        self.defs: list = []
        self._rasters: dict = {}   # shape -> [(pixels, id of the image in <defs>)]
        self._clips: dict = {}     # (box, transform) -> id of the clipPath
        self._layers: list = []    # names of the open layer groups, outermost first
        self._layer_ids: set = set()
        self._background: Optional[tuple] = None
        self._defined: dict = {}   # (tag, attributes, body) -> id of the definition
        self._ops: list = []
        self.index = 0
        #: The device box the current operation's clips leave (for effects), or None.
        self.clip_box: Optional[BBox] = None
        #: Operation index -> (covered pixels, their top-left y and x, the canvas after it)
        #: of each pixelation (:mod:`~scenevis.renderer.svg_effects`).
        self._pixelations: dict = {}

    # -- the document ----------------------------------------------------------------------
    def fill_canvas(self, rgba: tuple) -> None:
        self._background = rgba
        self.parts.append(f'<rect width="{self.width}" height="{self.height}" {paint("fill", rgba, 1.0)}/>')

    def paint(self, ops: list[DrawOp]) -> None:
        self._ops = ops
        self._pixelations = self._pixelated_areas(ops)
        for index, op in enumerate(ops):
            self._enter(op.layers)
            draw = HANDLERS.get(type(op.node))
            if draw is None:
                raise TypeError(f"scene: no painter for node type {type(op.node).__name__}")
            self.index = index
            device = self.base @ op.transform
            if not drawable(op, device):
                continue  # seen edge-on: covers no pixel
            if type(op.node) is Effect:  # works on what lies beneath: its clip is a device box
                self.clip_box = self._device_clip(op.clips)
                draw(self, op.node, device, op.style)
                continue
            for box, transform in op.clips:
                self.parts.append(f'<g clip-path="url(#{self._clip(box, transform)})">')
            draw(self, op.node, device, op.style)
            if op.clips:
                self.parts.append("</g>" * len(op.clips))
        self._enter(())

    def _device_clip(self, clips: tuple) -> Optional[BBox]:
        box = None
        for rect, transform in clips:
            placed = rect.transformed(self.base @ transform)
            box = placed if box is None else box & placed
        return box

    def _pixelated_areas(self, ops: list[DrawOp]) -> dict:
        """Each pixelation's covered pixels and the canvas the Cairo painter paints with it."""
        found = {}
        for index, op in enumerate(ops):
            device = self.base @ op.transform
            if type(op.node) is Effect and op.node.kind == "pixelate" and drawable(op, device):
                area = svg_effects.pixelated_area(op.node, device, (self.height, self.width),
                                                  self._device_clip(op.clips))
                if area is not None:
                    found[index] = (*area, self._painted(ops[:index + 1]))
        return found

    def _painted(self, ops: list[DrawOp]) -> np.ndarray:
        """The (H, W, 4) straight-alpha canvas the Cairo painter paints ``ops`` on."""
        surface, buffer = image_surface(self.width, self.height, rgba=True)
        try:
            painter = Painter(surface, self.base, self.context, buffer, opaque=False)
            if self._background is not None:
                painter.fill_canvas(self._background)
            painter.paint(ops)
            surface.flush()
            return pixels.surface_to_rgba(buffer, painter.order)
        finally:
            surface.finish()

    def document(self) -> str:
        head = (f'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="{_NAMESPACE}" width="{self.width}" '
                f'height="{self.height}" viewBox="0 0 {self.width} {self.height}" stroke-miterlimit="10">\n'
                f"<style>{_STYLE}</style>\n")
        defs = "<defs>\n" + "\n".join(self.defs) + "\n</defs>\n" if self.defs else ""
        return head + defs + "\n".join(self.parts) + "\n</svg>\n"

    def _enter(self, layers: tuple) -> None:
        """Close and open layer groups so that ``layers`` are the open ones."""
        keep = 0
        while keep < min(len(layers), len(self._layers)) and layers[keep] == self._layers[keep]:
            keep += 1
        if keep < len(self._layers):
            self.parts.append("</g>" * (len(self._layers) - keep))
            del self._layers[keep:]
        for name in layers[keep:]:
            self._layers.append(name)
            path = "-".join(self._layers)
            unique, k = path, 1
            while unique in self._layer_ids:
                k += 1
                unique = f"{path}-{k}"
            self._layer_ids.add(unique)
            self.parts.append(f'<g id="{unique}" class="{name}">')

    def _clip(self, box: BBox, transform: Affine) -> str:
        key = (box, transform)
        found = self._clips.get(key)
        if found is None:
            found = self._clips[key] = f"clip-{len(self._clips)}"
            self.defs.append(f'<clipPath id="{found}" clipPathUnits="userSpaceOnUse"><rect x="{number(box.x0)}" '
                             f'y="{number(box.y0)}" width="{number(box.width)}" height="{number(box.height)}" '
                             f'transform="{matrix(self.base @ transform)}"/></clipPath>')
        return found

    # -- what handlers use -----------------------------------------------------------------
    def wrap(self, attributes: str) -> None:
        """Put everything written so far in ``<g attributes>`` (an effect on what lies
        beneath); the open layer groups are closed first and reopened by what follows."""
        self._enter(())
        self.parts.insert(0, f"<g {attributes}>")
        self.parts.append("</g>")

    def define(self, tag: str, attributes: str, body: str) -> str:
        """The id of ``<tag attributes>body</tag>`` in ``<defs>``, written once."""
        key = (tag, attributes, body)
        found = self._defined.get(key)
        if found is None:
            found = self._defined[key] = f"{tag}-{len(self._defined)}"
            self.defs.append(f'<{tag} id="{found}" {attributes}>{body}</{tag}>')
        return found

    def beneath(self) -> np.ndarray:
        """The (H, W, 4) straight-alpha canvas the Cairo painter paints before the current operation."""
        return self._painted(self._ops[:self.index])

    def pixelation(self) -> Optional[tuple]:
        """The current pixelation's ``(covered, y0, x0, canvas after it)``, or None."""
        return self._pixelations.get(self.index)

    def redacted(self, rgb: np.ndarray, x: float, y: float, device: Affine) -> np.ndarray:
        """An image's pixels ``rgb`` placed at ``(x, y)`` under ``device``, with every pixel
        whose centre lands in a later pixelation's area replaced by what that pixelation
        leaves there: the file never holds the pixels a pixelation hides."""
        later = [found for index, found in sorted(self._pixelations.items()) if index > self.index]
        if not later:
            return rgb
        out = None
        inverse = device.inverse()
        h, w = rgb.shape[:2]
        for covered, y0, x0, after in later:
            ch, cw = covered.shape
            corners = np.array([[x0, y0], [x0 + cw, y0], [x0, y0 + ch], [x0 + cw, y0 + ch]], np.float64)
            u = inverse.a * corners[:, 0] + inverse.b * corners[:, 1] + inverse.c - x
            v = inverse.d * corners[:, 0] + inverse.e * corners[:, 1] + inverse.f - y
            c0, c1 = max(int(np.floor(u.min())) - 1, 0), min(int(np.ceil(u.max())) + 1, w)
            r0, r1 = max(int(np.floor(v.min())) - 1, 0), min(int(np.ceil(v.max())) + 1, h)
            if c1 <= c0 or r1 <= r0:
                continue
            cols, rows = np.meshgrid(np.arange(c0, c1) + x + 0.5, np.arange(r0, r1) + y + 0.5)
            dx = np.floor(device.a * cols + device.b * rows + device.c).astype(np.int64) - x0
            dy = np.floor(device.d * cols + device.e * rows + device.f).astype(np.int64) - y0
            inside = (dx >= 0) & (dx < cw) & (dy >= 0) & (dy < ch)
            inside[inside] = covered[dy[inside], dx[inside]]
            if not inside.any():
                continue
            if out is None:
                out = rgb.copy()
            out[r0:r1, c0:c1][inside] = after[y0 + dy[inside], x0 + dx[inside], :3]
        return rgb if out is None else out

    def marks(self, node) -> Optional[list]:
        """Per item of ``node``, the text its element carries for its metadata:
        ``data-<key>`` attributes and a ``<title>`` element; None without metadata."""
        meta = getattr(node, "meta", None)
        if not meta:
            return None
        keys = [key for key in meta if key != "title"]
        columns = {key: column.tolist() for key, column in meta.items()}
        # Items whose values are equal get the same text, worked out once; a column of
        # floats (0.0 == -0.0, written differently) or objects makes every item its own.
        exact = all(column.dtype.kind in "biuSU" for column in meta.values())
        found: dict = {}
        out = []
        rows = zip(*columns.values()) if exact else range(node.count)
        for i, row in enumerate(rows):
            mark = found.get(row)
            if mark is None:
                values = {key: column[i] for key, column in columns.items()}
                data = "".join(f" data-{key}={attribute(data_value(values[key]))}" for key in keys)
                title = item_title(values)
                mark = found[row] = (data, "" if title is None else f"<title>{escape(title)}</title>")
            out.append(mark)
        return out

    def element(self, tag: str, attributes: str, mark: Optional[tuple] = None, body: str = "") -> None:
        """Write ``<tag attributes>``, with item metadata ``mark`` (from :meth:`marks`) and
        ``body`` inside."""
        data, title = mark if mark is not None else ("", "")
        if not title and not body:
            self.parts.append(f"<{tag} {attributes}{data}/>")
        else:
            self.parts.append(f"<{tag} {attributes}{data}>{title}{body}</{tag}>")

    def raster(self, rgb: np.ndarray) -> str:
        """The id of an image holding ``rgb`` (H, W, 3) in ``<defs>``, written the first
        time these pixels are seen, so a picture shown twice is stored once. Pixels are
        compared only with earlier images of the same shape (a photo drawn once is never
        hashed or compared)."""
        seen = self._rasters.setdefault(rgb.shape, [])
        for earlier, found in seen:
            if earlier is rgb or np.array_equal(earlier, rgb):
                return found
        found = f"image-{sum(len(v) for v in self._rasters.values())}"
        seen.append((rgb, found))
        h, w = rgb.shape[:2]
        source = next(((data, kind) for pixels, data, kind in self.sources
                       if pixels is rgb or (pixels.shape == rgb.shape and np.array_equal(pixels, rgb))), None)
        if source is not None:
            uri = encoded_uri(*source)
        else:
            uri = png_uri(rgb) if self.image_quality is None else jpeg_uri(rgb, self.image_quality)
        self.defs.append(f'<image id="{found}" width="{w}" height="{h}" href="{uri}"/>')
        return found
