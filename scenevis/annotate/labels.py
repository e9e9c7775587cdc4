"""Labels: their text, their size, and the one placement pass that draws them all.

A :class:`LabelSet` is a request: strings, the boxes they belong to, fill colors, font
sizes and priorities. Label sets from several sources (instances, segments, keypoints)
are added together and drawn by one :func:`draw_labels` call, so no label can land on
another whatever produced it. Each label is a filled rectangle in its fill color with
black or white text (whichever reads better by WCAG contrast), placed by
:func:`~scenevis.annotate.placement.place_labels`; a label that had to move away from
its box gets a thin leader line back to it. A label that fits nowhere is retried at a
smaller font size and, failing that, left out: labels never overlap.

Each label may also ask where to go: an anchor (:data:`~scenevis.annotate.placement.ANCHORS`:
nine positions on its box, or a mask's centre of mass), inside or outside the box, an
offset in pixels, a maximum width (longer text is wrapped at spaces, or cut with an
ellipsis) and its own font size. When these conflict, this order decides (:data:`RULE`):

1. labels stay inside the canvas and never overlap each other or obstacles: always;
2. a maximum width is never exceeded: the text is wrapped or cut before placement;
3. the asked-for spot (anchor, inside/outside, offset) is taken when it is free; a spot
   past the canvas edge slides inside along it; a spot taken by a label placed earlier
   (higher priority) sends the label to the nearest free spot, with a leader line;
4. the font size is kept unless the label fits nowhere; then it shrinks, down to
   :data:`MIN_FONT_SIZE`, and after that the label is left out.
"""
from __future__ import annotations

import math
from typing import Any, Optional, Sequence

import attrs
import numpy as np

from scenevis._arrays import coords, frozen, numbers
from scenevis.annotate.palettes import text_colors
from scenevis.annotate.placement import (ANCHORS, Placement, anchor_spots, leader_segments, moved_labels,
                                        place_labels)
from scenevis.nodes import Circles, Lines, Texts
from scenevis.nodes.items import check_meta, item_meta
from scenevis.renderer.measure import text_size
from scenevis.scene import Empty, Group, Scene, array_field
from scenevis.style import Style

__all__ = ["LabelSet", "LabelPlacement", "draw_labels", "label_texts", "class_names", "base_font_size", "box_font_sizes",
           "fitted", "MIN_FONT_SIZE", "MAX_FONT_SIZE", "RULE", "OVERFLOWS"]

MIN_FONT_SIZE = 8.0
MAX_FONT_SIZE = 26.0
#: Which constraint wins when a label's settings conflict, strongest first.
RULE = ("inside the canvas, no overlap", "maximum width", "anchor, inside/outside and offset", "font size")
#: What happens to text wider than its maximum width.
OVERFLOWS = ("wrap", "ellipsis")


def _rect_array(value: Any) -> np.ndarray:
    return frozen(np.asarray(value, np.float64).reshape(-1, 4), np.float64)


def _vector(dtype):
    def convert(value: Any) -> np.ndarray:
        return frozen(np.asarray(value, dtype).reshape(-1), dtype)
    return convert


def _rgba(value: Any) -> np.ndarray:
    return frozen(np.asarray(value, np.uint8).reshape(-1, 4), np.uint8)


def _anchor_names(value: Any) -> Optional[tuple]:
    if value is None:
        return None
    names = tuple(value)
    for name in names:
        if name is not None and name not in ANCHORS:
            raise ValueError(f"label_anchor: expected one of {list(ANCHORS)} or None, got {name!r}")
    return names


def _optional(convert):
    return lambda value: None if value is None else convert(value)


def _metas(value: Any) -> tuple:
    return tuple(item_meta(meta) for meta in value)


