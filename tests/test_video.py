"""scenevis.video: real files written by PyAV's FFmpeg and read back by it.

Pixel bounds are stated against what was drawn. The clip is thin colored lines and
text on a flat color, the hardest case for video: H.264 and VP9 store color at half
resolution (4:2:0), so even with no compression at all this clip comes back at 28.3 dB
PSNR; the bounds leave a little room below that. GIF keeps full color resolution (one
palette, made from the first frame, whose colors this clip keeps) and comes back almost
exactly.
"""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import weakref

import attrs
import numpy as np
import pytest

import scenevis as sv
from scenevis import video
from scenevis.geometry import BBox
from scenevis.video import VideoError
from scenevis.video._common import QUEUE
from scenevis.video.writing import DRAWERS

W, H = 160, 120


def scene_at(i: int) -> sv.Scene:
    return (sv.background((0, 0, W, H), "#30445c") + sv.boxes([[10 + 2 * i, 20, 60 + 2 * i, 80]], color="orange", width=3)
            + sv.texts(["#3 car"], [[10 + 2 * i, 5]], color="white", font_size=11))


def clip(n: int = 24):
    for i in range(n):
        yield scene_at(i)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(((a.astype(np.float64) - b) ** 2).mean())
    return float("inf") if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)


@pytest.mark.parametrize("ext, min_psnr, max_mean_error", [("mp4", 26.0, 3.5), ("webm", 26.0, 3.5), ("gif", 50.0, 0.5)])
def test_round_trip_count_size_fps_and_pixels(tmp_path, ext, min_psnr, max_mean_error):
    drawn = [sv.render(scene_at(i)) for i in range(24)]
    path = video.write(tmp_path / f"clip.{ext}", clip(24), fps=12)
    assert path == str(tmp_path / f"clip.{ext}")
    reader = video.read(path)
    assert (reader.width, reader.height, reader.size, reader.frame_count, len(reader)) == (W, H, (W, H), 24, 24)
    # GIF keeps delays in hundredths of a second: 1/12 s is stored as 8/100
    assert reader.fps == pytest.approx(12 if ext != "gif" else 12.5)
    frames = list(reader)
    assert len(frames) == 24
    for got, want in zip(frames, drawn):
        assert got.shape == (H, W, 3) and got.dtype == np.uint8
        assert psnr(got, want) >= min_psnr
        assert np.abs(got.astype(int) - want).mean() <= max_mean_error
    # the box moved: a frame is nearer its own drawing than its neighbour's
    assert psnr(frames[10], drawn[10]) > psnr(frames[10], drawn[14]) + 3


def test_quality_trades_size_for_fidelity(tmp_path):
    drawn = [sv.render(scene_at(i)) for i in range(24)]
    low = video.write(tmp_path / "low.mp4", drawn, quality=10)
    high = video.write(tmp_path / "high.mp4", drawn, quality=95)
    assert os.path.getsize(low) < os.path.getsize(high)
    back_low, back_high = list(video.read(low)), list(video.read(high))
    assert np.mean([psnr(a, b) for a, b in zip(back_low, drawn)]) < np.mean([psnr(a, b) for a, b in zip(back_high, drawn)])
    assert video.quality_setting(video.FORMATS[".mp4"], None) == 22
    assert video.quality_setting(video.FORMATS[".mp4"], 0) == 51
    assert video.quality_setting(video.FORMATS[".gif"], 100) == 256


def x264_settings(path) -> bytes:
    """The settings libx264 writes into the stream (a SEI message of the first frame)."""
    with open(path, "rb") as handle:
        data = handle.read()
    start = data.index(b"x264 - core")
    return data[start:data.index(b"\0", start)]


def test_h264_quality_is_a_constant_quantizer_and_options_can_ask_for_crf(tmp_path):
    drawn = [sv.render(scene_at(i)) for i in range(3)]
    settings = x264_settings(video.write(tmp_path / "default.mp4", drawn))
    assert b" rc=cqp " in settings and b" qp=22 " in settings and b"aq=0" in settings
    assert b" qp=51 " in x264_settings(video.write(tmp_path / "worst.mp4", drawn, quality=0))
    settings = x264_settings(video.write(tmp_path / "crf.mp4", drawn, options={"crf": 18}))
    assert b" rc=crf " in settings and b" crf=18.0 " in settings


