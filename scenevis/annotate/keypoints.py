"""Keypoints with a skeleton and per-point visibility.

Points are (N, K, 2) for N instances of K keypoints. A point is drawn when it is
visible: ``visible`` (N, K) is a bool or a score compared with ``kpt_thr`` (MMPose's
``keypoints_visible`` and ``keypoint_scores`` both work). A skeleton link is drawn when
both its ends are visible. Links are colored by ``link_colors`` and drawn over a dark
halo so they read on any background; points are discs in ``point_colors`` with a white
rim. The COCO 17-keypoint skeleton and its left/right coloring are the default when
K is 17 and no skeleton is given; ``dataset_meta`` may supply MMPose's
``skeleton_links``, ``keypoint_colors``, ``skeleton_link_colors`` and
``keypoint_id2name``.

Three looks (``style``): ``'scenevis'`` (the above), ``'mmpose'`` (MMPose's: plain links in
the link colors, dots in the point colors, no halo or rim) and ``'openpose'`` (OpenPose's:
COCO's 17 points become OpenPose's 18 with a neck between the shoulders, links are
translucent spindles and everything is in OpenPose's rainbow, as MMPose draws it with
``skeleton_style='openpose'``). ``show_kpt_idx`` labels each visible point with its index,
``show_kpt_names`` with its name; these labels join the picture's one placement pass.
"""
from __future__ import annotations

import math
from typing import Any, Optional, Sequence

import numpy as np

from scenevis._arrays import as_numpy, check_shape, numbers
from scenevis.annotate.access import is_array, read_instances, read_meta
from scenevis.annotate.labels import LabelSet
from scenevis.annotate.overlay import Overlay, canvas_of, layer
from scenevis.annotate.palettes import resolve_palette
from scenevis.colors import color_array
from scenevis.nodes import Circles, Lines, Polygons
from scenevis.scene import Group, Scene
from scenevis.style import Style

__all__ = ["keypoints", "keypoints_overlay", "keypoints_overlay_for", "COCO_SKELETON", "COCO_KEYPOINT_COLORS",
           "COCO_LINK_COLORS", "COCO_KEYPOINT_NAMES", "OPENPOSE_SKELETON", "OPENPOSE_COLORS", "OPENPOSE_FROM_COCO",
           "KEYPOINT_STYLES"]

KEYPOINT_STYLES = ("scenevis", "mmpose", "openpose")
COCO_KEYPOINT_NAMES = ("nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder",
                       "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip",
                       "left_knee", "right_knee", "left_ankle", "right_ankle")
#: OpenPose's 18 points from COCO's 17 (-1: the neck, the shoulders' midpoint): nose, neck,
#: right shoulder, elbow, wrist, left shoulder, elbow, wrist, right hip, knee, ankle, left
#: hip, knee, ankle, right eye, left eye, right ear, left ear.
OPENPOSE_FROM_COCO = (0, -1, 6, 8, 10, 5, 7, 9, 12, 14, 16, 11, 13, 15, 2, 1, 4, 3)
#: OpenPose's 17 limbs over its 18 points; limb i and point i are drawn in OPENPOSE_COLORS[i].
OPENPOSE_SKELETON = ((1, 2), (1, 5), (2, 3), (3, 4), (5, 6), (6, 7), (1, 8), (8, 9), (9, 10), (1, 11), (11, 12),
                     (12, 13), (1, 0), (0, 14), (14, 16), (0, 15), (15, 17))
OPENPOSE_COLORS = ((255, 0, 0), (255, 85, 0), (255, 170, 0), (255, 255, 0), (170, 255, 0), (85, 255, 0),
                   (0, 255, 0), (0, 255, 85), (0, 255, 170), (0, 255, 255), (0, 170, 255), (0, 85, 255),
                   (0, 0, 255), (85, 0, 255), (170, 0, 255), (255, 0, 255), (255, 0, 170), (255, 0, 85))

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


def _spindles(segments: np.ndarray, half_width: np.ndarray, steps: int = 24) -> Polygons:
    """Thin ellipses along (M, 2, 2) segments, ``half_width`` across: OpenPose's limbs."""
    t = np.linspace(0.0, 2 * np.pi, steps, endpoint=False)
    mid = segments.mean(axis=1)
    along = (segments[:, 1] - segments[:, 0]) / 2
    across = np.stack([-along[:, 1], along[:, 0]], axis=1)
    length = np.maximum(np.hypot(across[:, 0], across[:, 1]), 1e-9)[:, None]
    across = across / length * np.asarray(half_width, np.float64).reshape(-1, 1)
    ring = mid[:, None] + np.cos(t)[None, :, None] * along[:, None] + np.sin(t)[None, :, None] * across[:, None]
    return Polygons(ring.reshape(-1, 2), np.arange(0, steps * len(ring) + 1, steps), np.arange(len(ring) + 1))


