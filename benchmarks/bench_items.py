"""Item metadata, filter, restyle and the semantic SVG: the figures behind docs/scene.md.

- ``filter`` and ``restyle`` of 5,000 boxes carrying ``label``, ``score`` and ``id``
  (the predicate ``m["score"] > 0.5`` keeps about half);
- W1 (1280x720, 100 boxes and labels, 20 masks) built and rendered without metadata and
  with ``class``, ``label``, ``score`` and ``id`` on every box and label (and ``id`` on
  every mask), side by side: what carrying metadata costs a render (a node without it
  holds one shared empty mapping);
- the W1 scene written as SVG by scenevis's SVG painter and by Cairo's SVG surface
  (``outlines=True``).

All cases run interleaved (``benchmarks.timing``); the ratio is against the first row of
the same workload. Usage::

    python -m benchmarks.bench_items [--runs 15]
"""
from __future__ import annotations

import argparse

import numpy as np

from benchmarks import workloads
from benchmarks.timing import Case, run_interleaved


def boxes_5000():
    import scenevis as sv

    rng = np.random.default_rng(0)
    n = 5000
    classes = rng.integers(0, len(workloads.CLASS_NAMES), n)
    meta = {"label": [workloads.CLASS_NAMES[c] for c in classes], "score": rng.uniform(0, 1, n), "id": np.arange(n)}
    return sv.boxes(workloads.boxes(n), color=workloads.PALETTE[classes], width=2, meta=meta)


def w1_scene(d: workloads.Detection, with_meta: bool):
    import scenevis as sv

    meta = mask_meta = None
    if with_meta:
        meta = {"class": d.class_ids, "label": [workloads.CLASS_NAMES[c] for c in d.class_ids], "score": d.scores,
                "id": np.arange(len(d.scores))}
        mask_meta = {"id": np.arange(len(d.masks))}
    return (sv.image(d.image)
            + sv.masks(d.masks, color=d.mask_colors, alpha=workloads.ALPHA, meta=mask_meta)
            + sv.boxes(d.xyxy, color=d.colors, width=2, meta=meta)
            + sv.texts(d.labels, d.xyxy[:, :2], color="white", font_size=workloads.FONT_SIZE, background=d.colors,
                       pad=2, meta=meta))


def cases() -> list:
    import scenevis as sv

    many = boxes_5000()
    d = workloads.detection()
    scene = w1_scene(d, True)
    return [
        Case("items", "filter 5,000 boxes", "scenevis", lambda: many.filter(lambda m: m["score"] > 0.5)),
        Case("items", "restyle 5,000 boxes", "scenevis",
             lambda: many.restyle(lambda m: m["label"] == "car", color="red", width=4)),
        Case("W1", "build + render", "without metadata", lambda: sv.render(w1_scene(d, False)), reference=True),
        Case("W1", "build + render", "with metadata", lambda: sv.render(w1_scene(d, True))),
        Case("SVG", "W1 scene", "scenevis SVG painter", lambda: sv.to_svg(scene), reference=True),
        Case("SVG", "W1 scene", "Cairo SVG surface", lambda: sv.to_svg(scene, outlines=True)),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    results = run_interleaved(cases(), runs=runs)
    reference = {(r.case.workload, r.case.setting): r.median for r in results if r.case.reference}
    for result in results:
        case = result.case
        if result.median is None:
            figure = result.error
        else:
            figure = f"{result.median * 1000:.3f} ms"
            base = reference.get((case.workload, case.setting))
            if base and not case.reference:
                figure += f" ({result.median / base:.2f}x)"
        print(f"{case.workload:>6} | {case.setting:<20} | {case.peer:<22} | {figure}")


if __name__ == "__main__":
    main()
