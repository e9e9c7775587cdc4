"""Many pictures at once, on local processes or a cluster (Dask, Ray).

Layer 6. :func:`render_records` draws a dataset's records to files: the work is a stream
of small records, and each worker loads the image, builds the scene, renders, encodes and
writes it. :func:`imap` is the engine under it: any picklable function over any iterable,
on any ``concurrent.futures.Executor`` (a local process pool by default; to go past one
machine, a Dask cluster's executor or its scheduler's address, or a :class:`RayExecutor`),
with the driver's memory flat in the number of items and each failure reported with the
item's index and name.
:func:`save_all` renders scenes already in memory.
"""
from scenevis.batch.cluster import RayExecutor
from scenevis.batch.records import FORMATS, BatchReport, RenderRecord, Rendered, render_records
from scenevis.batch.run import BatchError, Failure, Outcome, default_workers, imap
from scenevis.batch.scenes import save_all

__all__ = ["BatchError", "BatchReport", "FORMATS", "Failure", "Outcome", "RayExecutor", "RenderRecord", "Rendered",
           "default_workers", "imap", "render_records", "save_all"]
