"""The dataset browser: every image of a dataset drawn, and one page to look at them.

:func:`write_browse` sends the dataset's records to workers (:func:`scenevis.batch.imap`
with a :class:`~scenevis.batch.RenderRecord`: a local process pool, or a Dask cluster);
each draws its record's ground truth, or with predictions the compare view, to an SVG
(``images/<key>.svg``, every item with its title) and a JPEG thumbnail
(``images/thumbs/<key>.jpg``), and sends back a small row: the error counts and how
each prediction matched (:class:`scenevis.datasets.Matches`). The driver adds the rows
into a :class:`scenevis.datasets.Evaluation` and writes ``index.html``
(:class:`scenevis.report.page.Page`): a gallery worst first (missed plus false
detections), a filter by class, the per-class confusion matrix (a click on a cell shows
the images holding that confusion) and precision-recall curves, drawn by scenevis.
"""
from __future__ import annotations

import os
import sys
from typing import Any, Iterator, List, Optional, Sequence

import attrs
import numpy as np

from scenevis.annotate.chart import line_chart
from scenevis.annotate.matrix import matrix_chart
from scenevis.batch import Failure, RenderRecord, Rendered, imap
from scenevis.datasets import Dataset, Evaluation, Record
from scenevis.report.page import Page, escape, svg_data_uri
from scenevis.report.thumbs import THUMB_SIDE

__all__ = ["write_browse", "Browse", "PR_SIZE"]

PR_SIZE = (260, 190)
_BATCH_FORMATS = ("png", "jpg", "svg", "pdf")


@attrs.frozen
class Browse:
    """What :func:`write_browse` wrote: the ``page``, how many ``images`` are on it (of
    which ``resumed`` were already drawn), the ``failures`` (each with the record's
    index and image) and the dataset's reading ``problems``."""

    page: str
    images: int
    resumed: int
    failures: tuple
    problems: tuple


class _First:
    """The first ``count`` records of a dataset, read lazily, with a length."""

    def __init__(self, dataset: Dataset, count: int):
        self.dataset, self.count = dataset, min(count, len(dataset))

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[Record]:
        for i in range(self.count):
            yield self.dataset[i]


def _check(dataset: Any, formats: Any, limit: Any) -> tuple:
    if not isinstance(dataset, Dataset):
        raise TypeError(f"dataset: expected a scenevis.datasets.Dataset (read_coco, read_yolo, read_voc), "
                        f"got {type(dataset).__name__}")
    formats = (formats,) if isinstance(formats, str) else tuple(formats)
    if not formats or any(f not in _BATCH_FORMATS for f in formats):
        raise ValueError(f"formats: expected some of {list(_BATCH_FORMATS)}, got {formats!r}")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ValueError(f"limit: expected a whole number >= 1 or None, got {limit!r}")
    return formats


