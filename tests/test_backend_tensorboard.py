"""TensorboardVisBackend: real event files read back with TensorBoard's own readers."""
import glob
import os
import re
import socket
import struct
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from tensorboard.backend.event_processing import event_accumulator, event_file_loader
from tensorboard.compat import tf
from tensorboard.compat.proto import event_pb2
from tensorboard.compat.tensorflow_stub import pywrap_tensorflow

from scenevis._arrays import as_image
from scenevis.backends import _tfevents
from scenevis.backends.tensorboard import TensorboardVisBackend
from scenevis.registry import VISBACKENDS

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EVENT_FILE = re.compile(r"events\.out\.tfevents\.\d{10}\.%s\.\d+\.\d+" % re.escape(socket.gethostname()))


def load(folder):
    acc = event_accumulator.EventAccumulator(str(folder), size_guidance={
        event_accumulator.SCALARS: 0, event_accumulator.IMAGES: 0, event_accumulator.TENSORS: 0,
        event_accumulator.HISTOGRAMS: 0})
    acc.Reload()
    return acc


def event_files(folder):
    return sorted(glob.glob(os.path.join(str(folder), "events.out.tfevents.*")))


def events_of(path):
    """Every event of one file, through TensorBoard's record reader (it checks both CRCs)."""
    return list(event_file_loader.LegacyEventFileLoader(path).Load())


def decode(event):
    return cv2.imdecode(np.frombuffer(event.encoded_image_string, np.uint8), cv2.IMREAD_COLOR)[..., ::-1]


def run_python(code, *args):
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code), *map(str, args)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_scalars_images_and_config_read_back_from_one_file(tmp_path):
    backend = TensorboardVisBackend(str(tmp_path))
    assert VISBACKENDS.get("TensorboardVisBackend") is TensorboardVisBackend
    rng = np.random.default_rng(0)
    losses = rng.random(100).astype(np.float32)
    for step in range(100):
        backend.add_scalars({"loss": float(losses[step]), "lr": np.float32(0.01 * step)}, step=step)
    backend.add_scalar("acc", np.float64(0.75), step=7)
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

    (path,) = event_files(tmp_path)
    assert EVENT_FILE.fullmatch(os.path.basename(path))
    events = events_of(path)
    assert events[0].file_version == "brain.Event:2"
    # one event per call: the version, 100 add_scalars, 2 add_scalar, 3 images, the config
    assert len(events) == 1 + 100 + 2 + 3 + 1
    assert [v.tag for v in events[1].summary.value] == ["loss", "lr"]


def test_scalar_tensors_are_numbers(tmp_path):
    import torch

    backend = TensorboardVisBackend(str(tmp_path))
    backend.add_scalar("acc", torch.tensor(0.75), step=torch.tensor(3))
    backend.add_scalars({"a": torch.tensor([2.5])}, step=4)
    backend.close()
    acc = load(tmp_path)
    assert [(e.step, e.value) for e in acc.Scalars("acc")] == [(3, 0.75)]
    assert [(e.step, e.value) for e in acc.Scalars("a")] == [(4, 2.5)]


def test_records_are_framed_with_masked_crc32c(tmp_path):
    backend = TensorboardVisBackend(str(tmp_path))
    backend.add_scalars({"x": 1.0, "y": 2.0}, step=1)
    backend.add_image("img", np.full((4, 5, 3), 7, np.uint8), step=2)
    backend.close()
    (path,) = event_files(tmp_path)
    data = Path(path).read_bytes()
    # Walk the file by hand and check each CRC against TensorBoard's pure-Python masked_crc32c.
    offset, records = 0, []
    while offset < len(data):
        header = data[offset:offset + 8]
        (length,) = struct.unpack("<Q", header)
        assert struct.unpack("<I", data[offset + 8:offset + 12])[0] == pywrap_tensorflow.masked_crc32c(header)
        payload = data[offset + 12:offset + 12 + length]
        assert struct.unpack("<I", data[offset + 12 + length:offset + 16 + length])[0] == \
            pywrap_tensorflow.masked_crc32c(payload)
        records.append(event_pb2.Event.FromString(payload))
        offset += 16 + length
    assert offset == len(data) and len(records) == 3
    assert records[2].summary.value[0].image.height == 4

    # TensorBoard's reader checks the CRCs: one flipped byte in the last record's data is caught.
    corrupt = bytearray(data)
    corrupt[-6] ^= 0x01
    bad = tmp_path / "bad" / os.path.basename(path)
    bad.parent.mkdir()
    bad.write_bytes(bytes(corrupt))
    assert len(events_of(str(bad))) == 2  # the loader stops at the damaged record
    status = None
    reader = pywrap_tensorflow.PyRecordReader_New(str(bad).encode(), 0, b"", status)
    reader.GetNext()
    reader.GetNext()
    with pytest.raises(tf.errors.DataLossError, match="crc32"):
        reader.GetNext()


