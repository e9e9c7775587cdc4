"""Keypoints with a skeleton and per-point visibility.

Points are (N, K, 2) for N instances of K keypoints. A point is drawn when it is
visible: ``visible`` (N, K) is a bool or a score compared with ``kpt_thr`` (MMPose's
``keypoints_visible`` and ``keypoint_scores`` both work). A skeleton link is drawn when
both its ends are visible. Links are colored by ``link_colors`` and drawn over a dark
halo so they read on any background; points are discs in ``point_colors`` with a white
rim. The COCO 17-keypoint skeleton and its left/right coloring are the default when
K is 17 and no skeleton is given; ``dataset_meta`` may supply MMPose's
``skeleton_links``, ``keypoint_colors`` and ``skeleton_link_colors``.
"""
from __future__ import annotations

import math
from typing import Any, Optional, Sequence

import numpy as np

from scenevis._arrays import as_numpy, check_shape
from scenevis.annotate.access import is_array, read_instances, read_meta
from scenevis.annotate.overlay import Overlay, canvas_of
from scenevis.annotate.palettes import resolve_palette
from scenevis.colors import color_array
from scenevis.nodes import Circles, Lines
from scenevis.scene import Group, Scene
from scenevis.style import Style

__all__ = ["keypoints", "keypoints_overlay", "keypoints_overlay_for", "COCO_SKELETON", "COCO_KEYPOINT_COLORS", "COCO_LINK_COLORS"]

#: COCO's 17 keypoints: nose, eyes, ears, shoulders, elbows, wrists, hips, knees, ankles
#: (left before right); the links join them into a body.
COCO_SKELETON = ((15, 13), (13, 11), (16, 14), (14, 12), (11, 12), (5, 11), (6, 12), (5, 6), (5, 7),
                 (6, 8), (7, 9), (8, 10), (1, 2), (0, 1), (0, 2), (1, 3), (2, 4), (3, 5), (4, 6))
_CENTER, _LEFT, _RIGHT = (86, 180, 233), (230, 159, 0), (0, 158, 115)  # Okabe-Ito blue, orange, green
_SIDE = [_CENTER] + [_LEFT, _RIGHT] * 8
COCO_KEYPOINT_COLORS = tuple(_SIDE)
COCO_LINK_COLORS = tuple(_LEFT if a % 2 == 1 and b % 2 == 1 and min(a, b) > 0 else
                         _RIGHT if a % 2 == 0 and b % 2 == 0 and min(a, b) > 0 else _CENTER
                         for a, b in COCO_SKELETON)


def _links(value: Any, k: int) -> np.ndarray:
    array = as_numpy(value, "skeleton").astype(np.int64) if len(value) else np.zeros((0, 2), np.int64)
    check_shape(array, "skeleton", (None, 2))
    if array.size and (array.min() < 0 or array.max() >= k):
        raise ValueError(f"skeleton: expected keypoint indexes in [0, {k - 1}], got range "
                         f"[{array.min()}, {array.max()}]")
    return array


def _colors(value: Any, n: int, name: str, default: np.ndarray) -> np.ndarray:
    if value is None:
        return default
    colors = color_array(value if not isinstance(value, tuple) else list(value), n, name)
    return np.broadcast_to(colors, (n, 4)) if len(colors) == 1 else colors


def keypoints_overlay(points: np.ndarray, visible: np.ndarray, *, skeleton: np.ndarray,
                      point_colors: np.ndarray, link_colors: np.ndarray, radius: Any,
                      line_width: Any) -> Overlay:
    """Links (halo, then color) and points for (N, K, 2) ``points`` and (N, K) bool
    ``visible``; ``radius`` and ``line_width`` are one value or one per instance."""
    layers: list = []
    n = len(points)
    radius = np.broadcast_to(np.asarray(radius, np.float64), (n,))
    line_width = np.broadcast_to(np.asarray(line_width, np.float64), (n,))
    if len(skeleton):
        both = visible[:, skeleton[:, 0]] & visible[:, skeleton[:, 1]]
        inst, link = np.nonzero(both)
        if len(inst):
            segments = np.stack([points[inst, skeleton[link, 0]], points[inst, skeleton[link, 1]]], axis=1)
            offsets = np.arange(0, 2 * len(segments) + 1, 2)
            flat = segments.reshape(-1, 2)
            layers.append(Lines(flat, offsets, Style(color=(0, 0, 0), alpha=0.45, width=line_width[inst] + 2)))
            layers.append(Lines(flat, offsets, Style(color=link_colors[link], width=line_width[inst])))
    inst, kpt = np.nonzero(visible)
    if len(inst):
        layers.append(Circles(points[inst, kpt], radius[inst], Style(color=(255, 255, 255), fill=point_colors[kpt],
                                                                     width=np.maximum(1.0, radius[inst] / 3))))
    return Overlay(Group.of(*layers))