def keypoints_overlay(points: np.ndarray, visible: np.ndarray, *, skeleton: np.ndarray,
                      point_colors: np.ndarray, link_colors: np.ndarray, radius: Any,
                      line_width: Any, style: str = "scenevis", names: Optional[Sequence[str]] = None,
                      meta: Optional[dict] = None) -> Overlay:
    """Links and points for (N, K, 2) ``points`` and (N, K) bool ``visible`` in one of
    :data:`KEYPOINT_STYLES`, as the named layer ``keypoints``; ``radius`` is one value,
    one per instance (N,) or one per point (N, K); ``line_width`` one value or one per
    instance. ``names`` (K strings) label the visible points. Each link, point and point
    label carries its instance's ``meta`` (key -> one value per instance, default its
    ``id``, ``0..N-1``); points and their labels also their ``keypoint`` index."""
    layers: list = []
    n, k = points.shape[:2]
    meta = {"id": np.arange(n)} if meta is None else meta

    def rows(inst: np.ndarray, **more) -> dict:
        return {**{key: np.asarray(values)[inst] for key, values in meta.items()}, **more}

    radius = np.asarray(radius, np.float64)
    radius = np.broadcast_to(radius[:, None] if radius.ndim == 1 else radius, (n, k))
    line_width = np.broadcast_to(np.asarray(line_width, np.float64), (n,))
    if len(skeleton):
        both = visible[:, skeleton[:, 0]] & visible[:, skeleton[:, 1]]
        inst, link = np.nonzero(both)
        if len(inst):
            segments = np.stack([points[inst, skeleton[link, 0]], points[inst, skeleton[link, 1]]], axis=1)
            offsets = np.arange(0, 2 * len(segments) + 1, 2)
            flat = segments.reshape(-1, 2)
            if style == "openpose":
                layers.append(_spindles(segments, np.maximum(line_width[inst], 2.0)).replace(
                    style=Style(color=link_colors[link], fill=link_colors[link], alpha=0.6, width=0.0),
                    meta=rows(inst)))
            else:
                if style == "scenevis":
                    layers.append(Lines(flat, offsets, Style(color=(0, 0, 0), alpha=0.45, width=line_width[inst] + 2),
                                        meta=rows(inst)))
                layers.append(Lines(flat, offsets, Style(color=link_colors[link], width=line_width[inst]),
                                    meta=rows(inst)))
    inst, kpt = np.nonzero(visible)
    labels = LabelSet.empty()
    if len(inst):
        r = radius[inst, kpt]
        rims = Style(color=(255, 255, 255), fill=point_colors[kpt], width=np.maximum(1.0, r / 3)) \
            if style == "scenevis" else Style(color=point_colors[kpt], fill=point_colors[kpt], width=0.0)
        layers.append(Circles(points[inst, kpt], r, rims, meta=rows(inst, keypoint=kpt)))
        if names is not None:
            at = points[inst, kpt]
            anchors = np.concatenate([at - r[:, None], at + r[:, None]], axis=1)
            labels = LabelSet(anchors, [names[j] for j in kpt], point_colors[kpt], np.maximum(8.0, 2.5 * r),
                              np.full(len(kpt), -100.0), positions=("top_center",) * len(kpt),
                              metas=(rows(inst, keypoint=kpt),))
    return Overlay(layer(Group.of(*layers), "keypoints"), labels)


