"""WandbVisBackend: real offline runs, checked by parsing the run-*.wandb file."""
import glob
import hashlib
import os
import sys
import tempfile

import cv2
import numpy as np
import pytest
from PIL import Image

from scenevis._arrays import as_image
from scenevis.backends.wandb import WandbVisBackend
from scenevis.registry import VISBACKENDS

sys.path.insert(0, os.path.dirname(__file__))
import wandb_reader  # noqa: E402


def run_folder(save_dir):
    (folder,) = glob.glob(str(save_dir / "wandb" / "offline-run-*"))
    return folder


def wandb_file(save_dir):
    """The run's .wandb file, once wandb-core has written it to the end."""
    (path,) = glob.glob(os.path.join(run_folder(save_dir), "run-*.wandb"))
    wandb_reader.records_with_exit(path)
    return path


def records_of(save_dir):
    return wandb_reader.read_records(wandb_file(save_dir))


def test_offline_run_records_steps_image_and_config(offline):
    import torch

    backend = WandbVisBackend(str(offline))
    assert VISBACKENDS.get("WandbVisBackend") is WandbVisBackend
    assert not offline.exists()  # nothing happens before first use
    for step in (3, 10, 20):
        backend.add_scalars({"loss": 1.0 / step, "acc": np.float32(0.5)}, step=step)
    backend.add_scalar("lr", torch.tensor(0.125), step=22)
    image = np.random.default_rng(0).integers(0, 256, (8, 10, 4), dtype=np.uint8)
    backend.add_image("val/img", image, step=25)
    backend.add_config(dict(model=dict(type="Net", depth=18), lr=0.01))
    import wandb

    assert backend.experiment is wandb
    backend.close()
    backend.close()
    with pytest.raises(RuntimeError, match="closed"):
        backend.add_scalar("late", 1.0, step=30)

    records = records_of(offline)
    rows = wandb_reader.history(records)
    assert [row["step"] for row in rows] == [3, 10, 20, 22, 25]
    assert [row["loss"] for row in rows[:3]] == [1 / 3, 0.1, 0.05]
    assert all(row["acc"] == 0.5 for row in rows[:3])
    assert rows[3]["lr"] == 0.125
    assert rows[4]["val/img/_type"] == "image-file"
    assert (rows[4]["val/img/width"], rows[4]["val/img/height"]) == (10, 8)
    stored = os.path.join(run_folder(offline), "files", rows[4]["val/img/path"])
    decoded = cv2.imread(stored, cv2.IMREAD_COLOR)[..., ::-1]
    assert np.array_equal(decoded, as_image(image))
    config = wandb_reader.config(records)
    assert config["model"] == {"type": "Net", "depth": 18} and config["lr"] == 0.01
    assert any(r.WhichOneof("record_type") == "exit" for r in records)  # the run finished


@pytest.fixture
def temp_dir(tmp_path, monkeypatch):
    """The system temp folder, redirected to an empty folder of its own for this test."""
    folder = tmp_path / "systemp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def media_row(save_dir, key, step):
    """The history row of ``step`` and the PNG file its ``key`` entry names, decoded."""
    records = records_of(save_dir)
    (row,) = [row for row in wandb_reader.history(records) if row["step"] == step]
    stored = os.path.join(run_folder(save_dir), "files", row[f"{key}/path"])
    with Image.open(stored) as png:
        assert png.format == "PNG" and png.mode == "RGB"
        pixels = np.asarray(png)
    return row, stored, pixels


def test_720p_image_reads_back_pixel_exact_with_its_history_row(offline, temp_dir):
    rng = np.random.default_rng(1)
    # Noise over smooth gradients: big enough to be deflated in several bands.
    ramp = np.linspace(0, 255, 1280, dtype=np.float32)[None, :, None]
    images = [np.clip(ramp + rng.normal(0, 20, (720, 1280, 3)), 0, 255).astype(np.uint8) for _ in range(2)]
    backend = WandbVisBackend(str(offline))
    old_umask = os.umask(0o022)
    try:
        backend.add_image("overlay", images[0], step=4)
        backend.add_image("overlay", images[1], step=5)
    finally:
        os.umask(old_umask)
    assert os.listdir(temp_dir) == []  # nothing in the system temp folder
    assert not [p for p in os.listdir(offline) if p.startswith(".scenevis-wandb-")]  # and the PNGs are gone
    backend.close()
    for step, image in zip((4, 5), images):
        row, stored, pixels = media_row(offline, "overlay", step)
        assert np.array_equal(pixels, image)
        assert row["overlay/_type"] == "image-file" and row["overlay/format"] == "png"
        assert (row["overlay/width"], row["overlay/height"]) == (1280, 720)
        assert row["overlay/path"].startswith("media/images/overlay_")
        data = open(stored, "rb").read()
        assert row["overlay/sha256"] == hashlib.sha256(data).hexdigest() and row["overlay/size"] == len(data)
    media = glob.glob(os.path.join(run_folder(offline), "files", "media", "images", "*.png"))
    assert len(media) == 2 and not any(os.path.islink(path) for path in media)
    # Readable as wandb's own media files are: created with 0o666 less the umask (0o022 here).
    assert all(os.stat(path).st_mode & 0o777 == 0o644 for path in media)
    everywhere = glob.glob(str(offline.parent / "**" / "*.png"), recursive=True)
    assert sorted(everywhere) == sorted(glob.glob(str(offline / "wandb" / "**" / "*.png"), recursive=True))


