"""Content digests of values: SHA-256 over one canonical byte form.

Layer 0: numpy, attrs and the standard library. :meth:`scenevis.scene.Scene.digest` is
built on it; nothing here knows what a scene is. A value's canonical form is made of
tagged, length-prefixed parts, so two values have the same form exactly when they hold
the same content:

- ``None``, ``bool``, ``int``, ``str`` by value; a ``float`` as its 8 IEEE bytes, with
  ``-0.0`` read as ``0.0`` (they compare equal and draw the same);
- a tuple or list as its items in order; a mapping as its items sorted by key;
- an ndarray as its dtype, shape and C-order little-endian bytes (``-0.0`` read as ``0.0``),
  an array of strings as its shape and strings (whatever its fixed width);
- an attrs instance as its class name and every compared field (``eq=True``), by name;
- whatever ``nested`` recognizes (a scene inside a scene) as the digest it returns.
"""
from __future__ import annotations

import functools
import hashlib
import struct
from collections.abc import Mapping
from typing import Any, Callable, Optional

import attrs
import numpy as np

__all__ = ["content_digest", "tree_digest", "nodes_in"]

Nested = Callable[[Any], Optional[bytes]]

_PACK_LENGTH = struct.Struct("<Q").pack
_PACK_REAL = struct.Struct("<cd").pack
#: Parts of the canonical form longer than this are hashed where they are, not copied.
_LARGE = 1 << 16


def content_digest(value: Any, nested: Nested) -> bytes:
    """The 32-byte SHA-256 digest of ``value``'s canonical form (see the module docstring).

    ``nested(item)`` returns the digest to use for an item that has its own (a child
    scene, computed before) or ``None`` to read the item by its type; it is asked about
    every item but plain values (None, bool, int, float, str, tuples, lists, arrays).
    The form is gathered in parts and hashed in a few large updates (the digest of a
    scene with a hundred small arrays costs a tenth of one update per part).
    """
    parts: list = []
    _feed(parts.append, value, nested)
    hasher = hashlib.sha256()
    small: list = []
    for part in parts:
        if len(part) > _LARGE:
            hasher.update(b"".join(small))
            small.clear()
            hasher.update(part)
        else:
            small.append(part)
    hasher.update(b"".join(small))
    return hasher.digest()


def tree_digest(root: Any, node_type: type) -> bytes:
    """The digest of ``root``, a ``node_type`` (an attrs class whose instances keep their
    digest in a ``_content_digest`` slot), with every node inside it read as its own
    digest. Nodes without one are digested first, children before parents, with an
    explicit stack (deep trees cannot exhaust Python's recursion limit); each node is
    digested once in its life."""

    def known(value: Any) -> Optional[bytes]:
        return getattr(value, "_content_digest", None) if isinstance(value, node_type) else None

    stack = [root]
    while stack:
        node = stack[-1]
        if known(node) is not None:
            stack.pop()
            continue
        pending = [inner for name in _compared(type(node))[1]
                   for inner in nodes_in(getattr(node, name), node_type) if known(inner) is None]
        if pending:
            stack.extend(pending)
            continue
        stack.pop()
        object.__setattr__(node, "_content_digest", content_digest(node, known))
    return root._content_digest


def nodes_in(value: Any, node_type: type) -> list:
    """The ``node_type`` instances held in a field value: the value itself, or inside tuples, lists and mappings."""
    found: list = []
    _collect(value, node_type, found)
    return found


def _collect(value: Any, node_type: type, found: list) -> None:
    if isinstance(value, node_type):
        found.append(value)
    elif isinstance(value, (tuple, list)):
        for item in value:
            if isinstance(item, (node_type, tuple, list, Mapping)):
                _collect(item, node_type, found)
    elif isinstance(value, Mapping):
        for item in value.values():
            _collect(item, node_type, found)


@functools.lru_cache(maxsize=None)
def _compared(kind: type) -> tuple:
    """An attrs class's part of the canonical form before its fields (its tagged name),
    the names of its compared fields and each one's tagged name."""
    names = tuple(field.name for field in attrs.fields(kind) if field.eq)
    return _tagged(b"A", kind.__qualname__.encode()), names, tuple(_tagged(b"f", name.encode()) for name in names)


def _tagged(tag: bytes, data: bytes) -> bytes:
    return tag + _PACK_LENGTH(len(data)) + data


def _feed(write, value: Any, nested: Nested) -> None:
    kind = type(value)
    if kind is float:
        write(_PACK_REAL(b"R", value + 0.0))
    elif value is None:
        write(b"N")
    elif kind is np.ndarray:
        _array(write, value)
    elif kind is str:
        write(_tagged(b"S", value.encode("utf-8", "surrogatepass")))
    elif kind is tuple or kind is list:
        write(b"L" + _PACK_LENGTH(len(value)))
        for item in value:
            _feed(write, item, nested)
    elif kind is int:
        write(_tagged(b"I", str(value).encode()))
    elif kind is bool:
        write(b"T" if value else b"F")
    else:
        _feed_other(write, value, nested)


def _feed_other(write, value: Any, nested: Nested) -> None:
    own = nested(value)
    if own is not None:
        write(_tagged(b"D", own))
    elif isinstance(value, (bool, np.bool_)):
        write(b"T" if value else b"F")
    elif isinstance(value, (int, np.integer)):
        write(_tagged(b"I", str(int(value)).encode()))
    elif isinstance(value, (float, np.floating)):
        write(_PACK_REAL(b"R", float(value) + 0.0))
    elif isinstance(value, str):
        write(_tagged(b"S", value.encode("utf-8", "surrogatepass")))
    elif isinstance(value, np.ndarray):
        _array(write, value)
    elif isinstance(value, (tuple, list)):
        write(b"L" + _PACK_LENGTH(len(value)))
        for item in value:
            _feed(write, item, nested)
    elif isinstance(value, Mapping):
        write(b"M" + _PACK_LENGTH(len(value)))
        for key in sorted(value, key=repr):
            _feed(write, key, nested)
            _feed(write, value[key], nested)
    elif attrs.has(type(value)):
        head, names, tagged = _compared(type(value))
        write(head)
        for name, tag in zip(names, tagged):
            write(tag)
            _feed(write, getattr(value, name), nested)
    else:
        raise TypeError(f"digest: cannot digest a value of type {type(value).__name__}")


def _array(write, array: np.ndarray) -> None:
    kind = array.dtype.kind
    if kind == "O":
        raise TypeError("digest: cannot digest an array of Python objects")
    if kind == "U":
        write(b"U" + _shape_header(array.ndim + 1)(array.ndim, *array.shape))
        for item in array.reshape(-1).tolist():
            write(_tagged(b"S", item.encode("utf-8", "surrogatepass")))
        return
    if kind in "fc":
        array = array + 0.0  # -0.0 + 0.0 is 0.0; a Python float keeps the array's dtype
    if array.dtype.byteorder == ">":
        array = array.astype(array.dtype.newbyteorder("<"))
    data = array if array.flags.c_contiguous else np.ascontiguousarray(array)
    write(_dtype_header(data.dtype.str) + _shape_header(data.ndim + 2)(data.ndim, *data.shape, data.nbytes))
    if data.nbytes > _LARGE:
        write(data.reshape(-1).view(np.uint8).data)
    elif data.size:
        write(data.tobytes())


@functools.lru_cache(maxsize=None)
def _dtype_header(name: str) -> bytes:
    return _tagged(b"X", name.encode())


@functools.lru_cache(maxsize=None)
def _shape_header(count: int):
    return struct.Struct(f"<{count}Q").pack
