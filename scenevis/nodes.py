"""Vectorized shape nodes: one node holds N items as arrays.

Layer 2. ``Boxes`` holds an (N, 4) array, ``Masks`` N bool masks each cropped to its
bounding box, ``Texts`` N strings and an (N, 2) array; per-item styles are arrays of
length 1 or N. Ragged items (polylines, polygons with holes) are stored flat with offset
arrays, so 5,000 polygons are a handful of arrays, not 5,000 objects.
"""
from __future__ import annotations

import functools
from typing import Any, Optional, Sequence

import attrs
import numpy as np

from scenevis._arrays import (COORD_LIMIT, array_field, as_numpy, check_finite, check_shape, finite_number, frozen,
                              reduce_through_init)
from scenevis.colors import DEFAULT_PALETTE, color_array
from scenevis.geometry import BBox
from scenevis.scene import Scene
from scenevis.style import Style

__all__ = [
    "Boxes", "Points", "Lines", "Circles", "Polygons", "Masks", "MaskStack", "Texts",
    "boxes", "points", "lines", "circles", "polygons", "masks", "texts",
]


def coords(value: Any, name: str, *shapes: Sequence[Optional[int]], columns: Optional[int] = None) -> np.ndarray:
    """A read-only, finite float64 coordinate array of one of ``shapes``; with ``columns``,
    a single item of shape ``(columns,)`` becomes ``(1, columns)``."""
    array = as_numpy(value, name)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name}: expected numbers, got dtype {array.dtype}")
    check_shape(array, name, *shapes)
    check_finite(array, name)
    if columns is not None and array.ndim == 1:
        array = array.reshape(1, columns)
    array = frozen(array, np.float64)
    if array.size and np.abs(array).max() > COORD_LIMIT:
        raise ValueError(f"{name}: expected values within +-{COORD_LIMIT:,.0f} px, got {np.abs(array).max():g}")
    return array


def _offsets(value: Any) -> np.ndarray:
    return frozen(np.asarray(value), np.int64)


_style_field = functools.partial(attrs.field, factory=Style, validator=attrs.validators.instance_of(Style))


class Shape(Scene):
    """A node of N styled items; subclasses define ``count`` and ``bounds``."""

    __slots__ = ()
    #: Settings this node type uses when neither it nor an enclosing group sets them.
    DEFAULTS = Style()
    #: Fields besides the style that hold one value for all items or one per item.
    PER_ITEM: tuple = ()

    @property
    def count(self) -> int:
        raise NotImplementedError

    def __attrs_post_init__(self) -> None:
        owner, n = type(self).__name__.lower(), self.count
        self.style.check_items(n, owner)
        for name in self.PER_ITEM:
            value = getattr(self, name)
            if value is not None and len(value) not in (1, n):
                raise ValueError(f"{owner}: {name} expected 1 or {n} values, got {len(value)}")


def _boxes(value: Any) -> np.ndarray:
    array = coords(value, "boxes", (None, 4), (4,), columns=4)
    bad = np.flatnonzero((array[:, 2] < array[:, 0]) | (array[:, 3] < array[:, 1]))
    if len(bad):
        raise ValueError(f"boxes: expected x1 <= x2 and y1 <= y2 (xyxy), got {array[bad[0]].tolist()} at index {bad[0]}")
    return frozen(array, np.float64)


@attrs.frozen
class Boxes(Shape):
    """Axis-aligned rectangles, (N, 4) ``x1, y1, x2, y2`` in pixels."""

    xyxy: np.ndarray = array_field(converter=_boxes)
    style: Style = _style_field()

    @classmethod
    def from_xywh(cls, xywh: Any, style: Style = Style()) -> "Boxes":
        array = coords(xywh, "xywh", (None, 4), (4,), columns=4)
        return cls(np.concatenate([array[:, :2], array[:, :2] + array[:, 2:]], axis=1), style)

    @property
    def count(self) -> int:
        return len(self.xyxy)

    @property
    def bounds(self) -> BBox:
        return BBox.of_points(self.xyxy.reshape(-1, 2))


