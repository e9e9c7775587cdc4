"""AimVisBackend: real Aim runs, read back from the local repository."""
import os
import re
import sys

import numpy as np
import pytest

from scenevis._arrays import as_image
from scenevis.backends.aim import AimVisBackend, experiment_name
from scenevis.registry import VISBACKENDS

# No system-metrics thread, no stdout capture: the test process stays as it was.
QUIET = dict(system_tracking_interval=None, capture_terminal_logs=False, log_system_params=False)


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    folder = tmp_path / "cwd"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def read_run(repo_path, run_hash):
    """The run as Aim's UI sees it: runs are indexed before they are read (``aim up`` does
    this in the background; here it is done directly)."""
    from aim import Repo, Run
    from aim.sdk.index_manager import RepoIndexManager

    repo = Repo(str(repo_path))
    RepoIndexManager.get_index_manager(repo).index(run_hash)
    return Run(run_hash, repo=repo, read_only=True)


def sequence(run, kind, name):
    """``{step: value}`` of the tracked sequence ``name`` (empty context)."""
    from aim.storage.context import Context

    found = run.get_metric(name, Context({})) if kind == "metric" else run.get_image_sequence(name, Context({}))
    steps, columns = found.data.items_list()
    return dict(zip(steps, columns[0]))


def test_metrics_images_and_hparams_read_back(workdir):
    save_dir = workdir / "work_dir" / "20240101_000000"
    backend = VISBACKENDS.build(dict(type="AimVisBackend", save_dir=str(save_dir), init_kwargs=QUIET))
    assert isinstance(backend, AimVisBackend)
    for step in (1, 5, 9):
        backend.add_scalars({"loss": 1.0 / step, "acc": np.float32(step / 10)}, step=step)
    backend.add_scalar("lr", 0.125, step=11)
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (30, 40, 3), dtype=np.uint8)
    gray = rng.integers(0, 256, (7, 9), dtype=np.uint8)
    backend.add_image("val/sample", image, step=5)
    backend.add_image("val/sample", image[::-1], step=9)
    backend.add_image("gray", gray, step=0)
    backend.add_config(dict(model=dict(type="Net", depth=18), lr=0.01, scales=(1, 2)))
    import aim

    assert isinstance(backend.experiment, aim.Run)
    run_hash = backend.experiment.hash
    backend.close()

    # No Aim repository above the working folder: the repository is save_dir's.
    assert os.listdir(workdir) == ["work_dir"] and (save_dir / ".aim").is_dir()
    run = read_run(save_dir, run_hash)
    assert run.experiment == "work_dir_20240101_000000"  # MMEngine's name: the last two folders
    assert run["hparams"] == dict(model=dict(type="Net", depth=18), lr=0.01, scales=[1, 2])
    assert sequence(run, "metric", "loss") == {1: 1.0, 5: 0.2, 9: 1 / 9}
    assert {k: round(v, 6) for k, v in sequence(run, "metric", "acc").items()} == {1: 0.1, 5: 0.5, 9: 0.9}
    assert sequence(run, "metric", "lr") == {11: 0.125}
    images = sequence(run, "image", "val/sample")
    assert sorted(images) == [5, 9]
    for step, expected in [(5, image), (9, image[::-1])]:
        stored = images[step][0] if isinstance(images[step], list) else images[step]
        assert stored.format == "png" and stored.size == (40, 30)
        assert np.array_equal(np.asarray(stored.to_pil_image().convert("RGB")), expected)
    stored = sequence(run, "image", "gray")[0]
    stored = stored[0] if isinstance(stored, list) else stored
    assert np.array_equal(np.asarray(stored.to_pil_image().convert("RGB")), as_image(gray))


def test_an_existing_repository_above_the_working_folder_is_used(workdir, monkeypatch):
    from aim import Repo

    Repo.from_path(str(workdir), init=True)  # what `aim init` makes for a project
    (workdir / "sub").mkdir()
    monkeypatch.chdir(workdir / "sub")
    save_dir = workdir / "runs" / "vis"
    backend = AimVisBackend(str(save_dir), init_kwargs=QUIET)
    backend.add_scalar("loss", 0.5, step=1)
    run_hash = backend.experiment.hash
    backend.close()
    assert not save_dir.exists()  # nothing of Aim's went to save_dir
    assert sequence(read_run(workdir, run_hash), "metric", "loss") == {1: 0.5}


def test_experiment_names():
    assert experiment_name("work_dirs/exp/20240101_000000/vis_data") == "20240101_000000_vis_data"
    assert experiment_name("/run") == "run"
    assert re.fullmatch(r"\d{8}_\d{6}", experiment_name(None))  # the date and time


def test_input_rules_and_close(workdir):
    init_kwargs = dict(QUIET)
    backend = AimVisBackend(str(workdir / "vis"), init_kwargs=init_kwargs)
    with pytest.raises(ValueError, match="step") as caught:
        backend.add_scalars({"step": 1})
    assert isinstance(caught.value, AssertionError)
    with pytest.raises(ValueError, match="image"):
        backend.add_image("x", np.zeros((2, 2, 7), np.uint8))
    with pytest.raises(TypeError, match="name"):
        backend.add_scalar(None, 1.0)
    assert not (workdir / "vis").exists()  # no run started by a refused call
    with pytest.raises(TypeError, match="'note'"):  # the whole call is refused: the shared rule
        backend.add_scalars({"loss": 0.5, "note": "text"}, step=2)
    backend.add_scalars({"loss": 0.5}, step=2)
    run_hash = backend.experiment.hash
    backend.close()
    backend.close()
    assert init_kwargs == QUIET
    assert [m.name for m in read_run(workdir / "vis", run_hash).metrics()] == ["loss"]
    with pytest.raises(RuntimeError, match="closed"):
        backend.add_scalar("loss", 0.1, step=3)


def test_constructor_checks_and_missing_sdk(tmp_path, monkeypatch):
    with pytest.raises(TypeError, match="init_kwargs"):
        AimVisBackend("x", init_kwargs="repo")
    monkeypatch.setitem(sys.modules, "aim", None)
    backend = AimVisBackend(str(tmp_path / "vis"))
    with pytest.raises(ImportError, match=r'pip install "scenevis\[aim\]"'):
        backend.add_scalar("a", 1.0)
    assert not (tmp_path / "vis").exists()
