"""Deterministic synthetic data for the annotate tests: backgrounds, crowded detections,
label maps and poses (no dependency on the sample photo, so goldens stay put)."""
from __future__ import annotations

import numpy as np

COCO_NAMES = ("person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat",
              "traffic light", "fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat", "dog",
              "horse", "sheep", "cow")


def backdrop(width: int, height: int, seed: int = 0) -> np.ndarray:
    """A smooth (height, width, 3) uint8 picture: a diagonal gradient and a few soft blobs."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    t = (xx / width + yy / height)[..., None] / 2
    img = (1 - t) * np.array([70, 110, 150]) + t * np.array([200, 190, 160])
    for _ in range(6):
        cx, cy, r = rng.uniform(0, width), rng.uniform(0, height), rng.uniform(20, 80)
        blob = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * r * r))[..., None]
        img = img * (1 - 0.5 * blob) + rng.uniform(40, 220, 3) * 0.5 * blob
    return np.clip(img, 0, 255).astype(np.uint8)


def crowded(n: int, width: int, height: int, seed: int = 0, classes: int = 20) -> dict:
    """``n`` random boxes (some tiny, some touching the edges) with labels and scores."""
    rng = np.random.default_rng(seed)
    wh = np.exp(rng.uniform(np.log(8), np.log(min(width, height) * 0.4), (n, 2)))
    xy = rng.uniform(-10, [width - 10, height - 10], (n, 2))
    boxes = np.concatenate([xy, xy + wh], axis=1)
    boxes[:, [0, 2]] = np.clip(boxes[:, [0, 2]], 0, width)
    boxes[:, [1, 3]] = np.clip(boxes[:, [1, 3]], 0, height)
    return {"bboxes": boxes, "labels": rng.integers(0, classes, n), "scores": np.round(rng.uniform(0.3, 1.0, n), 3)}


def street_map(width: int = 240, height: int = 160) -> np.ndarray:
    """An (H, W) int64 semantic map: sky 0, building 1, road 2, person 3, car 4, an
    ignored (255) band along the top."""
    yy, xx = np.mgrid[0:height, 0:width]
    seg = np.zeros((height, width), np.int64)
    seg[yy > height * 0.45] = 1
    seg[yy > height * 0.62] = 2
    seg[((xx - width * 0.3) / (width * 0.08)) ** 2 + ((yy - height * 0.62) / (height * 0.25)) ** 2 < 1] = 3
    seg[((xx - width * 0.72) / (width * 0.16)) ** 2 + ((yy - height * 0.75) / (height * 0.1)) ** 2 < 1] = 4
    seg[: height // 20] = 255
    return seg


def stick_figure(cx: float, top: float, scale: float) -> np.ndarray:
    """(17, 2) COCO keypoints of a standing person."""
    offsets = [(0, 0), (-0.08, -0.05), (0.08, -0.05), (-0.16, 0), (0.16, 0), (-0.3, 0.35), (0.3, 0.35),
               (-0.45, 0.8), (0.42, 0.75), (-0.5, 1.2), (0.6, 1.05), (-0.2, 1.25), (0.2, 1.25),
               (-0.25, 1.8), (0.3, 1.8), (-0.28, 2.35), (0.35, 2.35)]
    return np.array([(cx + scale * dx, top + scale * dy) for dx, dy in offsets])
