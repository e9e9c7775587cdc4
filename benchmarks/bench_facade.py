"""W1 through the MMEngine-style API: scenevis's ``Visualizer`` against MMEngine's.

The overlay workload of the foundation issue (``benchmarks.workloads.detection``, seed 0):
a photo-like 1280x720 image, 100 boxes with sides 20-200 px in per-class colors at width
2, 100 labels such as ``person 0.87`` in white on filled boxes at the boxes' top-left
corners, and 20 blob masks at alpha 0.5. Both visualizers get exactly the same calls
(``set_image``, ``draw_bboxes``, ``draw_texts``, ``draw_binary_masks``, ``get_image``) in
two orders:

- ``mmdet order``: boxes, labels, then masks, as MMDetection's visualizer draws. MMEngine
  then bakes what was drawn into the image before blending the masks and draws the
  vector layers again on top; scenevis reproduces that picture, so it draws boxes and
  labels twice as well.
- ``masks first``: masks, then boxes and labels (each layer drawn once).

Cases run interleaved (one warm-up, then ``runs`` rounds, median reported). Usage::

    python -m benchmarks.bench_facade [--runs 7]

:func:`time_facade` is the reusable entry point (``benchmarks/__main__.py`` or tests can
call it); it returns the medians and the ratio MMEngine / scenevis per order.
"""
from __future__ import annotations

import argparse
import uuid
import warnings
from typing import Callable, Dict, List, Optional

import numpy as np

from benchmarks import workloads
from benchmarks.timing import Case, run_interleaved

__all__ = ["draw_w1", "time_facade", "main"]

ORDERS = ("mmdet order", "masks first")


def draw_w1(vis, d: workloads.Detection, order: str = "mmdet order") -> np.ndarray:
    """Draw W1 with the MMEngine Visualizer API on ``vis`` and return the picture."""
    colors = [tuple(c) for c in d.colors.tolist()]
    label_boxes = [dict(facecolor=tuple(v / 255 for v in c), edgecolor="none", pad=1, alpha=1.0) for c in colors]
    mask_colors = [tuple(c) for c in d.mask_colors.tolist()]
    vis.set_image(d.image)
    if order == "masks first":
        vis.draw_binary_masks(d.masks, colors=mask_colors, alphas=workloads.ALPHA)
    vis.draw_bboxes(d.xyxy, edge_colors=colors, line_widths=2)
    vis.draw_texts(d.labels, d.xyxy[:, :2], colors="white", font_sizes=workloads.FONT_SIZE, bboxes=label_boxes)
    if order == "mmdet order":
        vis.draw_binary_masks(d.masks, colors=mask_colors, alphas=workloads.ALPHA)
    return vis.get_image()


def _visualizers() -> Dict[str, object]:
    from mmengine.visualization import Visualizer as MMEngineVisualizer

    from scenevis.visualizer import Visualizer

    tag = uuid.uuid4().hex[:8]
    return {"scenevis Visualizer": Visualizer(name=f"bench_facade_{tag}"),
            "MMEngine Visualizer": MMEngineVisualizer(name=f"bench_mmengine_{tag}")}


def time_facade(runs: int = 7, orders=ORDERS, progress: Optional[Callable[[str], None]] = None) -> List[dict]:
    """Time W1 through both visualizers, interleaved; one dict per order with the medians
    in seconds (``scenevis``, ``mmengine``) and ``ratio`` = MMEngine / scenevis."""
    if runs < 7:
        raise ValueError(f"runs: expected at least 7 rounds for a median, got {runs}")
    detection = workloads.detection(n=100, k=20, seed=0)
    vis = _visualizers()
    cases = [Case("W1 facade", order, peer, (lambda v=v, o=order: draw_w1(v, detection, o)),
                  reference=peer.startswith("scenevis"))
             for order in orders for peer, v in vis.items()]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # labels near the border are "out of bounds" for both
        results = run_interleaved(cases, runs=runs, progress=progress)
    out = []
    for order in orders:
        by_peer = {r.case.peer: r for r in results if r.case.setting == order}
        ours, theirs = by_peer["scenevis Visualizer"], by_peer["MMEngine Visualizer"]
        row = dict(order=order, scenevis=ours.median, mmengine=theirs.median,
                   errors=[r.error for r in (ours, theirs) if r.error])
        row["ratio"] = theirs.median / ours.median if ours.median and theirs.median else None
        out.append(row)
    return out


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="timed rounds (at least 7)")
    args = parser.parse_args(argv)
    rows = time_facade(runs=args.runs)
    print("| W1 order | scenevis Visualizer | MMEngine Visualizer | MMEngine / scenevis |")
    print("|---|---:|---:|---:|")
    for row in rows:
        if row["errors"]:
            print(f"| {row['order']} | error | error | {'; '.join(row['errors'])} |")
            continue
        print(f"| {row['order']} | {row['scenevis'] * 1000:.1f} ms | {row['mmengine'] * 1000:.1f} ms "
              f"| {row['ratio']:.1f}x |")


if __name__ == "__main__":
    main()
