"""``NeptuneVisBackend``: a Neptune run (``neptune.init_run``), offline unless a project is given.

MMEngine's constructor arguments and records: each scalar is a float series
``run[name]`` appended at ``step``; the config is the file field ``run['config']`` (its
Python text); with neither ``project`` nor ``api_token`` in ``init_kwargs`` the run is
offline (``mode='offline'``: Neptune records it under ``.neptune/offline/`` of the working
folder, its own rule, for ``neptune sync`` later). As in MMEngine, ``save_dir`` is not
used. Differences from MMEngine's backend, all deliberate:

- **Images** go to one file series per name, ``run['images/{name}']`` (folders from
  ``/`` in ``name``, by the rule of ``scenevis/backends/_paths.py``), as PNGs from our
  encoder (pixel-exact). MMEngine appends every image to the one series ``images``;
  Neptune keeps only strictly increasing steps in a series, so all but one of the
  images logged at one step would be dropped when the run is synced.
- Scalars that are not one number are skipped with a ``UserWarning``; ``'step'`` in
  ``scalar_dict`` is a ``ValueError``; images are checked and normalized by ``as_image``.
- ``init_kwargs`` is copied, never modified; MMEngine goes offline only when it is
  ``None``, this backend whenever it names neither a project nor a token (what
  MMEngine's documentation says).
"""
from __future__ import annotations

from typing import Any, List, Optional, Tuple

import numpy as np

from scenevis._png import encode_png
from scenevis.backends._config import config_text
from scenevis.backends._paths import name_parts
from scenevis.backends._tracker import (TrackerBackend, check_optional, import_sdk, warn_at_exit)
from scenevis.registry import VISBACKENDS

__all__ = ["NeptuneVisBackend"]

_NAME = "NeptuneVisBackend"


@VISBACKENDS.register_module()
class NeptuneVisBackend(TrackerBackend):
    """Log scalars, images and the config to a Neptune run.

    Args:
        save_dir: not used (MMEngine's interface); may be ``None``.
        init_kwargs: keyword arguments of ``neptune.init_run`` (copied); ``mode`` defaults
            to ``'offline'`` when neither ``project`` nor ``api_token`` is given.
    """

    def __init__(self, save_dir: Optional[str] = None, init_kwargs: Optional[dict] = None):
        check_optional(init_kwargs, dict, "init_kwargs", "a dict")
        super().__init__(save_dir)
        self._init_kwargs = dict(init_kwargs) if init_kwargs is not None else {}
        self._neptune: Any = None
        self._file: Any = None  # neptune.types.File

    def _start(self) -> None:
        neptune = import_sdk("neptune", _NAME, "neptune")
        from neptune.types import File

        kwargs = dict(self._init_kwargs)
        if "project" not in kwargs and "api_token" not in kwargs:
            kwargs.setdefault("mode", "offline")
        run = neptune.init_run(**kwargs)
        self._neptune, self._file = run, File
        self._close_at_exit(warn_at_exit, _NAME, "stopping the run", run.stop)

    def _finish(self) -> None:
        self._neptune.stop()

    @property
    def experiment(self) -> Any:
        """The ``neptune.Run``."""
        with self._lock:
            self._ensure_env()
            return self._neptune

    def add_config(self, config: Any, **kwargs: Any) -> None:
        """Upload the config's Python text as the file field ``config``."""
        text = config_text(config)
        with self._lock:
            self._ensure_env()
            self._neptune["config"].upload(self._file.from_content(text))

    def add_image(self, name: str, image: np.ndarray, step: int = 0, **kwargs: Any) -> None:
        """Append ``image`` (PNG) to the series ``images/{name}`` at ``step``."""
        self._check_name(name)
        step = self._check_step(step)
        rgb = self._check_image(image)
        field = "/".join(["images"] + name_parts(name))
        data = encode_png(rgb)
        with self._lock:
            self._ensure_env()
            self._neptune[field].append(self._file.from_content(data, extension="png"), name=name, step=step)

    def add_video(self, name: str, video: Any, step: int = 0, **kwargs: Any) -> None:
        """Upload ``video`` (a :class:`scenevis.video.EncodedVideo`) to the file field
        ``videos/{name}_{step}``, which Neptune's web app plays (a file series holds images
        only, so each step is a field of its own)."""
        self._check_name(name)
        step = self._check_step(step)
        field = "/".join(["videos"] + name_parts(name, f"_{step}"))
        with open(video.path, "rb") as handle:
            data = handle.read()
        with self._lock:
            self._ensure_env()
            self._neptune[field].upload(self._file.from_content(data, extension="mp4"))

    def _log_scalars(self, items: List[Tuple[str, float]], step: int) -> None:
        """``run[name].append(value, step=step)`` per number."""
        for name, value in items:
            self._neptune[name].append(value, step=step)
