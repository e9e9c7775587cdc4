"""W8 (prepared, not yet in RESULTS.md): a whole COCO dataset drawn to PNG files.

    python -m benchmarks.bench_datasets [--images 2000] [--limit 200] [--runs 3] [--dask]

The data: ``scenevis.datasets.write_coco`` writes 2,000 640x480 JPEG images with 10-30
objects each (boxes, polygons, every fourth object an RLE mask) and predictions, once,
under ``benchmarks/.data/w8`` (reused while its parameters stay the same).

The peers, each drawing every image's ground truth (masks, boxes, labels) to a PNG file:

- scenevis: ``batch.render_records`` with 1 and 2 local workers and, with ``--dask``, a
  2-worker Dask ``LocalCluster`` (started once, outside the clock, with the malloc
  thresholds docs/datasets.md recommends);
- supervision: the loop its users write, ``DetectionDataset.from_coco(...,
  force_masks=True)`` then its mask, box and label annotators and ``cv2.imwrite``, on one
  core. ``from_coco`` decodes every mask of the file at once (12 GB for the 2,000 images),
  so the peer reads an annotation file holding the first ``limit`` images only.

Figures are images per second (median of ``runs`` interleaved rounds over the first
``limit`` images); ``driver_rss`` measures the driver's peak RSS for 2,000 and 20,000
records (records only, a trivial task per record). ``scenevis browse`` (issue 19 §2)
will replace ``render_records`` here once it exists.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from typing import Any, Callable, Optional

from benchmarks.timing import Case, run_interleaved

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), ".data", "w8")


def make_w8(images: int = 2000, folder: str = DATA, seed: int = 0) -> Any:
    """The W8 dataset, generated once per set of parameters; returns its ``SampleFiles``."""
    from scenevis.datasets import SampleFiles, write_coco

    stamp = os.path.join(folder, "stamp.json")
    params = {"images": images, "size": [640, 480], "objects": [10, 30], "seed": seed}
    files = SampleFiles(os.path.join(folder, "instances.json"), os.path.join(folder, "images"),
                        os.path.join(folder, "results.json"))
    if os.path.exists(stamp) and json.load(open(stamp)) == params:
        return files
    shutil.rmtree(folder, ignore_errors=True)
    write_coco(folder, images=images, size=(640, 480), objects=(10, 30), seed=seed)
    with open(stamp, "w") as handle:
        json.dump(params, handle)
    return files


def subset(files: Any, limit: int, folder: str) -> str:
    """An annotation file holding the first ``limit`` images of ``files`` (and their objects)."""
    data = json.load(open(files.annotations))
    keep = {img["id"] for img in data["images"][:limit]}
    data["images"] = data["images"][:limit]
    data["annotations"] = [a for a in data["annotations"] if a["image_id"] in keep]
    path = os.path.join(folder, f"instances_{limit}.json")
    with open(path, "w") as handle:
        json.dump(data, handle)
    return path


def make_scenevis(annotations: str, images: str, out: str, **run: Any) -> Callable[[], None]:
    """The file read and every record drawn by ``render_records`` (``run``: workers or executor)."""
    from scenevis import batch, datasets

    def draw() -> None:
        ds = datasets.read_coco(annotations, images)
        report = batch.render_records(ds, out, view="gt", progress=False, **run)
        if not report.ok:
            raise RuntimeError(str(report.failures[0]))
    return draw


def make_supervision(annotations: str, images: str, out: str) -> Callable[[], None]:
    """supervision's own loop: the dataset from COCO (masks decoded by it), its annotators."""
    import cv2
    import supervision as sv

    os.makedirs(out, exist_ok=True)
    masks, boxes, labels = sv.MaskAnnotator(opacity=0.5), sv.BoxAnnotator(thickness=2), sv.LabelAnnotator()

    def draw() -> None:
        dataset = sv.DetectionDataset.from_coco(images, annotations, force_masks=True)
        for path, image, detections in dataset:
            names = [dataset.classes[c] for c in detections.class_id]
            frame = masks.annotate(image.copy(), detections)
            frame = boxes.annotate(frame, detections)
            frame = labels.annotate(frame, detections, labels=names)
            cv2.imwrite(os.path.join(out, os.path.splitext(os.path.basename(path))[0] + ".png"), frame)
    return draw


_DRIVER = textwrap.dedent("""
    import sys
    import numpy as np
    from scenevis import batch, datasets

    def records(n):
        meta = datasets.DatasetMeta(("a", "b"), (0, 1))
        rng = np.random.default_rng(0)
        for i in range(n):
            xy = rng.uniform(0, 600, (20, 2))
            gt = datasets.Annotations(np.concatenate([xy, xy + 20], axis=1), rng.integers(0, 2, 20))
            yield datasets.Record(i, f"r{i}", "img.jpg", 640, 480, gt, meta)

    def count(record):
        return len(record.gt)

    if __name__ == "__main__":
        assert sum(o.value for o in batch.imap(count, records(int(sys.argv[1])), workers=2, progress=False)) > 0
        # This process's own peak (ru_maxrss would carry over the parent's peak across exec).
        print(next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM:")))
""")


def driver_rss(counts: tuple = (2_000, 20_000)) -> dict:
    """The driver's peak RSS in MiB for each number of records."""
    with tempfile.TemporaryDirectory() as root:
        script = os.path.join(root, "driver.py")
        with open(script, "w") as handle:
            handle.write(_DRIVER)
        return {n: int(subprocess.run([sys.executable, script, str(n)], capture_output=True, text=True, check=True,
                                      cwd=root).stdout.split()[-1]) / 1024 for n in counts}


def main(argv: Optional[list] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=2000)
    parser.add_argument("--limit", type=int, default=200, help="images drawn per round (default: 200)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dask", action="store_true", help="also a 2-worker Dask LocalCluster")
    args = parser.parse_args(argv)
    files = make_w8(args.images)
    with tempfile.TemporaryDirectory() as root:
        part = subset(files, args.limit, root)
        cases = [Case("W8", "", "scenevis 1 worker", make_scenevis(part, files.images, f"{root}/w1", workers=1),
                      reference=True),
                 Case("W8", "", "scenevis 2 workers", make_scenevis(part, files.images, f"{root}/w2", workers=2)),
                 Case("W8", "", "supervision", make_supervision(part, files.images, f"{root}/sv"))]
        cluster = None
        if args.dask:
            import dask
            from dask.distributed import Client, LocalCluster

            # Dask's default MALLOC_TRIM_THRESHOLD_=65536 costs a record 1.6x its CPU in page
            # faults (docs/datasets.md); workers get the thresholds the local pool runs with.
            dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": 128 << 20,
                             "distributed.nanny.pre-spawn-environ.MALLOC_MMAP_THRESHOLD_": 32 << 20})
            cluster = LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None)
            client = Client(cluster, set_as_default=False)
            cases.append(Case("W8", "", "scenevis dask 2 workers", make_scenevis(
                part, files.images, f"{root}/dask", executor=client.get_executor())))
        try:
            results = run_interleaved(cases, runs=args.runs)
        finally:
            if cluster is not None:
                client.close()
                cluster.close()
    for result in results:
        shown = f"{args.limit / result.median:.1f} images/s" if result.error is None else result.error
        print(f"{result.case.peer:>26}: {shown}")
    for n, mib in driver_rss().items():
        print(f"driver peak RSS, {n:,} records: {mib:.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
