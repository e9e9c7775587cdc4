"""TensorBoard event files written in this process: TFRecord framing, masked CRC-32C, no thread.

An event file is a sequence of records, each one serialized
``tensorboard.compat.proto.event_pb2.Event``, framed as TFRecord::

    uint64 little-endian   n = length of data
    uint32 little-endian   masked CRC-32C of those 8 length bytes
    n bytes                data
    uint32 little-endian   masked CRC-32C of data

where ``masked(crc) = ((crc >> 15 | crc << 17) + 0xA282EAD8) mod 2**32``. TensorBoard's
readers check both CRCs. CRC-32C comes from ``google-crc32c`` (a C extension, about 1 GB/s);
without it, from TensorBoard's own pure-Python ``masked_crc32c`` (right, but about 100 ms
for a 720p PNG).

:class:`EventWriter` names its file as TensorBoard does,
``events.out.tfevents.<seconds>.<host>.<pid>.<n>``, creates it exclusively (``n`` counts up
past names that exist, so no file is ever overwritten), and writes
``Event(file_version="brain.Event:2")`` first. Events are framed when added and written
with one ``write()`` when ``max_pending`` events or ``max_pending_bytes`` are pending,
when ``flush_secs`` have passed since the last write at the next add, and on
:meth:`~EventWriter.flush` and :meth:`~EventWriter.close`. After ``close()`` the next add
opens a new file. The summaries this project writes (scalars, PNG images, text) are built
by the ``*_summary`` functions with TensorBoard's own protobuf classes.
"""
from __future__ import annotations

import contextlib
import itertools
import os
import socket
import struct
import threading
import time
from typing import Any, Callable, Iterable, List, Optional, Tuple

from tensorboard.compat.proto import event_pb2, summary_pb2
from tensorboard.plugins.text import metadata as text_metadata

from scenevis.backends._paths import SaveDir, write_all

__all__ = [
    "EventWriter", "masked_crc32c", "CRC32C_IMPLEMENTATION",
    "scalars_summary", "image_summary", "text_summary",
]

_LENGTH = struct.Struct("<Q")
_CRC = struct.Struct("<I")
_MASK_DELTA = 0xA282EAD8
_FILE_VERSION = "brain.Event:2"


def _crc32c_function() -> Tuple[Callable[[bytes], int], str]:
    """``(masked_crc32c, implementation)``: google-crc32c's C code when present."""
    try:
        import google_crc32c
    except ImportError:
        from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c as slow

        return slow, "tensorboard (pure Python)"
    value = google_crc32c.value

    def masked(data: bytes) -> int:
        crc = value(data)
        return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF

    return masked, f"google-crc32c ({google_crc32c.implementation})"


masked_crc32c, CRC32C_IMPLEMENTATION = _crc32c_function()


def frame(data: bytes) -> Tuple[bytes, bytes, bytes]:
    """One TFRecord as three pieces: length and its CRC, ``data``, the CRC of ``data``."""
    length = _LENGTH.pack(len(data))
    return length + _CRC.pack(masked_crc32c(length)), data, _CRC.pack(masked_crc32c(data))


def scalars_summary(values: Iterable[Tuple[str, float]]) -> Any:
    """One ``Summary`` holding each ``(tag, number)`` as a ``simple_value``."""
    value = summary_pb2.Summary.Value
    return summary_pb2.Summary(value=[value(tag=tag, simple_value=number) for tag, number in values])


def image_summary(tag: str, png: bytes, height: int, width: int, channels: int) -> Any:
    """A PNG as an image ``Summary`` (``colorspace`` is the channel count)."""
    image = summary_pb2.Summary.Image(
        height=height, width=width, colorspace=channels, encoded_image_string=png)
    return summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, image=image)])


def text_summary(tag: str, text: str) -> Any:
    """``text`` for TensorBoard's text plugin under ``<tag>/text_summary`` (a 1-element string tensor)."""
    from tensorboard.compat.proto import tensor_pb2, tensor_shape_pb2, types_pb2

    tensor = tensor_pb2.TensorProto(
        dtype=types_pb2.DT_STRING,
        string_val=[text.encode("utf-8")],
        tensor_shape=tensor_shape_pb2.TensorShapeProto(dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=1)]),
    )
    value = summary_pb2.Summary.Value(
        tag=f"{tag}/text_summary", metadata=text_metadata.create_summary_metadata("", ""), tensor=tensor)
    return summary_pb2.Summary(value=[value])


def _create(folder: SaveDir) -> Tuple[int, str]:
    """Create a new event file in ``folder`` (never an existing one): ``(fd, path)``."""
    stem = f"events.out.tfevents.{int(time.time()):010d}.{socket.gethostname()}.{os.getpid()}"
    for n in itertools.count():
        name = f"{stem}.{n}"
        try:
            return folder.create([name]), os.path.join(folder.path, name)
        except FileExistsError:  # a file, or anything else, already has the name
            pass
    raise AssertionError("itertools.count() ended")  # pragma: no cover


