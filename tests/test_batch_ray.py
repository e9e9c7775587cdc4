"""scenevis.batch on a real Ray instance (issue 19 §3: "Ray's executor works the same
way"): ``ray.init`` here starts a local Ray node with two CPUs, and
:class:`scenevis.batch.RayExecutor` runs each task of the batch as a Ray task.

As on Dask: the same records give byte-identical files on the local pool and on Ray; a
worker killed mid-run (SIGKILL; Ray runs its task again on a new worker) still gives every
file once; a failing item is reported with its index and path, or stops the run with
``fail_fast``; equal items each run.
"""
import os
import subprocess
import sys
import time

import pytest
import ray

from cluster_runs import KillOnce, Tally, failures_are_reported_or_stop_the_run, written
from scenevis import batch


@pytest.fixture(scope="module")
def ray_node():
    # No dashboard, no token file written under the home folder, workers' output kept off
    # the test's own; the workers import this folder's modules (the tasks defined here) as
    # pytest does.
    here = os.path.dirname(os.path.abspath(__file__))
    before = os.environ.get("RAY_AUTH_MODE")
    os.environ["RAY_AUTH_MODE"] = "disabled"
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False,
             runtime_env={"env_vars": {"PYTHONPATH": here}})
    try:
        yield
    finally:
        ray.shutdown()
        if before is None:
            del os.environ["RAY_AUTH_MODE"]
        else:
            os.environ["RAY_AUTH_MODE"] = before


def test_ray_writes_the_same_files_as_the_local_pool(ray_node, cluster_records, cluster_local_files, tmp_path):
    executor = batch.RayExecutor()
    assert executor._max_workers == 2  # the node's CPUs, which imap sizes its tasks by
    report = batch.render_records(cluster_records, tmp_path / "ray", executor=executor, progress=False)
    assert report.done == 24 and report.ok
    assert written(tmp_path / "ray") == cluster_local_files


def test_a_worker_killed_mid_run_on_ray_still_gives_every_file_exactly_once(ray_node, cluster_records,
                                                                            cluster_local_files, tmp_path):
    out = tmp_path / "killed"
    out.mkdir()
    task = KillOnce(batch.RenderRecord(out), victim=5, marker=str(tmp_path / "killed_once"))
    outcomes = list(batch.imap(task, cluster_records, executor=batch.RayExecutor(), progress=False))
    assert os.path.exists(tmp_path / "killed_once")  # the worker did die
    assert sorted(o.index for o in outcomes) == list(range(24)) and all(o.ok for o in outcomes)
    batch.records._remove_temporaries(str(out), 0)
    assert written(out) == cluster_local_files  # each file once, no temporary file left


def test_failures_and_fail_fast_on_ray(ray_node, cluster_records, tmp_path):
    failures_are_reported_or_stop_the_run(cluster_records, tmp_path, batch.RayExecutor())


def test_equal_items_on_ray_are_each_run(ray_node, tmp_path):
    log = tmp_path / "calls.log"
    outcomes = list(batch.imap(Tally(str(log)), ["same"] * 8, executor=batch.RayExecutor(), chunk=1,
                               progress=False))
    assert sorted(o.index for o in outcomes) == list(range(8)) and all(o.value == "same" for o in outcomes)
    assert log.read_text().splitlines() == ["same"] * 8


def _busy(executor, folder):
    """Two calls that hold the node's two CPUs for a second, once both have started."""
    calls = [executor.submit(_hold, folder, name) for name in ("busy0", "busy1")]
    deadline = time.monotonic() + 60
    while not all((folder / f"{name}.started").exists() for name in ("busy0", "busy1")):
        assert time.monotonic() < deadline, "the two busy calls did not start"
        time.sleep(0.01)
    return calls


def _hold(folder, name):
    (folder / f"{name}.started").touch()
    time.sleep(1.0)
    return Tally(str(folder / "calls.log"))(name)


def _nap(seconds):
    time.sleep(seconds)


def _ran(folder):
    """The calls that ran, once every CPU of the node has been free (a task queued behind
    the busy ones would have run by then)."""
    ray.get([ray.remote(_nap).remote(0.1) for _ in range(2)])
    log = folder / "calls.log"
    return log.read_text().splitlines() if log.exists() else []


def test_a_cancelled_future_cancels_its_ray_task(ray_node, tmp_path):
    """imap cancels what is in flight when a fail_fast run stops: the task must not run on."""
    executor = batch.RayExecutor()
    busy = _busy(executor, tmp_path)
    queued = executor.submit(_hold, tmp_path, "queued")
    assert queued.cancel()
    assert [call.result(timeout=60) for call in busy] == ["busy0", "busy1"]
    assert sorted(_ran(tmp_path)) == ["busy0", "busy1"]


def test_shutting_down_waits_for_or_cancels_what_is_in_flight(ray_node, tmp_path):
    waited, cancelled = tmp_path / "wait", tmp_path / "cancel"
    waited.mkdir()
    cancelled.mkdir()
    executor = batch.RayExecutor()
    busy = _busy(executor, waited)
    executor.shutdown()  # wait=True
    assert all(call.done() for call in busy) and sorted(_ran(waited)) == ["busy0", "busy1"]
    executor = batch.RayExecutor()
    busy = _busy(executor, cancelled)
    queued = executor.submit(_hold, cancelled, "queued")
    executor.shutdown(wait=False, cancel_futures=True)
    assert queued.cancelled() and all(call.cancelled() for call in busy)
    assert "queued" not in _ran(cancelled) and not (cancelled / "queued.started").exists()


def test_ray_executor_arguments(ray_node):
    with pytest.raises(ValueError, match="slots: expected an integer >= 1 or None, got 0"):
        batch.RayExecutor(0)
    with pytest.raises(ValueError, match="max_retries: expected an integer >= 0, got -1"):
        batch.RayExecutor(max_retries=-1)
    executor = batch.RayExecutor(3)
    assert executor._max_workers == 3
    executor.shutdown()
    with pytest.raises(RuntimeError, match="cannot schedule new futures after shutdown"):
        executor.submit(len, [])


def test_ray_executor_needs_a_ray_cluster_joined():
    done = subprocess.run([sys.executable, "-c", "from scenevis import batch; batch.RayExecutor()"],
                          capture_output=True, text=True)
    assert done.returncode == 1
    assert "RuntimeError: RayExecutor: this process has not joined a Ray cluster; call ray.init() first" in done.stderr
