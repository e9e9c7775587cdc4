"""``python -m benchmarks``: scenevis side by side with its peers, in one process.

Prints one markdown table (median of at least 7 interleaved runs after a warm-up, and
each peer's median divided by scenevis's) and writes it to ``benchmarks/RESULTS.md``
with the machine, the versions and the command. Workloads (issue 8):

- W1 detection overlay, W2 the same with N boxes, W3 K masks (``benchmarks.peers``).
- W4 feature maps (``benchmarks/bench_featmap.py`` when present).
- W5 logging backends, W6 batch rendering to PNG with 1 and 2 processes.
- W7 a 1080p tracking video, decode -> annotate -> encode (``benchmarks/bench_video.py``).
- W8 a whole COCO dataset through ``scenevis browse``: 1 and 2 local workers, a Dask
  LocalCluster, supervision's loop; the driver's peak RSS (``benchmarks/bench_datasets.py``).
- W9 the run report: building it, its charts against matplotlib, its page in Chromium
  (``benchmarks/bench_report.py``).
- Files: scene files of the W1 scene, dump + load and size (``benchmarks/bench_scenefile.py``).
- W10 issue 20's drawing vocabulary beside supervision's annotators
  (``benchmarks/bench_vocabulary.py``).
- Memory: peak RSS of W1 above the baseline, in a fresh process.

Options: ``--only W1,W3`` (workloads to run), ``--runs N`` (rounds, at least 7 unless
``--quick``), ``--quick`` (3 rounds, smaller W5/W6: a smoke test), ``--no-write``,
``--backends mlflow`` (W5's backend kinds).
"""
from __future__ import annotations

import argparse
import importlib
import os
import platform
import subprocess
import sys
import time
from functools import partial
from typing import NamedTuple, Optional, Sequence

import numpy as np

from benchmarks import peers, workloads
from benchmarks.timing import Case, Result, error_text, run_interleaved

HERE = os.path.dirname(os.path.abspath(__file__))


class Row(NamedTuple):
    workload: str
    setting: str
    peer: str
    median: Optional[float]  # seconds (or the row's own unit, see ``shown``)
    error: Optional[str]
    ratio: Optional[float]  # peer / scenevis
    target: str = ""
    met: Optional[bool] = None
    shown: Optional[str] = None  # overrides the formatted median


# -- targets: (workload, peer) -> (text, test on the ratio peer / scenevis) ----------------
TARGETS = {
    ("W1", "supervision"): ("≥ 2 (scenevis ≤ 0.5x)", lambda r: r >= 2.0),
    ("W1", "OpenCV (hand-written)"): ("≥ 0.77 (scenevis ≤ 1.3x)", lambda r: r >= 1 / 1.3),
    ("W1", "MMEngine Visualizer"): ("≥ 40", lambda r: r >= 40.0),
    ("W1", "scenevis Visualizer facade"): ("≤ 1.2", lambda r: r <= 1.2),
    ("W2", "OpenCV (hand-written)"): ("≥ 0.77 (scenevis ≤ 1.3x)", lambda r: r >= 1 / 1.3),
    ("W3", "numpy single-pass blend"): ("≥ 0.67 (scenevis ≤ 1.5x)", lambda r: r >= 1 / 1.5),
}


def _rows(results: list[Result], reference: str = "scenevis") -> list[Row]:
    """Table rows of one interleaved run; ratios against the row named ``reference``
    (or the case marked ``reference``) of the same workload and setting."""
    base: dict = {}
    for res in results:
        if res.case.reference or res.case.peer == reference:
            base[(res.case.workload, res.case.setting)] = res.median
    rows = []
    for res in results:
        c = res.case
        ref = base.get((c.workload, c.setting))
        ratio = res.median / ref if res.median is not None and ref else None
        text, test = TARGETS.get((c.workload, c.peer), ("", None))
        met = test(ratio) if test is not None and ratio is not None else None
        rows.append(Row(c.workload, c.setting, c.peer, res.median, res.error, ratio, text, met))
    return rows


def _progress(label: str):
    def report(message: str) -> None:
        print(f"  {label}: {message}", file=sys.stderr, flush=True)
    return report


