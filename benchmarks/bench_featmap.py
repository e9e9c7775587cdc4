"""W4: feature maps. scenevis vs MMEngine's ``Visualizer.draw_featmap`` vs direct numpy.

    python -m benchmarks.bench_featmap [--runs 7]

A (256, 56, 56) float32 torch tensor (seed 0) over the 224x224 sample photo, drawn with
``channel_reduction='squeeze_mean'``, ``'select_max'`` and ``None`` with ``topk=20,
arrangement=(4, 5)``. Every case runs once untimed, then once per round, all cases in
turn each round (interleaved), and the table gives the median per case and its time
divided by scenevis's for the same setting. A peer that fails gets its error in the table.

``cases()`` builds the callables and ``time_interleaved()`` times any list of them, so a
suite can reuse both; ``run()`` does both and reports the markdown table.
"""
from __future__ import annotations

import argparse
import gc
import statistics
import time
import warnings
from typing import Callable, List, NamedTuple, Optional

import numpy as np

SHAPE = (256, 56, 56)
SIZE = 224
SETTINGS = {
    "squeeze_mean": {"channel_reduction": "squeeze_mean"},
    "select_max": {"channel_reduction": "select_max"},
    "topk=20 (4, 5)": {"channel_reduction": None, "topk": 20, "arrangement": (4, 5)},
}


class Case(NamedTuple):
    setting: str
    peer: str
    fn: Callable[[], object]
    reference: bool = False  # ratios of a setting are relative to its reference case


class Row(NamedTuple):
    setting: str
    peer: str
    median: Optional[float]  # seconds
    runs: int
    error: Optional[str]
    reference: bool


def inputs(seed: int = 0):
    """The workload's feature map (torch tensor) and photo ((224, 224, 3) uint8)."""
    import torch

    from scenevis import samples
    featmap = torch.from_numpy(np.random.default_rng(seed).standard_normal(SHAPE).astype(np.float32))
    return featmap, samples.photo(SIZE, SIZE, seed=seed)


def numpy_heat(values: np.ndarray, image: np.ndarray, table: np.ndarray, alpha: float = 0.5) -> np.ndarray:
    """The direct numpy recipe: bilinear upsampling to the image, min-max, LUT, blend."""
    h, w = image.shape[:2]
    rows, cols = values.shape
    ys = np.clip((np.arange(h) + 0.5) * (rows / h) - 0.5, 0, rows - 1)
    xs = np.clip((np.arange(w) + 0.5) * (cols / w) - 0.5, 0, cols - 1)
    y0, x0 = ys.astype(int), xs.astype(int)
    y1, x1 = np.minimum(y0 + 1, rows - 1), np.minimum(x0 + 1, cols - 1)
    wy, wx = (ys - y0)[:, None].astype(np.float32), (xs - x0)[None, :].astype(np.float32)
    top = values[y0][:, x0] * (1 - wx) + values[y0][:, x1] * wx
    bottom = values[y1][:, x0] * (1 - wx) + values[y1][:, x1] * wx
    resized = top * (1 - wy) + bottom * wy
    low, high = resized.min(), resized.max()
    index = ((resized - low) * (255.0 / max(high - low, 1e-12))).astype(np.uint8)
    return np.rint(image * (1 - alpha) + table[index] * alpha).astype(np.uint8)


def numpy_squeeze_mean(featmap: np.ndarray, image: np.ndarray, table: np.ndarray) -> np.ndarray:
    return numpy_heat(featmap.mean(axis=0), image, table)


def numpy_select_max(featmap: np.ndarray, image: np.ndarray, table: np.ndarray) -> np.ndarray:
    return numpy_heat(featmap[int(np.argmax(featmap.sum(axis=(1, 2))))], image, table)


def cases(seed: int = 0) -> List[Case]:
    """scenevis, MMEngine and (for the reductions) direct numpy, for every setting."""
    from scenevis import colormaps
    from scenevis.featmap_views import draw_featmap

    featmap, photo = inputs(seed)
    array, table = featmap.numpy(), colormaps.lut("jet")

    def mmengine(kwargs):
        def call():
            from mmengine.visualization import Visualizer
            return Visualizer.draw_featmap(featmap, photo, **kwargs)
        return call

    out = []
    for setting, kwargs in SETTINGS.items():
        out.append(Case(setting, "scenevis", lambda kwargs=kwargs: draw_featmap(featmap, photo, **kwargs), True))
        out.append(Case(setting, "MMEngine", mmengine(kwargs)))
        if setting == "squeeze_mean":
            out.append(Case(setting, "numpy (direct)", lambda: numpy_squeeze_mean(array, photo, table)))
        elif setting == "select_max":
            out.append(Case(setting, "numpy (direct)", lambda: numpy_select_max(array, photo, table)))
    return out


def _timed(fn: Callable[[], object]):
    try:
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start, None
    except Exception as err:  # a failing peer is a table entry, not a crash
        message = str(err).strip().splitlines()[0] if str(err).strip() else ""
        return None, f"{type(err).__name__}: {message}"[:120]


def time_interleaved(items: List[Case], runs: int = 7) -> List[Row]:
    """One untimed call per case, then ``runs`` rounds each calling every working case once.

    The garbage collector runs before each timed call, off the clock; the size-mismatch
    warnings both implementations give (the map is 56x56, the photo 224x224) are silenced.
    """
    times: List[list] = [[] for _ in items]
    errors: List[Optional[str]] = [None] * len(items)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i, case in enumerate(items):
            errors[i] = _timed(case.fn)[1]
        for _ in range(runs):
            for i, case in enumerate(items):
                if errors[i] is None:
                    gc.collect()
                    seconds, errors[i] = _timed(case.fn)
                    if seconds is not None:
                        times[i].append(seconds)
    return [Row(c.setting, c.peer, statistics.median(t) if t and e is None else None, len(t), e, c.reference)
            for c, t, e in zip(items, times, errors)]


def table(rows: List[Row]) -> str:
    """A markdown table: median per case and its ratio to the setting's reference."""
    reference = {r.setting: r.median for r in rows if r.reference}
    lines = ["| workload | peer | median (ms) | x scenevis |", "|---|---|---:|---:|"]
    for r in rows:
        if r.error:
            lines.append(f"| W4 {r.setting} | {r.peer} | {r.error} | |")
            continue
        ref = reference.get(r.setting)
        ratio = f"{r.median / ref:.2f}" if ref else ""
        lines.append(f"| W4 {r.setting} | {r.peer} | {r.median * 1e3:.2f} | {ratio} |")
    return "\n".join(lines)


def run(report: Callable[[str], object] = print, runs: int = 7, seed: int = 0) -> List[Row]:
    """Time every case interleaved and ``report`` the markdown table; return the rows."""
    rows = time_interleaved(cases(seed), runs)
    report(table(rows))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed rounds (default 7)")
    run(runs=max(1, parser.parse_args().runs))


if __name__ == "__main__":
    main()
