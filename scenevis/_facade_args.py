"""Argument mapping for the ``Visualizer.draw_*`` methods.

Layer 7, beside the facade it serves: maps MMEngine-style arguments (single values or
per-item lists, sizes in matplotlib points, matplotlib bbox dicts and font properties)
onto what the scene nodes take (per-item arrays, sizes in pixels, RGBA colors). It checks
nothing the nodes check: numbers, coordinates and colors go through the one check of
each in :mod:`scenevis._arrays` and :mod:`scenevis.colors`.

Rules shared by every method:

- A per-item argument is one value (used for every item) or a list with one value per
  item. A list longer than the number of items is cut to it (MMEngine does the same); a
  shorter one (other than a single value) is a ``ValueError``.
- Where MMEngine checks list lengths (the per-text arguments of ``draw_texts``, the
  ``colors`` of ``draw_binary_masks``), a list must hold a value for every item, as there
  (:func:`one_per_item`): a one-value list for several texts is refused.
- Sizes given in points (line widths, font sizes, bbox pads) become pixels with
  ``dpi / 72`` pixels per point; MMEngine draws on a 100 dpi figure, so 2 pt is 2.78 px.
"""
from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from typing import Any, List, Optional

import numpy as np

from scenevis._arrays import number, numbers
from scenevis.colors import color_array, is_one_color
from scenevis.style import DASHES

__all__ = [
    "GENERIC_FAMILIES", "count_list", "one_per_item", "per_item_numbers", "per_item_colors", "strings_for",
    "line_styles", "alignments", "text_bboxes", "font_family_of", "outside",
]

#: matplotlib's generic family names and the fonts matplotlib resolves them to here.
GENERIC_FAMILIES = {
    "sans-serif": "DejaVu Sans", "sans": "DejaVu Sans", "serif": "DejaVu Serif",
    "monospace": "DejaVu Sans Mono", "cursive": "DejaVu Sans", "fantasy": "DejaVu Sans",
}
_NO_LINE = ("none", "None", " ", "")
_VALIGN = {"top": "top", "center": "center", "center_baseline": "center", "bottom": "bottom", "baseline": "baseline"}
_HALIGN = ("left", "center", "right")


def count_list(value: list, n: int, name: str) -> list:
    """``value`` cut to ``n`` items; a list of 1 or at least ``n`` items is accepted."""
    if len(value) == 1 or len(value) == n:
        return value
    if len(value) > n:
        return value[:n]
    raise ValueError(f"{name}: expected one value or {n} values (one per item), got {len(value)}")


def one_per_item(value: Any, n: int, name: str, single: bool = False) -> None:
    """MMEngine's length check where it makes one: ``value`` given as a list (or tuple or
    array) must hold at least ``n`` values, one per item; one value not in a list (or
    ``single``, a value spelled as a sequence such as an RGB tuple) applies to all."""
    if single or not isinstance(value, (list, tuple, np.ndarray)) or isinstance(value, np.ndarray) and value.ndim == 0:
        return
    if len(value) < n:
        raise ValueError(f"{name}: expected a list of at least {n} values (one per item), got {len(value)}; "
                         "pass a single value, not in a list, to use it for every item")


def per_item_numbers(value: Any, n: int, name: str, low: float = -math.inf, high: float = math.inf) -> np.ndarray:
    """1 or ``n`` numbers (MMEngine cuts a longer list to ``n``), checked by
    :func:`scenevis._arrays.numbers`; a count other than 1 or ``n`` is left to the node."""
    array = numbers(value, name, low, high)
    if array.size == 0:
        raise ValueError(f"{name}: expected one value or {n} values, got none")
    return array[:n] if len(array) > max(n, 1) else array


def per_item_colors(value: Any, n: int, name: str) -> np.ndarray:
    """1 or ``n`` RGBA colors by :func:`scenevis.colors.color_array` (MMEngine cuts a
    longer list of colors to ``n``)."""
    if isinstance(value, (list, tuple, np.ndarray)) and len(value) > max(n, 1) and not is_one_color(value):
        value = value[:n]
    return color_array(value, n, name)


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


#: Parsed bbox dicts a caller's cache keeps (cleared when full).
BBOX_CACHE_SIZE = 1024
_NO_BOX = (np.zeros(4, np.uint8), np.zeros(4, np.uint8), 0.0, frozenset())


def text_bboxes(value: Any, n: int, sizes_pt: np.ndarray, px_per_pt: float, cache: Optional[dict] = None):
    """Per-item (background RGBA, edge RGBA, pad px) arrays from MMEngine's ``bboxes`` dicts.

    matplotlib's semantics: ``facecolor`` defaults to matplotlib's patch color 'C0'
    (#1f77b4) and ``edgecolor`` to black (``color`` sets both); numeric colors follow the
    one channel rule of :mod:`scenevis.colors` (matplotlib's 0-1 floats read as they do
    there, 0-255 integers as everywhere else in scenevis); ``alpha`` multiplies
    both; ``pad`` is in points (default 4), and matplotlib rounds ``pad / font size`` to
    two decimals before scaling it back by the font size (with a ``boxstyle`` the pad is
    a fraction of the font size, default 0.3). Items whose entry is ``None`` get no box.
    Returns ``None`` when ``value`` is ``None``. ``cache`` (the visualizer's own dict)
    keeps parsed dicts across calls: a detector draws the same few label-box dicts (one
    per class) on every image, and parsing them is most of this function's time.
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
            found = None if key is None or cache is None else cache.get(key)
            if found is None:
                found = _one_bbox(item, size, px_per_pt, i)
                if key is not None and cache is not None:
                    if len(cache) >= BBOX_CACHE_SIZE:
                        cache.clear()
                    cache[key] = found
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
    alpha = 1.0 if alpha is None else number(alpha, f"bboxes[{i}]['alpha']", 0.0, 1.0)
    base = item.get("color")
    fill = item.get("facecolor", item.get("fc", base if base is not None else "#1f77b4"))
    stroke = item.get("edgecolor", item.get("ec", base if base is not None else "black"))
    if item.get("fill", True) is False:
        fill = "none"
    face = color_array(fill, 1, f"bboxes[{i}]['facecolor']")[0].copy()
    edge = color_array(stroke, 1, f"bboxes[{i}]['edgecolor']")[0].copy()
    face[3] = round(face[3] * alpha)
    edge[3] = round(edge[3] * alpha)
    face.flags.writeable = edge.flags.writeable = False  # shared through the cache
    return face, edge, _pad_px(item.get("pad"), size_pt, boxstyle, px_per_pt, i), frozenset(ignored)


def _pad_px(pad: Any, size_pt: float, boxstyle: Any, px_per_pt: float, i: int) -> float:
    if boxstyle is not None:  # with a boxstyle, matplotlib's pad is a fraction of the font size
        fraction = 0.3 if pad is None else number(pad, f"bboxes[{i}]['pad']", 0.0)
    else:
        points = 4.0 if pad is None else number(pad, f"bboxes[{i}]['pad']", 0.0)
        fraction = round(points / size_pt, 2) if size_pt > 0 else 0.0
    return fraction * size_pt * px_per_pt


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
