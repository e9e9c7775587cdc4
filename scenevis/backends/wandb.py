"""``WandbVisBackend``: a Weights & Biases run (online or offline).

The run starts on first use with ``wandb.init(**init_kwargs)`` (``dir`` defaults to
``save_dir``). ``init_kwargs=dict(mode='offline')`` or ``WANDB_MODE=offline`` records
locally under ``save_dir/wandb/offline-run-*``, for ``wandb sync`` later.

Differences from MMEngine's backend, all deliberate:

- **Every value is kept at the caller's step.** W&B's own ``log(..., step=s)`` drops a
  call whose step is not above the last committed one (several calls at one step,
  validation at ``step=epoch`` after training at ``step=iter``); MMEngine drops ``step``
  altogether. Here each call is its own history row holding the caller's step as the
  metric ``step``, declared with ``define_metric('*', step_metric='step')``, so W&B
  plots every key against it (``define_metric_cfg`` entries get it too). ``step`` is
  therefore a reserved scalar name. With ``commit=False`` consecutive calls at one step
  share a row; a call at another step, or repeating a key, commits the row first.
- **Durability.** W&B writes the run file (``run-*.wandb``) in a service process
  (``wandb-core``) that flushes it every ``x_transaction_log_flush_interval`` seconds
  (W&B's default 15) and when the run finishes; a process killed before that loses what
  was not flushed. The run is started with that interval set to
  :data:`FLUSH_INTERVAL` unless ``init_kwargs['settings']`` sets it, and is finished at
  interpreter exit when ``close()`` was not called. On a full disk ``wandb-core`` stops
  writing the file for good (every later record is lost, silently), so before each call
  the backend checks that ``min_free_bytes`` are free on the run's file system (and
  below ``RLIMIT_FSIZE``) and otherwise raises ``OSError`` without logging.
- **Folders.** W&B's own folders that scenevis controls live in the run's folder:
  ``wandb-core``'s debug logs go to ``<dir>/wandb/logs`` when this backend starts the
  service (W&B's default is ``~/.cache/wandb/logs``), and ``add_config``'s staged copy of
  the code to the run's ``tmp/scenevis-data`` (W&B's default is
  ``~/.local/share/wandb/artifacts/staging``): kept for ``wandb sync`` in offline runs,
  removed at ``close()`` in online runs, which have uploaded it by then. Both are
  ``WANDB_CACHE_DIR``/``WANDB_DATA_DIR`` set for the duration of ``wandb.init`` and
  ``log_code`` only, and never when the caller set them.
- ``init_kwargs`` is copied, never modified.
- After ``close()`` (which finishes the run) any ``add_*`` call or ``experiment`` access
  raises ``RuntimeError``: a finished run cannot take more data, and starting a new run
  silently would split the record. Build a new backend to log again.
- Images are encoded to PNG by :mod:`scenevis._png` (the encoder of the local and
  TensorBoard backends) and handed to ``wandb.Image`` as a file, instead of as an array
  that ``wandb.Image`` encodes with Pillow at zlib level 6 (about 180 ms for a 720p image
  on the project's machine, against about 11 ms). The file lives in a private temporary
  folder inside ``save_dir``; ``wandb.Image`` reads it (Pillow decodes it for the width
  and height, and hashes it) and ``log`` copies it into the run's ``files/media/images``,
  so folder and file are deleted before ``add_image`` returns, whatever happens. The
  history row is the one wandb writes for an array: an ``image-file`` entry with the
  stored file's path, sha256, size, width, height and ``format: png``. A run started with
  ``allow_media_symlink=True`` would link the media file to the temporary one rather than
  copy it (the link would dangle once the file is deleted), so such a run gets the array
  and wandb's own encoding. Encoding runs outside the backend's lock.
"""
from __future__ import annotations

import contextlib
import errno
import os
import resource
import shutil
import tempfile
import threading
import warnings
from typing import Any, Dict, Iterator, Optional, Sequence, Union

import numpy as np

from scenevis._png import encode_png
from scenevis.backends._annotations import check_annotations, wandb_overlays
from scenevis.backends._config import config_dict
from scenevis.backends._values import scalar_value, scalar_values
from scenevis.backends.base import BaseVisBackend
from scenevis.errors import VisualizerValueError
from scenevis.registry import VISBACKENDS

__all__ = ["WandbVisBackend", "STEP_METRIC", "FLUSH_INTERVAL"]

_INSTALL = 'WandbVisBackend needs wandb: pip install "scenevis[wandb]"'

