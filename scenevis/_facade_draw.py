"""The ``draw_*`` calls of :class:`scenevis.visualizer.Visualizer`.

Layer 7. Each call only normalizes its arguments by MMEngine's rules
(:mod:`scenevis._facade_args`), builds scene nodes and appends them to one of the
visualizer's layers (:data:`LAYERS`), then returns the visualizer. The methods live on
:class:`DrawCalls`, a base class of ``Visualizer``, which holds the state they use
(``_append``, ``_lock``, ``_layers``, ``_mask_marks``, sizes and the dpi).
"""
from __future__ import annotations

import contextlib
import warnings
from typing import Any, List, Optional, Sequence, Tuple, TypeVar, Union

import numpy as np

from scenevis import _facade_args as args
from scenevis._arrays import coords
from scenevis.colors import is_one_color
from scenevis.errors import VisualizerValueError, facade_errors
from scenevis.nodes import Boxes, Circles, Lines, Masks, Points, Polygons, Texts, rotated_boxes
from scenevis.scene import Empty, Group, Scene
from scenevis.style import Style

__all__ = ["DrawCalls", "LAYERS", "items_of"]

_V = TypeVar("_V", bound="DrawCalls")  # the visualizer a draw call returns

_BASE, _PATCHES, _LINES, _TEXTS = range(4)

# matplotlib aligns a text line by the box of "lp" (0.760 em above the baseline to 0.208
# em below with DejaVu), the scene core by the font's ascent and descent (0.928 and 0.236
# em). Moving the anchor by these em fractions puts the baseline where MMEngine puts it.
_VALIGN_SHIFT = {"top": -(0.9282 - 0.7598), "bottom": 0.2358 - 0.2080,
                 "center": -((0.9282 - 0.2358) - (0.7598 - 0.2080)) / 2, "baseline": 0.0}
#: The layers in drawing order: the image (with masks blended in), patches, lines, texts.
LAYERS = (_BASE, _PATCHES, _LINES, _TEXTS)


@contextlib.contextmanager
def _named_as(**names: str):
    """Rewrite the argument name at the start of a scene node's error message to the
    facade's name for it (``boxes: ...`` becomes ``bboxes: ...``)."""
    try:
        yield
    except (TypeError, ValueError) as err:
        message = str(err)
        for core, ours in names.items():
            if message.startswith((core + ":", core + "[", core + " ")):
                raise type(err)(ours + message[len(core):]) from err
        raise


def items_of(layer: Scene) -> tuple:
    """The nodes appended to a layer, in order."""
    if isinstance(layer, Empty):
        return ()
    return layer.children if isinstance(layer, Group) and layer.is_plain else (layer,)


