"""Counts for the slow reliability tests: a smaller count by default, the full one on demand.

``SCENEVIS_FULL_RELIABILITY=1 pytest tests/reliability`` runs every soak, race and kill
test at the count stated in ``docs/reliability.md``; without it they run at the smaller
count given next to it, so ``make test`` stays quick.
"""
import os

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
