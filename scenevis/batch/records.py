"""Dataset records to picture files, each drawn start to finish by a worker.

What travels to a worker is a record (an image path and its annotations, a few
kilobytes) and the small :class:`RenderRecord` task; the worker decodes the image and the
masks, builds the scene, renders, encodes and writes it, and sends back a
:class:`Rendered` summary (the files, the error counts, how its predictions matched). No
image or scene ever comes back to the driver.

A task with ``stamps`` also writes, after a record's files, a stamp holding the
fingerprint of everything those files were drawn from (the record's annotations, its
image file's size and time, the task's options, scenevis's version); with ``resume`` a
record whose stamp and files are there and whose fingerprint is unchanged is not drawn
again.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib
import math
import os
import time
from typing import Any, Iterable, Optional, Tuple

import attrs
import numpy as np

from scenevis._png import atomic_write
from scenevis.batch.run import Failure, imap
from scenevis.datasets import VIEWS, Errors, Matches, Record, record_errors, record_matches, record_scene
from scenevis.datasets.images import _pillow, encode_jpeg
from scenevis.renderer import render, save

__all__ = ["RenderRecord", "Rendered", "BatchReport", "render_records", "FORMATS"]

FORMATS = ("png", "jpg", "svg", "pdf")
STAMPS = ".scenevis"  # the folder under out_dir holding the stamps
_TEMP_PREFIX, _TEMP_SUFFIX = ".scenevis-", ".tmp"  # how scenevis._png.atomic_write names its temporary files


@attrs.frozen
class Rendered:
    """What a worker sends back for one record: its ``index`` and ``key``, the ``files``
    written, ``errors`` (true/false positives and missed objects; None without
    predictions), the classes present (``labels``, ground truth and predictions), the
    ``thumb`` file (or None), how each prediction matched (``matches``, None without
    predictions), the picture's ``size`` (width, height) in pixels and whether the files
    were already there (``resumed``)."""

    index: int
    key: str
    files: Tuple[str, ...]
    errors: Optional[Errors]
    labels: Tuple[int, ...]
    thumb: Optional[str] = None
    matches: Optional[Matches] = None
    size: Optional[Tuple[int, int]] = None
    resumed: bool = False


def _check_formats(value: Any) -> Tuple[str, ...]:
    formats = (value,) if isinstance(value, str) else tuple(value)
    if any(f not in FORMATS for f in formats):
        raise ValueError(f"formats: expected some of {list(FORMATS)}, got {value!r}")
    return formats


@functools.lru_cache(maxsize=None)
def _version() -> str:
    """scenevis's installed version (asked once per process: the lookup costs a record 0.3 ms)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("scenevis")
    except PackageNotFoundError:
        return "unknown"


def _digest(value: Any, into: Any) -> None:
    """Feed ``value`` (arrays, attrs instances, sequences, plain values) into the hash ``into``."""
    if isinstance(value, np.ndarray):
        into.update(f"a{value.dtype.str}{value.shape}".encode())
        into.update(np.ascontiguousarray(value).tobytes())
    elif attrs.has(type(value)):
        into.update(type(value).__name__.encode())
        for field in attrs.fields(type(value)):
            into.update(field.name.encode())
            _digest(getattr(value, field.name), into)
    elif isinstance(value, (tuple, list)):
        into.update(f"s{len(value)}".encode())
        for item in value:
            _digest(item, into)
    else:
        into.update(f"v{value!r}".encode())


