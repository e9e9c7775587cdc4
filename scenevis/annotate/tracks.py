"""Tracked objects, frame by frame: one color per track id, ``#12 person 0.87`` labels, trails.

- A track's color is ``palette[track_id]`` (the palette cycles past its end): it depends
  on the id alone, so a track keeps its color in every frame whatever other ids appear
  or leave; nothing flickers.
- :class:`Trails` is an immutable value holding the last ``length`` anchor points (box
  centre or bottom centre) of every track; ``trails.update(track_ids, boxes)`` returns
  the next frame's value. A track that leaves keeps its fading tail and drops out once
  its last point is ``length`` frames old.
- :func:`tracks` draws one frame: boxes and labels (placed by the one label pass, so
  they never overlap), optional masks and keypoints, and the trails as polylines whose
  opacity falls with age.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

import attrs
import numpy as np

from scenevis._arrays import array_field, as_numpy, check_finite, check_shape, frozen
from scenevis.annotate.keypoints import keypoints_overlay_for
from scenevis.annotate.labels import LabelSet, base_font_size, box_font_sizes
from scenevis.annotate.overlay import Overlay, canvas_of, layer, line_width_for, mask_layers
from scenevis.annotate.palettes import resolve_palette
from scenevis.annotate.regions import mask_boxes
from scenevis.nodes import Boxes, Lines
from scenevis.scene import Empty, Group, Scene
from scenevis.style import Style

__all__ = ["Trails", "tracks", "track_colors", "track_labels", "ANCHORS"]

#: Where on its box a track's trail point sits.
ANCHORS = ("center", "bottom_center")
_FADE_STEPS = 4  # opacity levels a trail fades through, oldest to newest


def track_colors(track_ids: Any, palette: Any = None) -> np.ndarray:
    """(N, 4) uint8 RGBA: each track's color, ``palette[track_id]`` (default palette)."""
    return resolve_palette(palette).take(_ids(track_ids, "track_ids"))


def _ids(value: Any, name: str, n: Optional[int] = None) -> np.ndarray:
    array = as_numpy(value, name)
    if array.size == 0:
        array = array.reshape(0)
    check_shape(array, name, (None,) if n is None else (n,))
    if array.dtype.kind == "f":
        check_finite(array, name)
        if not np.array_equal(array, np.round(array)):
            raise ValueError(f"{name}: expected integer track ids, got {array[array != np.round(array)][0]!r}")
    elif array.dtype.kind not in "iub":
        raise TypeError(f"{name}: expected integer track ids, got dtype {array.dtype}")
    ids = array.astype(np.int64)
    unique, counts = np.unique(ids, return_counts=True)
    if (counts > 1).any():
        raise ValueError(f"{name}: expected each id once per frame, got {unique[counts > 1][0]} "
                         f"{counts[counts > 1][0]} times")
    return ids


def _boxes(value: Any, n: Optional[int] = None) -> np.ndarray:
    array = as_numpy(value, "boxes").astype(np.float64, copy=False)
    if array.size == 0:
        array = array.reshape(0, 4)
    check_shape(array, "boxes", (None, 4) if n is None else (n, 4))
    check_finite(array, "boxes")
    return array


def _anchor_points(boxes: np.ndarray, anchor: str) -> np.ndarray:
    x = (boxes[:, 0] + boxes[:, 2]) / 2
    y = (boxes[:, 1] + boxes[:, 3]) / 2 if anchor == "center" else boxes[:, 3]
    return np.stack([x, y], axis=1)


def _length(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"length: expected an int number of frames, got {type(value).__name__}")
    if not 2 <= value <= 10_000:
        raise ValueError(f"length: expected 2 to 10000 frames, got {value}")
    return int(value)


def _anchor(value: Any) -> str:
    if value not in ANCHORS:
        raise ValueError(f"anchor: expected one of {list(ANCHORS)}, got {value!r}")
    return value


