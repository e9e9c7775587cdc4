"""DVCLiveVisBackend: real DVCLive runs, read back from the files DVCLive writes."""
import csv
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import yaml  # DVCLive depends on it
from PIL import Image

from scenevis._arrays import as_image
from scenevis.backends.dvclive import DVCLiveVisBackend
from scenevis.registry import VISBACKENDS


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """An empty working folder outside any Git or DVC repository; DVC's analytics off."""
    folder = tmp_path / "cwd"
    folder.mkdir()
    monkeypatch.chdir(folder)
    monkeypatch.setenv("DVC_NO_ANALYTICS", "1")
    monkeypatch.setenv("DO_NOT_TRACK", "1")
    monkeypatch.setenv("DVC_STUDIO_OFFLINE", "1")
    return folder


def tsv(path):
    with open(path, newline="") as handle:
        return [row for row in csv.DictReader(handle, delimiter="\t")]


def png(path):
    with Image.open(path) as image:
        assert image.format == "PNG"
        return np.asarray(image.convert("RGB"))


def test_metrics_images_and_params_read_back(workdir):
    save_dir = workdir / "run" / "vis_data"
    backend = VISBACKENDS.build(dict(type="DVCLiveVisBackend", save_dir=str(save_dir)))
    assert isinstance(backend, DVCLiveVisBackend)
    assert not save_dir.exists()  # nothing before first use
    for step in (1, 5, 9):
        backend.add_scalars({"loss": 1.0 / step, "coco/bbox_mAP": np.float32(step / 10)}, step=step)
    backend.add_scalar("lr", 0.125, step=11)
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (30, 40, 3), dtype=np.uint8)
    rgba = rng.integers(0, 256, (6, 5, 4), dtype=np.uint8)
    backend.add_image("val/sample", image, step=5)
    backend.add_image("val/sample", image[::-1], step=9)
    backend.add_image("rgba", rgba, step=0)
    backend.add_config(dict(model=dict(type="Net", depth=18), lr=0.01, scales=(1, 2), mean=[0.5, 0.25]))
    import dvclive

    assert isinstance(backend.experiment, dvclive.Live)
    backend.close()

    assert [(int(r["step"]), float(r["loss"])) for r in tsv(save_dir / "plots/metrics/loss.tsv")] == [
        (1, 1.0), (5, 0.2), (9, 1 / 9)]
    assert [(int(r["step"]), round(float(r["bbox_mAP"]), 6)) for r in tsv(save_dir / "plots/metrics/coco/bbox_mAP.tsv")
            ] == [(1, 0.1), (5, 0.5), (9, 0.9)]
    assert [(int(r["step"]), float(r["lr"])) for r in tsv(save_dir / "plots/metrics/lr.tsv")] == [(11, 0.125)]
    summary = json.loads((save_dir / "metrics.json").read_text())
    assert summary["loss"] == pytest.approx(1 / 9) and summary["lr"] == 0.125 and summary["step"] == 11
    assert yaml.safe_load((save_dir / "params.yaml").read_text()) == dict(
        model=dict(type="Net", depth=18), lr=0.01, scales=[1, 2], mean=[0.5, 0.25])
    images = save_dir / "plots" / "images"
    assert sorted(str(p.relative_to(images)) for p in images.rglob("*.png")) == [
        "rgba/0.png", "val/sample/5.png", "val/sample/9.png"]
    assert np.array_equal(png(images / "val/sample/5.png"), image)
    assert np.array_equal(png(images / "val/sample/9.png"), image[::-1])
    assert np.array_equal(png(images / "rgba/0.png"), as_image(rgba))
    # No repository was created around the working folder, and nothing was written outside save_dir.
    assert os.listdir(workdir) == ["run"]


