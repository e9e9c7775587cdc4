"""W&B on a full disk: calls are refused, never silently dropped (issue 12 §1).

When a write fails, W&B's service (wandb-core) goes on accepting records and never
writes them, for the rest of the run (measured on a 4 MiB tmpfs filled during a run: 450
calls returned, 55 stored, no error). The backend checks the room left for the run file
before each call and raises ``OSError`` instead, so every call that returned is stored,
including those after the space came back.
"""
import errno
import os
import sys

import pytest

pytest.importorskip("wandb")

from scenevis.backends import WandbVisBackend  # noqa: E402
from test_full_disk_keeps_files_readable import file_size_limit, fill  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(__file__)))
import wandb_reader  # noqa: E402
from test_backend_wandb import wandb_file  # noqa: E402


def log_wandb(backend, steps, acknowledged):
    failures = 0
    for step in steps:
        try:
            backend.add_scalars({"value": float(step), **{f"p{j}": 0.5 for j in range(20)}}, step=step)
            acknowledged.append(step)
        except OSError as err:
            assert err.errno in (errno.EFBIG, errno.ENOSPC), err
            failures += 1
    return failures


def wandb_steps(save_dir):
    return [row["step"] for row in wandb_reader.history(wandb_reader.read_records(wandb_file(save_dir)))]


def test_wandb_on_a_nearly_full_tmpfs_refuses_calls_and_keeps_the_rest(small_tmpfs, offline):
    """Calls are refused (``OSError``) while fewer than ``min_free_bytes`` are free."""
    save_dir = small_tmpfs / "run"
    backend = WandbVisBackend(str(save_dir), min_free_bytes=128 << 10)
    acknowledged = []
    log_wandb(backend, range(20), acknowledged)
    filler = fill(small_tmpfs, leave=64 << 10)
    failures = log_wandb(backend, range(20, 60), acknowledged)
    assert failures == 40  # every call refused while the disk is nearly full
    filler.unlink()
    log_wandb(backend, range(60, 80), acknowledged)
    backend.close()
    assert wandb_steps(save_dir) == acknowledged == list(range(20)) + list(range(60, 80))


def test_wandb_under_rlimit_fsize_refuses_calls(offline):
    backend = WandbVisBackend(str(offline), min_free_bytes=1 << 20)
    acknowledged = []
    log_wandb(backend, range(5), acknowledged)
    with file_size_limit(512 << 10):  # the run file may grow less than min_free_bytes
        assert log_wandb(backend, range(5, 10), acknowledged) == 5
    log_wandb(backend, range(10, 15), acknowledged)
    backend.close()
    assert wandb_steps(offline) == acknowledged == list(range(5)) + list(range(10, 15))
