"""A full disk: the failed call raises OSError and leaves every file as it was (issue 12 §1).

Every later call is then readable with the tool's own reader (``json.loads`` per line for
the local backend, TensorBoard's ``EventAccumulator`` for event files). The disk is made
full two real ways: ``RLIMIT_FSIZE`` (the kernel refuses to grow a file past the limit
with EFBIG; CPython ignores SIGXFSZ, so the write fails instead of killing the process)
and, when the test runs as root, a small tmpfs mounted for the test (ENOSPC).
"""
import contextlib
import errno
import json
import os
import resource
import uuid

import numpy as np
import pytest

from scenevis.backends import LocalVisBackend, TensorboardVisBackend


@contextlib.contextmanager
def file_size_limit(nbytes):
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (nbytes, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))


def fill(folder, leave=0):
    """Fill the file system of ``folder`` up to ``leave`` free bytes; returns the filler."""
    filler = folder / f"filler-{uuid.uuid4().hex}"
    with open(filler, "wb") as handle:
        try:
            while True:
                stats = os.statvfs(folder)
                free = stats.f_bavail * stats.f_frsize
                if free <= leave:
                    break
                handle.write(b"\0" * min(free - leave, 1 << 16))
                handle.flush()
        except OSError as err:
            assert err.errno == errno.ENOSPC
    return filler


def read_rows(path):
    with open(path, "rb") as handle:
        data = handle.read()
    assert not data or data.endswith(b"\n"), "a partial line was left at the end"
    return [json.loads(line) for line in data.splitlines()]


def log_scalars(backend, steps, acknowledged, **kwargs):
    """Call ``add_scalars`` for each step; record the steps whose call returned."""
    failures = 0
    for step in steps:
        try:
            backend.add_scalars({"loss": step / 7, **{f"p{j}": j for j in range(step % 13)}}, step=step, **kwargs)
            acknowledged.append(step)
        except OSError as err:
            assert err.errno in (errno.EFBIG, errno.ENOSPC), err
            failures += 1
    return failures


def test_local_scalars_under_rlimit_fsize_lose_nothing_and_glue_nothing(tmp_path):
    backend = LocalVisBackend(str(tmp_path))
    acknowledged = []
    with file_size_limit(8000):
        failures = log_scalars(backend, range(300), acknowledged)
    assert failures > 0 and acknowledged  # the limit was reached and calls before it worked
    log_scalars(backend, range(300, 320), acknowledged)  # space again: every call is readable
    backend.close()
    assert [row["step"] for row in read_rows(tmp_path / "scalars.json")] == acknowledged
    assert acknowledged[-20:] == list(range(300, 320))


def test_local_file_path_and_scalars_file_get_a_line_together_or_not_at_all(tmp_path):
    (tmp_path / "scalars.json").write_bytes(b'{"earlier": 1, "step": -1}\n' * 100)  # fills up first
    backend = LocalVisBackend(str(tmp_path))
    acknowledged = []
    with file_size_limit(8000):
        failures = log_scalars(backend, range(200), acknowledged, file_path="extra.json")
    assert failures > 0
    log_scalars(backend, range(200, 205), acknowledged, file_path="extra.json")
    backend.close()
    assert [row["step"] for row in read_rows(tmp_path / "extra.json")] == acknowledged
    assert [row["step"] for row in read_rows(tmp_path / "scalars.json")][100:] == acknowledged


def test_local_image_too_big_for_the_disk_leaves_the_old_one_and_no_temp_file(tmp_path):
    backend = LocalVisBackend(str(tmp_path))
    backend.add_image("img", np.zeros((8, 8, 3), np.uint8), step=0)
    old = (tmp_path / "vis_image" / "img_0.png").read_bytes()
    noise = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    with file_size_limit(4000):
        with pytest.raises(OSError) as caught:
            backend.add_image("img", noise, step=0)
    assert caught.value.errno == errno.EFBIG
    assert os.listdir(tmp_path / "vis_image") == ["img_0.png"]
    assert (tmp_path / "vis_image" / "img_0.png").read_bytes() == old


def test_local_on_a_full_tmpfs_fails_cleanly_and_recovers(small_tmpfs):
    save_dir = small_tmpfs / "run"
    backend = LocalVisBackend(str(save_dir))
    acknowledged = []
    log_scalars(backend, range(10), acknowledged)
    filler = fill(small_tmpfs, leave=2000)
    failures = log_scalars(backend, range(10, 400), acknowledged)
    assert failures > 0
    with pytest.raises(OSError) as caught:
        backend.add_image("big", np.random.default_rng(1).integers(0, 256, (128, 128, 3), dtype=np.uint8))
    assert caught.value.errno == errno.ENOSPC
    filler.unlink()
    log_scalars(backend, range(400, 420), acknowledged)
    backend.add_image("big", np.zeros((16, 16, 3), np.uint8))
    backend.close()
    assert [row["step"] for row in read_rows(save_dir / "scalars.json")] == acknowledged
    assert os.listdir(save_dir / "vis_image") == ["big_0.png"]


# -- TensorBoard ------------------------------------------------------------------------------

def tensorboard_events(folder):
    """``{tag: [steps]}`` for scalars and images, read by TensorBoard's own reader."""
    from tensorboard.backend.event_processing import event_accumulator

    acc = event_accumulator.EventAccumulator(
        str(folder), size_guidance={event_accumulator.SCALARS: 0, event_accumulator.IMAGES: 0})
    acc.Reload()
    tags = acc.Tags()
    found = {tag: [e.step for e in acc.Scalars(tag)] for tag in tags["scalars"]}
    found.update({tag: [e.step for e in acc.Images(tag)] for tag in tags["images"]})
    return found


def log_tensorboard(backend, steps, acknowledged):
    rng = np.random.default_rng(0)
    failures = 0
    for step in steps:
        try:
            if step % 3 == 0:
                backend.add_image("img", rng.integers(0, 256, (24, 24, 3), dtype=np.uint8), step=step)
                acknowledged.setdefault("img", []).append(step)
            else:
                backend.add_scalar("loss", step / 3, step=step)
                acknowledged.setdefault("loss", []).append(step)
        except OSError as err:
            assert err.errno in (errno.EFBIG, errno.ENOSPC), err
            failures += 1
    return failures


def test_tensorboard_under_rlimit_fsize_keeps_every_later_event_readable(tmp_path):
    pytest.importorskip("tensorboard")
    backend = TensorboardVisBackend(str(tmp_path))
    acknowledged = {}
    log_tensorboard(backend, range(3), acknowledged)
    with file_size_limit(20000):
        failures = log_tensorboard(backend, range(3, 60), acknowledged)
    assert failures > 0
    log_tensorboard(backend, range(60, 80), acknowledged)  # 20 later events, all readable
    backend.close()
    assert tensorboard_events(tmp_path) == acknowledged
    assert acknowledged["loss"][-13:] == [s for s in range(60, 80) if s % 3]


def test_tensorboard_on_a_full_tmpfs_keeps_every_later_event_readable(small_tmpfs):
    pytest.importorskip("tensorboard")
    save_dir = small_tmpfs / "tb"
    backend = TensorboardVisBackend(str(save_dir))
    acknowledged = {}
    log_tensorboard(backend, range(3), acknowledged)
    filler = fill(small_tmpfs, leave=6000)
    failures = log_tensorboard(backend, range(3, 60), acknowledged)
    assert failures > 0
    filler.unlink()
    log_tensorboard(backend, range(60, 80), acknowledged)
    backend.close()
    assert tensorboard_events(save_dir) == acknowledged