class EventWriter:
    """Append ``Event`` protos to TensorBoard event files in ``logdir``.

    Thread-safe: every method holds ``lock`` (a ``threading.RLock`` of its own unless one
    is given, so a caller can share its own lock). Not shared across ``fork()``: a child
    process drops the parent's pending events (the parent writes them) and opens its own
    file on its first add.

    Files are created through :class:`scenevis.backends._paths.SaveDir` (``O_EXCL``, no
    symlink followed). A write that fails (a full disk) raises ``OSError`` after cutting the
    file back to its last whole record, so TensorBoard keeps reading every later event; if
    even that fails, the next event starts a new file. A new file whose first record cannot
    be written is removed.

    Args:
        logdir: the folder (created when the first file is opened; a relative path is
            resolved now).
        flush_secs: pending events are written at the first add this many seconds after
            the last write.
        max_pending: write when this many events are pending (1 writes every event
            before :meth:`add_event` returns).
        max_pending_bytes: write when this many bytes are pending.
        lock: the lock to hold.
    """

    def __init__(
        self,
        logdir: str,
        *,
        flush_secs: float = 120.0,
        max_pending: int = 10,
        max_pending_bytes: int = 1 << 20,
        lock: Optional[Any] = None,
    ):
        if not isinstance(max_pending, int) or max_pending < 1:
            raise ValueError(f"max_pending: expected an int >= 1, got {max_pending!r}")
        if not flush_secs >= 0:
            raise ValueError(f"flush_secs: expected a number >= 0, got {flush_secs!r}")
        self._logdir = os.path.abspath(logdir)
        self._folder: Optional[SaveDir] = None
        self._flush_secs = float(flush_secs)
        self._max_pending = max_pending
        self._max_pending_bytes = max_pending_bytes
        self._lock = threading.RLock() if lock is None else lock
        self._fd: Optional[int] = None
        self._path: Optional[str] = None
        self._size = 0  # bytes of whole records in the open file
        self._pid = 0
        self._pending: List[bytes] = []
        self._pending_events = 0
        self._pending_bytes = 0
        self._last_write = 0.0

    @property
    def logdir(self) -> str:
        return self._logdir

    def open(self) -> str:
        """Open a new event file unless one is open; its path."""
        with self._lock:
            self._check_pid()
            if self._fd is None:
                if self._folder is None:
                    self._folder = SaveDir(self._logdir)
                self._fd, self._path = _create(self._folder)
                self._size = 0
                self._pid = os.getpid()
                self._last_write = time.monotonic()
                self._append(event_pb2.Event(wall_time=time.time(), file_version=_FILE_VERSION))
                try:
                    self._write_pending()
                except OSError:
                    name = os.path.basename(self._path)
                    self._close_file()
                    with contextlib.suppress(OSError):
                        self._folder.remove([name])
                    raise
            return self._path

    def add_event(self, event: Any) -> None:
        """Frame ``event`` (an ``Event`` with its ``wall_time`` and ``step`` set) and queue it."""
        with self._lock:
            self._check_pid()
            if self._fd is None:
                self.open()
            self._append(event)
            if (self._pending_events >= self._max_pending or self._pending_bytes >= self._max_pending_bytes
                    or time.monotonic() - self._last_write >= self._flush_secs):
                self._write_pending()

    def add_summary(self, summary: Any, step: int, wall_time: Optional[float] = None) -> None:
        """``summary`` as an event at ``step`` (``wall_time`` defaults to now)."""
        event = event_pb2.Event(
            wall_time=time.time() if wall_time is None else wall_time, step=step, summary=summary)
        self.add_event(event)

    def flush(self) -> None:
        """Write the pending events with one ``write()`` (to the OS; no fsync)."""
        with self._lock:
            self._check_pid()
            if self._fd is not None:
                self._write_pending()

    def close(self) -> None:
        """Flush and close the file; idempotent. The next add opens a new file."""
        with self._lock:
            self._check_pid()
            try:
                if self._fd is not None:
                    try:
                        self._write_pending()
                    finally:
                        self._close_file()
            finally:
                if self._folder is not None:
                    self._folder.close()
                    self._folder = None

    def _close_file(self) -> None:
        fd, self._fd, self._path = self._fd, None, None
        os.close(fd)

    def _write_pending(self) -> None:
        if self._pending:  # taken off first: after a failed write nothing is written twice
            data = b"".join(self._pending)
            self._pending.clear()
            self._pending_events = self._pending_bytes = 0
            try:
                write_all(self._fd, data)
            except OSError:
                try:
                    os.ftruncate(self._fd, self._size)
                except OSError:  # the file ends in a torn record: go on in a new one
                    self._close_file()
                raise
            self._size += len(data)
        self._last_write = time.monotonic()

    def _append(self, event: Any) -> None:
        head, data, tail = frame(event.SerializeToString())
        self._pending += (head, data, tail)
        self._pending_events += 1
        self._pending_bytes += len(data) + 16

    def _check_pid(self) -> None:
        if self._fd is not None and self._pid != os.getpid():  # a fork()ed child
            os.close(self._fd)
            self._fd = self._path = None
            self._pending.clear()
            self._pending_events = self._pending_bytes = 0
