"""MLflowVisBackend: real MLflow runs in SQLite stores, read back with ``MlflowClient``."""
import os
import sqlite3
import sys
import warnings

import cv2
import numpy as np
import pytest

from mlflow.tracking import MlflowClient

from scenevis._arrays import as_image
from scenevis.backends.mlflow import MLflowVisBackend
from scenevis.registry import VISBACKENDS
from scenevis.visualizer import Visualizer


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """One SQLite tracking store for the module (creating its tables takes about a second)."""
    folder = tmp_path_factory.mktemp("mlflow-store")
    uri = f"sqlite:///{folder}/tracking.db"
    MlflowClient(uri).search_experiments()  # creates the tables
    return uri


def artifacts(client, run_id, path=None):
    """Every artifact file of the run, as {path: size}."""
    found = {}
    for item in client.list_artifacts(run_id, path):
        if item.is_dir:
            found.update(artifacts(client, run_id, item.path))
        else:
            found[item.path] = item.file_size
    return found


def read_artifact(client, run_id, path, tmp_path):
    local = client.download_artifacts(run_id, path, str(tmp_path / "download"))
    with open(local, "rb") as handle:
        return handle.read()


def test_metrics_images_params_and_config_read_back(store, tmp_path):
    artifact_root = tmp_path / "artifacts"
    backend = MLflowVisBackend(str(tmp_path / "vis"), exp_name="readback", run_name="r1", tags={"team": "cv"},
                               params={"seed": 3}, tracking_uri=store, artifact_location=str(artifact_root))
    assert VISBACKENDS.get("MLflowVisBackend") is MLflowVisBackend
    for step in (1, 5, 9):
        backend.add_scalars({"loss": 1.0 / step, "acc": np.float32(step / 10)}, step=step)
    backend.add_scalar("lr", np.float64(0.125), step=11)
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (30, 40, 3), dtype=np.uint8)
    gray = rng.integers(0, 256, (12, 9), dtype=np.uint8)
    backend.add_image("val/sample", image, step=5)
    backend.add_image("val/sample", image[::-1], step=9)
    backend.add_image("gray", gray, step=0)
    config = dict(model=dict(type="Net", depth=18), lr=0.01, pipeline=[dict(type="Load"), dict(type="Flip")])
    backend.add_config(config)
    run_id = backend.run_id
    backend.close()

    client = MlflowClient(store)
    run = client.get_run(run_id)
    assert run.info.status == "FINISHED" and run.info.run_name == "r1"
    assert client.get_experiment(run.info.experiment_id).name == "readback"
    assert run.data.tags["team"] == "cv"
    assert run.data.params == {"seed": "3", "model.type": "Net", "model.depth": "18", "lr": "0.01",
                               "pipeline.0.type": "Load", "pipeline.1.type": "Flip"}
    assert [(m.step, m.value) for m in client.get_metric_history(run_id, "loss")] == [(1, 1.0), (5, 0.2), (9, 1 / 9)]
    assert [(m.step, round(m.value, 6)) for m in client.get_metric_history(run_id, "acc")] == [
        (1, 0.1), (5, 0.5), (9, 0.9)]
    assert [(m.step, m.value) for m in client.get_metric_history(run_id, "lr")] == [(11, 0.125)]
    assert sorted(artifacts(client, run_id)) == ["config.py", "gray_0.png", "val/sample_5.png", "val/sample_9.png"]
    assert run.info.artifact_uri.startswith(str(artifact_root))
    for path, expected in [("val/sample_5.png", image), ("val/sample_9.png", image[::-1]), ("gray_0.png", gray)]:
        data = np.frombuffer(read_artifact(client, run_id, path, tmp_path), np.uint8)
        decoded = cv2.imdecode(data, cv2.IMREAD_COLOR)[..., ::-1]
        assert np.array_equal(decoded, as_image(expected)), path
    text = read_artifact(client, run_id, "config.py", tmp_path).decode()
    assert text.splitlines()[:2] == ["model = {'type': 'Net', 'depth': 18}", "lr = 0.01"]
    # Files staged for MLflow are gone.
    assert not [p for p in os.listdir(tmp_path / "vis") if p.startswith(".scenevis")]


