"""``MLflowVisBackend``: an MLflow run, through ``mlflow.tracking.MlflowClient``.

MMEngine's constructor arguments; the run is started on first use and ended by
``close()``. Differences from MMEngine's backend, all deliberate:

- **Default store.** Without ``tracking_uri`` the run goes to an SQLite database,
  ``save_dir/mlflow.db``, with artifacts under ``save_dir/mlruns`` (MMEngine uses the
  file store ``file://save_dir``, which MLflow 3 refuses unless ``MLFLOW_ALLOW_FILE_STORE``
  is set, and its ``Default`` experiment would keep artifacts in ``./mlruns`` of the
  working folder).
- **No global state.** Everything goes through one ``MlflowClient`` and this backend's
  run id, so two backends in one process never mix runs; MMEngine sets the process-wide
  tracking URI and active run. ``experiment`` is still the ``mlflow`` module, as in
  MMEngine: on first access this backend's run becomes mlflow's active run (when no
  other run is active), so ``backend.experiment.log_artifact(...)`` lands in it.
- **Images** keep every step: ``{name}_{step}.png`` at the run's artifact root (folders
  from ``/`` in ``name``, by the rule of ``scenevis/backends/_paths.py``), encoded by
  :mod:`scenevis._png`; MMEngine logs ``name`` itself (which must end in an image
  extension) through Pillow, and each step overwrites the last.
- **Scalars** that are not one number are skipped with a ``UserWarning``; ``'step'`` in
  ``scalar_dict`` is a ``ValueError``. ``add_scalars`` is one ``log_batch`` call.
- **Config**: a dict, an ``mmengine.Config`` or a config file; parameter values longer
  than MLflow's limit are cut by MLflow (with its warning). ``config.py`` is stored as an
  artifact as in MMEngine. At ``close()`` the files of the config's ``work_dir`` ending in
  ``artifact_suffix`` are uploaded (MMEngine's behaviour), except this backend's own store.
- **Annotations**: ``add_image(..., annotations=...)`` (what ``DetVisualizer.add_datasample``
  sends) also stores them as the JSON document ``{name}_{step}.json`` beside the image.
"""
from __future__ import annotations

import os
import time
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from scenevis._png import encode_png
from scenevis.backends._annotations import annotations_json, check_annotations
from scenevis.backends._config import config_text
from scenevis.backends._paths import name_parts
from scenevis.backends._tracker import (TrackerBackend, check_optional, check_suffixes, flatten, import_sdk,
                                        json_bytes, plain_config, run_files, staged_file,
                                        warn_at_exit)
from scenevis.registry import VISBACKENDS

__all__ = ["MLflowVisBackend"]

_NAME = "MLflowVisBackend"
DB_FILE = "mlflow.db"
ARTIFACT_FOLDER = "mlruns"


