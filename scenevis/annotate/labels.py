"""Labels: their text, their size, and the one placement pass that draws them all.

A :class:`LabelSet` is a request: strings, the boxes they belong to, fill colors, font
sizes and priorities. Label sets from several sources (instances, segments, keypoints)
are added together and drawn by one :func:`draw_labels` call, so no label can land on
another whatever produced it. Each label is a filled rectangle in its fill color with
black or white text (whichever reads better by WCAG contrast), placed by
:func:`~scenevis.annotate.placement.place_labels`; a label that had to move away from
its box gets a thin leader line back to it. A label that fits nowhere is retried at a
smaller font size and, failing that, left out: labels never overlap.
"""
from __future__ import annotations

import math
from typing import Any, Optional, Sequence

import attrs
import numpy as np

from scenevis._arrays import frozen
from scenevis.annotate.palettes import text_colors
from scenevis.annotate.placement import Placement, leader_segments, place_labels, rect_distance
from scenevis.nodes import Circles, Lines, Texts
from scenevis.renderer.measure import text_size
from scenevis.scene import Empty, Group, Scene, array_field
from scenevis.style import Style

__all__ = ["LabelSet", "draw_labels", "label_texts", "class_names", "base_font_size", "box_font_sizes",
           "MIN_FONT_SIZE", "MAX_FONT_SIZE"]

MIN_FONT_SIZE = 8.0
MAX_FONT_SIZE = 26.0


def _rect_array(value: Any) -> np.ndarray:
    return frozen(np.asarray(value, np.float64).reshape(-1, 4), np.float64)


def _vector(dtype):
    def convert(value: Any) -> np.ndarray:
        return frozen(np.asarray(value, dtype).reshape(-1), dtype)
    return convert


def _rgba(value: Any) -> np.ndarray:
    return frozen(np.asarray(value, np.uint8).reshape(-1, 4), np.uint8)


@attrs.frozen
class LabelSet:
    """N label requests: ``strings`` on ``colors`` (RGBA fills) attached to ``anchors``
    (xyxy boxes; a zero-size box is a point the label is centered on), drawn at
    ``font_sizes`` pixels, placed by descending ``priority``."""

    anchors: np.ndarray = array_field(converter=_rect_array)
    strings: tuple = attrs.field(converter=tuple)
    colors: np.ndarray = array_field(converter=_rgba)
    font_sizes: np.ndarray = array_field(converter=_vector(np.float64))
    priority: np.ndarray = array_field(converter=_vector(np.float64))

    def __attrs_post_init__(self) -> None:
        n = len(self.strings)
        for name in ("anchors", "colors", "font_sizes", "priority"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"labels: {name} expected {n} entries (one per string), got {len(getattr(self, name))}")

    @classmethod
    def empty(cls) -> "LabelSet":
        return cls(np.zeros((0, 4)), (), np.zeros((0, 4), np.uint8), np.zeros(0), np.zeros(0))

    def __len__(self) -> int:
        return len(self.strings)

    def __add__(self, other: "LabelSet") -> "LabelSet":
        if not isinstance(other, LabelSet):
            return NotImplemented
        return LabelSet(np.concatenate([self.anchors, other.anchors]), self.strings + other.strings,
                        np.concatenate([self.colors, other.colors]),
                        np.concatenate([self.font_sizes, other.font_sizes]),
                        np.concatenate([self.priority, other.priority]))

    def take(self, keep: np.ndarray) -> "LabelSet":
        idx = np.flatnonzero(keep) if np.asarray(keep).dtype == bool else np.asarray(keep)
        return LabelSet(self.anchors[idx], tuple(self.strings[i] for i in idx), self.colors[idx],
                        self.font_sizes[idx], self.priority[idx])


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