def test_default_store_lives_in_save_dir(tmp_path, monkeypatch):
    """No tracking_uri: SQLite database and artifacts inside save_dir, nothing in the working folder."""
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    save_dir = tmp_path / "run" / "vis_data"
    backend = VISBACKENDS.build(dict(type="MLflowVisBackend", save_dir=str(save_dir)))
    assert not save_dir.exists()  # nothing before first use
    backend.add_scalar("loss", 0.5, step=2)
    backend.add_image("img", np.zeros((4, 5, 3), np.uint8), step=2)
    run_id = backend.run_id
    backend.close()
    assert os.listdir(work) == []
    assert sorted(p for p in os.listdir(save_dir) if not p.startswith("mlflow.db-")) == ["mlflow.db", "mlruns"]
    with sqlite3.connect(save_dir / "mlflow.db") as connection:  # a local filesystem: write-ahead log
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    client = MlflowClient(f"sqlite:///{save_dir}/mlflow.db")
    run = client.get_run(run_id)
    assert client.get_experiment(run.info.experiment_id).name == "Default"  # MMEngine's experiment name
    assert run.info.artifact_uri.startswith(str(save_dir / "mlruns"))
    assert list(artifacts(client, run_id)) == ["img_2.png"]
    assert [(m.step, m.value) for m in client.get_metric_history(run_id, "loss")] == [(2, 0.5)]
    # A second backend on the same folder adds a run to the same experiment.
    again = MLflowVisBackend(str(save_dir))
    again.add_scalar("loss", 0.25, step=3)
    assert client.get_run(again.run_id).info.experiment_id == run.info.experiment_id
    again.close()


def test_write_ahead_log_only_on_local_filesystems(tmp_path, monkeypatch):
    """No network filesystem can be mounted here, so its detection is replaced by one that
    answers 'nfs4': the database then keeps SQLite's default rollback journal."""
    import scenevis.backends.mlflow as module

    assert module.filesystem_type(str(tmp_path)) in module.LOCAL_FILESYSTEMS
    assert module.filesystem_type("/proc/self") == "proc"
    monkeypatch.setattr(module, "filesystem_type", lambda path: "nfs4")
    backend = MLflowVisBackend(str(tmp_path / "vis"))
    backend.add_scalar("loss", 0.5)
    backend.close()
    with sqlite3.connect(tmp_path / "vis" / "mlflow.db") as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("delete",)


def test_names_stay_inside_the_run(store, tmp_path):
    backend = MLflowVisBackend(str(tmp_path / "vis"), exp_name="names", tracking_uri=store,
                               artifact_location=str(tmp_path / "artifacts"))
    backend.add_image("../../escape", np.zeros((3, 3, 3), np.uint8), step=1)
    backend.add_image("/abs/path", np.zeros((3, 3, 3), np.uint8), step=1)
    run_id = backend.run_id
    backend.close()
    assert sorted(artifacts(MlflowClient(store), run_id)) == ["%/abs/path_1.png", "%2E%2E/%2E%2E/escape_1.png"]
    assert sorted(os.listdir(tmp_path)) == ["artifacts", "vis"]


def test_tracked_config_keys_and_work_dir_upload(store, tmp_path):
    work_dir = tmp_path / "work_dir"
    (work_dir / "20240101_000000" / "vis_data").mkdir(parents=True)
    (work_dir / "train.log").write_text("epoch 1\n")
    (work_dir / "20240101_000000" / "vis_data" / "scalars.json").write_text('{"loss": 1}\n')
    (work_dir / "model.pth").write_bytes(b"weights")  # not an artifact suffix
    (work_dir / "secret.log").symlink_to("/etc/hostname")  # symlinks are not followed
    save_dir = work_dir / "20240101_000000" / "vis_data"
    backend = MLflowVisBackend(str(save_dir), exp_name="tracked", tracked_config_keys=["lr"])
    backend.add_config(dict(lr=0.02, model=dict(type="Net"), work_dir=str(work_dir)))
    run_id = backend.run_id
    backend.close()
    client = MlflowClient(f"sqlite:///{save_dir}/mlflow.db")
    assert client.get_run(run_id).data.params == {"lr": "0.02"}
    # The work_dir files MMEngine uploads, not this backend's own store (mlflow.db, mlruns/).
    assert sorted(artifacts(client, run_id)) == ["20240101_000000/vis_data/scalars.json", "config.py", "train.log"]

    with pytest.raises(KeyError, match="tracked_config_keys"):
        MLflowVisBackend(str(tmp_path / "x"), tracked_config_keys=["missing"]).add_config(dict(lr=1))
    assert not (tmp_path / "x").exists()


def test_experiment_is_the_mlflow_module_logging_into_this_run(store, tmp_path):
    import mlflow

    backend = MLflowVisBackend(str(tmp_path / "vis"), exp_name="fluent", tracking_uri=store)
    assert backend.experiment is mlflow
    mlflow.log_metric("fluent", 2.0, step=4)
    assert mlflow.active_run().info.run_id == backend.run_id
    run_id = backend.run_id
    backend.close()
    assert mlflow.active_run() is None
    client = MlflowClient(store)
    assert client.get_run(run_id).info.status == "FINISHED"
    assert [(m.step, m.value) for m in client.get_metric_history(run_id, "fluent")] == [(4, 2.0)]