def _radii(name: str):
    def convert(value: Any) -> np.ndarray:
        array = coords(value, name, (None,), ())
        array = array.reshape(1) if array.ndim == 0 else array
        if array.size and array.min() < 0:
            raise ValueError(f"{name}: expected values >= 0, got {array.min():g}")
        return array
    return convert


@attrs.frozen
class Points(Shape):
    """Filled dots at (N, 2) centers with radius in pixels (one value or one per point)."""

    PER_ITEM = ("radius",)

    xy: np.ndarray = array_field(converter=lambda v: coords(v, "points", (None, 2), (2,), columns=2))
    radius: np.ndarray = array_field(default=3.0, converter=_radii("radius"))
    style: Style = _style_field()

    @property
    def count(self) -> int:
        return len(self.xy)

    @property
    def bounds(self) -> BBox:
        return BBox.of_points(self.xy).expanded(float(self.radius.max()) if self.radius.size else 0.0)


@attrs.frozen
class Circles(Shape):
    """Circles at (N, 2) centers with radii in pixels, stroked and optionally filled."""

    PER_ITEM = ("radii",)

    centers: np.ndarray = array_field(converter=lambda v: coords(v, "centers", (None, 2), (2,), columns=2))
    radii: np.ndarray = array_field(converter=_radii("radii"))

    style: Style = _style_field()

    @property
    def count(self) -> int:
        return len(self.centers)

    @property
    def bounds(self) -> BBox:
        if not len(self.centers):
            return BBox.empty()
        r = np.broadcast_to(self.radii, (len(self.centers),))[:, None]
        return BBox.of_points(np.concatenate([self.centers - r, self.centers + r]))


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
    return frozen(points, np.float64), _offsets(np.concatenate([[0], np.cumsum(sizes)]))


@attrs.frozen
class Lines(Shape):
    """N open polylines stored flat: item i is ``points[offsets[i]:offsets[i + 1]]``."""

    points: np.ndarray = array_field(converter=lambda v: coords(v, "points", (None, 2)))
    offsets: np.ndarray = array_field(converter=_offsets)
    style: Style = _style_field()

    @classmethod
    def from_paths(cls, paths: Any, style: Style = Style()) -> "Lines":
        """From an (N, 2, 2) array of segments, an (N, M, 2) array, or a list of (M_i, 2)."""
        return cls(*_flatten_paths(paths, "lines", 2), style=style)

    @property
    def count(self) -> int:
        return len(self.offsets) - 1

    @property
    def bounds(self) -> BBox:
        return BBox.of_points(self.points)


@attrs.frozen
class Polygons(Shape):
    """N filled polygons with holes, stored flat.

    Ring r is ``points[rings[r]:rings[r + 1]]``; polygon i is rings ``polys[i]`` to
    ``polys[i + 1]``, the first its outline and the rest holes (even-odd fill).
    """

    points: np.ndarray = array_field(converter=lambda v: coords(v, "points", (None, 2)))
    rings: np.ndarray = array_field(converter=_offsets)
    polys: np.ndarray = array_field(converter=_offsets)
    style: Style = _style_field()

    @classmethod
    def from_rings(cls, polygons: Any, style: Style = Style()) -> "Polygons":
        """From a list whose items are an (M, 2) ring or a list of rings (outline, holes...)."""
        if not isinstance(polygons, (list, tuple)) and not isinstance(polygons, np.ndarray):
            raise TypeError(f"polygons: expected a list of (M, 2) rings, got {type(polygons).__name__}")
        rings, counts = [], []
        for i, item in enumerate(polygons):
            nested = isinstance(item, (list, tuple)) and len(item) > 0 and np.ndim(as_numpy(item[0], "ring")) == 2
            group = list(item) if nested else [item]
            rings.extend(group)
            counts.append(len(group))
        points, ring_offsets = _flatten_paths(rings, "polygons", 3)
        return cls(points, ring_offsets, np.concatenate([[0], np.cumsum(counts)]).astype(np.int64), style)

    @property
    def count(self) -> int:
        return len(self.polys) - 1

    @property
    def bounds(self) -> BBox:
        return BBox.of_points(self.points)


