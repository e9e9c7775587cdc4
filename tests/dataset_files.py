"""Small dataset files for the reader and batch tests, written with Pillow and pycocotools."""
import json
import os

import numpy as np
import pycocotools.mask as coco_mask
from PIL import Image

from scenevis import samples

WIDTH, HEIGHT = 96, 72
# COCO's category ids are sparse; names chosen so that none is a prefix of another.
CATEGORIES = [{"id": 1, "name": "person", "supercategory": "person",
               "keypoints": ["nose", "left_eye", "right_eye", "left_hand", "right_hand"],
               "skeleton": [[1, 2], [1, 3], [2, 4], [3, 5]]},
              {"id": 3, "name": "car", "supercategory": "vehicle"},
              {"id": 18, "name": "dog", "supercategory": "animal"}]


def write_jpeg(path, width=WIDTH, height=HEIGHT, seed=0):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.fromarray(samples.photo(width, height, seed=seed)).save(path, quality=92)


def write_header_only_jpeg(path, width, height):
    """A file that starts like a JPEG (start of image, a JFIF segment, a baseline frame
    header giving its size) and has no image data: its size is readable, its pixels are not."""
    app0 = b"\xff\xe0" + (16).to_bytes(2, "big") + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof0 = b"\xff\xc0" + (11).to_bytes(2, "big") + b"\x08" + height.to_bytes(2, "big") + width.to_bytes(2, "big") \
        + b"\x01\x01\x11\x00"
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(b"\xff\xd8" + app0 + sof0 + b"\xff\xd9")


def blob(cx, cy, rx, ry, width=WIDTH, height=HEIGHT):
    yy, xx = np.mgrid[0:height, 0:width]
    return ((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2 <= 1.0


def rle(mask, compressed=True):
    """COCO's RLE object for ``mask``: compressed by pycocotools, or uncompressed counts
    (runs of 0s and 1s down the columns, starting with 0s) written here."""
    if compressed:
        encoded = coco_mask.encode(np.asfortranarray(mask.astype(np.uint8)))
        return {"size": list(encoded["size"]), "counts": encoded["counts"].decode("ascii")}
    flat = mask.T.ravel()
    starts = np.flatnonzero(np.diff(flat.astype(np.int8))) + 1
    edges = np.concatenate([[0], starts, [flat.size]])
    runs = np.diff(edges).tolist()
    if flat[0]:
        runs = [0] + runs
    return {"size": [mask.shape[0], mask.shape[1]], "counts": [int(r) for r in runs]}


def coco_instances(root, images=3):
    """A COCO file under ``root`` with every annotation kind; returns its path."""
    entries, anns = [], []
    for i in range(images):
        name = f"img{i}.jpg" if i else "sub/img0.jpg"
        write_jpeg(os.path.join(root, "images", name), seed=i)
        entries.append({"id": 100 + i, "file_name": name, "width": WIDTH, "height": HEIGHT})

    def add(image, cat, bbox, **extra):
        anns.append({"id": len(anns) + 1, "image_id": image, "category_id": cat, "bbox": bbox,
                     "area": bbox[2] * bbox[3], "iscrowd": 0, **extra})

    # image 100: a person with keypoints and a two-part polygon, a car as compressed RLE
    add(100, 1, [10.5, 8.0, 30.0, 50.0], segmentation=[[10.5, 8, 40.5, 8, 25, 35], [12, 40, 38, 40, 38, 58, 12, 58]],
        keypoints=[20, 12, 2, 18, 10, 2, 22, 10, 1, 12, 40, 2, 0, 0, 0], num_keypoints=4)
    add(100, 3, [50.0, 30.0, 40.0, 30.0], segmentation=rle(blob(70, 45, 19, 14)))
    # image 101: a crowd of dogs as uncompressed RLE, a plain box
    add(101, 18, [5.0, 5.0, 40.0, 40.0], segmentation=rle(blob(25, 25, 19, 19), compressed=False), iscrowd=1)
    add(101, 3, [60.0, 10.0, 20.0, 15.0])
    # image 102: nothing
    return _dump(root, {"images": entries, "annotations": anns, "categories": CATEGORIES})


def _dump(root, data, name="instances.json"):
    path = os.path.join(root, name)
    with open(path, "w") as handle:
        json.dump(data, handle)
    return path


def coco_results(root, name="results.json"):
    """Predictions for :func:`coco_instances`: a good box, a loose one, a wrong class, a
    mask-only result and a keypoint result."""
    results = [
        {"image_id": 100, "category_id": 1, "bbox": [11.0, 8.0, 30.0, 50.0], "score": 0.9},
        {"image_id": 100, "category_id": 3, "bbox": [30.0, 20.0, 40.0, 30.0], "score": 0.6},
        {"image_id": 101, "category_id": 1, "bbox": [60.0, 10.0, 20.0, 15.0], "score": 0.8},
        {"image_id": 101, "category_id": 18, "segmentation": rle(blob(30, 30, 10, 8)), "score": 0.7},
        {"image_id": 100, "category_id": 1, "keypoints": [20, 12, 0.9, 18, 10, 0.8, 22, 10, 0.2, 12, 40, 0.9,
                                                          30, 50, 0.1], "score": 0.5},
    ]
    return _dump(root, results, name)
