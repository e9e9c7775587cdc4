"""``LocalVisBackend``: images, scalars and the config as plain files under ``save_dir``.

On-disk layout (MMEngine's):

- ``save_dir/vis_image/{name}_{step}.png`` for each image (``/`` in ``name`` makes
  sub-folders; other characters a file name cannot hold are escaped as ``%XX``, see
  :mod:`scenevis.backends._paths` for the full name rule);
- with ``save_scene=True`` (beyond MMEngine), ``save_dir/vis_image/{name}_{step}.scene.json``
  beside each image the visualizer drew: its scene, which ``scenevis.load`` reads back and
  renders to the PNG's very pixels, or at another scale or style;
- ``save_dir/vis_video/{name}_{step}.mp4`` for each video (``add_video``, beyond MMEngine);
- ``save_dir/scalars.json``: JSON Lines, one object per ``add_scalar``/``add_scalars``
  call with ``"step"`` last, byte-for-byte what MMEngine writes;
- ``save_dir/config.py``: the config as readable Python (a config file is copied).

Guarantees:

- Every file is opened through :class:`scenevis.backends._paths.SaveDir`: nothing is
  created or written outside ``save_dir``, and a symlink inside it is never followed.
- Scalars are appended, never truncated: each call's line goes to the file in one
  ``write`` on a descriptor opened with ``O_APPEND``, before the call returns, so a process
  killed right after a call returns keeps that call's line complete. A call that cannot
  write its whole line (a full disk) raises ``OSError`` and leaves the scalars file and
  its ``file_path`` file as they were before the call.
- At most 8 scalar files stay open at once, however many ``file_path`` names are used.
- Images, videos and the config are written to a temporary name in the target folder and renamed,
  so a crash never leaves a truncated file under the final name.
- ``close()`` closes the open files and may be called any number of times; an ``add_*``
  call after ``close()`` reopens the files in append mode and goes on.
"""
from __future__ import annotations

import os
from typing import Any, Callable, List, Optional, Union

import numpy as np

from scenevis._png import encode_png
from scenevis.backends._config import config_bytes
from scenevis.backends._paths import SaveDir, check_file_name, name_parts
from scenevis.backends._values import json_line, scalar_value, scalar_values
from scenevis.backends.base import BaseVisBackend
from scenevis.errors import VisualizerValueError
from scenevis.registry import VISBACKENDS

__all__ = ["LocalVisBackend"]


def _folder_parts(value: Any, arg: str) -> List[str]:
    """The components of a folder argument: a trailing ``/`` is ignored, ``''`` is save_dir."""
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"{arg}: expected a str, got {type(value).__name__}")
    value = os.fspath(value).rstrip("/")
    return name_parts(value, arg=arg) if value else []