class DrawCalls:
    """MMEngine's ``draw_*`` methods over the visualizer's layers."""

    def _require_image(self) -> None:
        if self._image is None:
            raise VisualizerValueError("image: no image to draw on; call set_image(image) first")

    @property
    def _px(self) -> float:
        """Pixels per point."""
        return self.dpi / 72.0

    def _warn_outside(self, points: np.ndarray, what: str, kind: Optional[str] = None) -> None:
        """One ``UserWarning`` when any of ``points`` lies outside the image. With ``kind``
        (``'bbox'``, ``'text'``, ...) the message starts with MMEngine's sentence for it, so
        code matching MMEngine's text still matches (``filterwarnings(message=...)``
        matches from the start of the message)."""
        if args.outside(points, self.width, self.height):
            message = f"{what}: some geometry lies outside the {self.width}x{self.height} image; what is outside is clipped"
            if kind is not None:
                message = f"Warning: The {kind} is out of bounds, the drawn {kind} may not be in the image ({message})"
            warnings.warn(message, UserWarning, stacklevel=4)

    def _clamped_widths(self, line_widths: Any, n: int) -> np.ndarray:
        widths = args.per_item_numbers(line_widths, n, "line_widths")
        return np.clip(widths, 1.0, max(self._default_font_size / 4, 1.0)) * self._px

    def _stroke_style(self, n: int, edge_colors: Any, line_styles: Any, widths: np.ndarray,
                      face_colors: Any, alpha: Any) -> Style:
        dashes, visible = args.line_styles(line_styles, n)
        if not visible.all():
            widths = widths * visible
        return Style(
            color=args.per_item_colors(edge_colors, n, "edge_colors"),
            fill=None if face_colors is None else args.per_item_colors(face_colors, n, "face_colors"),
            alpha=alpha,
            width=widths, dash=dashes[:1] if len(set(dashes)) == 1 else dashes,
        )

    # -- drawing -------------------------------------------------------------------------------
    @facade_errors
    def draw_points(self: _V, positions: Any, colors: Any = "g", marker: Optional[str] = None,
                    sizes: Any = None) -> _V:
        """Filled dots at (N, 2) ``positions``; ``sizes`` is matplotlib's marker area in
        points² (default 36), ``marker`` ``None``, ``'o'`` or ``'.'`` (others are drawn as
        dots with a warning)."""
        self._require_image()
        if marker not in (None, "o", "."):
            if not isinstance(marker, str):
                raise TypeError(f"marker: expected None or a str, got {type(marker).__name__}")
            warnings.warn(f"marker: {marker!r} is drawn as a dot ('o')", UserWarning, stacklevel=3)
        with _named_as(points="positions", radius="sizes"):
            node = Points(positions)
            n = node.count
            areas = np.array([36.0]) if sizes is None else args.per_item_numbers(sizes, n, "sizes", 0.0)
            # The marker's diameter is sqrt(area) points ('.' is half that); matplotlib
            # strokes scatter markers with a 1.5 pt edge of the face color on top.
            diameter = np.sqrt(areas) * (0.5 if marker == "." else 1.0)
            radius = (diameter / 2 + np.where(areas > 0, 0.75, 0.0)) * self._px
            node = node.replace(radius=radius, style=Style(color=args.per_item_colors(colors, n, "colors")))
        self._warn_outside(node.xy, "positions")
        return self._append(_PATCHES, node)

    @facade_errors
    def draw_texts(self: _V, texts: Union[str, List[str]], positions: Any, font_sizes: Any = None,
                   colors: Any = "g", vertical_alignments: Any = "top", horizontal_alignments: Any = "left",
                   font_families: Any = "sans-serif", bboxes: Any = None,
                   font_properties: Any = None) -> _V:
        """Strings at (N, 2) ``positions``. ``font_sizes`` are points (default
        ``max(sqrt(H * W) // 90, 10)``); ``bboxes`` are matplotlib bbox dicts
        (``facecolor``, ``edgecolor``, ``alpha``, ``pad`` in points)."""
        self._require_image()
        node = Texts(texts, positions)  # the strings and positions, checked once
        n, xy = node.count, node.xy
        for name, value in (("font_sizes", font_sizes), ("vertical_alignments", vertical_alignments),
                            ("horizontal_alignments", horizontal_alignments), ("font_families", font_families),
                            ("bboxes", bboxes), ("font_properties", font_properties)):
            args.one_per_item(value, n, name)
        args.one_per_item(colors, n, "colors", single=is_one_color(colors))
        sizes_pt = args.per_item_numbers(self._default_font_size if font_sizes is None else font_sizes, n,
                                         "font_sizes", 0.0, 4096 / self._px)
        colors = args.per_item_colors(colors, n, "colors")
        valign = args.alignments(vertical_alignments, n, "vertical_alignments", vertical=True)
        halign = args.alignments(horizontal_alignments, n, "horizontal_alignments", vertical=False)
        families = args.strings_for(font_families, n, "font_families")
        if font_properties is None or isinstance(font_properties, (list, tuple)):
            props = list(font_properties or [None])
            props = args.count_list(props, n, "font_properties") if n else props
        else:
            props = [font_properties]
        seen: dict = {}  # a family and its properties are resolved once per call
        resolved = []
        for i in range(n):
            family, prop = families[i % len(families)], props[i % len(props)]
            key = (family, id(prop))
            if key not in seen:
                seen[key] = args.font_family_of(family, prop, i)
            resolved.append(seen[key])
        boxes = args.text_bboxes(bboxes, n, sizes_pt, self._px, self._parsed_bboxes)
        if n == 0:
            return self
        self._warn_outside(xy, "positions", "text")
        sizes_px = np.broadcast_to(sizes_pt * self._px, (n,))
        shift = np.array([_VALIGN_SHIFT[v] for v in valign]) if len(set(valign)) > 1 else _VALIGN_SHIFT[valign[0]]
        xy = xy + np.stack([np.zeros(n), shift * sizes_px], axis=1)
        nodes = []
        used = dict.fromkeys(resolved)
        for family in used:
            if len(used) == 1:  # one family: every item
                idx, chosen = slice(None), range(n)
            else:
                chosen = [i for i in range(n) if resolved[i] == family]
                idx = np.array(chosen)
            style = Style(color=colors[idx] if len(colors) > 1 else colors, font_size=sizes_px[idx],
                          font_family=family, halign=[halign[i] for i in chosen], valign=[valign[i] for i in chosen])
            face = edge = pad = None
            if boxes is not None:
                face, edge, pad = (part[idx] for part in boxes)
            strings = node.strings if len(used) == 1 else tuple(node.strings[i] for i in chosen)
            nodes.append(node.replace(strings=strings, xy=xy[idx], style=style, background=face,
                                      background_edge=edge, pad=2.0 if pad is None else pad))
        return self._append(_TEXTS, *nodes)

    @facade_errors
    def draw_lines(self: _V, x_datas: Any, y_datas: Any, colors: Any = "g", line_styles: Any = "-",
                   line_widths: Any = 2) -> _V:
        """Segments from (N, 2) ``x_datas`` (x1, x2) and ``y_datas`` (y1, y2); widths in points."""
        self._require_image()
        xs = coords(x_datas, "x_datas", (None, 2), (2,), columns=2)
        ys = coords(y_datas, "y_datas", (None, 2), (2,), columns=2)
        if xs.shape != ys.shape:
            raise ValueError(f"y_datas: expected the shape of x_datas {xs.shape}, got {ys.shape}")
        segments = np.stack([xs, ys], axis=-1)
        n = len(segments)
        widths = args.per_item_numbers(line_widths, n, "line_widths", 0.0)
        style = self._stroke_style(n, colors, line_styles, widths * self._px, None, None)
        with _named_as(width="line_widths", color="colors"):
            node = Lines(segments.reshape(-1, 2), np.arange(0, 2 * n + 1, 2), style)
        self._warn_outside(segments, "lines", "line")
        return self._append(_LINES, node)

    @facade_errors
    def draw_circles(self: _V, center: Any, radius: Any, edge_colors: Any = "g", line_styles: Any = "-",
                     line_widths: Any = 2, face_colors: Any = "none", alpha: Union[float, int] = 0.8) -> _V:
        """Circles at (N, 2) ``center`` with (N,) ``radius`` in pixels."""
        self._require_image()
        with _named_as(centers="center", radii="radius", width="line_widths"):
            node = Circles(center, radius)
            n = node.count
            node = node.replace(style=self._stroke_style(n, edge_colors, line_styles,
                                                         self._clamped_widths(line_widths, n), face_colors, alpha))
        xy = node.centers
        r = np.broadcast_to(node.radii, (n,))[:, None] if n else np.zeros((0, 1))
        self._warn_outside(np.concatenate([xy - r, xy + r]), "circles", "circle")
        return self._append(_PATCHES, node)

    @facade_errors
    def draw_bboxes(self: _V, bboxes: Any, edge_colors: Any = "g", line_styles: Any = "-", line_widths: Any = 2,
                    face_colors: Any = "none", alpha: Union[float, int] = 0.8) -> _V:
        """Boxes from (N, 4) or (4,) ``x1, y1, x2, y2`` with ``x1 <= x2`` and ``y1 <= y2``."""
        self._require_image()
        with _named_as(boxes="bboxes", width="line_widths"):
            node = Boxes(bboxes)
            n = node.count
            # Whole-pixel widths: matplotlib's Agg snaps axis-aligned edges to pixel centres, so
            # MMEngine's 2.78 px edge shows as a crisp 3 px one; Boxes snaps odd integer widths alike.
            widths = np.maximum(np.rint(self._clamped_widths(line_widths, n)), 1.0)
            node = node.replace(style=self._stroke_style(n, edge_colors, line_styles, widths, face_colors, alpha))
        self._warn_outside(node.xyxy.reshape(-1, 2), "bboxes", "bbox")
        return self._append(_PATCHES, node)

    @facade_errors
    def draw_rotated_bboxes(self: _V, bboxes: Any, edge_colors: Any = "g", line_styles: Any = "-", line_widths: Any = 2,
                            face_colors: Any = "none", alpha: Union[float, int] = 0.8, angle_unit: str = "rad",
                            heading: bool = False) -> _V:
        """Rotated boxes from (N, 5) ``cx, cy, w, h, angle`` (radians, or degrees with
        ``angle_unit='deg'``; MMRotate's convention, see :mod:`scenevis.nodes.rotated`) or
        (N, 8) corners; ``heading`` marks each box's front edge. The same picture as
        ``draw_polygons`` of their corners, which is how MMRotate draws them."""
        self._require_image()
        with _named_as(width="line_widths"):
            node = rotated_boxes(bboxes, angle_unit=angle_unit, heading=heading)
            n = node.count
            node = node.replace(style=self._stroke_style(n, edge_colors, line_styles,
                                                         self._clamped_widths(line_widths, n), face_colors, alpha))
        self._warn_outside(node.corners.reshape(-1, 2), "bboxes")
        return self._append(_PATCHES, node)

    @facade_errors
    def draw_polygons(self: _V, polygons: Any, edge_colors: Any = "g", line_styles: Any = "-", line_widths: Any = 2,
                      face_colors: Any = "none", alpha: Union[float, int] = 0.8) -> _V:
        """Polygons: one (M, 2) array, an (N, M, 2) array, or a list of (M_i, 2) arrays."""
        self._require_image()
        with _named_as(width="line_widths"):
            node = Polygons.from_rings(_rings(polygons))
            n = node.count
            node = node.replace(style=self._stroke_style(n, edge_colors, line_styles,
                                                         self._clamped_widths(line_widths, n), face_colors, alpha))
        self._warn_outside(node.points, "polygons", "polygon")
        return self._append(_PATCHES, node)

    @facade_errors
    def draw_binary_masks(self: _V, binary_masks: Any, colors: Any = "g", alphas: Any = 0.8) -> _V:
        """Blend (N, H, W) or (H, W) masks (bool or 0/1) of the image's size into the image
        layer: ``(1 - alpha) * pixel + alpha * color`` on each mask's pixels, in order."""
        self._require_image()
        with _named_as(masks="binary_masks", alpha="alphas", color="colors"):
            node = Masks(binary_masks)
            if node.masks.size != (self.height, self.width):
                raise ValueError(f"binary_masks: expected masks of the image's size ({self.height}, {self.width}), "
                                 f"got {node.masks.size}")
            n = node.count
            args.one_per_item(colors, n, "colors", single=is_one_color(colors))
            node = node.replace(style=Style(color=args.per_item_colors(colors, n, "colors"),
                                            alpha=args.per_item_numbers(alphas, n, "alphas", 0.0, 1.0)))
        # MMEngine blends masks into a snapshot of everything drawn so far and draws the
        # vector layers again on top of it: its picture is masks over the image, shapes
        # crisp over both. Masks join the image layer and every item is drawn once, as
        # opaque as its repeated draws (see ``scene``).
        with self._lock:
            marks = tuple(len(items_of(self._layers[layer])) for layer in (_PATCHES, _LINES, _TEXTS))
            layers = (Group.of(self._layers[_BASE], node),) + tuple(self._layers[1:])
            self._set_layers(layers, self._mask_marks + (marks,))
        return self

    @staticmethod
    @facade_errors
    def draw_featmap(featmap: Any, overlaid_image: Optional[np.ndarray] = None,
                     channel_reduction: Optional[str] = "squeeze_mean", topk: int = 20,
                     arrangement: Tuple[int, int] = (4, 5), resize_shape: Optional[tuple] = None,
                     alpha: float = 0.5) -> np.ndarray:
        """A (C, H, W) feature map as an RGB heat image, optionally over ``overlaid_image``;
        see :func:`scenevis.featmap_views.draw_featmap` (same arguments as MMEngine's)."""
        from scenevis.featmap_views import draw_featmap
        return draw_featmap(featmap, overlaid_image, channel_reduction=channel_reduction, topk=topk,
                            arrangement=arrangement, resize_shape=resize_shape, alpha=alpha)


def _rings(polygons: Any) -> list:
    """MMEngine's polygon forms (one (M, 2) polygon, an (N, M, 2) array or a list of (M_i, 2)
    polygons) as the list of rings ``Polygons.from_rings`` takes, without converting them."""
    if isinstance(polygons, (list, tuple)):
        return [polygons] if _is_point_list(polygons) else list(polygons)
    ndim = getattr(polygons, "ndim", None)
    if ndim is None:
        raise TypeError(f"polygons: expected an array, a tensor or a list of (M, 2) polygons, "
                        f"got {type(polygons).__name__}")
    if ndim not in (2, 3):
        raise ValueError(f"polygons: expected shape (M, 2) or (N, M, 2), got {tuple(polygons.shape)}")
    return [polygons] if ndim == 2 else list(polygons)


def _is_point_list(value: Sequence) -> bool:
    """True for a plain list of (x, y) pairs (one polygon), False for a list of polygons."""
    return len(value) > 0 and all(
        isinstance(p, (list, tuple)) and len(p) == 2 and all(isinstance(c, (int, float, np.number)) for c in p)
        for p in value)
