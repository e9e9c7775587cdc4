"""MMEngine-style code, unchanged, on scenevis: chained draw_* calls, get_image, add_image.

    python examples/mmengine_style.py [--out DIR] [--mmengine]

``draw_overlay`` below is what a user of ``mmengine.visualization.Visualizer`` writes; it
only uses MMEngine's API, so it runs on either class. The script draws a street photo with
masks, boxes, labels, a pose and a feature map through ``scenevis.Visualizer``, records it
with the local backend under DIR/vis_data (default DIR: out/) and prints the PNG paths.
With ``--mmengine`` (and MMEngine installed) the same function also runs on MMEngine's
Visualizer and a side-by-side picture is written.
"""
import argparse
import time
import warnings
from pathlib import Path

import numpy as np

from scenevis import samples
from scenevis.visualizer import Visualizer

W, H = 640, 427
SKELETON = [(0, 1), (1, 2), (1, 3), (2, 4), (3, 5)]


def draw_overlay(vis, image, det, class_names):
    """Draw detections the way MMDetection-style code does, with the MMEngine API only."""
    palette = [(220, 20, 60), (0, 0, 142), (119, 11, 32), (255, 160, 40), (250, 170, 30), (190, 153, 153)]
    colors = [palette[label] for label in det["labels"]]
    vis.set_image(image)
    vis.draw_bboxes(det["bboxes"], edge_colors=colors, line_widths=2, alpha=0.8)
    labels = [f"{class_names[label]} {score:.2f}" for label, score in zip(det["labels"], det["scores"])]
    vis.draw_texts(labels, det["bboxes"][:, :2], colors="white", font_sizes=11,
                   bboxes=[dict(facecolor="black", alpha=0.8, pad=0.7, edgecolor="none")] * len(labels))
    vis.draw_binary_masks(det["masks"], colors=colors, alphas=0.5)
    # A pose: keypoints, limbs and a head circle on the first person.
    x0, y0, x1, y1 = det["bboxes"][0]
    cx, w, h = (x0 + x1) / 2, x1 - x0, y1 - y0
    keypoints = np.array([[cx, y0 + 0.12 * h], [cx, y0 + 0.35 * h], [cx - 0.3 * w, y0 + 0.6 * h],
                          [cx + 0.3 * w, y0 + 0.6 * h], [cx - 0.25 * w, y1 - 2], [cx + 0.25 * w, y1 - 2]])
    starts, ends = np.array([keypoints[a] for a, _ in SKELETON]), np.array([keypoints[b] for _, b in SKELETON])
    vis.draw_lines(np.stack([starts[:, 0], ends[:, 0]], 1), np.stack([starts[:, 1], ends[:, 1]], 1),
                   colors="yellow", line_widths=2)
    vis.draw_points(keypoints, colors="red", sizes=np.full(len(keypoints), 30))
    vis.draw_circles(keypoints[:1], np.array([0.1 * h]), edge_colors="w", line_styles="--", line_widths=1)
    h, w = image.shape[:2]
    vis.draw_polygons(np.array([[0.03 * w, 0.94 * h], [0.19 * w, 0.77 * h], [0.31 * w, 0.96 * h]]),
                      edge_colors="cyan", face_colors="cyan", alpha=0.3)
    return vis.get_image()


def feature_map(det):
    """A (4, 54, 80) feature map that lights up where the objects are."""
    yy, xx = np.mgrid[0:54, 0:80] * 8.0
    maps = np.zeros((4, 54, 80), np.float32)
    for i, (x0, y0, x1, y1) in enumerate(det["bboxes"][:8]):
        maps[i % 4] += np.exp(-(((xx - (x0 + x1) / 2) / (x1 - x0 + 1)) ** 2 + ((yy - (y0 + y1) / 2) / (y1 - y0 + 1)) ** 2) * 3)
    return maps


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="out", help="output folder (default: out/)")
    parser.add_argument("--mmengine", action="store_true", help="also draw with MMEngine's Visualizer")
    args = parser.parse_args()
    out = Path(args.out)
    image, det = samples.photo(W, H), samples.detections(W, H)

    vis = Visualizer(name="mmengine_style", vis_backends=[dict(type="LocalVisBackend")], save_dir=str(out))
    start = time.perf_counter()
    drawn = draw_overlay(vis, image, det, samples.CLASSES)
    took = time.perf_counter() - start
    with warnings.catch_warnings():  # the map is 1/8 of the image: resampled to fit, as MMEngine warns
        warnings.simplefilter("ignore", UserWarning)
        heat = Visualizer.draw_featmap(feature_map(det), image, channel_reduction="squeeze_mean", alpha=0.5)
    vis.add_image("overlay", drawn, step=0)
    vis.add_image("featmap", heat, step=0)
    vis.add_scalars({"draw_ms": round(took * 1000, 2)}, step=0)
    vis.close()
    images = out / "vis_data" / "vis_image"
    paths = [images / "overlay_0.png", images / "featmap_0.png"]

    if args.mmengine:
        from mmengine.visualization import Visualizer as MMEngineVisualizer

        from scenevis._png import write_png
        theirs = draw_overlay(MMEngineVisualizer(name="mmengine_style_mm"), image, det, samples.CLASSES)
        side = out / "mmengine_vs_scenevis.png"
        write_png(side, np.concatenate([theirs, np.full((H, 8, 3), 255, np.uint8), drawn], axis=1))
        paths.append(side)
    for path in paths:
        print(path.resolve())


if __name__ == "__main__":
    main()
