"""Visualizer.add_video on every backend, read back by each tool's own reader: the local
file by PyAV, TensorBoard's GIF image summary by EventAccumulator, the W&B video by
parsing the offline run's .wandb file and opening the media file it names."""
import glob
import os
import tempfile
import warnings

import numpy as np
import pytest
from tensorboard.backend.event_processing import event_accumulator

import scenevis as sv
from scenevis import Visualizer, video
from scenevis.errors import VisualizerValueError

import wandb_reader

W, H, T = 96, 64, 12


def frames() -> np.ndarray:
    """(T, H, W, 3): a white square moving right over dark blue, one color per frame row."""
    out = np.zeros((T, H, W, 3), np.uint8)
    out[..., 2] = 120
    for t in range(T):
        out[t, 20:44, 4 + 6 * t:28 + 6 * t] = 255
    return out


def close_to(got: np.ndarray, want: np.ndarray, bound: float = 6.0) -> bool:
    return float(np.abs(got.astype(int) - want).mean()) <= bound


def test_local_backend_writes_vis_video_name_step_mp4(tmp_path):
    vis = Visualizer(name="video_local", vis_backends=[dict(type="LocalVisBackend")], save_dir=str(tmp_path))
    vis.add_video("val/rollout", frames(), step=7, fps=6)
    path = tmp_path / "vis_data" / "vis_video" / "val" / "rollout_7.mp4"
    clip = video.read(path)
    assert (clip.frame_count, clip.size, clip.fps) == (T, (W, H), 6)
    assert all(close_to(got, want) for got, want in zip(clip, frames()))
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".video-")]  # no temporary left


def test_tensorboard_stores_an_animated_gif_image_summary(tmp_path):
    vis = Visualizer(name="video_tb", vis_backends=[dict(type="TensorboardVisBackend")], save_dir=str(tmp_path))
    vis.add_video("rollout", frames(), step=3, fps=5)
    vis.close()
    acc = event_accumulator.EventAccumulator(str(tmp_path / "vis_data"), size_guidance={event_accumulator.IMAGES: 0})
    acc.Reload()
    assert acc.Tags()["images"] == ["rollout"]
    (event,) = acc.Images("rollout")
    assert event.step == 3 and (event.width, event.height) == (W, H)
    assert event.encoded_image_string[:6] == b"GIF89a"
    gif = tmp_path / "back.gif"
    gif.write_bytes(event.encoded_image_string)
    back = list(video.read(gif))
    assert len(back) == T
    assert all(close_to(got, want) for got, want in zip(back, frames()))


def test_wandb_logs_a_video_at_its_step(offline):
    save_dir = offline
    vis = Visualizer(name="video_wandb", vis_backends=[dict(type="WandbVisBackend")], save_dir=str(save_dir))
    vis.add_scalar("loss", 0.5, step=1)
    vis.add_video("rollout", frames(), step=2, fps=6)
    vis.close()
    (run,) = glob.glob(str(save_dir / "vis_data" / "wandb" / "offline-run-*"))
    (log,) = glob.glob(os.path.join(run, "run-*.wandb"))
    rows = [row for row in wandb_reader.history(wandb_reader.records_with_exit(log)) if "rollout/_type" in row]
    (row,) = rows
    assert row["step"] == 2 and row["rollout/_type"] == "video-file"  # the caller's step, as WandbVisBackend records it
    assert row["rollout/path"].startswith("media/videos/rollout_") and row["rollout/path"].endswith(".mp4")
    stored = video.read(os.path.join(run, "files", row["rollout/path"]))
    assert (stored.frame_count, stored.size) == (T, (W, H))
    assert all(close_to(got, want) for got, want in zip(stored, frames()))


def test_frames_of_every_kind_and_the_path_of_a_file(tmp_path):
    vis = Visualizer(name="video_kinds", vis_backends=[dict(type="LocalVisBackend")], save_dir=str(tmp_path))
    scenes = [sv.image(f) + sv.boxes([[2, 2, 20, 20]], color="red") for f in frames()]
    vis.add_video("scenes", scenes, step=0)
    vis.add_video("generator", (f for f in frames()), step=0)
    webm = video.write(tmp_path / "clip.webm", frames(), fps=8)
    vis.add_video("webm", webm, step=0)
    mp4 = video.write(tmp_path / "clip.mp4", frames(), fps=8)
    vis.add_video("mp4", mp4, step=0)
    out = tmp_path / "vis_data" / "vis_video"
    assert video.read(out / "scenes_0.mp4").fps == 4  # torch's add_video default
    assert video.read(out / "generator_0.mp4").frame_count == T
    assert video.read(out / "webm_0.mp4").fps == 8  # a file keeps its rate
    assert (out / "mp4_0.mp4").read_bytes() == open(mp4, "rb").read()  # an MP4 is copied as it is


def test_bad_frames_raise_before_any_backend_records(tmp_path):
    vis = Visualizer(name="video_bad", vis_backends=[dict(type="LocalVisBackend")], save_dir=str(tmp_path))
    with pytest.raises(VisualizerValueError, match=r"frames\[2\]: expected a 96x64 frame"):
        vis.add_video("bad", list(frames()[:2]) + [np.zeros((10, 10, 3), np.uint8)])
    with pytest.raises(VisualizerValueError, match="frames: expected at least one frame"):
        vis.add_video("empty", [])
    with pytest.raises(TypeError, match="name: expected a str"):
        vis.add_video(3, frames())
    with pytest.raises(FileNotFoundError, match="no video file"):
        vis.add_video("missing", str(tmp_path / "missing.mp4"))
    assert not (tmp_path / "vis_data" / "vis_video").exists()
    assert vis.backend_failures == {}


def test_backends_without_video_are_skipped_and_nothing_stays_in_temp(tmp_path, monkeypatch):
    class ImagesOnly:  # a duck-typed backend, as MMEngine's own are: no add_video
        def __init__(self):
            self.calls = []

        def add_image(self, *a, **k):
            self.calls.append("add_image")

        def add_scalars(self, *a, **k):
            pass

        def close(self):
            pass

    system_temp = tmp_path / "systemp"
    system_temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_temp))
    other = ImagesOnly()
    vis = Visualizer(name="video_skip", vis_backends=[other, dict(type="LocalVisBackend")], save_dir=str(tmp_path))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        vis.add_video("clip", frames())
    assert vis.backend_failures == {} and other.calls == []
    assert (tmp_path / "vis_data" / "vis_video" / "clip_0.mp4").exists()
    assert os.listdir(system_temp) == []  # the encoded file lives only while add_video runs


def test_a_notebook_shows_a_video_inline(tmp_path):
    import base64
    import re

    mp4 = video.write(tmp_path / "clip.mp4", frames(), fps=6)
    markup = video.read(mp4)._repr_html_()
    found = re.fullmatch(r'<video controls loop playsinline width="96" height="64" title="clip.mp4">'
                         r'<source src="data:video/mp4;base64,([A-Za-z0-9+/=]+)" type="video/mp4"></video>', markup)
    assert found and base64.b64decode(found.group(1)) == open(mp4, "rb").read()
    gif = video.write(tmp_path / "clip.gif", frames(), fps=6)
    assert video.read(gif)._repr_html_().startswith('<img src="data:image/gif;base64,R0lGOD')
