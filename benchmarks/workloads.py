"""Deterministic benchmark data (seed 0): the same arrays for every peer.

Everything is plain numpy (RGB uint8 images, float64 xyxy boxes, (K, H, W) bool masks,
Python strings), built once before timing starts, so no peer pays for generating it.

- :func:`detection` is W1/W2: a photo-like 1280x720 image, ``n`` boxes with sides 20-200 px,
  labels such as ``person 0.87`` and per-class colors, plus ``k`` blob-shaped masks.
- :func:`blob_masks` draws masks shaped like objects: a star-shaped blob whose radius
  wobbles smoothly with the angle, 30-150 px across.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["WIDTH", "HEIGHT", "CLASS_NAMES", "PALETTE", "Detection", "photo", "boxes", "blob_masks", "detection"]

WIDTH, HEIGHT = 1280, 720
CLASS_NAMES = ("person", "car", "bicycle", "dog", "bus", "truck", "bench", "cat", "bird", "chair")
#: One RGB color per class; every peer draws class ``c`` in ``PALETTE[c]``.
PALETTE = np.array([
    (220, 20, 60), (0, 130, 200), (60, 180, 75), (245, 130, 48), (145, 30, 180),
    (70, 240, 240), (240, 50, 230), (210, 245, 60), (0, 128, 128), (170, 110, 40),
], dtype=np.uint8)
FONT_SIZE = 13  # label height in pixels
ALPHA = 0.5  # mask opacity


class Detection(NamedTuple):
    """One picture's worth of detections; arrays are writable, as a model hands them over."""

    image: np.ndarray  # (H, W, 3) uint8 RGB
    xyxy: np.ndarray  # (N, 4) float64
    class_ids: np.ndarray  # (N,) int64
    scores: np.ndarray  # (N,) float64
    labels: list  # N strings, "person 0.87"
    colors: np.ndarray  # (N, 3) uint8 RGB, PALETTE[class_ids]
    masks: np.ndarray  # (K, H, W) bool
    mask_colors: np.ndarray  # (K, 3) uint8 RGB

    @property
    def input_bytes(self) -> int:
        return self.image.nbytes + self.masks.nbytes


def photo(width: int = WIDTH, height: int = HEIGHT, seed: int = 0) -> np.ndarray:
    """A photo-like (height, width, 3) uint8 RGB image (scenevis's sample street scene)."""
    from scenevis.samples import photo as street

    return np.ascontiguousarray(street(width, height, seed))


def boxes(n: int, width: int = WIDTH, height: int = HEIGHT, seed: int = 0) -> np.ndarray:
    """(n, 4) float64 xyxy boxes with sides 20-200 px, inside the image."""
    rng = np.random.default_rng(seed)
    sides = rng.uniform(20, 200, (n, 2))
    x0 = rng.uniform(0, width - sides[:, 0] - 1)
    y0 = rng.uniform(0, height - sides[:, 1] - 1)
    return np.round(np.stack([x0, y0, x0 + sides[:, 0], y0 + sides[:, 1]], axis=1), 1)


def blob_masks(k: int, width: int = WIDTH, height: int = HEIGHT, seed: int = 0) -> np.ndarray:
    """(k, height, width) bool masks, each one smooth blob 30-150 px across."""
    rng = np.random.default_rng(seed + 100)
    out = np.zeros((k, height, width), bool)
    for i in range(k):
        radius = rng.uniform(15, 75)
        cx = rng.uniform(radius, width - radius)
        cy = rng.uniform(radius, height - radius)
        harmonics = rng.uniform(-0.18, 0.18, (2, 4))
        r = int(np.ceil(radius * 1.8)) + 1
        x0, x1 = max(int(cx) - r, 0), min(int(cx) + r, width)
        y0, y1 = max(int(cy) - r, 0), min(int(cy) + r, height)
        yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float64)
        theta = np.arctan2(yy - cy, xx - cx)
        wobble = 1.0 + sum(harmonics[0, j] * np.cos((j + 2) * theta) + harmonics[1, j] * np.sin((j + 2) * theta)
                           for j in range(4))
        out[i, y0:y1, x0:x1] = np.hypot(xx - cx, yy - cy) <= radius * wobble
    return out


def detection(n: int = 100, k: int = 20, seed: int = 0, image: np.ndarray | None = None) -> Detection:
    """W1 with ``n`` boxes and labels and ``k`` masks (W1 itself is ``n=100, k=20``)."""
    rng = np.random.default_rng(seed + 7)
    class_ids = rng.integers(0, len(CLASS_NAMES), n)
    scores = np.round(rng.uniform(0.3, 0.99, n), 2)
    labels = [f"{CLASS_NAMES[c]} {s:.2f}" for c, s in zip(class_ids, scores)]
    mask_classes = rng.integers(0, len(CLASS_NAMES), k)
    return Detection(
        image=photo(seed=seed) if image is None else image,
        xyxy=boxes(n, seed=seed),
        class_ids=class_ids.astype(np.int64),
        scores=scores,
        labels=labels,
        colors=PALETTE[class_ids],
        masks=blob_masks(k, seed=seed),
        mask_colors=PALETTE[mask_classes],
    )
