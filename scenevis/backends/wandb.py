"""``WandbVisBackend``: a Weights & Biases run (online or offline).

The run starts on first use with ``wandb.init(**init_kwargs)`` (``dir`` defaults to
``save_dir``). ``init_kwargs=dict(mode='offline')`` or ``WANDB_MODE=offline`` records
locally under ``save_dir/wandb/offline-run-*``, for ``wandb sync`` later.

Differences from MMEngine's backend, all deliberate:

- ``step`` is passed to ``wandb.log`` (MMEngine drops it), so images and scalars land on
  the training step. W&B ignores, with its own warning, a step lower than one already
  committed.
- ``init_kwargs`` is copied, never modified.
- After ``close()`` (which finishes the run) any ``add_*`` call or ``experiment`` access
  raises ``RuntimeError``: a finished run cannot take more data, and starting a new run
  silently would split the record. Build a new backend to log again.
- Images are encoded to PNG by :mod:`scenevis._png` (the encoder of the local and
  TensorBoard backends) and handed to ``wandb.Image`` as a file, instead of as an array
  that ``wandb.Image`` encodes with Pillow at zlib level 6 (about 180 ms for a 720p image
  on the project's machine, against about 11 ms). The file lives in a private temporary
  folder of the system temp folder (``tempfile.TemporaryDirectory``, as wandb's own
  ``wandb-media`` folder); ``wandb.Image`` reads it (Pillow decodes it for the width and
  height, and hashes it) and ``log`` copies it into the run's ``files/media/images``, so
  folder and file are deleted before ``add_image`` returns, whatever happens. The history
  row is the one wandb writes for an array: an ``image-file`` entry with the stored
  file's path, sha256, size, width, height and ``format: png``. A run started with
  ``allow_media_symlink=True`` would link the media file to the temporary one rather than
  copy it (the link would dangle once the file is deleted), so such a run gets the array
  and wandb's own encoding. Encoding stays under the backend's lock: W&B drops a step
  lower than one already logged, so calls from several threads must reach ``log`` in the
  order they took the lock.
"""
from __future__ import annotations

import os
import tempfile
import warnings
from typing import Any, Optional, Sequence, Union

import numpy as np

from scenevis._png import encode_png
from scenevis.backends._annotations import check_annotations, wandb_overlays
from scenevis.backends._config import config_dict
from scenevis.backends._values import plain_value
from scenevis.backends.base import BaseVisBackend
from scenevis.registry import VISBACKENDS

__all__ = ["WandbVisBackend"]

_INSTALL = 'WandbVisBackend needs wandb: pip install "scenevis[wandb]"'


def _import_wandb() -> Any:
    try:
        import wandb
    except ImportError as err:
        raise ImportError(f"{_INSTALL} ({err})") from err
    return wandb


def _png_file(folder: str, filename: str, image: np.ndarray) -> str:
    """``image`` encoded by :mod:`scenevis._png` into a new file ``folder/filename``."""
    path = os.path.join(folder, filename)
    with open(path, "xb") as handle:  # mode 0o666 less the umask, as Pillow's files
        handle.write(encode_png(image))
    return path


def _finish_quietly(run: Any) -> None:
    """Finish ``run`` from a finalizer (collection or interpreter exit); errors become warnings."""
    try:
        run.finish()
    except Exception as err:  # at exit there is no caller left to raise to
        warnings.warn(f"WandbVisBackend: finishing the run failed: {err!r}", RuntimeWarning, stacklevel=1)


