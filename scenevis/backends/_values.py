"""Scalar values as backends store them: JSON Lines text and plain floats.

The JSON encoding writes exactly what MMEngine's local backend writes (``json.dumps`` with
its default separators; numpy scalars become Python numbers, numpy arrays lists, sets and
ranges lists), and additionally accepts tensors by duck typing.
"""
from __future__ import annotations

import json
import numbers
from typing import Any, Optional

import numpy as np

from scenevis._arrays import as_numpy

__all__ = ["json_line", "as_real", "plain_value"]


def _is_tensor(value: Any) -> bool:
    return all(hasattr(value, attr) for attr in ("detach", "cpu", "numpy"))


def _default(value: Any) -> Any:
    if isinstance(value, (set, range)):
        return list(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if _is_tensor(value):
        return as_numpy(value, "value").tolist()
    raise TypeError(f"scalar values: {type(value).__name__} cannot be written as JSON")


def json_line(record: dict) -> bytes:
    """``record`` as one UTF-8 JSON line ending in ``\\n`` (MMEngine's bytes)."""
    return (json.dumps(record, default=_default) + "\n").encode("utf-8")


def as_real(value: Any) -> Optional[float]:
    """``value`` as a float when it is one number, else ``None``.

    One number: a Python or numpy real (bools count as 0/1), or an array or tensor holding
    exactly one element.
    """
    if isinstance(value, (numbers.Real, np.number, np.bool_)):
        return float(value)
    if isinstance(value, np.ndarray) or _is_tensor(value):
        array = as_numpy(value, "value")
        if array.size == 1 and array.dtype.kind in "biuf":
            return float(array.reshape(()))
    return None


def plain_value(value: Any) -> Any:
    """A tensor as a Python number (one element) or nested list; other values unchanged."""
    if _is_tensor(value):
        array = as_numpy(value, "value")
        return array.reshape(()).item() if array.size == 1 else array.tolist()
    return value