def _w1_cases(d: workloads.Detection, workload: str, setting: str, with_mmengine: bool = True) -> list[Case]:
    makers = [("scenevis", peers.make_scenevis)]
    if workload == "W1":
        makers += _facade_makers()
    makers += [("supervision", peers.make_supervision), ("OpenCV (hand-written)", peers.make_opencv),
               ("pycairo (hand-written)", peers.make_pycairo), ("torchvision", peers.make_torchvision)]
    if with_mmengine:
        makers.append(("MMEngine Visualizer", peers.make_mmengine))
    cases = []
    for name, make in makers:
        try:
            draw = make()
            cases.append(Case(workload, setting, name, lambda draw=draw: draw(d)))
        except Exception as err:  # a peer that cannot even be set up
            cases.append(Case(workload, setting, name, _raiser(err)))
    return cases


def _facade_makers() -> list:
    """The facade rows: ``benchmarks/bench_facade.py``'s own W1 calls when it is there
    (masks first, the scene API's picture, is the row with the 1.2x target; MMDetection's
    order, which draws boxes and labels twice, is shown too), else ``peers.make_facade``."""
    module = _optional_module("benchmarks.bench_facade")
    draw_w1 = getattr(module, "draw_w1", None) if module is not None else None
    if draw_w1 is None:
        return [("scenevis Visualizer facade", peers.make_facade)]

    def maker(order: str):
        def make():
            from scenevis.visualizer import Visualizer

            peers._MMENGINE_COUNT[0] += 1
            vis = Visualizer(name=f"bench_facade_w1_{peers._MMENGINE_COUNT[0]}")
            return lambda d: draw_w1(vis, d, order)
        return make
    return [("scenevis Visualizer facade", maker("masks first")),
            ("scenevis Visualizer facade (mmdet order)", maker("mmdet order"))]


def _raiser(err: BaseException):
    def fail():
        raise err
    return fail


def _optional_module(name: str):
    """The module, or None when its file does not exist (yet)."""
    path = os.path.join(HERE, name.split(".")[-1] + ".py")
    if not os.path.exists(path):
        return None
    return importlib.import_module(name)


def run_w1(runs: int) -> list[Row]:
    d = workloads.detection(n=100, k=20)
    return _rows(run_interleaved(_w1_cases(d, "W1", "N=100, K=20"), runs=runs, progress=_progress("W1")))


def run_w2(runs: int, sizes=(10, 100, 1000, 5000)) -> list[Row]:
    image = workloads.photo()
    rows: list[Row] = []
    medians = {}
    for n in sizes:
        d = workloads.detection(n=n, k=20, image=image)
        cases = _w1_cases(d, "W2", f"N={n}")
        results = run_interleaved(cases, runs=runs, progress=_progress(f"W2 N={n}"))
        rows += _rows(results)
        medians[n] = next(r.median for r in results if r.case.peer == "scenevis")
    rows.append(_linearity_row(medians))
    return rows


def _linearity_row(medians: dict) -> Row:
    """Marginal cost per item between successive N: linear when these agree within 1.5x
    from N=100 up (below, fixed costs dominate)."""
    ns = sorted(n for n, m in medians.items() if m is not None)
    slopes = [(a, b, (medians[b] - medians[a]) / (b - a)) for a, b in zip(ns, ns[1:])]
    tail = [s for a, b, s in slopes if a >= 100]
    text = ", ".join(f"{a}→{b}: {s * 1e6:.1f} µs/item" for a, b, s in slopes)
    met = bool(tail) and max(tail) <= 1.5 * min(tail) and min(tail) > 0
    return Row("W2", "linearity", "scenevis", None, None, None, "slopes within 1.5x (N ≥ 100)", met, shown=text)


def run_w3(runs: int, ks=(1, 10, 50, 100)) -> list[Row]:
    image = workloads.photo()
    rows: list[Row] = []
    for k in ks:
        d = workloads.detection(n=0, k=k, image=image)
        cases = [
            Case("W3", f"K={k}", "scenevis", partial(peers.make_scenevis_masks(), d)),
            Case("W3", f"K={k}", "numpy single-pass blend", partial(peers.numpy_masks, d)),
            Case("W3", f"K={k}", "supervision", partial(peers.make_supervision_masks(), d)),
            Case("W3", f"K={k}", "OpenCV (hand-written)", partial(peers.make_opencv_masks(), d)),
        ]
        rows += _rows(run_interleaved(cases, runs=runs, progress=_progress(f"W3 K={k}")))
    return rows


#: W4 targets, keyed by (setting, peer) of benchmarks/bench_featmap.py's cases.
W4_TARGETS = {
    ("topk=20 (4, 5)", "MMEngine"): ("≥ 20", lambda r: r >= 20.0),
    ("squeeze_mean", "numpy (direct)"): ("≥ 0.5 (scenevis ≤ 2x)", lambda r: r >= 0.5),
    ("select_max", "numpy (direct)"): ("≥ 0.5 (scenevis ≤ 2x)", lambda r: r >= 0.5),
}