@VISBACKENDS.register_module()
class WandbVisBackend(BaseVisBackend):
    """Log scalars, images, the config and the model graph to a W&B run.

    Args:
        save_dir: folder for the run's local files (``wandb.init(dir=...)``).
        init_kwargs: keyword arguments of ``wandb.init`` (copied).
        define_metric_cfg: a dict ``{metric: summary}`` or a list of ``define_metric``
            keyword dicts, applied after the run starts.
        commit: passed to every ``wandb.log`` call.
        log_code_name: artifact name for ``run.log_code`` (called by :meth:`add_config`).
        watch_kwargs: keyword arguments of ``wandb.watch`` (used by :meth:`add_graph`).
    """

    def __init__(
        self,
        save_dir: Optional[str],
        init_kwargs: Optional[dict] = None,
        define_metric_cfg: Union[dict, list, None] = None,
        commit: Optional[bool] = True,
        log_code_name: Optional[str] = None,
        watch_kwargs: Optional[dict] = None,
    ):
        if init_kwargs is not None and not isinstance(init_kwargs, dict):
            raise TypeError(f"init_kwargs: expected a dict or None, got {type(init_kwargs).__name__}")
        if define_metric_cfg is not None and not isinstance(define_metric_cfg, (dict, list, tuple)):
            raise TypeError(f"define_metric_cfg: expected a dict, a list of dicts or None, got {type(define_metric_cfg).__name__}")
        if watch_kwargs is not None and not isinstance(watch_kwargs, dict):
            raise TypeError(f"watch_kwargs: expected a dict or None, got {type(watch_kwargs).__name__}")
        super().__init__(save_dir)
        self._init_kwargs = dict(init_kwargs) if init_kwargs is not None else {}
        self._define_metric_cfg = define_metric_cfg
        self._commit = commit
        self._log_code_name = log_code_name
        self._watch_kwargs = dict(watch_kwargs) if watch_kwargs is not None else {}
        self._wandb: Any = None
        self._run: Any = None
        self._finished = False
        self._links_media = False

    def _init_env(self) -> None:
        """Import wandb and start the run."""
        if self._finished:
            raise RuntimeError("WandbVisBackend is closed: its run has finished; build a new backend to log again")
        root = self._require_save_dir()
        wandb = _import_wandb()
        os.makedirs(root, exist_ok=True)
        kwargs = dict(self._init_kwargs)
        kwargs.setdefault("dir", root)
        run = wandb.init(**kwargs)
        self._close_at_exit(_finish_quietly, run)
        self._wandb, self._run = wandb, run
        self._links_media = bool(getattr(run.settings, "allow_media_symlink", False))
        if isinstance(self._define_metric_cfg, dict):
            for metric, summary in self._define_metric_cfg.items():
                run.define_metric(metric, summary=summary)
        elif self._define_metric_cfg is not None:
            for metric_cfg in self._define_metric_cfg:
                run.define_metric(**metric_cfg)

    @property
    def experiment(self) -> Any:
        """The ``wandb`` module (its ``wandb.run`` is this backend's run)."""
        with self._lock:
            self._ensure_env()
            return self._wandb

    @property
    def run(self) -> Any:
        """The ``wandb.Run`` this backend logs to (started on first access)."""
        with self._lock:
            self._ensure_env()
            return self._run

    def add_config(self, config: Any, **kwargs: Any) -> None:
        """Update the run's config and log the code as MMEngine does (``run.log_code``)."""
        values = config_dict(config)
        with self._lock:
            self._ensure_env()
            allow = self._init_kwargs.get("allow_val_change", False)
            self._run.config.update(values, allow_val_change=allow)
            self._run.log_code(name=self._log_code_name)

    def add_graph(self, model: Any, data_batch: Sequence[dict], **kwargs: Any) -> None:
        """Watch ``model`` (gradients/parameters, per ``watch_kwargs``)."""
        with self._lock:
            self._ensure_env()
            self._run.watch(model, **self._watch_kwargs)

    def add_image(self, name: str, image: np.ndarray, step: int = 0, annotations: Optional[dict] = None,
                  **kwargs: Any) -> None:
        """Log ``image`` (uint8 RGB, gray or RGBA; see ``as_image``) at ``step``.

        With ``annotations`` (see ``scenevis/backends/_annotations.py``; what
        ``DetVisualizer.add_datasample`` sends) the same history row also holds
        ``{name}_interactive``: the sample's own image with its boxes and masks as W&B
        overlays (groups ``ground_truth`` and ``predictions``) that the image panel can
        toggle by class and filter by score.
        """
        self._check_name(name)
        step = self._check_step(step)
        rgb = self._check_image(image)
        overlay = None
        if annotations is not None:
            checked = check_annotations(annotations)
            overlay = (checked["image"], *wandb_overlays(checked))
        with self._lock:
            self._ensure_env()
            if self._links_media:
                row = {name: self._wandb.Image(rgb)}
                if overlay is not None:
                    row[f"{name}_interactive"] = self._overlay_image(overlay[0], overlay)
                self._run.log(row, step=step, commit=self._commit)
                return
            with tempfile.TemporaryDirectory(prefix="scenevis-wandb-") as folder:
                # wandb.Image reads each file (Pillow, sha256); log() copies it into the run.
                row = {name: self._wandb.Image(_png_file(folder, "image.png", rgb))}
                if overlay is not None:
                    row[f"{name}_interactive"] = self._overlay_image(_png_file(folder, "sample.png", overlay[0]),
                                                                     overlay)
                self._run.log(row, step=step, commit=self._commit)

    def _overlay_image(self, source: Any, overlay: tuple) -> Any:
        """A ``wandb.Image`` of ``source`` (an array or a PNG path) with the overlays."""
        _, boxes, masks = overlay
        return self._wandb.Image(source, boxes=boxes or None, masks=masks or None)

    def add_scalar(self, name: str, value: Union[int, float, Any], step: int = 0, **kwargs: Any) -> None:
        """Log one value at ``step``."""
        self._check_name(name)
        step = self._check_step(step)
        with self._lock:
            self._ensure_env()
            self._run.log({name: plain_value(value)}, step=step, commit=self._commit)

    def add_scalars(
        self, scalar_dict: dict, step: int = 0, file_path: Optional[str] = None, **kwargs: Any
    ) -> None:
        """Log every item of ``scalar_dict`` at ``step``; ``file_path`` is ignored."""
        if not isinstance(scalar_dict, dict):
            raise TypeError(f"scalar_dict: expected a dict, got {type(scalar_dict).__name__}")
        step = self._check_step(step)
        values = {key: plain_value(value) for key, value in scalar_dict.items()}
        with self._lock:
            self._ensure_env()
            self._run.log(values, step=step, commit=self._commit)

    def close(self) -> None:
        """Finish the run (once); later ``add_*`` calls raise ``RuntimeError``."""
        with self._lock:
            if self._run is not None and not self._finished:
                self._finished = True
                self._env_initialized = False
                self._cancel_close_at_exit()
                self._run.finish()
