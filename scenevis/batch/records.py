"""Dataset records to picture files, each drawn start to finish by a worker.

What travels to a worker is a record (an image path and its annotations, a few
kilobytes) and the small :class:`RenderRecord` task; the worker decodes the image and the
masks, builds the scene, renders, encodes and writes it, and sends back a
:class:`Rendered` summary (the files, the error counts). No image or scene ever comes
back to the driver.
"""
from __future__ import annotations

import os
import time
from typing import Any, Iterable, Optional, Tuple

import attrs

from scenevis.batch.run import Failure, imap
from scenevis.datasets import VIEWS, Errors, Record, record_errors, record_scene
from scenevis.renderer import save

__all__ = ["RenderRecord", "Rendered", "BatchReport", "render_records", "FORMATS"]

FORMATS = ("png", "svg", "pdf")
_TEMP_PREFIX, _TEMP_SUFFIX = ".scenevis-", ".tmp"  # how scenevis._png.atomic_write names its temporary files


@attrs.frozen
class Rendered:
    """What a worker sends back for one record: its ``index`` and ``key``, the ``files``
    written, ``errors`` (true/false positives and missed objects; None without
    predictions) and the classes present (``labels``, ground truth and predictions)."""

    index: int
    key: str
    files: Tuple[str, ...]
    errors: Optional[Errors]
    labels: Tuple[int, ...]


def _check_formats(value: Any) -> Tuple[str, ...]:
    formats = (value,) if isinstance(value, str) else tuple(value)
    if not formats or any(f not in FORMATS for f in formats):
        raise ValueError(f"formats: expected some of {list(FORMATS)}, got {value!r}")
    return formats


@attrs.frozen
class RenderRecord:
    """The task a worker runs on one record: draw it in ``view`` and write it to
    ``out_dir/<record.key>.<format>`` for each of ``formats``."""

    out_dir: str = attrs.field(converter=lambda p: os.path.abspath(os.fspath(p)))
    view: str = attrs.field(default="auto")
    formats: Tuple[str, ...] = attrs.field(default=("png",), converter=_check_formats)
    score_thr: float = 0.3
    iou: float = 0.5
    scale: float = 1.0
    masks: bool = True

    @view.validator
    def _view(self, attribute: Any, value: Any) -> None:
        if value not in VIEWS:
            raise ValueError(f"view: expected one of {list(VIEWS)}, got {value!r}")

    def paths(self, record: Record) -> Tuple[str, ...]:
        """The files ``record`` is written to; ``ValueError`` for a key that would leave
        ``out_dir``."""
        base = os.path.normpath(os.path.join(self.out_dir, record.key))
        if os.path.commonpath([base, self.out_dir]) != self.out_dir or base == self.out_dir:
            raise ValueError(f"record.key: expected a relative name inside {self.out_dir}, got {record.key!r}")
        return tuple(f"{base}.{fmt}" for fmt in self.formats)

    def __call__(self, record: Record) -> Rendered:
        if not isinstance(record, Record):
            raise TypeError(f"record: expected a scenevis.datasets.Record, got {type(record).__name__}")
        paths = self.paths(record)
        scene = record_scene(record, view=self.view, score_thr=self.score_thr, iou=self.iou, masks=self.masks)
        os.makedirs(os.path.dirname(paths[0]), exist_ok=True)
        for path in paths:
            save(scene, path, scale=self.scale)
        labels = set(record.gt.labels.tolist()) | (set(record.pred.labels.tolist()) if record.pred is not None
                                                   else set())
        return Rendered(record.index, record.key, paths, record_errors(record, score_thr=self.score_thr, iou=self.iou),
                        tuple(sorted(labels)))


@attrs.frozen
class BatchReport:
    """``done`` records written, ``failures`` (each with the record's index and image),
    ``seconds`` the batch took."""

    done: int
    failures: Tuple[Failure, ...]
    seconds: float

    @property
    def ok(self) -> bool:
        return not self.failures


def render_records(records: Iterable[Record], out_dir: Any, *, view: str = "auto", formats: Any = ("png",),
                   score_thr: float = 0.3, iou: float = 0.5, scale: float = 1.0, masks: bool = True,
                   executor: Any = None, workers: Optional[int] = None, fail_fast: bool = False,
                   progress: bool = True) -> BatchReport:
    """Draw every record (a :class:`~scenevis.datasets.Dataset` or any iterable of
    records, read lazily) to ``out_dir/<key>.png`` (and ``.svg``/``.pdf`` per ``formats``).

    ``view``, ``score_thr``, ``iou`` and ``masks`` choose the picture (see
    :func:`scenevis.datasets.record_scene`); ``scale`` its resolution. ``executor``,
    ``workers``, ``fail_fast`` and ``progress`` as for :func:`scenevis.batch.imap`: a
    local process pool by default, any ``concurrent.futures.Executor``, or a Dask
    scheduler's address. Files are written atomically; temporary files left by workers
    that died are removed at the end. Returns a :class:`BatchReport`; with ``progress``,
    failures are also printed as they happen.
    """
    task = RenderRecord(out_dir, view, formats, score_thr, iou, scale, masks)
    os.makedirs(task.out_dir, exist_ok=True)
    start = time.time()
    done, failures = 0, []
    try:
        for outcome in imap(task, records, executor=executor, workers=workers, fail_fast=fail_fast,
                            progress=progress, desc="render_records"):
            if outcome.ok:
                done += 1
            else:
                failures.append(outcome.failure)
    finally:
        _remove_temporaries(task.out_dir, start)
    return BatchReport(done, tuple(failures), time.time() - start)


def _remove_temporaries(root: str, since: float) -> None:
    """Remove the temporary files of writes that never finished (a worker killed
    mid-write) made under ``root`` since ``since``."""
    for parent, _, files in os.walk(root):
        for name in files:
            if name.startswith(_TEMP_PREFIX) and name.endswith(_TEMP_SUFFIX):
                path = os.path.join(parent, name)
                try:
                    if os.stat(path).st_mtime >= since - 1:
                        os.unlink(path)
                except OSError:
                    pass
