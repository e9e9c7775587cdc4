"""Counts for the slow reliability tests: a smaller count by default, the full one on demand.

``SCENEVIS_FULL_RELIABILITY=1 pytest tests/reliability`` runs every soak, race and kill
test at the count stated in ``docs/reliability.md``; without it they run at the smaller
count given next to it, so ``make test`` stays quick.
"""
import functools
import os
import subprocess
import tempfile

import pytest

FULL = os.environ.get("SCENEVIS_FULL_RELIABILITY") == "1"


def count(full: int, quick: int) -> int:
    """``full`` when the full run is asked for, else ``quick``."""
    return full if FULL else quick


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: a soak, race or kill test; SCENEVIS_FULL_RELIABILITY=1 runs its full count")


@pytest.fixture
def counts():
    return count


@functools.lru_cache(maxsize=None)
def tmpfs_mountable() -> bool:
    """Whether this process may mount a tmpfs (root with CAP_SYS_ADMIN), tried once."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return False
    with tempfile.TemporaryDirectory() as folder:
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", folder], capture_output=True).returncode:
            return False
        subprocess.run(["umount", folder], check=True)
    return True


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "small_tmpfs" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.skipif(not tmpfs_mountable(),
                                               reason="mounting a tmpfs needs root with CAP_SYS_ADMIN"))


@pytest.fixture
def small_tmpfs(tmp_path):
    """A 512 KiB tmpfs mounted for this test (a real full disk: ENOSPC)."""
    mount = tmp_path / "tmpfs"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(mount)], check=True, capture_output=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)