def test_temporary_png_removed_when_logging_fails(offline, temp_dir):
    backend = WandbVisBackend(str(offline))
    backend.add_scalar("a", 1.0, step=1)
    backend.run.finish()  # finished behind the backend's back: wandb refuses to log
    with pytest.raises(Exception, match="finished"):
        backend.add_image("x", np.zeros((6, 7, 3), np.uint8), step=2)
    assert os.listdir(temp_dir) == []
    assert not [p for p in os.listdir(offline) if p.startswith(".scenevis-wandb-")]


def test_media_symlink_runs_get_a_file_that_outlives_add_image(offline, temp_dir):
    """With ``allow_media_symlink`` wandb links the run's media file to what it was given;
    a temporary file would leave a dangling link, so the array goes to wandb instead."""
    import wandb

    image = np.random.default_rng(2).integers(0, 256, (30, 40, 3), dtype=np.uint8)
    backend = WandbVisBackend(str(offline), init_kwargs=dict(settings=wandb.Settings(allow_media_symlink=True)))
    backend.add_image("linked", image, step=3)
    backend.close()
    row, stored, pixels = media_row(offline, "linked", 3)
    assert os.path.isfile(stored) and np.array_equal(pixels, image)
    assert (row["linked/width"], row["linked/height"]) == (40, 30)


def test_init_kwargs_offline_mode_and_define_metric(offline, monkeypatch):
    monkeypatch.delenv("WANDB_MODE")
    init_kwargs = dict(mode="offline", project="scenevis-test")
    backend = WandbVisBackend(str(offline), init_kwargs=init_kwargs, define_metric_cfg={"acc": "max"}, commit=True)
    backend.add_scalars({"acc": 0.25}, step=1)
    backend.add_scalars({"acc": 0.75}, step=2)
    backend.close()
    assert init_kwargs == dict(mode="offline", project="scenevis-test")
    records = records_of(offline)
    metrics = [r.metric for r in records if r.WhichOneof("record_type") == "metric"]
    assert any(m.name == "acc" and m.summary.max for m in metrics)
    assert [row["step"] for row in wandb_reader.history(records)] == [1, 2]


def metric_records(records):
    return [r.metric for r in records if r.WhichOneof("record_type") == "metric"]


def test_define_metric_cfg_is_applied_as_given_and_keeps_the_step_axis(offline):
    # MMEngine calls define_metric(**cfg) for a list item and define_metric(name,
    # summary=...) for a dict item. A metric defined by name leaves the '*' glob, so the
    # backend first gives it step_metric='step' (W&B merges a later definition into it);
    # an entry's own step_metric is left alone.
    listed = [dict(name="val/acc", step_metric="epoch", summary="max"), dict(name="loss", summary="min")]
    backend = WandbVisBackend(str(offline), define_metric_cfg=listed)
    backend.add_scalars({"loss": 0.5, "val/acc": 0.25, "epoch": 1}, step=10)
    backend.close()
    assert listed == [dict(name="val/acc", step_metric="epoch", summary="max"), dict(name="loss", summary="min")]
    records = records_of(offline)
    calls = [(m.name, m.step_metric, m.summary.max, m.summary.min, m._control.overwrite)
             for m in metric_records(records) if m.name in ("val/acc", "loss")]
    assert calls == [
        ("val/acc", "epoch", True, False, False),  # one call, exactly the entry
        ("loss", "step", False, False, False),      # the step axis first ...
        ("loss", "", False, True, False),           # ... then the entry as given, merged into it
    ]
    merged = wandb_reader.defined_metrics(records)
    assert (merged["loss"].step_metric, merged["loss"].summary.min) == ("step", True)
    assert (merged["val/acc"].step_metric, merged["val/acc"].summary.max) == ("epoch", True)