@pytest.mark.parametrize("size", [0, 1, 7, 8, 9, 1000, 123_457])
def test_masked_crc32c_matches_tensorboard(size):
    data = np.random.default_rng(size).integers(0, 256, size, dtype=np.uint8).tobytes()
    assert _tfevents.masked_crc32c(data) == pywrap_tensorflow.masked_crc32c(data)


def test_experiment_is_a_summary_writer_on_the_same_file(tmp_path):
    from torch.utils.tensorboard import SummaryWriter

    backend = TensorboardVisBackend(str(tmp_path / "tb"))
    assert not (tmp_path / "tb").exists()
    writer = backend.experiment
    assert isinstance(writer, SummaryWriter) and backend.experiment is writer
    assert writer.get_logdir() == str(tmp_path / "tb")
    values = np.random.default_rng(1).normal(size=500)
    for step in range(5):  # interleaved with the backend's own calls
        backend.add_scalar("loss", float(step), step=step)
        writer.add_histogram("weights", values + step, step)
        writer.add_scalar("direct", 3.0 * step, step)
    writer.add_text("note", "hello", 9)
    writer.flush()
    backend.close()

    (path,) = event_files(tmp_path / "tb")  # no second event file
    acc = load(tmp_path / "tb")
    assert [(e.step, e.value) for e in acc.Scalars("loss")] == [(s, float(s)) for s in range(5)]
    assert [(e.step, e.value) for e in acc.Scalars("direct")] == [(s, 3.0 * s) for s in range(5)]
    histograms = acc.Histograms("weights")
    assert [h.step for h in histograms] == list(range(5))
    assert [h.histogram_value.num for h in histograms] == [500] * 5
    assert np.isclose(histograms[2].histogram_value.sum, (values + 2).sum())
    assert acc.Tensors("note/text_summary")[0].tensor_proto.string_val == [b"hello"]
    steps = [e.step for e in events_of(path)[1:]]
    assert steps == [s for s in range(5) for _ in range(3)] + [9]  # in call order


def test_experiment_close_then_both_writers_continue_in_a_new_file(tmp_path):
    backend = TensorboardVisBackend(str(tmp_path))
    writer = backend.experiment
    writer.add_scalar("w", 1.0, 1)
    writer.close()  # closes the backend's event file: later events open a new one
    writer.close()
    backend.add_scalar("b", 2.0, step=2)
    writer.add_scalar("w", 3.0, 3)
    backend.close()
    assert len(event_files(tmp_path)) == 2
    acc = load(tmp_path)
    assert [(e.step, e.value) for e in acc.Scalars("w")] == [(1, 1.0), (3, 3.0)]
    assert [(e.step, e.value) for e in acc.Scalars("b")] == [(2, 2.0)]


