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

import hashlib
import struct
from collections.abc import Mapping
from typing import Any, Callable, Optional

import attrs
import numpy as np

__all__ = ["content_digest", "tree_digest", "nodes_in"]

Nested = Callable[[Any], Optional[bytes]]

_PACK_LENGTH = struct.Struct("<Q").pack
_PACK_FLOAT = struct.Struct("<d").pack


def content_digest(value: Any, nested: Nested) -> bytes:
    """The 32-byte SHA-256 digest of ``value``'s canonical form (see the module docstring).

    ``nested(item)`` returns the digest to use for an item that has its own (a child
    scene, computed before) or ``None`` to read the item by its type.
    """
    hasher = hashlib.sha256()
    _feed(hasher.update, value, nested)
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
        pending = [inner for field in attrs.fields(type(node)) if field.eq
                   for inner in nodes_in(getattr(node, field.name), node_type) if known(inner) is None]
        if pending:
            stack.extend(pending)
            continue
        stack.pop()
        object.__setattr__(node, "_content_digest", content_digest(node, known))
    return root._content_digest


def nodes_in(value: Any, node_type: type):
    """The ``node_type`` instances held in a field value: the value itself, or inside tuples, lists and mappings."""
    if isinstance(value, node_type):
        yield value
    elif isinstance(value, (tuple, list)):
        for item in value:
            yield from nodes_in(item, node_type)
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from nodes_in(item, node_type)


def _bytes(write, tag: bytes, data: bytes) -> None:
    write(tag)
    write(_PACK_LENGTH(len(data)))
    write(data)


def _feed(write, value: Any, nested: Nested) -> None:
    own = nested(value)
    if own is not None:
        _bytes(write, b"D", own)
    elif value is None:
        write(b"N")
    elif isinstance(value, (bool, np.bool_)):
        write(b"T" if value else b"F")
    elif isinstance(value, (int, np.integer)):
        _bytes(write, b"I", str(int(value)).encode())
    elif isinstance(value, (float, np.floating)):
        write(b"R")
        write(_PACK_FLOAT(float(value) + 0.0))
    elif isinstance(value, str):
        _bytes(write, b"S", value.encode("utf-8", "surrogatepass"))
    elif isinstance(value, np.ndarray):
        _array(write, value)
    elif isinstance(value, (tuple, list)):
        write(b"L")
        write(_PACK_LENGTH(len(value)))
        for item in value:
            _feed(write, item, nested)
    elif isinstance(value, Mapping):
        write(b"M")
        write(_PACK_LENGTH(len(value)))
        for key in sorted(value, key=repr):
            _feed(write, key, nested)
            _feed(write, value[key], nested)
    elif attrs.has(type(value)):
        _bytes(write, b"A", type(value).__qualname__.encode())
        for field in attrs.fields(type(value)):
            if field.eq:
                _bytes(write, b"f", field.name.encode())
                _feed(write, getattr(value, field.name), nested)
    else:
        raise TypeError(f"digest: cannot digest a value of type {type(value).__name__}")


def _array(write, array: np.ndarray) -> None:
    if array.dtype.kind == "O":
        raise TypeError("digest: cannot digest an array of Python objects")
    if array.dtype.kind == "U":
        write(b"U")
        write(_PACK_LENGTH(array.ndim))
        for size in array.shape:
            write(_PACK_LENGTH(size))
        for item in array.reshape(-1).tolist():
            _bytes(write, b"S", item.encode("utf-8", "surrogatepass"))
        return
    if array.dtype.kind in "fc":
        array = array + array.dtype.type(0)  # -0.0 + 0.0 is 0.0
    dtype = array.dtype.newbyteorder("<") if array.dtype.byteorder == ">" else array.dtype
    _bytes(write, b"X", dtype.str.encode())
    write(_PACK_LENGTH(array.ndim))
    for size in array.shape:
        write(_PACK_LENGTH(size))
    data = np.ascontiguousarray(array, dtype=dtype)
    write(_PACK_LENGTH(data.nbytes))
    write(data.data if data.size else b"")
