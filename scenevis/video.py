"""Video files in and out: frames are (H, W, 3) uint8 RGB arrays, streamed in constant memory.

Layer 5. Built on PyAV (the ``av`` package: FFmpeg with libx264 and libvpx inside its
wheel), installed with ``pip install 'scenevis[video]'`` and imported here only, on the
first call, so ``import scenevis`` stays light.

- :func:`read` opens a file and gives its ``fps``, ``size`` and ``frame_count`` before the
  first frame; iterating it yields RGB frames, decoded on a background thread (FFmpeg's
  own decoding threads, then the YUV to RGB conversion) while the caller works on the
  frames before.
- :func:`write` (or :class:`VideoWriter` for one frame at a time) takes arrays or scenes
  (scenes are rendered), from a list or a generator, and encodes on a background thread
  behind a small bounded queue: the caller draws frame ``i + 1`` while frame ``i`` is
  converted to YUV and encoded. The container follows the extension: ``.mp4`` (H.264),
  ``.webm`` (VP9) or ``.gif`` (one palette, made from the first frame).

Bad input fails early with a named error (an unknown extension, a frame whose size
differs from the first, no frames at all); a file that cannot be decoded raises
:class:`VideoError`. A writer that stops on an error, or on the caller's exception,
still finishes the file: what was written plays.
"""
from __future__ import annotations

import base64
import contextlib
import html
import math
import mimetypes
import os
import queue
import tempfile
import threading
from fractions import Fraction
from typing import Any, Iterable, Iterator, NamedTuple, Optional

import attrs
import numpy as np

from scenevis._arrays import as_image
from scenevis.scene import Scene

__all__ = ["read", "write", "encode", "VideoReader", "VideoWriter", "EncodedVideo", "VideoError", "FORMATS"]


class VideoError(ValueError):
    """A video file that cannot be read or written: not a video, corrupt or truncated, or
    refused by the encoder. The message names the file and says what happened."""


class Format(NamedTuple):
    """How one extension is written: FFmpeg's container and encoder, and the scale of the
    encoder's quality knob (``crf`` for H.264 and VP9, palette colors for GIF)."""

    container: str
    codec: str
    even_size: bool  # the encoder's 4:2:0 layout needs an even width and height
    worst: int  # the knob's value at quality 0
    best: int  # ... and at quality 100
    default: int  # the knob's value when no quality is given


FORMATS = {
    ".mp4": Format("mp4", "libx264", True, 51, 0, 20),
    ".webm": Format("webm", "libvpx-vp9", False, 63, 0, 31),
    ".gif": Format("gif", "gif", False, 2, 256, 256),
}

#: Encoder options besides the quality knob; ``options=`` in :func:`write` adds to or overrides them.
_CODEC_OPTIONS = {
    "libx264": {"preset": "ultrafast"},
    "libvpx-vp9": {"b": "0", "deadline": "realtime", "cpu-used": "8", "row-mt": "1"},
    "gif": {},
}
_QUEUE = 6  # frames in flight between the caller and a background thread
_INLINE_BYTES = 64 << 20  # a notebook shows files up to this size inline


def _av():
    try:
        import av
    except ImportError:
        raise ImportError("scenevis.video needs PyAV (FFmpeg for Python): pip install 'scenevis[video]' "
                          "(or pip install av)") from None
    return av


def _format_of(path: str) -> Format:
    ext = os.path.splitext(path)[1].lower()
    if ext not in FORMATS:
        raise ValueError(f"path: expected a file name ending in {', '.join(FORMATS)}, got {path!r}")
    return FORMATS[ext]


def _check_fps(fps: Any) -> Fraction:
    if isinstance(fps, bool) or not isinstance(fps, (int, float, Fraction, np.integer, np.floating)):
        raise TypeError(f"fps: expected a number of frames per second, got {type(fps).__name__}")
    if not (math.isfinite(fps) and 0 < fps <= 1000):
        raise ValueError(f"fps: expected a number in (0, 1000], got {fps!r}")
    return Fraction(fps).limit_denominator(1001)


def quality_setting(fmt: Format, quality: Any) -> int:
    """The encoder's own knob for ``quality`` (0 worst to 100 best; ``None`` the format's
    default): H.264 ``crf`` 51 to 0, VP9 ``crf`` 63 to 0, GIF 2 to 256 palette colors."""
    if quality is None:
        return fmt.default
    if isinstance(quality, bool) or not isinstance(quality, (int, float, np.integer, np.floating)):
        raise TypeError(f"quality: expected None or a number from 0 to 100, got {type(quality).__name__}")
    if not 0 <= quality <= 100:
        raise ValueError(f"quality: expected a number from 0 to 100, got {quality!r}")
    return int(round(fmt.worst + (fmt.best - fmt.worst) * quality / 100))


