"""The storage-backend protocol shared by every backend.

A backend stores finished numpy images, plain scalars and the run's config somewhere
(files, TensorBoard, WandB). It never sees scene nodes: a backend that stores scenes
(``wants_scenes``) gets each picture's ``.scene.json`` file as bytes. Method names, arguments and
defaults are MMEngine's ``BaseVisBackend``'s, so backends written for MMEngine's
visualizer keep working and ours can be driven by MMEngine code.

Life cycle, common to all built-in backends:

- Construction stores arguments only; ``save_dir`` may be ``None`` (MMEngine's visualizer
  builds a backend first and then skips it when it has no folder). A relative ``save_dir``
  is made absolute here, once: an ``os.chdir`` later in the run cannot split the run
  across two folders.
- The environment (folders, files, SDK, run) is set up on first use: the first ``add_*``
  call or ``experiment`` access runs ``_init_env`` once, under the backend's lock.
- Every public method holds the backend's lock (one ``threading.RLock`` per backend), so
  calls from several threads never interleave.
- ``close()`` is idempotent and releases what ``_init_env`` set up. It also runs when the
  backend is garbage-collected or at interpreter exit (``weakref.finalize``, which does
  not keep the backend alive). What an ``add_*`` call after ``close()`` does is stated by
  each backend.
- A wrong argument value is a :class:`~scenevis.errors.VisualizerValueError`: a
  ``ValueError`` and also the ``AssertionError`` MMEngine's backends raise there, so
  ``except AssertionError`` written for them still works. A wrong kind is a ``TypeError``.
- Errors are raised, never swallowed: an ``OSError`` from a full disk reaches the caller,
  so the visualizer can report it (and keep other backends running).
"""
from __future__ import annotations

import abc
import os
import threading
import weakref
from typing import Any, Callable, Optional, Sequence, Union

import numpy as np

from scenevis.backends._values import check_image, check_name, check_step
from scenevis.errors import VisualizerValueError

__all__ = ["BaseVisBackend"]


class BaseVisBackend(abc.ABC):
    """Base class of storage backends (MMEngine's ``BaseVisBackend`` contract).

    Subclasses implement :attr:`experiment` and :meth:`_init_env`, call
    :meth:`_ensure_env` at the start of each ``add_*`` method (inside ``with self._lock``),
    and override the ``add_*`` methods they support; the others do nothing.

    Args:
        save_dir: the folder this backend writes to, or ``None`` (then the first use
            raises ``ValueError`` for backends that need a folder).
    """

    #: Whether this backend stores scenes: then the visualizer's ``add_image`` passes
    #: ``scene=``, a function returning the bytes of the picture's ``.scene.json`` file
    #: (:mod:`scenevis.scenefile`), when the picture is one it drew. Backends never see
    #: scene values, only that file.
    wants_scenes: bool = False

    def __init__(self, save_dir: Optional[str]):
        self._save_dir = None if save_dir is None else self._absolute(save_dir)
        self._env_initialized = False
        self._lock = threading.RLock()
        self._finalizer: Optional[weakref.finalize] = None

    @property
    @abc.abstractmethod
    def experiment(self) -> Any:
        """The object the backend writes through (the backend itself, a SummaryWriter, ...)."""

    @abc.abstractmethod
    def _init_env(self) -> None:
        """Set up folders, files or the SDK; called once, on first use, under the lock."""

    def _ensure_env(self) -> None:
        """Run :meth:`_init_env` unless it has already run (since the last ``close()``)."""
        if self._env_initialized:
            return
        with self._lock:
            if not self._env_initialized:
                self._init_env()
                self._env_initialized = True

    def _close_at_exit(self, func: Callable[..., Any], *args: Any) -> None:
        """Call ``func(*args)`` when this backend is collected or the interpreter exits.

        ``func`` and ``args`` must not refer to the backend itself (else it never dies).
        Replaces an earlier registration; :meth:`_cancel_close_at_exit` drops it.
        """
        self._cancel_close_at_exit()
        self._finalizer = weakref.finalize(self, func, *args)

    def _cancel_close_at_exit(self) -> None:
        if self._finalizer is not None:
            self._finalizer.detach()
            self._finalizer = None

    @staticmethod
    def _absolute(save_dir: Any) -> str:
        """``save_dir`` as an absolute path, resolved now: a later ``os.chdir`` cannot move it."""
        try:
            path = os.fspath(save_dir)
        except TypeError:
            raise TypeError(f"save_dir: expected a str or path, got {type(save_dir).__name__}") from None
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        if not path:
            raise VisualizerValueError("save_dir: expected a folder, got ''")
        return os.path.abspath(path)

    def _require_save_dir(self) -> str:
        if self._save_dir is None:
            raise VisualizerValueError(f"save_dir: {type(self).__name__} needs a folder to write to, got None")
        return self._save_dir

    @staticmethod
    def _check_name(name: Any, arg: str = "name") -> str:
        """``name`` by the rule of :func:`scenevis.backends._values.check_name`."""
        return check_name(name, arg)

    @staticmethod
    def _check_step(step: Any) -> int:
        """``step`` by the rule of :func:`scenevis.backends._values.check_step`."""
        return check_step(step)

    @staticmethod
    def _check_image(image: Any) -> np.ndarray:
        """``image`` as (H, W, 3) uint8 RGB by the rule of
        :func:`scenevis.backends._values.check_image`."""
        return check_image(image)

    def add_config(self, config: Any, **kwargs: Any) -> None:
        """Record the run's config (a dict, an mmengine ``Config`` or a config file path)."""

    def add_graph(self, model: Any, data_batch: Sequence[dict], **kwargs: Any) -> None:
        """Record the model graph."""

    def add_image(self, name: str, image: np.ndarray, step: int = 0, **kwargs: Any) -> None:
        """Record an RGB image under ``name`` at ``step``."""

    def add_scalar(self, name: str, value: Union[int, float, Any], step: int = 0, **kwargs: Any) -> None:
        """Record one scalar under ``name`` at ``step``."""

    def add_video(self, name: str, video: Any, step: int = 0, **kwargs: Any) -> None:
        """Record a finished video (a :class:`scenevis.video.EncodedVideo`: an MP4 file,
        its rate, size and frame count) under ``name`` at ``step``."""

    def add_scalars(self, scalar_dict: dict, step: int = 0, file_path: Optional[str] = None, **kwargs: Any) -> None:
        """Record several scalars at ``step``; ``file_path`` names an extra file, if supported."""

    def close(self) -> None:
        """Flush and release what the backend holds; calling it again does nothing."""
