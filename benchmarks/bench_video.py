"""W7: a tracking video, decode -> annotate -> encode, scenevis vs supervision.

    python -m benchmarks.bench_video [--runs 7] [--quick] [--memory-frames 3000]

A synthetic 1920x1080 clip of 300 frames (the sample street photo drifting sideways,
written once as H.264 before timing) with 30 tracked objects moving on smooth paths.
Each peer reads the clip, draws every object's box, a ``#id person 0.87`` label and a
30-frame trail, and encodes the result:

- **scenevis**: ``video.read`` -> ``annotate.tracks`` with ``Trails`` -> ``video.write``
  to H.264 (decoding, two drawing threads and encoding beside the caller's thread;
  FFmpeg's own threads inside).
- **supervision**: ``get_video_frames_generator`` -> ``TraceAnnotator``, ``BoxAnnotator``,
  ``LabelAnnotator`` -> ``VideoSink``. OpenCV's wheel has no H.264 encoder here (its FFmpeg
  lacks libx264 and the fallback needs a hardware device), so ``VideoSink`` writes its
  default MPEG-4 Part 2 (``mp4v``); the next row isolates that.
- **supervision annotators, H.264 via PyAV**: the same drawing, encoded by
  ``scenevis.video.write`` with scenevis's settings: the same codec, for an even match.
- Two other designs of the scenevis pipeline, to show which wins on 2 cores: **serial**
  (decode, draw, encode one after the other on one thread, FFmpeg's threads still on) and
  **render in 2 processes** (frames drawn by a process pool, decoding and encoding here).
- Each peer with **nothing drawn**: the clip decoded and encoded again by the same reader
  and writer. The difference from the full pipeline is what drawing costs each peer per
  frame, in wall time, and ``python -m benchmarks`` prints how much of it 1.5x
  supervision's frame rate would leave scenevis.

Output quality: each peer's frames are also kept uncompressed (every 10th), and its file
decoded again (by PyAV for all) and compared: PSNR over those frames, and the file size.
Memory: a fresh process runs the scenevis pipeline over a 3,000-frame clip and samples its
resident set size every 100 frames.
"""
from __future__ import annotations

import argparse
import collections
import concurrent.futures
import json
import os
import subprocess
import sys
import tempfile
from typing import Callable, Dict, NamedTuple, Optional

import numpy as np

WIDTH, HEIGHT, FRAMES, OBJECTS, TRAIL, FPS = 1920, 1080, 300, 30, 30, 30
KEEP_EVERY = 10  # frames kept uncompressed for the quality comparison
CLASS_NAMES = ("person", "car", "bicycle")
HERE = os.path.dirname(os.path.abspath(__file__))


class Tracks(NamedTuple):
    """One frame's tracked objects, the same arrays for every peer."""

    xyxy: np.ndarray  # (30, 4) float64
    ids: np.ndarray  # (30,) int64
    class_ids: np.ndarray  # (30,) int64
    scores: np.ndarray  # (30,) float64


def tracks_at(frame: int, width: int = WIDTH, height: int = HEIGHT, n: int = OBJECTS) -> Tracks:
    """Objects on Lissajous paths (seed 0): each keeps its size, class and id; scores wobble."""
    rng = np.random.default_rng(0)
    size = rng.uniform([60, 100], [180, 260], (n, 2))
    phase = rng.uniform(0, 2 * np.pi, (n, 2))
    speed = rng.uniform(0.01, 0.03, (n, 2))
    t = frame
    centre = np.stack([(0.5 + 0.42 * np.sin(phase[:, 0] + speed[:, 0] * t)) * width,
                       (0.5 + 0.38 * np.sin(phase[:, 1] + speed[:, 1] * t)) * height], axis=1)
    xyxy = np.concatenate([centre - size / 2, centre + size / 2], axis=1)
    xyxy = np.clip(xyxy, 0, [width - 1, height - 1, width - 1, height - 1])
    scores = np.round(0.6 + 0.35 * np.abs(np.sin(phase[:, 0] + 0.05 * t)), 2)
    return Tracks(xyxy, np.arange(n, dtype=np.int64), np.arange(n, dtype=np.int64) % len(CLASS_NAMES), scores)


def make_clip(path: str, frames: int = FRAMES, width: int = WIDTH, height: int = HEIGHT) -> str:
    """The input clip: the sample photo drifting 3 px per frame (moving content for the codec)."""
    from scenevis import samples, video

    photo = samples.photo(width + 3 * min(frames, 300), height, seed=3)

    def gen():
        for i in range(frames):
            x = 3 * (i % 300)
            yield photo[:, x:x + width]
    return video.write(path, gen(), fps=FPS, quality=85)


# -- the peers ---------------------------------------------------------------------------------
def _keep(kept: Optional[list], i: int, frame: np.ndarray) -> None:
    if kept is not None and i % KEEP_EVERY == 0:
        kept.append(frame.copy())


