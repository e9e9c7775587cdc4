"""What the experiment-tracker backends (MLflow, ClearML, Neptune, DVCLive, Aim) share.

- :func:`import_sdk`: the SDK is imported on first use; when it is missing the error says
  what to install (``pip install "scenevis[mlflow]"``).
- :class:`TrackerBackend`: a backend over one run held by an SDK. The run starts on first
  use; ``close()`` finishes it (and so does collection or interpreter exit); after
  ``close()`` every ``add_*`` call and ``experiment`` access raises ``RuntimeError``,
  because a finished run takes no more data and silently starting a second one would split
  the record (the rule of ``WandbVisBackend``).
- :func:`scalar_items`: the input rule for scalars every backend shares
  (:func:`scenevis.backends._values.scalar_values`: names every backend stores as given,
  no ``'step'`` key, each value one real number). :class:`TrackerBackend` implements
  ``add_scalar`` and ``add_scalars`` with it; each tracker only says how it stores them.
- :func:`staged_file`: bytes an SDK wants as a file (it copies the file into its run) are
  written to a private folder made inside ``save_dir`` through
  :class:`~scenevis.backends._paths.SaveDir` (never the system temp folder, never through
  a symlink), and removed when the SDK is done with them.
- :func:`plain_config`, :func:`flatten`, :func:`run_files`: the config as plain values,
  flattened keys for trackers that store flat parameters, and the work-dir files MMEngine
  uploads as artifacts when a run ends.
"""
from __future__ import annotations

import abc
import contextlib
import importlib
import json
import os
import warnings
from collections.abc import Mapping
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np

from scenevis._arrays import as_numpy
from scenevis.backends._config import config_dict
from scenevis.backends._paths import SaveDir
from scenevis.backends._values import scalar_values
from scenevis.backends.base import BaseVisBackend

__all__ = ["import_sdk", "TrackerBackend", "scalar_items", "staged_file", "plain_config", "flatten",
           "run_files", "check_suffixes", "check_optional", "warn_at_exit", "json_bytes"]


def import_sdk(module: str, backend: str, extra: str) -> Any:
    """Import ``module`` or raise ``ImportError`` naming the extra that installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise ImportError(f'{backend} needs {extra}: pip install "scenevis[{extra}]" ({err})') from err


def check_optional(value: Any, kinds: Union[type, Tuple[type, ...]], arg: str, expected: str) -> Any:
    """``value`` unchanged when it is ``None`` or of ``kinds``; else ``TypeError`` naming ``arg``."""
    if value is not None and not isinstance(value, kinds):
        raise TypeError(f"{arg}: expected {expected} or None, got {type(value).__name__}")
    return value


def check_suffixes(value: Any, arg: str = "artifact_suffix") -> Tuple[str, ...]:
    """A suffix or a sequence of suffixes (MMEngine's ``SUFFIX_TYPE``) as a tuple of str."""
    suffixes = (value,) if isinstance(value, str) else value
    if not isinstance(suffixes, (list, tuple)) or not all(isinstance(s, str) for s in suffixes):
        raise TypeError(f"{arg}: expected a str or a tuple of str, got {value!r}")
    return tuple(suffixes)


def scalar_items(scalar_dict: Any) -> List[Tuple[str, Union[bool, int, float]]]:
    """The items of ``scalar_dict`` as ``(name, number)`` pairs, checked by the rule every
    backend shares (:func:`scenevis.backends._values.scalar_values`)."""
    return list(scalar_values(scalar_dict).items())


@contextlib.contextmanager
def staged_file(root: str, filename: str, data: bytes) -> Iterator[str]:
    """Yield the path of a new file holding ``data``, in a private folder inside ``root``.

    ``filename`` is one path component (already made safe by the caller). The folder
    (``root/.scenevis-stage-*``) and the file are made through :class:`SaveDir`, and
    removed on exit whatever happens, so an SDK that copies the file into its run leaves
    nothing behind.
    """
    folder = f".scenevis-stage-{os.getpid()}-{os.urandom(6).hex()}"
    save_dir = SaveDir(root)
    try:
        save_dir.replace([folder, filename], data)
        try:
            yield os.path.join(save_dir.path, folder, filename)
        finally:
            save_dir.remove([folder, filename])
            save_dir.remove_folder([folder])
    finally:
        save_dir.close()


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping) or callable(getattr(value, "to_dict", None)) and not isinstance(value, type):
        items = value.to_dict() if not isinstance(value, Mapping) else value
        return {str(k): _plain(v) for k, v in items.items()}
    if isinstance(value, (list, tuple, set, frozenset, range)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if all(hasattr(value, attr) for attr in ("detach", "cpu", "numpy")):  # tensors
        return as_numpy(value, "config").tolist()
    return repr(value) if isinstance(value, type) else str(value)


def plain_config(config: Any) -> Dict[str, Any]:
    """The config (see :func:`scenevis.backends._config.config_dict`) as JSON-like values:
    dicts with str keys, lists, str, int, float, bool and None. Tuples and sets become
    lists, numpy values and tensors Python numbers or lists, and any other object its
    ``str`` (a class in a lazy-import config, for instance)."""
    return _plain(config_dict(config))


def flatten(tree: Dict[str, Any], parent: str = "", sep: str = ".") -> Dict[str, Any]:
    """Nested dicts as one level of ``'a.b.c'`` keys, as MMEngine flattens MLflow params.

    A list holding a dict is flattened item by item under ``'key.0'``, ``'key.1'``, ...
    (its non-dict items are dropped, as in MMEngine); other lists stay values.
    """
    flat: Dict[str, Any] = {}
    for key, value in tree.items():
        name = f"{parent}{sep}{key}" if parent else str(key)
        if isinstance(value, Mapping):
            flat.update(flatten(dict(value), name, sep))
        elif isinstance(value, list) and any(isinstance(item, Mapping) for item in value):
            for index, item in enumerate(value):
                if isinstance(item, Mapping):
                    flat.update(flatten(dict(item), f"{name}{sep}{index}", sep))
        else:
            flat[name] = value
    return flat


def run_files(folder: str, suffixes: Sequence[str], recursive: bool,
              exclude: Iterable[str] = ()) -> List[Tuple[str, str]]:
    """Files under ``folder`` whose names end in one of ``suffixes``, as ``(path, relative
    folder)`` pairs in name order: what MMEngine uploads as artifacts when a run ends.

    Symlinks (to files or folders) are not followed, and the folders in ``exclude`` (the
    tracker's own files) are skipped.
    """
    if not os.path.isdir(folder):
        return []
    skip = {os.path.realpath(path) for path in exclude}
    found = []
    for current, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if os.path.realpath(os.path.join(current, d)) not in skip
                         and not os.path.islink(os.path.join(current, d)))
        for name in sorted(files):
            path = os.path.join(current, name)
            if name.endswith(tuple(suffixes)) and not os.path.islink(path) and os.path.realpath(path) not in skip:
                relative = os.path.relpath(current, folder)
                found.append((path, "" if relative == "." else relative))
        if not recursive:
            break
    return found


