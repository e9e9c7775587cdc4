"""``ClearMLVisBackend``: a ClearML ``Task`` (online, or offline with ``CLEARML_OFFLINE_MODE=1``).

MMEngine's constructor arguments and records: scalars and images through the task's
``Logger`` (title and series both the name, iteration the step), the config with
``connect_configuration``, and at ``close()`` the files of the config's ``work_dir``
ending in ``artifact_suffix`` (``.py``, ``.pth``: the config and the checkpoints)
uploaded as artifacts before the task closes. As in MMEngine, ``save_dir`` is not used:
ClearML keeps its own files (offline sessions under its cache folder,
``~/.clearml/cache/offline`` unless ``CLEARML_CACHE_DIR`` says otherwise). Images are
handed over as arrays, encoded in the format ClearML's configuration sets (JPEG by
default, ``sdk.metrics.images.format``). Differences from MMEngine's backend:

- Scalars that are not one number are skipped with a ``UserWarning``; ``'step'`` in
  ``scalar_dict`` is a ``ValueError``; images are checked and normalized by ``as_image``
  first (gray, RGBA and float images become RGB).
- The config may be a dict, an ``mmengine.Config`` or a file; ``init_kwargs`` is copied.
- ``close()`` without a config only closes the task (MMEngine's needs one).
"""
from __future__ import annotations

import io
import os
from typing import Any, List, Optional, Sequence, Tuple, Union

import numpy as np

from scenevis.backends._tracker import (TrackerBackend, check_optional, check_suffixes, import_sdk, plain_config,
                                        run_files, warn_at_exit)
from scenevis.registry import VISBACKENDS

__all__ = ["ClearMLVisBackend"]

_NAME = "ClearMLVisBackend"


@VISBACKENDS.register_module()
class ClearMLVisBackend(TrackerBackend):
    """Report scalars, images and the config to a ClearML task.

    Args:
        save_dir: not used (MMEngine's interface); may be ``None``.
        init_kwargs: keyword arguments of ``clearml.Task.init`` (copied).
        artifact_suffix: suffixes of the ``work_dir`` files uploaded at ``close()``.
    """

    def __init__(self, save_dir: Optional[str] = None, init_kwargs: Optional[dict] = None,
                 artifact_suffix: Union[str, Sequence[str]] = (".py", ".pth")):
        check_optional(init_kwargs, dict, "init_kwargs", "a dict")
        suffixes = check_suffixes(artifact_suffix)
        super().__init__(save_dir)
        self._init_kwargs = dict(init_kwargs) if init_kwargs is not None else {}
        self._artifact_suffix = suffixes
        self._clearml: Any = None
        self._task: Any = None
        self._logger: Any = None
        self._work_dir: Optional[str] = None

    def _start(self) -> None:
        clearml = import_sdk("clearml", _NAME, "clearml")
        task = clearml.Task.init(**self._init_kwargs)
        self._clearml, self._task, self._logger = clearml, task, task.get_logger()
        self._close_at_exit(warn_at_exit, _NAME, "closing the task", task.close)

    def _finish(self) -> None:
        try:
            if self._work_dir is not None:
                for path, _ in run_files(self._work_dir, self._artifact_suffix, recursive=False):
                    self._task.upload_artifact(os.path.basename(path), path)
        finally:
            self._task.close()

    @property
    def experiment(self) -> Any:
        """The ``clearml`` module (MMEngine's choice); :attr:`task` is this backend's task."""
        with self._lock:
            self._ensure_env()
            return self._clearml

    @property
    def task(self) -> Any:
        """The ``clearml.Task`` this backend reports to (started on first access)."""
        with self._lock:
            self._ensure_env()
            return self._task

    def add_config(self, config: Any, **kwargs: Any) -> None:
        """Connect the config to the task (``connect_configuration``)."""
        values = plain_config(config)
        work_dir = values.get("work_dir")
        with self._lock:
            self._ensure_env()
            self._task.connect_configuration(values)
            if isinstance(work_dir, str):
                self._work_dir = work_dir

    def add_image(self, name: str, image: np.ndarray, step: int = 0, **kwargs: Any) -> None:
        """Report ``image`` (RGB) with title and series ``name`` at iteration ``step``."""
        self._check_name(name)
        step = self._check_step(step)
        rgb = self._check_image(image)
        with self._lock:
            self._ensure_env()
            self._logger.report_image(title=name, series=name, iteration=step, image=rgb)

    def add_video(self, name: str, video: Any, step: int = 0, **kwargs: Any) -> None:
        """Report ``video`` (a :class:`scenevis.video.EncodedVideo`) as a debug sample
        (``report_media``, which ClearML's web UI plays) with title and series ``name`` at
        iteration ``step``."""
        self._check_name(name)
        step = self._check_step(step)
        with open(video.path, "rb") as handle:  # ClearML uploads later, after the file is gone: hand it the bytes
            data = io.BytesIO(handle.read())
        with self._lock:
            self._ensure_env()
            self._logger.report_media(title=name, series=name, iteration=step, stream=data, file_extension=".mp4")

    def _log_scalars(self, items: List[Tuple[str, float]], step: int) -> None:
        """``report_scalar`` with title and series the name, iteration ``step``, per number."""
        for name, value in items:
            self._logger.report_scalar(title=name, series=name, value=value, iteration=step)
