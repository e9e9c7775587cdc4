"""A run's config as the backends record it: Python text, raw file bytes or a plain dict.

A config is one of

- a dict (or any mapping, e.g. mmengine's ``ConfigDict``),
- an object with ``pretty_text`` and ``to_dict()`` (mmengine's ``Config``; duck-typed,
  mmengine is never imported),
- a path (``str`` or ``os.PathLike``) to an existing config file (``.py`` or ``.json``).
"""
from __future__ import annotations

import json
import keyword
import os
import runpy
import types
from collections.abc import Mapping
from typing import Any, Dict

__all__ = ["config_text", "config_bytes", "config_dict"]


def _is_path(config: Any) -> bool:
    return isinstance(config, (str, os.PathLike))


def _read_path(config: Any) -> bytes:
    path = os.fspath(config)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"config: expected a dict, an mmengine Config or a config file, got missing path {path!r}")
    with open(path, "rb") as handle:
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
    """``config`` as Python assignments, one per top-level key (keys must be identifiers)."""
    lines = []
    for key, value in _mapping_to_dict(config).items():
        if not _is_name(key):
            raise ValueError(f"config: top-level keys must be Python identifiers to be written as Python, got {key!r}")
        lines.append(f"{key} = {_format(value, 0, len(key) + 3)}")
    return "\n".join(lines) + "\n"


def config_text(config: Any) -> str:
    """The config as readable Python text (a file's own text for a path)."""
    pretty = getattr(config, "pretty_text", None)
    if isinstance(pretty, str):
        return pretty
    if _is_path(config):
        return _read_path(config).decode("utf-8", "replace")
    if isinstance(config, Mapping) or callable(getattr(config, "to_dict", None)):
        return python_text(config)
    raise TypeError(f"config: expected a dict, an mmengine Config or a config file path, got {type(config).__name__}")


def config_bytes(config: Any) -> bytes:
    """What ``config.py`` should contain: a config file's bytes unchanged, else :func:`config_text`."""
    if _is_path(config):
        return _read_path(config)
    return config_text(config).encode("utf-8")


def config_dict(config: Any) -> Dict[str, Any]:
    """The config as a plain dict.

    A ``.py`` file is run and its public top-level values are kept (MMEngine's ``_base_``
    inheritance is not resolved: pass an ``mmengine.Config`` for that); a ``.json`` file is
    parsed.
    """
    if _is_path(config):
        path = os.fspath(config)
        _read_path(path)  # clear error when missing
        if path.endswith(".json"):
            with open(path, "r", encoding="utf-8") as handle:
                loaded = json.load(handle)
            if not isinstance(loaded, dict):
                raise ValueError(f"config: expected a JSON object in {path!r}, got {type(loaded).__name__}")
            return loaded
        if path.endswith(".py"):
            namespace = runpy.run_path(path)
            return {
                key: value
                for key, value in namespace.items()
                if not key.startswith("_")
                and not isinstance(value, (types.ModuleType, types.FunctionType, type))
            }
        raise ValueError(f"config: expected a .py or .json config file, got {path!r}")
    if isinstance(config, Mapping) or callable(getattr(config, "to_dict", None)):
        return _mapping_to_dict(config)
    raise TypeError(f"config: expected a dict, an mmengine Config or a config file path, got {type(config).__name__}")
