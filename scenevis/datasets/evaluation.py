"""How a dataset's predictions match its ground truth: per image, then over the whole set.

A worker computes :func:`record_matches` for its record (a few small arrays, no pixels)
and sends it back; the driver adds them into an :class:`Evaluation`, which gives the
per-class confusion matrix and precision-recall curves of the whole dataset.

Matching is the ``'compare'`` view's (:func:`scenevis.annotate.match`): by descending
score, each prediction takes the unmatched ground-truth object of its class with the
highest IoU, if that IoU reaches ``iou``; crowd and difficult objects are left out. So
the counts here are the ones the pictures show.

The confusion matrix, at a score threshold, has a row per ground-truth class and a
column per predicted class, plus "background" for nothing: a matched prediction counts
on the diagonal; an unmatched one that overlaps an unmatched object of another class by
``iou`` or more (the compare view's ``(gt cat)`` label) counts in that object's row;
other unmatched predictions are false detections (the background row), other unmatched
objects missed (the background column). Each row sums to the class's objects, each
column to its predictions above the threshold.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional

import attrs
import numpy as np

from scenevis._arrays import frozen
from scenevis.annotate import match
from scenevis.datasets.records import Record
from scenevis.datasets.views import Errors, counted

__all__ = ["Matches", "record_matches", "Evaluation", "PRCurve"]


def _ints(value: Any) -> np.ndarray:
    return frozen(np.asarray(value).reshape(-1), np.int32)


@attrs.frozen(eq=False)
class Matches:
    """One image's matching: ``gt_labels`` (G,) of the counted ground truth; per
    prediction (all of them, whatever their score) its ``pred_labels``, ``scores``,
    ``gt_index`` (the ground truth it matched, or -1) and ``overlaps`` (the ground truth
    of any class it overlaps most when that IoU reaches the threshold, or -1)."""

    gt_labels: np.ndarray = attrs.field(converter=_ints)
    pred_labels: np.ndarray = attrs.field(converter=_ints)
    scores: np.ndarray = attrs.field(converter=lambda v: frozen(np.asarray(v).reshape(-1), np.float32))
    gt_index: np.ndarray = attrs.field(converter=_ints)
    overlaps: np.ndarray = attrs.field(converter=_ints)

    def errors(self, score_thr: float) -> Errors:
        """True and false positives among the predictions scoring ``score_thr`` or more,
        and the objects none of them found: :func:`scenevis.datasets.record_errors`."""
        kept = self.scores >= score_thr
        tp = int((kept & (self.gt_index >= 0)).sum())
        return Errors(tp, int(kept.sum()) - tp, len(self.gt_labels) - tp)

    def pairs(self, score_thr: float) -> np.ndarray:
        """(K, 2) confusion entries ``(ground-truth label, predicted label)`` at
        ``score_thr``, -1 standing for background (see the module's rules)."""
        order = np.argsort(-self.scores, kind="stable")
        order = order[self.scores[order] >= score_thr]
        found = np.zeros(len(self.gt_labels), bool)
        found[self.gt_index[order][self.gt_index[order] >= 0]] = True
        out: List[tuple] = []
        for i in order:
            if self.gt_index[i] >= 0:
                out.append((self.gt_labels[self.gt_index[i]], self.pred_labels[i]))
                continue
            j = self.overlaps[i]
            if j >= 0 and not found[j] and self.gt_labels[j] != self.pred_labels[i]:
                found[j] = True
                out.append((self.gt_labels[j], self.pred_labels[i]))
            else:
                out.append((-1, self.pred_labels[i]))
        out += [(label, -1) for label in self.gt_labels[~found]]
        return np.array(out, np.int64).reshape(-1, 2)


def record_matches(record: Record, *, iou: float = 0.5) -> Optional[Matches]:
    """The :class:`Matches` of ``record``'s predictions at IoU ``iou``; None without
    predictions."""
    if not isinstance(record, Record):
        raise TypeError(f"record: expected a scenevis.datasets.Record, got {type(record).__name__}")
    if record.pred is None:
        return None
    keep = counted(record)
    gt, pred = record.gt, record.pred
    scores = pred.scores if pred.scores is not None else np.ones(len(pred))
    m = match(gt.bboxes[keep], gt.labels[keep], pred.bboxes, pred.labels, scores, iou)
    overlaps = np.where(m.best_iou >= iou, m.best_gt, -1)
    return Matches(gt.labels[keep], pred.labels, scores, m.gt_index, overlaps)


@attrs.frozen(eq=False)
class PRCurve:
    """One class's precision-recall curve over the dataset: ``recall`` and ``precision``
    after each prediction in descending score order, ``ap`` the area under its
    interpolated (non-increasing) precision, ``objects`` and ``predictions`` counted."""

    recall: np.ndarray
    precision: np.ndarray
    ap: float
    objects: int
    predictions: int


class Evaluation:
    """The whole dataset's matching, added up one image at a time (:meth:`add`).

    ``classes`` count the labels; ``score_thr`` is the threshold of the confusion
    matrix and the error counts (the precision-recall curves use every prediction).
    Keeps per prediction only its label, score and whether it matched: a 20,000-image
    set with 20 predictions each holds about 2 MB.
    """

    def __init__(self, classes: int, score_thr: float = 0.3):
        self.classes = int(classes)
        self.score_thr = float(score_thr)
        background = self.classes + 1
        self.confusion = np.zeros((background, background), np.int64)  # rows gt, columns predicted; last: background
        self.objects = np.zeros(self.classes, np.int64)
        self._scores: List[np.ndarray] = []
        self._labels: List[np.ndarray] = []
        self._hits: List[np.ndarray] = []

    def add(self, matches: Matches) -> np.ndarray:
        """Add one image; returns its confusion entries as (K, 2) indexes into
        :attr:`confusion` (background is ``classes``)."""
        pairs = matches.pairs(self.score_thr)
        pairs = np.where(pairs < 0, self.classes, pairs)
        if pairs.size and pairs.max() > self.classes:
            raise ValueError(f"matches: expected labels below {self.classes}, got {int(pairs.max())}")
        np.add.at(self.confusion, (pairs[:, 0], pairs[:, 1]), 1)
        self.objects += np.bincount(matches.gt_labels, minlength=self.classes)[:self.classes]
        self._scores.append(matches.scores)
        self._labels.append(matches.pred_labels)
        self._hits.append(matches.gt_index >= 0)
        return pairs

    def curves(self) -> Dict[int, PRCurve]:
        """The :class:`PRCurve` of every class with objects or predictions."""
        if not self._scores:
            return {}
        scores, labels, hits = (np.concatenate(v) for v in (self._scores, self._labels, self._hits))
        out = {}
        for label in range(self.classes):
            mine = labels == label
            objects = int(self.objects[label])
            if not objects and not mine.any():
                continue
            order = np.argsort(-scores[mine], kind="stable")
            tp = np.cumsum(hits[mine][order])
            seen = np.arange(1, len(order) + 1)
            recall = tp / objects if objects else np.zeros(len(order))
            precision = tp / seen
            envelope = np.maximum.accumulate(precision[::-1])[::-1] if len(order) else precision
            steps = np.diff(np.concatenate([[0.0], recall]))
            out[label] = PRCurve(recall, precision, float((steps * envelope).sum()) if objects else 0.0, objects,
                                 len(order))
        return out
