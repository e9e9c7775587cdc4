"""Runs on disk, read for the report: scalars, images, stored scenes and the config.

A *run* is a folder written by :class:`~scenevis.backends.LocalVisBackend` (or MMEngine's):
it holds ``scalars.json`` or a ``vis_image/`` folder, or it is an MMEngine ``vis_data``
folder. :func:`find_runs` looks for runs below a folder (an MMEngine work dir holds one
per timestamp: ``work_dirs/exp/20261201_120000/vis_data``); :func:`read_run` reads one
(:func:`list_run` lists its pictures, :func:`read_contents` then reads the rest, so a
report can start on the pictures while it reads the scalars).

Reading never fails on what a run holds: a torn last line (the run is still writing), a
line that is not JSON, a value that is not a number, an unreadable config become
:class:`Problem` notes on the run, and everything else is still read. Image files are
mapped back to their names and steps through the backend's own name rule
(:func:`scenevis.backends._paths.name_from_parts`).
"""
from __future__ import annotations

import itertools
import json
import operator
import os
import re
from typing import Dict, List, Optional, Tuple

import attrs
import numpy as np

from scenevis.backends._paths import name_from_parts

__all__ = ["Problem", "Picture", "Run", "find_runs", "read_run", "list_run", "read_contents", "read_scalars",
           "NotARunError"]

SCALARS = "scalars.json"
IMAGES = "vis_image"
CONFIG = "config.py"
MAX_DEPTH = 4  # how far below a given folder runs are looked for
MAX_FOLDERS = 20_000  # folders looked at per given folder, so no tree makes the search hang
MAX_CONFIG_BYTES = 2 << 20
_STEP = re.compile(r"_(-?\d+)$")
_PICTURE_SUFFIXES = (".png", ".jpg", ".jpeg", ".scene.json", ".scene.json.gz")


class NotARunError(ValueError):
    """A folder given as a run holds no run."""


@attrs.frozen
class Problem:
    """Something in a run that could not be read as expected; shown on the report."""

    run: str
    file: str  # relative to the run's folder ('' for the run itself)
    message: str


@attrs.frozen
class Picture:
    """An image (or stored scene) file of a run: what ``add_image(name, ..., step)`` wrote."""

    name: str
    step: int
    path: str  # absolute
    scene: bool = False  # a ``*.scene.json`` file rather than a picture


@attrs.define
class Run:
    name: str
    path: str
    scalars: Dict[str, Tuple[np.ndarray, np.ndarray]] = attrs.Factory(dict)  # key -> (steps, values)
    pictures: List[Picture] = attrs.Factory(list)
    config: Optional[str] = None
    problems: List[Problem] = attrs.Factory(list)

    def note(self, file: str, message: str) -> None:
        self.problems.append(Problem(self.name, file, message))


def _is_run(folder: str, entries: set) -> bool:
    if os.path.basename(folder) == "vis_data":
        return True
    return SCALARS in entries or IMAGES in entries


def _entries(folder: str) -> Optional[list]:
    try:
        with os.scandir(folder) as it:
            return [(e.name, e.is_dir(follow_symlinks=False)) for e in it]
    except OSError:
        return None


def find_runs(root: str) -> List[str]:
    """The run folders at or below ``root`` (at most ``MAX_DEPTH`` levels down), sorted.

    Raises ``NotARunError`` when there is none, ``FileNotFoundError`` when ``root`` is not
    a folder. Symlinked folders are not followed; hidden folders are skipped; a run's own
    sub-folders are not searched; at most ``MAX_FOLDERS`` folders are looked at.
    """
    if not os.path.isdir(root):
        raise FileNotFoundError(f"RUN_DIR {root!r}: no such folder")
    found, level, seen = [], [root], 0
    for _ in range(MAX_DEPTH + 1):
        below = []
        for folder in level[: MAX_FOLDERS - seen]:
            entries = _entries(folder)
            seen += 1
            if entries is None:
                continue
            if _is_run(folder, {name for name, _ in entries}):
                found.append(folder)
                continue
            below += [os.path.join(folder, name) for name, is_dir in sorted(entries)
                      if is_dir and not name.startswith(".")]
        level = below
    if not found:
        raise NotARunError(f"RUN_DIR {root!r}: not a run (no {SCALARS}, {IMAGES}/ or vis_data/ in it or "
                           f"up to {MAX_DEPTH} folders below it)")
    return sorted(found)


