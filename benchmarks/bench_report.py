"""W9: the run report (issue 17).

One run of 100,000 ``add_scalars`` rows of 5 keys and 1,000 720p images (``--quick``:
10,000 rows and 60 images), written through ``LocalVisBackend``: ten distinct photos are
added by the backend and their files copied to the other steps' names (every file is a
PNG the backend wrote; decoding costs the same).

- Build: ``write_report`` to a new page each round, so every thumbnail is made again,
  with 2 worker processes (the target: at most 10 s) and with 1; the CPU seconds of the
  build and its workers beside the wall time, since the machine is shared.
- Charts: the 5 charts alone (scenevis: ``line_chart`` and ``to_svg`` of the frame and
  the lines, linear and log) against matplotlib drawing the same 5 series to SVG.
- Page: from ``page.goto`` in headless Chromium (Debian's, through Playwright) until a
  hover over the first chart has shown its tooltip (the target: at most 2 s).
"""
from __future__ import annotations

import io
import os
import shutil
import sys
import tempfile
import time

import numpy as np

from benchmarks.timing import Case, run_interleaved

__all__ = ["write_run", "run_w9"]

KEYS = ("train/loss", "train/lr", "train/grad_norm", "val/acc", "val/mAP")


def write_run(folder: str, rows: int, images: int) -> str:
    """The benchmark's run in ``folder`` (a LocalVisBackend save_dir)."""
    from scenevis import LocalVisBackend, samples

    rng = np.random.default_rng(0)
    steps = np.arange(rows)
    loss = 2 * np.exp(-steps / (rows / 3)) + rng.normal(0, 0.05, rows)
    columns = [loss, 0.01 * (1 - steps / rows), np.abs(rng.normal(1, 0.3, rows)), 1 - loss / 3, 0.5 - loss / 5]
    backend = LocalVisBackend(folder)
    for step in range(rows):
        backend.add_scalars({key: float(values[step]) for key, values in zip(KEYS, columns)}, step=step)
    distinct = min(10, images)
    for i in range(distinct):
        backend.add_image("val/pred", samples.photo(1280, 720, seed=i), step=i * 100)
    backend.close()
    folder_images = os.path.join(folder, "vis_image", "val")
    for i in range(distinct, images):
        shutil.copyfile(os.path.join(folder_images, f"pred_{(i % distinct) * 100}.png"),
                        os.path.join(folder_images, f"pred_{i * 100}.png"))
    return folder


def _series(run: str) -> list:
    from scenevis.report.runs import read_run

    scalars = read_run(run, "run").scalars
    return [(key, *scalars[key]) for key in KEYS]


def _scenevis_charts(series: list) -> None:
    from scenevis.annotate.chart import line_chart

    for _key, steps, values in series:
        for log in (False, True):
            chart = line_chart([("run", steps, values)], size=(560, 260), log_y=log)
            chart.frame().to_svg()
            chart.lines().to_svg()


def _matplotlib_charts(series: list) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    for _key, steps, values in series:
        for log in (False, True):
            figure, axes = plt.subplots(figsize=(5.6, 2.6), dpi=100)
            axes.plot(steps, values, linewidth=1.5)
            if log:
                axes.set_yscale("log")
            axes.set_xlabel("step")
            axes.grid(True, color="#e8e8e8")
            figure.savefig(io.StringIO(), format="svg")
            plt.close(figure)


def _page_seconds(browser, path: str) -> float:
    """Seconds from navigation until the first chart has answered a hover."""
    with browser.page((1280, 900)) as page:
        start = time.perf_counter()
        page.goto(browser.file_url(path), wait_until="commit")
        page.wait_for_selector("html[data-ready='1']")  # a predicate string would be eval, which the page's CSP refuses
        box = page.locator(".sv-chart[data-chart='0'] .sv-over").bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_selector("#sv-tip:not([hidden])")
        return time.perf_counter() - start


def run_w9(runs: int, quick: bool, row, fmt_time) -> list:
    """W9's table rows (``row`` builds one: ``benchmarks.__main__.Row``)."""
    from scenevis.report import write_report

    rows_count, image_count = (10_000, 60) if quick else (100_000, 1_000)
    setting = f"{rows_count:,} rows x 5 keys + {image_count:,} 720p images"
    out = []
    with tempfile.TemporaryDirectory() as root:
        print(f"  W9: writing the run ({setting})", file=sys.stderr, flush=True)
        run = write_run(os.path.join(root, "run"), rows_count, image_count)
        counter = [0]
        cpu: dict = {1: [], 2: []}  # per round: (CPU seconds of this process and its workers, cores busy)

        def build(workers: int):
            def go():
                counter[0] += 1
                before = os.times()
                write_report([run], os.path.join(root, f"page{counter[0]}", "report.html"), workers=workers,
                             progress=False)
                after = os.times()
                seconds = sum(after[:4]) - sum(before[:4])
                cpu[workers].append((seconds, seconds / max(after[4] - before[4], 1e-9)))
            return go

        cases = [Case("W9", setting, "scenevis report, 2 workers", build(2), reference=True),
                 Case("W9", setting, "scenevis report, 1 worker", build(1))]
        two, one = run_interleaved(cases, runs=runs, progress=lambda m: print(f"  W9 build: {m}", file=sys.stderr))
        for result, workers in ((two, 2), (one, 1)):
            if result.error is not None:
                out.append(row("W9", setting, result.case.peer, None, result.error, None))
                continue
            seconds, cores = np.median(cpu[workers], axis=0) if cpu[workers] else (float("nan"), float("nan"))
            shown = f"{fmt_time(result.median)} wall, {seconds:.1f} s of CPU ({cores:.2f} cores busy)"
            ratio = result.median / two.median if two.median else None
            target, met = ("≤ 10 s", result.median <= 10.0) if workers == 2 and not quick else ("", None)
            out.append(row("W9", setting, result.case.peer, result.median, None, ratio, target, met, shown=shown))

        series = _series(run)
        chart_cases = [Case("W9", "5 charts of the run, linear and log, to SVG", "scenevis", lambda: _scenevis_charts(series),
                            reference=True),
                       Case("W9", "5 charts of the run, linear and log, to SVG", "matplotlib (every point)",
                            lambda: _matplotlib_charts(series))]
        results = run_interleaved(chart_cases, runs=runs, progress=lambda m: print(f"  W9 charts: {m}", file=sys.stderr))
        base = results[0].median
        for result in results:
            ratio = result.median / base if result.median is not None and base else None
            out.append(row("W9", result.case.setting, result.case.peer, result.median, result.error, ratio))

        page = os.path.join(root, "page1", "report.html")
        try:
            sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests"))
            from chromium import Chromium

            with Chromium() as browser:
                _page_seconds(browser, page)  # warm-up
                times = [_page_seconds(browser, page) for _ in range(runs)]
            median = float(np.median(times))
            out.append(row("W9", "page open to first hover answered (Chromium)", "scenevis report page", median, None,
                           None, "≤ 2 s", median <= 2.0, shown=f"{fmt_time(median)} (HTML {os.path.getsize(page) / 2**20:.1f} MiB)"))
        except Exception as err:  # no browser here: a table entry, not a crash
            out.append(row("W9", "page open to first hover answered (Chromium)", "scenevis report page", None,
                           f"{type(err).__name__}: {err}"[:120], None))
    return out
