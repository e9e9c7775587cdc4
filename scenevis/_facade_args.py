"""Argument normalization for the ``Visualizer.draw_*`` methods.

Layer 7, beside the facade it serves: turns MMEngine-style arguments (single values or
per-item lists, sizes in matplotlib points, matplotlib color names, numpy arrays, tensors
and plain lists) into what the scene nodes take (per-item arrays, sizes in pixels, RGBA
colors).

Rules shared by every method:

- A per-item argument is one value (used for every item) or a list with one value per
  item. A list longer than the number of items is cut to it (MMEngine does the same); a
  shorter one (other than a single value) is a ``ValueError``.
- Sizes given in points (line widths, font sizes, bbox pads) become pixels with
  ``dpi / 72`` pixels per point; MMEngine draws on a 100 dpi figure, so 2 pt is 2.78 px.
"""
from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Mapping
from typing import Any, List, Optional, Sequence

import numpy as np

from scenevis._arrays import as_numpy, check_finite, check_shape
from scenevis.colors import color_array
from scenevis.style import DASHES

__all__ = [
    "GENERIC_FAMILIES", "geometry", "count_list", "colors_for", "numbers_for", "strings_for",
    "line_styles", "text_bboxes", "font_family_of", "outside",
]

#: matplotlib's generic family names and the fonts matplotlib resolves them to here.
GENERIC_FAMILIES = {
    "sans-serif": "DejaVu Sans", "sans": "DejaVu Sans", "serif": "DejaVu Serif",
    "monospace": "DejaVu Sans Mono", "cursive": "DejaVu Sans", "fantasy": "DejaVu Sans",
}
_NO_LINE = ("none", "None", " ", "")
_VALIGN = {"top": "top", "center": "center", "center_baseline": "center", "bottom": "bottom", "baseline": "baseline"}
_HALIGN = ("left", "center", "right")


def geometry(value: Any, name: str, *shapes: Sequence[Optional[int]]) -> np.ndarray:
    """A float64 coordinate array of one of ``shapes`` (finite), from an array, tensor or list."""
    if isinstance(value, (numbers.Number, np.generic)):
        raise TypeError(f"{name}: expected an array, a tensor or a list, got {type(value).__name__} {value!r}")
    array = as_numpy(value, name)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name}: expected numbers, got dtype {array.dtype}")
    check_shape(array, name, *shapes)
    array = array.astype(np.float64, copy=False)
    check_finite(array, name)
    return array


def count_list(value: list, n: int, name: str) -> list:
    """``value`` cut to ``n`` items; a list of 1 or at least ``n`` items is accepted."""
    if len(value) == 1 or len(value) == n:
        return value
    if len(value) > n:
        return value[:n]
    raise ValueError(f"{name}: expected one value or {n} values (one per item), got {len(value)}")


def colors_for(value: Any, n: int, name: str) -> np.ndarray:
    """(1 or n, 4) uint8 RGBA colors from one color or one color per item.

    Lists of 0-255 tuples are converted as one array; lists of names parse each distinct
    name once (a detector's per-box colors repeat a few class colors)."""
    if isinstance(value, list) and not _looks_single(value):
        value = count_list(value, n, name) if value else value
        if len(value) > 1 and not isinstance(value[0], str):
            try:  # 0-255 (r, g, b) sequences, converted as one array
                array = np.asarray(value)
            except ValueError:  # ragged: item by item below
                array = None
            if array is not None and array.ndim == 2 and array.shape[1] == 3 and array.dtype.kind in "iuf":
                return color_array(array, n, name)
        if len(value) > 1 and all(isinstance(v, str) for v in value):
            table = {text: color_array(text, 1, f"{name}[{value.index(text)}]")[0] for text in set(value)}
            return np.stack([table[text] for text in value])
    elif isinstance(value, np.ndarray) and value.ndim == 2 and len(value) > n:
        value = value[:n]
    return color_array(value, n, name)


def _looks_single(value: list) -> bool:
    return len(value) in (3, 4) and all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in value)