def test_input_rules(store, tmp_path):
    save_dir = tmp_path / "vis"
    backend = MLflowVisBackend(str(save_dir), exp_name="rules", tracking_uri=store)
    with pytest.raises(ValueError, match="step") as caught:
        backend.add_scalars({"step": 1, "loss": 0.5})
    assert isinstance(caught.value, AssertionError)  # MMEngine asserts here
    with pytest.raises(TypeError, match="scalar_dict"):
        backend.add_scalars([("loss", 0.5)])
    with pytest.raises(TypeError, match="step"):
        backend.add_scalar("loss", 0.5, step=1.5)
    with pytest.raises(ValueError, match="image"):
        backend.add_image("x", np.zeros((2, 2, 7), np.uint8))
    with pytest.raises(TypeError, match="name"):
        backend.add_image(3, np.zeros((2, 2, 3), np.uint8))
    assert not save_dir.exists()  # no run started by a refused call
    with pytest.raises(TypeError, match="'text'"):  # the whole call is refused: the shared rule
        backend.add_scalars({"loss": 0.5, "text": "abc"}, step=1)
    backend.add_scalars({"loss": 0.5}, step=1)
    run_id = backend.run_id
    backend.close()
    assert list(MlflowClient(store).get_run(run_id).data.metrics) == ["loss"]


def test_closed_backend_refuses_more_data(store, tmp_path):
    backend = MLflowVisBackend(str(tmp_path / "vis"), exp_name="closed", tracking_uri=store)
    backend.close()  # before use: nothing to do
    assert not (tmp_path / "vis").exists()
    backend.add_scalar("a", 1.0)
    backend.close()
    backend.close()
    with pytest.raises(RuntimeError, match="closed"):
        backend.add_scalar("a", 2.0, step=1)
    with pytest.raises(RuntimeError, match="closed"):
        _ = backend.experiment


def test_constructor_checks():
    with pytest.raises(TypeError, match="tags"):
        MLflowVisBackend("x", tags=["a"])
    with pytest.raises(TypeError, match="artifact_suffix"):
        MLflowVisBackend("x", artifact_suffix=3)
    with pytest.raises(TypeError, match="tracked_config_keys"):
        MLflowVisBackend("x", tracked_config_keys="lr")
    with pytest.raises(TypeError, match="tracking_uri"):
        MLflowVisBackend("x", tracking_uri=3)


def test_missing_sdk_gives_install_command(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "mlflow", None)
    backend = MLflowVisBackend(str(tmp_path / "vis"))
    with pytest.raises(ImportError, match=r'pip install "scenevis\[mlflow\]"'):
        backend.add_scalar("a", 1.0)
    assert not (tmp_path / "vis").exists()


def test_a_failing_store_does_not_stop_the_other_backends(tmp_path):
    """The visualizer isolates the failure: the local backend still records every call."""
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where a folder is expected")
    visualizer = Visualizer(name="mlflow-isolation", vis_backends=[
        dict(type="LocalVisBackend"),
        dict(type="MLflowVisBackend", tracking_uri=f"sqlite:///{blocked}/db/tracking.db")], save_dir=str(tmp_path))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        visualizer.add_scalars({"loss": 0.5}, step=1)
        visualizer.add_scalars({"loss": 0.25}, step=2)
    assert visualizer.backend_failures == {"MLflowVisBackend": 2}
    assert sum("MLflowVisBackend" in str(w.message) for w in caught) == 1
    lines = (tmp_path / "vis_data" / "scalars.json").read_text().splitlines()
    assert lines == ['{"loss": 0.5, "step": 1}', '{"loss": 0.25, "step": 2}']
    visualizer.close()


def test_add_video_stores_the_mp4_as_an_artifact(store, tmp_path):
    from scenevis import video

    frames = np.zeros((6, 32, 48, 3), np.uint8)
    for t in range(6):
        frames[t, 8:24, 4 + 6 * t:16 + 6 * t] = 255
    vis = Visualizer(name="mlflow_video", vis_backends=[dict(type="MLflowVisBackend", tracking_uri=store, exp_name="video",
                                                             artifact_location=str(tmp_path / "artifacts"))],
                     save_dir=str(tmp_path / "vis"))
    vis.add_video("val/rollout", frames, step=3, fps=5)
    run_id = vis.get_backend("MLflowVisBackend").run_id
    vis.close()
    client = MlflowClient(store)
    assert sorted(artifacts(client, run_id)) == ["val/rollout_3.mp4"]
    local = client.download_artifacts(run_id, "val/rollout_3.mp4", str(tmp_path / "download"))
    back = list(video.read(local))
    assert len(back) == 6 and np.abs(back[3].astype(int) - frames[3]).mean() < 4
