"""W8: a whole COCO dataset through ``scenevis browse`` (issue 19 §4).

    python -m benchmarks --only W8          # or: python -m benchmarks.bench_datasets [--limit 120] [--runs 3]

The data: ``scenevis.datasets.write_coco`` writes 2,000 640x480 JPEG images with 10-30
objects each (boxes, polygons, every fourth object an RLE mask) and predictions, once,
under ``benchmarks/.data/w8`` (reused while its parameters stay the same). Each round
draws the first ``limit`` images (an annotation file and a results file holding only
them: with the whole results file, the driver read 17 times the predictions and noted
each one not on the subset's images as a problem).

The peers, interleaved round after round:

- ``scenevis browse`` (``write_browse``: files read, every image drawn by the workers to
  an SVG and a JPEG thumbnail, the page written) with the predictions (the compare view)
  on 1 and 2 local workers and on a 2-worker Dask ``LocalCluster`` (with the malloc
  thresholds, the worker profiler off and fewer periodic checks, as docs/datasets.md
  recommends); and of the ground truth alone (masks, boxes,
  labels) on 1 worker. The cluster lives only around the Dask peer's rounds: started and
  warmed with the same browse before each (a cluster that ``--scheduler`` reaches has
  drawn before), closed after, both off the clock. Idle, its scheduler and workers take
  about a tenth of a core (heartbeats), which every other peer's round paid, in time and
  in CPU per image, while one cluster served the whole run;
- supervision: the loop its users write for the ground truth,
  ``DetectionDataset.from_coco(..., force_masks=True)`` then its mask, box and label
  annotators and ``cv2.imwrite`` of a PNG, on one core, each round in a process of its
  own (``supervision_run``: started off the clock). ``from_coco`` decodes every mask
  of its file at once (12 GB for the 2,000 images), so it reads the same subset file.

Figures: images per second (median of the rounds) and CPU time per image (this process,
its reaped children and its live descendants, so the Dask workers count), which load on
a shared machine inflates less than wall time. The driver's peak RSS is measured for
2,000 and 20,000 records (links to the same images) with ``--limit``, beside that of
reading the annotation file alone.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
from typing import Any, Callable, Optional, Tuple

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


def subset(files: Any, limit: int, folder: str) -> Tuple[str, str]:
    """``(annotations, results)``: files holding the first ``limit`` images of ``files``,
    their objects and their predictions only (as a dataset of that size would have)."""
    data = json.load(open(files.annotations))
    keep = {img["id"] for img in data["images"][:limit]}
    data["images"] = data["images"][:limit]
    data["annotations"] = [a for a in data["annotations"] if a["image_id"] in keep]
    paths = os.path.join(folder, f"instances_{limit}.json"), os.path.join(folder, f"results_{limit}.json")
    with open(paths[0], "w") as handle:
        json.dump(data, handle)
    with open(paths[1], "w") as handle:
        json.dump([r for r in json.load(open(files.results)) if r["image_id"] in keep], handle)
    return paths


def _read(annotations: str, images: str, results: Optional[str]) -> Any:
    import warnings

    from scenevis import datasets

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        ds = datasets.read_coco(annotations, images)
        return ds.with_predictions(datasets.read_coco_results(results, ds)) if results else ds


def make_browse(annotations: str, images: str, results: Optional[str], out: str, **run: Any) -> Callable[[], None]:
    """``scenevis browse`` (its ``write_browse``, the command without argument parsing):
    the files read, every image drawn by the workers (SVG and thumbnail), the page written.
    ``run``: ``workers`` or ``executor``."""
    from scenevis.report.browse import write_browse

    def draw() -> None:
        site = write_browse(_read(annotations, images, results), out, progress=False, **run)
        if site.failures:
            raise RuntimeError(str(site.failures[0]))
    return draw


def cpu_seconds() -> float:
    """CPU time of this process, its reaped children (a local pool's workers once shut
    down) and its live descendants (a Dask LocalCluster's worker processes)."""
    import psutil

    times = os.times()
    total = times.user + times.system + times.children_user + times.children_system
    for child in psutil.Process().children(recursive=True):
        try:
            used = child.cpu_times()
            total += used.user + used.system
        except psutil.Error:
            pass
    return total


_SUPERVISION_RUN = textwrap.dedent("""
    import sys, warnings
    from benchmarks.bench_datasets import make_supervision
    warnings.simplefilter("ignore")
    draw = make_supervision(*sys.argv[1:4])
    print("ready", flush=True)
    sys.stdin.readline()
    draw()
    print("done", flush=True)
    sys.stdin.read()  # alive until the round is over: its CPU time counts as a live descendant's
""")


def supervision_run(annotations: str, images: str, out: str) -> Tuple[Callable[[], None], Callable]:
    """``(draw, around)``: supervision's loop run once by a process of its own, as its users
    run it over a dataset. ``around`` (off the clock) starts the process and waits until
    it has imported supervision and OpenCV; ``draw`` (on the clock) has it run the loop.

    Not in this process: run here, between the local pools' forks and the other peers'
    rounds, its CPU per image swung from 21 to 50 ms from run to run, up to half of it in
    the kernel (about 1,400 page faults an image). A process of its own per round pays
    what one pass over a dataset pays: each mask's memory touched once (about 1,100
    page faults an image). What a page fault costs on this machine still varies with what
    used the memory last (7 to 22 µs in four rounds), and so does this loop's CPU."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    child: dict = {}

    @contextlib.contextmanager
    def around():
        with subprocess.Popen([sys.executable, "-c", _SUPERVISION_RUN, annotations, images, out], cwd=root,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) as process:
            child["process"] = process
            if process.stdout.readline().strip() != "ready":
                raise RuntimeError("supervision's loop did not start")
            try:
                yield
            finally:
                process.stdin.close()

    def draw() -> None:
        process = child["process"]
        process.stdin.write("go\n")
        process.stdin.flush()
        if process.stdout.readline().strip() != "done":
            raise RuntimeError("supervision's loop failed")
    return draw, around


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


_PEAK = textwrap.dedent("""
    import sys
    from scenevis.cli import main
    code = main(sys.argv[1:])
    # This process's own peak (ru_maxrss would carry over the parent's peak across exec).
    print(next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM:")))
    sys.exit(code)
""")


def many_records(files: Any, count: int, folder: str) -> tuple:
    """``(annotations, images)`` of a dataset of ``count`` records whose images are links
    to the W8 images in turn (record i shows image i mod 2,000) with their objects."""
    data = json.load(open(files.annotations))
    by_image: dict = {}
    for ann in data["annotations"]:
        by_image.setdefault(ann["image_id"], []).append(ann)
    images, anns = [], []
    links = os.path.join(folder, f"images_{count}")
    os.makedirs(links, exist_ok=True)
    for i in range(count):
        source = data["images"][i % len(data["images"])]
        name = f"{i:06d}.jpg"
        os.symlink(os.path.join(files.images, source["file_name"]), os.path.join(links, name))
        images.append({**source, "id": i + 1, "file_name": name})
        for ann in by_image.get(source["id"], []):
            anns.append({**ann, "id": len(anns) + 1, "image_id": i + 1})
    path = os.path.join(folder, f"instances_{count}.json")
    with open(path, "w") as handle:
        json.dump({"images": images, "annotations": anns, "categories": data["categories"]}, handle)
    return path, links


def driver_rss(files: Any, counts: tuple = (2_000, 20_000), limit: int = 100) -> dict:
    """Per number of records: the peak RSS in MiB of the process running ``scenevis
    browse --limit`` (the driver; 2 local workers draw) and of one that only reads the
    same annotation file (``scenevis.datasets.read_coco``)."""
    out = {}
    with tempfile.TemporaryDirectory() as root:
        script = os.path.join(root, "peak.py")
        with open(script, "w") as handle:
            handle.write(_PEAK)
        for n in counts:
            annotations, images = many_records(files, n, root)
            browse = subprocess.run([sys.executable, script, "browse", annotations, "--images", images, "-o",
                                     os.path.join(root, f"site_{n}"), "--limit", str(limit), "--workers", "2", "-q"],
                                    capture_output=True, text=True, check=True, cwd=root)
            index = subprocess.run([sys.executable, "-c", textwrap.dedent(f"""
                from scenevis import datasets
                ds = datasets.read_coco({annotations!r}, {images!r})
                print(next(l.split()[1] for l in open("/proc/self/status") if l.startswith("VmHWM:")))""")],
                capture_output=True, text=True, check=True, cwd=root)
            out[n] = (int(browse.stdout.split()[-1]) / 1024, int(index.stdout.split()[-1]) / 1024)
    return out


def run_w8(runs: int, quick: bool, Row: Any, fmt: Callable[[float], str], limit: Optional[int] = None) -> list:
    """W8 rows for ``python -m benchmarks``: images per second and CPU time per image of
    each peer (interleaved rounds over the first ``limit`` images), the ratios the
    targets name, and the driver's peak RSS."""
    import dask
    from dask.distributed import Client, LocalCluster

    limit = limit or (40 if quick else 120)
    files = make_w8(2000)
    cpu: dict = {}
    with tempfile.TemporaryDirectory() as root:
        part, results = subset(files, limit, root)

        def case(peer: str, draw: Callable[[], None], reference: bool = False) -> Case:
            def timed() -> None:
                start = cpu_seconds()
                draw()
                cpu.setdefault(peer, []).append((cpu_seconds() - start) / limit)
            return Case("W8", f"{limit} of 2,000 images per round", peer, timed, reference=reference)

        # Dask's default MALLOC_TRIM_THRESHOLD_=65536 costs a record 1.6x its CPU in page
        # faults, its workers' statistical profiler (a stack sample every 10 ms) about 15%
        # more, and its periodic checks a tenth of a core (docs/datasets.md); the cluster
        # gets the settings that page recommends.
        dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": 128 << 20,
                         "distributed.nanny.pre-spawn-environ.MALLOC_MMAP_THRESHOLD_": 32 << 20,
                         "distributed.worker.profile.enabled": False,
                         "distributed.admin.tick.interval": "1s",
                         "distributed.worker.memory.monitor-interval": "1s",
                         "distributed.admin.system-monitor.interval": "5s"})
        cluster: dict = {}

        @contextlib.contextmanager
        def dask_cluster():
            with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as local, \
                    Client(local, set_as_default=False) as client:
                cluster["executor"] = client.get_executor()
                make_browse(part, files.images, results, f"{root}/warm", executor=cluster["executor"])()
                yield

        def on_dask() -> None:
            make_browse(part, files.images, results, f"{root}/pd", executor=cluster["executor"])()

        cases = [
            case(PRED_1, make_browse(part, files.images, results, f"{root}/p1", workers=1), reference=True),
            case(PRED_2, make_browse(part, files.images, results, f"{root}/p2", workers=2)),
            case(PRED_DASK, on_dask)._replace(around=dask_cluster),
            case(GT_1, make_browse(part, files.images, None, f"{root}/g1", workers=1)),
        ]
        draw, around = supervision_run(part, files.images, f"{root}/sv")
        cases.append(case(SUPERVISION, draw)._replace(around=around))
        results = {r.case.peer: r for r in run_interleaved(cases, runs=runs)}
    rows = []
    cpu_ms = {peer: statistics.median(v) * 1000 for peer, v in cpu.items() if v}
    for peer, result in results.items():
        if result.error is not None:
            rows.append(Row("W8", result.case.setting, peer, None, result.error, None))
            continue
        shown = f"{limit / result.median:.1f} images/s, {cpu_ms.get(peer, float('nan')):.1f} ms CPU per image"
        target, met, ratio = "", None, None
        one, local = results[PRED_1].median, results[PRED_2].median
        if peer == PRED_2 and one:
            ratio = one / result.median
            target, met = "≥ 1.7 (images/s vs 1 worker)", ratio >= 1.7
        elif peer == PRED_DASK and local:
            ratio = result.median / local
            target, met = "≤ 1.15 (time vs the local pool of 2)", ratio <= 1.15
        elif peer == SUPERVISION and GT_1 in cpu_ms:
            ratio = cpu_ms[peer] / cpu_ms[GT_1]
            target, met = "≥ 2 (CPU per image vs scenevis ground truth, 1 worker)", ratio >= 2
        rows.append(Row("W8", result.case.setting, peer, result.median, None, ratio, target, met, shown=shown))
    peaks = driver_rss(files, limit=40 if quick else 100)
    (small, small_index), (large, large_index) = peaks[2_000], peaks[20_000]
    rows.append(Row("W8", "driver peak RSS, 2,000 → 20,000 records (--limit)", "scenevis browse", None, None, None,
                    "flat: 20,000 ≤ 2,000 + 16 MiB", large <= small + 16,
                    shown=f"{small:.0f} → {large:.0f} MiB (reading the index alone: {small_index:.0f} → "
                          f"{large_index:.0f} MiB)"))
    return rows


PRED_1 = "browse --pred, 1 worker"
PRED_2 = "browse --pred, 2 workers"
PRED_DASK = "browse --pred, Dask LocalCluster 2 workers"
GT_1 = "browse (ground truth), 1 worker"
SUPERVISION = "supervision loop (ground truth), 1 core"


def main(argv: Optional[list] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=120, help="images drawn per round (default: 120)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    from benchmarks.__main__ import Row, _fmt_time, table

    print(table(run_w8(args.runs, False, Row, _fmt_time, args.limit)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