@attrs.frozen
class RenderRecord:
    """The task a worker runs on one record: draw it in ``view`` and write it to
    ``out_dir/<record.key>.<format>`` for each of ``formats``, and with ``thumb`` a JPEG
    whose longer side is ``thumb`` pixels to ``out_dir/thumbs/<record.key>.jpg``.
    ``stamps`` writes each record's fingerprint after its files; ``resume`` (which
    implies ``stamps``) skips a record whose files are there for the same inputs. An SVG
    embeds the record's photo as JPEG: its own file when that is a plain JPEG (its exact
    pixels, nothing encoded again), else encoded at ``svg_image_quality``; None embeds
    PNG (lossless but 8x slower to write and 6x larger)."""

    out_dir: str = attrs.field(converter=lambda p: os.path.abspath(os.fspath(p)))
    view: str = attrs.field(default="auto")
    formats: Tuple[str, ...] = attrs.field(default=("png",), converter=_check_formats)
    score_thr: float = 0.3
    iou: float = 0.5
    scale: float = 1.0
    masks: bool = True
    thumb: int = attrs.field(default=0)
    stamps: bool = False
    resume: bool = False
    svg_image_quality: Optional[int] = 90

    @view.validator
    def _view(self, attribute: Any, value: Any) -> None:
        if value not in VIEWS:
            raise ValueError(f"view: expected one of {list(VIEWS)}, got {value!r}")

    @thumb.validator
    def _thumb(self, attribute: Any, value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"thumb: expected the thumbnail's longer side in pixels (0 for none), got {value!r}")
        if not value and not self.formats:
            raise ValueError("formats: expected at least one of png, jpg, svg, pdf when no thumbnail is asked for, "
                             "got none")

    def paths(self, record: Record) -> Tuple[str, ...]:
        """The files ``record`` is written to; ``ValueError`` for a key that would leave
        ``out_dir``."""
        base = os.path.normpath(os.path.join(self.out_dir, record.key))
        if os.path.commonpath([base, self.out_dir]) != self.out_dir or base == self.out_dir:
            raise ValueError(f"record.key: expected a relative name inside {self.out_dir}, got {record.key!r}")
        return tuple(f"{base}.{fmt}" for fmt in self.formats)

    def thumb_path(self, record: Record) -> Optional[str]:
        return os.path.join(self.out_dir, "thumbs", os.path.normpath(record.key) + ".jpg") if self.thumb else None

    def stamp_path(self, record: Record) -> str:
        return os.path.join(self.out_dir, STAMPS, os.path.normpath(record.key) + ".done")

    def fingerprint(self, record: Record) -> str:
        """A hash of what ``record``'s files are drawn from: this task's options, the
        record (annotations, predictions, classes), its image file's size and time,
        and scenevis's version."""
        digest = hashlib.sha256(_version().encode())
        _digest(attrs.evolve(self, resume=False, stamps=False), digest)
        _digest(attrs.evolve(record, index=0), digest)
        try:
            stat = os.stat(record.image)
            digest.update(f"{stat.st_size}:{stat.st_mtime_ns}".encode())
        except OSError:
            digest.update(b"missing")
        return digest.hexdigest()

    def _unchanged(self, record: Record, files: Tuple[str, ...], fingerprint: str) -> Optional[Tuple[int, int]]:
        """The picture's size when its stamp holds ``fingerprint`` and every file is
        there, else None."""
        try:
            with open(self.stamp_path(record), encoding="ascii") as handle:
                stored, size = handle.read().split("\n")
            width, height = (int(v) for v in size.split())
        except (OSError, ValueError):
            return None
        if stored != fingerprint or not all(os.path.isfile(path) for path in files):
            return None
        return width, height

    def prepare(self) -> None:
        """Load what drawing a record needs (Pillow and its image plugins, the renderers
        of this task's outputs, scenevis's version) into this process: the local pool's
        workers, forked from it, then start with them (:func:`scenevis.batch.imap`). A
        worker loading them itself spent 60 ms on its first record."""
        _pillow().preinit()
        _version()
        modules = ["scenevis.renderer.ink"]  # a scene's extent
        if "svg" in self.formats:
            modules.append("scenevis.renderer.svg")
        if self.thumb or set(self.formats) - {"svg"}:
            modules += ["scenevis.renderer.painter", "scenevis.renderer.tiles"]
        for name in modules:
            importlib.import_module(name)

    def __call__(self, record: Record) -> Rendered:
        if not isinstance(record, Record):
            raise TypeError(f"record: expected a scenevis.datasets.Record, got {type(record).__name__}")
        paths = self.paths(record)
        thumb = self.thumb_path(record)
        files = paths + ((thumb,) if thumb else ())
        fingerprint = self.fingerprint(record) if self.stamps or self.resume else None
        size = self._unchanged(record, files, fingerprint) if self.resume else None
        resumed = size is not None
        if not resumed:
            if fingerprint is not None:
                # The old inputs' stamp goes before any file changes: a redraw stopped part
                # way must not leave it beside the new files, for a later --resume to trust.
                with contextlib.suppress(FileNotFoundError):
                    os.remove(self.stamp_path(record))
            pixels, source = record.load_image_source()
            scene = record_scene(record, pixels, view=self.view, score_thr=self.score_thr, iou=self.iou,
                                 masks=self.masks)
            extent = scene.extent
            size = (math.ceil(extent.width * self.scale), math.ceil(extent.height * self.scale))
            for path in paths:
                svg = path.endswith(".svg") and self.svg_image_quality is not None
                options = {"image_quality": self.svg_image_quality,
                           "sources": ((pixels, source),) if source is not None else ()} if svg else {}
                save(scene, path, scale=self.scale, **options)
            if thumb:
                self._write_thumb(scene, thumb, max(size))
            if fingerprint is not None:
                stamp = self.stamp_path(record)
                os.makedirs(os.path.dirname(stamp), exist_ok=True)
                atomic_write(stamp, f"{fingerprint}\n{size[0]} {size[1]}".encode("ascii"))
        labels = set(record.gt.labels.tolist()) | (set(record.pred.labels.tolist()) if record.pred is not None
                                                   else set())
        return Rendered(record.index, record.key, paths, record_errors(record, score_thr=self.score_thr, iou=self.iou),
                        tuple(sorted(labels)), thumb, record_matches(record, iou=self.iou), size, resumed)

    def _write_thumb(self, scene: Any, path: str, longer: int) -> None:
        """The scene drawn at the scale that makes its longer side (``longer`` pixels at
        the task's scale) ``thumb`` pixels, or at its own size when smaller, as a JPEG."""
        pixels = render(scene, scale=self.scale * min(1.0, self.thumb / max(longer, 1)))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        atomic_write(path, encode_jpeg(pixels, 85))


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
