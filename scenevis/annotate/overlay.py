"""An overlay in the making: shapes, label requests and legend entries, placed together.

Every annotation builder produces an :class:`Overlay`; overlays add up (``a + b`` draws
``b``'s shapes over ``a``'s and pools their labels), and :meth:`Overlay.scene` runs the
single label placement pass over all of them at once, so labels from instances,
segments and keypoints never collide with each other.
"""
from __future__ import annotations

import math
from typing import Any, Optional, Sequence

import attrs
import numpy as np

from scenevis._arrays import as_image, coords, frozen
from scenevis.annotate.labels import LabelSet, draw_labels
from scenevis.annotate.regions import mask_boxes, outline
from scenevis.nodes import Masks
from scenevis.nodes.items import item_meta
from scenevis.nodes.masks import MaskStack
from scenevis.style import Style
from scenevis.scene import Empty, Group, Image, Scene

__all__ = ["Overlay", "canvas_of", "line_width_for", "mask_layers", "layer"]


def layer(scene: Scene, name: str) -> Scene:
    """``scene`` as the named layer ``name`` (:meth:`Scene.named`), unless it draws nothing."""
    return scene if isinstance(scene, Empty) else scene.named(name)


def _entries(value: Any) -> tuple:
    return tuple((str(name), tuple(int(c) for c in color)) for name, color in value)


@attrs.frozen
class Overlay:
    """Shapes (drawn first), labels (placed and drawn over every shape) and the legend
    entries ``(name, rgba)`` of what the shapes show, in first-seen order."""

    shapes: Scene = attrs.field(factory=Empty)
    labels: LabelSet = attrs.field(factory=LabelSet.empty)
    legend: tuple = attrs.field(default=(), converter=_entries)

    def __add__(self, other: "Overlay") -> "Overlay":
        if not isinstance(other, Overlay):
            return NotImplemented
        seen = dict(self.legend)
        legend = self.legend + tuple((n, c) for n, c in other.legend if n not in seen)
        return Overlay(Group.of(self.shapes, other.shapes), self.labels + other.labels, legend)

    def scene(self, canvas: Sequence[float], *, image: Optional[np.ndarray] = None,
              family: str = "DejaVu Sans", obstacles: Any = None) -> Scene:
        """The overlay as a scene on ``canvas = (width, height)``, over ``image`` when given."""
        labels, _, _ = draw_labels(self.labels, canvas, family=family, obstacles=obstacles)
        base = Image(image) if image is not None else Empty()
        return Group.of(base, self.shapes, layer(labels, "labels"))


def canvas_of(image: Any = None, canvas: Any = None, *, masks: Optional[np.ndarray] = None,
              boxes: Optional[np.ndarray] = None, points: Optional[np.ndarray] = None) -> tuple:
    """``(image array or None, (width, height))``: the canvas is the image's size, else
    ``canvas``, else the masks' size, else what covers the boxes and points."""
    pixels = None
    if image is not None:
        pixels = image.pixels if isinstance(image, Image) else as_image(image, "image")
        return pixels, (pixels.shape[1], pixels.shape[0])
    if canvas is not None:
        width, height = coords(canvas, "canvas", (2,)).tolist()
        if not (width > 0 and height > 0):
            raise ValueError(f"canvas: expected a positive (width, height), got {canvas!r}")
        return None, (width, height)
    if masks is not None and len(masks.shape) >= 2:
        return None, (masks.shape[-1], masks.shape[-2])
    extent = np.zeros(2)
    if boxes is not None and len(boxes):
        extent = np.maximum(extent, boxes[:, 2:].max(axis=0))
    if points is not None and len(points):
        extent = np.maximum(extent, points.reshape(-1, 2).max(axis=0))
    if not (extent > 0).all():
        raise ValueError("canvas: nothing gives the picture a size; pass image= or canvas=(width, height)")
    return None, (math.ceil(extent[0]), math.ceil(extent[1]))


def line_width_for(width: float, height: float) -> float:
    """Box line width in whole pixels for an image: ``sqrt(W * H) / 300`` rounded, in [1, 5]."""
    return float(np.clip(round(math.sqrt(width * height) / 300.0), 1, 5))


def mask_layers(masks: Any, colors: np.ndarray, alpha: float, *, thickness: int = 0,
                edges: Optional[np.ndarray] = None, boxes: Optional[np.ndarray] = None,
                meta: Optional[dict] = None) -> Scene:
    """Each mask blended in its color at ``alpha`` and outlined in it at full opacity.

    ``masks`` is an (N, H, W) bool array or a :class:`~scenevis.nodes.MaskStack` (its
    crops and boxes used as they are). The result is one :class:`~scenevis.nodes.Masks`
    node whose items are each mask's fill, then its outline, mask after mask; each item
    holds only its bounding-box crop, so a hundred full-image masks cost what their
    objects cover, not a hundred images. Empty masks are left out.
    Outlines are ``thickness`` pixels inside each mask's edge, or, with ``edges`` (an
    (H, W) bool border map), the mask's pixels on those borders; ``thickness=0`` without
    ``edges`` draws no outline (one item per mask). ``boxes`` are the masks'
    :func:`~scenevis.annotate.regions.mask_boxes` when the caller has them. ``meta``
    (key -> one value per mask) goes to each mask's items, its fill and its outline alike.
    """
    stacked = isinstance(masks, MaskStack)
    boxes = (masks.boxes if stacked else mask_boxes(masks)) if boxes is None else boxes
    h, w = masks.shape[1:]
    outlined = edges is not None or thickness > 0
    crops, placed, drawn = [], [], []

    def add(crop: np.ndarray, box: Any) -> None:  # frozen now: a copy made later would double the peak
        crops.append(frozen(crop, np.bool_))
        placed.append(box)

    for i, (x0, y0, x1, y1) in enumerate(np.asarray(boxes).tolist()):
        if x1 <= x0 or y1 <= y0:
            continue
        drawn.append(i)
        tight = masks.crops[i] if stacked else masks[i, y0:y1, x0:x1]
        add(tight, (x0, y0, x1, y1))
        if edges is not None:  # the border pixels' own box (none for a mask off every border)
            ring = MaskStack.from_dense((tight & edges[y0:y1, x0:x1])[None])
            add(ring.crops[0], ring.boxes[0] + ((x0, y0, x0, y0) if ring.crops[0].size else 0))
        elif thickness > 0:  # an outline spans its mask's box
            if stacked:  # the pixels around the box are none of the mask's, as outline's own padding
                add(outline(tight, thickness), (x0, y0, x1, y1))
            else:  # a one-pixel margin where there is room, so the outline knows the outside
                top, left = max(y0 - 1, 0), max(x0 - 1, 0)
                crop = masks[i, top:min(y1 + 1, h), left:min(x1 + 1, w)]
                add(outline(crop, thickness)[y0 - top:y1 - top, x0 - left:x1 - left], (x0, y0, x1, y1))
    if not drawn:
        return Empty()
    index = np.repeat(np.array(drawn), 2 if outlined else 1)
    style = Style(color=colors[index], alpha=np.tile([alpha, 1.0], len(drawn)) if outlined else alpha)
    return Masks(MaskStack(crops, placed, (h, w)), 0, 0, style, meta=item_meta(meta).take(index))