@VISBACKENDS.register_module()
class MLflowVisBackend(TrackerBackend):
    """Log scalars as metrics, images and the config as artifacts, and the config as params.

    Args:
        save_dir: the run's folder: the default store lives here, and files handed to
            MLflow are staged here.
        exp_name: the experiment (created when missing). Defaults to ``'Default'``.
        run_name: the run's name.
        tags: tags of the run.
        params: params logged when the run starts.
        tracking_uri: where runs are recorded (``sqlite:///...``, ``http://...``).
            Defaults to ``sqlite:///<save_dir>/mlflow.db``.
        artifact_suffix: suffixes of the ``work_dir`` files uploaded at ``close()``.
        tracked_config_keys: top-level config keys logged as params (all when ``None``).
        artifact_location: artifact location of a newly created experiment. Defaults to
            the tracking server's choice (``save_dir/mlruns/<id>`` for the default store).
    """

    def __init__(
        self,
        save_dir: Optional[str],
        exp_name: Optional[str] = None,
        run_name: Optional[str] = None,
        tags: Optional[dict] = None,
        params: Optional[dict] = None,
        tracking_uri: Optional[str] = None,
        artifact_suffix: Union[str, Sequence[str]] = (".json", ".log", ".py", "yaml"),
        tracked_config_keys: Optional[Sequence[str]] = None,
        artifact_location: Optional[str] = None,
    ):
        check_optional(exp_name, str, "exp_name", "a str")
        check_optional(run_name, str, "run_name", "a str")
        check_optional(tags, dict, "tags", "a dict")
        check_optional(params, dict, "params", "a dict")
        check_optional(tracking_uri, str, "tracking_uri", "a str")
        check_optional(artifact_location, str, "artifact_location", "a str")
        suffixes = check_suffixes(artifact_suffix)
        if tracked_config_keys is not None:
            if isinstance(tracked_config_keys, str) or not all(isinstance(k, str) for k in tracked_config_keys):
                raise TypeError(f"tracked_config_keys: expected a sequence of str or None, got {tracked_config_keys!r}")
            tracked_config_keys = list(tracked_config_keys)
        super().__init__(save_dir)
        self._exp_name = exp_name or "Default"
        self._run_name = run_name
        self._tags = dict(tags) if tags is not None else {}
        self._params = dict(params) if params is not None else {}
        self._tracking_uri = tracking_uri
        self._artifact_suffix = suffixes
        self._tracked_config_keys = tracked_config_keys
        self._artifact_location = artifact_location
        self._mlflow: Any = None
        self._client: Any = None
        self._run_id: Optional[str] = None
        self._work_dir: Optional[str] = None

    # -- the run ---------------------------------------------------------------------------
    def _start(self) -> None:
        root = os.path.abspath(self._require_save_dir())
        mlflow = import_sdk("mlflow", _NAME, "mlflow")
        from mlflow.tracking import MlflowClient

        os.makedirs(root, exist_ok=True)
        uri, store = self._tracking_uri, None
        if uri is None:
            database = os.path.join(root, DB_FILE)
            fresh = not os.path.exists(database)
            uri = "sqlite:///" + database
            store = _create_store(uri, os.path.join(root, ARTIFACT_FOLDER))
            if fresh and filesystem_type(root) in LOCAL_FILESYSTEMS:
                _write_ahead_log(database)
        client = MlflowClient(tracking_uri=uri)
        experiment = client.get_experiment_by_name(self._exp_name)
        if experiment is not None:
            experiment_id = experiment.experiment_id
        elif store is not None and self._artifact_location is None:
            experiment_id = store.create_experiment(self._exp_name)  # under save_dir/mlruns
        else:
            experiment_id = client.create_experiment(self._exp_name, artifact_location=self._artifact_location)
        run = client.create_run(experiment_id, tags=self._tags, run_name=self._run_name)
        self._mlflow, self._client, self._run_id = mlflow, client, run.info.run_id
        self._close_at_exit(warn_at_exit, _NAME, "ending the run", client.set_terminated, self._run_id)
        if self._params:
            self._log_params(self._params)

    def _finish(self) -> None:
        try:
            self._upload_work_dir()
        finally:
            active = self._mlflow.active_run()
            if active is not None and active.info.run_id == self._run_id:
                self._mlflow.end_run()
            else:
                self._client.set_terminated(self._run_id)

    @property
    def experiment(self) -> Any:
        """The ``mlflow`` module, with this backend's run made its active run (unless
        another run is active: then use :attr:`client` and :attr:`run_id`)."""
        with self._lock:
            self._ensure_env()
            mlflow = self._mlflow
            if mlflow.active_run() is None:
                mlflow.set_tracking_uri(self._client.tracking_uri)
                mlflow.start_run(run_id=self._run_id)
            return mlflow

    @property
    def client(self) -> Any:
        """The ``MlflowClient`` this backend logs through (the run starts on first access)."""
        with self._lock:
            self._ensure_env()
            return self._client

    @property
    def run_id(self) -> str:
        """The id of this backend's run (the run starts on first access)."""
        with self._lock:
            self._ensure_env()
            return self._run_id  # type: ignore[return-value]

    # -- recording -------------------------------------------------------------------------
    def add_config(self, config: Any, **kwargs: Any) -> None:
        """Log the (tracked keys of the) config as flattened params and ``config.py``."""
        tree = plain_config(config)
        work_dir = tree.get("work_dir")
        if self._tracked_config_keys is not None:
            missing = [k for k in self._tracked_config_keys if k not in tree]
            if missing:
                raise KeyError(f"tracked_config_keys: {missing} are not top-level keys of the config "
                               f"(its keys: {sorted(tree)})")
            tree = {k: tree[k] for k in self._tracked_config_keys}
        text = config_text(config).encode("utf-8")
        with self._lock:
            self._ensure_env()
            self._log_params(flatten(tree))
            self._log_bytes(text, [], "config.py")
            if isinstance(work_dir, str):
                self._work_dir = work_dir

    def add_image(self, name: str, image: np.ndarray, step: int = 0, annotations: Optional[dict] = None,
                  **kwargs: Any) -> None:
        """Store ``image`` (uint8 RGB, gray or RGBA) as the artifact ``{name}_{step}.png``;
        ``annotations`` (see ``scenevis/backends/_annotations.py``), when given, as the JSON
        document ``{name}_{step}.json`` beside it (boxes, labels, class names, scores, masks
        as COCO run-length encodings)."""
        self._check_name(name)
        step = self._check_step(step)
        rgb = self._check_image(image)
        document = None if annotations is None else json_bytes(annotations_json(check_annotations(annotations)))
        data = encode_png(rgb)
        folders, stem = _artifact_path(name, step)
        with self._lock:
            self._ensure_env()
            self._log_bytes(data, folders, stem + ".png")
            if document is not None:
                self._log_bytes(document, folders, stem + ".json")

    def add_video(self, name: str, video: Any, step: int = 0, **kwargs: Any) -> None:
        """Store ``video`` (a :class:`scenevis.video.EncodedVideo`) as the artifact
        ``{name}_{step}.mp4``, which MLflow's artifact viewer plays."""
        self._check_name(name)
        step = self._check_step(step)
        folders, stem = _artifact_path(name, step)
        with open(video.path, "rb") as handle:
            data = handle.read()
        with self._lock:
            self._ensure_env()
            self._log_bytes(data, folders, stem + ".mp4")

    # -- helpers ---------------------------------------------------------------------------
    def _log_scalars(self, items: List[Tuple[str, float]], step: int) -> None:
        """One ``log_batch`` of metrics at ``step``."""
        from mlflow.entities import Metric

        stamp = int(time.time() * 1000)
        self._client.log_batch(self._run_id, metrics=[Metric(k, v, stamp, step) for k, v in items])

    def _log_params(self, params: Dict[str, Any]) -> None:
        from mlflow.entities import Param

        self._client.log_batch(self._run_id, params=[Param(str(k), str(v)) for k, v in params.items()])

    def _log_bytes(self, data: bytes, folders: List[str], filename: str) -> None:
        """Store ``data`` as the artifact ``folders/filename`` (staged inside ``save_dir``)."""
        with staged_file(self._save_dir, filename, data) as path:  # type: ignore[arg-type]
            self._client.log_artifact(self._run_id, path, "/".join(folders) or None)

    def _upload_work_dir(self) -> None:
        """Upload the ``work_dir`` files ending in ``artifact_suffix`` (not this backend's store)."""
        if self._work_dir is None:
            return
        root = os.path.abspath(self._save_dir)  # type: ignore[arg-type]
        own = [os.path.join(root, ARTIFACT_FOLDER), os.path.join(root, DB_FILE)]
        for path, folder in run_files(self._work_dir, self._artifact_suffix, recursive=True, exclude=own):
            self._client.log_artifact(self._run_id, path, folder or None)