def write_browse(dataset: Dataset, out_dir: Any, *, formats: Sequence[str] = ("svg",), score_thr: float = 0.3,
                 iou: float = 0.5, title: Optional[str] = None, executor: Any = None, workers: Optional[int] = None,
                 resume: bool = False, fail_fast: bool = False, limit: Optional[int] = None,
                 progress: bool = True) -> Browse:
    """Draw every record of ``dataset`` (the first ``limit``) under ``out_dir`` and
    write ``out_dir/index.html``.

    With predictions (``dataset.with_predictions(...)``) each picture is the compare
    view (predictions scoring below ``score_thr`` left out, matched at IoU ``iou``), else
    the ground truth. ``formats`` are the files per image in ``out_dir/images`` (the
    first one opens full size from the gallery; SVG shows each item's title on hover).
    ``executor``, ``workers``, ``fail_fast`` and ``progress`` as for
    :func:`scenevis.batch.imap`; ``resume`` leaves the pictures already drawn for the
    same inputs and options. A failing image is a note on the page (and in
    ``failures``), unless ``fail_fast``.
    """
    formats = _check(dataset, formats, limit)
    out_dir = os.path.abspath(os.fspath(out_dir))
    os.makedirs(out_dir, exist_ok=True)
    predicted = dataset.predictions is not None
    task = RenderRecord(os.path.join(out_dir, "images"), view="compare" if predicted else "gt", formats=formats,
                        score_thr=score_thr, iou=iou, thumb=THUMB_SIDE, stamps=True, resume=resume)
    records = _First(dataset, limit or len(dataset))
    classes = dataset.meta.classes
    evaluation = Evaluation(len(classes), score_thr) if predicted else None
    page = Page(os.path.join(out_dir, "index.html"), title or f"scenevis browse: {os.path.basename(dataset.source)}",
                frames=True)
    page.use(css="browse.css", js="browse.js")
    items: List[dict] = []
    failures: List[Failure] = []
    resumed = 0
    for outcome in imap(task, records, executor=executor, workers=workers, fail_fast=fail_fast, progress=progress,
                        desc="browse"):
        if not outcome.ok:
            failures.append(outcome.failure)
            continue
        row: Rendered = outcome.value
        resumed += row.resumed
        pairs = evaluation.add(row.matches) if evaluation is not None and row.matches is not None else None
        items.append(_item(page, row, pairs, len(classes)))
    items.sort(key=lambda item: (-(item["e"][1] + item["e"][2]) if item["e"] else 0, item["i"]))
    problems = tuple(dataset.problems) + (tuple(dataset.predictions.problems) if predicted else ())
    page.data.update(classes=list(classes), items=items, predicted=predicted, score_thr=score_thr, iou=iou)
    _body(page, dataset, items, evaluation, problems, failures, len(records))
    page.write()
    if progress:
        print(f"scenevis browse: wrote {page.path} ({len(items)} images, {resumed} already drawn, "
              f"{len(failures)} failed, {len(problems)} reading problems)", file=sys.stderr)
    return Browse(page.path, len(items), resumed, tuple(failures), problems)


def _item(page: Page, row: Rendered, pairs: Optional[np.ndarray], classes: int) -> dict:
    """A gallery entry: ``i`` index, ``k`` key, ``t`` thumbnail, ``f`` full picture,
    ``s`` its size, ``e`` [tp, fp, fn] or None, ``c`` classes present, ``m`` the
    confusion cells it adds to as [cell, count, ...] (cell = row * (classes + 1) + column)."""
    item = dict(i=row.index, k=row.key, t=page.url(row.thumb) if row.thumb else None, f=page.url(row.files[0]),
                s=list(row.size) if row.size else None, e=list(row.errors) if row.errors is not None else None,
                c=list(row.labels))
    if row.files[0].endswith(".svg"):
        item["v"] = 1
    if pairs is not None:
        cells, counts = np.unique(pairs[:, 0] * (classes + 1) + pairs[:, 1], return_counts=True)
        item["m"] = np.stack([cells, counts], axis=1).ravel().tolist()
    return item


def _notes(problems: tuple, failures: List[Failure]) -> str:
    lines = [f"<li><b>could not draw</b> {escape(str(failure))}</li>" for failure in failures]
    lines += [f"<li>{escape(str(problem))}</li>" for problem in problems[:500]]
    if len(problems) > 500:
        lines.append(f"<li>and {len(problems) - 500:,} more reading problems</li>")
    if not lines:
        return ""
    count = len(failures) + len(problems)
    return (f'<details class="sv-notes" id="sv-notes"><summary>{count:,} problem{"s" if count != 1 else ""} '
            f"reading or drawing the dataset</summary><ul>{''.join(lines)}</ul></details>")


def _confusion_html(page: Page, evaluation: Evaluation, classes: Sequence[str]) -> str:
    names = list(classes) + ["background"]
    chart = matrix_chart(evaluation.confusion, names,
                         title=f"confusion matrix at score \u2265 {evaluation.score_thr:g}")
    page.data["confusion"] = dict(counts=evaluation.confusion.tolist(), layout=chart.layout())
    width, height = chart.size
    return (f'<figure class="sv-matrix" style="width:{width}px"><div class="sv-plot" '
            f'style="aspect-ratio: {width} / {height}"><img src="{svg_data_uri(chart.scene().to_svg())}" '
            f'alt="confusion matrix"></div></figure>')


