"""Reading a video file: metadata at once, frames decoded ahead on a background thread."""
from __future__ import annotations

import html
import mimetypes
import os
import queue
import threading
from typing import Any, Iterator

import numpy as np

from scenevis import _base64
from scenevis.video._common import QUEUE, VideoError, load_av

__all__ = ["VideoReader", "read"]

_INLINE_BYTES = 64 << 20  # a notebook shows files up to this size inline


class _Stop(Exception):
    """The consumer went away; the decoding thread ends quietly."""


def _put(q: queue.Queue, item: Any, stop: threading.Event) -> None:
    while True:
        if stop.is_set():
            raise _Stop
        try:
            q.put(item, timeout=0.05)
            return
        except queue.Full:
            continue


_END = object()


class VideoReader:
    """A video file's frames as (H, W, 3) uint8 RGB arrays, read-only (a scene holds one
    without copying it; ``frame.copy()`` gives one to draw on in place).

    Opening reads the metadata: :attr:`fps`, :attr:`width`, :attr:`height`, :attr:`size`
    and :attr:`frame_count` (from the container, or counted from its packets without
    decoding when the container does not say). Each iteration decodes from the start on
    a background thread, a few frames ahead of the caller; leaving the loop early stops
    it. A file that fails to decode part way raises :class:`VideoError` after the frames
    that decoded.
    """

    def __init__(self, path: Any) -> None:
        self.path = os.fspath(path)
        if not os.path.isfile(self.path):
            raise FileNotFoundError(f"path: no video file at {self.path!r}")
        av = load_av()
        try:
            container = av.open(self.path)
        except av.FFmpegError as err:
            raise VideoError(f"path: {self.path!r} cannot be opened as a video ({err}); "
                             "check that the file is a complete video file") from None
        with container:
            if not container.streams.video:
                raise VideoError(f"path: {self.path!r} holds no video stream (is it a video, and complete?)")
            stream = container.streams.video[0]
            self.width, self.height = int(stream.codec_context.width), int(stream.codec_context.height)
            rate = stream.average_rate or stream.guessed_rate or stream.base_rate
            self.fps = float(rate) if rate else 0.0
            stated = int(stream.frames or 0)
            if stated > 0:
                self.frame_count = self._expected = stated
            else:  # count the packets (no decoding); the stated duration tells whether some are missing
                try:
                    self.frame_count = sum(1 for packet in container.demux(stream) if packet.size)
                except av.FFmpegError as err:
                    raise VideoError(f"path: {self.path!r} is damaged: its packets cannot be read ({err})") from None
                duration = container.duration / 1e6 if container.duration else 0.0
                self._expected = round(duration * self.fps) or self.frame_count
        if self.width <= 0 or self.height <= 0:
            raise VideoError(f"path: {self.path!r} has a video stream without a frame size")
        # A GIF states no frame count but ends with ';': without it, frames are missing.
        self._cut_short = container.format.name == "gif" and not _ends_with(self.path, b";")

    @property
    def size(self) -> tuple:
        """``(width, height)`` in pixels."""
        return self.width, self.height

    def __len__(self) -> int:
        return self.frame_count

    def __repr__(self) -> str:
        return (f"VideoReader({self.path!r}, {self.width}x{self.height}, {self.fps:g} fps, "
                f"{self.frame_count} frames)")

    def _repr_html_(self) -> str:
        """The file inline in a notebook: an HTML5 ``<video>`` (a GIF as ``<img>``), its
        bytes embedded, up to 64 MiB."""
        size = os.path.getsize(self.path)
        name = html.escape(os.path.basename(self.path))
        if size > _INLINE_BYTES:
            return f"<p>{name}: {size / 2**20:.0f} MiB, too large to show inline</p>"
        kind = mimetypes.guess_type(self.path)[0] or "video/mp4"
        with open(self.path, "rb") as handle:
            data = _base64.encode_text(handle.read())
        if kind == "image/gif":
            return f'<img src="data:image/gif;base64,{data}" width="{self.width}" height="{self.height}" alt="{name}">'
        return (f'<video controls loop playsinline width="{self.width}" height="{self.height}" title="{name}">'
                f'<source src="data:{kind};base64,{data}" type="{kind}"></video>')

    def __iter__(self) -> Iterator[np.ndarray]:
        frames: queue.Queue = queue.Queue(maxsize=QUEUE)
        stop = threading.Event()
        worker = threading.Thread(target=self._decode, args=(frames, stop), name="scenevis-video-read", daemon=True)
        worker.start()
        try:
            while True:
                item = frames.get()
                if item is _END:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            stop.set()
            worker.join()

    def _decode(self, frames: queue.Queue, stop: threading.Event) -> None:
        av = load_av()
        count = 0
        try:
            try:
                with av.open(self.path) as container:
                    stream = container.streams.video[0]
                    stream.thread_type = "AUTO"  # FFmpeg decodes on all cores
                    for frame in container.decode(stream):
                        # One libswscale thread: each decoded frame is a new frame object,
                        # so its default threads would be started again for every frame
                        # (0.9 ms of CPU a 1080p frame instead of 1.6).
                        pixels = frame.to_ndarray(format="rgb24", threads=1)
                        pixels.flags.writeable = False  # a scene takes it as it is, without a copy
                        _put(frames, pixels, stop)
                        count += 1
            except av.FFmpegError as err:
                raise VideoError(f"path: {self.path!r} stopped decoding after {count} of {self.frame_count} "
                                 f"frames ({err}): the file is corrupt or truncated") from None
            # FFmpeg's threaded decoders end quietly on a truncated file: compare with the header.
            if count < self._expected * 0.99 - 1 or self._cut_short:
                missing = ("without the GIF's closing byte" if self._cut_short
                           else f"where its header promises {self._expected}")
                raise VideoError(f"path: {self.path!r} ended after {count} frames {missing}: the file is truncated")
            _put(frames, _END, stop)
        except _Stop:
            return
        except BaseException as err:  # handed to the consumer, raised there
            try:
                _put(frames, err, stop)
            except _Stop:
                return


def _ends_with(path: str, tail: bytes) -> bool:
    with open(path, "rb") as f:
        f.seek(-len(tail), os.SEEK_END)
        return f.read() == tail


def read(path: Any) -> VideoReader:
    """Open the video at ``path``: its ``fps``, ``size`` and ``frame_count`` at once, its
    frames as (H, W, 3) uint8 RGB arrays when iterated (see :class:`VideoReader`)."""
    return VideoReader(path)
