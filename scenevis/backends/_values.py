"""What every backend accepts as a name, a step and a scalar, checked one way for all.

The visualizer checks a whole ``add_*`` call with these functions before any backend sees
it, and each backend checks its own calls with the same functions, so a value that one
backend stores is stored by every backend, and a value one refuses is refused by all
before anything is written:

- **Names** (scalar names, ``scalar_dict`` keys, image names): a non-empty ``str`` that
  is valid Unicode text (no lone surrogates: protobuf and W&B cannot encode them), not
  ``'step'`` (the step has its own argument, and W&B's step metric is called so) and not
  starting with ``'_'`` (W&B keeps ``_step``, ``_runtime``, ... for itself and silently
  drops or overwrites such keys), with at most :data:`MAX_NAME_LEVELS` ``/``-separated
  parts (a local backend makes a folder of each; far deeper trees break every tool that
  walks folders recursively).
- **Steps**: an integer (Python, numpy, or a 0-d integer array or tensor) in
  ``[-2**63, 2**63)``, the range TensorBoard's ``int64`` step can hold.
- **Images**: uint8 pixels as MMEngine's backends assert, bool, or floats, read by the
  rule of :func:`scenevis._arrays.as_image`; integers of other dtypes are refused, since
  whether they hold 0-255 levels or a wider range (a 16-bit picture reaches 65535) cannot
  be told.
- **Scalars**: one real number: a Python or numpy ``bool``, integer (in the ``int64``
  range) or float (NaN and infinities included), or an array or tensor holding exactly
  one such element. Returned as a Python ``bool``, ``int`` or ``float``. Anything else
  (strings, lists, several elements, complex numbers, ``None``) is a ``TypeError`` naming
  the value.

A wrong value is a :class:`~scenevis.errors.VisualizerValueError`, both a ``ValueError``
and the ``AssertionError`` MMEngine's backends raise for the same mistakes; a wrong kind
is a ``TypeError``.

Scalars are written as JSON lines exactly as MMEngine's local backend writes them
(``json.dumps`` with its default separators, NaN as ``NaN``).
"""
from __future__ import annotations

import json
import numbers
import operator
from typing import Any, Dict, Union

import numpy as np

from scenevis._arrays import as_image, as_numpy
from scenevis.errors import VisualizerValueError, facade_errors

__all__ = ["check_name", "check_step", "check_image", "scalar_value", "scalar_values", "json_line", "RESERVED_NAME",
           "MAX_NAME_LEVELS"]

RESERVED_NAME = "step"
MAX_NAME_LEVELS = 32
_INT64 = (-(2**63), 2**63)


def _is_tensor(value: Any) -> bool:
    return all(hasattr(value, attr) for attr in ("detach", "cpu", "numpy"))


def check_name(name: Any, arg: str = "name") -> str:
    """``name`` if it is a name every backend stores as given (see the module docstring)."""
    if not isinstance(name, str):
        raise TypeError(f"{arg}: expected a str, got {type(name).__name__}")
    if not name:
        raise VisualizerValueError(f"{arg}: expected a non-empty name, got ''")
    if name == RESERVED_NAME:
        raise VisualizerValueError(f"{arg}: expected a name other than 'step' (give the step as step=), got 'step'")
    if name.startswith("_"):
        raise VisualizerValueError(f"{arg}: expected a name not starting with '_' (W&B keeps those for itself), got {name!r}")
    if not name.isascii():
        try:
            name.encode("utf-8")
        except UnicodeEncodeError:
            raise VisualizerValueError(f"{arg}: expected text without lone surrogates, got {name!r}") from None
    if name.count("/") >= MAX_NAME_LEVELS:
        raise VisualizerValueError(f"{arg}: expected at most {MAX_NAME_LEVELS} '/'-separated parts, got "
                                   f"{name.count('/') + 1} (a name starting {name[:40]!r})")
    return name


def check_step(step: Any) -> int:
    """``step`` as an ``int`` in ``[-2**63, 2**63)``; integers of any kind (Python, numpy,
    0-d integer arrays or tensors) are accepted."""
    if type(step) is int and _INT64[0] <= step < _INT64[1]:
        return step
    if isinstance(step, (bool, np.bool_)):
        raise TypeError(f"step: expected an integer, got {type(step).__name__}")
    value = step
    item = getattr(step, "item", None)
    if not isinstance(step, (numbers.Integral, np.integer)) and callable(item) and getattr(step, "ndim", None) == 0:
        value = item()
    if isinstance(value, bool):
        raise TypeError(f"step: expected an integer, got {type(step).__name__}")
    try:
        value = operator.index(value)
    except TypeError:
        raise TypeError(f"step: expected an integer, got {type(step).__name__} {step!r}") from None
    if not _INT64[0] <= value < _INT64[1]:
        raise VisualizerValueError(f"step: expected an integer in [-2**63, 2**63), got {value}")
    return value


def check_image(image: Any) -> np.ndarray:
    """``image`` to record, as (H, W, 3) uint8 RGB (see the module's rule for images)."""
    array = facade_errors(as_numpy)(image, "image")
    if array.dtype.kind in "iu" and array.dtype != np.uint8:
        raise VisualizerValueError(f"image: expected uint8 pixels (or bool, or floats in 0-1), got {array.dtype}; "
                                   f"if its values are 0-255 levels, pass image.astype(np.uint8)")
    return facade_errors(as_image)(array, "image")


def scalar_value(value: Any, arg: str = "value") -> Union[bool, int, float]:
    """``value`` as a Python ``bool``, ``int`` or ``float`` when it is one real number."""
    if type(value) is float:
        return value
    if isinstance(value, np.ndarray) or _is_tensor(value):
        array = as_numpy(value, arg)
        if array.size != 1 or array.dtype.kind not in "biuf":
            raise TypeError(f"{arg}: expected one real number, got an array of shape {tuple(array.shape)} "
                            f"and dtype {array.dtype}")
        value = array.reshape(()).item()
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (numbers.Integral, np.integer)):
        number = int(value)
        if not _INT64[0] <= number < _INT64[1]:
            raise VisualizerValueError(f"{arg}: expected an integer in [-2**63, 2**63) (a float for larger numbers), got {number}")
        return number
    if isinstance(value, (numbers.Real, np.floating)):
        return float(value)
    raise TypeError(f"{arg}: expected one real number (int, float, bool or a one-element array or tensor), "
                    f"got {type(value).__name__}")


def scalar_values(scalar_dict: Any, arg: str = "scalar_dict") -> Dict[str, Union[bool, int, float]]:
    """``scalar_dict`` with every key checked by :func:`check_name` and every value by
    :func:`scalar_value`; a new dict, in the same order."""
    if not isinstance(scalar_dict, dict):
        raise TypeError(f"{arg}: expected a dict, got {type(scalar_dict).__name__}")
    if RESERVED_NAME in scalar_dict:
        raise VisualizerValueError(f"{arg}: expected no 'step' key (give the step as step=), got one")
    keys = f"{arg} keys"
    return {check_name(key, keys): value if type(value) is float else scalar_value(value, f"{arg}[{key!r}]")
            for key, value in scalar_dict.items()}


def json_line(record: dict) -> bytes:
    """``record`` (plain Python values) as one UTF-8 JSON line ending in ``\\n`` (MMEngine's bytes)."""
    return (json.dumps(record) + "\n").encode("utf-8")
