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
- images as PNG, each distinct image once (in ``<defs>``, placed with ``<use>``);
- text as ``<text>`` in the fonts the Cairo painter uses, at the positions its layout
  gives (selectable and searchable in a browser).

Geometry follows the Cairo painter's rules where they change pixels: boxes and label
edges snapped to whole device pixels (:func:`~scenevis.renderer.shapes.rectangles`),
dash lengths (:func:`~scenevis.renderer.shapes.dash_lengths`), text placement
(:func:`~scenevis.renderer.text.placed`), heatmap resampling
(:func:`~scenevis.renderer.rasters.heat_colors`). A node type without a handler is
written as the pixels it changes, painted by the Cairo painter (exact, but one image
instead of elements per item); a new node type adds its handler to :data:`HANDLERS`,
written with the element helpers of :class:`SvgPainter` and
:mod:`~scenevis.renderer.svg_write`.
"""
from __future__ import annotations

import hashlib
from typing import Optional
from xml.sax.saxutils import escape, quoteattr

import numpy as np

from scenevis import pixels
from scenevis.geometry import Affine, BBox
from scenevis.nodes import Boxes, Circles, Lines, Masks, Points, Polygons, Texts
from scenevis.renderer import svg_rasters, svg_shapes, svg_text
from scenevis.renderer.svg_rasters import PIXELATED
from scenevis.renderer.context import RenderContext
from scenevis.renderer.flatten import DrawOp
from scenevis.renderer.painter import Painter, image_surface
from scenevis.renderer.svg_write import data_value, item_title, jpeg_uri, matrix, number, paint, png_uri
from scenevis.scene import Background, Heatmap, Image

__all__ = ["SvgPainter", "HANDLERS"]

#: Node type -> ``draw(painter, node, device, style)``: one handler per node type.
HANDLERS = {
    Image: svg_rasters.image, Heatmap: svg_rasters.heatmap, Background: svg_shapes.background,
    Masks: svg_rasters.masks, Boxes: svg_shapes.boxes, Points: svg_shapes.points, Circles: svg_shapes.circles,
    Lines: svg_shapes.lines, Polygons: svg_shapes.polygons, Texts: svg_text.texts,
}

_NAMESPACE = "http://www.w3.org/2000/svg"
#: Text laid out as the Cairo painter lays it: no kerning or ligatures (its toy text API
#: applies neither), spaces kept.
_STYLE = "text{white-space:pre;font-kerning:none;font-variant-ligatures:none}"


class SvgPainter:
    """Writes flattened operations through the ``base`` (canvas) transform into an SVG
    document of ``width`` x ``height`` pixels; :meth:`document` returns its text. Images
    are embedded as PNG, or as JPEG of ``image_quality`` when given."""

    def __init__(self, base: Affine, context: RenderContext, width: int, height: int,
                 image_quality: Optional[int] = None):
        self.base = base
        self.image_quality = image_quality
        self.context = context
        self.width, self.height = width, height
        self.parts: list = []
        self.defs: list = []
        self._rasters: dict = {}   # content key -> id of the image in <defs>
        self._clips: dict = {}     # (box, transform) -> id of the clipPath
        self._layers: list = []    # names of the open layer groups, outermost first
        self._layer_ids: set = set()
        self._background: Optional[tuple] = None

    # -- the document ----------------------------------------------------------------------
    def fill_canvas(self, rgba: tuple) -> None:
        self._background = rgba
        self.parts.append(f'<rect width="{self.width}" height="{self.height}" {paint("fill", rgba, 1.0)}/>')

    def paint(self, ops: list[DrawOp]) -> None:
        for index, op in enumerate(ops):
            self._enter(op.layers)
            draw = HANDLERS.get(type(op.node))
            if draw is None:
                self._changed_pixels(ops, index)
                continue
            for box, transform in op.clips:
                self.parts.append(f'<g clip-path="url(#{self._clip(box, transform)})">')
            draw(self, op.node, self.base @ op.transform, op.style)
            if op.clips:
                self.parts.append("</g>" * len(op.clips))
        self._enter(())

    def _changed_pixels(self, ops: list[DrawOp], index: int) -> None:
        """A node type without an SVG handler: the pixels it changes, as the Cairo painter
        paints the canvas up to it and then with it, embedded as one image in device
        pixels (what lies beneath included, for effects that work on it). Exact at the
        scale written, but no per-item elements: a handler in :data:`HANDLERS` does better."""
        before, after = self._painted(ops[:index]), self._painted(ops[:index + 1])
        changed = (before != after).any(axis=2)
        rows, cols = np.flatnonzero(changed.any(axis=1)), np.flatnonzero(changed.any(axis=0))
        if not len(rows):
            return
        y0, y1, x0, x1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
        patch = after[y0:y1, x0:x1].copy()
        patch[~changed[y0:y1, x0:x1]] = 0
        node = ops[index].node
        self.element("image", f'x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}" href="{png_uri(patch)}"'
                              f'{PIXELATED} class="{type(node).__name__}"')

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
    def marks(self, node) -> Optional[list]:
        """Per item of ``node``, the text its element carries for its metadata:
        ``data-<key>`` attributes and a ``<title>`` element; None without metadata."""
        meta = getattr(node, "meta", None)
        if not meta:
            return None
        keys = [key for key in meta if key != "title"]
        columns = {key: column.tolist() for key, column in meta.items()}
        out = []
        for i in range(node.count):
            values = {key: column[i] for key, column in columns.items()}
            data = "".join(f" data-{key}={quoteattr(data_value(values[key]))}" for key in keys)
            title = item_title(values)
            out.append((data, "" if title is None else f"<title>{escape(title)}</title>"))
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
        time these pixels are seen, so a picture shown twice is stored once."""
        key = (rgb.shape, hashlib.blake2b(np.ascontiguousarray(rgb).data, digest_size=16).digest())
        found = self._rasters.get(key)
        if found is None:
            found = self._rasters[key] = f"image-{len(self._rasters)}"
            h, w = rgb.shape[:2]
            uri = png_uri(rgb) if self.image_quality is None else jpeg_uri(rgb, self.image_quality)
            self.defs.append(f'<image id="{found}" width="{w}" height="{h}" href="{uri}"/>')
        return found


