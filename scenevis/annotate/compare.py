"""The error view: predictions against ground truth, each box marked by what it is.

Predictions are matched to ground truth the way COCO-style evaluation does: by
descending score, each prediction takes the unmatched ground-truth box of its class
with the highest IoU, if that IoU is at least ``iou``. Then

- true positives (matched predictions) are solid boxes,
- false positives (unmatched predictions) are dashed boxes, their label saying why when
  it can: ``(IoU 0.32)`` for a box of the right class placed too loosely, ``(gt cat)``
  for a well-placed box of the wrong class,
- missed objects (unmatched ground truth) are dotted boxes,

in three colors from the Okabe-Ito palette (distinct under color blindness, and the
line styles differ as well), with a legend that counts each kind.
"""
from __future__ import annotations

from typing import Any, NamedTuple, Optional, Sequence

import numpy as np

from scenevis.annotate.access import read_instances, read_meta
from scenevis.annotate.labels import LabelSet, base_font_size, box_font_sizes, class_names, label_texts
from scenevis.annotate.legend import legend_beside
from scenevis.annotate.overlay import Overlay, canvas_of, layer, line_width_for
from scenevis._arrays import as_numpy, check_shape, coords, number, numbers
from scenevis.colors import class_id_array, parse_color
from scenevis.nodes import Boxes
from scenevis.scene import Group, Scene
from scenevis.style import Style

__all__ = ["Match", "match", "compare", "compare_overlay", "TP_COLOR", "FP_COLOR", "MISSED_COLOR"]

TP_COLOR = parse_color("#009e73").rgba
FP_COLOR = parse_color("#d55e00").rgba
MISSED_COLOR = parse_color("#0072b2").rgba
#: The ``match`` metadata of the three kinds of boxes the error view draws.
MATCHES = ("true positive", "false positive", "missed")


