"""scenevis.batch on a real Dask cluster (issue 19 §3): a LocalCluster of two worker
processes, one thread each, started here (a module, not stdin: Dask's worker processes
import the module that started them).

The same records give byte-identical files on the local pool and on Dask, through the
cluster's executor or its scheduler's address; a worker killed mid-run (its process gets
SIGKILL, Dask reschedules its task on a restarted worker) still gives every file once.
"""
import os

import pytest
from dask.distributed import Client, LocalCluster

from cluster_runs import KillOnce, Tally, failures_are_reported_or_stop_the_run, written
from scenevis import batch


@pytest.fixture(scope="module")
def cluster():
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None, processes=True) as local, \
            Client(local, set_as_default=False) as client:
        yield local, client


def test_a_dask_cluster_writes_the_same_files_as_the_local_pool(cluster, cluster_records, cluster_local_files,
                                                                 tmp_path):
    local, client = cluster
    report = batch.render_records(cluster_records, tmp_path / "executor", executor=client.get_executor(),
                                  progress=False)
    assert report.done == 24 and report.ok
    assert written(tmp_path / "executor") == cluster_local_files
    report = batch.render_records(iter(cluster_records), tmp_path / "address", executor=local.scheduler_address,
                                  progress=False)
    assert report.done == 24 and written(tmp_path / "address") == cluster_local_files


def test_a_worker_killed_mid_run_still_gives_every_file_exactly_once(cluster, cluster_records, cluster_local_files,
                                                                     tmp_path):
    local, client = cluster
    out = tmp_path / "killed"
    out.mkdir()
    pids_before = set(client.run(os.getpid).values())
    task = KillOnce(batch.RenderRecord(out), victim=5, marker=str(tmp_path / "killed_once"))
    outcomes = list(batch.imap(task, cluster_records, executor=client.get_executor(), progress=False))
    assert os.path.exists(tmp_path / "killed_once")  # the worker did die
    assert sorted(o.index for o in outcomes) == list(range(24)) and all(o.ok for o in outcomes)
    assert len(pids_before & set(client.run(os.getpid).values())) == 1  # one worker is new
    batch.records._remove_temporaries(str(out), 0)
    assert written(out) == cluster_local_files  # each file once, no temporary file left


def test_fail_fast_on_dask(cluster, cluster_records, tmp_path):
    failures_are_reported_or_stop_the_run(cluster_records, tmp_path, cluster[1].get_executor())


def test_equal_items_on_dask_are_each_run(cluster, tmp_path):
    """Tasks holding equal items are not one task to Dask: a client names a task by a hash
    of what it is given (pickled and unpickled twice to check the hash), and gives a
    task named as one still in flight that task's result without running it."""
    _, client = cluster
    log = tmp_path / "calls.log"
    outcomes = list(batch.imap(Tally(str(log)), ["same"] * 8, executor=client.get_executor(), chunk=1,
                               progress=False))
    assert sorted(o.index for o in outcomes) == list(range(8)) and all(o.value == "same" for o in outcomes)
    assert log.read_text().splitlines() == ["same"] * 8