def run_w4(runs: int) -> list[Row]:
    """The feature-map cases of ``benchmarks/bench_featmap.py``, timed by this suite."""
    import warnings

    module = _optional_module("benchmarks.bench_featmap")
    if module is None or not hasattr(module, "cases"):
        return [Row("W4", "", "scenevis", None, "not run: benchmarks/bench_featmap.py (with cases()) is missing", None)]
    try:
        found = module.cases()
    except Exception as err:
        return [Row("W4", "", "(set-up)", None, error_text(err), None)]
    cases = [Case("W4", c.setting, c.peer, c.fn, reference=c.reference) for c in found]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # both sides warn that the 56x56 map is resized to the photo
        results = run_interleaved(cases, runs=runs, progress=_progress("W4"))
    out = []
    for row in _rows(results):
        text, test = W4_TARGETS.get((row.setting, row.peer), ("", None))
        met = test(row.ratio) if test is not None and row.ratio is not None else None
        out.append(row._replace(target=text, met=met))
    return out


# -- memory ---------------------------------------------------------------------------------
_PROBE = r"""
import json, sys
sys.path.insert(0, {root!r})
import numpy as np
from benchmarks import peers, workloads
draw = getattr(peers, {maker!r})()
tiny = workloads.detection(n=2, k=1, image=np.zeros((64, 64, 3), np.uint8))
draw(tiny._replace(masks=np.zeros((1, 64, 64), bool)))  # loads Cairo, fonts and caches

def rss(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1]) * 1024
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # reset the peak (VmHWM) to the current RSS
base = rss("VmRSS")
saved = np.load({data!r}, allow_pickle=True)
d = workloads.detection(n=0, k=0, image=saved["image"])._replace(
    xyxy=saved["xyxy"], class_ids=saved["class_ids"], scores=saved["scores"], labels=list(saved["labels"]),
    colors=saved["colors"], masks=saved["masks"], mask_colors=saved["mask_colors"])
for _ in range(3):
    out = draw(d)
    del out
print(json.dumps(dict(base=base, peak=rss("VmHWM"), inputs=d.input_bytes)))
"""


def run_memory() -> list[Row]:
    """W1's peak RSS above the interpreter's baseline: a fresh process imports everything
    and renders a tiny picture, resets its peak, then loads W1's inputs (saved by this
    process) and draws W1 three times. The growth counts the inputs themselves (1x)."""
    import json
    import tempfile

    d = workloads.detection(n=100, k=20)
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        data = os.path.join(folder, "w1.npz")
        np.savez(data, image=d.image, xyxy=d.xyxy, class_ids=d.class_ids, scores=d.scores,
                 labels=np.array(d.labels, dtype=object), colors=d.colors, masks=d.masks, mask_colors=d.mask_colors)
        for peer, maker in (("scenevis", "make_scenevis"), ("OpenCV (hand-written)", "make_opencv"),
                            ("supervision", "make_supervision")):
            code = _PROBE.format(root=os.path.dirname(HERE), maker=maker, data=data)
            try:
                done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                                      check=True)
                probe = json.loads(done.stdout.strip().splitlines()[-1])
            except Exception as err:
                detail = getattr(err, "stderr", "") or ""
                rows.append(Row("Memory", "W1 peak RSS above baseline", peer, None,
                                error_text(err) + (f" ({detail.strip().splitlines()[-1]})" if detail.strip() else ""),
                                None))
                continue
            extra = probe["peak"] - probe["base"]
            ratio = extra / probe["inputs"]
            shown = f"+{extra / 2**20:.1f} MiB = {ratio:.2f} x inputs ({probe['inputs'] / 2**20:.1f} MiB)"
            target, met = ("< 2 x inputs", ratio < 2.0) if peer == "scenevis" else ("", None)
            rows.append(Row("Memory", "W1 peak RSS above baseline", peer, None, None, None, target, met, shown=shown))
    return rows


# -- table ------------------------------------------------------------------------------------
def _fmt_time(seconds: float) -> str:
    if seconds >= 1.0:
        return f"{seconds:.2f} s"
    if seconds >= 0.01:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e3:.2f} ms"