@attrs.frozen
class LabelSet:
    """N label requests: ``strings`` on ``colors`` (RGBA fills) attached to ``anchors``
    (xyxy boxes; a zero-size box is a point the label is centered on), drawn at
    ``font_sizes`` pixels, placed by descending ``priority``.

    Labels carry the metadata of the items they name: label i belongs to source
    ``sources[i]`` (default: all to source 0), whose metadata ``metas[s]`` has one row per
    label of that source, in order (``metas=(meta,)`` for one source; none: no
    metadata). Sets from different builders (instances, segments, keypoints) keep their
    own keys when added together, and each source is drawn as its own nodes."""

    anchors: np.ndarray = array_field(converter=_rect_array)
    strings: tuple = attrs.field(converter=tuple)
    colors: np.ndarray = array_field(converter=_rgba)
    font_sizes: np.ndarray = array_field(converter=_vector(np.float64))
    priority: np.ndarray = array_field(converter=_vector(np.float64))
    #: Per label, where it asks to sit (a name of ``ANCHORS``, or None), or None for all.
    positions: Optional[tuple] = attrs.field(default=None, converter=_anchor_names)
    #: (N,) inside the box (True) or outside it; (N, 2) offsets in pixels; (N,) maximum
    #: widths in pixels (inf: none). None: outside, no offset, no maximum.
    inside: Optional[np.ndarray] = array_field(default=None, converter=_optional(_vector(np.bool_)))
    offsets: Optional[np.ndarray] = array_field(default=None, converter=_optional(
        lambda v: frozen(np.asarray(v, np.float64).reshape(-1, 2), np.float64)))
    max_widths: Optional[np.ndarray] = array_field(default=None, converter=_optional(_vector(np.float64)))
    overflow: str = attrs.field(default="wrap")
    #: Which metadata block each label's item metadata is in (None: all in the first).
    sources: Optional[np.ndarray] = array_field(default=None, converter=_optional(
        lambda v: frozen(np.asarray(v, np.int64).reshape(-1), np.int64)))
    #: One metadata block per source, with one row per label of that source, in order.
    metas: tuple = attrs.field(default=(), converter=_metas)

    def __attrs_post_init__(self) -> None:
        n = len(self.strings)
        for name in ("anchors", "colors", "font_sizes", "priority", "positions", "inside", "offsets", "max_widths",
                     "sources"):
            value = getattr(self, name)
            if value is not None and len(value) != n:
                raise ValueError(f"labels: {name} expected {n} entries (one per string), got {len(value)}")
        if self.overflow not in OVERFLOWS:
            raise ValueError(f"label_overflow: expected one of {list(OVERFLOWS)}, got {self.overflow!r}")
        if self.sources is None:
            object.__setattr__(self, "sources", frozen(np.zeros(n, np.int64), np.int64))
        if not self.metas:
            object.__setattr__(self, "metas", (item_meta(None),))
        for s, meta in enumerate(self.metas):
            check_meta(meta, int((self.sources == s).sum()), "labels")

    def _filled(self, name: str) -> Any:
        """A per-label field with its default where unset."""
        value, n = getattr(self, name), len(self.strings)
        if value is not None:
            return value
        return {"positions": (None,) * n, "inside": np.zeros(n, bool), "offsets": np.zeros((n, 2)),
                "max_widths": np.full(n, np.inf)}[name]

    @property
    def asks(self) -> bool:
        """True when some label asks for a spot or a maximum width."""
        return self.positions is not None and any(p is not None for p in self.positions) or \
            self.max_widths is not None and np.isfinite(self.max_widths).any()

    @classmethod
    def empty(cls) -> "LabelSet":
        return cls(np.zeros((0, 4)), (), np.zeros((0, 4), np.uint8), np.zeros(0), np.zeros(0))

    def __len__(self) -> int:
        return len(self.strings)

    def __add__(self, other: "LabelSet") -> "LabelSet":
        if not isinstance(other, LabelSet):
            return NotImplemented
        wishes = {}
        for name in ("inside", "offsets", "max_widths"):
            if getattr(self, name) is not None or getattr(other, name) is not None:
                wishes[name] = np.concatenate([self._filled(name), other._filled(name)])
        if self.positions is not None or other.positions is not None:
            wishes["positions"] = self._filled("positions") + other._filled("positions")
        overflow = self.overflow if self.max_widths is not None else other.overflow
        return LabelSet(np.concatenate([self.anchors, other.anchors]), self.strings + other.strings,
                        np.concatenate([self.colors, other.colors]),
                        np.concatenate([self.font_sizes, other.font_sizes]),
                        np.concatenate([self.priority, other.priority]), overflow=overflow,
                        sources=np.concatenate([self.sources, other.sources + len(self.metas)]),
                        metas=self.metas + other.metas, **wishes)

    def take(self, keep: np.ndarray) -> "LabelSet":
        idx = np.flatnonzero(keep) if np.asarray(keep).dtype == bool else np.asarray(keep, np.int64)
        wishes = {name: getattr(self, name)[idx] for name in ("inside", "offsets", "max_widths")
                  if getattr(self, name) is not None}
        if self.positions is not None:
            wishes["positions"] = tuple(self.positions[i] for i in idx)
        return LabelSet(self.anchors[idx], tuple(self.strings[i] for i in idx), self.colors[idx],
                        self.font_sizes[idx], self.priority[idx], overflow=self.overflow,
                        sources=self.sources[idx], metas=self.source_metas(idx), **wishes)

    def source_metas(self, idx: np.ndarray) -> tuple:
        """Each source's metadata for the labels ``idx``, in that order."""
        rank = np.zeros(len(self.sources), np.int64)
        for s in range(len(self.metas)):
            mine = self.sources == s
            rank[mine] = np.arange(int(mine.sum()))
        chosen = self.sources[idx]
        return tuple(meta.take(rank[idx[chosen == s]]) for s, meta in enumerate(self.metas))


