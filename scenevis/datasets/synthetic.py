"""A generated COCO dataset with predictions, for examples, docs and benchmarks.

``write_coco(folder, images=2000)`` writes ``folder/images/*.jpg`` (photo-like street
scenes from :func:`scenevis.samples.photo`, a few painted once and then shifted and
relit per image, so thousands take seconds), ``folder/instances.json`` with 10-30
objects an image (boxes; polygons; every fourth object an RLE mask; a few crowds) and
``folder/results.json`` with predictions (most objects found with jittered boxes and
scores, some missed, some false detections). The same arguments write the same files.
"""
from __future__ import annotations

import json
import os
from typing import Any, NamedTuple, Tuple

import numpy as np

from scenevis import samples
from scenevis.datasets.images import save_jpeg
from scenevis.datasets.masks import encode_mask

__all__ = ["write_coco", "SampleFiles"]


class SampleFiles(NamedTuple):
    """Where :func:`write_coco` wrote: the annotation file, the image folder, the results file."""

    annotations: str
    images: str
    results: str

_BASES = 8  # distinct painted photos; every image is one of them, shifted and relit


def _polygon(rng: np.random.Generator, box: np.ndarray) -> list:
    """A star-shaped polygon of 6-12 vertices inside ``box`` (x0, y0, x1, y1), flat x, y."""
    k = int(rng.integers(6, 13))
    angles = np.sort(rng.uniform(0, 2 * np.pi, k))
    radius = rng.uniform(0.6, 1.0, k)
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    rx, ry = (box[2] - box[0]) / 2, (box[3] - box[1]) / 2
    xy = np.stack([cx + rx * radius * np.cos(angles), cy + ry * radius * np.sin(angles)], axis=1)
    return np.round(xy, 2).ravel().tolist()


def _ellipse(box: np.ndarray, width: int, height: int) -> np.ndarray:
    yy, xx = np.ogrid[0:height, 0:width]
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    rx, ry = max((box[2] - box[0]) / 2, 1.0), max((box[3] - box[1]) / 2, 1.0)
    return ((xx + 0.5 - cx) / rx) ** 2 + ((yy + 0.5 - cy) / ry) ** 2 <= 1.0


def write_coco(folder: Any, images: int = 100, size: Tuple[int, int] = (640, 480), objects: Tuple[int, int] = (10, 30),
               seed: int = 0, quality: int = 90) -> SampleFiles:
    """Write the dataset under ``folder``: ``read_coco(files.annotations, files.images)``.

    ``size`` is (width, height); each image has ``objects[0]`` to ``objects[1]`` objects
    of the classes in :data:`scenevis.samples.CLASSES` (category ids 1, 2, ...).
    """
    width, height = (int(v) for v in size)
    if images < 1 or width < 16 or height < 16 or not 1 <= objects[0] <= objects[1]:
        raise ValueError(f"images, size, objects: expected images >= 1, at least 16x16 pixels and 1 <= low <= high "
                         f"objects, got {images}, {size}, {objects}")
    folder = os.fspath(folder)
    os.makedirs(os.path.join(folder, "images"), exist_ok=True)
    rng = np.random.default_rng(seed)
    bases = [samples.photo(width, height, seed=seed + i) for i in range(min(_BASES, images))]
    entries, anns, results = [], [], []
    n_classes = len(samples.CLASSES)
    for i in range(images):
        name = f"{i:06d}.jpg"
        shifted = np.roll(bases[i % len(bases)], int(rng.integers(0, width)), axis=1)
        gain = rng.uniform(0.8, 1.15)
        save_jpeg(os.path.join(folder, "images", name), np.clip(shifted * gain, 0, 255).astype(np.uint8), quality)
        entries.append({"id": i + 1, "file_name": name, "width": width, "height": height})
        count = int(rng.integers(objects[0], objects[1] + 1))
        wh = rng.uniform(0.04, 0.3, (count, 2)) * [width, height]
        xy = rng.uniform(0, 1, (count, 2)) * ([width, height] - wh)
        boxes = np.round(np.concatenate([xy, xy + wh], axis=1), 2)
        labels = rng.integers(0, n_classes, count)
        for j in range(count):
            box = boxes[j]
            ann = {"id": len(anns) + 1, "image_id": i + 1, "category_id": int(labels[j]) + 1,
                   "bbox": [box[0], box[1], round(box[2] - box[0], 2), round(box[3] - box[1], 2)],
                   "area": float(wh[j].prod()), "iscrowd": 0}
            if j % 4 == 3:
                ann["segmentation"] = {"size": [height, width], "counts": encode_mask(_ellipse(box, width, height))}
                ann["iscrowd"] = int(j % 12 == 11)
            else:
                ann["segmentation"] = [_polygon(rng, box)]
            anns.append(ann)
            if rng.random() < 0.85:  # found, a little off
                jitter = rng.normal(0, 0.06, 4) * np.tile(wh[j], 2)
                found = np.clip(box + jitter, 0, [width, height, width, height])
                if found[2] > found[0] + 1 and found[3] > found[1] + 1:
                    label = int(labels[j]) if rng.random() < 0.9 else int(rng.integers(0, n_classes))
                    results.append({"image_id": i + 1, "category_id": label + 1, "score": round(rng.uniform(0.3, 1), 3),
                                    "bbox": [round(v, 2) for v in (found[0], found[1], found[2] - found[0],
                                                                   found[3] - found[1])]})
        for _ in range(int(rng.integers(0, 4))):  # false detections
            fw, fh = rng.uniform(0.05, 0.2) * width, rng.uniform(0.05, 0.2) * height
            fx, fy = rng.uniform(0, width - fw), rng.uniform(0, height - fh)
            results.append({"image_id": i + 1, "category_id": int(rng.integers(1, n_classes + 1)),
                            "score": round(rng.uniform(0.3, 0.9), 3),
                            "bbox": [round(fx, 2), round(fy, 2), round(fw, 2), round(fh, 2)]})
    categories = [{"id": c + 1, "name": name, "supercategory": "street"} for c, name in enumerate(samples.CLASSES)]
    annotations = os.path.join(folder, "instances.json")
    with open(annotations, "w") as handle:
        json.dump({"images": entries, "annotations": anns, "categories": categories}, handle)
    predictions = os.path.join(folder, "results.json")
    with open(predictions, "w") as handle:
        json.dump(results, handle)
    return SampleFiles(annotations, os.path.join(folder, "images"), predictions)