def numbers_for(value: Any, n: int, name: str) -> np.ndarray:
    """A float64 array of 1 or ``n`` finite numbers from a number, list, array or tensor."""
    if isinstance(value, (bool, np.bool_, str, bytes)) or value is None:
        raise TypeError(f"{name}: expected a number or a list of numbers, got {value!r}")
    array = as_numpy(value, name)
    if array.dtype.kind not in "iuf":
        raise TypeError(f"{name}: expected numbers, got dtype {array.dtype}")
    array = array.astype(np.float64, copy=False).reshape(-1)
    check_finite(array, name)
    if array.size == 0:
        raise ValueError(f"{name}: expected one value or {n} values, got none")
    return np.asarray(count_list(list(array), n, name), dtype=np.float64)


def strings_for(value: Any, n: int, name: str) -> List[str]:
    """One string per item from a string or a list of strings."""
    if isinstance(value, str):
        return [value] * max(n, 1)
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"{name}: expected a str or a list of str, got {type(value).__name__}")
    for i, item in enumerate(value):
        if not isinstance(item, str):
            raise TypeError(f"{name}[{i}]: expected a str, got {type(item).__name__}")
    items = count_list(list(value), n, name) if value else []
    if not items and n:
        raise ValueError(f"{name}: expected one value or {n} values, got none")
    return items * n if len(items) == 1 else items


def line_styles(value: Any, n: int) -> tuple[List[str], np.ndarray]:
    """(dash names, visible flags), one for all items or one per item; ``'none'`` hides
    the stroke (width 0)."""
    styles = [value] if isinstance(value, str) else strings_for(value, n, "line_styles")
    visible = np.array([s not in _NO_LINE for s in styles], dtype=bool)
    dashes = []
    for style in styles:
        if style in _NO_LINE:
            dashes.append("-")
        elif style in DASHES:
            dashes.append(style)
        else:
            raise ValueError(f"line_styles: expected one of {sorted(DASHES)} or 'none', got {style!r}")
    return dashes, visible


def alignments(value: Any, n: int, name: str, vertical: bool) -> List[str]:
    """One alignment name per item (vertical ones as the painter names them)."""
    items = [value] if isinstance(value, str) else strings_for(value, n, name)
    allowed = _VALIGN if vertical else dict(zip(_HALIGN, _HALIGN))
    for item in dict.fromkeys(items):  # each distinct name checked once
        if item not in allowed:
            raise ValueError(f"{name}: expected one of {list(allowed)}, got {item!r}")
    out = [allowed[item] for item in items]
    return out * max(n, 1) if isinstance(value, str) else out


_BBOX_KEYS = {"facecolor", "fc", "edgecolor", "ec", "color", "alpha", "pad", "boxstyle", "fill"}
_BBOX_IGNORED = {"linewidth", "lw", "linestyle", "ls", "zorder", "joinstyle", "capstyle", "mutation_scale",
                 "mutation_aspect", "antialiased", "aa", "hatch", "clip_on", "visible"}


# Parsed bbox dicts, across calls: a detector draws the same few label-box dicts (one per
# class) on every image. Bounded; cleared when full.
_BBOX_CACHE: dict = {}
_BBOX_CACHE_SIZE = 1024
_NO_BOX = (np.zeros(4, np.uint8), np.zeros(4, np.uint8), 0.0, frozenset())