def run_name(root: str, folder: str) -> str:
    """A short name for the run ``folder`` found below ``root``: ``root``'s own name, then
    the folders between them, leaving out MMEngine's ``vis_data``."""
    base = os.path.abspath(root)
    parts = [os.path.basename(base.rstrip(os.sep)) or base]
    if parts[0] == "vis_data":
        parts = [os.path.basename(os.path.dirname(base)) or parts[0]]
    rel = os.path.relpath(os.path.abspath(folder), base)
    parts += [p for p in rel.split(os.sep) if p not in (".", "vis_data")]
    return "/".join(parts)


# -- scalars ------------------------------------------------------------------------------
def _records(data: bytes, run: Run, file: str) -> Tuple[np.ndarray, List[dict]]:
    """(line numbers, objects) of every line of JSON Lines ``data`` that holds an object."""
    body = data[:-1] if data.endswith(b"\n") else data
    try:  # the common case, every line whole, none blank: one parse of the whole file
        objects = json.loads(b"[" + body.replace(b"\n", b",") + b"]")
    except ValueError:
        objects = None
    if objects is not None and len(objects) == (body.count(b"\n") + 1 if body else 0) and \
            all(type(obj) is dict for obj in objects):
        return np.arange(1, len(objects) + 1), objects
    lines = data.split(b"\n")
    if lines and lines[-1].strip() == b"":
        lines.pop()
        torn = False
    else:
        torn = bool(lines)  # the last line has no newline: it may be half written
    numbers, out, bad = [], [], []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            if torn and n == len(lines):
                run.note(file, f"line {n} is incomplete (the run may still be writing it); left out")
            else:
                bad.append(n)
            continue
        if isinstance(obj, dict):
            numbers.append(n)
            out.append(obj)
        else:
            run.note(file, f"line {n} holds {type(obj).__name__}, not an object; left out")
    if bad:
        shown = ", ".join(map(str, bad[:5])) + (f" and {len(bad) - 5} more" if len(bad) > 5 else "")
        run.note(file, f"{len(bad)} line{'s' if len(bad) > 1 else ''} not JSON (line {shown}); left out")
    return np.array(numbers, np.int64), out


_NUMERIC = (int, float)
_MISSING = object()


def _numeric(values: list) -> Tuple[np.ndarray, np.ndarray]:
    """(positions of the numbers in ``values``, those numbers as float64); ``bool`` and
    anything else are not numbers. One pass in C when every value is a number."""
    if set(map(type, values)) <= set(_NUMERIC):
        return np.arange(len(values)), np.array(values, np.float64)
    keep = [i for i, v in enumerate(values) if type(v) in _NUMERIC]
    return np.array(keep, np.int64), np.array([values[i] for i in keep], np.float64)


def _table(records: List[dict], keys: List[str]) -> Optional[np.ndarray]:
    """The records as columns, a (keys, records) float64 array, when every record holds
    every key and every value is a number (what a logger writes each step); else None."""
    if not records or set(map(len, records)) != {len(keys)}:  # each holds len(keys) of the keys: all of them
        return None
    rows = list(map(operator.itemgetter(*keys), records))
    values = itertools.chain.from_iterable(rows) if len(keys) > 1 else rows
    if not set(map(type, values)) <= set(_NUMERIC):
        return None
    return np.ascontiguousarray(np.array(rows, np.float64).reshape(len(records), len(keys)).T)


def _column(records: List[dict], key: str, lines: np.ndarray, run: Run, file: str) -> Tuple[np.ndarray, np.ndarray]:
    """(positions, values) of the records holding a number for ``key``; a note on ``run``
    for the values that are not numbers."""
    column = [record.get(key, _MISSING) for record in records]
    if _MISSING in column:
        rows = [i for i, v in enumerate(column) if v is not _MISSING]
        column = [column[i] for i in rows]
    else:
        rows = None
    where, values = _numeric(column)
    if len(where) < len(column):
        bad = next(i for i, v in enumerate(column) if type(v) not in _NUMERIC)
        first = bad if rows is None else rows[bad]
        count = len(column) - len(where)
        run.note(file, f"{key!r}: {count} value{'s' if count > 1 else ''} not a number "
                       f"(first: line {lines[first]}, {json.dumps(column[bad])[:60]}); left out")
    return (where if rows is None else np.array(rows, np.int64)[where]), values