def scenevis_frames(src: str, kept: Optional[list] = None):
    """The annotated frames of the clip as scenes, one at a time."""
    from scenevis import annotate, video

    trails = annotate.Trails(length=TRAIL)
    for i, frame in enumerate(video.read(src)):
        t = tracks_at(i, frame.shape[1], frame.shape[0])
        trails = trails.update(t.ids, t.xyxy)
        scene = annotate.tracks(frame, t.xyxy, t.ids, labels=t.class_ids, classes=CLASS_NAMES, scores=t.scores,
                                trails=trails)
        if kept is not None and i % KEEP_EVERY == 0:
            from scenevis import render
            kept.append(render(scene))
        yield scene


def run_scenevis(src: str, dst: str, kept: Optional[list] = None) -> None:
    from scenevis import video

    video.write(dst, scenevis_frames(src, kept), fps=FPS)


def run_scenevis_serial(src: str, dst: str, kept: Optional[list] = None) -> None:
    """Decode, draw and encode one after the other on this thread (PyAV directly, with
    ``scenevis.video.write``'s encoder settings)."""
    import av

    from scenevis import annotate, render, video
    from scenevis.video._common import CODEC_OPTIONS

    fmt = video.FORMATS[".mp4"]
    to_yuv = av.video.reformatter.Interpolation.AREA | av.video.reformatter.Interpolation.FULL_CHR_H_INP
    trails = annotate.Trails(length=TRAIL)
    with av.open(src) as source, av.open(dst, "w", options={"movflags": "+faststart"}) as sink:
        stream_in = source.streams.video[0]
        stream_in.thread_type = "AUTO"
        out = sink.add_stream(fmt.codec, rate=FPS)
        out.width, out.height, out.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        tags = out.codec_context
        tags.colorspace = tags.color_range = tags.color_primaries = tags.color_trc = 1  # BT.709, limited range
        out.options = {**CODEC_OPTIONS[fmt.codec], fmt.knob: str(video.quality_setting(fmt, None))}
        for i, decoded in enumerate(source.decode(stream_in)):
            frame = decoded.to_ndarray(format="rgb24")
            t = tracks_at(i)
            trails = trails.update(t.ids, t.xyxy)
            drawn = render(annotate.tracks(frame, t.xyxy, t.ids, labels=t.class_ids, classes=CLASS_NAMES,
                                           scores=t.scores, trails=trails))
            _keep(kept, i, drawn)
            yuv = av.VideoFrame.from_ndarray(drawn, format="rgb24").reformat(
                format="yuv420p", dst_colorspace="ITU709", dst_color_range="MPEG", interpolation=to_yuv)
            for packet in out.encode(yuv):
                sink.mux(packet)
        for packet in out.encode(None):
            sink.mux(packet)


def _render_in_worker(scene):
    from scenevis import render
    return render(scene)


def run_scenevis_processes(src: str, dst: str, kept: Optional[list] = None) -> None:
    """Scenes built here, rendered by 2 worker processes (each frame goes there and back),
    at most 4 frames in flight."""
    from scenevis import video

    def rendered(pool):
        pending: collections.deque = collections.deque()
        for scene in scenevis_frames(src, kept):
            pending.append(pool.submit(_render_in_worker, scene))
            if len(pending) >= 4:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()

    with concurrent.futures.ProcessPoolExecutor(2) as pool:
        video.write(dst, rendered(pool), fps=FPS)


def _supervision_annotators():
    import supervision as sv

    lookup = sv.ColorLookup.TRACK
    return (sv.TraceAnnotator(trace_length=TRAIL, color_lookup=lookup), sv.BoxAnnotator(color_lookup=lookup),
            sv.LabelAnnotator(color_lookup=lookup))


def supervision_frames(src: str, kept: Optional[list] = None):
    """supervision's annotated frames (BGR, as OpenCV hands them over)."""
    import supervision as sv

    trace, box, label = _supervision_annotators()
    for i, frame in enumerate(sv.get_video_frames_generator(src)):
        t = tracks_at(i, frame.shape[1], frame.shape[0])
        detections = sv.Detections(xyxy=t.xyxy, confidence=t.scores, class_id=t.class_ids, tracker_id=t.ids)
        texts = [f"#{k} {CLASS_NAMES[c]} {s:.2f}" for k, c, s in zip(t.ids, t.class_ids, t.scores)]
        out = trace.annotate(frame.copy(), detections)
        out = box.annotate(out, detections)
        out = label.annotate(out, detections, labels=texts)
        if kept is not None and i % KEEP_EVERY == 0:
            kept.append(out[..., ::-1].copy())
        yield out


def run_supervision(src: str, dst: str, kept: Optional[list] = None) -> None:
    import supervision as sv

    with sv.VideoSink(dst, sv.VideoInfo.from_video_path(src)) as sink:
        for frame in supervision_frames(src, kept):
            sink.write_frame(frame)


def run_supervision_h264(src: str, dst: str, kept: Optional[list] = None) -> None:
    from scenevis import video

    video.write(dst, (frame[..., ::-1] for frame in supervision_frames(src, kept)), fps=FPS)


