"""``TensorboardVisBackend``: TensorBoard event files, written in this process.

Events go straight to one event file in ``save_dir`` through
:class:`scenevis.backends._tfevents.EventWriter` (TFRecord framing, CRC-32C from
``google-crc32c``): no ``SummaryWriter`` queue or thread, and no torch needed for
scalars, images and the config, only ``tensorboard`` (its protobuf classes).

- Every ``add_*`` call is one event, written to the OS (one ``write()``) before the call
  returns, so a process killed right after a call keeps it. ``add_scalars`` writes all
  its numbers in one event (one ``Summary`` with a ``simple_value`` per key).
- Images are PNG image summaries encoded by :mod:`scenevis._png` (the event layout of
  ``SummaryWriter.add_image(..., dataformats='HWC')``, without its Pillow round trip), so
  they read back pixel-exact.
- Names, steps and scalars follow :mod:`scenevis.backends._values`, the rule every backend
  shares: a value that is not one real number is a ``TypeError`` and nothing is written.
- The config is stored as text under the tag ``config`` (``config/text_summary``, as
  ``SummaryWriter.add_text`` stores it).
- :attr:`~TensorboardVisBackend.experiment` is a real
  ``torch.utils.tensorboard.SummaryWriter`` (this needs torch) for anything this backend
  does not wrap (histograms, embeddings, ...). Its events go into the backend's own event
  file: TensorBoard reads a folder's files in name order and stops reading a file once a
  newer one appears, so two writers in one folder would lose data.
- :meth:`~TensorboardVisBackend.close` flushes and closes the file, and also runs at
  interpreter exit. The next call opens a new event file in the same folder (existing
  files are never rewritten).
"""
from __future__ import annotations

import functools
import time
from typing import Any, List, Optional, Tuple, Union

import numpy as np

from scenevis._png import encode_png
from scenevis.backends._config import config_text
from scenevis.backends._values import scalar_value, scalar_values
from scenevis.backends.base import BaseVisBackend
from scenevis.registry import VISBACKENDS

__all__ = ["TensorboardVisBackend"]

_INSTALL = 'TensorboardVisBackend needs tensorboard: pip install "scenevis[tensorboard]"'
_INSTALL_TORCH = "TensorboardVisBackend.experiment is a torch SummaryWriter and needs torch: pip install torch"


def _tfevents() -> Any:
    try:
        from scenevis.backends import _tfevents
    except ImportError as err:
        raise ImportError(f"{_INSTALL} ({err})") from err
    return _tfevents


class _FileWriterAdapter:
    """What ``SummaryWriter`` expects of its ``FileWriter``, over the backend's ``EventWriter``.

    ``close()`` closes the event file; the next event opens a new one (``reopen()`` has
    nothing to do).
    """

    def __init__(self, events: Any):
        self._events = events

    def get_logdir(self) -> str:
        return self._events.logdir

    def add_event(self, event: Any, step: Optional[int] = None, walltime: Optional[float] = None) -> None:
        event.wall_time = time.time() if walltime is None else walltime
        if step is not None:
            event.step = int(step)
        self._events.add_event(event)

    def add_summary(self, summary: Any, global_step: Optional[int] = None, walltime: Optional[float] = None) -> None:
        from tensorboard.compat.proto.event_pb2 import Event

        self.add_event(Event(summary=summary), global_step, walltime)

    def add_graph(self, graph_profile: Any, walltime: Optional[float] = None) -> None:
        """``graph_profile``: ``(GraphDef, RunMetadata)`` as torch's graph tracer returns it."""
        from tensorboard.compat.proto.event_pb2 import Event, TaggedRunMetadata

        graph, run_metadata = graph_profile
        self.add_event(Event(graph_def=graph.SerializeToString()), None, walltime)
        tagged = TaggedRunMetadata(tag="step1", run_metadata=run_metadata.SerializeToString())
        self.add_event(Event(tagged_run_metadata=tagged), None, walltime)

    def add_onnx_graph(self, graph: Any, walltime: Optional[float] = None) -> None:
        from tensorboard.compat.proto.event_pb2 import Event

        self.add_event(Event(graph_def=graph.SerializeToString()), None, walltime)

    def flush(self) -> None:
        self._events.flush()

    def close(self) -> None:
        self._events.close()

    def reopen(self) -> None:
        pass