def text_bboxes(value: Any, n: int, sizes_pt: np.ndarray, px_per_pt: float):
    """Per-item (background RGBA, edge RGBA, pad px) arrays from MMEngine's ``bboxes`` dicts.

    matplotlib's semantics: ``facecolor`` defaults to matplotlib's patch color 'C0'
    (#1f77b4) and ``edgecolor`` to black (``color`` sets both); ``alpha`` multiplies
    both; ``pad`` is in points (default 4), and matplotlib rounds ``pad / font size`` to
    two decimals before scaling it back by the font size (with a ``boxstyle`` the pad is
    a fraction of the font size, default 0.3). Items whose entry is ``None`` get no box.
    Returns ``None`` when ``value`` is ``None``.
    """
    if value is None:
        return None
    if isinstance(value, Mapping):
        items = [value] * n
    elif isinstance(value, (list, tuple)):
        items = list(value)
        items = count_list(items, n, "bboxes") if items else items
        if len(items) == 1:
            items = items * n
    else:
        raise TypeError(f"bboxes: expected a dict or a list of dicts, got {type(value).__name__}")
    sizes = sizes_pt.tolist()
    distinct: list = [_NO_BOX]  # the (face, edge, pad, ignored) of each distinct dict here
    position: dict = {}  # content key -> index into distinct
    index = [0] * n
    for i, item in enumerate(items[:n]):
        if item is None:
            continue
        if not isinstance(item, Mapping):
            raise TypeError(f"bboxes[{i}]: expected a dict, got {type(item).__name__}")
        size = sizes[i % len(sizes)]
        key = _bbox_key(item, size, px_per_pt)
        at = None if key is None else position.get(key)
        if at is None:
            found = None if key is None else _BBOX_CACHE.get(key)
            if found is None:
                found = _one_bbox(item, size, px_per_pt, i)
                if key is not None:
                    if len(_BBOX_CACHE) >= _BBOX_CACHE_SIZE:
                        _BBOX_CACHE.clear()
                    _BBOX_CACHE[key] = found
            at = len(distinct)
            distinct.append(found)
            if key is not None:
                position[key] = at
        index[i] = at
    ignored = set().union(*(found[3] for found in distinct))
    if ignored:
        warnings.warn(f"bboxes: {sorted(ignored)} are not supported and were ignored (boxes are drawn square)",
                      UserWarning, stacklevel=4)
    face, edge, pad, _ = zip(*distinct)
    index = np.array(index, np.intp)
    return np.array(face)[index], np.array(edge)[index], np.array(pad, np.float64)[index]


def _bbox_key(item: Mapping, size_pt: float, px_per_pt: float) -> Optional[tuple]:
    """A hashable key for a bbox dict's content, or None. Types are part of it: ``1``,
    ``1.0`` and ``True`` are equal keys in Python but not equal arguments here."""
    parts = [size_pt, px_per_pt]
    for k, v in item.items():
        kind = type(v)
        if kind is list or kind is tuple:
            parts += (k, kind, tuple(v), tuple(map(type, v)))
        else:
            parts += (k, kind, v)
    key = tuple(parts)
    try:
        hash(key)
    except TypeError:  # unhashable values (arrays): parsed every time
        return None
    return key


def _one_bbox(item: Mapping, size_pt: float, px_per_pt: float, i: int):
    """(face RGBA, edge RGBA, pad px, ignored keys) of one bbox dict."""
    unknown = set(item) - _BBOX_KEYS - _BBOX_IGNORED
    if unknown:
        raise ValueError(f"bboxes[{i}]: unknown keys {sorted(unknown)}; expected some of {sorted(_BBOX_KEYS)}")
    ignored = set(item) & _BBOX_IGNORED
    boxstyle = item.get("boxstyle")
    if boxstyle is not None and not (isinstance(boxstyle, str) and boxstyle.split(",")[0].strip() == "square"):
        ignored.add(f"boxstyle={boxstyle!r}")
    alpha = item.get("alpha")
    alpha = 1.0 if alpha is None else _unit(alpha, f"bboxes[{i}]['alpha']")
    base = item.get("color")
    fill = item.get("facecolor", item.get("fc", base if base is not None else "#1f77b4"))
    stroke = item.get("edgecolor", item.get("ec", base if base is not None else "black"))
    if item.get("fill", True) is False:
        fill = "none"
    face = mpl_color(fill, f"bboxes[{i}]['facecolor']").copy()
    edge = mpl_color(stroke, f"bboxes[{i}]['edgecolor']").copy()
    face[3] = round(face[3] * alpha)
    edge[3] = round(edge[3] * alpha)
    face.flags.writeable = edge.flags.writeable = False  # shared through the cache
    return face, edge, _pad_px(item.get("pad"), size_pt, boxstyle, px_per_pt, i), frozenset(ignored)


