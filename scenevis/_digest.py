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
import operator
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
    if max(map(len, parts)) <= _LARGE:
        return hashlib.sha256(b"".join(parts)).digest()
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
        found: list = []
        for value in _fields(type(node))[3](node):
            if type(value) not in _LEAVES:
                _collect(value, node_type, found)
        pending = [inner for inner in found if known(inner) is None]
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


#: Types whose values hold no node (``tree_digest`` does not look inside them).
_LEAVES = frozenset({float, int, bool, str, type(None), np.ndarray})


@functools.lru_cache(maxsize=None)
def _fields(kind: type) -> tuple:
    """What an attrs class's canonical form is built from, worked out once per class:
    its tagged name, each compared field's tagged name, the same followed by ``None``'s
    form, and a function returning the compared fields' values as a tuple."""
    names = tuple(field.name for field in attrs.fields(kind) if field.eq)
    tagged = tuple(_tagged(b"f", name.encode()) for name in names)
    values = operator.attrgetter(*names) if len(names) > 1 else _as_tuple(names)
    return _tagged(b"A", kind.__qualname__.encode()), tagged, tuple(tag + b"N" for tag in tagged), values


def _as_tuple(names: tuple):
    """The values of at most one field as a tuple (what ``attrgetter`` gives for several)."""
    get = operator.attrgetter(*names) if names else None
    return lambda value: (get(value),) if get else ()


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
            if type(item) is np.ndarray:
                _array(write, item)
            else:
                _feed(write, item, nested)
    elif kind is int:
        write(_tagged(b"I", str(value).encode()))
    elif kind is bool:
        write(b"T" if value else b"F")
    else:
        own = nested(value)
        if own is not None:
            write(_tagged(b"D", own))
        else:
            (_OTHERS.get(kind) or _other(kind))(write, value, nested)


def _other(kind: type):
    """How a value of a type ``_feed`` does not take directly is written (after ``nested``
    declined it), chosen once per type."""
    if issubclass(kind, (bool, np.bool_)):
        writer = _write_bool
    elif issubclass(kind, (int, np.integer)):
        writer = _write_int
    elif issubclass(kind, (float, np.floating)):
        writer = _write_float
    elif issubclass(kind, str):
        writer = _write_str
    elif issubclass(kind, np.ndarray):
        writer = _write_array
    elif issubclass(kind, (tuple, list)):
        writer = _write_sequence
    elif issubclass(kind, Mapping):
        writer = _write_mapping
    elif attrs.has(kind):
        writer = _write_attrs
    else:
        raise TypeError(f"digest: cannot digest a value of type {kind.__name__}")
    _OTHERS[kind] = writer
    return writer


def _write_bool(write, value: Any, nested: Nested) -> None:
    write(b"T" if value else b"F")


def _write_int(write, value: Any, nested: Nested) -> None:
    write(_tagged(b"I", str(int(value)).encode()))


def _write_float(write, value: Any, nested: Nested) -> None:
    write(_PACK_REAL(b"R", float(value) + 0.0))


def _write_str(write, value: Any, nested: Nested) -> None:
    write(_tagged(b"S", value.encode("utf-8", "surrogatepass")))


def _write_array(write, value: Any, nested: Nested) -> None:
    _array(write, value)


def _write_sequence(write, value: Any, nested: Nested) -> None:
    write(b"L" + _PACK_LENGTH(len(value)))
    for item in value:
        _feed(write, item, nested)


def _write_mapping(write, value: Any, nested: Nested) -> None:
    write(b"M" + _PACK_LENGTH(len(value)))
    for key in sorted(value, key=repr):
        if type(key) is str:
            write(_tagged(b"S", key.encode("utf-8", "surrogatepass")))
        else:
            _feed(write, key, nested)
        item = value[key]
        if type(item) is np.ndarray:
            _array(write, item)
        else:
            _feed(write, item, nested)


def _write_attrs(write, value: Any, nested: Nested) -> None:
    head, tagged, unset, values = _fields(type(value))
    write(head)
    for tag, none, item in zip(tagged, unset, values(value)):
        kind = type(item)
        if item is None:
            write(none)
        elif kind is float:
            write(tag + _PACK_REAL(b"R", item + 0.0))
        elif kind is np.ndarray:
            write(tag)
            _array(write, item)
        else:
            write(tag)
            _feed(write, item, nested)


_OTHERS: dict = {}


def _array(write, array: np.ndarray) -> None:
    kind, swapped, header = _DTYPES.get(array.dtype) or _dtype(array.dtype)
    if kind == "U":
        write(b"U" + _shape_header(array.ndim + 1)(array.ndim, *array.shape))
        for item in array.reshape(-1).tolist():
            write(_tagged(b"S", item.encode("utf-8", "surrogatepass")))
        return
    if kind in "fc":
        array = array + 0.0  # -0.0 + 0.0 is 0.0; a Python float keeps the array's dtype
    if swapped:
        array = array.astype(array.dtype.newbyteorder("<"))
    data = array if array.flags.c_contiguous else np.ascontiguousarray(array)
    write(header + _shape_header(data.ndim + 2)(data.ndim, *data.shape, data.nbytes))
    if data.nbytes > _LARGE:
        write(data.reshape(-1).view(np.uint8).data)
    elif data.size:
        write(data.tobytes())


def _dtype(dtype: np.dtype) -> tuple:
    """An array dtype's kind, whether it is big-endian and the canonical form's header for
    it (that of its little-endian twin), worked out once per dtype."""
    if dtype.kind == "O":
        raise TypeError("digest: cannot digest an array of Python objects")
    swapped = dtype.byteorder == ">"
    found = _DTYPES[dtype] = dtype.kind, swapped, _tagged(b"X", (dtype.newbyteorder("<") if swapped else dtype).str.encode())
    return found


_DTYPES: dict = {}


@functools.lru_cache(maxsize=None)
def _shape_header(count: int):
    return struct.Struct(f"<{count}Q").pack
