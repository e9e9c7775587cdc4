"""The run report: one HTML page for one or more runs.

:func:`write_report` finds the runs below each folder given (:mod:`scenevis.report.runs`),
hands their large images to several processes for thumbnails (:mod:`scenevis.report.thumbs`)
and meanwhile reads the scalars, draws a line chart per scalar key with
:func:`scenevis.annotate.chart.line_chart` (one colour per run, linear and log scale, each
as SVG) and loads stored scenes; then it writes one
page (:class:`scenevis.report.page.Page`) with the charts grouped by key prefix, the
configs and their differences, a gallery per image name and a note for every problem met.
"""
from __future__ import annotations

import os
import sys
from typing import Dict, List, Optional, Sequence

import attrs
import numpy as np

from scenevis.annotate.chart import SERIES_COLORS, line_chart
from scenevis.report.configs import config_html
from scenevis.report.page import Page, data_uri, escape, svg_data_uri
from scenevis.report.runs import Picture, Problem, Run, find_runs, list_run, read_contents, run_name
from scenevis.report.scenes import scene_svgs
from scenevis.report.thumbs import inspect_images

__all__ = ["write_report", "Report", "CHART_SIZE"]

CHART_SIZE = (560, 260)


@attrs.frozen
class Report:
    """What :func:`write_report` wrote."""

    path: str
    runs: tuple  # run names
    charts: int
    pictures: int
    problems: tuple  # of Problem


def _runs(folders: Sequence[str]) -> List[Run]:
    found = []
    for root in folders:
        for folder in find_runs(root):
            found.append((run_name(root, folder), folder))
    names: Dict[str, int] = {}
    runs = []
    for name, folder in found:
        names[name] = names.get(name, 0) + 1
        runs.append(list_run(folder, name if names[name] == 1 else f"{name} ({names[name]})"))
    return runs


def _group(key: str) -> str:
    return key.split("/", 1)[0] if "/" in key else ""


def _chart(key: str, runs: List[Run], colors: List[str]) -> dict:
    """The chart of ``key``: its page data, its pictures (frame and lines, linear and log
    when any value is positive) and how many points it drew of how many."""
    series = [(i, run.scalars[key]) for i, run in enumerate(runs) if key in run.scalars]
    named = [(runs[i].name, steps, values) for i, (steps, values) in series]
    picked = [colors[i] for i, _ in series]
    show_legend = len(runs) > 1
    linear = line_chart(named, size=CHART_SIZE, colors=picked, legend=show_legend, x_label="step")
    variants = {"lin": linear}
    if any((values > 0).any() for _, (_, values) in series):
        variants["log"] = line_chart(named, size=CHART_SIZE, colors=picked, legend=show_legend, x_label="step",
                                     log_y=True)
    pictures = {name: (svg_data_uri(chart.frame().to_svg()), svg_data_uri(chart.lines().to_svg()))
                for name, chart in variants.items()}
    data = dict(key=key, lin=linear.layout(), log=variants["log"].layout() if "log" in variants else None,
                series=[dict(run=i, x=_plain(x), y=_plain(y))
                        for (i, _), x, y in zip(series, linear.xs, linear.ys)])
    counts = [len(steps) for _, (steps, _) in series]
    return dict(data=data, pictures=pictures, points=sum(counts), kept=sum(len(x) for x in linear.xs))


def _plain(values: np.ndarray) -> list:
    """Numbers for JSON: integers where they are whole (steps), floats otherwise."""
    if values.size and np.all(values == np.round(values)) and np.abs(values).max() < 2**53:
        return values.astype(np.int64).tolist()
    return values.tolist()


def _chart_html(index: int, key: str, chart: dict) -> str:
    width, height = CHART_SIZE
    images = []
    for name, (frame, lines) in chart["pictures"].items():
        hidden = " hidden" if name == "log" else ""
        images.append(f'<img class="sv-frame sv-frame-{name}" src="{frame}" alt=""{hidden}>'
                      f'<img class="sv-lines sv-lines-{name}" src="{lines}" alt=""{hidden}>')
    thinned = f'<span class="sv-muted">{chart["kept"]:,} of {chart["points"]:,} points drawn</span>' \
        if chart["kept"] < chart["points"] else ""
    return (f'<figure class="sv-chart" data-chart="{index}"><figcaption>{escape(key)}{thinned}</figcaption>'
            f'<div class="sv-plot" style="aspect-ratio: {width} / {height}">{"".join(images)}</div></figure>')