def _crops_equal(a: tuple, b: tuple) -> bool:
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))


def _frozen_crops(value: Any) -> tuple:
    return tuple(frozen(np.asarray(crop, np.bool_), np.bool_) for crop in value)


@attrs.frozen
class MaskStack:
    """N binary masks of one ``size = (H, W)``, each stored cropped to its bounding box.

    ``boxes[k]`` is ``x0, y0, x1, y1`` (end-exclusive) around mask k's True pixels (all
    zeros for an empty mask) and ``crops[k]`` holds exactly those pixels. Twenty blobs on a
    720p image take a few hundred kilobytes instead of 18 MB, and painting never scans
    the empty rest.
    """

    crops: tuple = attrs.field(converter=_frozen_crops, eq=attrs.cmp_using(eq=_crops_equal), hash=False)
    boxes: np.ndarray = array_field(converter=lambda v: frozen(np.asarray(v, np.int64).reshape(-1, 4), np.int64))
    size: tuple = attrs.field(converter=lambda v: (int(v[0]), int(v[1])))

    __reduce__ = reduce_through_init

    @classmethod
    def from_dense(cls, masks: np.ndarray) -> "MaskStack":
        """Crop an (N, H, W) bool array; reads it once and never keeps a reference to it."""
        rows = _rows_with_pixels(masks)
        boxes = np.zeros((len(masks), 4), np.int64)
        crops = []
        for k in range(len(masks)):
            ys = np.flatnonzero(rows[k])
            if not len(ys):
                crops.append(np.zeros((0, 0), np.bool_))
                continue
            y0, y1 = int(ys[0]), int(ys[-1]) + 1
            band = masks[k, y0:y1]
            xs = np.flatnonzero(band.any(axis=0))
            x0, x1 = int(xs[0]), int(xs[-1]) + 1
            boxes[k] = x0, y0, x1, y1
            crops.append(band[:, x0:x1])
        return cls(crops, boxes, masks.shape[1:])

    def __len__(self) -> int:
        return len(self.crops)

    @property
    def shape(self) -> tuple:
        return (len(self.crops),) + self.size

    def dense(self) -> np.ndarray:
        """A new (N, H, W) bool array of the full masks."""
        out = np.zeros(self.shape, np.bool_)
        for k, (x0, y0, x1, y1) in enumerate(self.boxes.tolist()):
            out[k, y0:y1, x0:x1] = self.crops[k]
        return out

    def __array__(self, dtype=None, copy=None):
        out = self.dense()
        return out if dtype is None else out.astype(dtype)


def _rows_with_pixels(masks: np.ndarray) -> np.ndarray:
    """(N, H) bool: which rows of each (N, H, W) bool mask hold a True pixel.

    The scan reads every byte of the masks once, so it runs at memory speed only if each
    step takes many bytes: rows of a width divisible by 8 are OR-ed as 64-bit words (a
    fifth to a third faster at 720p than ``any`` over bools)."""
    if masks.shape[2] % 8 == 0 and masks.flags.c_contiguous:
        return np.bitwise_or.reduce(masks.view(np.uint64), axis=2) != 0
    return masks.any(axis=2)


def _masks(value: Any) -> MaskStack:
    if isinstance(value, MaskStack):
        return value
    array = as_numpy(value, "masks")
    check_shape(array, "masks", (None, None, None), (None, None))
    if array.shape[-1] == 0 or array.shape[-2] == 0:
        raise ValueError(f"masks: expected masks with positive height and width, got shape {tuple(array.shape)}")
    if array.dtype.kind == "f":
        check_finite(array, "masks")
    if array.dtype != np.bool_:
        if array.dtype.kind not in "biuf":
            raise TypeError(f"masks: expected bool or 0/1 numbers, got dtype {array.dtype}")
        if array.size and not np.isin(array, (0, 1)).all():
            raise ValueError("masks: expected bool or 0/1 values, got other values")
        array = array != 0
    return MaskStack.from_dense(array.reshape((-1,) + array.shape[-2:]))


