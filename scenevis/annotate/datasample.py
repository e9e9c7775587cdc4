"""A whole data sample as one picture: ground truth beside (or under) the prediction.

Reads the fields MMDetection, MMSegmentation and MMPose samples carry, from dicts or
data elements alike: ``gt_instances`` / ``pred_instances`` (boxes, labels, scores,
masks, keypoints), ``gt_sem_seg`` / ``pred_sem_seg`` and ``gt_panoptic_seg`` /
``pred_panoptic_seg``. Everything drawn on one image (segments, instances, keypoints)
shares one label placement pass.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

import attrs
import numpy as np

from scenevis._arrays import as_image
from scenevis.annotate.access import field, read_instances, read_map, read_meta
from scenevis.annotate.instances import instance_meta, instances_overlay
from scenevis.annotate.keypoints import keypoints_overlay_for
from scenevis.annotate.labels import base_font_size
from scenevis.annotate.overlay import Overlay, layer
from scenevis.annotate.palettes import resolve_palette
from scenevis.annotate.segmentation import panoptic_overlay, semantic_overlay
from scenevis.colors import Palette
from scenevis.nodes import Lines, Texts
from scenevis.renderer.measure import text_size
from scenevis.scene import Group, Image, Scene
from scenevis.style import Style

__all__ = ["datasample", "side_overlay", "LAYOUTS"]

LAYOUTS = ("side", "overlay")


def side_overlay(sample: Any, side: str, canvas: tuple, *, classes: Optional[Sequence[str]], palette: Palette,
                 meta: dict, score_thr: float = 0.0, dash: str = "-", label_prefix: str = "",
                 priority_boost: float = 0.0, ignore_index: int = 255, first_id: int = 0) -> Overlay:
    """Everything of one side (``'gt'`` or ``'pred'``) of a sample as one overlay; its
    instances' items carry ``id`` ``first_id + i`` for instance i (before any is left out)."""
    overlay = Overlay()
    sem = field(sample, f"{side}_sem_seg")
    if sem is not None:
        seg_map = read_map(sem, f"{side}_sem_seg")
        overlay = overlay + semantic_overlay(seg_map, classes=classes, palette=palette, ignore_index=ignore_index)
    pan = field(sample, f"{side}_panoptic_seg")
    if pan is not None:
        pan_map = read_map(pan, f"{side}_panoptic_seg")
        overlay = overlay + panoptic_overlay(pan_map, classes=classes, palette=palette)
    raw = field(sample, f"{side}_instances")
    if raw is not None:
        inst = read_instances(raw, f"{side}_instances")
        ids = first_id + np.arange(len(inst))
        if score_thr and inst.get("scores") is not None:
            ids = ids[inst["scores"] > score_thr]
            inst = inst.take(inst["scores"] > score_thr)
        if len(inst):
            overlay = overlay + instances_overlay(inst, canvas, classes=classes, palette=palette, dash=dash,
                                                  label_prefix=label_prefix, priority_boost=priority_boost,
                                                  item_ids=ids)
        if inst.get("keypoints") is not None and len(inst):
            overlay = overlay + keypoints_overlay_for(inst, canvas, meta, item_meta=instance_meta(inst, classes, ids))
    return overlay


def _caption(text: str, canvas: tuple, family: str) -> tuple:
    """A small dark tag in the top-left corner: ``(scene, rect)``."""
    size = max(10.0, base_font_size(*canvas) * 0.85)
    w, h = text_size([text], size, family)[0]
    pad = round(size * 0.35)
    rect = np.array([[0.0, 0.0, np.ceil(w + 2 * pad), np.ceil(h + pad)]])
    sides = [[pad, pad / 2, rect[0, 2] - pad - w, rect[0, 3] - pad / 2 - h]]
    scene = Texts((text,), [[pad, pad / 2]], Style(color=(255, 255, 255), font_size=size, font_family=family),
                  background=(20, 20, 20, round(0.72 * 255)), pad=sides)
    return scene, rect


def datasample(image: Any, data_sample: Any = None, *, dataset_meta: Any = None, draw_gt: bool = True,
               draw_pred: bool = True, pred_score_thr: float = 0.3, layout: str = "side",
               palette: Any = None, captions: bool = True, font_family: str = "DejaVu Sans") -> Scene:
    """A data sample drawn over ``image`` (RGB): ground truth left and prediction right
    (``layout='side'``, the picture is twice the image's width, as MMDetection's), or
    both on one image (``layout='overlay'``: ground truth dashed, prediction solid).

    ``data_sample`` is a dict or data element with any of ``gt_instances``,
    ``pred_instances``, ``gt_sem_seg``, ``pred_sem_seg``, ``gt_panoptic_seg``,
    ``pred_panoptic_seg``; predicted instances scoring at most ``pred_score_thr`` are
    left out. Classes and palette come from ``dataset_meta`` (or the sample's metainfo).
    With ``captions`` each image carries a small "ground truth" / "prediction" tag that
    labels keep clear of. Without a sample the image alone is returned.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"layout: expected one of {list(LAYOUTS)}, got {layout!r}")
    pixels = as_image(image, "image")
    canvas = (pixels.shape[1], pixels.shape[0])
    if data_sample is None:
        return Image(pixels)
    meta = read_meta(data_sample, dataset_meta)
    classes = meta.get("classes")
    pal = resolve_palette(palette, meta)
    sides = [s for s, on in (("gt", draw_gt), ("pred", draw_pred)) if on]
    options = dict(classes=classes, palette=pal, meta=meta, ignore_index=int(meta.get("ignore_index", 255)))
    gt = field(data_sample, "gt_instances")
    first_ids = {"gt": 0, "pred": len(read_instances(gt, "gt_instances")) if gt is not None else 0}
    if layout == "overlay" and len(sides) == 2:
        gt_overlay = side_overlay(data_sample, "gt", canvas, dash="--", label_prefix="GT ", priority_boost=-10.0,
                                  **options)
        pred_overlay = side_overlay(data_sample, "pred", canvas, score_thr=pred_score_thr,
                                    first_id=first_ids["pred"], **options)
        overlay = attrs.evolve(gt_overlay, shapes=layer(gt_overlay.shapes, "gt")) + \
            attrs.evolve(pred_overlay, shapes=layer(pred_overlay.shapes, "pred"))
        return _finish(pixels, overlay, "ground truth (dashed) and prediction" if captions else None, font_family)
    panels = []
    for side in sides:
        overlay = side_overlay(data_sample, side, canvas, score_thr=pred_score_thr if side == "pred" else 0.0,
                               first_id=first_ids[side], **options)
        panels.append(_finish(pixels, overlay, ("ground truth" if side == "gt" else "prediction") if captions
                              else None, font_family).named(side))
    if not panels:
        return Image(pixels)
    if len(panels) == 1:
        return panels[0]
    seam = Lines(np.array([[canvas[0], 0.0], [canvas[0], canvas[1]]]), np.array([0, 2]),
                 Style(color=(255, 255, 255), width=2.0))
    return Group.of(panels[0], panels[1].translate(canvas[0], 0), seam)


def _finish(pixels: np.ndarray, overlay: Overlay, caption: Optional[str], family: str) -> Scene:
    canvas = (pixels.shape[1], pixels.shape[0])
    if caption is None:
        return overlay.scene(canvas, image=pixels, family=family)
    tag, rect = _caption(caption, canvas, family)
    return Group.of(overlay.scene(canvas, image=pixels, family=family, obstacles=rect), tag)