def table(rows: list[Row]) -> str:
    lines = ["| Workload | Setting | Peer | Median | Peer / scenevis | Target | Met |",
             "|---|---|---|---:|---:|---|:-:|"]
    for r in rows:
        if r.error is not None:
            cell = f"error: {r.error}".replace("|", "\\|")
        else:
            cell = r.shown if r.shown is not None else (_fmt_time(r.median) if r.median is not None else "")
        ratio = f"{r.ratio:.2f}" if r.ratio is not None else ""
        met = {True: "yes", False: "**no**", None: ""}[r.met]
        lines.append(f"| {r.workload} | {r.setting} | {r.peer} | {cell} | {ratio} | {r.target} | {met} |")
    return "\n".join(lines)


def _version(module: str) -> str:
    try:
        mod = importlib.import_module(module)
    except Exception as err:
        return f"not importable ({type(err).__name__})"
    return str(getattr(mod, "__version__", getattr(mod, "version", "?")))


def machine() -> str:
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    import cairo

    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                cwd=HERE, check=False).stdout.strip()
    except OSError:
        commit = "?"
    modules = ("numpy", "supervision", "mmengine", "cv2", "torch", "matplotlib", "tensorboard", "wandb", "mlflow",
               "torchvision")
    versions = ", ".join(f"{m} {_version(m)}" for m in modules)
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return "\n".join([
        f"- Machine: {platform.platform()}, {cpu}, {os.cpu_count()} logical CPUs; "
        f"load average at the end of the run {load} (1, 5, 15 min; the machine is shared)",
        f"- Python {platform.python_version()}; scenevis at commit {commit or '?'}; "
        f"pycairo {cairo.version}, Cairo {cairo.cairo_version_string()}",
        f"- Peers: {versions}",
    ])


WORKLOADS = {"W1": run_w1, "W2": run_w2, "W3": run_w3, "W4": run_w4}