@attrs.frozen
class LabelPlacement:
    """Where labels ask to go (the rule of which setting wins is the module's, :data:`RULE`).

    ``anchor``: one of :data:`~scenevis.annotate.placement.ANCHORS` for every label, one
    per label (None: no wish), or None (the default search); ``inside``: inside the box
    (True) or beyond it; ``offset``: ``(dx, dy)`` pixels, one pair or one per label;
    ``max_width``: pixels, one number or one per label (None: no maximum); ``overflow``:
    ``'wrap'`` at spaces or ``'ellipsis'``."""

    anchor: Any = None
    inside: Any = False
    offset: Any = (0.0, 0.0)
    max_width: Any = None
    overflow: str = "wrap"

    def wishes(self, n: int, masks: Optional[np.ndarray] = None) -> dict:
        """The :class:`LabelSet` fields for ``n`` labels (``masks``: theirs, for ``'mass'``)."""
        out: dict = {}
        if self.anchor is not None:
            names = (self.anchor,) * n if isinstance(self.anchor, str) else tuple(self.anchor)
            if len(names) != n:
                raise ValueError(f"label_anchor: expected one anchor or {n} (one per label), got {len(names)}")
            out["positions"] = _anchor_names(names)
            if "mass" in names and masks is None:
                raise ValueError("label_anchor: 'mass' (a mask's centre of mass) needs masks, got none")
        inside = np.broadcast_to(np.asarray(self.inside, bool).reshape(-1), (n,)) if n else np.zeros(0, bool)
        offset = coords(self.offset, "label_offset", (2,), (None, 2))
        out["inside"] = inside
        out["offsets"] = np.broadcast_to(offset.reshape(-1, 2), (n, 2)) if len(offset.reshape(-1, 2)) in (1, n) \
            else _count_error("label_offset", n, len(offset))
        if self.max_width is not None:
            widths = numbers(self.max_width, "label_max_width", 1.0, math.inf)
            if len(widths) not in (1, n):
                _count_error("label_max_width", n, len(widths))
            out["max_widths"] = np.broadcast_to(widths, (n,))
        if self.overflow not in OVERFLOWS:
            raise ValueError(f"label_overflow: expected one of {list(OVERFLOWS)}, got {self.overflow!r}")
        out["overflow"] = self.overflow
        return out


def _count_error(name: str, n: int, got: int):
    raise ValueError(f"{name}: expected one value or {n} (one per label), got {got}")