def mpl_color(value: Any, name: str) -> np.ndarray:
    """One RGBA uint8 color from a matplotlib color: a name or hex string, or a tuple of 3
    or 4 floats in [0, 1] (the bbox dicts go to matplotlib unchanged in MMEngine, so
    their numeric colors are matplotlib's 0-1 floats, not MMEngine's 0-255 tuples)."""
    if isinstance(value, (tuple, list, np.ndarray)) and not isinstance(value, str):
        array = np.asarray(value)
        if array.ndim != 1 or len(array) not in (3, 4) or array.dtype.kind not in "iuf":
            raise ValueError(f"{name}: expected a color name or 3 or 4 floats in [0, 1], got {value!r}")
        array = array.astype(np.float64)
        if not np.isfinite(array).all() or array.min() < 0 or array.max() > 1:
            raise ValueError(f"{name}: expected matplotlib RGB(A) floats in [0, 1], got {value!r}")
        rgba = np.ones(4)
        rgba[:len(array)] = array
        return np.rint(rgba * 255).astype(np.uint8)
    return color_array(value, 1, name)[0]


def _pad_px(pad: Any, size_pt: float, boxstyle: Any, px_per_pt: float, i: int) -> float:
    if boxstyle is not None:  # with a boxstyle, matplotlib's pad is a fraction of the font size
        fraction = 0.3 if pad is None else _non_negative(pad, f"bboxes[{i}]['pad']")
    else:
        points = 4.0 if pad is None else _non_negative(pad, f"bboxes[{i}]['pad']")
        fraction = round(points / size_pt, 2) if size_pt > 0 else 0.0
    return fraction * size_pt * px_per_pt


def _number(value: Any, name: str) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.number)):
        raise TypeError(f"{name}: expected a number, got {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{name}: expected a finite number, got {number}")
    return number


def _unit(value: Any, name: str) -> float:
    number = _number(value, name)
    if not 0.0 <= number <= 1.0:
        raise ValueError(f"{name}: expected a value in [0, 1], got {number:g}")
    return number


def _non_negative(value: Any, name: str) -> float:
    number = _number(value, name)
    if number < 0:
        raise ValueError(f"{name}: expected a value >= 0, got {number:g}")
    return number


def unit_interval(value: Any, name: str) -> float:
    """A number in [0, 1] (``TypeError`` for non-numbers, ``ValueError`` out of range)."""
    return _unit(value, name)


def font_family_of(family: Any, prop: Any, i: int) -> str:
    """The Cairo family name for item ``i`` from MMEngine's family name or FontProperties.

    Generic matplotlib names map to the DejaVu fonts matplotlib itself uses. A
    ``FontProperties`` (duck-typed) contributes its family; a font *file* cannot be
    loaded through Cairo's toy API, so its family name is used and fontconfig finds it
    when it is installed (per-character fallback covers CJK text either way).
    """
    if prop is not None:
        get_name = getattr(prop, "get_name", None)
        get_family = getattr(prop, "get_family", None)
        if get_name is None and get_family is None:
            raise TypeError(f"font_properties[{i}]: expected a matplotlib FontProperties, got {type(prop).__name__}")
        name = None
        if getattr(prop, "get_file", lambda: None)() and get_name is not None:
            name = get_name()
        elif get_family is not None:
            families = get_family()
            name = families[0] if isinstance(families, (list, tuple)) and families else families
        if isinstance(name, str) and name:
            family = name
    if not isinstance(family, str) or not family.strip():
        raise TypeError(f"font_families[{i}]: expected a non-empty str, got {family!r}")
    return GENERIC_FAMILIES.get(family, family)


def outside(points: np.ndarray, width: int, height: int) -> bool:
    """Whether any of the (..., 2) points lies outside the image rectangle [0, W] x [0, H]."""
    if points.size == 0:
        return False
    xs, ys = points[..., 0], points[..., 1]
    return bool((xs < 0).any() or (xs > width).any() or (ys < 0).any() or (ys > height).any())