def _label_boxes(strings: Sequence[str], font_sizes: np.ndarray, family: str) -> np.ndarray:
    """(N, 2) whole-pixel label sizes: the measured text plus padding."""
    text = text_size(list(strings), font_sizes, family) if len(strings) else np.zeros((0, 2))
    pads = _paddings(font_sizes)
    return np.ceil(text + np.stack([2 * pads[:, 0], pads[:, 1] + pads[:, 2]], axis=1) - 1e-6)


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
    boxes = _label_boxes(labels.strings, sizes_px, family)
    too_wide = boxes[:, 0] > width
    if too_wide.any():  # a label wider than the canvas: shrink its font, then shorten it, to fit
        sizes_px = sizes_px.copy()
        sizes_px[too_wide] = np.maximum(sizes_px[too_wide] * width / boxes[too_wide, 0] * 0.95, MIN_FONT_SIZE)
        boxes = _label_boxes(labels.strings, sizes_px, family)
        strings = list(labels.strings)
        for i in np.flatnonzero(boxes[:, 0] > width):
            strings[i] = _shortened(strings[i], sizes_px[i], family, width)
        labels = attrs.evolve(labels, strings=tuple(strings))
        boxes = _label_boxes(labels.strings, sizes_px, family)
    fixed = np.asarray(obstacles if obstacles is not None else np.zeros((0, 4)), np.float64).reshape(-1, 4)
    result = place_labels(labels.anchors, boxes, (width, height), priority=labels.priority,
                          obstacles=fixed, gap=gap)
    rects, placed = result.rects.copy(), result.placed.copy()
    while not placed.all():
        retry = np.flatnonzero(~placed & (sizes_px > MIN_FONT_SIZE))
        if not len(retry):
            break
        sizes_px = sizes_px.copy()
        sizes_px[retry] = np.maximum(np.floor(sizes_px[retry] * shrink * 2) / 2, MIN_FONT_SIZE)
        boxes[retry] = _label_boxes([labels.strings[i] for i in retry], sizes_px[retry], family)
        again = place_labels(labels.anchors[retry], boxes[retry], (width, height),
                             priority=labels.priority[retry], obstacles=np.concatenate([fixed, rects[placed]]), gap=gap)
        rects[retry] = again.rects
        placed[retry] = again.placed
        if not again.placed.any() and (sizes_px[retry] <= MIN_FONT_SIZE).all():
            break
    moved = placed & (rect_distance(rects, labels.anchors) > 1.5)
    placement = Placement(rects, placed, moved)
    return _label_scene(labels, placement, sizes_px, family, leader_width), placement, sizes_px


def _label_scene(labels: LabelSet, placement: Placement, sizes_px: np.ndarray, family: str,
                 leader_width: Optional[float]) -> Scene:
    keep = np.flatnonzero(placement.placed)
    if not len(keep):
        return Empty()
    rects = placement.rects[keep]
    colors = labels.colors[keep]
    sizes = sizes_px[keep]
    layers: list = []
    moved = placement.moved[keep]
    if moved.any():
        segments = leader_segments(rects[moved], labels.anchors[keep][moved])
        lw = float(leader_width) if leader_width is not None else float(np.clip(np.median(sizes) / 10, 1.0, 2.5))
        ends = segments[:, 1]
        layers.append(Lines(segments.reshape(-1, 2), np.arange(0, 2 * len(segments) + 1, 2),
                            Style(color=(255, 255, 255), alpha=0.8, width=lw + 2)))
        layers.append(Lines(segments.reshape(-1, 2), np.arange(0, 2 * len(segments) + 1, 2),
                            Style(color=colors[moved], width=lw)))
        layers.append(Circles(ends, lw * 1.6, Style(color=(255, 255, 255), fill=colors[moved], width=1.0)))
    ink = text_colors(colors)
    anchors = labels.anchors[keep]
    on_region = (anchors[:, 2] <= anchors[:, 0]) & (anchors[:, 3] <= anchors[:, 1])
    # A region label sits on its own color: a faint rim sets it apart.
    rims = np.where(on_region[:, None], np.concatenate([ink[:, :3], np.full((len(keep), 1), 115)], axis=1), 0)
    strings = tuple(labels.strings[i] for i in keep)
    layers.append(Texts(strings, rects[:, :2] + _paddings(sizes)[:, :2],
                        Style(color=ink, font_size=sizes, font_family=family, halign="left", valign="top"),
                        background=colors, background_edge=rims.astype(np.uint8) if on_region.any() else None,
                        pad=_box_pads(strings, rects, sizes, family)))
    return Group.of(*layers)


def _box_pads(strings: Sequence[str], rects: np.ndarray, sizes: np.ndarray, family: str) -> np.ndarray:
    """(N, 4) pads putting each label's background on its rectangle rounded to whole pixels
    (crisp edges), around text placed at the rectangle's corner plus :func:`_paddings`."""
    text = rects[:, :2] + _paddings(sizes)[:, :2]
    box = np.rint(rects)
    size = text_size(list(strings), sizes, family)
    return np.stack([text[:, 0] - box[:, 0], text[:, 1] - box[:, 1],
                     box[:, 2] - (text[:, 0] + size[:, 0]), box[:, 3] - (text[:, 1] + size[:, 1])], axis=1)