@functools.lru_cache(maxsize=None)
def _shared_summary_writer_class() -> type:
    """A ``SummaryWriter`` whose file writer is given (a :class:`_FileWriterAdapter`)."""
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError as err:
        raise ImportError(f"{_INSTALL_TORCH} ({err})") from err

    class SharedFileSummaryWriter(SummaryWriter):
        def __init__(self, file_writer: _FileWriterAdapter):
            self._shared_file_writer = file_writer
            super().__init__(file_writer.get_logdir())

        def _get_file_writer(self) -> _FileWriterAdapter:
            # SummaryWriter drops its writers on close(); hand the same one back.
            if self.all_writers is None or self.file_writer is None:
                self.file_writer = self._shared_file_writer
                self.all_writers = {self.file_writer.get_logdir(): self.file_writer}
            return self.file_writer

    return SharedFileSummaryWriter


def _close(events: Any, writer: Any) -> None:
    """Close the ``SummaryWriter`` (its own sub-folder writers too) and the event file."""
    try:
        if writer is not None:
            writer.close()
    finally:
        events.close()


@VISBACKENDS.register_module()
class TensorboardVisBackend(BaseVisBackend):
    """Write scalars, images and the config to a TensorBoard event file in ``save_dir``."""

    def __init__(self, save_dir: Optional[str]):
        super().__init__(save_dir)
        self._tf: Any = None  # the _tfevents module, imported on first use
        self._events: Any = None
        self._tensorboard: Any = None  # the SummaryWriter of ``experiment`` (MMEngine's attribute name)

    def _init_env(self) -> None:
        """Import the protobuf classes and open an event file in ``save_dir``."""
        root = self._require_save_dir()
        self._tf = _tfevents()
        events = self._tf.EventWriter(root, max_pending=1, lock=self._lock)
        events.open()
        self._events = events
        self._close_at_exit(_close, events, None)

    @property
    def experiment(self) -> Any:
        """A ``torch.utils.tensorboard.SummaryWriter`` writing into this backend's event file."""
        with self._lock:
            self._ensure_env()
            if self._tensorboard is None:
                writer_class = _shared_summary_writer_class()
                self._tensorboard = writer_class(_FileWriterAdapter(self._events))
                self._close_at_exit(_close, self._events, self._tensorboard)
            return self._tensorboard

    def add_config(self, config: Any, **kwargs: Any) -> None:
        """Store the config's Python text under the tag ``config``."""
        text = config_text(config)
        with self._lock:
            self._ensure_env()
            self._events.add_summary(self._tf.text_summary("config", text), 0)

    def add_image(self, name: str, image: np.ndarray, step: int = 0, **kwargs: Any) -> None:
        """Store ``image`` (uint8 RGB, gray or RGBA; see ``as_image``) as a PNG image summary."""
        self._check_name(name)
        step = self._check_step(step)
        rgb = self._check_image(image)
        self._ensure_env()
        height, width, channels = rgb.shape
        summary = self._tf.image_summary(name, encode_png(rgb), height, width, channels)  # outside the lock
        with self._lock:
            self._ensure_env()
            self._events.add_summary(summary, step)

    def add_video(self, name: str, video: Any, step: int = 0, **kwargs: Any) -> None:
        """Store ``video`` (an :class:`~scenevis.video.EncodedVideo`) as an animated GIF in
        an image summary, which TensorBoard's image dashboard plays (as torch's
        ``SummaryWriter.add_video`` stores it)."""
        self._check_name(name)
        step = self._check_step(step)
        self._ensure_env()
        gif = video.gif_bytes()  # outside the lock
        summary = self._tf.image_summary(name, gif, video.height, video.width, 3)
        with self._lock:
            self._ensure_env()
            self._events.add_summary(summary, step)

    def add_scalar(self, name: str, value: Union[int, float, Any], step: int = 0, **kwargs: Any) -> None:
        """Store one number (as TensorBoard's float32 ``simple_value``)."""
        numbers = [(self._check_name(name), float(scalar_value(value)))]
        self._write_scalars(numbers, self._check_step(step))

    def add_scalars(
        self, scalar_dict: dict, step: int = 0, file_path: Optional[str] = None, **kwargs: Any
    ) -> None:
        """Store the numbers of ``scalar_dict`` in one event; ``file_path`` is ignored."""
        numbers = [(key, float(value)) for key, value in scalar_values(scalar_dict).items()]
        self._write_scalars(numbers, self._check_step(step))

    def _write_scalars(self, numbers: List[Tuple[str, float]], step: int) -> None:
        with self._lock:
            self._ensure_env()
            if numbers:
                self._events.add_summary(self._tf.scalars_summary(numbers), step)

    def close(self) -> None:
        """Flush and close the event file; a later call opens a new one."""
        with self._lock:
            if self._events is not None:
                _close(self._events, self._tensorboard)

