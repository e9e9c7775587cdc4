"""What the Dask and Ray tests share: a small dataset of records, the files a run wrote,
and the task functions that kill a worker or count their calls."""
import os
import signal

import attrs
import numpy as np
import pytest

from dataset_files import write_jpeg
from scenevis import batch, datasets


def records(root):
    """24 images of 240x180 under ``root`` with boxes of three classes, as records with
    predictions (a record takes a worker ~20 ms)."""
    meta = datasets.DatasetMeta(("person", "car", "dog"), (1, 2, 3))
    rng = np.random.default_rng(4)
    out = []
    for i in range(24):
        image = str(root / f"frame{i:02d}.jpg")
        write_jpeg(image, 240, 180, seed=i)
        xy = rng.uniform(0, 180, (8, 2))
        boxes = np.concatenate([xy, np.minimum(xy + rng.uniform(10, 60, (8, 2)), [240, 180])], axis=1)
        gt = datasets.Annotations(boxes, rng.integers(0, 3, 8))
        shift = np.tile(rng.normal(0, 3, (6, 2)), 2)
        pred = datasets.Annotations(boxes[2:] + shift, gt.labels[2:], rng.uniform(0.2, 1, 6))
        out.append(datasets.Record(i, f"frame{i:02d}", image, 240, 180, gt, meta, pred))
    return out


def written(root):
    """Each file under ``root`` (one level) by name, with its bytes."""
    return {name: (root / name).read_bytes() for name in os.listdir(root)}


def failures_are_reported_or_stop_the_run(records, folder, executor):
    """On ``executor``: a record whose image is missing is reported with its index and
    path while the others are drawn; with ``fail_fast`` it stops the run instead."""
    records = list(records)
    records[3] = attrs.evolve(records[3], image=str(folder / "missing.jpg"))
    report = batch.render_records(records, folder / "out", executor=executor, progress=False)
    assert report.done == 23 and [(f.index, f.item) for f in report.failures] == [(3, str(folder / "missing.jpg"))]
    with pytest.raises(batch.BatchError, match=r"item 3 \(.*missing.jpg\): FileNotFoundError"):
        batch.render_records(records, folder / "fast", executor=executor, fail_fast=True, progress=False)


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


@attrs.frozen
class Tally:
    """Append a line to ``log`` for each call (an action, as drawing a record is)."""

    log: str

    def __call__(self, item):
        with open(self.log, "a") as handle:
            handle.write(f"{item}\n")
        return item