def _curves_html(page: Page, evaluation: Evaluation, classes: Sequence[str], iou: float) -> str:
    curves = evaluation.curves()
    figures, aps = [], {}
    for label, curve in sorted(curves.items(), key=lambda kv: (kv[1].ap, kv[0])):
        aps[label] = curve.ap
        recall = np.concatenate([[0.0], curve.recall])
        precision = np.concatenate([[1.0], curve.precision])
        chart = line_chart({classes[label]: (recall, precision)}, size=PR_SIZE, x_label="recall", legend=False,
                           x_range=(0, 1), y_range=(0, 1.02),
                           title=f"{classes[label]}: AP {curve.ap:.3f}")
        figures.append(f'<figure class="sv-pr" data-class="{label}"><img src="{svg_data_uri(chart.scene().to_svg())}" '
                       f'alt="precision-recall curve of {escape(classes[label])}"><figcaption class="sv-muted">'
                       f"{curve.objects:,} objects, {curve.predictions:,} predictions</figcaption></figure>")
    page.data["ap"] = {str(label): ap for label, ap in aps.items()}
    mean = float(np.mean(list(aps.values()))) if aps else 0.0
    return (f'<p class="sv-muted sv-note">Precision (y) against recall (x) over every prediction, by descending '
            f"score, matched at IoU {iou:g}; AP is the area under the non-increasing envelope. Mean over "
            f"{len(aps)} classes: <b>{mean:.3f}</b>. Worst class first.</p>"
            f'<div class="sv-prs">{"".join(figures)}</div>')


def _body(page: Page, dataset: Dataset, items: List[dict], evaluation: Optional[Evaluation], problems: tuple,
          failures: List[Failure], asked: int) -> None:
    classes = dataset.meta.classes
    counts = np.zeros(len(classes), np.int64)
    for item in items:
        for label in item["c"]:
            if 0 <= label < len(classes):
                counts[label] += 1
    options = "".join(f'<option value="{i}">{escape(name)} ({counts[i]:,})</option>'
                      for i, name in enumerate(classes))
    orders = [("worst", "worst first (missed + false)"), ("missed", "most missed"), ("false", "most false"),
              ("name", "by name")] if evaluation is not None else [("name", "by name")]
    order_options = "".join(f'<option value="{value}">{text}</option>' for value, text in orders)
    summary = f"{len(items):,} of {asked:,} images drawn"
    if evaluation is not None:
        tp = int(np.trace(evaluation.confusion[:-1, :-1]))
        fp = int(evaluation.confusion[:, :-1].sum()) - tp
        fn = int(evaluation.confusion[:-1, :].sum()) - tp
        summary += f" \u00b7 {tp:,} found \u00b7 {fn:,} missed \u00b7 {fp:,} false at score \u2265 {evaluation.score_thr:g}"
    page.add(f'<header class="sv-top"><h1>{escape(page.title)}</h1><span class="sv-muted" id="sv-summary">'
             f'{summary}</span><div class="sv-controls"><label>class <select id="sv-class">'
             f'<option value="">all classes</option>{options}</select></label><label>order <select id="sv-order">'
             f"{order_options}</select></label></div></header><main>")
    page.add(_notes(problems, failures))
    if evaluation is not None:
        page.add('<div class="sv-eval"><section class="sv-eval-matrix"><h2 id="sv-confusion-head">Confusion matrix</h2>'
                 '<p class="sv-muted sv-note">Rows: ground-truth class; columns: predicted class. A matched '
                 "prediction counts on the diagonal, one lying on an object of another class in that object's row, "
                 "a false detection in the background row, a missed object in the background column. Shade: share "
                 "of the row. Click a cell to see its images.</p>")
        page.add(_confusion_html(page, evaluation, classes))
        page.add('</section><section class="sv-eval-curves"><h2 id="sv-pr-head">Precision and recall</h2>')
        page.add(_curves_html(page, evaluation, classes, page.data["iou"]))
        page.add("</section></div>")
    page.add('<h2 id="sv-images">Images</h2><p class="sv-muted" id="sv-shown"></p>'
             '<div class="sv-cells" id="sv-gallery"></div>'
             '<p><button type="button" id="sv-more" hidden>show more</button></p></main>')
