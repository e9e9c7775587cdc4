"""Vector shape nodes: boxes, points, circles, polylines and polygons.

Layer 2. Ragged items (polylines, polygons with holes) are stored flat with offset arrays,
so 5,000 polygons are a handful of arrays, not 5,000 objects.
"""
from __future__ import annotations

from typing import Any

import attrs
import numpy as np

from scenevis._arrays import array_field, as_numpy, coords, frozen
from scenevis.nodes.base import Shape, class_style, offsets, radii, style_field
from scenevis.nodes.items import ragged_take, with_title
from scenevis.style import Style

__all__ = ["Boxes", "Points", "Circles", "Lines", "Polygons", "boxes", "points", "circles", "lines", "polygons",
           "MAX_POLYGON_POINTS"]

#: Most points one polygon (outline and holes) may have: the renderer draws one of this size
#: that crosses itself everywhere in about a second.
MAX_POLYGON_POINTS = 500_000


def _boxes(value: Any) -> np.ndarray:
    array = coords(value, "boxes", (None, 4), (4,), columns=4)
    bad = np.flatnonzero((array[:, 2] < array[:, 0]) | (array[:, 3] < array[:, 1]))
    if len(bad):
        raise ValueError(f"boxes: expected x1 <= x2 and y1 <= y2 (xyxy), got {array[bad[0]].tolist()} at index {bad[0]}")
    return array


@attrs.frozen
class Boxes(Shape):
    """Axis-aligned rectangles, (N, 4) ``x1, y1, x2, y2`` in pixels."""

    ITEMS = ("xyxy",)

    xyxy: np.ndarray = array_field(converter=_boxes)
    style: Style = style_field()

    @classmethod
    def from_xywh(cls, xywh: Any, style: Style = Style()) -> "Boxes":
        """From (N, 4) ``x, y, width, height`` (top-left corner and size)."""
        array = coords(xywh, "xywh", (None, 4), (4,), columns=4)
        bad = np.flatnonzero((array[:, 2:] < 0).any(axis=1))
        if len(bad):
            raise ValueError(f"xywh: expected width and height >= 0, got {array[bad[0]].tolist()} at index {bad[0]}")
        return cls(np.concatenate([array[:, :2], array[:, :2] + array[:, 2:]], axis=1), style)

    @property
    def count(self) -> int:
        return len(self.xyxy)


@attrs.frozen
class Points(Shape):
    """Filled dots at (N, 2) centers with radius in pixels (one value or one per point)."""

    PER_ITEM = ("radius",)
    ITEMS = ("xy",)

    xy: np.ndarray = array_field(converter=lambda v: coords(v, "points", (None, 2), (2,), columns=2))
    radius: np.ndarray = array_field(default=3.0, converter=radii("radius"))
    style: Style = style_field()

    @property
    def count(self) -> int:
        return len(self.xy)


@attrs.frozen
class Circles(Shape):
    """Circles at (N, 2) centers with radii in pixels, stroked and optionally filled."""

    PER_ITEM = ("radii",)
    ITEMS = ("centers",)

    centers: np.ndarray = array_field(converter=lambda v: coords(v, "centers", (None, 2), (2,), columns=2))
    radii: np.ndarray = array_field(converter=radii("radii"))

    style: Style = style_field()

    @property
    def count(self) -> int:
        return len(self.centers)


def _flatten_paths(value: Any, name: str, min_points: int) -> tuple[np.ndarray, np.ndarray]:
    """(points, offsets) from an (N, M, 2) array or a sequence of (M_i, 2) arrays."""
    if isinstance(value, np.ndarray) or hasattr(value, "detach"):
        array = coords(value, name, (None, None, 2))
        items = list(array)
    elif isinstance(value, (list, tuple)):
        items = [coords(item, f"{name}[{i}]", (None, 2)) for i, item in enumerate(value)]
    else:
        raise TypeError(f"{name}: expected an (N, M, 2) array or a list of (M, 2) arrays, got {type(value).__name__}")
    for i, item in enumerate(items):
        if len(item) < min_points:
            raise ValueError(f"{name}[{i}]: expected at least {min_points} points, got {len(item)}")
    sizes = [len(item) for item in items]
    points = np.concatenate(items) if items else np.zeros((0, 2))
    return frozen(points, np.float64), offsets(np.concatenate([[0], np.cumsum(sizes)]))


@attrs.frozen
class Lines(Shape):
    """N open polylines stored flat: item i is ``points[offsets[i]:offsets[i + 1]]``."""

    points: np.ndarray = array_field(converter=lambda v: coords(v, "points", (None, 2)))
    offsets: np.ndarray = array_field(converter=offsets)
    style: Style = style_field()

    @classmethod
    def from_paths(cls, paths: Any, style: Style = Style()) -> "Lines":
        """From an (N, 2, 2) array of segments, an (N, M, 2) array, or a list of (M_i, 2)."""
        return cls(*_flatten_paths(paths, "lines", 2), style=style)

    @property
    def count(self) -> int:
        return len(self.offsets) - 1

    def _take_items(self, index: np.ndarray) -> dict:
        rows, new = ragged_take(self.offsets, index)
        return {"points": _readonly(self.points[rows]), "offsets": _readonly(new)}


