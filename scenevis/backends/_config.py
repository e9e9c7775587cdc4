"""A run's config as the backends record it: Python text, raw file bytes or a plain dict.

A config is one of

- a dict (or any mapping, e.g. mmengine's ``ConfigDict``),
- an object with ``pretty_text`` and ``to_dict()`` (mmengine's ``Config``; duck-typed,
  mmengine is never imported),
- a path (``str`` or ``os.PathLike``) to an existing config file (``.py`` or ``.json``).

:func:`check_config` is the one rule, applied by the visualizer before any backend sees
a config and by each backend's own conversion: a dict's top-level keys must be Python
identifiers (the local backend writes one assignment per key), and its values, at any
depth, ``None``, ``bool``, ``int``, finite ``float``, ``str``, and lists, tuples and
dicts with ``str`` keys of those: what both a Python literal and JSON (W&B) hold. A
path must name an existing ``.py`` or ``.json`` file (a ``.json`` file holding one
object). An mmengine ``Config`` is taken as MMEngine takes it (its ``pretty_text`` and
``to_dict()``).
"""
from __future__ import annotations

import json
import keyword
import math
import os
import runpy
import types
from collections.abc import Mapping
from typing import Any, Dict

from scenevis.errors import VisualizerValueError

__all__ = ["check_config", "config_text", "config_bytes", "config_dict"]


_MAX_DEPTH = 100


def _check_value(value: Any, where: str, depth: int) -> None:
    if value is None or isinstance(value, (bool, int, str)):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise VisualizerValueError(f"{where}: expected a finite number (written as Python and JSON), got {value!r}")
        return
    if depth >= _MAX_DEPTH:
        raise VisualizerValueError(f"{where}: expected values nested at most {_MAX_DEPTH} deep")
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _check_value(item, f"{where}[{i}]", depth + 1)
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{where}: expected str keys, got {type(key).__name__} {key!r}")
            _check_value(item, f"{where}[{key!r}]", depth + 1)
        return
    raise TypeError(f"{where}: expected None, a bool, int, float, str, or a list, tuple or dict of them, "
                    f"got {type(value).__name__}")


def check_config(config: Any) -> None:
    """Raise ``TypeError``/:class:`~scenevis.errors.VisualizerValueError` (naming the key)
    unless every backend can record ``config`` the same way (see the module docstring)."""
    if isinstance(getattr(config, "pretty_text", None), str) and callable(getattr(config, "to_dict", None)):
        return
    if _is_path(config):
        path = os.fspath(config)
        if not os.path.isfile(path):
            raise VisualizerValueError(f"config: expected a dict, an mmengine Config or an existing config file, "
                                       f"got missing path {path!r}")
        if not path.endswith((".py", ".json")):
            raise VisualizerValueError(f"config: expected a .py or .json config file, got {path!r}")
        if path.endswith(".json"):
            _json_config(path)
        return
    if not (isinstance(config, Mapping) or callable(getattr(config, "to_dict", None))):
        raise TypeError(f"config: expected a dict, an mmengine Config or a config file path, got {type(config).__name__}")
    for key, value in _mapping_to_dict(config).items():
        if not _is_name(key):
            raise VisualizerValueError(f"config: top-level keys must be Python identifiers to be written as Python, got {key!r}")
        _check_value(value, f"config[{key!r}]", 1)


def _json_config(path: str) -> Dict[str, Any]:
    with open(path, "r", encoding="utf-8") as handle:
        try:
            loaded = json.load(handle)
        except ValueError as err:
            raise VisualizerValueError(f"config: expected a JSON object in {path!r}, got invalid JSON ({err})") from None
    if not isinstance(loaded, dict):
        raise VisualizerValueError(f"config: expected a JSON object in {path!r}, got {type(loaded).__name__}")
    return loaded


def _is_path(config: Any) -> bool:
    return isinstance(config, (str, os.PathLike))


def _read_path(config: Any) -> bytes:
    with open(os.fspath(config), "rb") as handle:
        return handle.read()


def _mapping_to_dict(config: Any) -> Dict[str, Any]:
    to_dict = getattr(config, "to_dict", None)
    return dict(to_dict()) if callable(to_dict) else dict(config)


def _is_name(key: Any) -> bool:
    return isinstance(key, str) and key.isidentifier() and not keyword.iskeyword(key)


def _format(value: Any, indent: int, column: int, width: int = 88) -> str:
    """``value`` as Python source starting at ``column``: one line when it fits, else one
    item per line, nested blocks indented by four spaces from ``indent``."""
    flat = repr(value)
    if column + len(flat) <= width or not isinstance(value, (dict, list, tuple)) or not value:
        return flat
    pad, inner = " " * indent, " " * (indent + 4)
    step = indent + 4
    if isinstance(value, dict):
        if all(_is_name(k) for k in value):
            items = [f"{inner}{k}={_format(v, step, step + len(k) + 1, width)}," for k, v in value.items()]
            return "dict(\n" + "\n".join(items) + f"\n{pad})"
        items = [f"{inner}{k!r}: {_format(v, step, step + len(repr(k)) + 2, width)}," for k, v in value.items()]
        return "{\n" + "\n".join(items) + f"\n{pad}}}"
    opening, closing = ("[", "]") if isinstance(value, list) else ("(", ")")
    items = [f"{inner}{_format(v, step, step, width)}," for v in value]
    return opening + "\n" + "\n".join(items) + f"\n{pad}{closing}"


def python_text(config: Mapping) -> str:
    """``config`` (checked by :func:`check_config`) as Python assignments, one per top-level key."""
    lines = [f"{key} = {_format(value, 0, len(key) + 3)}" for key, value in _mapping_to_dict(config).items()]
    return "\n".join(lines) + "\n"


def config_text(config: Any) -> str:
    """The config as readable Python text (a file's own text for a path)."""
    check_config(config)
    pretty = getattr(config, "pretty_text", None)
    if isinstance(pretty, str):
        return pretty
    if _is_path(config):
        return _read_path(config).decode("utf-8", "replace")
    return python_text(config)


def config_bytes(config: Any) -> bytes:
    """What ``config.py`` should contain: a config file's bytes unchanged, else :func:`config_text`."""
    check_config(config)
    return _read_path(config) if _is_path(config) else config_text(config).encode("utf-8")


def config_dict(config: Any) -> Dict[str, Any]:
    """The config as a plain dict.

    A ``.py`` file is run and its public top-level values are kept (MMEngine's ``_base_``
    inheritance is not resolved: pass an ``mmengine.Config`` for that); a ``.json`` file is
    parsed.
    """
    check_config(config)
    if not _is_path(config):
        return _mapping_to_dict(config)
    path = os.fspath(config)
    if path.endswith(".json"):
        return _json_config(path)
    namespace = runpy.run_path(path)
    return {
        key: value
        for key, value in namespace.items()
        if not key.startswith("_") and not isinstance(value, (types.ModuleType, types.FunctionType, type))
    }