class TrackerBackend(BaseVisBackend):
    """A backend over one run of an experiment tracker (see the module docstring).

    Subclasses implement :meth:`_start` (import the SDK, start the run, register its
    finishing with :meth:`_close_at_exit`), :meth:`_finish` and :meth:`_log_scalars`, and
    call :meth:`_ensure_env` under ``self._lock`` in their other ``add_*`` methods.
    """

    def __init__(self, save_dir: Optional[str]):
        super().__init__(save_dir)
        self._finished = False

    @abc.abstractmethod
    def _start(self) -> None:
        """Import the SDK and start the run."""

    @abc.abstractmethod
    def _finish(self) -> None:
        """Finish the run (upload what MMEngine uploads at the end, then end it)."""

    @abc.abstractmethod
    def _log_scalars(self, items: List[Tuple[str, float]], step: int) -> None:
        """Record ``(name, value)`` pairs at ``step`` (called under the lock, run started)."""

    def add_scalar(self, name: str, value: Union[int, float, Any], step: int = 0, **kwargs: Any) -> None:
        """Record one number at ``step`` (see :func:`scalar_items`)."""
        step = self._check_step(step)
        self._record(scalar_items({self._check_name(name): value}), step)

    def add_scalars(self, scalar_dict: dict, step: int = 0, file_path: Optional[str] = None, **kwargs: Any) -> None:
        """Record the numbers of ``scalar_dict`` at ``step`` (see :func:`scalar_items`);
        ``file_path`` is ignored, as in MMEngine's trackers."""
        step = self._check_step(step)
        self._record(scalar_items(scalar_dict), step)

    def _record(self, items: List[Tuple[str, float]], step: int) -> None:
        with self._lock:
            self._ensure_env()
            if items:
                self._log_scalars(items, step)

    def _init_env(self) -> None:
        if self._finished:
            raise RuntimeError(f"{type(self).__name__} is closed: its run has finished; "
                               "build a new backend to log again")
        self._start()

    def close(self) -> None:
        """Finish the run (once); later ``add_*`` calls raise ``RuntimeError``. Closing a
        backend that never started does nothing."""
        with self._lock:
            if self._env_initialized and not self._finished:
                self._finished = True
                self._env_initialized = False
                self._cancel_close_at_exit()
                self._finish()


def warn_at_exit(backend: str, action: str, func: Any, *args: Any) -> None:
    """Call ``func(*args)`` from a finalizer; an error becomes a ``RuntimeWarning`` (at
    interpreter exit there is no caller left to raise to)."""
    try:
        func(*args)
    except Exception as err:
        warnings.warn(f"{backend}: {action} failed: {err!r}", RuntimeWarning, stacklevel=2)


def json_bytes(value: Any) -> bytes:
    """``value`` as indented UTF-8 JSON (the annotation artifacts)."""
    return json.dumps(value, indent=1, ensure_ascii=False).encode("utf-8")