@VISBACKENDS.register_module()
class LocalVisBackend(BaseVisBackend):
    """Write images, scalars and the config to files under ``save_dir``.

    Args:
        save_dir: the run's folder (created on first use; a relative path is resolved now).
        img_save_dir: images folder inside ``save_dir``. Defaults to ``'vis_image'``.
        config_save_file: config file inside ``save_dir``; must end in ``.py``.
        scalar_save_file: JSON Lines file inside ``save_dir``; must end in ``.json``.
        save_scene: also write ``{name}_{step}.scene.json`` beside each image the
            visualizer drew (the scene it rendered).

    Paths given here and ``file_path=`` of :meth:`add_scalars` are always inside
    ``save_dir`` (an absolute path or ``..`` is escaped inside it, see ``docs/backends.md``).
    """

    def __init__(
        self,
        save_dir: Optional[str],
        img_save_dir: str = "vis_image",
        config_save_file: str = "config.py",
        scalar_save_file: str = "scalars.json",
        save_scene: bool = False,
    ):
        if not isinstance(save_scene, bool):
            raise TypeError(f"save_scene: expected a bool, got {type(save_scene).__name__}")
        self._save_scene = save_scene
        self._img_parts = _folder_parts(img_save_dir, "img_save_dir")
        self._config_parts = name_parts(check_file_name(config_save_file, ".py", "config_save_file"))
        self._scalar_parts = name_parts(check_file_name(scalar_save_file, ".json", "scalar_save_file"))
        super().__init__(save_dir)
        self._root: Optional[SaveDir] = None

    def _init_env(self) -> None:
        """Create ``save_dir`` and hold it open."""
        self._root = SaveDir(self._require_save_dir())
        self._close_at_exit(self._root.close)

    # MMEngine's LocalVisBackend keeps these three paths as attributes, and code written
    # for it (its own tests among them) reads them. Without a save_dir they are relative,
    # as MMEngine's are before its first use.
    @property
    def _img_save_dir(self) -> str:
        """The images folder's path."""
        return os.path.join(self._save_dir or "", *self._img_parts)

    @property
    def _config_save_file(self) -> str:
        """The config file's path."""
        return os.path.join(self._save_dir or "", *self._config_parts)

    @property
    def _scalar_save_file(self) -> str:
        """The scalars file's path."""
        return os.path.join(self._save_dir or "", *self._scalar_parts)

    @property
    def experiment(self) -> "LocalVisBackend":
        """The backend itself."""
        self._ensure_env()
        return self

    def add_config(self, config: Any, **kwargs: Any) -> None:
        """Write ``config`` to ``config.py`` (replacing it atomically); a file is copied."""
        data = config_bytes(config)
        with self._lock:
            self._ensure_env()
            self._root.replace(self._config_parts, data)

    @property
    def wants_scenes(self) -> bool:
        return self._save_scene

    def add_image(self, name: str, image: np.ndarray, step: int = 0, scene: Optional[Callable[[], bytes]] = None,
                  **kwargs: Any) -> None:
        """Write ``image`` to ``vis_image/{name}_{step}.png`` (atomically), and with
        ``save_scene`` the bytes ``scene()`` gives to ``{name}_{step}.scene.json`` beside it.

        ``image`` is uint8 RGB, gray or RGBA (or another form accepted by
        :func:`scenevis._arrays.as_image`).
        """
        self._check_name(name)
        step = self._check_step(step)
        parts = self._img_parts + name_parts(name, f"_{step}.png")
        data = encode_png(self._check_image(image))
        scene_file = scene() if scene is not None and self._save_scene else None
        with self._lock:
            self._ensure_env()
            self._root.replace(parts, data)
            if scene_file is not None:
                self._root.replace(self._img_parts + name_parts(name, f"_{step}.scene.json"), scene_file)

    def add_video(self, name: str, video: Any, step: int = 0, **kwargs: Any) -> None:
        """Copy the finished MP4 ``video.path`` to ``vis_video/{name}_{step}.mp4`` (atomically)."""
        self._check_name(name)
        step = self._check_step(step)
        with self._lock:
            self._ensure_env()
            with open(video.path, "rb") as source:
                self._root.replace(["vis_video"] + name_parts(name, f"_{step}.mp4"), source)

    def add_scalar(self, name: str, value: Union[int, float, Any], step: int = 0, **kwargs: Any) -> None:
        """Append ``{name: value, "step": step}`` to the scalars file."""
        line = json_line({self._check_name(name): scalar_value(value), "step": self._check_step(step)})
        with self._lock:
            self._ensure_env()
            self._root.append(line, self._scalar_parts)

    def add_scalars(
        self, scalar_dict: dict, step: int = 0, file_path: Optional[str] = None, **kwargs: Any
    ) -> None:
        """Append ``scalar_dict`` plus ``"step"`` as one line.

        ``file_path`` (a ``.json`` name inside ``save_dir``, not the scalars file itself)
        receives the same line first; both files get it, or neither.
        """
        record = scalar_values(scalar_dict)
        record["step"] = self._check_step(step)
        line = json_line(record)
        targets = [self._scalar_parts]
        if file_path is not None:
            extra = name_parts(check_file_name(file_path, ".json", "file_path"), arg="file_path")
            if extra == self._scalar_parts:
                raise VisualizerValueError(
                    f"file_path: expected a file other than the scalars file, got {file_path!r}")
            targets.insert(0, extra)
        with self._lock:
            self._ensure_env()
            self._root.append(line, *targets)

    def close(self) -> None:
        """Close the files; later ``add_*`` calls reopen them in append mode."""
        with self._lock:
            if self._root is not None:
                self._root.close()
            self._cancel_close_at_exit()
            self._env_initialized = False
