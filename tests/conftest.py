"""Fixtures shared by the suite, and the rule that a test never skips quietly.

Everything the tests use is declared (the ``test`` extra in pyproject.toml, the Debian
packages in tools/setup.sh), so a test that skips because something is missing
(``pytest.importorskip``, ``pytest.skip``) fails instead. The one way to skip is a
``skipif`` mark whose condition says why the thing cannot exist here (no SIGKILL, no
/proc) and whose ``reason`` says so.

Tests also write nothing into the repository: a file that was not there (and is not
ignored by git) when the session started fails the session when it ends.
"""
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _untracked():
    """The repository's untracked, unignored files, or None outside a git checkout."""
    done = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=ROOT,
                          capture_output=True, text=True)
    if done.returncode != 0:
        return None
    return {line[3:] for line in done.stdout.splitlines() if line.startswith("?? ")}


def pytest_sessionstart(session):
    session.config.stash[_BEFORE] = _untracked()


def pytest_sessionfinish(session, exitstatus):
    before, after = session.config.stash.get(_BEFORE, None), _untracked()
    if before is None or after is None:
        return
    written = sorted(after - before)
    if written:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(f"tests wrote into the repository (write under tmp_path instead): {written}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


_BEFORE = pytest.StashKey()


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium for the whole run (tests/chromium.py)."""
    from chromium import Chromium

    with Chromium() as browser:
        yield browser


@pytest.fixture(scope="session")
def cluster_records(tmp_path_factory):
    """The records the Dask and Ray tests draw (tests/cluster_runs.py)."""
    from cluster_runs import records

    return records(tmp_path_factory.mktemp("cluster_data"))


@pytest.fixture(scope="session")
def cluster_local_files(cluster_records, tmp_path_factory):
    """What the local pool writes for ``cluster_records``: each file's bytes by name."""
    from cluster_runs import written
    from scenevis import batch

    out = tmp_path_factory.mktemp("cluster_local")
    assert batch.render_records(cluster_records, out, workers=2, progress=False).ok
    return written(out)


@pytest.fixture
def offline(tmp_path, monkeypatch):
    """An isolated offline W&B environment (its config, cache and data folders under
    ``tmp_path``, the working folder holding a ``train.py`` for ``run.log_code()``);
    returns the folder for the run."""
    for var, sub in [("WANDB_CONFIG_DIR", "cfg"), ("WANDB_CACHE_DIR", "cache"), ("WANDB_DATA_DIR", "data")]:
        monkeypatch.setenv(var, str(tmp_path / sub))
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_SILENT", "true")
    monkeypatch.chdir(tmp_path)  # run.log_code() collects *.py under the working folder
    (tmp_path / "train.py").write_text("print('training')\n")
    return tmp_path / "run"


@pytest.fixture
def started_threads(monkeypatch):
    """The threads that scenevis's thread helper (``scenevis._threads``) starts during
    the test, in a list that fills as they start."""
    import threading

    from scenevis import _threads

    started = []

    class Recorded(threading.Thread):
        def start(self):
            started.append(self)
            super().start()

    monkeypatch.setattr(_threads.threading, "Thread", Recorded)
    return started


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    quiet_skip = report.skipped and not hasattr(report, "wasxfail") and not any(item.iter_markers("skipif"))
    if quiet_skip:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = (f"{item.nodeid}: {reason}; nothing a test needs may be missing: declare it in "
                           "pyproject.toml's test extra or tools/setup.sh, or mark the test skipif with the "
                           "reason it cannot run here")
    return report
