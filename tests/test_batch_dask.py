"""scenevis.batch on a real Dask cluster (issue 19 §3): a LocalCluster of two worker
processes, one thread each, started here (a module, not stdin: Dask's worker processes
import the module that started them).

The same records give byte-identical files on the local pool and on Dask, through the
cluster's executor or its scheduler's address; a worker killed mid-run (its process gets
SIGKILL, Dask reschedules its task on a restarted worker) still gives every file once.
"""
import os
import signal

import attrs
import numpy as np
import pytest
from dask.distributed import Client, LocalCluster

from dataset_files import write_jpeg
from scenevis import batch, datasets


@pytest.fixture(scope="module")
def cluster():
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None, processes=True) as local, \
            Client(local, set_as_default=False) as client:
        yield local, client


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    """24 images of 240x180 with boxes of three classes (a record takes a worker ~20 ms)."""
    root = tmp_path_factory.mktemp("dask_data")
    meta = datasets.DatasetMeta(("person", "car", "dog"), (1, 2, 3))
    rng = np.random.default_rng(4)
    records = []
    for i in range(24):
        image = str(root / f"frame{i:02d}.jpg")
        write_jpeg(image, 240, 180, seed=i)
        xy = rng.uniform(0, 180, (8, 2))
        boxes = np.concatenate([xy, np.minimum(xy + rng.uniform(10, 60, (8, 2)), [240, 180])], axis=1)
        gt = datasets.Annotations(boxes, rng.integers(0, 3, 8))
        shift = np.tile(rng.normal(0, 3, (6, 2)), 2)
        pred = datasets.Annotations(boxes[2:] + shift, gt.labels[2:], rng.uniform(0.2, 1, 6))
        records.append(datasets.Record(i, f"frame{i:02d}", image, 240, 180, gt, meta, pred))
    return records


@pytest.fixture(scope="module")
def local_files(dataset, tmp_path_factory):
    out = tmp_path_factory.mktemp("local")
    assert batch.render_records(dataset, out, workers=2, progress=False).ok
    return {name: (out / name).read_bytes() for name in os.listdir(out)}


def written(root):
    return {name: (root / name).read_bytes() for name in os.listdir(root)}


def test_a_dask_cluster_writes_the_same_files_as_the_local_pool(cluster, dataset, local_files, tmp_path):
    local, client = cluster
    report = batch.render_records(dataset, tmp_path / "executor", executor=client.get_executor(), progress=False)
    assert report.done == 24 and report.ok
    assert written(tmp_path / "executor") == local_files
    report = batch.render_records(iter(dataset), tmp_path / "address", executor=local.scheduler_address,
                                  progress=False)
    assert report.done == 24 and written(tmp_path / "address") == local_files


@attrs.frozen
class KillOnce:
    """Render a record, except that the worker drawing record ``victim`` the first time is
    killed (SIGKILL: no clean-up runs), as an out-of-memory kill would; before dying it
    leaves a temporary file, as a write cut short would."""

    task: batch.RenderRecord
    victim: int
    marker: str

    def __call__(self, record):
        if record.index == self.victim and not os.path.exists(self.marker):
            open(self.marker, "w").close()
            open(os.path.join(self.task.out_dir, ".scenevis-999-cutshort.tmp"), "wb").close()
            os.kill(os.getpid(), signal.SIGKILL)
        return self.task(record)


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


@attrs.frozen
class Tally:
    """Append a line to ``log`` for each call (an action, as drawing a record is)."""

    log: str

    def __call__(self, item):
        with open(self.log, "a") as handle:
            handle.write(f"{item}\n")
        return item


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