def class_names(labels: np.ndarray, classes: Optional[Sequence[str]] = None,
                label_names: Optional[Sequence[str]] = None) -> list:
    """The display name of each label: ``label_names[i]`` when given, else
    ``classes[label]``, else ``'class {label}'``."""
    if label_names is not None:
        return [str(name) for name in label_names]
    labels = np.asarray(labels, np.int64).reshape(-1)
    if classes is None:
        return [f"class {label}" for label in labels]
    return [str(classes[label]) if 0 <= label < len(classes) else f"class {label}" for label in labels]


def label_texts(names: Sequence[str], scores: Optional[np.ndarray] = None, *, show_scores: bool = True) -> list:
    """``'person 87.0'``: the name, then the score in percent with one decimal."""
    if scores is None or not show_scores:
        return list(names)
    return [f"{name} {100.0 * float(score):.1f}" for name, score in zip(names, np.asarray(scores).reshape(-1))]


def base_font_size(width: float, height: float) -> float:
    """The label font size in pixels for an image: grows with the image's diagonal scale
    (``sqrt(W * H) / 40``), kept within [11, 26] so labels read on thumbnails and do not
    shout on 4K frames."""
    return float(np.clip(math.sqrt(max(width * height, 1.0)) / 40.0, 11.0, MAX_FONT_SIZE))


def box_font_sizes(boxes: np.ndarray, base: float) -> np.ndarray:
    """Per-box font sizes: ``base`` for boxes whose side (``sqrt(area)``) is at least 8
    times it, down to 0.75 ``base`` for boxes smaller than 2 times it (never under 9 px),
    rounded to half pixels so equal boxes get equal labels."""
    boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
    side = np.sqrt(np.clip((boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1]), 0, None))
    t = np.clip((side - 2 * base) / (6 * base), 0.0, 1.0)
    return np.round(np.maximum(base * (0.75 + 0.25 * t), 9.0) * 2) / 2


def _paddings(font_sizes: np.ndarray) -> np.ndarray:
    """(N, 3) left/right, top and bottom padding around the text box, in pixels. The
    font's ascent already leaves about 0.2 em above capitals and digits, so the top gets
    no padding and the bottom a tenth of an em: the ink then sits centered in the label."""
    return np.stack([np.round(font_sizes * 0.3), np.zeros(len(font_sizes)), np.round(font_sizes * 0.1)], axis=1)


def _measured(strings: Sequence[str], font_sizes: np.ndarray, family: str) -> tuple:
    """``(text, boxes)``: (N, 2) the measured text sizes, and the whole-pixel label sizes
    (the text plus padding)."""
    text = text_size(list(strings), font_sizes, family) if len(strings) else np.zeros((0, 2))
    pads = _paddings(font_sizes)
    return text, np.ceil(text + np.stack([2 * pads[:, 0], pads[:, 1] + pads[:, 2]], axis=1) - 1e-6)


def _label_boxes(strings: Sequence[str], font_sizes: np.ndarray, family: str) -> np.ndarray:
    """(N, 2) whole-pixel label sizes: the measured text plus padding."""
    return _measured(strings, font_sizes, family)[1]


def _shortened(text: str, font_size: float, family: str, width: float) -> str:
    """The longest prefix of ``text`` that, followed by an ellipsis, fits ``width``."""
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if _label_boxes([text[:mid] + "\u2026"], np.array([font_size]), family)[0, 0] <= width:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo].rstrip() + "\u2026"


def fitted(text: str, font_size: float, family: str, max_width: float, overflow: str = "wrap") -> str:
    """``text`` made to fit a label at most ``max_width`` pixels wide: wrapped at spaces
    (a word still too wide is cut with an ellipsis), or cut with an ellipsis."""
    def fits(candidate: str) -> bool:
        return _label_boxes([candidate], np.array([font_size]), family)[0, 0] <= max_width

    if fits(text):
        return text
    if overflow == "ellipsis" or " " not in text.strip():
        return _shortened(text, font_size, family, max_width)
    lines: list = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if fits(candidate):
            current = candidate
            continue
        if current:
            lines.append(current)
        current = word if fits(word) else _shortened(word, font_size, family, max_width)
    lines.append(current)
    return "\n".join(lines)


