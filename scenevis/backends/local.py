"""``LocalVisBackend``: images, scalars and the config as plain files under ``save_dir``.

On-disk layout (MMEngine's):

- ``save_dir/vis_image/{name}_{step}.png`` for each image (``/`` in ``name`` makes
  sub-folders; see :mod:`scenevis.backends._paths` for the full name rule);
- ``save_dir/scalars.json``: JSON Lines, one object per ``add_scalar``/``add_scalars``
  call with ``"step"`` last, byte-for-byte what MMEngine writes;
- ``save_dir/config.py``: the config as readable Python (a config file is copied).

Guarantees:

- Scalars are appended, never truncated: each call's line goes to the file in one
  ``write`` on a descriptor opened with ``O_APPEND``, before the call returns, so a process
  killed right after a call returns keeps that call's line complete.
- Images and the config are written to a temporary name in the target folder and renamed,
  so a crash never leaves a truncated file under the final name.
- ``close()`` closes the open scalar files and may be called any number of times; an
  ``add_*`` call after ``close()`` reopens the files in append mode and goes on.
"""
from __future__ import annotations

import os
from typing import Any, Callable, Dict, Optional, Union

import numpy as np

from scenevis._png import atomic_write, write_png
from scenevis.backends._config import config_bytes
from scenevis.backends._paths import check_inside, safe_join
from scenevis.backends._values import json_line, plain_value
from scenevis.backends.base import BaseVisBackend
from scenevis.registry import VISBACKENDS

__all__ = ["LocalVisBackend"]


class _AppendFiles:
    """Unbuffered append-mode files by path; closed by ``close()`` (also from a finalizer)."""

    def __init__(self) -> None:
        self._files: Dict[str, Any] = {}

    def write(self, path: str, data: bytes, prepare: Callable[[str], str]) -> None:
        """Append ``data`` with one ``write``; ``prepare(path)`` runs before opening a new file."""
        handle = self._files.get(path)
        if handle is None:
            handle = self._files[path] = open(prepare(path), "ab", buffering=0)
        view = memoryview(data)
        while view:
            written = handle.write(view)
            view = view[written:]

    def close(self) -> None:
        files, self._files = self._files, {}
        for handle in files.values():
            handle.close()


def _check_suffix(value: Any, suffix: str, arg: str) -> str:
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"{arg}: expected a str, got {type(value).__name__}")
    value = os.fspath(value)
    if not value.endswith(suffix):
        raise ValueError(f"{arg}: expected a file name ending in {suffix!r}, got {value!r}")
    return value


@VISBACKENDS.register_module()
class LocalVisBackend(BaseVisBackend):
    """Write images, scalars and the config to files under ``save_dir``.

    Args:
        save_dir: the run's folder (created on first use).
        img_save_dir: images folder inside ``save_dir``. Defaults to ``'vis_image'``.
        config_save_file: config file inside ``save_dir``; must end in ``.py``.
        scalar_save_file: JSON Lines file inside ``save_dir``; must end in ``.json``.

    Paths given here and ``file_path=`` of :meth:`add_scalars` are always inside
    ``save_dir`` (an absolute path or ``..`` is mapped inside it, see ``docs/backends.md``).
    """

    def __init__(
        self,
        save_dir: Optional[str],
        img_save_dir: str = "vis_image",
        config_save_file: str = "config.py",
        scalar_save_file: str = "scalars.json",
    ):
        if not isinstance(img_save_dir, (str, os.PathLike)):
            raise TypeError(f"img_save_dir: expected a str, got {type(img_save_dir).__name__}")
        self._args = (
            os.fspath(img_save_dir),
            _check_suffix(config_save_file, ".py", "config_save_file"),
            _check_suffix(scalar_save_file, ".json", "scalar_save_file"),
        )
        super().__init__(save_dir)
        self._img_save_dir, self._config_save_file, self._scalar_save_file = self._args
        self._files = _AppendFiles()

    def _init_env(self) -> None:
        """Create ``save_dir`` and resolve the paths inside it."""
        root = self._require_save_dir()
        os.makedirs(root, exist_ok=True)
        img_dir, config_file, scalar_file = self._args
        self._img_save_dir = safe_join(root, img_dir, arg="img_save_dir")
        self._config_save_file = safe_join(root, config_file, arg="config_save_file")
        self._scalar_save_file = safe_join(root, scalar_file, arg="scalar_save_file")
        self._close_at_exit(self._files.close)

    @property
    def experiment(self) -> "LocalVisBackend":
        """The backend itself."""
        self._ensure_env()
        return self

    def _prepare(self, path: str) -> str:
        folder = os.path.dirname(path)
        if folder:
            os.makedirs(folder, exist_ok=True)
        check_inside(self._save_dir, path)  # type: ignore[arg-type]
        return path

    def add_config(self, config: Any, **kwargs: Any) -> None:
        """Write ``config`` to ``config.py`` (replacing it atomically); a file is copied."""
        data = config_bytes(config)
        with self._lock:
            self._ensure_env()
            atomic_write(self._prepare(self._config_save_file), data)

    def add_image(self, name: str, image: np.ndarray, step: int = 0, **kwargs: Any) -> None:
        """Write ``image`` to ``vis_image/{name}_{step}.png`` (atomically).

        ``image`` is uint8 RGB, gray or RGBA (or another form accepted by
        :func:`scenevis._arrays.as_image`).
        """
        self._check_name(name)
        step = self._check_step(step)
        rgb = self._check_image(image)
        with self._lock:
            self._ensure_env()
            path = self._prepare(safe_join(self._img_save_dir, name, f"_{step}.png"))
            write_png(path, rgb)

    def add_scalar(self, name: str, value: Union[int, float, Any], step: int = 0, **kwargs: Any) -> None:
        """Append ``{name: value, "step": step}`` to the scalars file."""
        self._check_name(name)
        value = plain_value(value)
        line = json_line({name: value, "step": step})
        with self._lock:
            self._ensure_env()
            self._files.write(self._scalar_save_file, line, self._prepare)

    def add_scalars(
        self, scalar_dict: dict, step: int = 0, file_path: Optional[str] = None, **kwargs: Any
    ) -> None:
        """Append ``scalar_dict`` plus ``"step"`` (unless present) as one line.

        ``file_path`` (a ``.json`` name inside ``save_dir``, not the scalars file itself)
        receives the same line first.
        """
        if not isinstance(scalar_dict, dict):
            raise TypeError(f"scalar_dict: expected a dict, got {type(scalar_dict).__name__}")
        record = dict(scalar_dict)
        record.setdefault("step", step)
        line = json_line(record)
        if file_path is not None:
            file_path = _check_suffix(file_path, ".json", "file_path")
        with self._lock:
            self._ensure_env()
            if file_path is not None:
                extra = safe_join(self._save_dir, file_path, arg="file_path")  # type: ignore[arg-type]
                if os.path.abspath(extra) == os.path.abspath(self._scalar_save_file):
                    raise ValueError(
                        f"file_path: expected a file other than the scalars file {self._scalar_save_file!r}, "
                        f"got {file_path!r}"
                    )
                self._files.write(extra, line, self._prepare)
            self._files.write(self._scalar_save_file, line, self._prepare)

    def close(self) -> None:
        """Close the scalar files; later ``add_*`` calls reopen them in append mode."""
        with self._lock:
            self._files.close()
            self._cancel_close_at_exit()
            self._env_initialized = False
