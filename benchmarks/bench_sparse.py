"""Few marks on a large picture: a 3840x2160 photo with 10 boxes and their labels (no
masks), the case where ``render`` paints only the canvas tiles the ink touches
(``scenevis/renderer/tiles.py``) instead of sending the whole photo through Cairo.

The peers, interleaved round after round: scenevis; scenevis with the tile path switched
off (``tiles.MAX_SHARE`` below zero: the whole canvas goes through the Cairo surface, as
before the tile path); the hand-written OpenCV and supervision drawings of W1/W2
(``benchmarks/peers.py``), each on a copy of the photo. Usage::

    python -m benchmarks.bench_sparse [--runs 21] [--boxes 10]
"""
from __future__ import annotations

import argparse

import numpy as np

from benchmarks import peers, workloads
from benchmarks.timing import Case, run_interleaved

SIZE = (3840, 2160)


def sparse_detection(n: int):
    """W2's detection with ``n`` boxes spread over a 4K photo (the W1 boxes scaled 3x), no masks."""
    width, height = SIZE
    d = workloads.detection(n=n, k=0, image=workloads.photo(width, height))
    return d._replace(xyxy=d.xyxy * 3, masks=np.zeros((0, height, width), bool))


def cases(n: int) -> list:
    import scenevis as sv
    from scenevis.renderer import tiles

    d = sparse_detection(n)

    def scene():
        return (sv.image(d.image) + sv.boxes(d.xyxy, color=d.colors, width=2)
                + sv.texts(d.labels, d.xyxy[:, :2], color="white", font_size=workloads.FONT_SIZE,
                           background=d.colors, pad=2))

    def whole_canvas():
        share, tiles.MAX_SHARE = tiles.MAX_SHARE, -1.0
        try:
            return sv.render(scene())
        finally:
            tiles.MAX_SHARE = share

    setting = f"{SIZE[0]}x{SIZE[1]}, N={n}"
    opencv, supervision = peers.make_opencv(), peers.make_supervision()
    return [Case("Sparse", setting, "scenevis", lambda: sv.render(scene()), reference=True),
            Case("Sparse", setting, "scenevis, whole canvas through Cairo", whole_canvas),
            Case("Sparse", setting, "OpenCV (hand-written)", lambda: opencv(d)),
            Case("Sparse", setting, "supervision", lambda: supervision(d))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--boxes", type=int, default=10)
    args = parser.parse_args()
    results = run_interleaved(cases(args.boxes), runs=args.runs)
    reference = results[0].median
    for result in results:
        if result.error:
            print(f"{result.case.peer:>38}: {result.error}")
        else:
            print(f"{result.case.peer:>38}: {result.median * 1000:7.2f} ms  peer / scenevis {result.median / reference:.2f}")


if __name__ == "__main__":
    main()