@attrs.frozen
class Masks(Shape):
    """N binary masks of one size, placed with their top-left pixel at ``(x, y)``.

    Masks are painted in order, each blended over what is below with its color at
    ``alpha``; only the pixels inside each mask's own bounding box are touched. ``masks``
    is a :class:`MaskStack` (``np.asarray(node.masks)`` gives the full (N, H, W) array).
    """

    DEFAULTS = Style(alpha=0.5)

    masks: MaskStack = attrs.field(converter=_masks)
    x: float = attrs.field(default=0.0, converter=finite_number("x"))
    y: float = attrs.field(default=0.0, converter=finite_number("y"))
    style: Style = _style_field()

    @property
    def count(self) -> int:
        return len(self.masks)

    @property
    def bounds(self) -> BBox:
        h, w = self.masks.size
        return BBox(self.x, self.y, self.x + w, self.y + h)


def as_strings(value: Any) -> tuple:
    """A tuple of drawable strings from one string or a sequence of them."""
    items = (value,) if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)):
        raise TypeError(f"texts: expected a string or a sequence of strings, got {type(value).__name__}")
    try:  # all strings at once; on failure, item by item to name the bad one
        joined = "\n".join(items)
        if "\x00" not in joined:
            joined.encode("utf-8")
            return tuple(items)
    except (TypeError, UnicodeEncodeError):
        pass
    for i, item in enumerate(items):
        if not isinstance(item, str):
            raise TypeError(f"texts[{i}]: expected a string, got {type(item).__name__}")
        if "\x00" in item:
            raise ValueError(f"texts[{i}]: expected text without NUL characters, got {item!r}")
        try:
            item.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError(f"texts[{i}]: expected valid Unicode text, got a lone surrogate in {item!r}") from None
    return tuple(items)


def _optional_colors(value: Any) -> Optional[np.ndarray]:
    return None if value is None else color_array(value, len(value) if isinstance(value, (list, np.ndarray)) else 1, "background")


@attrs.frozen
class Texts(Shape):
    """N strings anchored at (N, 2) positions, optionally on filled background boxes.

    ``background`` and ``background_edge`` are RGBA (alpha included); ``pad`` is the
    space in pixels between the text's ink box and the background's edge.
    """

    DEFAULTS = Style(color="black")
    PER_ITEM = ("background", "background_edge", "pad")

    strings: tuple = attrs.field(converter=as_strings)
    xy: np.ndarray = array_field(converter=lambda v: coords(v, "positions", (None, 2), (2,), columns=2))
    style: Style = _style_field()
    background: Optional[np.ndarray] = array_field(default=None, converter=_optional_colors)
    background_edge: Optional[np.ndarray] = array_field(default=None, converter=_optional_colors)
    pad: np.ndarray = array_field(default=2.0, converter=_radii("pad"))

    def __attrs_post_init__(self) -> None:
        if len(self.strings) != len(self.xy):
            raise ValueError(f"texts: expected one position per string, got {len(self.strings)} strings and {len(self.xy)} positions")
        super().__attrs_post_init__()

    @property
    def count(self) -> int:
        return len(self.strings)

    @property
    def bounds(self) -> BBox:
        """An estimate (no font metrics here): 0.6 em per character, 1.2 em per line."""
        if not self.strings:
            return BBox.empty()
        size = self.style.font_size if self.style.font_size is not None else np.array([13.0])
        size = np.broadcast_to(size, (len(self.strings),))
        widths = np.array([max(len(line) for line in s.split("\n")) if s else 0 for s in self.strings]) * 0.6 * size
        heights = np.array([s.count("\n") + 1 for s in self.strings]) * 1.2 * size
        return BBox.of_points(np.concatenate([self.xy, self.xy + np.stack([widths, heights], 1)]))


