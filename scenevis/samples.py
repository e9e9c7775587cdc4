"""Deterministic sample data for examples, docs, tests and benchmarks.

Layer 0 (numpy only). ``photo`` paints a photo-like street scene (sky, sun, hills, road,
buildings, people, cars, film grain), and ``detections`` returns the objects in it as
boxes, labels, scores and instance masks, so a detection overlay has something real to
point at. Around them: ``prediction`` (what a detector with a few typical mistakes
reports), ``segmentation`` (semantic and panoptic maps of the photo), ``poses`` (COCO
keypoints of its people) and ``features`` (a (C, H, W) feature map of it). The same
arguments give the same values on every machine.
"""
from __future__ import annotations

import numpy as np

__all__ = ["photo", "detections", "prediction", "segmentation", "poses", "features", "CLASSES", "SEGMENTATION_META"]

CLASSES = ("person", "car", "bicycle", "dog", "traffic light", "bench")
#: Classes and colors of ``segmentation``'s maps: the objects' ``CLASSES`` (ids as in
#: ``detections``), then four kinds of stuff, as MMDetection orders things and stuff.
SEGMENTATION_META = {
    "classes": CLASSES + ("sky", "buildings", "road", "pavement"),
    "palette": [(220, 20, 60), (0, 0, 142), (119, 11, 32), (255, 160, 40), (250, 170, 30), (190, 153, 153),
                (70, 130, 180), (150, 120, 90), (128, 64, 128), (244, 35, 232)],
}


def _smooth_noise(rng: np.random.Generator, height: int, width: int, cell: int) -> np.ndarray:
    """Value noise in [0, 1]: a coarse random grid upsampled bilinearly."""
    gh, gw = height // cell + 2, width // cell + 2
    grid = rng.random((gh, gw), dtype=np.float32)
    ys = np.arange(height, dtype=np.float32) / cell
    xs = np.arange(width, dtype=np.float32) / cell
    y0, x0 = ys.astype(int), xs.astype(int)
    fy, fx = (ys - y0)[:, None], (xs - x0)[None, :]
    top = grid[y0][:, x0] * (1 - fx) + grid[y0][:, x0 + 1] * fx
    bottom = grid[y0 + 1][:, x0] * (1 - fx) + grid[y0 + 1][:, x0 + 1] * fx
    return top * (1 - fy) + bottom * fy


def _layout(width: int, height: int, seed: int) -> list:
    """The objects of the scene: (class id, x0, y0, x1, y1, shape) in pixels."""
    rng = np.random.default_rng(seed + 1)
    horizon = int(height * 0.55)
    objects = []
    for i in range(5):  # people on the pavement
        x = width * (0.08 + 0.18 * i + rng.uniform(-0.03, 0.03))
        h = height * rng.uniform(0.22, 0.32)
        w = h * 0.36
        y1 = height * rng.uniform(0.78, 0.95)
        objects.append((0, x, y1 - h, x + w, y1, "person"))
    for i in range(3):  # cars on the road
        x = width * (0.12 + 0.3 * i + rng.uniform(-0.04, 0.04))
        w = width * rng.uniform(0.16, 0.22)
        h = w * 0.45
        y1 = horizon + height * rng.uniform(0.12, 0.2)
        objects.append((1, x, y1 - h, x + w, y1, "car"))
    objects.append((4, width * 0.9, horizon - height * 0.3, width * 0.93, horizon - height * 0.12, "light"))
    objects.append((3, width * 0.62, height * 0.86, width * 0.7, height * 0.95, "dog"))
    return objects


