"""NeptuneVisBackend: real offline Neptune runs, read back from the operations Neptune writes.

An offline run is recorded under ``.neptune/offline/run__<id>__<pid>__<random>/`` of the
working folder: ``metadata.json`` and ``data-1.log``, one JSON operation per line
(``{"obj": {"type": "LogFloats", "path": [...], "values": [{"value", "step", "ts"}]},
"version": n, "at": t}``; images are ``LogImages`` with base64 file content; uploaded
files are ``UploadFile`` operations naming a copy in ``upload_path/``), the queue that
``neptune sync`` sends to the server.
"""
import base64
import glob
import io
import json
import os
import sys

import numpy as np
import pytest

from PIL import Image

from scenevis._arrays import as_image
from scenevis.backends.neptune import NeptuneVisBackend
from scenevis.registry import VISBACKENDS

# No background threads for hardware metrics or captured streams, no source upload.
QUIET = dict(capture_hardware_metrics=False, capture_stdout=False, capture_stderr=False, capture_traceback=False,
             git_ref=False, source_files=[])


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    folder = tmp_path / "cwd"
    folder.mkdir()
    monkeypatch.chdir(folder)
    for var in ("NEPTUNE_PROJECT", "NEPTUNE_API_TOKEN", "NEPTUNE_MODE"):
        monkeypatch.delenv(var, raising=False)
    return folder


def operations(workdir):
    """The operations of the one offline run under ``workdir``."""
    (folder,) = glob.glob(str(workdir / ".neptune" / "offline" / "run__*"))
    with open(os.path.join(folder, "data-1.log")) as handle:
        return folder, [json.loads(line)["obj"] for line in handle if line.strip()]


def series(ops, kind, path):
    return [(v["step"], v["value"]) for op in ops if op["type"] == kind and op["path"] == path for v in op["values"]]


def decode(value):
    with Image.open(io.BytesIO(base64.b64decode(value["data"]))) as image:
        assert image.format == "PNG"
        return np.asarray(image.convert("RGB"))


def test_offline_run_records_scalars_images_and_config(workdir):
    backend = VISBACKENDS.build(dict(type="NeptuneVisBackend", init_kwargs=QUIET))
    assert isinstance(backend, NeptuneVisBackend)
    for step in (1, 5, 9):
        backend.add_scalars({"loss": 1.0 / step, "val/acc": np.float32(step / 4)}, step=step)
    backend.add_scalar("lr", 0.125, step=11)
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 256, (30, 40, 3), dtype=np.uint8) for _ in range(3)]
    backend.add_image("val/a.jpg", images[0], step=5)
    backend.add_image("val/b.jpg", images[1], step=5)  # same step, its own series: kept when synced
    backend.add_image("val/a.jpg", images[2], step=9)
    backend.add_config(dict(model=dict(type="Net", depth=18), lr=0.01))
    import neptune

    assert isinstance(backend.experiment, neptune.Run)
    backend.close()

    folder, ops = operations(workdir)
    assert json.load(open(os.path.join(folder, "metadata.json")))["mode"] == "offline"
    assert series(ops, "LogFloats", ["loss"]) == [(1, 1.0), (5, 0.2), (9, 1 / 9)]
    assert series(ops, "LogFloats", ["val", "acc"]) == [(1, 0.25), (5, 1.25), (9, 2.25)]
    assert series(ops, "LogFloats", ["lr"]) == [(11, 0.125)]
    a = series(ops, "LogImages", ["images", "val", "a.jpg"])
    b = series(ops, "LogImages", ["images", "val", "b.jpg"])
    assert [step for step, _ in a] == [5, 9] and [step for step, _ in b] == [5]
    assert a[0][1]["name"] == "val/a.jpg"
    assert np.array_equal(decode(a[0][1]), images[0]) and np.array_equal(decode(a[1][1]), images[2])
    assert np.array_equal(decode(b[0][1]), images[1])
    (upload,) = [op for op in ops if op["type"] == "UploadFile" and op["path"] == ["config"]]
    text = open(os.path.join(folder, "upload_path", upload["tmp_file_name"])).read()
    assert text.splitlines()[0] == "model = {'type': 'Net', 'depth': 18}"


def test_gray_and_rgba_images_are_stored_as_rgb(workdir):
    backend = NeptuneVisBackend(init_kwargs=QUIET)
    rgba = np.random.default_rng(1).integers(0, 256, (6, 5, 4), dtype=np.uint8)
    backend.add_image("rgba", rgba, step=0)
    backend.close()
    _, ops = operations(workdir)
    ((_, value),) = series(ops, "LogImages", ["images", "rgba"])
    assert np.array_equal(decode(value), as_image(rgba))


def test_input_rules_and_close(workdir):
    init_kwargs = dict(QUIET)
    backend = NeptuneVisBackend(init_kwargs=init_kwargs)
    with pytest.raises(ValueError, match="step") as caught:
        backend.add_scalars({"step": 1})
    assert isinstance(caught.value, AssertionError)
    with pytest.raises(ValueError, match="image"):
        backend.add_image("x", np.zeros((2, 2, 7), np.uint8))
    assert not (workdir / ".neptune").exists()  # no run started by a refused call
    with pytest.raises(TypeError, match="'note'"):  # the whole call is refused: the shared rule
        backend.add_scalars({"loss": 0.5, "note": "text"}, step=2)
    backend.add_scalars({"loss": 0.5}, step=2)
    backend.close()
    backend.close()
    assert init_kwargs == QUIET  # mode='offline' was added to a copy
    _, ops = operations(workdir)
    assert [op["path"] for op in ops if op["type"] == "LogFloats"] == [["loss"]]
    with pytest.raises(RuntimeError, match="closed"):
        backend.add_scalar("loss", 0.1, step=3)


def test_a_project_without_credentials_fails_clearly_before_any_record(workdir):
    """Online mode needs a token: Neptune's own error reaches the caller; nothing is written."""
    from neptune.exceptions import NeptuneException

    backend = NeptuneVisBackend(init_kwargs=dict(QUIET, project="team/project"))
    with pytest.raises(NeptuneException):
        backend.add_scalar("loss", 0.5, step=1)
    assert not (workdir / ".neptune").exists()


def test_constructor_checks_and_missing_sdk(monkeypatch):
    with pytest.raises(TypeError, match="init_kwargs"):
        NeptuneVisBackend(init_kwargs="offline")
    monkeypatch.setitem(sys.modules, "neptune", None)
    with pytest.raises(ImportError, match=r'pip install "scenevis\[neptune\]"'):
        NeptuneVisBackend().add_scalar("a", 1.0)


def test_add_video_uploads_an_mp4_file_per_step(workdir):
    from scenevis import video
    from scenevis.visualizer import Visualizer

    frames = np.zeros((6, 32, 48, 3), np.uint8)
    for t in range(6):
        frames[t, 8:24, 4 + 6 * t:16 + 6 * t] = 255
    vis = Visualizer(name="neptune_video", vis_backends=[dict(type="NeptuneVisBackend", init_kwargs=QUIET)],
                     save_dir=str(workdir))
    vis.add_video("val/rollout", frames, step=3, fps=5)
    vis.close()
    folder, ops = operations(workdir)
    (upload,) = [op for op in ops if op["type"] == "UploadFile" and op["path"] == ["videos", "val", "rollout_3"]]
    assert upload["ext"] == "mp4"
    back = list(video.read(os.path.join(folder, "upload_path", upload["tmp_file_name"])))
    assert len(back) == 6 and np.abs(back[3].astype(int) - frames[3]).mean() < 4