def _spots(labels: LabelSet, boxes: np.ndarray) -> Optional[np.ndarray]:
    """The top-left corner each label asks for (NaN where it asks for none), or None."""
    if labels.positions is None:
        return None
    return anchor_spots(labels.anchors, boxes, labels.positions, labels._filled("inside"), labels._filled("offsets"))


def draw_labels(labels: LabelSet, canvas: Sequence[float], *, family: str = "DejaVu Sans",
                obstacles: Any = None, gap: float = 1.0, leader_width: Optional[float] = None,
                shrink: float = 0.85) -> tuple:
    """Place and draw every label in ``labels`` on a ``canvas = (width, height)``.

    Returns ``(scene, placement, font_sizes)``: the labels as a scene (leader lines, then
    label boxes, then text), the final :class:`Placement` (rectangles in canvas pixels)
    and the font size each label was drawn at. A label wider than the canvas is drawn
    smaller and, if it still does not fit at :data:`MIN_FONT_SIZE`, shortened with an
    ellipsis; labels that fit nowhere are retried at ``shrink`` times their size down to
    :data:`MIN_FONT_SIZE`, then left out.
    """
    n = len(labels)
    width, height = float(canvas[0]), float(canvas[1])
    if n == 0:
        return Empty(), Placement(np.zeros((0, 4)), np.zeros(0, bool), np.zeros(0, bool)), np.zeros(0)
    sizes_px = np.minimum(labels.font_sizes, MAX_FONT_SIZE * 2)
    text, boxes = _measured(labels.strings, sizes_px, family)
    too_wide = boxes[:, 0] > width
    if too_wide.any():  # a label wider than the canvas: shrink its font, then shorten it, to fit
        sizes_px = sizes_px.copy()
        sizes_px[too_wide] = np.maximum(sizes_px[too_wide] * width / boxes[too_wide, 0] * 0.95, MIN_FONT_SIZE)
        boxes = _label_boxes(labels.strings, sizes_px, family)
        strings = list(labels.strings)
        for i in np.flatnonzero(boxes[:, 0] > width):
            strings[i] = _shortened(strings[i], sizes_px[i], family, width)
        labels = attrs.evolve(labels, strings=tuple(strings))
        text, boxes = _measured(labels.strings, sizes_px, family)
    if labels.max_widths is not None:  # rule 2: a maximum width is never exceeded
        limits = np.minimum(labels.max_widths, width)
        over = np.flatnonzero(boxes[:, 0] > limits)
        if len(over):
            strings = list(labels.strings)
            for i in over:
                strings[i] = fitted(strings[i], sizes_px[i], family, limits[i], labels.overflow)
            labels = attrs.evolve(labels, strings=tuple(strings))
            text, boxes = _measured(labels.strings, sizes_px, family)
    fixed = np.asarray(obstacles if obstacles is not None else np.zeros((0, 4)), np.float64).reshape(-1, 4)
    spots = _spots(labels, boxes)
    result = place_labels(labels.anchors, boxes, (width, height), priority=labels.priority,
                          obstacles=fixed, gap=gap, spots=spots)
    rects, placed, moved = result.rects.copy(), result.placed.copy(), result.moved
    while not placed.all():
        retry = np.flatnonzero(~placed & (sizes_px > MIN_FONT_SIZE))
        if not len(retry):
            break
        sizes_px = sizes_px.copy()
        sizes_px[retry] = np.maximum(np.floor(sizes_px[retry] * shrink * 2) / 2, MIN_FONT_SIZE)
        text[retry], boxes[retry] = _measured([labels.strings[i] for i in retry], sizes_px[retry], family)
        spots = _spots(labels, boxes)
        again = place_labels(labels.anchors[retry], boxes[retry], (width, height),
                             priority=labels.priority[retry], obstacles=np.concatenate([fixed, rects[placed]]), gap=gap,
                             spots=None if spots is None else spots[retry])
        rects[retry] = again.rects
        placed[retry] = again.placed
        moved = None
        if not again.placed.any() and (sizes_px[retry] <= MIN_FONT_SIZE).all():
            break
    if moved is None:  # some labels were placed again, smaller
        moved = moved_labels(rects, placed, labels.anchors, boxes, (width, height), _spots(labels, boxes))
    placement = Placement(rects, placed, moved)
    return _label_scene(labels, placement, sizes_px, text, family, leader_width), placement, sizes_px


