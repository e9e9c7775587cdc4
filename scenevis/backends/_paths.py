"""Map names and paths chosen by callers to files that stay inside a backend's ``save_dir``.

The rule (documented in ``docs/backends.md``) is the same for image names, ``file_path=``
and the ``img_save_dir`` / ``scalar_save_file`` / ``config_save_file`` arguments:

1. ``/`` and ``\\`` separate folders, so ``'val/img'`` is the sub-folder ``val`` holding
   ``img``. Empty and ``.`` components are dropped, so an absolute path is read as relative
   to ``save_dir`` (``'/tmp/x.json'`` -> ``save_dir/tmp/x.json``).
2. A ``..`` component becomes ``__``: it can never climb out of ``save_dir``.
3. NUL, other control characters and ``< > : " | ? *`` become ``_``; a component made only
   of dots and spaces gets a leading ``_`` (Windows drops trailing dots and spaces).
4. A component longer than 255 UTF-8 bytes (with its suffix) is cut and ends with ``~``
   and 12 hex digits of its SHA-1, so distinct long names stay distinct.
5. Before writing, the real path of the target's folder (symlinks resolved) must lie inside
   the real path of ``save_dir``; otherwise ``PermissionError``. Files are replaced by
   rename, so a symlink at the final name is replaced, never followed.
"""
from __future__ import annotations

import hashlib
import os
import re
from typing import List, Union

__all__ = ["safe_parts", "safe_join", "check_inside", "MAX_COMPONENT_BYTES"]

MAX_COMPONENT_BYTES = 255
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"|?*]')
_SEPARATORS = re.compile(r"[/\\]")


def _fit(component: str, suffix: str) -> str:
    """``component + suffix`` cut to at most 255 UTF-8 bytes, with a hash when cut."""
    budget = MAX_COMPONENT_BYTES - len(suffix.encode("utf-8"))
    encoded = component.encode("utf-8")
    if len(encoded) <= budget:
        return component + suffix
    digest = hashlib.sha1(encoded).hexdigest()[:12]
    keep = encoded[: max(0, budget - 13)].decode("utf-8", "ignore")
    return f"{keep}~{digest}{suffix}"


def _clean(component: str) -> str:
    component = component.encode("utf-8", "replace").decode("utf-8")  # lone surrogates -> "?"
    component = _UNSAFE.sub("_", component)
    if component == "..":
        return "__"
    if component.strip(". ") == "":
        return "_" + component
    return component


def safe_parts(name: Union[str, os.PathLike], suffix: str = "", arg: str = "name") -> List[str]:
    """Split ``name`` into safe path components; ``suffix`` is appended to the last one.

    An empty result (``''``, ``'/'``, ``'.'``) is ``['_' + suffix]`` when a suffix is given
    and ``[]`` otherwise (meaning ``save_dir`` itself).
    """
    if isinstance(name, os.PathLike):
        name = os.fspath(name)
    if isinstance(name, bytes):
        name = name.decode("utf-8", "replace")
    if not isinstance(name, str):
        raise TypeError(f"{arg}: expected a str, got {type(name).__name__}")
    parts = [_clean(p) for p in _SEPARATORS.split(name) if p not in ("", ".")]
    if not parts:
        return [_fit("_", suffix)] if suffix else []
    parts = [_fit(p, "") for p in parts[:-1]] + [_fit(parts[-1], suffix)]
    return parts


def safe_join(root: str, name: Union[str, os.PathLike], suffix: str = "", arg: str = "name") -> str:
    """``root`` joined with the safe components of ``name`` (see :func:`safe_parts`)."""
    return os.path.join(root, *safe_parts(name, suffix, arg))


def check_inside(root: str, path: str) -> None:
    """Raise ``PermissionError`` unless the folder of ``path`` resolves inside ``root``.

    Catches symlinked folders inside ``save_dir`` that point elsewhere.
    """
    real_root = os.path.realpath(root)
    real_parent = os.path.realpath(os.path.dirname(path))
    if real_parent != real_root and not real_parent.startswith(real_root.rstrip(os.sep) + os.sep):
        raise PermissionError(f"refusing to write {path!r}: its folder resolves to {real_parent!r}, outside {real_root!r}")