def test_names_stay_under_plots(workdir):
    save_dir = workdir / "vis"
    backend = DVCLiveVisBackend(str(save_dir))
    backend.add_scalar("../../escape", 1.0, step=1)
    backend.add_image("../../escape", np.zeros((3, 3, 3), np.uint8), step=1)
    backend.close()
    assert (save_dir / "plots/metrics/%2E%2E/%2E%2E/escape.tsv").is_file()
    assert (save_dir / "plots/images/%2E%2E/%2E%2E/escape/1.png").is_file()
    assert os.listdir(workdir) == ["vis"]


def test_in_a_dvc_repository_images_and_run_files_are_cached(workdir):
    done = subprocess.run([os.path.join(os.path.dirname(sys.executable), "dvc"), "init", "--no-scm", "-q"],
                          cwd=workdir, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    save_dir = workdir / "vis"
    backend = DVCLiveVisBackend(str(save_dir))
    backend.add_image("img", np.full((4, 4, 3), 7, np.uint8), step=3)
    (save_dir / "scalars.json").write_text('{"loss": 0.5, "step": 3}\n')  # what LocalVisBackend writes beside it
    backend.add_scalar("loss", 0.5, step=3)
    backend.close()
    # cache_images (MMEngine's default): the images folder is tracked by DVC and in its cache.
    tracked = yaml.safe_load((save_dir / "plots" / "images.dvc").read_text())
    assert tracked["outs"][0]["path"] == "images"
    # MMEngine's close(): the run's files ending in artifact_suffix are tracked, not DVCLive's own outputs.
    assert (save_dir / "scalars.json.dvc").is_file()
    assert not (save_dir / "metrics.json.dvc").exists() and not (save_dir / "params.yaml.dvc").exists()
    cache = workdir / ".dvc" / "cache"
    assert sum(1 for p in cache.rglob("*") if p.is_file()) >= 3  # the PNG, the folder listing, scalars.json


def test_cache_images_without_a_repository_warns_and_writes(workdir):
    backend = DVCLiveVisBackend(str(workdir / "vis"), init_kwargs=dict(cache_images=True))
    with pytest.warns(UserWarning, match="cache_images"):
        backend.add_image("img", np.zeros((3, 3, 3), np.uint8), step=1)
    backend.close()
    assert (workdir / "vis/plots/images/img/1.png").is_file()


def test_input_rules_and_close(workdir):
    init_kwargs = dict(report=None)
    backend = DVCLiveVisBackend(str(workdir / "vis"), init_kwargs=init_kwargs)
    with pytest.raises(ValueError, match="step") as caught:
        backend.add_scalars({"step": 1})
    assert isinstance(caught.value, AssertionError)
    with pytest.raises(ValueError, match="image"):
        backend.add_image("x", np.zeros((2, 2, 7), np.uint8))
    with pytest.raises(TypeError, match="step"):
        backend.add_image("x", np.zeros((2, 2, 3), np.uint8), step="1")
    assert not (workdir / "vis").exists()
    with pytest.raises(TypeError, match="'note'"):  # the whole call is refused: the shared rule
        backend.add_scalars({"loss": 0.5, "note": "text"}, step=2)
    backend.add_scalars({"loss": 0.5}, step=2)
    backend.close()
    backend.close()
    assert init_kwargs == dict(report=None)
    assert not (workdir / "vis/plots/metrics/note.tsv").exists()
    with pytest.raises(RuntimeError, match="closed"):
        backend.add_scalar("loss", 0.1, step=3)


def test_constructor_checks_and_missing_sdk(tmp_path, monkeypatch):
    with pytest.raises(TypeError, match="init_kwargs"):
        DVCLiveVisBackend("x", init_kwargs=["dir"])
    with pytest.raises(TypeError, match="artifact_suffix"):
        DVCLiveVisBackend("x", artifact_suffix=[1])
    monkeypatch.setitem(sys.modules, "dvclive", None)
    backend = DVCLiveVisBackend(str(tmp_path / "vis"))
    with pytest.raises(ImportError, match=r'pip install "scenevis\[dvclive\]"'):
        backend.add_scalar("a", 1.0)
    assert not (tmp_path / "vis").exists()