def _label_scene(labels: LabelSet, placement: Placement, sizes_px: np.ndarray, text: np.ndarray, family: str,
                 leader_width: Optional[float]) -> Scene:
    """Leader lines (halo, then color), their end dots, then the labels (``text``: each
    one's measured text size); each source's labels are their own nodes carrying their
    metadata (labels never overlap, so the split changes no pixel)."""
    keep = np.flatnonzero(placement.placed)
    if not len(keep):
        return Empty()
    rects = placement.rects[keep]
    colors = labels.colors[keep]
    sizes = sizes_px[keep]
    metas = labels.source_metas(keep)
    sources = labels.sources[keep]
    groups = [(meta, sources == s) for s, meta in enumerate(metas) if (sources == s).any()]
    halos, leaders, ends = [], [], []
    moved = placement.moved[keep]
    if moved.any():
        segments = leader_segments(rects[moved], labels.anchors[keep][moved])
        lw = float(leader_width) if leader_width is not None else float(np.clip(np.median(sizes) / 10, 1.0, 2.5))
        for meta, mine in groups:
            chosen = mine[moved]
            if not chosen.any():
                continue
            flat = segments[chosen].reshape(-1, 2)
            offsets = np.arange(0, 2 * int(chosen.sum()) + 1, 2)
            meta_moved = meta.take(np.flatnonzero(moved[mine]))
            halos.append(Lines(flat, offsets, Style(color=(255, 255, 255), alpha=0.8, width=lw + 2), meta=meta_moved))
            leaders.append(Lines(flat, offsets, Style(color=colors[moved][chosen], width=lw), meta=meta_moved))
            ends.append(Circles(segments[chosen][:, 1], lw * 1.6,
                                Style(color=(255, 255, 255), fill=colors[moved][chosen], width=1.0), meta=meta_moved))
    ink = text_colors(colors)
    anchors = labels.anchors[keep]
    on_region = (anchors[:, 2] <= anchors[:, 0]) & (anchors[:, 3] <= anchors[:, 1])
    # A region label sits on its own color: a faint rim sets it apart.
    rims = np.where(on_region[:, None], np.concatenate([ink[:, :3], np.full((len(keep), 1), 115)], axis=1), 0)
    strings = tuple(labels.strings[i] for i in keep)
    pads = _box_pads(text[keep], rects, sizes)
    texts = []
    for meta, mine in groups:
        index = np.flatnonzero(mine)
        texts.append(Texts(tuple(strings[i] for i in index), rects[index, :2] + _paddings(sizes[index])[:, :2],
                           Style(color=ink[index], font_size=sizes[index], font_family=family, halign="left",
                                 valign="top"),
                           background=colors[index],
                           background_edge=rims[index].astype(np.uint8) if on_region[index].any() else None,
                           pad=pads[index], meta=meta))
    return Group.of(*halos, *leaders, *ends, *texts)


def _box_pads(size: np.ndarray, rects: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """(N, 4) pads putting each label's background on its rectangle rounded to whole pixels
    (crisp edges), around text of ``size`` (measured) placed at the rectangle's corner
    plus :func:`_paddings`."""
    text = rects[:, :2] + _paddings(sizes)[:, :2]
    box = np.rint(rects)
    return np.stack([text[:, 0] - box[:, 0], text[:, 1] - box[:, 1],
                     box[:, 2] - (text[:, 0] + size[:, 0]), box[:, 3] - (text[:, 1] + size[:, 1])], axis=1)