def keypoints_overlay_for(inst: Any, canvas: tuple, meta: dict, *, visible: Any = None, kpt_thr: float = 0.3,
                          skeleton: Any = None, point_colors: Any = None, link_colors: Any = None,
                          radius: Optional[float] = None, line_width: Optional[float] = None) -> Overlay:
    """The keypoint overlay of read instances (``keypoints`` and visibility fields)."""
    points = inst["keypoints"]
    n, k = points.shape[:2]
    if visible is None:
        visible = inst.get("keypoints_visible", inst.get("keypoint_scores"))
    if visible is None:
        shown = np.ones((n, k), bool)
    else:
        shown = as_numpy(visible, "visible")
        shown = shown.reshape(1, -1) if shown.ndim == 1 else shown
        check_shape(shown, "visible", (n, k))
        shown = shown if shown.dtype == np.bool_ else shown >= kpt_thr
    shown = shown & np.isfinite(points).all(axis=2)
    coco = k == 17 and skeleton is None and "skeleton_links" not in meta
    links = _links(skeleton if skeleton is not None else meta.get("skeleton_links", COCO_SKELETON if coco else ()), k)
    default_points = (color_array(list(COCO_KEYPOINT_COLORS), k) if k == 17 else
                      resolve_palette(None).take(np.arange(k)))
    default_links = (color_array(list(COCO_LINK_COLORS), len(links)) if coco
                     else np.broadcast_to(np.array([[255, 255, 255, 255]], np.uint8), (len(links), 4)))
    kcolors = _colors(point_colors if point_colors is not None else meta.get("keypoint_colors"), k,
                      "point_colors", default_points)
    lcolors = _colors(link_colors if link_colors is not None else meta.get("skeleton_link_colors"),
                      len(links), "link_colors", default_links)
    size = _instance_sizes(points, shown, canvas)
    lw = np.clip(size / 55.0, 1.5, 5.0) if line_width is None else np.full(n, float(line_width))
    r = np.clip(size / 36.0, 2.0, 8.0) if radius is None else np.full(n, float(radius))
    return keypoints_overlay(np.nan_to_num(points), shown, skeleton=links, point_colors=kcolors,
                             link_colors=lcolors, radius=r, line_width=lw)


def _instance_sizes(points: np.ndarray, shown: np.ndarray, canvas: tuple) -> np.ndarray:
    """(N,) the diagonal of each instance's visible keypoints, the scale its dots and
    links are drawn at (a tenth of the canvas diagonal when it shows under two points)."""
    fallback = 0.1 * math.hypot(canvas[0], canvas[1])
    lo = np.where(shown[..., None], points, np.inf).min(axis=1)
    hi = np.where(shown[..., None], points, -np.inf).max(axis=1)
    diag = np.hypot(*(hi - lo).T)
    return np.where((shown.sum(axis=1) >= 2) & np.isfinite(diag), diag, fallback)


def keypoints(data: Any = None, *, visible: Any = None, image: Any = None, canvas: Any = None,
              skeleton: Optional[Sequence[Sequence[int]]] = None, point_colors: Any = None,
              link_colors: Any = None, dataset_meta: Any = None, kpt_thr: float = 0.3,
              radius: Optional[float] = None, line_width: Optional[float] = None) -> Scene:
    """Keypoints as a scene, over ``image`` when given.

    ``data`` is an (N, K, 2) or (K, 2) array of ``x, y`` (an (N, K, 3) array carries
    visibility in its last column), or a dict/data element with ``keypoints`` and
    optionally ``keypoints_visible`` or ``keypoint_scores``. ``visible`` overrides the
    visibility; numbers count as visible when at least ``kpt_thr``. ``radius`` and
    ``line_width`` default to sizes that follow each instance's size (the diagonal of
    its visible points), so small people get small dots.
    """
    if data is None:
        raise TypeError("keypoints: expected an (N, K, 2) array or an element with 'keypoints', got None")
    if is_array(data):
        array = as_numpy(data, "keypoints").astype(np.float64)
        data = {"keypoints": array[None] if array.ndim == 2 else array}
    inst = read_instances(data, "keypoints")
    if inst.get("keypoints") is None:
        raise ValueError("keypoints: expected a 'keypoints' field of shape (N, K, 2), got none")
    meta = read_meta(data, dataset_meta)
    points = inst["keypoints"]
    pixels, size = canvas_of(image, canvas, points=np.where(np.isfinite(points), points, 0.0))
    overlay = keypoints_overlay_for(inst, size, meta, visible=visible, kpt_thr=kpt_thr, skeleton=skeleton,
                                    point_colors=point_colors, link_colors=link_colors, radius=radius,
                                    line_width=line_width)
    return overlay.scene(size, image=pixels)
