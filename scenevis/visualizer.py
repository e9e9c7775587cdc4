"""The MMEngine-compatible ``Visualizer``: a thin stateful skin over the scene core.

Layer 7. Code written for ``mmengine.visualization.Visualizer`` runs unchanged: same
class API, argument names, defaults and return values. Each ``draw_*`` method only
normalizes its arguments, builds scene nodes and appends them to the current scene (an
immutable value, :attr:`Visualizer.scene`), then returns ``self``; each
:meth:`get_image` call renders that scene and hands the new array over; the ``add_*``
methods hand finished images and scalars to every storage backend in order.

MMEngine compatibility, in detail:

- Sizes are matplotlib points on MMEngine's 100 dpi figure: a line width of 2 is 2.78
  pixels, a font size of 10 is 13.9 pixels (``fig_save_cfg=dict(dpi=...)`` changes the
  factor as it does in MMEngine). The default font size is
  ``max(sqrt(H * W) // 90, 10)`` points; box, polygon and circle edges are limited to
  ``[1, default font size / 4]`` points, as MMEngine limits them.
- Layering follows matplotlib's z-order, which MMEngine's pictures show: binary masks are
  blended into the image layer, then come boxes, polygons, circles and points (in call
  order), then lines, then texts. So a box drawn before a mask still shows over it, and
  each item is in the scene (and an SVG of it) once.
- Invalid values raise :class:`~scenevis.errors.VisualizerValueError`, both a
  ``ValueError`` and an ``AssertionError`` (MMEngine asserts); wrong types ``TypeError``.
  Geometry outside the image gives one ``UserWarning`` per call, its message starting
  with MMEngine's sentence (``Warning: The bbox is out of bounds, ...``). A failed call
  changes nothing.
- Beyond MMEngine: plain lists are accepted wherever arrays are; a backend that fails is
  reported once and the others keep running (``strict=True`` re-raises); under
  ``torch.distributed`` every rank draws (so ``add_image(..., gather=True)`` can collect
  all ranks' scenes) and only rank 0 writes.
"""
from __future__ import annotations

import contextlib
import inspect
import math
import os
import tempfile
import threading
import warnings
import zlib
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

import attrs
import numpy as np

import scenevis.backends  # noqa: F401  (registers the built-in backends in VISBACKENDS)
from scenevis import _facade_args as args
from scenevis import distributed, scenefile
from scenevis._arrays import as_image, coords
from scenevis.backends._config import check_config
from scenevis.backends._paths import check_file_name
from scenevis.backends._values import check_image, check_name, check_step, scalar_value, scalar_values
from scenevis.backends.base import BaseVisBackend
from scenevis.colors import is_one_color
from scenevis.errors import VisualizerValueError, facade_errors
from scenevis.nodes import Boxes, Circles, Lines, Masks, Points, Polygons, Texts, rotated_boxes
from scenevis.registry import VISBACKENDS, VISUALIZERS, ManagedInstances
from scenevis.scene import Empty, Group, Image, Scene
from scenevis.style import Style

__all__ = ["Visualizer"]

_BASE, _PATCHES, _LINES, _TEXTS = range(4)

# matplotlib aligns a text line by the box of "lp" (0.760 em above the baseline to 0.208
# em below with DejaVu), the scene core by the font's ascent and descent (0.928 and 0.236
# em). Moving the anchor by these em fractions puts the baseline where MMEngine puts it.
_VALIGN_SHIFT = {"top": -(0.9282 - 0.7598), "bottom": 0.2358 - 0.2080,
                 "center": -((0.9282 - 0.2358) - (0.7598 - 0.2080)) / 2, "baseline": 0.0}


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


def _items(layer: Scene) -> tuple:
    """The nodes appended to a layer, in order."""
    if isinstance(layer, Empty):
        return ()
    return layer.children if isinstance(layer, Group) and layer.is_plain else (layer,)