def read_scalars(path: str, run: Run, file: str = SCALARS) -> Dict[str, Tuple[np.ndarray, np.ndarray]]:
    """Every numeric key of the JSON Lines file ``path``: key -> (steps, values) in file
    order. Problems become notes on ``run``. The file is parsed in one piece, and when
    every line holds the same keys the values become one table at once: 100,000 lines of
    five keys take about a quarter of a second."""
    with open(path, "rb") as handle:
        data = handle.read()
    lines, records = _records(data, run, file)
    keys = list(dict.fromkeys(itertools.chain.from_iterable(records)))
    table = _table(records, keys)
    everyone = np.arange(len(records))
    if table is not None:
        where, steps = (everyone, table[keys.index("step")]) if "step" in keys else (everyone[:0], np.empty(0))
    else:
        where, steps = _numeric([record.get("step") for record in records])
    all_steps = np.arange(len(records), dtype=np.float64)  # a line without a step: its order
    all_steps[where] = steps
    stepped = np.zeros(len(records), bool)
    stepped[where[np.isfinite(steps)]] = True
    no_step = np.flatnonzero(~stepped)
    if len(no_step):
        all_steps[no_step] = no_step
        run.note(file, f"{len(no_step)} line{'s' if len(no_step) > 1 else ''} without a numeric \"step\" "
                       f"(first: line {lines[no_step[0]]}); their order is used as the step")
    out = {}
    for number, key in enumerate(keys):
        if key == "step":
            continue
        index, values = (everyone, table[number]) if table is not None else _column(records, key, lines, run, file)
        if not len(values):
            continue
        x = all_steps[index]
        finite = np.isfinite(values)
        if not finite.all():
            first = int(np.flatnonzero(~finite)[0])
            count = int((~finite).sum())
            run.note(file, f"{key!r}: {count} value{'s' if count > 1 else ''} NaN or infinite "
                           f"(first at step {x[first]:g}); not drawn")
        out[key] = (x, values)
    return out


# -- pictures -------------------------------------------------------------------------------
def _picture(run: Run, folder: str, rel_parts: List[str]) -> Optional[Picture]:
    file = rel_parts[-1]
    suffix = next((s for s in _PICTURE_SUFFIXES if file.lower().endswith(s)), None)
    if suffix is None or file.startswith("."):
        return None
    stem = file[: len(file) - len(suffix)]
    match = _STEP.search(stem)
    step = int(match.group(1)) if match else 0
    tail = (match.group(0) if match else "") + file[len(stem):]
    name = name_from_parts(rel_parts, tail)
    return Picture(name, step, os.path.join(folder, *rel_parts), scene=suffix.startswith(".scene"))


def _read_pictures(run: Run) -> None:
    top = os.path.join(run.path, IMAGES)
    for folder, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        rel = os.path.relpath(folder, top)
        prefix = [] if rel == "." else rel.split(os.sep)
        for file in sorted(files):
            picture = _picture(run, top, prefix + [file])
            if picture is not None:
                run.pictures.append(picture)
    for file in sorted(os.listdir(run.path)):  # scenes stored beside the scalars
        if file.endswith((".scene.json", ".scene.json.gz")) and os.path.isfile(os.path.join(run.path, file)):
            run.pictures.append(_picture(run, run.path, [file]))


def read_run(folder: str, name: str) -> Run:
    """Everything the report shows of the run in ``folder``; problems become notes."""
    run = list_run(folder, name)
    read_contents(run)
    return run


def list_run(folder: str, name: str) -> Run:
    """The run in ``folder`` with its pictures listed (a note when they cannot be); its
    scalars and config are for :func:`read_contents`."""
    run = Run(name=name, path=os.path.abspath(folder))
    try:
        _read_pictures(run)
    except OSError as err:
        run.note(IMAGES, f"cannot be listed: {err.strerror or err}")
    return run


def read_contents(run: Run) -> None:
    """Read the scalars and the config of ``run`` (made by :func:`list_run`)."""
    scalars = os.path.join(run.path, SCALARS)
    if os.path.isfile(scalars):
        try:
            run.scalars = read_scalars(scalars, run)
        except OSError as err:
            run.note(SCALARS, f"cannot be read: {err.strerror or err}")
    config = os.path.join(run.path, CONFIG)
    if os.path.isfile(config):
        try:
            with open(config, "rb") as handle:
                data = handle.read(MAX_CONFIG_BYTES + 1)
            if len(data) > MAX_CONFIG_BYTES:
                run.note(CONFIG, f"larger than {MAX_CONFIG_BYTES >> 20} MiB; only its start is shown")
                data = data[:MAX_CONFIG_BYTES]
            run.config = data.decode("utf-8", "replace")
        except OSError as err:
            run.note(CONFIG, f"cannot be read: {err.strerror or err}")
    if not run.scalars and not run.pictures:
        run.note("", "the run holds no scalars and no images yet")
