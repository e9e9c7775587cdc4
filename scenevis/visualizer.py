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

import math
import threading
from typing import Any, Dict, Optional, Tuple

import attrs
import numpy as np

from scenevis import distributed
from scenevis._arrays import as_image
from scenevis._facade_draw import LAYERS, DrawCalls, items_of
from scenevis._facade_record import Recording
from scenevis.errors import VisualizerValueError, facade_errors
from scenevis.nodes import Boxes, Circles, Lines, Points, Polygons, Texts
from scenevis.registry import VISUALIZERS, ManagedInstances
from scenevis.scene import Empty, Group, Image, Scene

__all__ = ["Visualizer"]


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


@VISUALIZERS.register_module()
class Visualizer(DrawCalls, Recording, ManagedInstances):
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
                base, *vector = LAYERS
                shown = [self._layers[base]]
                for layer in vector:
                    items = items_of(self._layers[layer])
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

    def _repr_png_(self) -> bytes:
        """The current picture, so a visualizer ending a notebook cell shows what it drew
        (a small placeholder before ``set_image``)."""
        return self.scene._repr_png_()

    def __repr__(self) -> str:
        size = f"{self.width}x{self.height}" if self._image is not None else "no image"
        return f"{type(self).__name__}(name={self.instance_name!r}, {size}, backends={list(self._vis_backends)})"