def test_h264_color_is_averaged_over_each_2x2_block(tmp_path):
    """4:2:0 keeps one color per 2x2 block: averaged, a one-pixel red line tints both
    pixels of its block half as much (sampled, one pixel would be fully red, the other
    far less; filtered wider, both less than half)."""
    gray = np.full((32, 32, 3), 128, np.uint8)
    gray[5, :] = gray[:, 21] = (255, 0, 0)  # a row and a column, each the second of its block's pair
    back = next(iter(video.read(video.write(tmp_path / "lines.mp4", [gray] * 2, quality=100)))).astype(int)
    red = back[..., 0] - back[..., 1]
    for first, second in ((red[4, 10], red[5, 10]), (red[16, 20], red[16, 21])):
        assert abs(first - 128) <= 6 and abs(second - 128) <= 6


def test_arrays_of_any_image_kind_and_a_frame_array(tmp_path):
    gray = np.full((T := 5, 32, 48), 200, np.uint8)
    path = video.write(tmp_path / "gray.webm", gray[..., None].repeat(3, axis=3))
    assert video.read(path).frame_count == T
    floats = [np.full((32, 48, 3), 0.5) for _ in range(3)]
    back = list(video.read(video.write(tmp_path / "float.gif", floats)))
    assert abs(int(back[0][10, 10, 0]) - 128) <= 1


def test_odd_sizes(tmp_path):
    frames = [np.full((33, 45, 3), 90, np.uint8)] * 3
    # H.264 4:2:0 needs even sides: one copied row and column are added
    assert video.read(video.write(tmp_path / "odd.mp4", frames)).size == (46, 34)
    assert video.read(video.write(tmp_path / "odd.webm", frames)).size == (45, 33)
    assert video.read(video.write(tmp_path / "odd.gif", frames)).size == (45, 33)


def test_writer_streams_in_constant_memory(tmp_path):
    """However long the sequence, only a handful of frames are alive at once."""
    alive: list = []
    most = [0]

    def frames():
        for i in range(200):
            frame = np.full((H, W, 3), i % 256, np.uint8)
            alive.append(weakref.ref(frame))
            most[0] = max(most[0], sum(r() is not None for r in alive))
            yield frame

    video.write(tmp_path / "long.mp4", frames())
    assert most[0] <= 2  # the writer copies each frame into FFmpeg's buffer at once
    most[0] = 0
    seen: list = []
    for frame in video.read(tmp_path / "long.mp4"):
        seen.append(weakref.ref(frame))
        most[0] = max(most[0], sum(r() is not None for r in seen))
    assert len(seen) == 200
    assert most[0] <= QUEUE + 2


def test_reading_decodes_ahead_on_its_own_thread_and_stops_when_the_loop_does(tmp_path):
    path = video.write(tmp_path / "a.mp4", clip(40))
    before = threading.active_count()
    names = set()
    for i, _ in enumerate(video.read(path)):
        names |= {t.name for t in threading.enumerate()}
        if i == 5:
            break
    assert "scenevis-video-read" in names
    assert threading.active_count() == before
    # a reader reads from the start each time it is iterated
    reader = video.read(path)
    assert len(list(reader)) == len(list(reader)) == 40


def test_frames_read_are_read_only_and_a_scene_holds_them_without_a_copy(tmp_path):
    path = video.write(tmp_path / "a.mp4", clip(3))
    frame = next(iter(video.read(path)))
    assert not frame.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        frame[0, 0] = 0
    assert sv.image(frame).pixels is frame
    mine = frame.copy()
    mine[0, 0] = 0  # a copy is the caller's to draw on
    assert mine.flags.writeable


