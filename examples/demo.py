"""The main job of `make demo`: render the example scenes to PNG, SVG and PDF under out/.

    python examples/demo.py [--out DIR] [--docs]

--docs also refreshes the pictures under docs/img/ that the README and docs show.
"""
import argparse
import shutil
from pathlib import Path

import numpy as np

import scenevis as sv
from scenevis import samples


def detection_overlay() -> sv.Scene:
    """Boxes, labels and instance masks on the sample photo."""
    img = samples.photo(640, 427)
    det = samples.detections(640, 427)
    labels = det["labels"]
    names = [f"{samples.CLASSES[c]} {s:.2f}" for c, s in zip(labels, det["scores"])]
    return (sv.image(img)
            + sv.masks(det["masks"], class_ids=labels, alpha=0.45)
            + sv.boxes(det["bboxes"], class_ids=labels, width=2)
            + sv.texts(names, det["bboxes"][:, :2], color="white", font_size=12, valign="bottom",
                       background=sv.DEFAULT_PALETTE.take(labels), pad=2))


SKELETON = [(0, 1), (1, 2), (2, 3), (1, 4), (4, 5), (1, 6), (6, 7), (7, 8), (6, 9), (9, 10)]


def polygons_and_keypoints() -> sv.Scene:
    """A polygon with a hole, and a pose: skeleton lines and keypoints."""
    canvas = sv.background((0, 0, 360, 240), "#f4f1ea")
    region = sv.polygons([[[[20, 30], [170, 20], [190, 200], [40, 220]], [[70, 80], [130, 75], [135, 150], [75, 160]]]],
                         fill=(46, 134, 222, 110), color="#1e5aa8", width=2)
    pose = np.array([[265, 40], [265, 75], [230, 110], [215, 150], [300, 110], [315, 150],
                     [265, 140], [240, 185], [235, 228], [290, 185], [295, 228]], float)
    bones = sv.lines([pose[[a, b]] for a, b in SKELETON], color="#e4572e", width=3)
    joints = sv.points(pose, radius=4.5, color="#29335c")
    caption = sv.texts(["polygon with a hole", "pose"], [[105, 232], [265, 232]], font_size=12,
                       halign="center", valign="bottom", color="#333333")
    return canvas + region + bones + joints + caption


def heatmap_overlay() -> sv.Scene:
    """A smooth (H, W) map stretched over the photo through the jet colormap."""
    img = samples.photo(640, 427)
    yy, xx = np.mgrid[0:14, 0:20]
    heat = np.exp(-((xx - 13) ** 2 + (yy - 6) ** 2) / 12.0) + 0.6 * np.exp(-((xx - 4) ** 2 + (yy - 9) ** 2) / 6.0)
    return sv.image(img) + sv.heatmap(heat, extent=(0, 0, 640, 427), cmap="jet", alpha=0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="out", help="output directory (default: out)")
    parser.add_argument("--docs", action="store_true", help="also refresh docs/img/")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    overlay, shapes, heat = detection_overlay(), polygons_and_keypoints(), heatmap_overlay()
    thumbs = [s.scale(0.5) for s in (overlay, heat)] + [shapes.scale(320 / 360), sv.image(samples.photo(320, 214, seed=7))]
    scenes = {
        "detection": overlay,
        "polygons_keypoints": shapes,
        "heatmap": heat,
        "grid": sv.grid(thumbs, cols=2, gap=6, titles=["detection", "heatmap", "polygons + pose", "photo"]),
    }
    written = []
    for name, scene in scenes.items():
        for ext in ("png", "svg", "pdf"):
            written.append(sv.save(scene, out / f"{name}.{ext}"))
    if args.docs:
        docs = Path(__file__).resolve().parents[1] / "docs" / "img"
        docs.mkdir(parents=True, exist_ok=True)
        for name in scenes:
            shutil.copy(out / f"{name}.png", docs / f"{name}.png")
            written.append(str(docs / f"{name}.png"))
    for path in written:
        print(path)


if __name__ == "__main__":
    main()
