"""Writing a video file: frames converted and encoded on a background thread, the file
finished whatever stops the writing; and the encoded file backends receive."""
from __future__ import annotations

import contextlib
import os
import queue
import tempfile
import threading
from typing import Any, Iterable, Optional

import attrs
import numpy as np

from scenevis._arrays import as_image
from scenevis.scene import Scene
from scenevis.video._common import CODEC_OPTIONS, QUEUE, VideoError, check_fps, format_of, load_av, quality_setting
from scenevis.video.reading import read

__all__ = ["VideoWriter", "write", "EncodedVideo", "encode"]

DRAWERS = 2  # threads rendering scenes into the writer's frames, side by side


class VideoWriter:
    """Write frames to ``path`` one at a time; close (or leave the ``with`` block) to finish.

    The first frame fixes the size; a later frame of another size raises ``ValueError``
    and is not written (the frames before it are kept, and closing finishes the file).
    Frames are arrays (any image :func:`scenevis.image` accepts) or scenes, rendered at
    their own size. H.264 needs an even width and height: an odd side gains one pixel,
    a copy of its last row or column. GIF stores delays in hundredths of a second, so
    30 fps plays at 100/3.

    ``quality`` is 0 (smallest) to 100 (best), ``None`` for the format's default (see
    :func:`quality_setting`; H.264's is the constant quantizer ``qp`` 22, which at
    ``ultrafast`` gives the picture ``crf`` 20 gives without its look at every frame's
    complexity); ``options`` are FFmpeg encoder options that add to or override the
    defaults (H.264 ``preset='ultrafast'``, the cheapest to encode, which costs about what
    OpenCV's MPEG-4 Part 2 costs at a fifth smaller files; ``{'crf': 20}`` for a constant
    rate factor instead; VP9 real-time, constant quality). Color is averaged over each
    2x2 block for the half-resolution chroma of 4:2:0 (not sampled), which keeps thin
    colored lines truer. Two drawing
    threads take the frames in turn: each renders a scene straight into an RGBA frame it
    reuses (not into an RGB array copied into FFmpeg: the same pixels, two fewer copies of
    every frame) and converts it to YUV; the encoding thread puts the frames back in order
    and only encodes.
    """

    def __init__(self, path: Any, *, fps: Any = 30, quality: Any = None, options: Optional[dict] = None) -> None:
        self.path = os.fspath(path)
        self.format = format_of(self.path)
        self.fps = check_fps(fps)
        self._knob = quality_setting(self.format, quality)
        if options is not None and not (isinstance(options, dict)
                                        and all(isinstance(k, str) for k in options)):
            raise TypeError(f"options: expected a dict of FFmpeg option names to values, got {options!r}")
        self._options = {**CODEC_OPTIONS[self.format.codec], **{k: str(v) for k, v in (options or {}).items()}}
        self._av = load_av()
        self.frame_count = 0
        self._size: Optional[tuple] = None
        self._container = None
        self._stream = None
        self._graph = None
        self._jobs: queue.Queue = queue.Queue(maxsize=2)  # scenes (and ready frames) for the drawing threads
        self._queue: queue.Queue = queue.Queue(maxsize=QUEUE)  # numbered frames for the encoding thread
        self._drawers: list = []
        self._drawers_left = 0
        self._left_lock = threading.Lock()
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
            if self._drawn_there(frame):
                self._submit(("scene", frame))
                return
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
        self._submit(("frame", self._av.VideoFrame.from_ndarray(np.ascontiguousarray(array), format="rgb24")))

    def _submit(self, job: tuple) -> None:
        """Hand a frame, numbered, to the drawing threads."""
        while True:
            try:
                self._jobs.put((self.frame_count, *job), timeout=0.05)
                break
            except queue.Full:
                self._raise_pending()
        self.frame_count += 1

    def _drawn_there(self, scene: Scene) -> bool:
        """True when ``scene`` goes to the drawing thread, to be rendered straight into one
        of the writer's RGBA frames; False where that does not apply (GIF, an odd size for
        H.264, a size other than the first frame's: the caller's thread then renders it, and
        says what is wrong)."""
        from scenevis.renderer.output import canvas_size

        width, height = canvas_size(scene)
        if self.format.codec == "gif" or (self.format.even_size and (width % 2 or height % 2)):
            return False
        if self._size is None:
            self._open(width, height)
        return (width, height) == self._size

    def _draw(self) -> None:
        """A drawing thread: renders scenes into an RGBA frame of its own (beside the caller
        building the next scene and the other drawing thread; Cairo, numpy and FFmpeg let go
        of Python's lock while they work), converts every frame to what the encoder takes
        (YUV 4:2:0; GIF's palette stays with the encoding thread) and passes it on, with its
        number, to the encoding thread. After a failure, jobs are only passed on, not drawn."""
        from scenevis.renderer.output import render_into

        interpolation = self._av.video.reformatter.Interpolation
        # Each 2x2 block's color averaged (AREA), from the color of every pixel
        # (FULL_CHR_H_INP): libswscale then averages with its vectorized filter rather than
        # its plain C path that halves packed RGB rows: the same values (a few chroma
        # samples off by one) in 2.0 ms instead of 3.2 for a 1080p frame.
        to_yuv = interpolation.AREA | interpolation.FULL_CHR_H_INP
        # One converter for every frame of this thread: a frame's own (frame.reformat)
        # would set libswscale up again, threads included, for each new frame of an array.
        convert = self._av.video.reformatter.VideoReformatter()
        canvas = None
        while True:
            job = self._jobs.get()
            if job is None:
                break
            number, kind, frame = job
            drawn = self._error is None
            if drawn:
                try:
                    if kind == "scene":
                        if canvas is None:
                            canvas = self._av.VideoFrame(*self._size, "rgba")
                        plane = canvas.planes[0]
                        render_into(frame, np.frombuffer(plane, np.uint8).reshape(canvas.height, plane.line_size // 4, 4))
                        frame = canvas
                    if self.format.codec != "gif":
                        frame = convert.reformat(frame, format="yuv420p", dst_colorspace="ITU709",
                                                 dst_color_range="MPEG", interpolation=to_yuv)
                    frame.pts = number
                except BaseException as err:
                    self._error = self._error or err
                    drawn = False
            self._queue.put((number, frame if drawn else None))
        with self._left_lock:
            self._drawers_left -= 1
            last = self._drawers_left == 0
        if last:
            self._queue.put(None)

    def close(self) -> None:
        """Encode what is queued, finish the file and close it. Idempotent."""
        if self._closed:
            return
        self._closed = True
        for _ in self._drawers:
            self._jobs.put(None)
        for drawer in self._drawers:
            drawer.join()
        if self._worker is not None:
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
                stream.options = {**self._options, fmt.knob: str(self._knob)}
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
        self._drawers = [threading.Thread(target=self._draw, name="scenevis-video-draw", daemon=True)
                         for _ in range(DRAWERS)]
        self._drawers_left = DRAWERS
        for drawer in self._drawers:
            drawer.start()

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
            return [frame]
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

    def _in_order(self):
        """The drawing threads' frames in their numbers' order (None for one that failed to
        draw); frames that arrive early wait here while their drawing thread moves on."""
        early: dict = {}
        wanted = 0
        while True:
            item = self._queue.get()
            if item is None:
                return
            early[item[0]] = item[1]
            while wanted in early:
                yield early.pop(wanted)
                wanted += 1

    def _encode(self) -> None:
        stream, container = self._stream, self._container
        frames = self._in_order()
        try:
            for frame in frames:
                if frame is None:  # a scene failed to render: the frames before it are the file
                    break
                for ready in self._frames_for_encoder(frame):
                    for packet in stream.encode(ready):
                        container.mux(packet)
            else:
                for ready in self._frames_for_encoder(None) if self._graph is not None else ():
                    for packet in stream.encode(ready):
                        container.mux(packet)
            for packet in stream.encode(None):
                container.mux(packet)
        except BaseException as err:
            self._error = self._error or err
            try:  # finish the file with what was encoded
                for packet in stream.encode(None):
                    container.mux(packet)
            except Exception:
                pass
        for _ in frames:  # keep taking frames so no drawing thread ever blocks
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