# -- reading ----------------------------------------------------------------------------------
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
    """A video file's frames as (H, W, 3) uint8 RGB arrays.

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
        av = _av()
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
            data = base64.b64encode(handle.read()).decode("ascii")
        if kind == "image/gif":
            return f'<img src="data:image/gif;base64,{data}" width="{self.width}" height="{self.height}" alt="{name}">'
        return (f'<video controls loop playsinline width="{self.width}" height="{self.height}" title="{name}">'
                f'<source src="data:{kind};base64,{data}" type="{kind}"></video>')

    def __iter__(self) -> Iterator[np.ndarray]:
        frames: queue.Queue = queue.Queue(maxsize=_QUEUE)
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
        av = _av()
        count = 0
        try:
            try:
                with av.open(self.path) as container:
                    stream = container.streams.video[0]
                    stream.thread_type = "AUTO"  # FFmpeg decodes on all cores
                    for frame in container.decode(stream):
                        _put(frames, frame.to_ndarray(format="rgb24"), stop)
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


# -- writing ----------------------------------------------------------------------------------
class VideoWriter:
    """Write frames to ``path`` one at a time; close (or leave the ``with`` block) to finish.

    The first frame fixes the size; a later frame of another size raises ``ValueError``
    and is not written (the frames before it are kept, and closing finishes the file).
    Frames are arrays (any image :func:`scenevis.image` accepts) or scenes, rendered at
    their own size. H.264 needs an even width and height: an odd side gains one pixel,
    a copy of its last row or column. GIF stores delays in hundredths of a second, so
    30 fps plays at 100/3.

    ``quality`` is 0 (smallest) to 100 (best), ``None`` for the format's default (see
    :func:`quality_setting`); ``options`` are FFmpeg encoder options that add to or
    override the defaults (H.264 ``preset='ultrafast'``, the cheapest to encode, which
    costs about what OpenCV's MPEG-4 Part 2 costs at a third smaller files; VP9 real-time,
    constant quality). Color is averaged over each 2x2 block for the half-resolution
    chroma of 4:2:0 (not sampled), which keeps thin colored lines truer.
    """

    def __init__(self, path: Any, *, fps: Any = 30, quality: Any = None, options: Optional[dict] = None) -> None:
        self.path = os.fspath(path)
        self.format = _format_of(self.path)
        self.fps = _check_fps(fps)
        self._knob = quality_setting(self.format, quality)
        if options is not None and not (isinstance(options, dict)
                                        and all(isinstance(k, str) for k in options)):
            raise TypeError(f"options: expected a dict of FFmpeg option names to values, got {options!r}")
        self._options = {**_CODEC_OPTIONS[self.format.codec], **{k: str(v) for k, v in (options or {}).items()}}
        self._av = _av()
        self.frame_count = 0
        self._size: Optional[tuple] = None
        self._container = None
        self._stream = None
        self._graph = None
        self._queue: queue.Queue = queue.Queue(maxsize=_QUEUE)
        self._worker: Optional[threading.Thread] = None
        self._error: Optional[BaseException] = None
        self._closed = False

    @property
    def size(self) -> Optional[tuple]:
        """``(width, height)`` of the frames, fixed by the first (``None`` before it)."""
        return self._size

    def __enter__(self) -> "VideoWriter":
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if value is None:
            self.close()
            return
        try:
            self.close()
        except Exception as err:  # the caller's exception goes on; the writer's is its cause
            raise value from err

    def write(self, frame: Any) -> None:
        """Append one frame (an image array or a scene)."""
        if self._closed:
            raise ValueError(f"writer: {self.path!r} is closed; open a new VideoWriter to write more")
        self._raise_pending()
        if isinstance(frame, Scene):
            from scenevis.renderer import render
            frame = render(frame)
        name = f"frames[{self.frame_count}]"
        array = as_image(frame, name)
        height, width = array.shape[:2]
        if self._size is None:
            self._open(width, height)
        elif (width, height) != self._size:
            raise ValueError(f"{name}: expected a {self._size[0]}x{self._size[1]} frame (the size of the first), "
                             f"got {width}x{height}; the {self.frame_count} frames before it are kept")
        if self.format.even_size and (width % 2 or height % 2):
            array = np.pad(array, ((0, height % 2), (0, width % 2), (0, 0)), mode="edge")
        # The frame is copied into FFmpeg's buffer here, so the caller may reuse its array.
        packet = self._av.VideoFrame.from_ndarray(np.ascontiguousarray(array), format="rgb24")
        packet.pts = self.frame_count
        while True:
            try:
                self._queue.put(packet, timeout=0.05)
                break
            except queue.Full:
                self._raise_pending()
        self.frame_count += 1

    def close(self) -> None:
        """Encode what is queued, finish the file and close it. Idempotent."""
        if self._closed:
            return
        self._closed = True
        if self._worker is not None:
            self._queue.put(None)
            self._worker.join()
        if self._container is not None:
            try:
                self._container.close()
            except self._av.FFmpegError as err:
                self._error = self._error or err
        self._raise_pending()

    def _raise_pending(self) -> None:
        if self._error is not None:
            err, self._error = self._error, None
            if isinstance(err, self._av.FFmpegError):
                raise VideoError(f"path: writing {self.path!r} failed after {self.frame_count} frames: {err}") from err
            raise err

    # -- the encoder ------------------------------------------------------------------------
    def _open(self, width: int, height: int) -> None:
        av, fmt = self._av, self.format
        folder = os.path.dirname(os.path.abspath(self.path))
        os.makedirs(folder, exist_ok=True)
        options = {"movflags": "+faststart"} if fmt.container == "mp4" else {}
        try:
            container = av.open(self.path, "w", format=fmt.container, options=options)
        except (av.FFmpegError, OSError) as err:
            raise VideoError(f"path: cannot create {self.path!r}: {err}") from None
        try:
            stream = container.add_stream(fmt.codec, rate=self.fps)
            stream.width = width + (width % 2 if fmt.even_size else 0)
            stream.height = height + (height % 2 if fmt.even_size else 0)
            if fmt.codec == "gif":
                stream.pix_fmt = "pal8"
            else:
                stream.pix_fmt = "yuv420p"
                context = stream.codec_context
                # Tagged BT.709 with limited range, as the pixels are converted (FFmpeg's
                # AVCOL_SPC_BT709, AVCOL_RANGE_MPEG, AVCOL_PRI_BT709, AVCOL_TRC_BT709 are all 1).
                context.colorspace = context.color_range = context.color_primaries = context.color_trc = 1
                stream.options = {**self._options, "crf": str(self._knob)}
                context.thread_count = 0
                context.open()  # here, so bad options fail now and leave no file
        except av.FFmpegError as err:
            container.close()
            with contextlib.suppress(FileNotFoundError):
                os.remove(self.path)
            raise VideoError(f"options: {fmt.codec} refused {self._options} ({err})") from None
        except Exception:
            container.close()
            with contextlib.suppress(FileNotFoundError):
                os.remove(self.path)
            raise
        self._container, self._stream, self._size = container, stream, (width, height)
        self._worker = threading.Thread(target=self._encode, name="scenevis-video-write", daemon=True)
        self._worker.start()

    def _palette_graph(self, first):
        """FFmpeg's paletteuse with one palette of up to ``self._knob`` colors made from
        the first frame (palettegen) and ordered (Bayer) dithering: a pixel that does not
        change maps to the same color in every frame, so the GIF stores only what moved."""
        av, rate = self._av, 1 / self.fps
        maker = av.filter.Graph()
        first_in = maker.add_buffer(width=first.width, height=first.height, format="rgb24", time_base=rate)
        generate = maker.add("palettegen", f"max_colors={self._knob}:stats_mode=full")
        first_in.link_to(generate)
        generate.link_to(maker.add("buffersink"))
        maker.configure()
        first_in.push(first)
        first_in.push(None)
        palette = maker.pull()
        graph = av.filter.Graph()
        frames_in = graph.add_buffer(width=first.width, height=first.height, format="rgb24", time_base=rate)
        palette_in = graph.add_buffer(width=palette.width, height=palette.height, format=palette.format.name,
                                      time_base=rate)
        use = graph.add("paletteuse", "new=0:dither=bayer:bayer_scale=4")
        frames_in.link_to(use, 0, 0)
        palette_in.link_to(use, 0, 1)
        use.link_to(graph.add("buffersink"))
        graph.configure()
        palette_in.push(palette)
        palette_in.push(None)
        return graph, frames_in

    def _frames_for_encoder(self, frame) -> list:
        if self.format.codec != "gif":
            return [frame.reformat(format="yuv420p", dst_colorspace="ITU709", dst_color_range="MPEG",
                                   interpolation="AREA")]
        if self._graph is None:
            self._graph = self._palette_graph(frame)
        graph, frames_in = self._graph
        frames_in.push(frame)  # None: the end, the graph gives what it holds
        out = []
        while True:
            try:
                out.append(graph.pull())
            except (self._av.BlockingIOError, self._av.EOFError):
                return out

    def _encode(self) -> None:
        stream, container = self._stream, self._container
        try:
            while True:
                frame = self._queue.get()
                if frame is None:
                    break
                for ready in self._frames_for_encoder(frame):
                    for packet in stream.encode(ready):
                        container.mux(packet)
            for ready in self._frames_for_encoder(None) if self._graph is not None else ():
                for packet in stream.encode(ready):
                    container.mux(packet)
            for packet in stream.encode(None):
                container.mux(packet)
        except BaseException as err:
            self._error = err
            while self._queue.get() is not None:  # keep taking frames so the caller never blocks
                pass
            try:  # finish the file with what was encoded
                for packet in stream.encode(None):
                    container.mux(packet)
            except Exception:
                pass


def write(path: Any, frames: Iterable[Any], *, fps: Any = 30, quality: Any = None,
          options: Optional[dict] = None) -> str:
    """Write ``frames`` to the video file ``path`` and return the path.

    ``frames`` is any iterable of image arrays or scenes (a list, a (T, H, W, 3) array, a
    generator, a :class:`VideoReader`); it is consumed one frame at a time, so memory
    stays flat whatever its length. The container is chosen by the extension (``.mp4``
    H.264, ``.webm`` VP9, ``.gif``); ``quality`` (0-100) and ``options`` are
    :class:`VideoWriter`'s. An empty ``frames`` raises ``ValueError`` and writes no file;
    an error part way (a frame of another size, the caller's generator raising) finishes
    the file with the frames before it, then raises.
    """
    if isinstance(frames, (str, bytes, os.PathLike, Scene)) or not isinstance(frames, Iterable):
        raise TypeError(f"frames: expected an iterable of frames (arrays or scenes), got {type(frames).__name__}")
    if isinstance(frames, np.ndarray) and frames.ndim == 3 and frames.shape[-1] in (3, 4):
        raise ValueError(f"frames: expected a sequence of frames or a (T, H, W, 3) array, got one image of shape "
                         f"{frames.shape}; pass [image] for a one-frame video")
    with VideoWriter(path, fps=fps, quality=quality, options=options) as out:
        for frame in frames:
            out.write(frame)
    if out.frame_count == 0:
        raise ValueError(f"frames: expected at least one frame, got none; {out.path!r} was not written")
    return out.path


@attrs.frozen
class EncodedVideo:
    """A finished MP4 file and what a storage backend needs to know about it.

    Storage backends get this from ``Visualizer.add_video``, never frames to draw: they
    copy :attr:`path`, or ask for :meth:`gif_bytes` where their tool shows moving pictures
    as GIF images (TensorBoard)."""

    path: str
    fps: float
    width: int
    height: int
    frame_count: int

    def gif_bytes(self) -> bytes:
        """The video as an animated GIF (one palette, see :class:`VideoWriter`)."""
        with tempfile.TemporaryDirectory(prefix="scenevis-gif-") as folder:
            path = write(os.path.join(folder, "video.gif"), read(self.path), fps=self.fps)
            with open(path, "rb") as handle:
                return handle.read()


def encode(frames: Any, folder: Any, *, fps: Any = None) -> EncodedVideo:
    """``frames`` as an MP4 file in ``folder``: anything :func:`write` takes, at ``fps``
    (default 4 frames per second, as torch's ``add_video``), or the path of a video file
    (at its own rate unless ``fps`` is given). An ``.mp4`` file at its own rate is used
    where it is, not copied."""
    if isinstance(frames, (str, os.PathLike)):
        source = read(frames)
        if fps is None and source.path.lower().endswith(".mp4"):
            return EncodedVideo(source.path, source.fps, source.width, source.height, source.frame_count)
        frames, fps = source, source.fps if fps is None else fps
    path = write(os.path.join(os.fspath(folder), "video.mp4"), frames, fps=4 if fps is None else fps)
    done = read(path)
    return EncodedVideo(done.path, done.fps, done.width, done.height, done.frame_count)