def test_scalars_and_images_need_no_torch(tmp_path):
    result = run_python(
        """
        import sys
        sys.modules["torch"] = None  # any import of torch fails
        import numpy as np
        from scenevis.backends import TensorboardVisBackend
        backend = TensorboardVisBackend(sys.argv[1])
        backend.add_scalars({"loss": 0.5, "acc": 0.25}, step=3)
        backend.add_image("img", np.full((6, 4, 3), 200, np.uint8), step=4)
        backend.add_config({"lr": 0.1})
        try:
            backend.experiment
        except ImportError as err:
            print(err)
        backend.close()
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "experiment is a torch SummaryWriter and needs torch: pip install torch" in result.stdout
    acc = load(tmp_path)
    assert [(e.step, e.value) for e in acc.Scalars("acc")] == [(3, 0.25)]
    assert decode(acc.Images("img")[0])[0, 0].tolist() == [200, 200, 200]


def test_missing_tensorboard_gives_install_command_before_any_folder(tmp_path):
    result = run_python(
        """
        import sys
        sys.modules["tensorboard"] = None
        from scenevis.backends import TensorboardVisBackend
        try:
            TensorboardVisBackend(sys.argv[1]).add_scalar("a", 1.0)
        except ImportError as err:
            print(err)
        """,
        tmp_path / "run",
    )
    assert result.returncode == 0, result.stderr
    assert 'TensorboardVisBackend needs tensorboard: pip install "scenevis[tensorboard]"' in result.stdout
    assert not (tmp_path / "run").exists()


def test_without_google_crc32c_tensorboards_crc_is_used(tmp_path):
    result = run_python(
        """
        import sys
        sys.modules["google_crc32c"] = None
        from scenevis.backends import TensorboardVisBackend, _tfevents
        print(_tfevents.CRC32C_IMPLEMENTATION)
        backend = TensorboardVisBackend(sys.argv[1])
        backend.add_scalars({"x": 1.5}, step=2)
        backend.close()
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "pure Python" in result.stdout
    assert [(e.step, e.value) for e in load(tmp_path).Scalars("x")] == [(2, 1.5)]


def test_non_numeric_scalars_raise_and_write_nothing(tmp_path):
    """The rule every backend shares (scenevis.backends._values): not one number is a TypeError."""
    backend = TensorboardVisBackend(str(tmp_path))
    backend.add_scalars({"ok": 1.0}, step=1)
    with pytest.raises(TypeError, match=r"scalar_dict\['name'\]"):
        backend.add_scalars({"name": "resnet", "ok": 2.0}, step=2)
    with pytest.raises(TypeError, match="value"):
        backend.add_scalar("vec", np.array([1.0, 2.0]))
    with pytest.raises(TypeError, match=r"scalar_dict\['only'\]"):
        backend.add_scalars({"only": None}, step=2)
    with pytest.raises(ValueError, match="step"):
        backend.add_scalars({"step": 3, "x": 1.0})
    with pytest.raises(TypeError, match="scalar_dict"):
        backend.add_scalars([1.0])
    with pytest.raises(TypeError, match="scalar_dict keys"):
        backend.add_scalars({"x": 1.0, 3: 2.0}, step=5)
    with pytest.raises(TypeError, match="step"):
        backend.add_scalars({"x": 1.0}, step=1.5)
    backend.close()
    acc = load(tmp_path)
    assert acc.Tags()["scalars"] == ["ok"]
    assert len(events_of(event_files(tmp_path)[0])) == 2  # the version and the one event with "ok"


def test_bad_image_rejected(tmp_path):
    backend = TensorboardVisBackend(str(tmp_path))
    with pytest.raises(ValueError, match="image"):
        backend.add_image("x", np.zeros((3, 3, 5), np.uint8))
    with pytest.raises(TypeError, match="image"):
        backend.add_image("x", "file.png")
    assert not tmp_path.joinpath("x").exists() and event_files(tmp_path) == []


def test_close_then_reuse_opens_a_new_event_file(tmp_path):
    backend = TensorboardVisBackend(str(tmp_path))
    backend.add_scalar("a", 1.0, step=1)
    backend.close()
    first = event_files(tmp_path)
    sizes = [os.path.getsize(p) for p in first]
    backend.add_scalar("a", 2.0, step=2)
    backend.close()
    files = event_files(tmp_path)
    assert len(files) == 2 and [os.path.getsize(p) for p in first] == sizes
    assert [(e.step, e.value) for e in load(tmp_path).Scalars("a")] == [(1, 1.0), (2, 2.0)]


def test_missing_save_dir():
    with pytest.raises(ValueError, match="save_dir"):
        TensorboardVisBackend(None).add_scalar("a", 1.0)


# -- the event writer itself ---------------------------------------------------------------

def scalar_event(step):
    return event_pb2.Event(wall_time=time.time(), step=step, summary=_tfevents.scalars_summary([("v", step)]))


def test_writer_never_overwrites_an_existing_file(tmp_path):
    now = int(time.time())
    sentinels = {}
    for second in (now, now + 1):  # the name's second may tick over during the test
        for n in range(3):
            name = f"events.out.tfevents.{second:010d}.{socket.gethostname()}.{os.getpid()}.{n}"
            (tmp_path / name).write_bytes(b"sentinel %d" % n)
            sentinels[name] = b"sentinel %d" % n
    writer = _tfevents.EventWriter(str(tmp_path))
    path = writer.open()
    writer.add_event(scalar_event(1))
    writer.close()
    assert os.path.basename(path) not in sentinels
    for name, content in sentinels.items():
        assert (tmp_path / name).read_bytes() == content
    assert [e.step for e in events_of(path)] == [0, 1]


def test_writer_buffers_up_to_max_pending_events(tmp_path):
    writer = _tfevents.EventWriter(str(tmp_path), max_pending=3, flush_secs=3600)
    path = writer.open()
    opened = os.path.getsize(path)
    writer.add_event(scalar_event(1))
    writer.add_event(scalar_event(2))
    assert os.path.getsize(path) == opened  # two pending
    writer.add_event(scalar_event(3))
    assert [e.step for e in events_of(path)] == [0, 1, 2, 3]
    writer.add_event(scalar_event(4))
    writer.flush()
    assert [e.step for e in events_of(path)][-1] == 4
    writer.add_event(scalar_event(5))
    writer.close()
    writer.close()
    assert [e.step for e in events_of(path)] == [0, 1, 2, 3, 4, 5]


def test_writer_writes_at_the_first_add_after_flush_secs(tmp_path):
    writer = _tfevents.EventWriter(str(tmp_path), max_pending=100, flush_secs=0.05)
    path = writer.open()
    opened = os.path.getsize(path)
    writer.add_event(scalar_event(1))
    size = os.path.getsize(path)
    time.sleep(0.1)
    writer.add_event(scalar_event(2))
    assert os.path.getsize(path) > max(opened, size)
    assert [e.step for e in events_of(path)] == [0, 1, 2]
    writer.close()


def test_writer_writes_when_max_pending_bytes_are_pending(tmp_path):
    writer = _tfevents.EventWriter(str(tmp_path), max_pending=100, max_pending_bytes=1000, flush_secs=3600)
    path = writer.open()
    writer.add_event(event_pb2.Event(step=1, file_version="x" * 2000))
    assert [e.step for e in events_of(path)] == [0, 1]
    writer.close()


def test_writer_rejects_bad_settings(tmp_path):
    with pytest.raises(ValueError, match="max_pending"):
        _tfevents.EventWriter(str(tmp_path), max_pending=0)
    with pytest.raises(ValueError, match="flush_secs"):
        _tfevents.EventWriter(str(tmp_path), flush_secs=-1)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_forked_child_writes_its_own_file(tmp_path):
    writer = _tfevents.EventWriter(str(tmp_path), max_pending=10)
    parent_path = writer.open()
    writer.add_event(scalar_event(1))  # pending at the fork
    pid = os.fork()
    if pid == 0:  # the child: its event goes to a file of its own, the parent's pending one is not written twice
        code = 1
        try:
            writer.add_event(scalar_event(100))
            writer.close()
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    writer.add_event(scalar_event(2))
    writer.close()
    files = event_files(tmp_path)
    assert len(files) == 2
    assert [e.step for e in events_of(parent_path)] == [0, 1, 2]
    (child_path,) = [p for p in files if p != parent_path]
    assert f".{pid}." in os.path.basename(child_path)
    assert [e.step for e in events_of(child_path)] == [0, 100]