STEP_METRIC = "step"
"""The history key holding the caller's step; every other key is plotted against it."""

FLUSH_INTERVAL = 0.25
"""Seconds between flushes of the run file by ``wandb-core`` (``x_transaction_log_flush_interval``)."""

_FLUSH_SETTING = "x_transaction_log_flush_interval"
# os.environ is one per process: the windows in which W&B's folder variables are set
# must not interleave between backends in different threads.
_ENVIRON_LOCK = threading.Lock()


def _import_wandb() -> Any:
    try:
        import wandb
    except ImportError as err:
        raise ImportError(f"{_INSTALL} ({err})") from err
    return wandb


def _png_file(folder: str, filename: str, data: bytes) -> str:
    """PNG bytes written to a new file ``folder/filename``; returns its path."""
    path = os.path.join(folder, filename)
    with open(path, "xb") as handle:  # mode 0o666 less the umask, as Pillow's files
        handle.write(data)
    return path


def _finish_quietly(run: Any) -> None:
    """Finish ``run`` from a finalizer (collection or interpreter exit); errors become warnings."""
    try:
        run.finish()
    except Exception as err:  # at exit there is no caller left to raise to
        warnings.warn(f"WandbVisBackend: finishing the run failed: {err!r}", RuntimeWarning, stacklevel=1)


@contextlib.contextmanager
def _environ_defaults(**values: str) -> Iterator[None]:
    """Set the environment variables ``values`` that are not set, for the block only."""
    with _ENVIRON_LOCK:
        added = [name for name in values if name not in os.environ]
        for name in added:
            os.environ[name] = values[name]
        try:
            yield
        finally:
            for name in added:
                os.environ.pop(name, None)


def _with_flush_interval(wandb: Any, settings: Any) -> Any:
    """``settings`` (None, a dict or a ``wandb.Settings``) with :data:`FLUSH_INTERVAL`
    unless it sets the interval itself or this wandb has no such setting."""
    if _FLUSH_SETTING not in getattr(wandb.Settings, "model_fields", {}):
        return settings
    if settings is None:
        return {_FLUSH_SETTING: FLUSH_INTERVAL}
    if isinstance(settings, dict):
        return {_FLUSH_SETTING: FLUSH_INTERVAL, **settings}
    if _FLUSH_SETTING in getattr(settings, "model_fields_set", {_FLUSH_SETTING}):
        return settings
    return settings.model_copy(update={_FLUSH_SETTING: FLUSH_INTERVAL})


def _check_define_metric_cfg(cfg: Any) -> None:
    """``define_metric_cfg`` is None, a ``{metric: summary}`` dict, or a list of
    ``define_metric`` keyword dicts each naming its metric (``name=``)."""
    if cfg is None:
        return
    if isinstance(cfg, dict):
        items = cfg.keys()
    elif isinstance(cfg, (list, tuple)):
        for i, metric_cfg in enumerate(cfg):
            if not isinstance(metric_cfg, dict):
                raise TypeError(f"define_metric_cfg[{i}]: expected a dict of define_metric arguments, "
                                f"got {type(metric_cfg).__name__}")
            if "name" not in metric_cfg:
                raise VisualizerValueError(f"define_metric_cfg[{i}]: expected a 'name' key (the metric), "
                                           f"got keys {sorted(metric_cfg)}")
        items = [metric_cfg["name"] for metric_cfg in cfg]
    else:
        raise TypeError(f"define_metric_cfg: expected a dict, a list of dicts or None, got {type(cfg).__name__}")
    for name in items:
        if not isinstance(name, str) or not name:
            raise TypeError(f"define_metric_cfg: expected metric names as non-empty str, got {name!r}")