def test_writer_one_frame_at_a_time_and_its_drawing_and_encoding_threads(tmp_path):
    with video.VideoWriter(tmp_path / "w.webm", fps=25) as out:
        assert out.size is None
        for i in range(10):
            out.write(scene_at(i))
            names = [t.name for t in threading.enumerate()]
            assert names.count("scenevis-video-draw") == DRAWERS == 2 and "scenevis-video-write" in names
        assert out.size == (W, H) and out.frame_count == 10
    assert not {"scenevis-video-write", "scenevis-video-draw"} & {t.name for t in threading.enumerate()}
    with pytest.raises(ValueError, match="closed"):
        out.write(scene_at(0))
    assert video.read(tmp_path / "w.webm").fps == 25


@pytest.mark.parametrize("ext", ["mp4", "webm"])
def test_scenes_are_drawn_into_reused_frames_and_encode_as_their_renders_do(tmp_path, ext, monkeypatch):
    """Scenes go straight into the drawing threads' own RGBA frames, one each, reused for
    every scene; the file holds exactly what writing their rendered arrays gives, in order."""
    from scenevis.renderer import output

    scenes = [scene_at(i) for i in range(3 * QUEUE)]
    arrays = video.write(tmp_path / f"arrays.{ext}", [sv.render(s) for s in scenes], fps=10)
    buffers = set()
    render_into = output.render_into

    def spy(scene, buffer, **kw):
        buffers.add(buffer.ctypes.data)
        return render_into(scene, buffer, **kw)

    monkeypatch.setattr(output, "render_into", spy)
    drawn = video.write(tmp_path / f"scenes.{ext}", scenes, fps=10)
    assert np.array_equal(np.stack(list(video.read(drawn))), np.stack(list(video.read(arrays))))
    assert 0 < len(buffers) <= DRAWERS  # however long the video
    # Scenes and arrays in turn: each drawing thread's one converter takes both kinds of frame.
    mixed = video.write(tmp_path / f"mixed.{ext}", [s if i % 2 else sv.render(s) for i, s in enumerate(scenes)],
                        fps=10)
    assert np.array_equal(np.stack(list(video.read(mixed))), np.stack(list(video.read(arrays))))


# -- bad input ------------------------------------------------------------------------------
@pytest.mark.parametrize("ext", ["mp4", "webm", "gif"])
def test_a_frame_of_another_size_stops_and_leaves_a_playable_file(tmp_path, ext):
    path = tmp_path / f"x.{ext}"
    frames = [np.zeros((64, 96, 3), np.uint8)] * 2 + [np.zeros((32, 32, 3), np.uint8)] + [np.zeros((64, 96, 3), np.uint8)]
    with pytest.raises(ValueError, match=r"frames\[2\]: expected a 96x64 frame \(the size of the first\), got 32x32"):
        video.write(path, frames)
    assert len(list(video.read(path))) == 2


@pytest.mark.parametrize("ext", ["mp4", "webm", "gif"])
def test_a_failing_generator_leaves_a_playable_file(tmp_path, ext):
    def frames():
        yield from clip(3)
        raise RuntimeError("model crashed")

    path = tmp_path / f"x.{ext}"
    with pytest.raises(RuntimeError, match="model crashed"):
        video.write(path, frames())
    assert len(list(video.read(path))) == 3


@attrs.frozen
class Undrawable(sv.Scene):
    """A scene no painter knows: rendering it fails (on the writer's drawing thread)."""

    @property
    def extent(self):
        return BBox(0, 0, W, H)


@pytest.mark.parametrize("ext", ["mp4", "webm"])
def test_a_scene_failing_to_render_on_the_drawing_thread_raises_here_and_leaves_a_playable_file(tmp_path, ext):
    path = tmp_path / f"x.{ext}"
    with pytest.raises(TypeError, match="no painter"):
        with video.VideoWriter(path) as out:
            for scene in list(clip(3)) + [scene_at(3) + Undrawable()] + list(clip(20)):
                out.write(scene)
    assert len(list(video.read(path))) == 3
    assert not {"scenevis-video-write", "scenevis-video-draw"} & {t.name for t in threading.enumerate()}


@pytest.mark.parametrize("frames", [[], iter([]), np.zeros((0, 8, 8, 3), np.uint8)], ids=["list", "iterator", "array"])
def test_no_frames_is_an_error_and_writes_no_file(tmp_path, frames):
    path = tmp_path / "empty.mp4"
    with pytest.raises(ValueError, match="frames: expected at least one frame, got none"):
        video.write(path, frames)
    assert not path.exists()


