"""What :class:`scenevis.visualizer.Visualizer` records: its storage backends, built from
configs, and the ``add_*`` calls handed to each of them in order.

Layer 7. Every call is checked whole (:mod:`scenevis.backends._values`,
:mod:`scenevis.backends._config`) before any backend sees it; only rank 0 writes; a
backend that fails is reported once and the others go on. The methods live on
:class:`Recording`, a base class of ``Visualizer``, which holds the state they use
(``_vis_backends``, ``_failed_backends``, ``_strict``, ``_lock``, ``_handed``).
"""
from __future__ import annotations

import inspect
import os
import tempfile
import warnings
import zlib
from typing import Any, Callable, Dict, Optional, Sequence

import numpy as np

import scenevis.backends  # noqa: F401  (registers the built-in backends in VISBACKENDS)
from scenevis import distributed, scenefile
from scenevis.backends._config import check_config
from scenevis.backends._paths import check_file_name
from scenevis.backends._values import check_image, check_name, check_step, scalar_value, scalar_values
from scenevis.backends.base import BaseVisBackend
from scenevis.errors import VisualizerValueError, facade_errors
from scenevis.registry import VISBACKENDS
from scenevis.scene import Empty, Image, Scene

__all__ = ["Recording"]


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


class Recording:
    """The backends of a visualizer and its ``add_*`` calls."""

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