def _notes_html(problems: List[Problem]) -> str:
    if not problems:
        return ""
    items = "".join(f"<li><b>{escape(p.run or 'all runs')}</b>: "
                    + (f"<span class=sv-note-file>{escape(p.file)}</span> " if p.file else "")
                    + f"{escape(p.message)}</li>" for p in problems)
    count = len(problems)
    return (f'<details class="sv-notes" id="sv-notes" open><summary>{count} problem{"s" if count > 1 else ""} '
            f"reading the runs</summary><ul>{items}</ul></details>")


def _galleries(page: Page, runs: List[Run], infos: dict, svgs: dict) -> List[dict]:
    by_name: Dict[str, Dict[int, Dict[int, Picture]]] = {}
    for index, run in enumerate(runs):
        for picture in run.pictures:
            slot = by_name.setdefault(picture.name, {}).setdefault(index, {})
            if picture.scene or picture.step not in slot:  # a stored scene shows instead of its PNG
                slot[picture.step] = picture
    pngs = {(i, p.name, p.step): p for i, run in enumerate(runs) for p in run.pictures if not p.scene}
    galleries = []
    for name in sorted(by_name):
        columns = by_name[name]
        steps = sorted({step for slot in columns.values() for step in slot})
        position = {step: i for i, step in enumerate(steps)}
        out_columns = []
        for index in sorted(columns):
            items: List[Optional[dict]] = [None] * len(steps)
            for step, picture in columns[index].items():
                items[position[step]] = _item(page, picture, pngs.get((index, name, step)), infos, svgs)
            out_columns.append(dict(run=index, items=items))
        galleries.append(dict(name=name, steps=steps, columns=out_columns))
    return galleries


def _item(page: Page, picture: Picture, png: Optional[Picture], infos: dict, svgs: dict) -> dict:
    if picture.scene:
        shown = svgs[picture.path]
        if not isinstance(shown, int):  # the scene cannot be shown: its picture, else why not
            return _item(page, png, None, infos, svgs) if png is not None else dict(n=shown)
        item: dict = dict(g=shown)
        if png is not None and infos[png.path].problem is None:
            item["f"] = page.picture(png.path)
        return item
    info = infos[picture.path]
    if info.problem is not None:
        return dict(n=f"{os.path.basename(picture.path)}: {info.problem}")
    item = dict(f=page.picture(picture.path), w=info.width, h=info.height)
    if info.thumb is not None:
        item["t"] = page.url(info.thumb)
    elif info.thumb_bytes is not None:
        item["t"] = data_uri(info.thumb_bytes, info.thumb_type)
    return item


def _body(page: Page, runs: List[Run], colors: List[str], problems: List[Problem], keys: List[str],
          charts: List[dict]) -> None:
    """The page's HTML: header with the runs and the chart controls, notes, charts by key
    prefix, a place for each gallery (filled by page.js from the data), configs."""
    items = "".join(f'<li title="{escape(run.path)}"><span class=sv-swatch style="background:{color}"></span>'
                    f"{escape(run.name)}</li>" for run, color in zip(runs, colors))
    page.add(f'<header class="sv-top"><h1>{escape(page.title)}</h1><ul class="sv-runs">{items}</ul>'
             '<div class="sv-controls"><label>smoothing <input type="range" id="sv-smoothing" min="0" max="0.99" '
             'step="0.01" value="0"><output id="sv-smoothing-value">0.00</output></label>'
             '<label><input type="checkbox" id="sv-log"> log scale</label></div></header><main>')
    page.add(_notes_html(problems))
    page.add("<h2 id=sv-scalars>Scalars</h2>")
    if not keys:
        page.add('<p class="sv-muted">No scalars recorded.</p>')
    groups: Dict[str, List[str]] = {}
    for index, (key, chart) in enumerate(zip(keys, charts)):
        groups.setdefault(_group(key), []).append(_chart_html(index, key, chart))
    for group, figures in groups.items():
        heading = escape(group + "/") if group else "(no prefix)"
        page.add(("" if list(groups) == [""] else f"<h3>{heading}</h3>")
                 + f'<div class="sv-charts">{"".join(figures)}</div>')
    page.add("<h2 id=sv-images>Images</h2>")
    if not page.data["galleries"]:
        page.add('<p class="sv-muted">No images recorded.</p>')
    for index in range(len(page.data["galleries"])):
        page.add(f'<div class="sv-gallery" data-gallery="{index}"></div>')
    page.add("<h2 id=sv-config>Config</h2>")
    page.add(config_html([r.name for r in runs], colors, [r.config for r in runs]))
    page.add("</main>")