@pytest.mark.parametrize("call, error, message", [
    (lambda p: video.write(p / "x.avi", [np.zeros((8, 8, 3), np.uint8)]), ValueError, r"path: expected a file name ending in \.mp4, \.webm, \.gif"),
    (lambda p: video.write(p / "x.mp4", np.zeros((8, 8, 3), np.uint8)), ValueError, r"got one image of shape \(8, 8, 3\); pass \[image\]"),
    (lambda p: video.write(p / "x.mp4", "frames.png"), TypeError, "frames: expected an iterable of frames"),
    (lambda p: video.write(p / "x.mp4", [np.zeros((8, 8, 3))], fps=0), ValueError, r"fps: expected a number in \(0, 1000\], got 0"),
    (lambda p: video.write(p / "x.mp4", [np.zeros((8, 8, 3))], fps="30"), TypeError, "fps: expected a number"),
    (lambda p: video.write(p / "x.mp4", [np.zeros((8, 8, 3))], quality=101), ValueError, "quality: expected a number from 0 to 100, got 101"),
    (lambda p: video.write(p / "x.mp4", [np.zeros((8, 8, 3))], options={"preset": "nonsense"}), VideoError, "options: libx264 refused"),
    (lambda p: video.write(p / "x.mp4", [np.zeros((8, 8, 5))]), ValueError, r"frames\[0\]: expected shape"),
    (lambda p: video.read(p / "missing.mp4"), FileNotFoundError, "path: no video file at"),
], ids=["extension", "one-image", "string", "fps-zero", "fps-type", "quality", "options", "frame-shape", "missing"])
def test_bad_arguments_name_themselves_and_write_nothing(tmp_path, call, error, message):
    with pytest.raises(error, match=message):
        call(tmp_path)
    assert not [p for p in tmp_path.iterdir() if p.suffix in (".mp4", ".avi")]


def _good_file(tmp_path, ext: str, n: int = 60):
    frames = [sv.render(sv.image(sv.samples.photo(W, H, seed=1)) + sv.boxes([[i, 10, i + 40, 60]], color="red"))
              for i in range(n)]
    return video.write(tmp_path / f"good.{ext}", frames)


@pytest.mark.parametrize("ext", ["mp4", "webm", "gif"])
def test_a_truncated_file_yields_what_decodes_then_raises(tmp_path, ext):
    data = open(_good_file(tmp_path, ext), "rb").read()
    cut = tmp_path / f"cut.{ext}"
    cut.write_bytes(data[: len(data) // 2])
    got = []
    with pytest.raises(VideoError, match=r"cut\.\w+' (ended after \d+ frames|stopped decoding).*truncated"):
        for frame in video.read(cut):
            got.append(frame)
    assert 0 < len(got) < 60


def test_corrupt_and_foreign_files(tmp_path):
    data = bytearray(open(_good_file(tmp_path, "mp4"), "rb").read())
    start = len(data) // 3
    data[start:start + 2000] = np.random.default_rng(0).integers(0, 256, 2000, dtype=np.uint8).tobytes()
    corrupt = tmp_path / "corrupt.mp4"
    corrupt.write_bytes(bytes(data))
    with pytest.raises(VideoError, match=r"corrupt.mp4' stopped decoding after \d+ of 60 frames.*corrupt or truncated"):
        list(video.read(corrupt))
    text = tmp_path / "notes.mp4"
    text.write_text("not a video")
    with pytest.raises(VideoError, match="notes.mp4' cannot be opened as a video"):
        video.read(text)


def test_without_pyav_the_error_says_how_to_install_it(tmp_path):
    code = ("import sys; sys.modules['av'] = None\n"
            "import scenevis.video as v\n"
            "try:\n    v.read('x.mp4')\nexcept ImportError as e:\n    print(e)\n")
    (tmp_path / "x.mp4").write_bytes(b"")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, check=True).stdout
    assert "pip install 'scenevis[video]'" in out