def _drawn_again(node: Scene, times: int) -> Scene:
    """``node`` drawn once looking as ``1 + times`` draws of it over one another: every
    opacity ``o`` of its colors (times the style's alpha) becomes ``1 - (1 - o) ** (1 + times)``."""
    if not times or not isinstance(node, (Boxes, Circles, Lines, Points, Polygons, Texts)):
        return node
    style = node.style
    alpha = np.asarray(style.alpha if style.alpha is not None else [1.0], np.float64)

    def more(rgba: Optional[np.ndarray], weight: np.ndarray) -> Optional[np.ndarray]:
        if rgba is None:
            return None
        rows = max(len(rgba), len(weight))
        out = np.array(np.broadcast_to(rgba, (rows, 4)))
        opacity = out[:, 3] / 255.0 * np.broadcast_to(weight, (rows,))
        out[:, 3] = np.rint(255.0 * (1.0 - (1.0 - opacity) ** (1 + times)))
        return out

    changes: Dict[str, Any] = {"style": attrs.evolve(style, color=more(style.color, alpha), fill=more(style.fill, alpha),
                                                     alpha=None if style.alpha is None else 1.0)}
    if isinstance(node, Texts):
        changes.update(background=more(node.background, np.ones(1)), background_edge=more(node.background_edge, np.ones(1)))
    return attrs.evolve(node, **changes)


def _scene_file(scene: Scene) -> Callable[[], bytes]:
    """A function giving the bytes of ``scene``'s ``.scene.json`` file, written on its
    first call and shared by every backend that asks (backends never see scene values)."""
    made: list = []

    def data() -> bytes:
        if not made:
            made.append(scenefile.dumps(scene))
        return made[0]
    return data


def _is_backend(obj: Any) -> bool:
    """A scenevis backend, or any object with the backend methods (e.g. MMEngine's)."""
    return isinstance(obj, BaseVisBackend) or (
        not isinstance(obj, (dict, type)) and all(callable(getattr(obj, m, None)) for m in ("add_scalars", "add_image", "close"))
    )


