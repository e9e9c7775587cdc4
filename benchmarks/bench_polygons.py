"""Render time of one polygon of many vertices: the figures behind docs/reliability.md.

One filled and stroked polygon on a 500x500 canvas: a self-intersecting one (random
vertices, so its edges cross each other everywhere) and a simple one (a wavy ring), at
10,000 to 500,000 vertices (the most one polygon may have). Polygons Cairo would take long over are drawn from their
scanline coverage (``scenevis.renderer.coverage``). Usage::

    python -m benchmarks.bench_polygons [--runs 5]
"""
from __future__ import annotations

import argparse

import numpy as np

from benchmarks.timing import Case, run_interleaved

SIZES = (10_000, 100_000, 300_000, 500_000)


def polygon(kind: str, n: int) -> np.ndarray:
    if kind == "self-intersecting":
        return np.random.default_rng(0).uniform(0, 500, (n, 2))
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    r = 200 + 30 * np.sin(50 * t)
    return np.stack([250 + r * np.cos(t), 250 + r * np.sin(t)], 1)


def cases() -> list:
    import scenevis as sv

    out = []
    for kind in ("self-intersecting", "simple"):
        for n in SIZES:
            scene = sv.background((0, 0, 500, 500)) + sv.polygons([polygon(kind, n)], fill="red", color="blue", width=2)
            out.append(Case("polygons", f"{kind}, {n:,} vertices", "scenevis", scene.render))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    for result in run_interleaved(cases(), runs=runs):
        figure = f"{result.median * 1000:.0f} ms" if result.median is not None else result.error
        print(f"{result.case.setting:>36}: {figure}")


if __name__ == "__main__":
    main()
