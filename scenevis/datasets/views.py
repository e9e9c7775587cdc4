"""A record as a picture, and how wrong its predictions are.

What a worker runs for each record: decode its image and masks, build the scene with the
annotate layer, count true and false positives and missed objects.
"""
from __future__ import annotations

from typing import Any, NamedTuple, Optional

import numpy as np

from scenevis.annotate import compare, datasample, match
from scenevis.datasets.records import Record
from scenevis.scene import Scene

__all__ = ["VIEWS", "record_scene", "record_errors", "Errors"]

#: ``'gt'`` ground truth; ``'pred'`` predictions; ``'side'`` both side by side;
#: ``'compare'`` true positives, false positives and missed objects on one image;
#: ``'auto'`` is ``'compare'`` for records with predictions, else ``'gt'``.
VIEWS = ("auto", "gt", "pred", "side", "compare")


class Errors(NamedTuple):
    """Counts for one image: matched predictions (``tp``), unmatched ones (``fp``), and
    ground-truth objects no prediction found (``fn``, crowd and difficult ones left out)."""

    tp: int
    fp: int
    fn: int


def _view(record: Record, view: str) -> str:
    if view not in VIEWS:
        raise ValueError(f"view: expected one of {list(VIEWS)}, got {view!r}")
    if view == "auto":
        return "compare" if record.pred is not None else "gt"
    if view != "gt" and record.pred is None:
        raise ValueError(f"view: {view!r} needs predictions, and record {record.index} ({record.image}) has none; "
                         "attach them with dataset.with_predictions(...)")
    return view


def record_scene(record: Record, image: Any = None, *, view: str = "auto", score_thr: float = 0.3,
                 iou: float = 0.5, masks: bool = True) -> Scene:
    """The picture of ``record``: its image (decoded now unless ``image`` is given) with
    the ``view`` (one of :data:`VIEWS`) drawn over it; predictions scoring below
    ``score_thr`` are left out, ``iou`` is the matching threshold of ``'compare'``;
    ``masks=False`` draws no segmentation."""
    if not isinstance(record, Record):
        raise TypeError(f"record: expected a scenevis.datasets.Record, got {type(record).__name__}")
    kind = _view(record, view)
    pixels = record.load_image() if image is None else image
    meta = record.meta.as_dict()
    if kind == "compare":  # objects that evaluation ignores (crowd, difficult) are neither drawn nor counted
        kept = counted(record)
        gt = {"bboxes": record.gt.bboxes[kept], "labels": record.gt.labels[kept]}
        pred = {"bboxes": record.pred.bboxes, "labels": record.pred.labels, "scores": record.pred.scores}
        return compare(gt, pred, iou, image=pixels, classes=record.meta.classes, score_thr=score_thr,
                       legend_side="right")
    sample = record.datasample(with_masks=masks, cropped=True)
    return datasample(pixels, sample, dataset_meta=meta, draw_gt=kind in ("gt", "side"),
                      draw_pred=kind in ("pred", "side"), pred_score_thr=score_thr, captions=kind == "side")


def counted(record: Record) -> np.ndarray:
    """Which ground-truth objects evaluation counts (crowd and difficult ones do not)."""
    gt = record.gt
    return ~gt.iscrowd if gt.iscrowd is not None else np.ones(len(gt), bool)


def record_errors(record: Record, *, score_thr: float = 0.3, iou: float = 0.5) -> Optional[Errors]:
    """How the predictions of ``record`` match its ground truth (as the ``'compare'`` view
    draws them); None for a record without predictions."""
    if record.pred is None:
        return None
    gt, pred = record.gt, record.pred
    keep = pred.scores >= score_thr if pred.scores is not None else np.ones(len(pred), bool)
    kept = counted(record)
    m = match(gt.bboxes[kept], gt.labels[kept], pred.bboxes[keep], pred.labels[keep],
              None if pred.scores is None else pred.scores[keep], iou)
    return Errors(int(m.tp.sum()), int((~m.tp).sum()), int(m.missed.sum()))