def run_scenevis_undrawn(src: str, dst: str, kept: Optional[list] = None) -> None:
    """The clip decoded and encoded again, nothing drawn: what the frame rate could be
    if drawing cost nothing."""
    from scenevis import video

    video.write(dst, video.read(src), fps=FPS)


def run_supervision_undrawn(src: str, dst: str, kept: Optional[list] = None) -> None:
    import supervision as sv

    with sv.VideoSink(dst, sv.VideoInfo.from_video_path(src)) as sink:
        for frame in sv.get_video_frames_generator(src):
            sink.write_frame(frame)


#: peer name -> pipeline
PEERS: Dict[str, Callable] = {
    "scenevis": run_scenevis,
    "supervision (VideoSink, mp4v)": run_supervision,
    "supervision annotators, H.264 via PyAV": run_supervision_h264,
    "scenevis, serial (one thread)": run_scenevis_serial,
    "scenevis, render in 2 processes": run_scenevis_processes,
    "scenevis, nothing drawn": run_scenevis_undrawn,
    "supervision, nothing drawn": run_supervision_undrawn,
}
#: The other designs of the scenevis pipeline: 3 rounds are enough to rank them.
OTHER_DESIGNS = ("scenevis, serial (one thread)", "scenevis, render in 2 processes")


# -- measurements ------------------------------------------------------------------------------
def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)


def output_quality(run: Callable, src: str, dst: str) -> tuple:
    """(PSNR in dB of the encoded frames against the same frames uncompressed, file bytes)."""
    from scenevis import video

    kept: list = []
    run(src, dst, kept)
    decoded = [frame for i, frame in enumerate(video.read(dst)) if i % KEEP_EVERY == 0]
    if len(decoded) != len(kept):
        raise RuntimeError(f"{dst}: decoded {len(decoded)} kept frames, expected {len(kept)}")
    mse = np.mean([np.mean((a.astype(np.float64) - b) ** 2) for a, b in zip(decoded, kept)])
    return 10 * np.log10(255.0 ** 2 / mse), os.path.getsize(dst)


_MEMORY_PROBE = r"""
import json, sys
sys.path.insert(0, {root!r})
from benchmarks import bench_video
from scenevis import video

def rss():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmRSS"))

samples = []
def frames():
    for i, scene in enumerate(bench_video.scenevis_frames({src!r})):
        if i % 100 == 0:
            samples.append((i, rss()))
        yield scene
video.write({dst!r}, frames(), fps=bench_video.FPS)
samples.append((-1, rss()))
print(json.dumps(samples))
"""


def memory_profile(root: str, frames: int = 3000) -> list:
    """[(frame, RSS bytes)] every 100 frames of the scenevis pipeline over a ``frames``-long
    clip, in a fresh process."""
    src = make_clip(os.path.join(root, f"memory_{frames}.mp4"), frames)
    code = _MEMORY_PROBE.format(root=os.path.dirname(HERE), src=src, dst=os.path.join(root, "memory_out.mp4"))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=3600)
    return [tuple(s) for s in json.loads(done.stdout.strip().splitlines()[-1])]


def cases(root: str, frames: int = FRAMES) -> list:
    """One timing case per peer (``benchmarks.timing.Case``), all on the same input clip."""
    from benchmarks.timing import Case

    src = make_clip(os.path.join(root, "input.mp4"), frames)
    setting = f"{frames} frames 1080p, {OBJECTS} tracks"
    out = []
    for name, run in PEERS.items():
        dst = os.path.join(root, f"out_{len(out)}.mp4")
        out.append(Case("W7", setting, name, lambda run=run, dst=dst: run(src, dst), reference=name == "scenevis",
                        runs=3 if name in OTHER_DESIGNS else None))
    return out


def main(argv: Optional[list] = None) -> int:
    from benchmarks.timing import run_interleaved

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--frames", type=int, default=FRAMES)
    parser.add_argument("--memory-frames", type=int, default=0, help="also profile memory over this many frames")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as root:
        found = cases(root, args.frames)
        results = run_interleaved(found, runs=args.runs, progress=lambda m: print(m, file=sys.stderr))
        base = next(r.median for r in results if r.case.peer == "scenevis")
        for res in results:
            fps = args.frames / res.median if res.median else float("nan")
            print(f"{res.case.peer:45s} {fps:6.1f} fps  x{res.median / base if res.median else float('nan'):.2f} "
                  f"{res.error or ''}")
        src = os.path.join(root, "input.mp4")
        for name, run in PEERS.items():
            if name.endswith("nothing drawn"):
                continue
            quality, size = output_quality(run, src, os.path.join(root, "quality.mp4"))
            print(f"{name:45s} PSNR {quality:.2f} dB, {size / 2**20:.2f} MiB")
        if args.memory_frames:
            for frame, rss in memory_profile(root, args.memory_frames):
                print(f"frame {frame}: RSS {rss / 2**20:.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