def photo(width: int = 640, height: int = 427, seed: int = 0) -> np.ndarray:
    """A photo-like (height, width, 3) uint8 RGB street scene."""
    if width < 16 or height < 16:
        raise ValueError(f"size: expected at least 16x16 pixels, got {width}x{height}")
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    horizon = height * 0.55
    img = np.zeros((height, width, 3), np.float32)
    # sky: a vertical gradient with soft clouds
    t = (yy / horizon)[..., None]
    img[:] = (1 - t) * np.array([70, 130, 200]) + t * np.array([190, 215, 235])
    clouds = _smooth_noise(rng, height, width, max(8, width // 10)) ** 3
    img += clouds[..., None] * 90
    sun = np.exp(-(((xx - width * 0.78) ** 2 + (yy - height * 0.16) ** 2) / (2 * (height * 0.06) ** 2)))
    img += sun[..., None] * np.array([80, 60, 10])
    # hills and buildings on the horizon
    hills = horizon - height * (0.08 + 0.06 * np.sin(xx[0] / width * 7.0 + 1.3))
    img[yy > hills[None, :]] = np.array([70, 110, 60])
    for i in range(9):
        x0 = int(width * (i / 9 + rng.uniform(0, 0.03)))
        bw = int(width * rng.uniform(0.05, 0.09))
        top = int(horizon - height * rng.uniform(0.12, 0.3))
        tone = rng.uniform(90, 170)
        img[top:int(horizon), x0:x0 + bw] = np.array([tone, tone * 0.92, tone * 0.85])
        img[top + 6:int(horizon) - 4:12, x0 + 4:x0 + bw - 4:9] = np.array([235, 225, 150])
    # road and pavement
    ground = yy >= horizon
    img[ground] = np.array([95, 95, 100])
    img[(yy > height * 0.78)] = np.array([160, 150, 135])
    stripe = ground & (np.abs(yy - height * 0.68) < height * 0.008) & ((xx // (width / 16)) % 2 == 0)
    img[stripe] = np.array([240, 235, 210])
    # objects
    palette = {"person": (150, 60, 50), "car": (30, 60, 140), "light": (40, 40, 40), "dog": (120, 80, 40)}
    for _, x0, y0, x1, y1, shape in _layout(width, height, seed):
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        rx, ry = (x1 - x0) / 2, (y1 - y0) / 2
        inside = ((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 4 <= 1.0
        img[inside] = np.array(palette[shape]) * rng.uniform(0.8, 1.2)
        if shape == "person":
            head = (xx - cx) ** 2 + (yy - (y0 + ry * 0.25)) ** 2 <= (rx * 0.55) ** 2
            img[head] = np.array([225, 180, 150])
    # lighting and grain
    vignette = 1.0 - 0.25 * (((xx - width / 2) / width) ** 2 + ((yy - height / 2) / height) ** 2)
    img *= vignette[..., None]
    img += _smooth_noise(rng, height, width, 3)[..., None] * 14 - 7
    img += rng.normal(0, 3.0, img.shape).astype(np.float32)
    return np.clip(img, 0, 255).astype(np.uint8)


def detections(width: int = 640, height: int = 427, seed: int = 0) -> dict:
    """The objects painted by ``photo(width, height, seed)``: ``bboxes`` (N, 4) xyxy float32,
    ``labels`` (N,) int64 indexes into ``CLASSES``, ``scores`` (N,) float32 and ``masks``
    (N, height, width) bool."""
    objects = _layout(width, height, seed)
    rng = np.random.default_rng(seed + 2)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    boxes, labels, masks = [], [], []
    for label, x0, y0, x1, y1, _ in objects:
        cx, cy, rx, ry = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2, (y1 - y0) / 2
        masks.append(((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 4 <= 1.0)
        boxes.append((x0, y0, x1, y1))
        labels.append(label)
    return {
        "bboxes": np.asarray(boxes, np.float32),
        "labels": np.asarray(labels, np.int64),
        "scores": np.round(rng.uniform(0.55, 0.99, len(objects)), 2).astype(np.float32),
        "masks": np.asarray(masks, bool),
    }


def prediction(width: int = 640, height: int = 427, seed: int = 0) -> dict:
    """What a detector might report for ``photo(width, height, seed)``, as ``detections``
    does (plus scores): boxes jittered by a pixel or two, one car box placed loosely, the
    dog taken for a person, one person missed and a false alarm in the sky (a traffic
    light scoring 0.38)."""
    det = detections(width, height, seed)
    rng = np.random.default_rng(seed + 5)
    boxes = det["bboxes"] + rng.normal(0, 2.0, det["bboxes"].shape) * (width / 640)
    boxes[6] += np.array([28, 6, 28, 6]) * (width / 640, height / 427, width / 640, height / 427)
    labels = det["labels"].copy()
    labels[9] = 0
    keep = np.arange(len(boxes)) != 3
    alarm = np.array([[470, 40, 540, 95]]) * (width / 640, height / 427, width / 640, height / 427)
    return {
        "bboxes": np.clip(np.concatenate([boxes[keep], alarm]), 0, [width, height, width, height]).astype(np.float32),
        "labels": np.r_[labels[keep], 4].astype(np.int64),
        "scores": np.r_[det["scores"][keep], 0.38].astype(np.float32),
        "masks": np.concatenate([det["masks"][keep], np.zeros((1, height, width), bool)]),
    }


def segmentation(width: int = 640, height: int = 427, seed: int = 0) -> tuple:
    """``(semantic, panoptic)`` (height, width) int64 maps of ``photo(width, height, seed)``,
    class ids indexing ``SEGMENTATION_META["classes"]``: rows of sky, buildings, road and
    pavement, then the objects from their masks. The panoptic map numbers each object
    ``class + 1000 * instance`` (MMDetection's convention); stuff keeps instance 0."""
    det = detections(width, height, seed)
    rows = np.mgrid[0:height, 0:width][0]
    sky = len(CLASSES)
    semantic = np.full((height, width), sky, np.int64)
    semantic[rows > height * 0.38] = sky + 1
    semantic[rows >= height * 0.55] = sky + 2
    semantic[rows > height * 0.78] = sky + 3
    panoptic = semantic.copy()
    seen: dict = {}
    for mask, label in zip(det["masks"], det["labels"]):
        seen[label] = seen.get(label, 0) + 1
        semantic[mask] = label
        panoptic[mask] = label + 1000 * seen[label]
    return semantic, panoptic


# COCO's 17 keypoints of a standing person, relative to the head's top centre, in head heights.
_POSE = np.array([(0, 0), (-0.08, -0.05), (0.08, -0.05), (-0.16, 0), (0.16, 0), (-0.3, 0.35), (0.3, 0.35),
                  (-0.45, 0.8), (0.42, 0.75), (-0.5, 1.2), (0.6, 1.05), (-0.2, 1.25), (0.2, 1.25),
                  (-0.25, 1.8), (0.3, 1.8), (-0.28, 2.35), (0.35, 2.35)])


def poses(width: int = 640, height: int = 427, seed: int = 0) -> np.ndarray:
    """(P, 17, 2) float32 COCO keypoints (x, y) of the P people in ``photo(width, height,
    seed)``, fitted to their boxes."""
    det = detections(width, height, seed)
    out = []
    for x0, y0, x1, y1 in det["bboxes"][det["labels"] == 0]:
        unit = (y1 - y0) / 2.6
        out.append(np.c_[(x0 + x1) / 2 + _POSE[:, 0] * unit, y0 + unit * 0.2 + _POSE[:, 1] * unit])
    return np.asarray(out, np.float32)


def features(channels: int = 64, height: int = 14, width: int = 20, seed: int = 0) -> np.ndarray:
    """A (channels, height, width) float32 feature map of ``photo`` at 1/32 of its size
    (ResNet's last stage for a 640x427 photo is 14x20), non-negative as after a ReLU: each
    channel responds to some of the photo's objects, to the sky or the road, plus smooth
    noise, so the strongest channels differ and their mean peaks on the objects."""
    if channels < 1 or height < 2 or width < 2:
        raise ValueError(f"size: expected channels >= 1 and height, width >= 2, got {(channels, height, width)}")
    rng = np.random.default_rng(seed + 3)
    objects = detections(width * 32, height * 32, seed)["masks"][:, 16::32, 16::32].astype(np.float32)
    rows = np.linspace(0, 1, height, dtype=np.float32)[:, None] * np.ones((1, width), np.float32)
    regions = np.concatenate([objects, (1 - rows)[None] ** 2, (rows > 0.55)[None].astype(np.float32)])
    weights = rng.random((channels, len(regions)), dtype=np.float32) ** 4 * 2
    noise = np.stack([_smooth_noise(rng, height, width, 3) for _ in range(channels)]) * 0.4
    return np.maximum(np.tensordot(weights, regions, axes=1) + noise - 0.2, 0).astype(np.float32)
