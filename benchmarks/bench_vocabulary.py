"""W10: each drawing node of issue 20 beside the closest supervision annotator, on W1's input.

W1's 1280x720 photo, its 100 boxes and 20 masks (``workloads.detection()``). Each case
draws one thing over a fresh picture and returns a new (H, W, 3) uint8 image: scenevis
builds the node from the raw arrays and renders ``image + node``; supervision annotates a
copy of the image (its ``Detections`` are built inside the clock too, from the same
arrays). The "aliased" rows draw scenevis's marks with ``antialias=False``, as OpenCV draws
them (the default is antialiased). The target is scenevis within 1.5x of supervision (peer / scenevis >= 0.67).
``python -m benchmarks`` runs it as W10 (``--only W10``); alone, as a table:

    python -m benchmarks.bench_vocabulary [--runs 7]
"""
from __future__ import annotations

import argparse
from typing import Callable

import numpy as np

from benchmarks.timing import Case, run_interleaved
from benchmarks.workloads import PALETTE, detection

#: The target: supervision's time over scenevis's at least this (scenevis within 1.5x).
TARGET = 1 / 1.5


def _rotated(d) -> np.ndarray:
    """(N, 5) rotated boxes inside W1's boxes: their centres, sides, angles in [-0.6, 0.6]."""
    centres = (d.xyxy[:, :2] + d.xyxy[:, 2:]) / 2
    sides = d.xyxy[:, 2:] - d.xyxy[:, :2]
    return np.column_stack([centres, sides * 0.7, np.linspace(-0.6, 0.6, len(d.xyxy))])


def _poses(d) -> np.ndarray:
    """(N, 17, 2) stick figures fitted to W1's boxes."""
    unit = np.array([[0.5, 0.08], [0.45, 0.06], [0.55, 0.06], [0.4, 0.08], [0.6, 0.08], [0.3, 0.25], [0.7, 0.25],
                     [0.22, 0.42], [0.78, 0.42], [0.18, 0.58], [0.82, 0.58], [0.38, 0.6], [0.62, 0.6], [0.36, 0.8],
                     [0.64, 0.8], [0.35, 0.98], [0.65, 0.98]])
    lo, size = d.xyxy[:, None, :2], (d.xyxy[:, 2:] - d.xyxy[:, :2])[:, None]
    return lo + unit[None] * size


