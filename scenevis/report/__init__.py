"""The run report: one self-contained HTML page for one or more training runs.

Layer 6. ``write_report(["work_dirs/exp"], "report.html")`` (or ``scenevis report`` on the
command line) shows every scalar as a chart drawn by scenevis, every image name as a
gallery with a step slider, each run's config with the differences between runs, and a
note for everything in the runs that could not be read. The page works from ``file://``
with no server and no network.

- :mod:`scenevis.report.runs`: finding and reading runs;
- :mod:`scenevis.report.thumbs`: image checks and thumbnails on a process pool;
- :mod:`scenevis.report.page`: the page machinery (inline assets, escaping, galleries,
  lightbox, tooltips), reusable by other pages;
- :mod:`scenevis.report.build`: the report itself.
"""
from scenevis.report.build import Report, write_report
from scenevis.report.page import Page, escape
from scenevis.report.runs import NotARunError, find_runs, read_run

__all__ = ["write_report", "Report", "Page", "escape", "find_runs", "read_run", "NotARunError"]
