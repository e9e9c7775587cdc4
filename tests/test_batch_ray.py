"""scenevis.batch on a real Ray instance (issue 19 §3: "Ray's executor works the same
way"): ``ray.init`` here starts a local Ray node with two CPUs, and
:class:`scenevis.batch.RayExecutor` runs each task of the batch as a Ray task.

As on Dask: the same records give byte-identical files on the local pool and on Ray; a
worker killed mid-run (SIGKILL; Ray runs its task again on a new worker) still gives every
file once; a failing item is reported with its index and path, or stops the run with
``fail_fast``; equal items each run.
"""
import os

import attrs
import pytest
import ray

from cluster_runs import KillOnce, Tally, records, written
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


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    return records(tmp_path_factory.mktemp("ray_data"))


@pytest.fixture(scope="module")
def local_files(dataset, tmp_path_factory):
    out = tmp_path_factory.mktemp("local")
    assert batch.render_records(dataset, out, workers=2, progress=False).ok
    return written(out)


def test_ray_writes_the_same_files_as_the_local_pool(ray_node, dataset, local_files, tmp_path):
    executor = batch.RayExecutor()
    assert executor._max_workers == 2  # the node's CPUs, which imap sizes its tasks by
    report = batch.render_records(dataset, tmp_path / "ray", executor=executor, progress=False)
    assert report.done == 24 and report.ok
    assert written(tmp_path / "ray") == local_files


def test_a_worker_killed_mid_run_on_ray_still_gives_every_file_exactly_once(ray_node, dataset, local_files,
                                                                            tmp_path):
    out = tmp_path / "killed"
    out.mkdir()
    task = KillOnce(batch.RenderRecord(out), victim=5, marker=str(tmp_path / "killed_once"))
    outcomes = list(batch.imap(task, dataset, executor=batch.RayExecutor(), progress=False))
    assert os.path.exists(tmp_path / "killed_once")  # the worker did die
    assert sorted(o.index for o in outcomes) == list(range(24)) and all(o.ok for o in outcomes)
    batch.records._remove_temporaries(str(out), 0)
    assert written(out) == local_files  # each file once, no temporary file left


def test_failures_and_fail_fast_on_ray(ray_node, dataset, tmp_path):
    records_ = list(dataset)
    records_[3] = attrs.evolve(records_[3], image=str(tmp_path / "missing.jpg"))
    report = batch.render_records(records_, tmp_path / "out", executor=batch.RayExecutor(), progress=False)
    assert report.done == 23 and [(f.index, f.item) for f in report.failures] == [(3, str(tmp_path / "missing.jpg"))]
    with pytest.raises(batch.BatchError, match=r"item 3 \(.*missing.jpg\): FileNotFoundError"):
        batch.render_records(records_, tmp_path / "fast", executor=batch.RayExecutor(), fail_fast=True,
                             progress=False)


def test_equal_items_on_ray_are_each_run(ray_node, tmp_path):
    log = tmp_path / "calls.log"
    outcomes = list(batch.imap(Tally(str(log)), ["same"] * 8, executor=batch.RayExecutor(), chunk=1,
                               progress=False))
    assert sorted(o.index for o in outcomes) == list(range(8)) and all(o.value == "same" for o in outcomes)
    assert log.read_text().splitlines() == ["same"] * 8


def test_a_cancelled_future_cancels_its_ray_task(ray_node, tmp_path):
    """imap cancels what is in flight when a fail_fast run stops: the task must not run on."""
    executor = batch.RayExecutor(1)
    log = tmp_path / "calls.log"
    first = executor.submit(_sleep_then_tally, 1.0, str(log), "first")
    second = executor.submit(_sleep_then_tally, 0.0, str(log), "second")  # waits for the one CPU
    assert second.cancel()
    assert first.result(timeout=60) == "first"
    ray.get(ray.remote(lambda: None).remote())  # one more task through the node: the cancelled one had its turn
    assert log.read_text().splitlines() == ["first"]


def _sleep_then_tally(seconds, log, item):
    import time

    time.sleep(seconds)
    return Tally(log)(item)


def test_shutting_down_waits_for_or_cancels_what_is_in_flight(ray_node, tmp_path):
    log = tmp_path / "calls.log"
    executor = batch.RayExecutor(1)
    running = executor.submit(_sleep_then_tally, 0.5, str(log), "waited for")
    executor.shutdown()  # wait=True
    assert running.done() and log.read_text().splitlines() == ["waited for"]
    executor = batch.RayExecutor(1)
    running = executor.submit(_sleep_then_tally, 0.5, str(log), "running")
    queued = executor.submit(_sleep_then_tally, 0.0, str(log), "queued")
    executor.shutdown(wait=False, cancel_futures=True)
    assert queued.cancelled()
    ray.get(ray.remote(lambda: None).remote())  # the queued task's turn came and went
    assert "queued" not in log.read_text().splitlines()


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
