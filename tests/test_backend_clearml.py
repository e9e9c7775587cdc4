"""ClearMLVisBackend: real ClearML tasks in offline mode, read back from the session folder.

ClearML reads its configuration once per process, so the offline mode, the cache folder
(where offline sessions go), a configuration file and a home folder (ClearML keeps a
session file in ``~/.clearml``) are set for the whole module, before clearml is first
imported. The configuration turns off the reporting subprocess
(``report_use_subprocess``), which otherwise makes every ``close()`` wait several seconds.
"""
import json
import os
import sys

import cv2
import numpy as np
import pytest

from scenevis.backends.clearml import ClearMLVisBackend
from scenevis.registry import VISBACKENDS

# Task.init's hooks into frameworks, argparse, stdout and the machine: off, so the test
# process stays as it was; repository detection off (it scans the working folder).
QUIET = dict(auto_connect_frameworks={"detect_repository": False}, auto_connect_arg_parser=False,
             auto_connect_streams=False, auto_resource_monitoring=False)


@pytest.fixture(scope="module", autouse=True)
def offline(tmp_path_factory):
    folder = tmp_path_factory.mktemp("clearml")
    (folder / "clearml.conf").write_text("sdk { development { report_use_subprocess: false } }\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CLEARML_OFFLINE_MODE", "1")
        patch.setenv("CLEARML_CACHE_DIR", str(folder / "cache"))
        patch.setenv("CLEARML_CONFIG_FILE", str(folder / "clearml.conf"))
        patch.setenv("HOME", str(folder / "home"))  # ClearML keeps ~/.clearml/.session.json
        yield folder


def events(folder):
    """Every event of the offline session's ``metrics.jsonl`` (one JSON list per line)."""
    with open(os.path.join(folder, "metrics.jsonl")) as handle:
        return [event for line in handle if line.strip() for event in json.loads(line)]


def test_scalars_images_config_and_artifacts_read_back(tmp_path):
    work_dir = tmp_path / "work_dir"
    work_dir.mkdir()
    (work_dir / "config.py").write_text("lr = 0.01\n")
    (work_dir / "epoch_1.pth").write_bytes(b"weights")
    (work_dir / "train.log").write_text("not an artifact suffix\n")
    backend = VISBACKENDS.build(dict(type="ClearMLVisBackend", init_kwargs=dict(
        QUIET, project_name="scenevis", task_name="readback")))
    assert isinstance(backend, ClearMLVisBackend)
    for step in (1, 5):
        backend.add_scalars({"loss": 1.0 / step, "acc": np.float32(step / 4)}, step=step)
    backend.add_scalar("lr", 0.125, step=7)
    image = np.zeros((32, 48, 3), np.uint8)
    image[:, :24] = (220, 20, 60)  # crimson left half, black right half: RGB order is checked
    backend.add_image("val/sample", image, step=5)
    backend.add_config(dict(model=dict(type="Net", depth=18), lr=0.01, work_dir=str(work_dir)))
    import clearml

    assert backend.experiment is clearml
    folder = backend.task.get_offline_mode_folder()
    backend.close()

    found = events(folder)
    scalars = sorted((e["metric"], e["variant"], e["iter"], e["value"]) for e in found
                     if e["type"] == "training_stats_scalar")
    assert scalars == sorted([("loss", "loss", 1, 1.0), ("loss", "loss", 5, 0.2), ("acc", "acc", 1, 0.25),
                              ("acc", "acc", 5, 1.25), ("lr", "lr", 7, 0.125)])
    (shown,) = [e for e in found if e["type"] == "training_debug_image"]
    assert (shown["metric"], shown["variant"], shown["iter"]) == ("val/sample", "val/sample", 5)
    stored = cv2.imread(shown["url"], cv2.IMREAD_COLOR)[..., ::-1]  # ClearML's default format: JPEG
    assert stored.shape == image.shape
    assert np.abs(stored.astype(int) - image).mean() < 3  # lossy, but the colors are where they were
    assert tuple(stored[16, 8]) == pytest.approx((220, 20, 60), abs=12) and stored[16, 40].max() < 12

    task = json.loads((folder / "task.json").read_text())
    assert (task["project_name"], task["name"]) == ("scenevis", "readback")
    (configuration,) = task["configuration"].values()
    assert "lr = 0.01" in configuration["value"] and "depth = 18" in configuration["value"]
    # MMEngine's close(): the work_dir's .py and .pth files, not recursively, as artifacts.
    artifacts = {a["key"]: a for a in task["execution"]["artifacts"]}
    assert sorted(artifacts) == ["config.py", "epoch_1.pth"]
    with open(artifacts["epoch_1.pth"]["uri"], "rb") as handle:
        assert handle.read() == b"weights"


def test_input_rules_and_close(tmp_path):
    init_kwargs = dict(QUIET, project_name="scenevis", task_name="rules")
    backend = ClearMLVisBackend(str(tmp_path / "unused"), init_kwargs=init_kwargs)
    with pytest.raises(ValueError, match="step") as caught:
        backend.add_scalars({"step": 1})
    assert isinstance(caught.value, AssertionError)
    with pytest.raises(ValueError, match="image"):
        backend.add_image("x", np.zeros((2, 2, 7), np.uint8))
    assert backend._task is None  # no task started by a refused call
    with pytest.raises(TypeError, match="'note'"):  # the whole call is refused: the shared rule
        backend.add_scalars({"loss": 0.5, "note": "text"}, step=2)
    backend.add_scalars({"loss": 0.5}, step=2)
    folder = backend.task.get_offline_mode_folder()
    backend.close()
    backend.close()
    assert init_kwargs == dict(QUIET, project_name="scenevis", task_name="rules")
    assert [e["metric"] for e in events(folder)] == ["loss"]
    with pytest.raises(RuntimeError, match="closed"):
        backend.add_scalar("loss", 0.1, step=3)
    assert not (tmp_path / "unused").exists()  # save_dir is not used, as in MMEngine


def test_constructor_checks_and_missing_sdk(monkeypatch):
    with pytest.raises(TypeError, match="init_kwargs"):
        ClearMLVisBackend(init_kwargs=[1])
    with pytest.raises(TypeError, match="artifact_suffix"):
        ClearMLVisBackend(artifact_suffix=None)
    monkeypatch.setitem(sys.modules, "clearml", None)
    with pytest.raises(ImportError, match=r'pip install "scenevis\[clearml\]"'):
        ClearMLVisBackend().add_scalar("a", 1.0)


def test_add_video_is_a_media_debug_sample(tmp_path):
    from scenevis import video
    from scenevis.visualizer import Visualizer

    frames = np.zeros((6, 32, 48, 3), np.uint8)
    for t in range(6):
        frames[t, 8:24, 4 + 6 * t:16 + 6 * t] = 255
    vis = Visualizer(name="clearml_video", vis_backends=[dict(type="ClearMLVisBackend", init_kwargs=dict(
        QUIET, project_name="scenevis", task_name="video"))], save_dir=str(tmp_path))
    vis.add_video("rollout", frames, step=4, fps=5)
    backend = vis.get_backend("ClearMLVisBackend")
    folder = backend.task.get_offline_mode_folder()
    vis.close()
    (shown,) = [e for e in events(folder) if e["type"] == "training_debug_image"]
    assert (shown["metric"], shown["variant"], shown["iter"]) == ("rollout", "rollout", 4)
    assert shown["url"].endswith(".mp4")
    back = list(video.read(shown["url"]))
    assert len(back) == 6 and np.abs(back[3].astype(int) - frames[3]).mean() < 4