@attrs.frozen
class Polygons(Shape):
    """N filled polygons with holes, stored flat.

    Ring r is ``points[rings[r]:rings[r + 1]]``; polygon i is rings ``polys[i]`` to
    ``polys[i + 1]``, the first its outline and the rest holes (even-odd fill).
    """

    points: np.ndarray = array_field(converter=lambda v: coords(v, "points", (None, 2)))
    rings: np.ndarray = array_field(converter=offsets)
    polys: np.ndarray = array_field(converter=offsets)
    style: Style = style_field()

    @classmethod
    def from_rings(cls, polygons: Any, style: Style = Style()) -> "Polygons":
        """From a list whose items are an (M, 2) ring or a list of rings (outline, holes...)."""
        if not isinstance(polygons, (list, tuple)) and not isinstance(polygons, np.ndarray):
            raise TypeError(f"polygons: expected a list of (M, 2) rings, got {type(polygons).__name__}")
        rings, counts = [], []
        for item in polygons:
            nested = isinstance(item, (list, tuple)) and len(item) > 0 and np.ndim(as_numpy(item[0], "ring")) == 2
            group = list(item) if nested else [item]
            rings.extend(group)
            counts.append(len(group))
        points, ring_offsets = _flatten_paths(rings, "polygons", 3)
        return cls(points, ring_offsets, np.concatenate([[0], np.cumsum(counts)]).astype(np.int64), style)

    def __attrs_post_init__(self) -> None:
        super().__attrs_post_init__()
        sizes = self.rings[self.polys[1:]] - self.rings[self.polys[:-1]]
        if len(sizes) and sizes.max() > MAX_POLYGON_POINTS:
            i = int(sizes.argmax())
            raise ValueError(f"polygons[{i}]: expected at most {MAX_POLYGON_POINTS:,} points per polygon, got "
                             f"{int(sizes[i]):,}; simplify it (e.g. keep every k-th point) or split it")

    @property
    def count(self) -> int:
        return len(self.polys) - 1

    def _take_items(self, index: np.ndarray) -> dict:
        ring_index, polys = ragged_take(self.polys, index)
        rows, rings = ragged_take(self.rings, ring_index)
        return {"points": _readonly(self.points[rows]), "rings": _readonly(rings), "polys": _readonly(polys)}


def _readonly(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


def boxes(xyxy: Any, *, color: Any = None, fill: Any = None, alpha: Any = None, width: Any = None,
          dash: Any = None, class_ids: Any = None, meta: Any = None, title: Any = None) -> Boxes:
    """Rectangles from an (N, 4) xyxy array; ``class_ids`` colors them by the default palette.

    Every module function takes ``meta={"key": one value per item}`` (numbers, booleans or
    strings; see :meth:`scenevis.Scene.filter`) and ``title=`` (one string per item: the
    tooltip of each item in SVG, stored as ``meta['title']``)."""
    node = Boxes(xyxy)
    return node.replace(style=class_style(node.count, class_ids, color, fill=fill, alpha=alpha, width=width, dash=dash),
                        meta=with_title(meta, title))


def points(xy: Any, *, radius: Any = 3.0, color: Any = None, alpha: Any = None, class_ids: Any = None,
           meta: Any = None, title: Any = None) -> Points:
    node = Points(xy, radius)
    return node.replace(style=class_style(node.count, class_ids, color, alpha=alpha), meta=with_title(meta, title))


def lines(paths: Any, *, color: Any = None, alpha: Any = None, width: Any = None, dash: Any = None,
          class_ids: Any = None, meta: Any = None, title: Any = None) -> Lines:
    """Polylines from an (N, 2, 2) array of segments, an (N, M, 2) array or a list of (M_i, 2)."""
    node = Lines.from_paths(paths)
    return node.replace(style=class_style(node.count, class_ids, color, alpha=alpha, width=width, dash=dash),
                        meta=with_title(meta, title))


def circles(centers: Any, radii: Any, *, color: Any = None, fill: Any = None, alpha: Any = None,
            width: Any = None, dash: Any = None, class_ids: Any = None, meta: Any = None, title: Any = None) -> Circles:
    node = Circles(centers, radii)
    return node.replace(style=class_style(node.count, class_ids, color, fill=fill, alpha=alpha, width=width, dash=dash),
                        meta=with_title(meta, title))


def polygons(rings: Any, *, color: Any = None, fill: Any = None, alpha: Any = None, width: Any = None,
             dash: Any = None, class_ids: Any = None, meta: Any = None, title: Any = None) -> Polygons:
    """Polygons from a list of (M, 2) rings, or of lists ``[outline, hole, ...]``."""
    node = Polygons.from_rings(rings)
    return node.replace(style=class_style(node.count, class_ids, color, fill=fill, alpha=alpha, width=width, dash=dash),
                        meta=with_title(meta, title))
