"""TensorboardVisBackend: real event files read back with TensorBoard's own reader."""
import glob
import sys

import cv2
import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("tensorboard")

from tensorboard.backend.event_processing import event_accumulator  # noqa: E402

from scenevis._arrays import as_image  # noqa: E402
from scenevis.backends.tensorboard import TensorboardVisBackend  # noqa: E402
from scenevis.registry import VISBACKENDS  # noqa: E402


def load(folder):
    acc = event_accumulator.EventAccumulator(
        str(folder), size_guidance={event_accumulator.SCALARS: 0, event_accumulator.IMAGES: 0, event_accumulator.TENSORS: 0}
    )
    acc.Reload()
    return acc


def decode(event):
    return cv2.imdecode(np.frombuffer(event.encoded_image_string, np.uint8), cv2.IMREAD_COLOR)[..., ::-1]


def test_scalars_images_and_config_read_back(tmp_path):
    import torch

    backend = TensorboardVisBackend(str(tmp_path))
    assert VISBACKENDS.get("TensorboardVisBackend") is TensorboardVisBackend
    rng = np.random.default_rng(0)
    losses = rng.random(100).astype(np.float32)
    for step in range(100):
        backend.add_scalars({"loss": float(losses[step]), "lr": np.float32(0.01 * step)}, step=step)
    backend.add_scalar("acc", torch.tensor(0.75), step=7)
    backend.add_scalar("acc", np.array([0.5]), step=8)
    images = [rng.integers(0, 256, (20 + i, 30, 3), dtype=np.uint8) for i in range(2)]
    images.append(rng.integers(0, 256, (12, 9, 4), dtype=np.uint8))  # RGBA
    for step, image in enumerate(images):
        backend.add_image("val/sample", image, step=step * 10)
    backend.add_config(dict(model=dict(type="Net", depth=18), lr=0.01))
    backend.close()
    backend.close()

    acc = load(tmp_path)
    loss = acc.Scalars("loss")
    assert [e.step for e in loss] == list(range(100))
    assert np.array_equal(np.array([e.value for e in loss], np.float32), losses)
    lr = acc.Scalars("lr")
    assert np.allclose([e.value for e in lr], [0.01 * s for s in range(100)], rtol=1e-6)
    assert [(e.step, e.value) for e in acc.Scalars("acc")] == [(7, 0.75), (8, 0.5)]
    got = acc.Images("val/sample")
    assert [e.step for e in got] == [0, 10, 20]
    for event, image in zip(got, images):
        assert (event.height, event.width) == image.shape[:2]
        assert np.array_equal(decode(event), as_image(image))
    text = acc.Tensors("config/text_summary")[0].tensor_proto.string_val[0].decode()
    assert "model = {'type': 'Net', 'depth': 18}" in text and "lr = 0.01" in text


def test_experiment_is_the_summary_writer(tmp_path):
    from torch.utils.tensorboard import SummaryWriter

    backend = TensorboardVisBackend(str(tmp_path / "tb"))
    assert not (tmp_path / "tb").exists()
    writer = backend.experiment
    assert isinstance(writer, SummaryWriter)
    writer.add_scalar("direct", 3.0, 1)
    backend.close()
    assert [e.value for e in load(tmp_path / "tb").Scalars("direct")] == [3.0]


def test_non_numeric_scalars_warn_and_are_skipped(tmp_path):
    backend = TensorboardVisBackend(str(tmp_path))
    with pytest.warns(UserWarning, match="'name'"):
        backend.add_scalars({"name": "resnet", "ok": 1.0}, step=1)
    with pytest.warns(UserWarning, match="'vec'"):
        backend.add_scalar("vec", np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="step"):
        backend.add_scalars({"step": 3, "x": 1.0})
    with pytest.raises(TypeError, match="scalar_dict"):
        backend.add_scalars([1.0])
    backend.close()
    acc = load(tmp_path)
    assert acc.Tags()["scalars"] == ["ok"]


def test_bad_image_rejected(tmp_path):
    backend = TensorboardVisBackend(str(tmp_path))
    with pytest.raises(ValueError, match="image"):
        backend.add_image("x", np.zeros((3, 3, 5), np.uint8))
    with pytest.raises(TypeError, match="image"):
        backend.add_image("x", "file.png")


def test_close_then_reuse_opens_a_new_event_file(tmp_path):
    backend = TensorboardVisBackend(str(tmp_path))
    backend.add_scalar("a", 1.0, step=1)
    backend.close()
    first = sorted(glob.glob(str(tmp_path / "events.out.tfevents.*")))
    sizes = [len(open(p, "rb").read()) for p in first]
    backend.add_scalar("a", 2.0, step=2)
    backend.close()
    files = sorted(glob.glob(str(tmp_path / "events.out.tfevents.*")))
    assert len(files) == 2 and [len(open(p, "rb").read()) for p in first] == sizes
    assert [(e.step, e.value) for e in load(tmp_path).Scalars("a")] == [(1, 1.0), (2, 2.0)]


def test_missing_sdk_gives_install_command(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)
    backend = TensorboardVisBackend(str(tmp_path))
    with pytest.raises(ImportError, match=r'pip install "scenevis\[tensorboard\]"'):
        backend.add_scalar("a", 1.0)


def test_missing_save_dir():
    with pytest.raises(ValueError, match="save_dir"):
        TensorboardVisBackend(None).add_scalar("a", 1.0)