def keypoints_overlay_for(inst: Any, canvas: tuple, meta: dict, *, visible: Any = None, kpt_thr: float = 0.3,
                          skeleton: Any = None, point_colors: Any = None, link_colors: Any = None,
                          radius: Any = None, line_width: Optional[float] = None, style: str = "scenevis",
                          show_kpt_idx: bool = False, show_kpt_names: bool = False,
                          kpt_names: Optional[Sequence[str]] = None, item_meta: Optional[dict] = None) -> Overlay:
    """The keypoint overlay of read instances (``keypoints`` and visibility fields); each
    instance's items carry its row of ``item_meta`` (default: its ``id``)."""
    if style not in KEYPOINT_STYLES:
        raise ValueError(f"style: expected one of {list(KEYPOINT_STYLES)}, got {style!r}")
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
    names = _point_names(k, meta, show_kpt_idx, show_kpt_names, kpt_names)
    size = _instance_sizes(points, shown, canvas)
    lw = np.clip(size / 55.0, 1.5, 5.0) if line_width is None else np.full(n, float(line_width))
    r = np.clip(size / 36.0, 2.0, 8.0)[:, None] if radius is None else _radii(radius, n, k)
    if style == "openpose":
        if k != 17:
            raise ValueError(f"style: 'openpose' expects COCO's 17 keypoints, got {k}")
        pick = np.array(OPENPOSE_FROM_COCO)
        neck = (points[:, 5] + points[:, 6]) / 2
        points = np.concatenate([points, neck[:, None]], axis=1)[:, pick]
        shown = np.concatenate([shown, (shown[:, 5] & shown[:, 6])[:, None]], axis=1)[:, pick]
        r = np.broadcast_to(r, (n, k))
        r = np.concatenate([r, r[:, 5:6]], axis=1)[:, pick]
        colors = color_array(list(OPENPOSE_COLORS), 18)
        names = None if names is None else [names[j] if j >= 0 else ("neck" if show_kpt_names else "17") for j in pick]
        return keypoints_overlay(np.nan_to_num(points), shown, skeleton=np.array(OPENPOSE_SKELETON),
                                 point_colors=colors, link_colors=colors[:len(OPENPOSE_SKELETON)], radius=r,
                                 line_width=lw, style=style, names=names)
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
    return keypoints_overlay(np.nan_to_num(points), shown, skeleton=links, point_colors=kcolors,
                             link_colors=lcolors, radius=r, line_width=lw, style=style, names=names,
                             meta=item_meta)


def _radii(radius: Any, n: int, k: int) -> np.ndarray:
    """(1, 1), (1, K) or (N, K) radii from one number or one per keypoint (K,)."""
    values = numbers(radius, "radius", 0.0, 1000.0)
    if len(values) == 1:
        return values.reshape(1, 1)
    if len(values) != k:
        raise ValueError(f"radius: expected one value or {k} (one per keypoint), got {len(values)}")
    return values.reshape(1, k)


def _point_names(k: int, meta: dict, show_idx: bool, show_names: bool, given: Any) -> Optional[list]:
    """The label of each keypoint (K strings), or None when points are not labelled."""
    if not (show_idx or show_names):
        return None
    if show_idx:
        return [str(j) for j in range(k)]
    if given is not None:
        names = [str(name) for name in given]
    elif meta.get("keypoint_id2name") is not None:
        table = meta["keypoint_id2name"]
        names = [str(table.get(j, j)) for j in range(k)]
    elif k == 17:
        names = list(COCO_KEYPOINT_NAMES)
    else:
        names = [str(j) for j in range(k)]
    if len(names) != k:
        raise ValueError(f"kpt_names: expected {k} names (one per keypoint), got {len(names)}")
    return names


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
              radius: Any = None, line_width: Optional[float] = None, style: str = "scenevis",
              show_kpt_idx: bool = False, show_kpt_names: bool = False, kpt_names: Any = None) -> Scene:
    """Keypoints as a scene, over ``image`` when given.

    ``data`` is an (N, K, 2) or (K, 2) array of ``x, y`` (an (N, K, 3) array carries
    visibility in its last column), or a dict/data element with ``keypoints`` and
    optionally ``keypoints_visible`` or ``keypoint_scores``. ``visible`` overrides the
    visibility; numbers count as visible when at least ``kpt_thr``. ``radius`` (one
    value, or one per keypoint) and ``line_width`` default to sizes that follow each
    instance's size (the diagonal of its visible points), so small people get small dots.
    ``point_colors`` are one per keypoint and ``link_colors`` one per skeleton link.
    ``style`` is ``'scenevis'``, ``'mmpose'`` or ``'openpose'`` (see the module);
    ``show_kpt_idx`` labels points with their index, ``show_kpt_names`` with their names
    (``kpt_names``, else ``dataset_meta['keypoint_id2name']``, else COCO's).
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
                                    line_width=line_width, style=style, show_kpt_idx=show_kpt_idx,
                                    show_kpt_names=show_kpt_names, kpt_names=kpt_names)
    return overlay.scene(size, image=pixels)
