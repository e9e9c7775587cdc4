"""A relative save_dir is resolved once, when the backend is built (issue 12 §2).

A training script that changes its working folder mid-run (a data loader, a hook) must
not split one run across two folders.
"""
import glob
import json
import os

import numpy as np
import pytest

from scenevis.backends import LocalVisBackend, TensorboardVisBackend
from scenevis.visualizer import Visualizer


@pytest.fixture
def two_folders(tmp_path, monkeypatch):
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    monkeypatch.chdir(first)
    return first, second


def test_local_backend_keeps_its_folder_across_chdir(two_folders):
    first, second = two_folders
    backend = LocalVisBackend("work_dirs/run")
    os.chdir(second)  # before first use: the folder was fixed at construction
    backend.add_scalars({"a": 1}, step=0)
    os.chdir(first)
    backend.add_image("img", np.zeros((2, 2, 3), np.uint8), step=0)
    os.chdir(second)
    backend.add_scalars({"a": 2}, step=1)
    backend.close()
    assert not (second / "work_dirs").exists()
    run = first / "work_dirs" / "run"
    lines = [json.loads(line) for line in (run / "scalars.json").read_text().splitlines()]
    assert [line["a"] for line in lines] == [1, 2]
    assert (run / "vis_image" / "img_0.png").is_file()


def test_tensorboard_backend_keeps_its_folder_across_chdir(two_folders):
    pytest.importorskip("tensorboard")
    first, second = two_folders
    backend = TensorboardVisBackend("tb")
    os.chdir(second)
    backend.add_scalar("loss", 1.0, step=0)
    backend.close()
    backend.add_scalar("loss", 2.0, step=1)  # reopens after close: still the first folder
    backend.close()
    assert not (second / "tb").exists()
    assert len(glob.glob(str(first / "tb" / "events.out.tfevents.*"))) == 2


def test_visualizer_save_dir_is_resolved_at_construction(two_folders):
    first, second = two_folders
    vis = Visualizer(name="resolved_once", save_dir="out", vis_backends=[dict(type="LocalVisBackend")])
    os.chdir(second)
    vis.add_scalars({"a": 1}, step=0)
    vis.close()
    assert (first / "out" / "vis_data" / "scalars.json").is_file()
    assert not (second / "out").exists()