def main(argv: Optional[list] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    parser.add_argument("--only", default="", help="comma-separated workloads (W1..W10, Files, Memory)")
    parser.add_argument("--runs", type=int, default=7, help="timed rounds per case (default 7)")
    parser.add_argument("--quick", action="store_true", help="3 rounds and smaller W5/W6: a smoke test")
    parser.add_argument("--no-write", action="store_true", help="do not write benchmarks/RESULTS.md")
    parser.add_argument("--backends", default=",".join(W5_KINDS),
                        help=f"comma-separated W5 backend kinds (default {','.join(W5_KINDS)})")
    args = parser.parse_args(argv)
    runs = 3 if args.quick else max(args.runs, 7)
    kinds = [k.strip() for k in args.backends.split(",") if k.strip()]
    if not kinds or set(kinds) - set(W5_KINDS):
        parser.error(f"--backends: expected some of {list(W5_KINDS)}, got {args.backends!r}")
    extra = _extra_workloads(args.quick, kinds)
    chosen = [w.strip() for w in args.only.split(",") if w.strip()] or list(WORKLOADS) + list(extra) + ["Memory"]
    start = time.perf_counter()
    rows: list[Row] = []
    for name in chosen:
        print(f"{name} ...", file=sys.stderr, flush=True)
        if name == "Memory":
            rows += run_memory()
        elif name in WORKLOADS:
            rows += WORKLOADS[name](runs)
        elif name in extra:
            rows += extra[name](runs)
        else:
            parser.error(f"--only: unknown workload {name!r}")
    elapsed = time.perf_counter() - start
    text = table(rows)
    print(text)
    command = "python -m benchmarks" + (" " + " ".join(argv if argv is not None else sys.argv[1:])).rstrip()
    if not args.no_write:
        with open(os.path.join(HERE, "RESULTS.md"), "w") as f:
            f.write(_results_md(text, command, elapsed, runs))
    print(f"\n{len(rows)} rows in {elapsed:.0f} s", file=sys.stderr)
    return 0


def _extra_workloads(quick: bool, kinds: Sequence[str] = ()) -> dict:
    return {"W5": lambda runs: run_w5(runs, quick, kinds or W5_KINDS), "W6": lambda runs: run_w6(runs, quick),
            "W7": lambda runs: run_w7(runs, quick), "W8": lambda runs: run_w8(runs, quick),
            "W9": lambda runs: run_w9(runs, quick), "W10": run_w10, "Files": run_files}


def run_w8(runs: int, quick: bool) -> list[Row]:
    from benchmarks.bench_datasets import run_w8 as run

    return run(runs, quick, Row, _fmt_time)


def run_w9(runs: int, quick: bool) -> list[Row]:
    from benchmarks.bench_report import run_w9 as run

    return run(runs, quick, Row, _fmt_time)


def _scaled(results: list[Result], factor: float) -> list[Result]:
    return [Result(r.case, [t * factor for t in r.times], r.error) for r in results]


#: W5's backend kinds (``--backends`` picks some).
W5_KINDS = ("local", "tensorboard", "wandb", "mlflow")

#: W5 targets, keyed by (kind, what, peer): (text, test on peer / scenevis).
W5_TARGETS = {
    ("local", "scalars", "MMEngine LocalVisBackend"): ("≥ 1 (flushing every line)", lambda r: r >= 1.0),
    ("tensorboard", "scalars", "raw SummaryWriter"): ("≥ 1", lambda r: r >= 1.0),
    ("local", "images", "MMEngine LocalVisBackend"): ("≥ 1", lambda r: r >= 1.0),
    ("tensorboard", "images", "MMEngine TensorboardVisBackend"): ("≥ 3", lambda r: r >= 3.0),
    ("wandb", "images", "MMEngine WandbVisBackend"): ("≥ 3", lambda r: r >= 3.0),
    ("mlflow", "scalars", "MMEngine MLflowVisBackend"): ("≥ 1", lambda r: r >= 1.0),
    ("mlflow", "images", "MMEngine MLflowVisBackend"): ("≥ 3", lambda r: r >= 3.0),
}

#: Scalar steps per round where each call costs the same (one SQLite transaction for
#: MLflow, about 20 ms): fewer per round, scaled like the others.
W5_SCALAR_CALLS = {"mlflow": 200}


def run_w5(runs: int, quick: bool, kinds: Sequence[str] = W5_KINDS) -> list[Row]:
    """10,000 ``add_scalars`` of 5 values and 100 ``add_image`` of a 720p image per
    backend. Each round logs a slice (1,000 scalar steps, 200 for MLflow, and 10 images)
    and ends with the backend's flush; medians are scaled to the full counts. TensorBoard,
    Local and MLflow peers run interleaved; the WandB runs one after the other (one wandb
    run per process at a time)."""
    import tempfile

    os.environ.setdefault("WANDB_MODE", "offline")
    os.environ.setdefault("WANDB_SILENT", "true")
    counts = {"scalars": (100 if quick else 1000, 10_000), "images": (2 if quick else 10, 100)}
    image = workloads.photo()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as root:
        for kind in kinds:
            try:
                loggers = peers.make_loggers(kind, root)
            except Exception as err:
                rows.append(Row("W5", kind, "(set-up)", None, error_text(err), None))
                continue
            groups = [loggers] if kind != "wandb" else [[logger] for logger in loggers]
            results: dict = {"scalars": [], "images": []}
            for group in groups:
                for what, (calls, total) in counts.items():
                    if what == "scalars" and not quick:
                        calls = W5_SCALAR_CALLS.get(kind, calls)
                    cases = [_log_case(logger, what, calls, total, kind, image, reference=(logger is loggers[0]))
                             for logger in group]
                    done = run_interleaved(cases, runs=runs, progress=_progress(f"W5 {kind} {what}"))
                    results[what] += _scaled(done, total / calls)
                if kind == "wandb":
                    group[0].close()
            if kind != "wandb":
                for logger in loggers:
                    logger.close()
            for what in counts:
                for row in _rows(results[what], reference=loggers[0].name):
                    text, test = W5_TARGETS.get((kind, what, row.peer), ("", None))
                    met = test(row.ratio) if test is not None and row.ratio is not None else None
                    rows.append(row._replace(target=text, met=met))
    return rows


def _log_case(logger, what: str, calls: int, total: int, kind: str, image: np.ndarray, reference: bool) -> Case:
    step = [0]

    def run() -> None:
        start, step[0] = step[0], step[0] + calls
        if what == "scalars":
            logger.scalars(start, calls)
        else:
            logger.images(image, start, calls)

    setting = f"{total:,} add_scalars ({kind})" if what == "scalars" else f"{total:,} add_image 720p ({kind})"
    return Case("W5", setting, logger.name, run, reference=reference)


def _w6_scenes(count: int) -> list:
    """W1-like scenes sharing one image-and-masks layer (as frames of one video would
    share nothing but cost the same), each with its own 100 boxes and labels."""
    import scenevis as sv

    d = workloads.detection()
    base = sv.image(d.image) + sv.masks(d.masks, color=d.mask_colors, alpha=workloads.ALPHA)
    scenes = []
    for i in range(count):
        xyxy = workloads.boxes(100, seed=i + 1)
        scenes.append(base + sv.boxes(xyxy, color=d.colors, width=2)
                      + sv.texts(d.labels, xyxy[:, :2], color="white", font_size=workloads.FONT_SIZE,
                                 background=d.colors, pad=2))
    return scenes


def run_w6(runs: int, quick: bool) -> list[Row]:
    """``scenevis.batch.save_all`` of W1-like scenes to PNG with 1 and 2 worker processes.
    Each round saves ``per_round`` scenes (1,000 over the 7 rounds), pool start-up included;
    interleaved, so both settings see the same machine."""
    import tempfile

    from scenevis.batch import save_all

    per_round = 20 if quick else -(-1000 // runs)
    scenes = _w6_scenes(per_round)
    cpu: dict = {1: [], 2: []}
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as root:
        def case(workers: int) -> Case:
            paths = [os.path.join(root, f"w{workers}_{i}.png") for i in range(per_round)]

            def run() -> None:
                before = os.times()
                save_all(scenes, paths, workers=workers, progress=False)
                after = os.times()
                used = sum(after[:4]) - sum(before[:4])
                cpu[workers].append(used / max(after[4] - before[4], 1e-9))
            return Case("W6", f"{per_round} W1-like scenes to PNG per round", f"save_all workers={workers}", run,
                        reference=workers == 1)

        results = run_interleaved([case(1), case(2)], runs=runs, progress=_progress("W6"))
    one, two = results
    for res, workers in ((one, 1), (two, 2)):
        if res.error is not None:
            rows.append(Row("W6", res.case.setting, res.case.peer, None, res.error, None))
            continue
        rate = per_round / res.median
        cores = float(np.median(cpu[workers])) if cpu[workers] else float("nan")
        shown = f"{rate:.1f} images/s ({_fmt_time(res.median)} per round, {cores:.2f} cores busy)"
        if workers == 1:
            rows.append(Row("W6", res.case.setting, res.case.peer, res.median, None, None, shown=shown))
        else:
            speedup = one.median / res.median if one.median else None
            met = speedup >= 1.7 if speedup is not None else None
            rows.append(Row("W6", res.case.setting, res.case.peer, res.median, None, speedup,
                            "≥ 1.7 (images/s vs 1 worker)", met, shown=shown))
    return rows


def run_w7(runs: int, quick: bool) -> list[Row]:
    """``benchmarks/bench_video.py``: a 1080p tracking clip decoded, annotated and encoded,
    in frames per second; then each peer's output quality and file size; then memory over
    a long clip (3,000 frames; 300 with ``--quick``)."""
    import tempfile

    module = _optional_module("benchmarks.bench_video")
    if module is None:
        return [Row("W7", "", "scenevis", None, "not run: benchmarks/bench_video.py is missing", None)]
    frames = 60 if quick else module.FRAMES
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as root:
        try:
            cases = module.cases(root, frames)
        except Exception as err:
            return [Row("W7", "", "(set-up)", None, error_text(err), None)]
        timed = _rows(run_interleaved(cases, runs=runs, progress=_progress("W7")))
        for row in timed:
            shown = f"{frames / row.median:.1f} fps ({_fmt_time(row.median)})" if row.median else None
            met = None
            target = ""
            if row.peer == "supervision (VideoSink, mp4v)":
                target, met = "≥ 1.5 (scenevis fps / supervision's)", row.ratio is not None and row.ratio >= 1.5
            rows.append(row._replace(shown=shown, target=target, met=met))
        rows += _w7_drawing(timed, frames)
        quality = {}
        src = os.path.join(root, "input.mp4")
        for peer in ("scenevis", "supervision (VideoSink, mp4v)"):
            try:
                quality[peer] = module.output_quality(module.PEERS[peer], src, os.path.join(root, "quality.mp4"))
            except Exception as err:
                rows.append(Row("W7", "output quality", peer, None, error_text(err), None))
        if len(quality) == 2:
            (ours, our_size), (theirs, their_size) = quality["scenevis"], quality["supervision (VideoSink, mp4v)"]
            rows.append(Row("W7", "output PSNR vs its own uncompressed frames", "scenevis", None, None, None,
                            f"≥ supervision's {theirs:.2f} dB", ours >= theirs, shown=f"{ours:.2f} dB"))
            rows.append(Row("W7", "output file size", "scenevis", None, None, None,
                            f"≤ supervision's {their_size / 2**20:.2f} MiB", our_size <= their_size,
                            shown=f"{our_size / 2**20:.2f} MiB"))
        long = 300 if quick else 3000
        try:
            profile = [value for frame, value in module.memory_profile(root, long) if frame >= 0]
            third = max(len(profile) // 3, 1)
            early, late = np.mean(profile[1:third + 1]), np.mean(profile[-third:])  # after the warm-up sample
            rows.append(Row("W7", f"memory over {long} frames", "scenevis", None, None, None,
                            "flat: last third's mean RSS ≤ first third's + 16 MiB", late - early <= 16 * 2**20,
                            shown=f"RSS {min(profile[1:]) / 2**20:.0f}-{max(profile) / 2**20:.0f} MiB, mean "
                                  f"{early / 2**20:.0f} MiB early, {late / 2**20:.0f} MiB late"))
        except Exception as err:
            rows.append(Row("W7", f"memory over {long} frames", "scenevis", None, error_text(err), None))
    return rows


def _w7_drawing(timed: list[Row], frames: int) -> list[Row]:
    """What drawing costs each W7 peer per frame (its full pipeline's time less the same
    pipeline with nothing drawn), and what 1.5x supervision's frame rate would leave
    scenevis for it."""
    per_frame = {row.peer: row.median / frames for row in timed if row.median}
    names = ("scenevis", "scenevis, nothing drawn", "supervision (VideoSink, mp4v)", "supervision, nothing drawn")
    if not all(name in per_frame for name in names):
        return []
    ours, ours_bare, theirs, theirs_bare = (per_frame[name] for name in names)
    budget = theirs / 1.5 - ours_bare
    shown = (f"scenevis {_fmt_time(ours - ours_bare)}, supervision {_fmt_time(theirs - theirs_bare)}; "
             f"1.5x leaves scenevis {_fmt_time(budget) if budget > 0 else 'nothing'}")
    return [Row("W7", "drawing's wall time per frame (full pipeline less nothing drawn)", "scenevis", None, None,
                None, shown=shown)]


def run_w10(runs: int) -> list[Row]:
    """``benchmarks/bench_vocabulary.py``: each node of issue 20 beside the closest
    supervision annotator on W1's input; target scenevis within 1.5x."""
    module = _optional_module("benchmarks.bench_vocabulary")
    if module is None:
        return [Row("W10", "", "scenevis", None, "not run: benchmarks/bench_vocabulary.py is missing", None)]
    try:
        cases = module.cases()
    except Exception as err:
        return [Row("W10", "", "(set-up)", None, error_text(err), None)]
    rows = []
    for row in _rows(run_interleaved(cases, runs=runs, progress=_progress("W10"))):
        if row.peer == "supervision" and row.ratio is not None:
            row = row._replace(target="≥ 0.67 (scenevis ≤ 1.5x)", met=row.ratio >= module.TARGET)
        rows.append(row)
    return rows


def run_files(runs: int) -> list[Row]:
    """Scene files (``benchmarks/bench_scenefile.py``): dump + load of the W1 scene against
    one render plus PNG encode of it, and the files' sizes against that PNG's."""
    import tempfile

    from benchmarks import bench_scenefile as files

    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for row in _rows(run_interleaved(files.cases(folder), runs=runs, progress=_progress("Files"))):
            targeted = row.ratio is not None and row.peer.startswith("dump + load")
            met = row.ratio <= files.TIME_TARGET if targeted else None
            target = f"≤ {files.TIME_TARGET}" if met is not None else ""
            rows.append(row._replace(target=target, met=met))
        sizes = files.sizes(folder)
        for kind in files.KINDS:
            ratio = sizes[kind] / sizes["PNG"]
            rows.append(Row("Files", "W1 scene", f"file size ({kind})", None, None, ratio, f"≤ {files.SIZE_TARGET}",
                            ratio <= files.SIZE_TARGET,
                            shown=f"{sizes[kind] / 2**20:.2f} MiB (PNG {sizes['PNG'] / 2**20:.2f} MiB)"))
    return rows


def _results_md(text: str, command: str, elapsed: float, runs: int) -> str:
    return f"""# Benchmark results

Produced by `{command}` (`make bench` runs the same after installing the `bench` extra),
in {elapsed:.0f} s. Every figure is the median of {runs} timed rounds after one untimed
warm-up; within a workload the peers run interleaved, round after round, in one process.
"Peer / scenevis" is the peer's median divided by scenevis's, so above 1 means scenevis
is faster (for W6 it is the speed-up of 2 workers over 1).

{machine()}

{text}

## What each row measures
- **W1** one 1280x720 photo-like image (seed 0), 20 blob masks at alpha 0.5, 100 boxes of
  width 2 in class colors, 100 labels (`person 0.87`, white 13 px text on a box of the
  class color). Every peer starts from the same raw arrays and returns a new RGB image;
  scenevis's time includes building the nodes (its converters copy writable inputs).
  The hand-written OpenCV and pycairo versions blend each mask only inside its bounding
  box; OpenCV's text is Hershey line text (`cv2.putText`, anti-aliased), Cairo's real
  DejaVu Sans glyphs.
- **W2** W1 with N boxes and labels (20 masks); the linearity row gives scenevis's cost
  per extra item between successive N.
- **W3** K masks over the image. The reference paints the masks' indices into one label
  layer (later over earlier) and blends each covered pixel once; scenevis composites
  overlapping masks one over another (MMEngine's semantics), so it does more work on
  overlaps.
- **W4** `benchmarks/bench_featmap.py`: a (256, 56, 56) map over a 224x224 photo.
- **W5** each round logs 1,000 scalar steps (200 for MLflow, where every call is one
  SQLite transaction of the same cost) or 10 images and ends with the backend's flush;
  medians are scaled to 10,000 and 100 calls. WandB runs offline, one backend after the
  other (wandb allows one run per process at a time), not interleaved. MLflow: both
  backends on an SQLite store of their own in the run's folder (MLflow 3 refuses
  MMEngine's default `file://` store), both log images named `overlay.png` (MMEngine's
  `log_image(image, name)` needs the extension).
- **W6** `scenevis.batch.save_all` of W1-like scenes (one shared image-and-masks layer,
  each scene its own boxes and labels) to PNG; "cores busy" is CPU time over wall time.
- **W7** `benchmarks/bench_video.py`: a 1920x1080 H.264 clip of 300 frames, 30 tracked
  objects each with a box, a `#id person 0.87` label and a 30-frame trail, decoded,
  annotated and encoded (scenevis to H.264; supervision's `VideoSink` to MPEG-4 Part 2,
  as OpenCV's wheel cannot encode H.264 here). "Peer / scenevis" is scenevis's frames
  per second over the peer's. PSNR compares each peer's file with its own frames before
  encoding (every 10th); the nothing-drawn rows decode and encode with each peer's own
  reader and writer, and the drawing row is each full pipeline's time per frame less its
  nothing-drawn time; memory samples the RSS of a fresh process every 100 frames.
- **W8** `benchmarks/bench_datasets.py`: the first 120 of 2,000 generated 640x480 COCO
  images (10-30 objects, predictions) per round through `scenevis browse` (SVG and JPEG
  thumbnail per image, the page): the compare view on 1 and 2 local workers and a
  2-worker Dask LocalCluster, the ground truth on 1 worker, and supervision's ground-truth
  loop (`DetectionDataset.from_coco`, mask, box and label annotators, `cv2.imwrite` PNG).
  CPU per image counts every process of the peer (pool and Dask workers included); the
  supervision ratio compares CPU per image with scenevis's ground truth on 1 worker.
  Driver RSS: `scenevis browse --limit 100` over 2,000 and 20,000 records.
- **W9** `benchmarks/bench_report.py`: `write_report` of one run of 100,000 rows of 5
  scalars and 1,000 720p PNGs to a new page each round (every thumbnail made again), with
  2 and 1 worker processes; the 5 charts alone (linear and log, to SVG) against
  matplotlib plotting every point; the page from navigation until a hover over its
  first chart is answered, in headless Chromium.
- **W10** `benchmarks/bench_vocabulary.py`: W1's photo, 100 boxes and 20 masks; each
  node of issue 20 (rotated boxes, markers, halos, effects, placed labels, keypoint
  styles, an inset) rendered over the photo from the raw arrays, beside the closest
  supervision annotator on a copy of it.
- **Files** `benchmarks/bench_scenefile.py`: the W1 scene written with `scenevis.dump`
  and read back with `scenevis.load` (a new file in a temporary folder each time, and
  once more over the same file), plain `.scene.json` and gzip `.scene.json.gz`; the ratios are against one render of the scene plus the
  PNG encoding of that render (the reference row), and the sizes against that PNG.
- **Memory** a fresh process loads everything, renders a tiny picture, resets its peak
  RSS, loads W1's inputs and draws W1 three times; the growth includes the inputs.

Peers' code: `benchmarks/peers.py`; data: `benchmarks/workloads.py`; timing:
`benchmarks/timing.py`.
"""


if __name__ == "__main__":
    sys.exit(main())
