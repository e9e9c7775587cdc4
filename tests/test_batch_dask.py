"""scenevis.batch on a real Dask cluster (issue 19 §3): a LocalCluster of two worker
processes, one thread each, started here (a module, not stdin: Dask's worker processes
import the module that started them).

The same records give byte-identical files on the local pool and on Dask, through the
cluster's executor or its scheduler's address; a worker killed mid-run (its process gets
SIGKILL, Dask reschedules its task on a restarted worker) still gives every file once.
"""
import os

import attrs
import pytest
from dask.distributed import Client, LocalCluster

from cluster_runs import KillOnce, Tally, records, written
from scenevis import batch


@pytest.fixture(scope="module")
def cluster():
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None, processes=True) as local, \
            Client(local, set_as_default=False) as client:
        yield local, client


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    return records(tmp_path_factory.mktemp("dask_data"))


@pytest.fixture(scope="module")
def local_files(dataset, tmp_path_factory):
    out = tmp_path_factory.mktemp("local")
    assert batch.render_records(dataset, out, workers=2, progress=False).ok
    return written(out)


def test_a_dask_cluster_writes_the_same_files_as_the_local_pool(cluster, dataset, local_files, tmp_path):
    local, client = cluster
    report = batch.render_records(dataset, tmp_path / "executor", executor=client.get_executor(), progress=False)
    assert report.done == 24 and report.ok
    assert written(tmp_path / "executor") == local_files
    report = batch.render_records(iter(dataset), tmp_path / "address", executor=local.scheduler_address,
                                  progress=False)
    assert report.done == 24 and written(tmp_path / "address") == local_files


def test_a_worker_killed_mid_run_still_gives_every_file_exactly_once(cluster, dataset, local_files, tmp_path):
    local, client = cluster
    out = tmp_path / "killed"
    out.mkdir()
    pids_before = set(client.run(os.getpid).values())
    task = KillOnce(batch.RenderRecord(out), victim=5, marker=str(tmp_path / "killed_once"))
    outcomes = list(batch.imap(task, dataset, executor=client.get_executor(), progress=False))
    assert os.path.exists(tmp_path / "killed_once")  # the worker did die
    assert sorted(o.index for o in outcomes) == list(range(24)) and all(o.ok for o in outcomes)
    assert len(pids_before & set(client.run(os.getpid).values())) == 1  # one worker is new
    batch.records._remove_temporaries(str(out), 0)
    assert written(out) == local_files  # each file once, no temporary file left


def test_fail_fast_on_dask(cluster, dataset, tmp_path):
    _, client = cluster
    records = list(dataset)
    records[3] = attrs.evolve(records[3], image=str(tmp_path / "missing.jpg"))
    report = batch.render_records(records, tmp_path / "out", executor=client.get_executor(), progress=False)
    assert report.done == 23 and [(f.index, f.item) for f in report.failures] == [(3, str(tmp_path / "missing.jpg"))]
    with pytest.raises(batch.BatchError, match=r"item 3 \(.*missing.jpg\): FileNotFoundError"):
        batch.render_records(records, tmp_path / "fast", executor=client.get_executor(), fail_fast=True,
                             progress=False)


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