def test_define_metric_cfg_dict_form(offline, tmp_path):
    backend = WandbVisBackend(str(offline), define_metric_cfg={"acc": "max"})
    backend.add_scalars({"acc": 0.75}, step=3)
    backend.close()
    metrics = [(m.name, m.step_metric, m.summary.max) for m in metric_records(records_of(offline)) if m.name == "acc"]
    assert metrics == [("acc", "step", False), ("acc", "", True)]


def test_define_metric_cfg_entries_are_checked_before_anything_starts(offline):
    with pytest.raises(ValueError, match=r"define_metric_cfg\[1\]: expected a 'name' key") as caught:
        WandbVisBackend(str(offline), define_metric_cfg=[dict(name="a"), dict(summary="max")])
    assert isinstance(caught.value, AssertionError)
    with pytest.raises(TypeError, match=r"define_metric_cfg\[0\]: expected a dict"):
        WandbVisBackend(str(offline), define_metric_cfg=["acc"])
    with pytest.raises(TypeError, match="define_metric_cfg: expected metric names"):
        WandbVisBackend(str(offline), define_metric_cfg={3: "max"})
    assert not offline.exists()


def test_disabled_runs_record_nothing_and_do_not_fail(offline):
    # mode='disabled' (or WANDB_MODE=disabled, common in CI; wandb reads that variable
    # once per process) gives a run that writes no file: the free-space check must not
    # look for one.
    save_dir = offline
    backend = WandbVisBackend(str(save_dir), init_kwargs=dict(mode="disabled"))
    backend.add_scalars({"loss": 0.5}, step=1)
    backend.add_scalar("lr", 0.1, step=1)
    backend.add_image("sample", np.zeros((4, 6, 3), np.uint8), step=1)
    backend.add_config({"lr": 0.1})
    assert backend.run.disabled
    backend.close()
    assert not glob.glob(str(save_dir / "**" / "*.wandb"), recursive=True)
    assert not glob.glob(str(save_dir / "**" / "*.png"), recursive=True)


def test_reader_rejects_corruption(offline, tmp_path):
    backend = WandbVisBackend(str(offline))
    backend.add_scalars({"a": 1.0}, step=1)
    backend.close()
    path = wandb_file(offline)
    data = bytearray(open(path, "rb").read())
    data[40] ^= 0xFF
    broken = tmp_path / "broken.wandb"
    broken.write_bytes(bytes(data))
    with pytest.raises(ValueError):
        wandb_reader.read_records(str(broken))


def test_close_before_use_is_a_no_op(offline):
    backend = WandbVisBackend(str(offline))
    backend.close()
    assert not offline.exists()


def test_constructor_checks():
    with pytest.raises(TypeError, match="init_kwargs"):
        WandbVisBackend("x", init_kwargs=["mode"])
    with pytest.raises(TypeError, match="define_metric_cfg"):
        WandbVisBackend("x", define_metric_cfg="acc")
    with pytest.raises(TypeError, match="watch_kwargs"):
        WandbVisBackend("x", watch_kwargs=1)


def test_bad_image_rejected_before_starting_a_run(offline):
    backend = WandbVisBackend(str(offline))
    with pytest.raises(ValueError, match="image"):
        backend.add_image("x", np.zeros((2, 2, 7), np.uint8))
    assert not offline.exists()


def test_missing_sdk_gives_install_command(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "wandb", None)
    backend = WandbVisBackend(str(tmp_path))
    with pytest.raises(ImportError, match=r'pip install "scenevis\[wandb\]"'):
        backend.add_scalars({"a": 1.0})


def test_flush_interval_is_set_unless_the_caller_sets_it(offline):
    """wandb-core writes the run file every x_transaction_log_flush_interval seconds; the
    backend asks for FLUSH_INTERVAL unless init_kwargs' settings name their own."""
    import wandb

    from scenevis.backends.wandb import FLUSH_INTERVAL

    cases = [({"silent": True}, FLUSH_INTERVAL), (wandb.Settings(silent=True), FLUSH_INTERVAL),
             (wandb.Settings(x_transaction_log_flush_interval=4.0), 4.0)]
    for i, (settings, expected) in enumerate(cases):
        backend = WandbVisBackend(str(offline / str(i)), init_kwargs={"settings": settings})
        assert backend.run.settings.x_transaction_log_flush_interval == expected
        backend.close()
