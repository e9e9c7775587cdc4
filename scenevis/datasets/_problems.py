"""The checks every reader makes on its items, and the log of what was wrong."""
from __future__ import annotations

import json
import math
import re
import warnings
from typing import Any, List, Optional, Tuple

import numpy as np

from scenevis.datasets.records import Problem

__all__ = ["ProblemLog", "load_json", "warn_problems", "number", "numbers", "short", "fmt_box"]

# A box may reach this far past the image's edge (rounding in the tools that wrote it)
# before it counts as a problem; it is clipped to the image either way.
EDGE_TOLERANCE = 1.0


class ProblemLog:
    """Collects :class:`Problem` s for one file."""

    def __init__(self, file: str):
        self.file = file
        self.problems: List[Problem] = []

    def add(self, where: str, index: Optional[int], message: str) -> None:
        self.problems.append(Problem(self.file, where, index, message))

    def box(self, where: str, index: Optional[int], xyxy: Any, width: int, height: int) -> Optional[np.ndarray]:
        """``xyxy`` clipped to the image, or None (and a problem) when it is not a box
        or lies wholly outside; a box reaching past the edge is reported and clipped."""
        try:
            box = np.asarray(xyxy, np.float64).reshape(4)
        except (TypeError, ValueError):
            self.add(where, index, f"box: expected 4 numbers, got {short(xyxy)}; left out")
            return None
        x0, y0, x1, y1 = box.tolist()  # checked as Python floats: numpy's calls cost more on 4 values
        if not all(map(math.isfinite, (x0, y0, x1, y1))) or x1 < x0 or y1 < y0:
            self.add(where, index, f"box: expected finite xyxy with x0 <= x1 and y0 <= y1, got {fmt_box(box)}; "
                                   "left out")
            return None
        if x0 >= width or y0 >= height or x1 <= 0 or y1 <= 0:
            self.add(where, index, f"box {fmt_box(box)} lies outside the {width}x{height} image; left out")
            return None
        past = max(-x0, -y0, x1 - width, y1 - height)
        if past > EDGE_TOLERANCE:
            self.add(where, index, f"box {fmt_box(box)} reaches {past:.1f} px past the {width}x{height} image; "
                                   "clipped to it")
        return np.array([max(x0, 0.0), max(y0, 0.0), min(x1, width), min(y1, height)])

    def warn(self, source: str) -> None:
        """One warning that counts the problems and shows the first (nothing when none)."""
        if self.problems:
            warn_problems(source, self.problems, stacklevel=4)


def warn_problems(source: str, problems: List[Problem], stacklevel: int = 3) -> None:
    """One warning for the reader's caller that counts ``problems`` and shows the first."""
    more = f" (and {len(problems) - 1} more: see .problems)" if len(problems) > 1 else " (see .problems)"
    warnings.warn(f"{source}: {len(problems)} problem{'s' if len(problems) > 1 else ''} while reading, "
                  f"first: {problems[0]}{more}", UserWarning, stacklevel=stacklevel)


def load_json(path: str, log: ProblemLog) -> Tuple[bool, Any]:
    """``(True, data)``, or ``(False, None)`` with a problem for a file that is not JSON
    (a truncated one says so)."""
    with open(path, "rb") as handle:
        text = handle.read()
    try:
        return True, json.loads(text)
    except UnicodeDecodeError as err:
        log.add("", None, f"not UTF-8 text ({err.reason} at byte {err.start}); nothing read from it")
    except json.JSONDecodeError as err:
        log.add("", None, f"not valid JSON at line {err.lineno}, column {err.colno}: {err.msg}"
                          + ("; the file ends before its brackets close (truncated?)" if _unclosed(err.doc) else "")
                          + "; nothing read from it")
    return False, None


def _unclosed(doc: str) -> bool:
    """True when ``doc`` opens more objects and arrays than it closes (strings aside)."""
    bare = re.sub(r'"(?:[^"\\]|\\.)*"?', "", doc)
    return bare.count("{") + bare.count("[") > bare.count("}") + bare.count("]")


def fmt_box(box: np.ndarray) -> str:
    return "[" + ", ".join(f"{v:g}" for v in box) + "]"


def short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def number(value: Any) -> Optional[float]:
    """A finite float, or None for anything else (bools included)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        value = float(value)
    except OverflowError:  # an integer beyond a float's range
        return None
    return value if math.isfinite(value) else None


_NUMBER_TYPES = frozenset((int, float))


def numbers(values: Any) -> Optional[np.ndarray]:
    """A list of JSON numbers as a float64 array when every one is finite; None for
    anything else (a bool, a string, an integer beyond a float's range). One pass in
    C, where :func:`number` per item costs a COCO file's coordinates a Python call each."""
    if not isinstance(values, list) or not _NUMBER_TYPES.issuperset(map(type, values)):
        return None
    try:
        out = np.array(values, np.float64)
    except OverflowError:
        return None
    return out if np.isfinite(out).all() else None

