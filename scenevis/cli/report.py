"""``scenevis report RUN_DIR [RUN_DIR ...] -o report.html [--embed] [--title T]``."""
from __future__ import annotations

import argparse


def _workers(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return int(text)


def add_parser(sub, parents) -> None:
    parser = sub.add_parser(
        "report", parents=parents, help="one offline HTML page for training runs",
        description="Write one HTML page that shows runs written by LocalVisBackend (or MMEngine work dirs "
                    "holding several runs): a chart per scalar, a gallery per image name, the configs and "
                    "their differences. It opens from file:// with no server and no network.")
    parser.add_argument("runs", nargs="+", metavar="RUN_DIR", help="a run folder, or a folder holding runs")
    parser.add_argument("-o", "--output", default="report.html", metavar="OUT",
                        help="the page to write (default report.html); thumbnails go to OUT's name + _files/")
    parser.add_argument("--embed", action="store_true",
                        help="put every image into the page, so it can be moved on its own")
    parser.add_argument("--title", default=None, metavar="T", help="the page's title (default: the runs' names)")
    parser.add_argument("--workers", type=_workers, default=None, metavar="N",
                        help="processes making thumbnails (default: one per CPU)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no summary line")
    parser.set_defaults(run=run, parser=parser)


def run(args) -> int:
    if not args.output.lower().endswith((".html", ".htm")):
        args.parser.error(f"argument -o/--output: expected a file ending in .html, got {args.output!r}")
    from scenevis.report import write_report

    write_report(args.runs, args.output, embed=args.embed, title=args.title, workers=args.workers,
                 progress=not args.quiet)
    return 0