@attrs.frozen
class Trails:
    """The recent path of every track: its last ``length`` anchor points.

    ``ids`` (M,) are the tracks held, ascending; ``points`` (M, length, 2) their anchor
    points, oldest first, the last column being the latest frame; NaN where a track was
    absent. Start from ``Trails(length=30, anchor='bottom_center')`` and call
    :meth:`update` once per frame: it returns the next value and leaves this one as it
    is. A track absent for ``length`` frames has no points left and drops out.
    """

    length: int = attrs.field(default=30, converter=_length)
    anchor: str = attrs.field(default="center", converter=_anchor)
    ids: np.ndarray = array_field(factory=lambda: np.zeros(0, np.int64),
                                  converter=lambda v: frozen(np.asarray(v).reshape(-1), np.int64))
    points: np.ndarray = attrs.field(default=None, converter=lambda v: None if v is None else frozen(v, np.float64),
                                     eq=attrs.cmp_using(eq=lambda a, b: np.array_equal(a, b, equal_nan=True)),
                                     hash=False)

    def __attrs_post_init__(self) -> None:
        if self.points is None:
            object.__setattr__(self, "points", frozen(np.full((len(self.ids), self.length, 2), np.nan), np.float64))
        if self.points.shape != (len(self.ids), self.length, 2):
            raise ValueError(f"points: expected shape ({len(self.ids)}, {self.length}, 2) (ids x length x 2), "
                             f"got {self.points.shape}")
        if len(self.ids) > 1 and not (np.diff(self.ids) > 0).all():
            raise ValueError("ids: expected distinct ids in ascending order")

    def __len__(self) -> int:
        return len(self.ids)

    def update(self, track_ids: Any, boxes: Any) -> "Trails":
        """The trails one frame later, with the tracks ``track_ids`` (N,) at ``boxes``
        (N, 4) xyxy; every other track gets a gap (NaN) for this frame."""
        ids = _ids(track_ids, "track_ids")
        xyxy = _boxes(boxes, len(ids))
        every = np.union1d(self.ids, ids)
        points = np.full((len(every), self.length, 2), np.nan)
        points[np.searchsorted(every, self.ids), :-1] = self.points[:, 1:]
        points[np.searchsorted(every, ids), -1] = _anchor_points(xyxy, self.anchor)
        alive = ~np.isnan(points[..., 0]).all(axis=1)
        return Trails(self.length, self.anchor, every[alive], points[alive])

    def trail(self, track_id: int) -> np.ndarray:
        """(K, 2) the points held for ``track_id``, oldest first (empty when unknown)."""
        found = np.flatnonzero(self.ids == int(track_id))
        if not len(found):
            return np.zeros((0, 2))
        path = self.points[found[0]]
        return path[~np.isnan(path[:, 0])]

    def lines(self, palette: Any = None, width: float = 2.0) -> Scene:
        """The trails as polylines in their tracks' colors, opaque at the newest point and
        fading in :data:`_FADE_STEPS` steps to ``1 / steps`` at the oldest; a gap (a frame
        the track was missing) breaks the line."""
        m, length = self.points.shape[:2]
        if m == 0:
            return Empty()
        valid = ~np.isnan(self.points[..., 0])
        joined = valid[:, :-1] & valid[:, 1:]  # segment j joins points j and j + 1
        age = (length - 2) - np.arange(length - 1)  # 0 for the newest segment
        steps = min(_FADE_STEPS, length - 1)
        level = np.broadcast_to(age * steps // (length - 1), joined.shape)
        first = np.zeros_like(joined)
        first[:, 0] = joined[:, 0]
        first[:, 1:] = joined[:, 1:] & (~joined[:, :-1] | (level[:, 1:] != level[:, :-1]))
        track, seg = np.nonzero(joined)
        if not len(track):
            return Empty()
        starts = first[track, seg]
        # each line is its first segment's start point, then every segment's end point
        flat = self.points.reshape(-1, 2)
        begin, end = track * length + seg, track * length + seg + 1
        order = np.stack([begin, end], axis=1)
        keep = np.stack([starts, np.ones_like(starts)], axis=1)
        xy = flat[order[keep]]
        line = np.cumsum(starts) - 1
        counts = np.bincount(line) + 1
        offsets = np.concatenate([[0], np.cumsum(counts)])
        line_track = track[starts]
        alpha = (steps - level[line_track, seg[starts]]) / steps
        colors = resolve_palette(palette).take(self.ids[line_track])
        return Lines(xy, offsets, Style(color=colors, alpha=alpha, width=float(width)))


def track_labels(track_ids: np.ndarray, names: Optional[Sequence[str]] = None,
                 scores: Optional[np.ndarray] = None) -> list:
    """``'#12 person 0.87'``: the id, then the class name and score when given."""
    out = []
    for i, track_id in enumerate(track_ids.tolist()):
        parts = [f"#{track_id}"]
        if names is not None and names[i]:
            parts.append(str(names[i]))
        if scores is not None:
            parts.append(f"{float(scores[i]):.2f}")
        out.append(" ".join(parts))
    return out


def _names(labels: Any, n: int, classes: Optional[Sequence[str]]) -> Optional[list]:
    if labels is None:
        return None
    if isinstance(labels, (list, tuple)) and all(isinstance(v, str) for v in labels):
        if len(labels) != n:
            raise ValueError(f"labels: expected {n} names (one per box), got {len(labels)}")
        return list(labels)
    array = as_numpy(labels, "labels")
    check_shape(array.reshape(-1) if array.size == 0 else array, "labels", (n,))
    if array.dtype.kind not in "iu":
        raise TypeError(f"labels: expected class names or integer class ids, got dtype {array.dtype}")
    if classes is None:
        return [f"class {c}" for c in array.tolist()]
    return [str(classes[c]) if 0 <= c < len(classes) else f"class {c}" for c in array.tolist()]


def tracks(image: Any = None, boxes: Any = None, track_ids: Any = None, *, labels: Any = None,
           scores: Any = None, classes: Optional[Sequence[str]] = None, trails: Optional[Trails] = None,
           masks: Any = None, keypoints: Any = None, canvas: Any = None, palette: Any = None,
           line_width: Optional[float] = None, font_size: Optional[float] = None,
           trail_width: Optional[float] = None, mask_alpha: float = 0.5, show_labels: bool = True,
           font_family: str = "DejaVu Sans") -> Scene:
    """One frame of tracked objects as a scene, over ``image`` when given.

    ``boxes`` (N, 4) xyxy and ``track_ids`` (N,) integers, each id once; ``labels`` are N
    class names or class ids (named by ``classes``); ``scores`` (N,). Each box is drawn in
    its track's color (:func:`track_colors`) with the label ``'#12 person 0.87'``;
    ``masks`` (N, H, W) are blended in the same colors at ``mask_alpha``; ``keypoints``
    (N, K, 2), or (N, K, 3) with visibility, are drawn with their skeleton (COCO's for
    K = 17). ``trails`` (a :class:`Trails`, usually already updated with this frame)
    are drawn under the boxes. Line width and font size follow the image size unless
    given; the canvas is the image, else ``canvas=(width, height)``, else what covers
    the boxes.
    """
    if boxes is None or track_ids is None:
        raise TypeError("tracks: expected boxes (N, 4) and track_ids (N,), got None")
    ids = _ids(track_ids, "track_ids")
    n = len(ids)
    xyxy = _boxes(boxes, n)
    if trails is not None and not isinstance(trails, Trails):
        raise TypeError(f"trails: expected a scenevis.annotate.Trails, got {type(trails).__name__}")
    mask_array = None
    if masks is not None:
        mask_array = as_numpy(masks, "masks")
        check_shape(mask_array, "masks", (n, None, None))
        mask_array = mask_array if mask_array.dtype == np.bool_ else mask_array != 0
    pixels, size = canvas_of(image, canvas, masks=mask_array, boxes=xyxy)
    width, height = size
    pal = resolve_palette(palette)
    colors = pal.take(ids)
    lw = line_width_for(width, height) if line_width is None else float(line_width)
    score_array = None
    if scores is not None:
        score_array = as_numpy(scores, "scores").astype(np.float64).reshape(-1)
        check_shape(score_array, "scores", (n,))
    names = _names(labels, n, classes) if labels is not None else None
    meta = {"id": ids}
    if names is not None:
        meta["label"] = names
    if score_array is not None:
        meta["score"] = score_array
    layers: list = []
    if trails is not None:
        layers.append(layer(trails.lines(pal, max(3.0, 1.5 * lw) if trail_width is None else float(trail_width)),
                            "trails"))
    if mask_array is not None and n:
        if mask_array.shape[1:] != (round(height), round(width)):
            raise ValueError(f"masks: expected (N, {round(height)}, {round(width)}) masks of the image's size, "
                             f"got shape {mask_array.shape}")
        layers.append(layer(mask_layers(mask_array, colors, mask_alpha, thickness=max(1, int(round(lw / 2))),
                                        boxes=mask_boxes(mask_array), meta=meta), "masks"))
    layers.append(layer(Boxes(xyxy, Style(color=colors, width=lw), meta=meta), "boxes"))
    overlay = Overlay(Group.of(*layers))
    if keypoints is not None:
        points = as_numpy(keypoints, "keypoints").astype(np.float64)
        check_shape(points, "keypoints", (n, None, 2), (n, None, 3))
        overlay = overlay + keypoints_overlay_for({"keypoints": points[..., :2],
                                                   "keypoints_visible": points[..., 2] if points.shape[-1] == 3
                                                   else None}, size, {}, item_meta=meta)
    if show_labels and n:
        strings = track_labels(ids, names if names is not None else _names(labels, n, classes), score_array)
        anchors = xyxy + np.array([-lw / 2, -lw / 2, lw / 2, lw / 2])  # flush with the stroke's outer edge
        sizes = box_font_sizes(anchors, base_font_size(width, height)) if font_size is None \
            else np.full(n, float(font_size))
        # the oldest tracks (lowest ids) are placed first, so labels keep their spots frame to frame
        overlay = overlay + Overlay(labels=LabelSet(anchors, strings, colors, sizes, -ids.astype(np.float64),
                                                    metas=(meta,)))
    return overlay.scene(size, image=pixels, family=font_family)