@VISBACKENDS.register_module()
class WandbVisBackend(BaseVisBackend):
    """Log scalars, images, the config and the model graph to a W&B run.

    Args:
        save_dir: folder for the run's local files (``wandb.init(dir=...)``).
        init_kwargs: keyword arguments of ``wandb.init`` (copied).
        define_metric_cfg: a dict ``{metric: summary}`` or a list of ``define_metric``
            keyword dicts, applied after the run starts as MMEngine applies them
            (``define_metric(metric, summary=summary)``, ``define_metric(**cfg)``); each
            metric is plotted against ``step`` unless its entry gives a ``step_metric``.
        commit: passed to every ``wandb.log`` call; ``False`` batches one step's calls.
        log_code_name: artifact name for ``run.log_code`` (called by :meth:`add_config`).
        watch_kwargs: keyword arguments of ``wandb.watch`` (used by :meth:`add_graph`).
        min_free_bytes: a call raises ``OSError`` instead of logging when fewer bytes
            than this are free for the run file (default 16 MiB).
    """

    def __init__(
        self,
        save_dir: Optional[str],
        init_kwargs: Optional[dict] = None,
        define_metric_cfg: Union[dict, list, None] = None,
        commit: Optional[bool] = True,
        log_code_name: Optional[str] = None,
        watch_kwargs: Optional[dict] = None,
        min_free_bytes: int = 16 << 20,
    ):
        if init_kwargs is not None and not isinstance(init_kwargs, dict):
            raise TypeError(f"init_kwargs: expected a dict or None, got {type(init_kwargs).__name__}")
        _check_define_metric_cfg(define_metric_cfg)
        if watch_kwargs is not None and not isinstance(watch_kwargs, dict):
            raise TypeError(f"watch_kwargs: expected a dict or None, got {type(watch_kwargs).__name__}")
        if isinstance(min_free_bytes, bool) or not isinstance(min_free_bytes, int) or min_free_bytes < 0:
            raise VisualizerValueError(f"min_free_bytes: expected an int >= 0, got {min_free_bytes!r}")
        super().__init__(save_dir)
        self._init_kwargs = dict(init_kwargs) if init_kwargs is not None else {}
        self._define_metric_cfg = define_metric_cfg
        self._commit = commit
        self._log_code_name = log_code_name
        self._watch_kwargs = dict(watch_kwargs) if watch_kwargs is not None else {}
        self._min_free_bytes = min_free_bytes
        self._wandb: Any = None
        self._run: Any = None
        self._run_file: Optional[str] = None  # the run's file, read once (wandb copies its settings per read)
        self._finished = False
        self._links_media = False
        self._pending_step: Optional[int] = None  # commit=False: the step of the open row
        self._pending_keys: set = set()

    def _init_env(self) -> None:
        """Import wandb, start the run and declare the step metric."""
        if self._finished:
            raise RuntimeError("WandbVisBackend is closed: its run has finished; build a new backend to log again")
        root = self._require_save_dir()
        wandb = _import_wandb()
        os.makedirs(root, exist_ok=True)
        kwargs = dict(self._init_kwargs)
        kwargs.setdefault("dir", root)
        kwargs["settings"] = _with_flush_interval(wandb, kwargs.get("settings"))
        # wandb-core puts its debug logs in $WANDB_CACHE_DIR/wandb/logs when it starts.
        with _environ_defaults(WANDB_CACHE_DIR=os.path.abspath(kwargs["dir"])):
            run = wandb.init(**kwargs)
        self._close_at_exit(_finish_quietly, run)
        self._wandb, self._run = wandb, run
        self._run_file = None
        self._links_media = bool(getattr(run.settings, "allow_media_symlink", False))
        run.define_metric(STEP_METRIC)
        run.define_metric("*", step_metric=STEP_METRIC)
        # MMEngine's calls, as given: define_metric(name, summary=...) per dict item and
        # define_metric(**cfg) per list item. A metric defined by name no longer follows
        # the '*' glob, so it gets the step metric first; W&B merges the two definitions
        # (define_metric's overwrite=None), and a step_metric of the user's wins.
        if isinstance(self._define_metric_cfg, dict):
            calls = [((metric,), {"summary": summary}) for metric, summary in self._define_metric_cfg.items()]
        else:
            calls = [((), dict(metric_cfg)) for metric_cfg in self._define_metric_cfg or ()]
        for args, kwargs in calls:
            if "step_metric" not in kwargs:
                run.define_metric(args[0] if args else kwargs["name"], step_metric=STEP_METRIC)
            run.define_metric(*args, **kwargs)

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

    def _staging_folder(self) -> str:
        """Where ``log_code`` stages its copies: inside the run's own folder."""
        return os.path.join(self._run.settings.sync_dir, "tmp", "scenevis-data")

    def _check_room(self) -> None:
        """Raise ``OSError`` when the run file has less than ``min_free_bytes`` to grow.
        A disabled run (``mode='disabled'``, ``WANDB_MODE=disabled``) writes no file."""
        if self._run.disabled:
            return
        if self._run_file is None:
            self._run_file = self._run.settings.sync_file
        run_file = self._run_file
        stats = os.statvfs(os.path.dirname(run_file))
        free = stats.f_bavail * stats.f_frsize
        if free < self._min_free_bytes:
            raise OSError(errno.ENOSPC, f"WandbVisBackend: {free} bytes free for the run file {run_file!r}, "
                          f"fewer than min_free_bytes={self._min_free_bytes}; nothing was logged (a full disk "
                          "would make wandb-core drop every later record)")
        limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
        if limit != resource.RLIM_INFINITY:
            try:
                size = os.path.getsize(run_file)
            except FileNotFoundError:
                size = 0
            if limit - size < self._min_free_bytes:
                raise OSError(errno.EFBIG, f"WandbVisBackend: the run file {run_file!r} can grow {limit - size} "
                              f"more bytes under RLIMIT_FSIZE, fewer than min_free_bytes={self._min_free_bytes}; "
                              "nothing was logged")

    def _log(self, values: Dict[str, Any], step: int) -> None:
        """Log ``values`` at ``step`` as (part of) one history row; under the lock."""
        self._check_room()
        row = dict(values)
        row[STEP_METRIC] = step
        if self._commit is False:
            if self._pending_keys and (step != self._pending_step or not self._pending_keys.isdisjoint(values)):
                self._run.log({}, commit=True)
                self._pending_keys = set()
            self._pending_step = step
            self._pending_keys.update(values)
            self._run.log(row, commit=False)
        else:
            self._run.log(row, commit=True)

    def add_config(self, config: Any, **kwargs: Any) -> None:
        """Update the run's config and log the code as MMEngine does (``run.log_code``)."""
        values = config_dict(config)
        with self._lock:
            self._ensure_env()
            allow = self._init_kwargs.get("allow_val_change", False)
            self._run.config.update(values, allow_val_change=allow)
            with _environ_defaults(WANDB_DATA_DIR=self._staging_folder()):
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
        self._ensure_env()
        data = None if self._links_media else encode_png(rgb)  # outside the lock
        with self._lock:
            self._ensure_env()
            if data is None:
                row = {name: self._wandb.Image(rgb)}
                if overlay is not None:
                    row[f"{name}_interactive"] = self._overlay_image(overlay[0], overlay)
                self._log(row, step)
                return
            with tempfile.TemporaryDirectory(prefix=".scenevis-wandb-", dir=self._save_dir) as folder:
                # wandb.Image reads each file (Pillow, sha256); log() copies it into the run.
                row = {name: self._wandb.Image(_png_file(folder, "image.png", data))}
                if overlay is not None:
                    row[f"{name}_interactive"] = self._overlay_image(
                        _png_file(folder, "sample.png", encode_png(overlay[0])), overlay)
                self._log(row, step)

    def _overlay_image(self, source: Any, overlay: tuple) -> Any:
        """A ``wandb.Image`` of ``source`` (an array or a PNG path) with the overlays."""
        _, boxes, masks = overlay
        return self._wandb.Image(source, boxes=boxes or None, masks=masks or None)

    def add_video(self, name: str, video: Any, step: int = 0, **kwargs: Any) -> None:
        """Log ``video`` (an :class:`~scenevis.video.EncodedVideo`) as a ``wandb.Video`` at
        ``step``; ``log`` copies the MP4 into the run's ``files/media/videos``."""
        self._check_name(name)
        step = self._check_step(step)
        with self._lock:
            self._ensure_env()
            if self._links_media:
                raise RuntimeError("add_video: this run links media files (allow_media_symlink=True) to the "
                                   "temporary video, which is deleted after logging; start the run without it")
            self._log({name: self._wandb.Video(video.path, format="mp4")}, step)

    def add_scalar(self, name: str, value: Union[int, float, Any], step: int = 0, **kwargs: Any) -> None:
        """Log one value at ``step``."""
        values = {self._check_name(name): scalar_value(value)}
        step = self._check_step(step)
        with self._lock:
            self._ensure_env()
            self._log(values, step)

    def add_scalars(
        self, scalar_dict: dict, step: int = 0, file_path: Optional[str] = None, **kwargs: Any
    ) -> None:
        """Log every item of ``scalar_dict`` at ``step``; ``file_path`` is ignored."""
        values = scalar_values(scalar_dict)
        step = self._check_step(step)
        with self._lock:
            self._ensure_env()
            self._log(values, step)

    def close(self) -> None:
        """Finish the run (once); later ``add_*`` calls raise ``RuntimeError``."""
        with self._lock:
            if self._run is not None and not self._finished:
                self._finished = True
                self._env_initialized = False
                self._cancel_close_at_exit()
                staging, offline = self._staging_folder(), self._run.settings._offline
                self._run.finish()
                if not offline:  # uploaded by now: the staged copies can go
                    shutil.rmtree(staging, ignore_errors=True)
