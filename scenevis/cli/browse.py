"""``scenevis browse DATASET [--pred results.json] -o OUT_DIR [--workers N] [--scheduler ADDRESS]
[--resume] [--fail-fast] [--limit N]``."""
from __future__ import annotations

import argparse
import os

from scenevis.cli import CommandError
from scenevis.cli.report import _workers

FORMATS = ("svg", "png", "jpg", "pdf")


def _formats(text: str) -> tuple:
    chosen = tuple(part.strip().lower() for part in text.split(",") if part.strip())
    if not chosen or any(f not in FORMATS for f in chosen):
        raise argparse.ArgumentTypeError(f"expected some of {','.join(FORMATS)} separated by commas, got {text!r}")
    return chosen


def add_parser(sub, parents) -> None:
    parser = sub.add_parser(
        "browse", parents=parents, help="draw a whole dataset and write a page to browse it",
        description="Draw every image of a dataset with its ground truth, or with --pred the compare view "
                    "(true positives, false positives, missed objects), to OUT_DIR/images, and write "
                    "OUT_DIR/index.html: a gallery worst first, a filter by class, the confusion matrix and "
                    "precision-recall curves. DATASET is a COCO annotation file (.json; images beside it or in "
                    "--images), a YOLO folder (images/ and labels/, names from data.yaml) or a Pascal VOC folder "
                    "(Annotations/ and JPEGImages/).")
    parser.add_argument("dataset", metavar="DATASET", help="a COCO .json file, a YOLO folder or a VOC folder")
    parser.add_argument("--pred", default=None, metavar="RESULTS",
                        help="a COCO results file (.json) of predictions for DATASET")
    parser.add_argument("--images", default=None, metavar="DIR",
                        help="COCO: the folder of the images (default: the annotation file's folder)")
    parser.add_argument("-o", "--output", required=True, metavar="OUT_DIR", help="the folder to write")
    parser.add_argument("--workers", type=_workers, default=None, metavar="N",
                        help="local worker processes (default: one per CPU)")
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS",
                        help="a Dask scheduler's address (tcp://host:8786) to draw on its workers instead")
    parser.add_argument("--resume", action="store_true",
                        help="leave the pictures already drawn for the same inputs and options")
    parser.add_argument("--fail-fast", action="store_true", help="stop at the first image that cannot be drawn")
    parser.add_argument("--limit", type=_workers, default=None, metavar="N", help="only the first N images")
    parser.add_argument("--score-thr", type=float, default=0.3, metavar="S",
                        help="predictions scoring below S are left out of the pictures and the matrix (default 0.3)")
    parser.add_argument("--iou", type=float, default=0.5, metavar="T", help="IoU to match a prediction (default 0.5)")
    parser.add_argument("--formats", type=_formats, default=("svg",), metavar="F",
                        help="files per image, the first opened from the gallery: some of svg,png,jpg,pdf "
                             "(default svg)")
    parser.add_argument("--title", default=None, metavar="T", help="the page's title")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no summary line")
    parser.set_defaults(run=run, parser=parser)


def read_dataset(path: str, images=None):
    """The dataset at ``path``: COCO for a .json file, VOC for a folder holding
    Annotations/, YOLO for any other folder."""
    from scenevis import datasets

    if os.path.isfile(path):
        if not path.lower().endswith(".json"):
            raise CommandError(f"DATASET {path!r}: expected a COCO .json file or a YOLO or VOC folder")
        return datasets.read_coco(path, images if images is not None else os.path.dirname(os.path.abspath(path)))
    if not os.path.isdir(path):
        raise CommandError(f"DATASET {path!r}: no such file or folder")
    if images is not None:
        raise CommandError("--images: only for a COCO annotation file; a YOLO or VOC folder holds its images")
    if os.path.isdir(os.path.join(path, "Annotations")):
        return datasets.read_voc(path)
    folder = os.path.join(path, "images") if os.path.isdir(os.path.join(path, "images")) else path
    names = next((os.path.join(path, n) for n in ("data.yaml", "data.yml", "classes.txt", "names.txt")
                  if os.path.isfile(os.path.join(path, n))), None)
    return datasets.read_yolo(folder, names=names)


def run(args) -> int:
    if not 0 <= args.score_thr <= 1:
        args.parser.error(f"argument --score-thr: expected a number in [0, 1], got {args.score_thr}")
    if not 0 < args.iou <= 1:
        args.parser.error(f"argument --iou: expected a number in (0, 1], got {args.iou}")
    if args.scheduler is not None and args.workers is not None:
        args.parser.error("argument --workers: sizes the local pool; with --scheduler, the cluster has its own workers")
    out = os.path.abspath(args.output)
    if os.path.exists(out) and not os.path.isdir(out):
        raise CommandError(f"-o {args.output!r}: exists and is not a folder")
    if args.pred is not None and not os.path.isfile(args.pred):
        raise CommandError(f"--pred {args.pred!r}: no such file")
    import warnings

    from scenevis import datasets
    from scenevis.report.browse import write_browse

    with warnings.catch_warnings():  # the problems are notes on the page and counted in the summary
        warnings.simplefilter("ignore", UserWarning)
        dataset = read_dataset(args.dataset, args.images)
        if args.pred is not None:
            dataset = dataset.with_predictions(datasets.read_coco_results(args.pred, dataset))
    if not len(dataset):
        raise CommandError(f"DATASET {args.dataset!r}: no images could be read ({len(dataset.problems)} problems)")
    result = write_browse(dataset, out, formats=args.formats, score_thr=args.score_thr, iou=args.iou,
                          title=args.title, executor=args.scheduler, workers=args.workers, resume=args.resume,
                          fail_fast=args.fail_fast, limit=args.limit, progress=not args.quiet)
    return 0 if result.images else 1
