"""``AimVisBackend``: an Aim ``Run``.

MMEngine's constructor arguments and records: scalars and images are tracked sequences
(``run.track(value, name=..., step=...)``), the config is the run's ``hparams``, the
experiment is named after the last two folders of ``save_dir`` (``work_dir_20240101``).
Differences from MMEngine's backend, all deliberate:

- **Repository.** Aim's own rule picks the repository: the nearest ``.aim`` folder above
  the working folder (as in MMEngine, so runs land in the repository ``aim init`` made
  for the project). Where there is none, Aim would create ``.aim`` in the working folder;
  this backend puts it in ``save_dir`` instead, so nothing is written outside it.
  ``init_kwargs=dict(repo=...)`` chooses any other.
- Scalars that are not one number are skipped with a ``UserWarning``; ``'step'`` in
  ``scalar_dict`` is a ``ValueError``; images are normalized by ``as_image`` first
  (gray, RGBA and float images are stored as RGB, as everywhere in scenevis).
- ``init_kwargs`` is copied, never modified; a ``save_dir`` of one folder names the
  experiment after it (MMEngine fails on it).
"""
from __future__ import annotations

import datetime
import os
from typing import Any, List, Optional, Tuple

import numpy as np

from scenevis.backends._tracker import (TrackerBackend, check_optional, import_sdk, plain_config,
                                        warn_at_exit)
from scenevis.registry import VISBACKENDS

__all__ = ["AimVisBackend"]

_NAME = "AimVisBackend"


def experiment_name(save_dir: Optional[str]) -> str:
    """MMEngine's experiment name: the last two folders of ``save_dir`` joined by ``_``
    (the one folder when there is one), or the date and time when there is no folder."""
    if save_dir is None:
        return datetime.datetime.now().strftime("%Y%m%d_%H%M%S")
    parts = [p for p in os.path.normpath(os.path.abspath(save_dir)).split(os.sep) if p]
    return "_".join(parts[-2:]) or "_"


@VISBACKENDS.register_module()
class AimVisBackend(TrackerBackend):
    """Track scalars and images and record the config in an Aim run.

    Args:
        save_dir: names the experiment, and holds the repository when the working folder
            has no Aim repository above it. May be ``None`` (then Aim's own default).
        init_kwargs: keyword arguments of ``aim.Run`` (copied); ``experiment`` defaults
            to :func:`experiment_name`.
    """

    def __init__(self, save_dir: Optional[str] = None, init_kwargs: Optional[dict] = None):
        check_optional(init_kwargs, dict, "init_kwargs", "a dict")
        super().__init__(save_dir)
        self._init_kwargs = dict(init_kwargs) if init_kwargs is not None else {}
        self._aim_run: Any = None
        self._aim: Any = None

    def _start(self) -> None:
        save_dir = None if self._save_dir is None else self._require_save_dir()
        aim = import_sdk("aim", _NAME, "aim")
        from aim.sdk.utils import search_aim_repo

        kwargs = dict(self._init_kwargs)
        kwargs.setdefault("experiment", experiment_name(save_dir))
        if "repo" not in kwargs and save_dir is not None and not search_aim_repo(os.curdir)[1]:
            os.makedirs(save_dir, exist_ok=True)
            kwargs["repo"] = save_dir
        run = aim.Run(**kwargs)
        self._aim, self._aim_run = aim, run
        self._close_at_exit(warn_at_exit, _NAME, "closing the run", run.close)

    def _finish(self) -> None:
        self._aim_run.close()

    @property
    def experiment(self) -> Any:
        """The ``aim.Run``."""
        with self._lock:
            self._ensure_env()
            return self._aim_run

    def add_config(self, config: Any, **kwargs: Any) -> None:
        """Record the config as the run's ``hparams``."""
        hparams = plain_config(config)
        with self._lock:
            self._ensure_env()
            self._aim_run["hparams"] = hparams

    def add_image(self, name: str, image: np.ndarray, step: int = 0, **kwargs: Any) -> None:
        """Track ``image`` (an ``aim.Image``, PNG) under ``name`` at ``step``."""
        self._check_name(name)
        step = self._check_step(step)
        rgb = self._check_image(image)
        with self._lock:
            self._ensure_env()
            self._aim_run.track(self._aim.Image(rgb), name=name, step=step)

    def _log_scalars(self, items: List[Tuple[str, float]], step: int) -> None:
        """``run.track(value, name=name, step=step)`` per number."""
        for name, value in items:
            self._aim_run.track(value, name=name, step=step)
