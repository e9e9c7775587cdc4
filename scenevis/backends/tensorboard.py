"""``TensorboardVisBackend``: TensorBoard event files written by ``SummaryWriter``.

The writer is ``torch.utils.tensorboard.SummaryWriter`` (as in MMEngine), created on first
use in ``save_dir``; it is also :attr:`~TensorboardVisBackend.experiment`, for anything
this backend does not wrap (histograms, embeddings, ...).

- Images are stored as PNG image summaries encoded by :mod:`scenevis._png` (same event
  layout as ``SummaryWriter.add_image(..., dataformats='HWC')``, without its Pillow
  round trip), so they read back pixel-exact.
- Scalars that are not one number are skipped with a ``UserWarning``; ``'step'`` inside
  ``scalar_dict`` is a ``ValueError`` (give it as ``step=``).
- The config is stored as text under the tag ``config``.
- Events are queued by the writer and flushed by it every ``flush_secs`` (120 s) or ten
  events; :meth:`~TensorboardVisBackend.close` flushes. After ``close()`` the next call
  opens a new event file in the same folder (existing files are never rewritten).
"""
from __future__ import annotations

import os
import warnings
from typing import Any, Optional, Union

import numpy as np

from scenevis._png import encode_png
from scenevis.backends._config import config_text
from scenevis.backends._values import as_real
from scenevis.backends.base import BaseVisBackend
from scenevis.registry import VISBACKENDS

__all__ = ["TensorboardVisBackend"]

_INSTALL = 'TensorboardVisBackend needs torch and tensorboard: pip install "scenevis[tensorboard]" torch'


def _summary_writer_class() -> Any:
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError as err:
        raise ImportError(f"{_INSTALL} ({err})") from err
    return SummaryWriter


def _image_summary(tag: str, rgb: np.ndarray) -> Any:
    from tensorboard.compat.proto.summary_pb2 import Summary

    height, width, channels = rgb.shape
    image = Summary.Image(height=height, width=width, colorspace=channels, encoded_image_string=encode_png(rgb))
    return Summary(value=[Summary.Value(tag=tag, image=image)])


@VISBACKENDS.register_module()
class TensorboardVisBackend(BaseVisBackend):
    """Write scalars, images and the config to TensorBoard event files in ``save_dir``."""

    def __init__(self, save_dir: Optional[str]):
        super().__init__(save_dir)
        self._tensorboard: Any = None

    def _init_env(self) -> None:
        """Import the SDK and open a ``SummaryWriter`` in ``save_dir``."""
        root = self._require_save_dir()
        writer_class = _summary_writer_class()
        os.makedirs(root, exist_ok=True)
        self._tensorboard = writer_class(root)
        self._close_at_exit(self._tensorboard.close)

    @property
    def experiment(self) -> Any:
        """The ``SummaryWriter``."""
        with self._lock:
            self._ensure_env()
            return self._tensorboard

    def add_config(self, config: Any, **kwargs: Any) -> None:
        """Store the config's Python text under the tag ``config``."""
        text = config_text(config)
        with self._lock:
            self._ensure_env()
            self._tensorboard.add_text("config", text)

    def add_image(self, name: str, image: np.ndarray, step: int = 0, **kwargs: Any) -> None:
        """Store ``image`` (uint8 RGB, gray or RGBA; see ``as_image``) as a PNG image summary."""
        self._check_name(name)
        step = self._check_step(step)
        rgb = self._check_image(image)
        self._ensure_env()
        summary = _image_summary(name, rgb)  # encoded outside the lock
        with self._lock:
            self._ensure_env()
            get_file_writer = getattr(self._tensorboard, "_get_file_writer", None)
            if get_file_writer is None:  # a SummaryWriter without the hook: let it encode
                self._tensorboard.add_image(name, rgb, step, dataformats="HWC")
            else:
                get_file_writer().add_summary(summary, step)

    def add_scalar(self, name: str, value: Union[int, float, Any], step: int = 0, **kwargs: Any) -> None:
        """Store one number; anything else is skipped with a ``UserWarning``."""
        self._check_name(name)
        step = self._check_step(step)
        real = as_real(value)
        if real is None:
            warnings.warn(
                f"TensorboardVisBackend: scalar {name!r} skipped: expected one number, got {type(value).__name__}",
                UserWarning,
                stacklevel=2,
            )
            return
        with self._lock:
            self._ensure_env()
            self._tensorboard.add_scalar(name, real, step)

    def add_scalars(
        self, scalar_dict: dict, step: int = 0, file_path: Optional[str] = None, **kwargs: Any
    ) -> None:
        """Store each number of ``scalar_dict`` under its key; ``file_path`` is ignored."""
        if not isinstance(scalar_dict, dict):
            raise TypeError(f"scalar_dict: expected a dict, got {type(scalar_dict).__name__}")
        if "step" in scalar_dict:
            raise ValueError("scalar_dict: expected no 'step' key (pass step= instead), got one")
        step = self._check_step(step)
        with self._lock:
            for key, value in scalar_dict.items():
                self.add_scalar(key, value, step)

    def close(self) -> None:
        """Flush and close the event file; a later call opens a new one."""
        with self._lock:
            if self._tensorboard is not None:
                self._tensorboard.close()
