"""A whole dataset to pictures: read a COCO dataset and its predictions, draw every image.

    python examples/dataset_render.py [--out DIR] [--images N] [--workers N] [--scheduler ADDRESS]

Generates a small COCO dataset with predictions under DIR/coco (scenevis.datasets.write_coco),
reads it, and renders each image's compare view (true positives, false positives, missed
objects) to DIR/compare/ on local worker processes, or on a Dask cluster with
--scheduler tcp://host:8786. Prints the paths written and the five worst images (most
missed plus false detections).
"""
import argparse
from pathlib import Path

import scenevis as sv
from scenevis import batch, datasets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="out", help="output directory (default: out)")
    parser.add_argument("--images", type=int, default=12, help="images to generate (default: 12)")
    parser.add_argument("--workers", type=int, default=None, help="local worker processes (default: every core)")
    parser.add_argument("--scheduler", default=None, help="a Dask scheduler address instead of local workers")
    args = parser.parse_args()
    out = Path(args.out)

    files = datasets.write_coco(out / "coco", images=args.images, size=(640, 480))
    ds = datasets.read_coco(files.annotations, files.images)
    ds = ds.with_predictions(datasets.read_coco_results(files.results, ds))

    # What a gallery needs: one small result per image, sent back by the worker that drew it.
    task = batch.RenderRecord(out / "compare", view="compare", formats=("png",))
    rows = [o.value for o in batch.imap(task, ds, executor=args.scheduler, workers=args.workers, progress=False)
            if o.ok]
    written = [path for row in rows for path in row.files]
    worst = sorted(rows, key=lambda r: -(r.errors.fp + r.errors.fn))[:5]

    ground_truth = datasets.record_scene(ds[worst[0].index], view="gt")
    written.append(sv.save(ground_truth, out / "dataset_gt.png"))
    for path in written:
        print(path)
    for row in worst:
        print(f"# {row.key}: {row.errors.fp} false, {row.errors.fn} missed, {row.errors.tp} found")


if __name__ == "__main__":
    main()