def write_report(run_dirs: Sequence[str], out: str, *, embed: bool = False, title: Optional[str] = None,
                 workers: Optional[int] = None, progress: bool = True) -> Report:
    """Write one HTML page showing the runs found in ``run_dirs`` to ``out``.

    Args:
        run_dirs: folders written by ``LocalVisBackend`` (or MMEngine work dirs holding
            several runs); every run found is one series in every chart.
        out: the page's path. Thumbnails go to the folder ``<out without .html>_files``
            beside it (kept between builds and reused).
        embed: put every picture into the page (``data:`` URIs) instead of referring to
            the files; the page can then be moved on its own.
        title: the page's title (default: the runs' names).
        workers: processes making thumbnails (default: one per CPU).
        progress: show a progress bar (tqdm, on stderr) while reading images.

    Raises ``FileNotFoundError`` for a folder that does not exist and
    ``scenevis.report.runs.NotARunError`` (a ``ValueError``) for one that holds no run;
    everything a run holds is shown or becomes a note on the page, never an error.
    """
    if isinstance(run_dirs, (str, os.PathLike)):
        run_dirs = [run_dirs]
    folders = [os.fspath(d) for d in run_dirs]
    if not folders:
        raise ValueError("run_dirs: expected at least one folder, got none")
    out = os.fspath(out)
    if not out.lower().endswith((".html", ".htm")):
        raise ValueError(f"out: expected a path ending in .html, got {out!r}")
    runs = _runs(folders)
    colors = [SERIES_COLORS[i % len(SERIES_COLORS)] for i in range(len(runs))]
    page = Page(out, title or "scenevis report: " + ", ".join(run.name for run in runs), embed=embed)
    page.use(css="report.css", js="report.js")
    pictures = [p for run in runs for p in run.pictures if not p.scene]
    thumbs = None if embed else os.path.splitext(page.path)[0] + "_files"
    done: dict = {}

    def meanwhile() -> None:  # while the workers make thumbnails: scalars, configs, scenes, charts
        for run in runs:
            read_contents(run)
        done["scenes"] = scene_svgs([p for run in runs for p in run.pictures if p.scene], runs)
        keys = list(dict.fromkeys(key for run in runs for key in run.scalars))
        done["charts"] = keys, [_chart(key, runs, colors) for key in keys]

    infos = {info.path: info for info in inspect_images([p.path for p in pictures], thumbs, workers, progress,
                                                        meanwhile)}
    svgs, scene_texts, scene_problems = done["scenes"]
    keys, charts = done["charts"]
    problems = [p for run in runs for p in run.problems]
    problems += [Problem(run.name, os.path.relpath(p.path, run.path), infos[p.path].problem)
                 for run in runs for p in run.pictures if not p.scene and infos[p.path].problem is not None]
    problems += scene_problems
    scenes = [p for run in runs for p in run.pictures if p.scene]
    page.data.update(runs=[dict(name=run.name, color=color) for run, color in zip(runs, colors)],
                     charts=[chart["data"] for chart in charts], galleries=_galleries(page, runs, infos, svgs),
                     scenes=scene_texts)
    _body(page, runs, colors, problems, keys, charts)
    page.write()
    if progress:
        size = os.path.getsize(page.path) / 2**20
        print(f"scenevis report: wrote {page.path} ({len(runs)} run{'s' if len(runs) != 1 else ''}, "
              f"{len(charts)} charts, {len(pictures)} images, {len(problems)} notes; {size:.1f} MiB)", file=sys.stderr)
    return Report(page.path, tuple(r.name for r in runs), len(charts), len(pictures) + len(scenes), tuple(problems))