@VISUALIZERS.register_module()
class Visualizer(ManagedInstances):
    """Draw on an image with chained ``draw_*`` calls and record to storage backends.

    Args:
        name: the instance name (for ``get_instance``/``get_current_instance``).
        image: the RGB image to draw on; see :meth:`set_image`.
        vis_backends: ``None``, one backend config dict or backend instance, or a list of
            them. ``name=`` in a config is that backend's key for :meth:`get_backend`
            (default: its class name). The caller's dicts are never changed.
        save_dir: the folder for every backend; backends write under ``save_dir/vis_data``.
            A backend that needs a folder and gets none is skipped with a ``UserWarning``.
        fig_save_cfg: MMEngine's figure options; only ``dpi`` (default 100) matters here,
            as the points-to-pixels factor. Kept as given in ``self.fig_save_cfg``.
        fig_show_cfg: options for the window :meth:`show` opens (``figsize``, ``dpi``).
        strict: re-raise a backend's exception instead of warning once and going on.

    Raises:
        TypeError: ``vis_backends`` is not a dict, backend or list of them.
        RuntimeError: two backends have the same name.
    """

    def __init__(
        self,
        name: str = "visualizer",
        image: Optional[np.ndarray] = None,
        vis_backends: Any = None,
        save_dir: Optional[str] = None,
        fig_save_cfg: dict = dict(frameon=False),  # noqa: B006  (MMEngine's defaults; copied, never mutated)
        fig_show_cfg: dict = dict(frameon=False),  # noqa: B006
        *,
        strict: bool = False,
    ) -> None:
        super().__init__(name)
        if not isinstance(strict, bool):
            raise TypeError(f"strict: expected a bool, got {type(strict).__name__}")
        self._strict = strict
        self._dataset_meta: Optional[dict] = None
        self.fig_save_cfg = dict(fig_save_cfg or {})
        self.fig_show_cfg = dict(fig_show_cfg or {})
        self.dpi = self._dpi(self.fig_save_cfg)
        self._vis_backends: Dict[str, Any] = self._build_backends(vis_backends, save_dir)
        self._failed_backends: Dict[str, int] = {}
        self._parsed_bboxes: dict = {}  # text bbox dicts parsed by earlier draw_texts calls
        self._image: Optional[np.ndarray] = None
        # Guards the mutable state: a draw reads the scene, adds a node and stores it as one
        # step (draws from several threads are all kept); failure counts likewise.
        self._lock = threading.RLock()
        self._layers: Tuple[Scene, ...] = (Empty(),) * 4
        self._mask_marks: Tuple[Tuple[int, ...], ...] = ()
        self._last_good: tuple = (self._layers, self._mask_marks)  # of the last drawing that rendered
        self._scene: Optional[Scene] = Empty()
        self._rendered: Optional[Tuple[Scene, np.ndarray]] = None
        self._handed: Optional[tuple] = None  # (scene, picture, checksum) of get_image, for scene files
        self.width = self.height = 0
        self._default_font_size = 10.0
        self._closed = False
        if image is not None:
            self.set_image(image)

    # -- construction helpers ----------------------------------------------------------------
    @staticmethod
    def _dpi(cfg: dict) -> float:
        dpi = cfg.get("dpi", 100)
        if isinstance(dpi, bool) or not isinstance(dpi, (int, float)) or not math.isfinite(dpi) or dpi <= 0:
            raise VisualizerValueError(f"fig_save_cfg['dpi']: expected a number > 0, got {dpi!r}")
        return float(dpi)

    @staticmethod
    def _build_backends(vis_backends: Any, save_dir: Optional[str]) -> Dict[str, Any]:
        if vis_backends is None:
            items: list = []
        elif isinstance(vis_backends, dict) or _is_backend(vis_backends):
            items = [vis_backends]
        elif isinstance(vis_backends, (list, tuple)):
            items = list(vis_backends)
        else:
            raise TypeError(f"vis_backends: expected None, a dict, a backend or a list of them, "
                            f"got {type(vis_backends).__name__}")
        if save_dir is not None:
            save_dir = os.path.join(os.fspath(save_dir), "vis_data")
        built: Dict[str, Any] = {}
        for i, item in enumerate(items):
            key = None
            if isinstance(item, dict) or hasattr(item, "to_dict"):
                cfg = dict(item.items()) if isinstance(item, dict) else dict(item.to_dict())
                key = cfg.pop("name", None)
                cfg.setdefault("save_dir", save_dir)
                backend = VISBACKENDS.build(cfg)
            elif _is_backend(item):
                backend = item
            else:
                raise TypeError(f"vis_backends[{i}]: expected a dict or a backend, got {type(item).__name__}")
            param = inspect.signature(type(backend).__init__).parameters.get("save_dir")
            if (param is not None and param.default is inspect.Parameter.empty
                    and getattr(backend, "_save_dir", None) is None):
                warnings.warn(f"vis_backends[{i}]: {type(backend).__name__} needs a folder and save_dir is None; "
                              "it was not added (pass save_dir=...)", UserWarning, stacklevel=3)
                continue
            key = key if key is not None else type(backend).__name__
            if not isinstance(key, str):
                raise TypeError(f"vis_backends[{i}]['name']: expected a str, got {type(key).__name__}")
            if key in built:
                raise RuntimeError(f"vis_backends: two backends are named {key!r}; give one of them name=...")
            built[key] = backend
        return built

    # -- the image and the scene --------------------------------------------------------------
    @facade_errors
    def set_image(self, image: Any) -> None:
        """Start a new scene on ``image`` (H, W, 3) uint8 RGB; gray, RGBA, bool and float
        images are converted by the rule of :func:`scenevis._arrays.as_image`. The image
        is copied once; later changes to the caller's array do not show."""
        if image is None:
            raise VisualizerValueError("image: expected an (H, W, 3) RGB image, got None")
        layer = Image(as_image(image, "image"))
        with self._lock:
            self._image = layer.pixels
            self.height, self.width = self._image.shape[:2]
            self._default_font_size = max(np.sqrt(self.height * self.width) // 90, 10)
            self._set_layers((layer, Empty(), Empty(), Empty()), ())
            self._last_good = (self._layers, self._mask_marks)

    def _adopt_scene(self, scene: Scene) -> None:
        """For subclasses: make a finished ``scene`` the current drawing, as ``set_image``
        does for an image. It is rendered once (the next ``get_image`` returns that
        render), sizes follow the picture, and later ``draw_*`` calls draw over it."""
        from scenevis.renderer import render
        drawn = render(scene)
        with self._lock:
            self.set_image(drawn)
            self._set_layers((scene,) + tuple(self._layers[1:]))
            self._rendered = (self.scene, drawn)
            self._last_good = (self._layers, self._mask_marks)

    def _set_layers(self, layers: Tuple[Scene, ...], mask_marks: Optional[tuple] = None) -> None:
        """Replace the layers (and the mask marks, when given); callers that read them
        first hold ``_lock`` throughout."""
        with self._lock:
            self._layers = layers
            if mask_marks is not None:
                self._mask_marks = mask_marks
            self._scene = None

    def _append(self, layer: int, *nodes: Scene) -> "Visualizer":
        with self._lock:
            layers = list(self._layers)
            layers[layer] = Group.of(layers[layer], *nodes)
            self._set_layers(tuple(layers))
        return self

    @property
    def scene(self) -> Scene:
        """The current drawing as an immutable scene value (image, masks, shapes, lines,
        texts), each drawn item in it once; save it as SVG/PDF with
        ``scenevis.save(vis.scene, 'x.svg')``."""
        with self._lock:
            if self._scene is None:
                shown = [self._layers[_BASE]]
                for layer in (_PATCHES, _LINES, _TEXTS):
                    items = _items(self._layers[layer])
                    # MMEngine bakes what is drawn into the image under each mask and draws it
                    # again on top: an item drawn before k mask calls shows k + 1 times over.
                    shown += [_drawn_again(item, sum(i < marks[layer - 1] for marks in self._mask_marks))
                              for i, item in enumerate(items)] if self._mask_marks else list(items)
                self._scene = Group.of(*shown)
            return self._scene

    @facade_errors
    def get_image(self) -> np.ndarray:
        """The drawn image as a new (H, W, 3) uint8 RGB array, the caller's to change.

        Each call renders the scene (the render is handed over, not copied: a detector
        asks once per frame); the first call after a subclass's ``_adopt_scene`` hands
        over the picture that method already rendered. When rendering fails, the error is
        raised and the draw calls since the last picture that rendered are undone, so
        the visualizer keeps working."""
        if self._image is None:
            raise VisualizerValueError("image: no image to draw on; call set_image(image) first")
        with self._lock:
            scene = self.scene
            state = (self._layers, self._mask_marks)
            rendered, self._rendered = self._rendered, None
        if rendered is not None and rendered[0] is scene:
            return self._handed_out(scene, rendered[1])
        from scenevis.renderer import render
        try:
            drawn = render(scene)
        except Exception as err:
            # Whatever the scene holds that cannot be drawn would fail every later call:
            # go back to the last drawing that rendered, and say so.
            with self._lock:
                self._set_layers(*self._last_good)
            if hasattr(err, "add_note"):
                err.add_note("Visualizer.get_image: the draw calls since the last picture that rendered were "
                             "undone, so the visualizer keeps working")
            raise
        with self._lock:
            self._last_good = state
        return self._handed_out(scene, drawn)

    def _handed_out(self, scene: Scene, drawn: np.ndarray) -> np.ndarray:
        """Remember the picture ``get_image`` hands out and the scene it shows, when a
        backend stores scenes: ``add_image`` of that very array, unchanged (a checksum
        says), sends them the scene too. Without such a backend this costs nothing."""
        if any(getattr(backend, "wants_scenes", False) for backend in self._vis_backends.values()):
            with self._lock:
                self._handed = (scene, drawn, zlib.crc32(drawn))
        return drawn

    def _drawn_scene_file(self, image: Any) -> Optional[Callable[[], bytes]]:
        """The scene file of ``image`` when it is the unchanged picture ``get_image`` handed
        out last (see :func:`_scene_file`), else None."""
        with self._lock:
            handed = self._handed
        if handed is None or image is not handed[1] or zlib.crc32(image) != handed[2]:
            return None
        return _scene_file(handed[0])

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
    def draw_points(self, positions: Any, colors: Any = "g", marker: Optional[str] = None,
                    sizes: Any = None) -> "Visualizer":
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
    def draw_texts(self, texts: Union[str, List[str]], positions: Any, font_sizes: Any = None,
                   colors: Any = "g", vertical_alignments: Any = "top", horizontal_alignments: Any = "left",
                   font_families: Any = "sans-serif", bboxes: Any = None,
                   font_properties: Any = None) -> "Visualizer":
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
    def draw_lines(self, x_datas: Any, y_datas: Any, colors: Any = "g", line_styles: Any = "-",
                   line_widths: Any = 2) -> "Visualizer":
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
    def draw_circles(self, center: Any, radius: Any, edge_colors: Any = "g", line_styles: Any = "-",
                     line_widths: Any = 2, face_colors: Any = "none", alpha: Union[float, int] = 0.8) -> "Visualizer":
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
    def draw_bboxes(self, bboxes: Any, edge_colors: Any = "g", line_styles: Any = "-", line_widths: Any = 2,
                    face_colors: Any = "none", alpha: Union[float, int] = 0.8) -> "Visualizer":
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
    def draw_rotated_bboxes(self, bboxes: Any, edge_colors: Any = "g", line_styles: Any = "-", line_widths: Any = 2,
                            face_colors: Any = "none", alpha: Union[float, int] = 0.8, angle_unit: str = "rad",
                            heading: bool = False) -> "Visualizer":
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
    def draw_polygons(self, polygons: Any, edge_colors: Any = "g", line_styles: Any = "-", line_widths: Any = 2,
                      face_colors: Any = "none", alpha: Union[float, int] = 0.8) -> "Visualizer":
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
    def draw_binary_masks(self, binary_masks: Any, colors: Any = "g", alphas: Any = 0.8) -> "Visualizer":
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
            marks = tuple(len(_items(self._layers[layer])) for layer in (_PATCHES, _LINES, _TEXTS))
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

    # -- showing ---------------------------------------------------------------------------------
    def show(self, drawn_img: Optional[np.ndarray] = None, win_name: str = "image", wait_time: float = 0.0,
             continue_key: str = " ", backend: str = "matplotlib") -> Optional[str]:
        """Show the drawn image (or ``drawn_img``): inline in Jupyter, in a window when a
        display is available (``backend='matplotlib'`` or ``'cv2'``; ``wait_time`` seconds,
        0 meaning until ``continue_key`` is pressed or the window closes), and otherwise
        written to a temporary PNG whose path is logged and returned. Only rank 0 shows."""
        from scenevis import _show
        if backend not in ("matplotlib", "cv2"):
            raise VisualizerValueError(f"backend: expected 'matplotlib' or 'cv2', got {backend!r}")
        if not distributed.is_main_process():
            return None
        image = self.get_image() if drawn_img is None else facade_errors(as_image)(drawn_img, "drawn_img")
        return _show.show_image(image, win_name=win_name, wait_time=wait_time, continue_key=continue_key,
                                backend=backend, window_cfg=self.fig_show_cfg, key=id(self))

    # -- dataset meta and data samples -----------------------------------------------------------
    @property
    def dataset_meta(self) -> Optional[dict]:
        """Meta information of the dataset (class names, palette), set by the runner."""
        return self._dataset_meta

    @dataset_meta.setter
    def dataset_meta(self, dataset_meta: Optional[dict]) -> None:
        self._dataset_meta = dataset_meta

    def add_datasample(self, name: str, image: np.ndarray, data_sample: Any = None, draw_gt: bool = True,
                       draw_pred: bool = True, show: bool = False, wait_time: int = 0, step: int = 0) -> None:
        """Draw a data sample; does nothing here (task libraries' subclasses implement it)."""

    # -- backends --------------------------------------------------------------------------------
    def get_backend(self, name: str) -> Optional[Any]:
        """The backend named ``name`` (its ``name=`` or class name), or ``None``."""
        return self._vis_backends.get(name)

    def _fan_out(self, method: str, *call_args: Any, optional: bool = False,
                 scene: Optional[Callable[[], bytes]] = None, **call_kwargs: Any) -> None:
        """Call ``method`` on every backend in order; only rank 0 writes. A failing backend
        is reported once (and counted in :attr:`backend_failures`); the others still run.
        With ``optional``, backends without the method (MMEngine's own) are skipped;
        ``scene`` (the picture's scene file) goes to the backends that store scenes."""
        if not distributed.is_main_process():
            return
        for key, backend in list(self._vis_backends.items()):
            if optional and not callable(getattr(backend, method, None)):
                continue
            extra = {"scene": scene} if scene is not None and getattr(backend, "wants_scenes", False) else {}
            try:
                getattr(backend, method)(*call_args, **call_kwargs, **extra)
            except Exception as err:
                if self._strict:
                    raise
                self._report_failure(key, backend, method, err, stacklevel=5)  # the caller of add_*

    def _report_failure(self, key: str, backend: Any, method: str, err: Exception, stacklevel: int) -> None:
        """Count a backend's failure; warn (``RuntimeWarning``) the first time only."""
        with self._lock:
            count = self._failed_backends.get(key, 0)
            self._failed_backends[key] = count + 1
        if count == 0:
            after = "" if method == "close" else (
                " The other backends go on; this backend keeps receiving calls and its further failures are "
                "counted in backend_failures, not reported (pass strict=True to raise instead).")
            warnings.warn(f"vis backend {key!r} ({type(backend).__name__}) failed in {method}: "
                          f"{type(err).__name__}: {err}.{after}", RuntimeWarning, stacklevel=stacklevel)

    @property
    def backend_failures(self) -> Dict[str, int]:
        """How many calls failed per backend name (backends that never failed are absent)."""
        return dict(self._failed_backends)

    @facade_errors
    def add_config(self, config: Any, **kwargs: Any) -> None:
        """Record the run's config (a dict, an mmengine ``Config`` or a file path) in every
        backend; checked first by :func:`scenevis.backends._config.check_config`."""
        check_config(config)
        self._fan_out("add_config", config, **kwargs)

    def add_graph(self, model: Any, data_batch: Sequence[dict], **kwargs: Any) -> None:
        """Record the model graph in every backend that supports it."""
        self._fan_out("add_graph", model, data_batch, **kwargs)

    @facade_errors
    def add_image(self, name: str, image: Any = None, step: int = 0, *, gather: bool = False) -> None:
        """Record an RGB image under ``name`` at ``step`` in every backend.

        With ``gather=True`` (a collective call: every rank must make it) each rank's
        current scene, or ``image`` when given, is sent to rank 0, rendered there and
        recorded as ``f'{name}_rank{r}'`` for every rank ``r``.
        """
        check_name(name)
        step = check_step(step)
        if gather:
            return self._add_gathered(name, image, step)
        if image is None:
            raise VisualizerValueError("image: expected an (H, W, 3) RGB image, got None (use gather=True "
                                       "to record the drawn scenes of all ranks)")
        self._fan_out("add_image", name, check_image(image), step, scene=self._drawn_scene_file(image))

    def _add_gathered(self, name: str, image: Any, step: int) -> None:
        scene = self.scene if image is None else Image(check_image(image))
        gathered = distributed.gather_to_main(scene)
        if gathered is None:
            return
        from scenevis.renderer import render
        for rank, received in enumerate(gathered):
            if isinstance(received, Empty) or not isinstance(received, Scene):
                warnings.warn(f"add_image(gather=True): rank {rank} has nothing drawn; no image recorded for it",
                              UserWarning, stacklevel=3)
                continue
            self._fan_out("add_image", f"{name}_rank{rank}", render(received), step, scene=_scene_file(received))

    @facade_errors
    def add_video(self, name: str, frames: Any, step: int = 0, fps: Optional[float] = None) -> None:
        """Record a video under ``name`` at ``step`` in every backend that stores videos.

        ``frames`` is a (T, H, W, 3) array, a sequence or generator of images or scenes, or
        the path of a video file. It is encoded once, to an H.264 MP4 at ``fps`` (default:
        a file's own rate, else 4 frames per second as torch's ``add_video``), in a
        temporary folder, and every backend gets the finished file: the local backend
        copies it to ``vis_video/{name}_{step}.mp4``, TensorBoard stores it as an animated
        GIF image summary, W&B logs a ``wandb.Video``. Bad frames raise before any backend
        is called. Only rank 0 records.
        """
        name, step = check_name(name), check_step(step)
        if not distributed.is_main_process():
            return
        from scenevis import video

        with tempfile.TemporaryDirectory(prefix="scenevis-video-") as folder:
            clip = video.encode(frames, folder, fps=fps)
            self._fan_out("add_video", name, clip, step, optional=True)

    @facade_errors
    def add_scalar(self, name: str, value: Any, step: int = 0, **kwargs: Any) -> None:
        """Record one scalar (one real number) under ``name`` at ``step`` in every backend."""
        value = scalar_value(value)
        self._fan_out("add_scalar", check_name(name), value, check_step(step), **kwargs)

    @facade_errors
    def add_scalars(self, scalar_dict: dict, step: int = 0, file_path: Optional[str] = None, **kwargs: Any) -> None:
        """Record several scalars at ``step`` in every backend (``file_path``: an extra
        JSON Lines file for the local backend, as in MMEngine). Every backend gets the
        values as Python numbers, checked by :func:`scenevis.backends._values.scalar_values`."""
        values = scalar_values(scalar_dict)
        step = check_step(step)
        if file_path is not None:
            check_file_name(file_path, ".json", "file_path")
        self._fan_out("add_scalars", values, step, file_path, **kwargs)

    def close(self) -> None:
        """Close every backend (each flushes what it holds). Idempotent; a backend whose
        ``close`` fails is reported like any other failure and the rest still close."""
        for key, backend in list(self._vis_backends.items()):
            try:
                backend.close()
            except Exception as err:
                if self._strict:
                    raise
                self._report_failure(key, backend, "close", err, stacklevel=3)
        self._closed = True

    def _repr_png_(self) -> bytes:
        """The current picture, so a visualizer ending a notebook cell shows what it drew
        (a small placeholder before ``set_image``)."""
        return self.scene._repr_png_()

    def __repr__(self) -> str:
        size = f"{self.width}x{self.height}" if self._image is not None else "no image"
        return f"{type(self).__name__}(name={self.instance_name!r}, {size}, backends={list(self._vis_backends)})"


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