def cases(runs_hint: int = 7) -> list:
    import scenevis as sv
    import supervision as svn
    from scenevis import annotate
    from scenevis.annotate.keypoints import COCO_SKELETON

    d = detection()
    img, boxes = d.image, d.xyxy
    colors = d.colors
    mask_boxes = np.array([[*np.argwhere(m.any(0))[[0, -1], 0] + [0, 1], *np.argwhere(m.any(1))[[0, -1], 0] + [0, 1]]
                           for m in d.masks], float)[:, [0, 2, 1, 3]]
    rotated = _rotated(d)
    corners = sv.nodes.rotated_corners(rotated)
    poses = _poses(d)
    palette = svn.ColorPalette([svn.Color(*map(int, c)) for c in PALETTE])
    lookup = svn.ColorLookup.CLASS

    def dets(**extra):
        return svn.Detections(xyxy=boxes, class_id=d.class_ids, confidence=d.scores, **extra)

    def mask_dets():
        return svn.Detections(xyxy=mask_boxes, mask=d.masks, class_id=np.arange(len(d.masks)) % len(PALETTE))

    def ours(make: Callable) -> Callable:
        return lambda: sv.render(sv.image(img) + make())

    def theirs(annotator, make_dets: Callable, **kwargs) -> Callable:
        return lambda: annotator.annotate(img.copy(), make_dets(), **kwargs)

    oriented = svn.OrientedBoxAnnotator(color=palette, thickness=2, color_lookup=lookup)
    crop_box = np.array([[560.0, 300, 720, 420]])
    pairs = [
        ("rotated boxes", ours(lambda: sv.rotated_boxes(rotated, color=colors, width=2)),
         theirs(oriented, lambda: dets(data={"xyxyxyxy": corners}))),
        ("rotated boxes, aliased", ours(lambda: sv.rotated_boxes(rotated, color=colors, width=2, antialias=False)),
         theirs(oriented, lambda: dets(data={"xyxyxyxy": corners}))),
        ("corner brackets", ours(lambda: sv.markers(boxes, "corners", color=colors, width=3, size=15)),
         theirs(svn.BoxCornerAnnotator(color=palette, thickness=3, corner_length=15, color_lookup=lookup), dets)),
        ("foot ellipses", ours(lambda: sv.markers(boxes, "ellipse", color=colors, width=2)),
         theirs(svn.EllipseAnnotator(color=palette, thickness=2, color_lookup=lookup), dets)),
        ("foot ellipses, aliased", ours(lambda: sv.markers(boxes, "ellipse", color=colors, width=2, antialias=False)),
         theirs(svn.EllipseAnnotator(color=palette, thickness=2, color_lookup=lookup), dets)),
        ("triangles", ours(lambda: sv.markers(boxes, "triangle", color=colors, size=10)),
         theirs(svn.TriangleAnnotator(color=palette, base=10, height=10, color_lookup=lookup), dets)),
        ("dots", ours(lambda: sv.markers(boxes, "dot", color=colors, size=4)),
         theirs(svn.DotAnnotator(color=palette, radius=4, color_lookup=lookup), dets)),
        ("round boxes", ours(lambda: sv.markers(boxes, "round_box", color=colors, width=2)),
         theirs(svn.RoundBoxAnnotator(color=palette, thickness=2, color_lookup=lookup), dets)),
        ("halos (20 masks)", ours(lambda: sv.halo(d.masks, color=d.mask_colors, radius=20)),
         theirs(svn.HaloAnnotator(color=palette, opacity=0.8, kernel_size=40, color_lookup=lookup), mask_dets)),
        ("blur", ours(lambda: sv.blur(boxes, 7)), theirs(svn.BlurAnnotator(kernel_size=15), dets)),
        ("pixelate", ours(lambda: sv.pixelate(boxes, 20)), theirs(svn.PixelateAnnotator(pixel_size=20), dets)),
        ("dim outside masks", ours(lambda: sv.dim(d.masks, 0.5, outside=True)),
         theirs(svn.BackgroundOverlayAnnotator(color=svn.Color.BLACK, opacity=0.5), mask_dets)),
        ("grey outside masks", ours(lambda: sv.desaturate(d.masks, outside=True)),
         theirs(svn.BackgroundOverlayAnnotator(color=svn.Color.WHITE, opacity=0.5), mask_dets)),
        ("dim inside boxes", ours(lambda: sv.dim(boxes, 0.5)),
         theirs(svn.ColorAnnotator(color=svn.Color.BLACK, opacity=0.5), dets)),
        ("labels at an anchor", lambda: sv.render(annotate.instances(
            bboxes=boxes, labels=d.class_ids, scores=d.scores, image=img, show_boxes=False, font_size=13,
            label_anchor="top_left")),
         theirs(svn.LabelAnnotator(color=palette, text_position=svn.Position.TOP_LEFT, text_scale=0.4,
                                   color_lookup=lookup), dets, labels=d.labels)),
        ("keypoints (100 people)", lambda: sv.render(annotate.keypoints(poses, image=img, style="mmpose", radius=3,
                                                                         line_width=2)),
         lambda: svn.VertexAnnotator(radius=3).annotate(
             svn.EdgeAnnotator(thickness=2, edges=[(a + 1, b + 1) for a, b in COCO_SKELETON]).annotate(
                 img.copy(), svn.KeyPoints(xy=poses.astype(np.float32))), svn.KeyPoints(xy=poses.astype(np.float32)))),
        ("inset of one region", lambda: sv.render(sv.inset(sv.image(img), crop_box[0], 2.0, at="top_right")),
         theirs(svn.CropAnnotator(position=svn.Position.TOP_RIGHT, scale_factor=2.0),
                lambda: svn.Detections(xyxy=crop_box, class_id=np.array([0])))),
    ]
    out = []
    for setting, mine, peer in pairs:
        out.append(Case("W10", setting, "scenevis", mine, reference=True))
        out.append(Case("W10", setting, "supervision", peer))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    results = run_interleaved(cases(), runs=runs)
    mine = {r.case.setting: r.median for r in results if r.case.peer == "scenevis"}
    print("| Setting | scenevis | supervision | supervision / scenevis | within 1.5x |")
    print("|---|---:|---:|---:|:-:|")
    for r in results:
        if r.case.peer != "supervision":
            continue
        ours_ms = mine.get(r.case.setting)
        if r.median is None or ours_ms is None:
            print(f"| {r.case.setting} | {ours_ms} | {r.error} | | |")
            continue
        ratio = r.median / ours_ms
        print(f"| {r.case.setting} | {ours_ms * 1e3:.2f} ms | {r.median * 1e3:.2f} ms | {ratio:.2f} | "
              f"{'yes' if ratio >= TARGET else '**no**'} |")


if __name__ == "__main__":
    main()
