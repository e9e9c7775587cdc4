"""Instances (boxes, labels, scores, masks) as scene layers.

Boxes are stroked in their class color; masks are blended in a shade of it (one shade
per instance of a class, so touching instances of one class stay apart) and outlined in
the same shade; labels read ``'person 87.0'`` on a box of the class color. Colors come
from the palette by class id, so a class looks the same in every picture.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from scenevis._arrays import numbers
from scenevis.annotate.access import Instances, box_corners, read_instances, read_meta, upright_boxes
from scenevis.annotate.labels import LabelPlacement, LabelSet, base_font_size, box_font_sizes, class_names, label_texts
from scenevis.annotate.legend import legend_beside
from scenevis.annotate.overlay import Overlay, canvas_of, layer, line_width_for, mask_layers
from scenevis.annotate.palettes import class_colors, instance_shades, resolve_palette
from scenevis.annotate.regions import mask_boxes, mask_centres
from scenevis.colors import Palette
from scenevis.nodes import Boxes, MaskStack, RotatedBoxes
from scenevis.scene import Group, Scene
from scenevis.style import Style

__all__ = ["instances", "instances_overlay", "instance_meta"]


def instances_overlay(data: Instances, canvas: tuple, *, classes: Optional[Sequence[str]] = None,
                      palette: Palette, show_boxes: bool = True, show_masks: bool = True,
                      show_labels: bool = True, show_scores: bool = True, mask_alpha: float = 0.5,
                      line_width: Optional[float] = None, font_size: Any = None,
                      dash: str = "-", label_prefix: str = "", priority_boost: float = 0.0,
                      placement: Optional[LabelPlacement] = None, item_ids: Any = None) -> Overlay:
    """The overlay of already-read instances on a ``canvas = (width, height)``. Rotated
    boxes ((N, 5) or (N, 8) ``bboxes``) are drawn as such, each label at the box's top corner.
    Masks and boxes are the named layers ``masks`` and ``boxes``; every item (mask, box,
    label) carries its instance's metadata (:func:`instance_meta`, ``id`` from
    ``item_ids``, default ``0..N-1``)."""
    n = len(data)
    if n == 0:
        return Overlay()
    width, height = canvas
    labels = data.get("labels")
    ids = labels if labels is not None else np.zeros(n, np.int64)
    colors = class_colors(ids, palette) if labels is not None else palette.take(np.arange(n))
    meta = instance_meta(data, classes, np.arange(n) if item_ids is None else item_ids)
    names = meta.get("label")
    layers: list = []
    rotated = data.get("bboxes") is not None and data["bboxes"].shape[1] != 4
    anchors = None if rotated else data.get("bboxes")
    if data.get("masks") is not None and data["masks"].shape[1:] != (round(height), round(width)):
        raise ValueError(f"masks: expected (N, {round(height)}, {round(width)}) masks of the image's size, "
                         f"got shape {data['masks'].shape}")
    masks = data.get("masks") if show_masks else None
    if masks is not None and len(masks):
        shades = instance_shades(ids, palette, data.get("instance_ids")) if labels is not None else colors
        extents = mask_boxes(masks) if not isinstance(masks, MaskStack) else masks.boxes
        thickness = max(1, int(round(line_width_for(width, height) / 2)))
        layers.append(layer(mask_layers(masks, shades, mask_alpha, thickness=thickness, boxes=extents, meta=meta),
                            "masks"))
        if anchors is None:
            anchors = extents.astype(np.float64)
    elif anchors is None and data.get("masks") is not None:
        anchors = (data["masks"].boxes if isinstance(data["masks"], MaskStack)
                   else mask_boxes(data["masks"])).astype(np.float64)
    lw = line_width_for(width, height) if line_width is None else float(line_width)
    if rotated:
        node = RotatedBoxes(box_corners(data["bboxes"]), style=Style(color=colors, width=lw, dash=dash), meta=meta)
        if show_boxes:
            layers.append(layer(node, "boxes"))
        top = node.top_corners() - (0.0, lw / 2 if show_boxes else 0.0)  # flush with the stroke's outer edge
        anchors = np.concatenate([top, top], axis=1)
    elif show_boxes and data.get("bboxes") is not None:
        layers.append(layer(Boxes(data["bboxes"], Style(color=colors, width=lw, dash=dash), meta=meta), "boxes"))
        anchors = anchors + np.array([-lw / 2, -lw / 2, lw / 2, lw / 2])  # flush with the stroke's outer edge
    label_set = None
    if show_labels and anchors is not None:
        scores = data.get("scores")
        strings = [label_prefix + s for s in label_texts(names or [""] * n, scores, show_scores=show_scores)]
        strings = [s.strip() for s in strings]
        keep = np.array([bool(s) for s in strings])
        sizes = box_font_sizes(anchors, base_font_size(width, height)) if font_size is None \
            else np.broadcast_to(numbers(font_size, "font_size", 1.0, 400.0), (n,))
        priority = (scores if scores is not None else -np.arange(n, dtype=np.float64)) + priority_boost
        wishes = (placement or LabelPlacement()).wishes(n, masks=data.get("masks"))
        if rotated and "positions" not in wishes:
            wishes["positions"] = ("top_center",) * n  # above the top corner, centred on it
        elif wishes.get("positions") is not None and data.get("masks") is not None:
            mass = [i for i, name in enumerate(wishes["positions"]) if name == "mass"]
            if mass:
                chosen = data["masks"].take(np.array(mass)) if isinstance(data["masks"], MaskStack) \
                    else data["masks"][mass]
                centres = mask_centres(np.asarray(chosen))
                anchors = anchors.copy()
                anchors[mass] = np.concatenate([centres, centres], axis=1)
        label_set = LabelSet(anchors, strings, colors, sizes, priority, metas=(meta,), **wishes)
        if not keep.all():
            label_set = label_set.take(keep)
    legend = ()
    if labels is not None:
        first = np.unique(ids, return_index=True)[1]
        entry_names = class_names(ids[np.sort(first)], classes)
        legend = tuple(zip(entry_names, class_colors(ids[np.sort(first)], palette)))
    return Overlay(Group.of(*layers), label_set if label_set is not None else LabelSet.empty(), legend)


def instance_meta(data: Instances, classes: Optional[Sequence[str]], ids: Any) -> dict:
    """The metadata of each instance: ``class`` (its label id) and ``label`` (its name:
    ``label_names``, else the class name) when it has them, ``score`` when scored, and
    ``id`` (``ids``)."""
    meta = {}
    if data.get("labels") is not None:
        meta["class"] = data["labels"]
    if data.get("labels") is not None or data.get("label_names") is not None:
        labels = data["labels"] if data.get("labels") is not None else np.zeros(len(data), np.int64)
        meta["label"] = class_names(labels, classes, data.get("label_names"))
    if data.get("scores") is not None:
        meta["score"] = data["scores"]
    meta["id"] = np.asarray(ids, np.int64)
    return meta


def instances(data: Any = None, *, bboxes: Any = None, labels: Any = None, scores: Any = None,
              masks: Any = None, label_names: Any = None, instance_ids: Any = None,
              image: Any = None, canvas: Any = None, classes: Optional[Sequence[str]] = None,
              palette: Any = None, dataset_meta: Any = None, score_thr: float = 0.0,
              show_boxes: bool = True, show_masks: bool = True, show_labels: bool = True,
              show_scores: bool = True, mask_alpha: float = 0.5, line_width: Optional[float] = None,
              font_size: Any = None, font_family: str = "DejaVu Sans",
              legend_side: Optional[str] = None, label_anchor: Any = None, label_inside: Any = False,
              label_offset: Any = (0.0, 0.0), label_max_width: Any = None, label_overflow: str = "wrap") -> Scene:
    """Detected or annotated instances as a scene, over ``image`` when given.

    ``data`` is a dict or data element with ``bboxes`` (N, 4) xyxy, ``labels`` (N,),
    optional ``scores`` (N,), ``masks`` (N, H, W) (or a :class:`~scenevis.nodes.MaskStack`), ``label_names`` (N strings, overriding
    class names) and ``instance_ids`` (N,, picking the mask shades); the same fields may
    be passed as keyword arguments instead. Instances scoring below ``score_thr`` are
    left out. Class names come from ``classes`` or ``dataset_meta['classes']``; colors
    from ``palette`` (a Palette, ``'default'``, ``'colorblind'`` or colors) or
    ``dataset_meta['palette']``. The canvas labels are kept inside is the image, else
    ``canvas=(width, height)``, else the masks' size or what covers the boxes. Font size
    and line width follow the image size (and each box's size) unless given.
    ``legend_side`` (``'right'``, ``'left'``, ``'bottom'``, ``'top'``) adds a legend of the
    classes shown beside the picture.

    ``bboxes`` may be rotated: (N, 5) ``cx, cy, w, h, angle`` (MMRotate's) or (N, 8)
    corners; their labels sit above each box's top corner. Labels can be placed:
    ``label_anchor`` (a position on the box such as ``'top_left'`` or ``'center'``, or
    ``'mass'``, a mask's centre of mass; one or one per instance), ``label_inside``,
    ``label_offset`` (dx, dy), ``label_max_width`` with ``label_overflow`` (``'wrap'`` or
    ``'ellipsis'``), and ``font_size`` one per instance; when these conflict, the rule of
    :mod:`scenevis.annotate.labels` decides (labels never overlap nor leave the canvas).
    """
    fields = {k: v for k, v in dict(bboxes=bboxes, labels=labels, scores=scores, masks=masks,
                                    label_names=label_names, instance_ids=instance_ids).items() if v is not None}
    if data is not None and fields:
        raise TypeError(f"instances: pass the fields in data or as keywords, not both (got data and {sorted(fields)})")
    inst = read_instances(data if data is not None else fields)
    item_ids = np.arange(len(inst))
    if score_thr and inst.get("scores") is not None:
        item_ids = np.flatnonzero(inst["scores"] >= score_thr)
        inst = inst.take(inst["scores"] >= score_thr)
    meta = read_meta(data, dataset_meta)
    boxes = inst.get("bboxes")
    pixels, size = canvas_of(image, canvas, masks=inst.get("masks"),
                             boxes=None if boxes is None else upright_boxes(boxes))
    placement = LabelPlacement(label_anchor, label_inside, label_offset, label_max_width, label_overflow)
    overlay = instances_overlay(inst, size, classes=classes if classes is not None else meta.get("classes"),
                                palette=resolve_palette(palette, meta), show_boxes=show_boxes,
                                show_masks=show_masks, show_labels=show_labels, show_scores=show_scores,
                                mask_alpha=mask_alpha, line_width=line_width, font_size=font_size,
                                placement=placement, item_ids=item_ids)
    return legend_beside(overlay.scene(size, image=pixels, family=font_family), overlay.legend, size, legend_side,
                         font_family=font_family)