class Match(NamedTuple):
    """``tp`` (P,) bool per prediction; ``gt_index`` (P,) the matched ground truth or -1;
    ``missed`` (G,) bool per ground-truth box; ``best_iou`` (P,) and ``best_gt`` (P,):
    each prediction's highest IoU with any ground truth box, and which box (-1 if none)."""

    tp: np.ndarray
    gt_index: np.ndarray
    missed: np.ndarray
    best_iou: np.ndarray
    best_gt: np.ndarray


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(len(a), len(b)) IoU of xyxy boxes."""
    a, b = np.asarray(a, np.float64).reshape(-1, 4), np.asarray(b, np.float64).reshape(-1, 4)
    lo = np.maximum(a[:, None, :2], b[None, :, :2])
    hi = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.clip(hi - lo, 0, None).prod(axis=2)
    area_a = np.clip(a[:, 2:] - a[:, :2], 0, None).prod(axis=1)
    area_b = np.clip(b[:, 2:] - b[:, :2], 0, None).prod(axis=1)
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1.0), 0.0)


def match(gt_boxes: Any, gt_labels: Any, pred_boxes: Any, pred_labels: Any, pred_scores: Any = None,
          iou: float = 0.5) -> Match:
    """Greedy matching of predictions to ground truth by descending score, per class.

    Boxes are (N, 4) xyxy, labels and scores one per box; other counts are a ``ValueError``."""
    iou = number(iou, "iou", 0.0, 1.0)
    if iou == 0.0:
        raise ValueError("iou: expected a threshold in (0, 1], got 0")
    gt_boxes = coords(gt_boxes, "gt_boxes", (None, 4), (4,), columns=4)
    pred_boxes = coords(pred_boxes, "pred_boxes", (None, 4), (4,), columns=4)
    p, g = len(pred_boxes), len(gt_boxes)
    gt_labels = _per_box(class_id_array(gt_labels, "gt_labels"), g, "gt_labels", "labels", "ground-truth box")
    pred_labels = _per_box(class_id_array(pred_labels, "pred_labels"), p, "pred_labels", "labels", "prediction")
    scores = np.zeros(p)
    if pred_scores is not None:
        scores = as_numpy(pred_scores, "pred_scores")
        check_shape(scores, "pred_scores", (None,))
        scores = _per_box(numbers(scores, "pred_scores"), p, "pred_scores", "scores", "prediction")
    overlap = box_iou(pred_boxes, gt_boxes)
    same = pred_labels[:, None] == gt_labels[None, :]
    taken = np.zeros(g, bool)
    gt_index = np.full(p, -1, np.int64)
    for i in np.argsort(-scores, kind="stable"):
        candidates = np.where(same[i] & ~taken, overlap[i], -1.0)
        j = int(candidates.argmax()) if g else -1
        if j >= 0 and candidates[j] >= iou:
            gt_index[i] = j
            taken[j] = True
    best_gt = overlap.argmax(axis=1) if g else np.full(p, -1, np.int64)
    best_iou = overlap.max(axis=1) if g else np.zeros(p)
    return Match(gt_index >= 0, gt_index, ~taken, best_iou, np.where(best_iou > 0, best_gt, -1))


def _per_box(values: np.ndarray, n: int, name: str, what: str, item: str) -> np.ndarray:
    if len(values) != n:
        raise ValueError(f"{name}: expected {n} {what} (one per {item}), got {len(values)}")
    return values


def _why(m: Match, i: int, pred_labels: np.ndarray, gt_labels: np.ndarray, classes, iou: float) -> str:
    j = m.best_gt[i]
    if j < 0 or m.best_iou[i] < 0.1:
        return ""
    if gt_labels[j] != pred_labels[i] and m.best_iou[i] >= iou:
        return f" (gt {class_names(gt_labels[j:j + 1], classes)[0]})"
    if gt_labels[j] == pred_labels[i]:
        return f" (IoU {m.best_iou[i]:.2f})"
    return ""


def compare_overlay(gt, pred, canvas: tuple, *, iou: float = 0.5, classes: Optional[Sequence[str]] = None,
                    line_width: Optional[float] = None, font_size: Optional[float] = None) -> tuple:
    """``(overlay, match, legend entries)`` for read instances ``gt`` and ``pred``."""
    width, height = canvas
    for side, inst in (("gt", gt), ("pred", pred)):
        if inst.get("bboxes") is not None and inst["bboxes"].shape[1] != 4:
            raise ValueError(f"{side}.bboxes: expected (N, 4) xyxy boxes (matching rotated boxes is not "
                             f"supported), got shape {inst['bboxes'].shape}")
    gb = gt.get("bboxes", np.zeros((0, 4)))
    gl = gt.get("labels", np.zeros(len(gb), np.int64))
    pb = pred.get("bboxes", np.zeros((0, 4)))
    pl = pred.get("labels", np.zeros(len(pb), np.int64))
    ps = pred.get("scores")
    m = match(gb, gl, pb, pl, ps, iou)
    lw = line_width_for(width, height) if line_width is None else float(line_width)
    base = base_font_size(width, height)
    g = len(gb)
    kinds = ((pb[m.tp], pl[m.tp], None if ps is None else ps[m.tp], TP_COLOR, "-", np.flatnonzero(m.tp)),
             (pb[~m.tp], pl[~m.tp], None if ps is None else ps[~m.tp], FP_COLOR, "--", np.flatnonzero(~m.tp)),
             (gb[m.missed], gl[m.missed], None, MISSED_COLOR, ":", None))
    layers, labels = [], LabelSet.empty()
    for rank, (boxes, cls, scores, color, dash, index) in enumerate(kinds):
        if not len(boxes):
            continue
        names = class_names(cls, classes)
        # ids number the instances: ground truth first, then predictions
        meta = {"class": cls, "label": names, "id": g + index if index is not None else np.flatnonzero(m.missed),
                "match": [MATCHES[rank]] * len(boxes)}
        if scores is not None:
            meta["score"] = scores
        layers.append(Boxes(boxes, Style(color=color, width=lw + (1 if dash == ":" else 0), dash=dash), meta=meta))
        text = label_texts(names, scores)
        if dash == "--":
            text = [t + _why(m, i, pl, gl, classes, iou) for t, i in zip(text, index)]
        sizes = box_font_sizes(boxes, base) if font_size is None else np.full(len(boxes), float(font_size))
        priority = (np.zeros(len(boxes)) if scores is None else scores) + (2 - rank)  # missed last
        outer = boxes + np.array([-lw / 2, -lw / 2, lw / 2, lw / 2])
        labels = labels + LabelSet(outer, text, np.tile(np.asarray(color, np.uint8), (len(boxes), 1)), sizes,
                                   priority, metas=(meta,))
    counts = (int(m.tp.sum()), int((~m.tp).sum()), int(m.missed.sum()))
    entries = [(f"true positive ({counts[0]})", TP_COLOR, "-"), (f"false positive ({counts[1]})", FP_COLOR, "--"),
               (f"missed ({counts[2]})", MISSED_COLOR, ":")]
    return Overlay(layer(Group.of(*layers), "boxes"), labels), m, entries


def compare(gt: Any, pred: Any, iou: float = 0.5, *, image: Any = None, canvas: Any = None,
            classes: Optional[Sequence[str]] = None, dataset_meta: Any = None, score_thr: float = 0.0,
            legend_side: Optional[str] = "right", line_width: Optional[float] = None,
            font_size: Optional[float] = None, font_family: str = "DejaVu Sans") -> Scene:
    """Predictions against ground truth in one picture: true positives solid, false
    positives dashed, missed objects dotted, each in its own color, with a legend.

    ``gt`` and ``pred`` are dicts or data elements with ``bboxes`` and ``labels`` (and
    ``scores`` for ``pred``); predictions scoring below ``score_thr`` are dropped first.
    ``legend_side`` puts the legend ``'right'``, ``'left'``, ``'bottom'``, ``'top'`` of
    the picture, or nowhere (``None``).
    """
    gt_inst, pred_inst = read_instances(gt, "gt"), read_instances(pred, "pred")
    if score_thr and pred_inst.get("scores") is not None:
        pred_inst = pred_inst.take(pred_inst["scores"] >= score_thr)
    meta = read_meta(gt, dataset_meta)
    boxes = [b for b in (gt_inst.get("bboxes"), pred_inst.get("bboxes")) if b is not None and len(b)]
    pixels, size = canvas_of(image, canvas, boxes=np.concatenate(boxes) if boxes else None)
    overlay, _, entries = compare_overlay(gt_inst, pred_inst, size, iou=iou,
                                          classes=classes if classes is not None else meta.get("classes"),
                                          line_width=line_width, font_size=font_size)
    picture = overlay.scene(size, image=pixels, family=font_family)
    return legend_beside(picture, entries, size, legend_side, title=f"IoU \u2265 {iou:g}", font_family=font_family)
