"""Semantic and panoptic segmentation maps as scene layers.

A semantic map is (H, W) class ids; pixels equal to ``ignore_index`` (255 by default, as
in MMSegmentation) are left unpainted. A panoptic map is (H, W) segment ids encoding
``class + instance * label_divisor`` (MMDetection's convention, divisor 1000): segments
with instance 0 are *stuff* and take their class color, *things* take a per-instance
shade of it. Each region is blended at ``alpha``, outlined, and labelled once with its
class name at a point deep inside it; labels join the same placement pass as every
other label.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from scenevis.annotate.access import read_map, read_meta
from scenevis.annotate.labels import LabelSet, base_font_size, class_names
from scenevis.annotate.legend import legend_beside
from scenevis.annotate.overlay import Overlay, canvas_of, layer, mask_layers
from scenevis.annotate.palettes import class_colors, instance_shades, resolve_palette
from scenevis.annotate.regions import interior_points, map_outline
from scenevis.colors import Palette
from scenevis.scene import Group, Scene

__all__ = ["semantic", "panoptic", "semantic_overlay", "panoptic_overlay"]


def _region_overlay(seg_map: np.ndarray, ids: np.ndarray, colors: np.ndarray, names: list,
                    valid: np.ndarray, alpha: float, show_labels: bool, outline: bool,
                    font_size: Optional[float], legend: tuple, meta: dict) -> Overlay:
    """Blend one mask per id in ``colors``, outline the borders, label each region; the
    masks are the named layer ``masks``, and masks and labels carry ``meta`` (one value
    per region)."""
    h, w = seg_map.shape
    if not len(ids):
        return Overlay()
    masks = seg_map[None] == ids[:, None, None]
    edges = map_outline(seg_map, ignore=~valid) if outline else None
    layers: list = [layer(mask_layers(masks, colors, alpha, edges=edges, meta=meta), "masks")]
    labels = LabelSet.empty()
    if show_labels:
        points = interior_points(seg_map, ids)
        areas = masks.reshape(len(ids), -1).sum(axis=1).astype(np.float64)
        size = base_font_size(w, h) if font_size is None else float(font_size)
        labels = LabelSet(np.concatenate([points, points], axis=1), names, colors,
                          np.full(len(ids), size), areas / areas.max(), metas=(meta,))
    return Overlay(Group.of(*layers), labels, legend)


def semantic_overlay(seg_map: np.ndarray, *, classes: Optional[Sequence[str]], palette: Palette,
                     ignore_index: Optional[int] = 255, alpha: float = 0.5, show_labels: bool = True,
                     outline: bool = True, font_size: Optional[float] = None) -> Overlay:
    valid = np.ones(seg_map.shape, bool) if ignore_index is None else seg_map != ignore_index
    valid &= seg_map >= 0
    ids = np.unique(seg_map[valid])
    colors = class_colors(ids, palette)
    names = class_names(ids, classes)
    return _region_overlay(seg_map, ids, colors, names, valid, alpha, show_labels, outline, font_size,
                           tuple(zip(names, colors)), {"class": ids, "label": names})


def panoptic_overlay(pan_map: np.ndarray, *, classes: Optional[Sequence[str]], palette: Palette,
                     label_divisor: int = 1000, void: Optional[int] = None, alpha: float = 0.5,
                     show_labels: bool = True, outline: bool = True, font_size: Optional[float] = None) -> Overlay:
    if void is None:
        void = len(classes) if classes is not None else None
    labels = pan_map % label_divisor
    valid = pan_map >= 0
    if void is not None:
        valid &= labels != void
    ids = np.unique(pan_map[valid])
    seg_labels = ids % label_divisor
    instance = ids // label_divisor
    colors = class_colors(seg_labels, palette)
    things = instance > 0
    if things.any():
        colors[things] = instance_shades(seg_labels[things], palette, instance[things] - 1)
    names = class_names(seg_labels, classes)
    first = np.unique(seg_labels, return_index=True)[1]
    legend = tuple((names[i], class_colors(seg_labels[i:i + 1], palette)[0]) for i in np.sort(first))
    return _region_overlay(pan_map, ids, colors, names, valid, alpha, show_labels, outline, font_size, legend,
                           {"class": seg_labels, "label": names, "segment": ids})


def semantic(sem_seg: Any, *, image: Any = None, classes: Optional[Sequence[str]] = None, palette: Any = None,
             dataset_meta: Any = None, ignore_index: Optional[int] = 255, alpha: float = 0.5,
             show_labels: bool = True, outline: bool = True, font_size: Optional[float] = None,
             font_family: str = "DejaVu Sans", legend_side: Optional[str] = None) -> Scene:
    """A semantic segmentation map as a scene, over ``image`` when given.

    ``sem_seg`` is an (H, W) or (1, H, W) array or tensor of class ids, or a data element
    with a ``sem_seg`` field (MMEngine's ``PixelData``). Pixels equal to ``ignore_index``
    stay unpainted. Each class present is blended at ``alpha`` in its palette color,
    outlined, and labelled with its name inside its largest area. ``legend_side`` adds a
    legend of the classes present beside the picture.
    """
    seg_map = read_map(sem_seg, "sem_seg")
    meta = read_meta(None, dataset_meta)
    pixels, size = canvas_of(image, None, masks=seg_map)
    if pixels is not None and pixels.shape[:2] != seg_map.shape:
        raise ValueError(f"sem_seg: expected the image's size {pixels.shape[:2]}, got {seg_map.shape}")
    overlay = semantic_overlay(seg_map, classes=classes if classes is not None else meta.get("classes"),
                               palette=resolve_palette(palette, meta), ignore_index=ignore_index, alpha=alpha,
                               show_labels=show_labels, outline=outline, font_size=font_size)
    return legend_beside(overlay.scene(size, image=pixels, family=font_family), overlay.legend, size, legend_side,
                         font_family=font_family)


def panoptic(pan_seg: Any, *, image: Any = None, classes: Optional[Sequence[str]] = None, palette: Any = None,
             dataset_meta: Any = None, label_divisor: int = 1000, void: Optional[int] = None,
             alpha: float = 0.5, show_labels: bool = True, outline: bool = True,
             font_size: Optional[float] = None, font_family: str = "DejaVu Sans",
             legend_side: Optional[str] = None) -> Scene:
    """A panoptic segmentation map as a scene, over ``image`` when given.

    ``pan_seg`` holds ``class + instance * label_divisor`` per pixel ((H, W), (1, H, W)
    or a data element with ``sem_seg``). Pixels whose class is ``void`` (default: the
    number of classes, MMDetection's VOID) or negative stay unpainted. Stuff segments
    (instance 0) take their class color, thing segments a per-instance shade of it.
    ``legend_side`` adds a legend of the classes present beside the picture.
    """
    if isinstance(label_divisor, bool) or not isinstance(label_divisor, (int, np.integer)) or label_divisor < 1:
        raise ValueError(f"label_divisor: expected a positive integer, got {label_divisor!r}")
    pan_map = read_map(pan_seg, "pan_seg")
    meta = read_meta(None, dataset_meta)
    pixels, size = canvas_of(image, None, masks=pan_map)
    if pixels is not None and pixels.shape[:2] != pan_map.shape:
        raise ValueError(f"pan_seg: expected the image's size {pixels.shape[:2]}, got {pan_map.shape}")
    overlay = panoptic_overlay(pan_map, classes=classes if classes is not None else meta.get("classes"),
                               palette=resolve_palette(palette, meta), label_divisor=int(label_divisor),
                               void=void, alpha=alpha, show_labels=show_labels, outline=outline,
                               font_size=font_size)
    return legend_beside(overlay.scene(size, image=pixels, family=font_family), overlay.legend, size, legend_side,
                         font_family=font_family)