def _style(n: int, class_ids: Any, color: Any, **settings: Any) -> Style:
    if class_ids is not None and color is None:
        ids = as_numpy(class_ids, "class_ids").reshape(-1)
        if len(ids) != n:
            raise ValueError(f"class_ids: expected {n} ids (one per item), got {len(ids)}")
        color = DEFAULT_PALETTE.take(ids)
    return Style(color=color, **{k: v for k, v in settings.items() if v is not None})


def boxes(xyxy: Any, *, color: Any = None, fill: Any = None, alpha: Any = None, width: Any = None,
          dash: Any = None, class_ids: Any = None) -> Boxes:
    """Rectangles from an (N, 4) xyxy array; ``class_ids`` colors them by the default palette."""
    array = _boxes(xyxy)
    return Boxes(array, _style(len(array), class_ids, color, fill=fill, alpha=alpha, width=width, dash=dash))


def points(xy: Any, *, radius: Any = 3.0, color: Any = None, alpha: Any = None, class_ids: Any = None) -> Points:
    array = coords(xy, "points", (None, 2), (2,), columns=2)
    return Points(array, radius, _style(len(array), class_ids, color, alpha=alpha))


def lines(paths: Any, *, color: Any = None, alpha: Any = None, width: Any = None, dash: Any = None,
          class_ids: Any = None) -> Lines:
    """Polylines from an (N, 2, 2) array of segments, an (N, M, 2) array or a list of (M_i, 2)."""
    node = Lines.from_paths(paths)
    return attrs.evolve(node, style=_style(node.count, class_ids, color, alpha=alpha, width=width, dash=dash))


def circles(centers: Any, radii: Any, *, color: Any = None, fill: Any = None, alpha: Any = None,
            width: Any = None, dash: Any = None, class_ids: Any = None) -> Circles:
    array = coords(centers, "centers", (None, 2), (2,), columns=2)
    return Circles(array, radii, _style(len(array), class_ids, color, fill=fill, alpha=alpha, width=width, dash=dash))


def polygons(rings: Any, *, color: Any = None, fill: Any = None, alpha: Any = None, width: Any = None,
             dash: Any = None, class_ids: Any = None) -> Polygons:
    """Polygons from a list of (M, 2) rings, or of lists ``[outline, hole, ...]``."""
    node = Polygons.from_rings(rings)
    return attrs.evolve(node, style=_style(node.count, class_ids, color, fill=fill, alpha=alpha, width=width, dash=dash))


def masks(masks: Any, *, color: Any = None, alpha: Any = None, x: float = 0.0, y: float = 0.0,
          class_ids: Any = None) -> Masks:
    """Binary masks, (N, H, W) or (H, W), bool or 0/1 numbers; blended at ``alpha`` (0.5)."""
    array = _masks(masks)
    return Masks(array, x, y, _style(len(array), class_ids, color, alpha=alpha))


def texts(strings: Any, positions: Any, *, color: Any = None, alpha: Any = None, font_size: Any = None,
          font_family: Optional[str] = None, halign: Any = None, valign: Any = None,
          background: Any = None, background_alpha: float = 1.0, background_edge: Any = None,
          pad: Any = 2.0) -> Texts:
    """Strings at (N, 2) anchor positions (``halign``/``valign`` say which point of the text
    sits on the anchor), optionally on a ``background`` box ``pad`` pixels around the ink."""
    items = as_strings(strings)
    if background is not None:
        background = color_array(background, len(items), "background").copy()
        if not 0.0 <= background_alpha <= 1.0:
            raise ValueError(f"background_alpha: expected a value in [0, 1], got {background_alpha}")
        background[:, 3] = np.rint(background[:, 3] * background_alpha).astype(np.uint8)
    style = Style(color=color, alpha=alpha, font_size=font_size, font_family=font_family, halign=halign, valign=valign)
    return Texts(items, positions, style, background, background_edge, pad)