def _artifact_path(name: str, step: int) -> Tuple[List[str], str]:
    """The artifact folders and file stem of image ``name`` at ``step``: ``{name}_{step}``."""
    parts = name_parts(name, f"_{step}.png")
    return parts[:-1], parts[-1][: -len(".png")]


#: Filesystems on which SQLite's write-ahead log is safe (one host, shared memory works).
LOCAL_FILESYSTEMS = frozenset({"ext2", "ext3", "ext4", "xfs", "btrfs", "zfs", "f2fs", "jfs", "bcachefs", "tmpfs",
                               "ramfs", "overlay", "apfs"})


def filesystem_type(path: str) -> Optional[str]:
    """The type of the filesystem holding ``path`` (``'ext4'``, ``'nfs4'``...) from
    ``/proc/self/mountinfo``, or ``None`` where that cannot be read."""
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return None
    target = os.path.realpath(path)
    best, kind = "", None
    for line in lines:
        fields, _, rest = line.partition(" - ")
        parts = fields.split()
        if len(parts) < 5 or not rest:
            continue
        mount = parts[4].replace("\\040", " ")
        inside = target == mount or target.startswith(mount.rstrip("/") + "/")
        if inside and len(mount) >= len(best):
            best, kind = mount, rest.split()[0]
    return kind


def _write_ahead_log(database: str) -> None:
    """Switch the new database to SQLite's write-ahead log (a setting kept in the file).

    A commit then appends to one log file instead of writing a rollback journal and the
    database (one sync instead of several: about 1.6x faster per MLflow call here), and a
    reader such as ``mlflow ui`` no longer blocks the training process's writes. Only on
    local filesystems: SQLite's log needs shared memory that network filesystems lack.
    """
    import sqlite3

    connection = sqlite3.connect(database)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
    finally:
        connection.close()


def _create_store(uri: str, artifact_root: str) -> Any:
    """The SQLite store at ``uri`` with its default artifact root at ``artifact_root``.

    Creating the database through this store (rather than through ``MlflowClient``, whose
    store roots artifacts at ``./mlruns`` of the working folder) puts the ``Default``
    experiment's artifacts inside ``save_dir`` too.
    """
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    return SqlAlchemyStore(uri, artifact_root)
