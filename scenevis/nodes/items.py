"""Per-item metadata and item selection: what ``meta=``, ``filter`` and ``restyle`` work on.

Layer 2. A shape node's ``meta`` maps keys to read-only 1-D arrays of one value per item:
numbers (int64 or float64), booleans, or strings (numpy ``str_``). Predicates given to
``Scene.filter`` and ``Scene.restyle`` receive that mapping and return one boolean per item.
"""
from __future__ import annotations

import re
from typing import Any, Callable, Mapping, Optional

import numpy as np

from scenevis._arrays import as_numpy, frozen

__all__ = ["ItemMeta", "EMPTY_META", "item_meta", "check_meta", "with_title", "selection", "ragged_take"]


class ItemMeta(Mapping):
    """A read-only mapping of key to a read-only 1-D array of one value per item.

    Equal when the keys match (in any order) and, per key, the dtype kinds and values do."""

    __slots__ = ("_columns",)

    def __init__(self, columns: dict) -> None:
        self._columns = columns

    def __getitem__(self, key: str) -> np.ndarray:
        return self._columns[key]

    def __iter__(self):
        return iter(self._columns)

    def __len__(self) -> int:
        return len(self._columns)

    def __eq__(self, other: Any) -> bool:
        if self is other:
            return True
        if not isinstance(other, ItemMeta):
            return NotImplemented
        a, b = self._columns, other._columns
        return a.keys() == b.keys() and all(
            a[k].dtype.kind == b[k].dtype.kind and np.array_equal(a[k], b[k]) for k in a)

    __hash__ = None

    def __reduce__(self):
        """Unpickling converts again, so the arrays come back read-only."""
        return (item_meta, (dict(self._columns),))

    def __repr__(self) -> str:
        return "ItemMeta({" + ", ".join(f"{k!r}: {v!r}" for k, v in self._columns.items()) + "})"

    def take(self, index: np.ndarray) -> "ItemMeta":
        """The values of items ``index`` (an int array), in that order."""
        if not self._columns:
            return self
        out = {}
        for key, column in self._columns.items():
            taken = column[index]
            taken.flags.writeable = False
            out[key] = taken
        return ItemMeta(out)


#: The metadata of a node without any: shared, so a node without metadata costs nothing more.
EMPTY_META = ItemMeta({})

#: Metadata keys: they become ``data-<key>`` attributes in SVG, so letters, digits, ``_`` and ``-``.
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")


def _values(key: str, value: Any) -> np.ndarray:
    name = f"meta[{key!r}]"
    if isinstance(value, (str, bytes)) or np.ndim(value) == 0 and not isinstance(value, (list, tuple)):
        raise TypeError(f"{name}: expected a sequence of values (one per item), got {type(value).__name__}")
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, str) for v in value):
        array = np.asarray(value, np.str_)
    elif isinstance(value, np.ndarray) and value.dtype.kind == "U":
        array = value
    else:
        array = as_numpy(value, name)
    if array.ndim != 1:
        raise ValueError(f"{name}: expected a 1-D sequence (one value per item), got shape {array.shape}")
    kind = array.dtype.kind
    dtype = {"b": np.bool_, "i": np.int64, "u": np.int64, "f": np.float64}.get(kind)
    if kind == "U":
        dtype = array.dtype
    elif dtype is None:
        raise TypeError(f"{name}: expected numbers, booleans or strings, got dtype {array.dtype}")
    if kind == "u" and array.size and array.max() > np.iinfo(np.int64).max:
        raise ValueError(f"{name}: expected integers below 2**63, got {array.max()}")
    return frozen(array, dtype)


def item_meta(value: Any) -> ItemMeta:
    """The ``meta`` field's converter: a dict of key -> sequence as an :class:`ItemMeta`.

    Lengths are checked against the item count by the node (:func:`check_meta`)."""
    if value is None:
        return EMPTY_META
    if isinstance(value, ItemMeta):
        return value
    if not isinstance(value, Mapping):
        raise TypeError(f"meta: expected a dict of key -> sequence (one value per item), got {type(value).__name__}")
    if not value:
        return EMPTY_META
    out = {}
    for key, column in value.items():
        if not isinstance(key, str) or not _KEY.match(key):
            raise ValueError(f"meta: expected keys of letters, digits, '_' and '-' starting with a letter or '_', "
                             f"got {key!r}")
        out[key] = _values(key, column)
    return ItemMeta(out)


def check_meta(meta: ItemMeta, n: int, owner: str) -> None:
    for key, column in meta.items():
        if len(column) != n:
            raise ValueError(f"meta[{key!r}]: expected {n} values (one per item of {owner}), got {len(column)}")


def with_title(meta: Any, title: Any) -> Any:
    """``meta`` with ``title`` (one string per item, or None) under the key ``'title'``."""
    if title is None:
        return meta
    if meta is not None and not isinstance(meta, Mapping):
        raise TypeError(f"meta: expected a dict of key -> sequence (one value per item), got {type(meta).__name__}")
    if meta is not None and "title" in meta:
        raise ValueError("title: given both as title= and as meta['title']; pass one of them")
    titles = [title] if isinstance(title, str) else title
    if not isinstance(titles, (list, tuple, np.ndarray)) or not all(isinstance(t, str) for t in titles):
        raise TypeError(f"title: expected a string per item, got {type(title).__name__}")
    return {**(meta or {}), "title": list(titles)}


def selection(predicate: Callable, meta: ItemMeta, n: int, owner: str) -> Optional[np.ndarray]:
    """``predicate(meta)`` as an (n,) bool array, or None when ``meta`` lacks a key the
    predicate reads (it raised ``KeyError``)."""
    try:
        chosen = predicate(meta)
    except KeyError:
        return None
    array = np.asarray(chosen)
    if array.dtype != np.bool_:
        raise TypeError(f"predicate: expected a boolean array (one value per item), got "
                        f"{type(chosen).__name__} of dtype {array.dtype} for {owner}; compare, e.g. "
                        "m['score'] > 0.5")
    if array.ndim == 0:
        return np.full(n, bool(array))
    if array.shape != (n,):
        raise ValueError(f"predicate: expected {n} booleans (one per item of {owner}), got shape {array.shape}")
    return array


def ragged_take(offsets: np.ndarray, index: np.ndarray) -> tuple:
    """``(rows, offsets)``: for ragged items stored flat (item i is rows ``offsets[i]`` to
    ``offsets[i + 1]``), the flat rows of items ``index`` in order and their new offsets."""
    starts = offsets[index]
    sizes = offsets[index + 1] - starts
    new = np.zeros(len(index) + 1, np.int64)
    np.cumsum(sizes, out=new[1:])
    rows = np.repeat(starts - new[:-1], sizes) + np.arange(new[-1], dtype=np.int64)
    return rows, new
