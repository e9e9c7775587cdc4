"""Drawing data samples: detections, masks, segmentation, poses and the error view.

    python examples/detection_sample.py [--out DIR] [--docs]

Writes PNGs under DIR (default: out/) and prints their paths; --docs also refreshes the
pictures docs/datasamples.md shows (docs/img/datasample_*.png). Everything is plain
numpy: no MMDetection needed (the same calls accept MMEngine data elements).
"""
import argparse
import shutil
from pathlib import Path

import numpy as np

import scenevis as sv
from scenevis import annotate, samples
from scenevis.det_visualizer import DetVisualizer

W, H = 640, 427
STUFF = ("sky", "buildings", "road", "pavement")
SEG_META = {  # stuff first, then the photo's object classes, in Cityscapes-like colors
    "classes": STUFF + samples.CLASSES,
    "palette": [(70, 130, 180), (150, 120, 90), (128, 64, 128), (244, 35, 232), (220, 20, 60), (0, 0, 142),
                (119, 11, 32), (255, 160, 40), (250, 170, 30), (190, 153, 153)],
}


def ground_truth() -> dict:
    det = samples.detections(W, H)
    return {"bboxes": det["bboxes"], "labels": det["labels"], "masks": det["masks"]}


def prediction() -> dict:
    """The ground truth as a detector might see it: jittered boxes, a loose box, a wrong
    class, a miss and a false alarm."""
    det = samples.detections(W, H)
    rng = np.random.default_rng(5)
    boxes = det["bboxes"] + rng.normal(0, 2.0, det["bboxes"].shape)
    boxes[6] += [28, 6, 28, 6]  # a loose car box
    labels = det["labels"].copy()
    labels[9] = 0  # the dog taken for a person
    keep = np.arange(len(boxes)) != 3  # one person missed
    boxes = np.concatenate([boxes[keep], [[470, 40, 540, 95]]])  # a false alarm in the sky
    return {"bboxes": np.clip(boxes, 0, [W, H, W, H]), "labels": np.r_[labels[keep], 4],
            "scores": np.r_[det["scores"][keep], 0.38], "masks": np.concatenate([det["masks"][keep],
                                                                                np.zeros((1, H, W), bool)])}


def label_maps() -> tuple:
    """A semantic map (stuff by rows of the photo, objects from their masks) and the
    matching panoptic map (class + instance * 1000)."""
    det = samples.detections(W, H)
    yy = np.mgrid[0:H, 0:W][0]
    seg = np.zeros((H, W), np.int64)
    seg[yy > H * 0.38] = 1
    seg[yy >= H * 0.55] = 2
    seg[yy > H * 0.78] = 3
    pan = seg.copy()
    counts: dict = {}
    for mask, label in zip(det["masks"], det["labels"]):
        cls = len(STUFF) + int(label)
        counts[cls] = counts.get(cls, 0) + 1
        seg[mask] = cls
        pan[mask] = cls + 1000 * counts[cls]
    return seg, pan


def poses() -> np.ndarray:
    """COCO keypoints for the people in the photo, fitted to their boxes."""
    det = samples.detections(W, H)
    offsets = np.array([(0, 0), (-0.08, -0.05), (0.08, -0.05), (-0.16, 0), (0.16, 0), (-0.3, 0.35), (0.3, 0.35),
                        (-0.45, 0.8), (0.42, 0.75), (-0.5, 1.2), (0.6, 1.05), (-0.2, 1.25), (0.2, 1.25),
                        (-0.25, 1.8), (0.3, 1.8), (-0.28, 2.35), (0.35, 2.35)])
    people = det["bboxes"][det["labels"] == 0]
    out = []
    for x0, y0, x1, y1 in people:
        scale = (y1 - y0) / 2.6
        out.append(np.c_[(x0 + x1) / 2 + offsets[:, 0] * scale, y0 + scale * 0.2 + offsets[:, 1] * scale])
    return np.stack(out)


def crowded_scene() -> sv.Scene:
    """100 objects on one photo: every label inside, none overlapping."""
    rng = np.random.default_rng(11)
    wh = np.exp(rng.uniform(np.log(14), np.log(160), (100, 2)))
    xy = rng.uniform(0, [W - 20, H - 20], (100, 2))
    boxes = np.clip(np.concatenate([xy, xy + wh], axis=1), 0, [W, H, W, H])
    return annotate.instances(bboxes=boxes, labels=rng.integers(0, len(samples.CLASSES), 100),
                              scores=rng.uniform(0.3, 1.0, 100), classes=samples.CLASSES,
                              image=samples.photo(W, H, seed=3))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="out", help="output directory (default: out)")
    parser.add_argument("--docs", action="store_true", help="also refresh docs/img/datasample_*.png")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    photo = samples.photo(W, H)
    gt, pred = ground_truth(), prediction()
    meta = {"classes": samples.CLASSES}
    written = []

    # 1. The visualizer, as a training loop calls it: ground truth left, prediction right.
    vis = DetVisualizer(name="detection_sample")
    vis.dataset_meta = meta
    side = out / "datasample_side.png"
    small = 480 / W  # the pair at 480 px per side keeps the picture readable in a page
    sample = {"gt_instances": {"bboxes": gt["bboxes"] * small, "labels": gt["labels"]},
              "pred_instances": {"bboxes": pred["bboxes"] * small, "labels": pred["labels"], "scores": pred["scores"]}}
    vis.add_datasample("val", samples.photo(480, round(H * small)), sample, out_file=str(side))
    written.append(str(side))

    scenes = {}
    # 2. Instances with masks and a legend of the classes present.
    scenes["instances"] = annotate.instances(pred, image=photo, classes=samples.CLASSES, score_thr=0.3,
                                             legend_side="right")
    # 3. The same with the colorblind-safe palette.
    scenes["colorblind"] = annotate.instances(pred, image=photo, classes=samples.CLASSES, palette="colorblind",
                                              score_thr=0.3)
    # 4. A crowded scene: 100 labels placed without a single overlap.
    scenes["crowded"] = crowded_scene()
    # 5. The error view.
    scenes["compare"] = annotate.compare(gt, pred, iou=0.5, image=photo, classes=samples.CLASSES)
    # 6. Semantic and panoptic segmentation, side by side.
    seg, pan = label_maps()
    seg, pan = seg[::2, ::2], pan[::2, ::2]
    half = photo[::2, ::2]
    semantic = annotate.semantic(seg, image=half, dataset_meta=SEG_META)
    panoptic = annotate.panoptic(pan, image=half, dataset_meta=SEG_META)
    scenes["segmentation"] = sv.hstack([semantic, panoptic], gap=6)
    # 7. Poses with a skeleton; one person's left arm hidden.
    points = poses()
    visible = np.ones(points.shape[:2], bool)
    visible[1, [7, 9]] = False
    pose = annotate.keypoints({"keypoints": points, "keypoints_visible": visible}, image=photo)
    scenes["pose"] = pose.clipped((0, 195, W, 385))  # the strip with the people

    for name, scene in scenes.items():
        written.append(sv.save(scene, out / f"datasample_{name}.png"))
    written.append(sv.save(scenes["compare"], out / "datasample_compare.svg"))
    if args.docs:
        docs = Path(__file__).resolve().parents[1] / "docs" / "img"
        docs.mkdir(parents=True, exist_ok=True)
        shown = ("side", "instances", "crowded", "compare", "segmentation", "pose")
        for path in [out / f"datasample_{name}.png" for name in shown]:
            shutil.copy(path, docs / Path(path).name)
            written.append(str(docs / Path(path).name))
    for path in written:
        print(path)


if __name__ == "__main__":
    main()
