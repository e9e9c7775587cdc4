"""COCO: instance and keypoint annotation files, and results files (predictions).

An annotation file is one JSON object with ``images`` (id, file_name, width, height),
``annotations`` (image_id, category_id, bbox ``[x, y, w, h]``, segmentation as polygons,
RLE or uncompressed RLE, iscrowd, keypoints ``[x, y, v] * K``) and ``categories`` (id,
name, and for keypoints their names and a 1-based skeleton). A results file is a JSON
list of objects with image_id, category_id, score and a bbox, a segmentation (RLE) or
keypoints. Labels are category positions in ``categories`` (COCO's ids are sparse);
``meta.category_ids`` maps them back.
"""
from __future__ import annotations

import os
from collections import defaultdict
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from scenevis.datasets._problems import ProblemLog, load_json, number, short
from scenevis.datasets.masks import RLE, Polygons
from scenevis.datasets.records import Annotations, Dataset, DatasetMeta, ImageEntry, Predictions, relative_key

__all__ = ["read_coco", "read_coco_results"]


def _categories(raw: Any, log: ProblemLog) -> Tuple[DatasetMeta, Dict[int, int]]:
    names: List[str] = []
    ids: List[int] = []
    label_of: Dict[int, int] = {}
    keypoint_names: Tuple[str, ...] = ()
    skeleton: Tuple[Tuple[int, int], ...] = ()
    for i, cat in enumerate(raw if isinstance(raw, list) else []):
        where = f"categories[{i}]"
        cid = cat.get("id") if isinstance(cat, dict) else None
        if isinstance(cid, bool) or not isinstance(cid, int) or not isinstance(cat.get("name"), str):
            log.add(where, i, f"expected an object with an integer 'id' and a 'name', got {short(cat)}; left out")
            continue
        if cid in label_of:
            log.add(where, i, f"category id {cid} appears again; left out")
            continue
        label_of[cid] = len(names)
        names.append(cat["name"])
        ids.append(cid)
        if isinstance(cat.get("keypoints"), list) and cat["keypoints"] and not keypoint_names:
            keypoint_names = tuple(str(k) for k in cat["keypoints"])
            links = []
            raw_links = cat.get("skeleton")
            for link in raw_links if isinstance(raw_links, list) else []:
                k = len(keypoint_names)
                if not (isinstance(link, list) and len(link) == 2 and all(_is_id(v) and not isinstance(v, str)
                                                                          and 1 <= v <= k for v in link)):
                    log.add(where, i, f"skeleton: expected pairs of keypoint numbers in 1..{k}, got {short(link)}; "
                                      "that link left out")
                    continue
                links.append((link[0] - 1, link[1] - 1))
            skeleton = tuple(links)
    if not isinstance(raw, list):
        log.add("categories", None, f"expected a list of categories, got {short(raw)}")
    return DatasetMeta(tuple(names), tuple(ids), keypoint_names, skeleton), label_of


def _is_id(value: Any) -> bool:
    return isinstance(value, (int, str)) and not isinstance(value, bool)


def _images(raw: Any, root: str, check_files: bool, log: ProblemLog) -> Dict[Any, Tuple[int, dict]]:
    """image id -> (position, image dict) for the usable images."""
    found: Dict[Any, Tuple[int, dict]] = {}
    keys: set = set()
    for i, img in enumerate(raw if isinstance(raw, list) else []):
        where = f"images[{i}]"
        if not isinstance(img, dict) or not _is_id(img.get("id")) or not isinstance(img.get("file_name"), str):
            log.add(where, i, f"expected an object with an integer or string 'id' and a 'file_name', got "
                              f"{short(img)}; left out")
            continue
        width, height = img.get("width"), img.get("height")
        if isinstance(width, bool) or not isinstance(width, int) or isinstance(height, bool) or \
                not isinstance(height, int) or width <= 0 or height <= 0:
            log.add(where, i, f"expected positive integer 'width' and 'height', got {width!r} and {height!r}; "
                              "left out")
            continue
        if img["id"] in found:
            log.add(where, i, f"image id {img['id']!r} appears again; left out")
            continue
        path = os.path.join(root, img["file_name"])
        if check_files and not os.path.isfile(path):
            log.add(where, i, f"image file {path} does not exist; left out")
            continue
        key = relative_key(path, root)
        if key in keys:
            log.add(where, i, f"image {img['file_name']!r} has the output name {key!r} of an image before it; "
                              "left out")
            continue
        keys.add(key)
        found[img["id"]] = (i, img)
    if not isinstance(raw, list):
        log.add("images", None, f"expected a list of images, got {short(raw)}")
    return found


def _segment(raw: Any, width: int, height: int, where: str, index: int, log: ProblemLog) -> Optional[Any]:
    if raw is None or raw == []:
        return None
    if isinstance(raw, dict):
        size, counts = raw.get("size"), raw.get("counts")
        if not (isinstance(size, list) and len(size) == 2) or [int(v) for v in size] != [height, width]:
            log.add(where, index, f"segmentation: the RLE's size {short(size)} is not the image's "
                                  f"[{height}, {width}] (height, width); left out")
            return None
        if isinstance(counts, bytes):
            counts = counts.decode("ascii", "replace")
        if isinstance(counts, str):
            return RLE(counts, height, width)
        if isinstance(counts, list) and all(isinstance(c, int) and not isinstance(c, bool) and c >= 0
                                            for c in counts):
            if sum(counts) != height * width:
                log.add(where, index, f"segmentation: uncompressed RLE counts cover {sum(counts)} pixels, not "
                                      f"{height}x{width} = {height * width}; left out")
                return None
            return RLE(np.asarray(counts, np.int64), height, width)
        log.add(where, index, f"segmentation: expected RLE counts as a string or a list of non-negative integers, "
                              f"got {short(counts)}; left out")
        return None
    if isinstance(raw, list):
        rings = []
        for ring in raw:
            values = [number(v) for v in ring] if isinstance(ring, list) else [None]
            if None in values or len(values) < 6 or len(values) % 2:
                log.add(where, index, f"segmentation: expected polygons of at least 3 x, y pairs, got {short(ring)}; "
                                      "that polygon left out")
                continue
            rings.append(np.asarray(values, np.float64).reshape(-1, 2))
        return Polygons(tuple(rings)) if rings else None
    log.add(where, index, f"segmentation: expected polygons or an RLE object, got {short(raw)}; left out")
    return None


def _keypoints(raw: Any, k: int, where: str, index: int, log: ProblemLog) -> Optional[np.ndarray]:
    if raw is None:
        return None
    values = [number(v) for v in raw] if isinstance(raw, list) else [None]
    if None in values or len(values) != 3 * k:
        log.add(where, index, f"keypoints: expected {3 * k} numbers (x, y, v for the {k} keypoints of the "
                              f"categories), got {short(raw)}; left out")
        return None
    return np.asarray(values, np.float64).reshape(k, 3)


def _objects(anns: List[Tuple[int, dict]], img: dict, label_of: Dict[int, int], meta: DatasetMeta,
             log: ProblemLog, *, results: bool) -> Annotations:
    """The checked objects of one image (``anns``: (position in the file, object))."""
    width, height = img["width"], img["height"]
    k = len(meta.keypoint_names)
    boxes, labels, scores, segments, points, crowd = [], [], [], [], [], []
    section = "results" if results else "annotations"
    for i, ann in anns:
        where = f"{section}[{i}]" + (f" (id {short(ann['id'])})" if "id" in ann else "")
        cid = ann.get("category_id")
        if isinstance(cid, bool) or not isinstance(cid, int) or cid not in label_of:
            log.add(where, i, f"category_id {short(cid)} is not among the categories; left out")
            continue
        score = number(ann.get("score")) if results else None
        if results and score is None:
            log.add(where, i, f"score: expected a number, got {short(ann.get('score'))}; left out")
            continue
        segment = _segment(ann.get("segmentation"), width, height, where, i, log)
        kpts = _keypoints(ann.get("keypoints"), k, where, i, log) if k else None
        raw_box = ann.get("bbox")
        if raw_box is not None:
            values = [number(v) for v in raw_box] if isinstance(raw_box, list) and len(raw_box) == 4 else None
            if values is None or None in values:
                log.add(where, i, f"bbox: expected [x, y, width, height], got {short(raw_box)}; left out")
                continue
            x, y, w, h = values
            xyxy = [x, y, x + w, y + h]
        elif segment is not None:
            xyxy = segment.bbox()
        elif kpts is not None and (kpts[:, 2] > 0).any():
            seen = kpts[kpts[:, 2] > 0, :2]
            xyxy = [*seen.min(axis=0), *seen.max(axis=0)]
        else:
            log.add(where, i, "has no bbox, segmentation or keypoints; left out")
            continue
        box = log.box(where, i, xyxy, width, height)
        if box is None:
            continue
        boxes.append(box)
        labels.append(label_of[cid])
        scores.append(score)
        segments.append(segment)
        points.append(kpts if kpts is not None else np.zeros((k, 3)))
        crowd.append(bool(ann.get("iscrowd", 0)))
    n = len(boxes)
    return Annotations(np.asarray(boxes).reshape(n, 4), labels, scores if results else None,
                       segments if any(s is not None for s in segments) else (),
                       np.asarray(points).reshape(n, k, 3) if k else None, None if results else crowd)


def read_coco(annotations: Any, images: Any = None, *, check_files: bool = True) -> Dataset:
    """The dataset of a COCO annotation file (instances or person keypoints).

    ``images`` is the folder the ``file_name`` s are relative to (default: the annotation
    file's folder). Nothing is decoded: segmentations stay encoded, images unread (with
    ``check_files`` each image file must exist). Problems (a missing image, a box outside
    its image, an unknown category, a malformed object, a file that is not JSON) are
    collected in ``dataset.problems``, each naming the file and the item, and reported in
    one ``UserWarning``; the other items are read.
    """
    path = os.fspath(annotations)
    root = os.path.dirname(os.path.abspath(path)) if images is None else os.path.abspath(os.fspath(images))
    log = ProblemLog(path)
    ok, data = load_json(path, log)
    if ok and not isinstance(data, dict):
        log.add("", None, f"expected a JSON object with 'images', 'annotations' and 'categories', got "
                          f"{type(data).__name__}; nothing read from it")
        ok = False
    if not ok:
        log.warn(path)
        return Dataset(path, DatasetMeta((), ()), (), log.problems)
    meta, label_of = _categories(data.get("categories"), log)
    found = _images(data.get("images"), root, check_files, log)
    raw_images = data.get("images")
    known = {img["id"] for img in raw_images if isinstance(img, dict) and _is_id(img.get("id"))} \
        if isinstance(raw_images, list) else set()
    per_image = _group(data.get("annotations", []), "annotations", found, known, log)
    entries = []
    for image_id, (_, img) in sorted(found.items(), key=lambda item: item[1][0]):
        image = os.path.join(root, img["file_name"])
        gt = _objects(per_image.get(image_id, []), img, label_of, meta, log, results=False)
        entries.append(ImageEntry(relative_key(image, root), image, img["width"], img["height"], gt, image_id))
    log.warn(path)
    return Dataset(path, meta, entries, log.problems)


def _group(raw: Any, section: str, found: Any, known: Any, log: ProblemLog) -> Dict[Any, List[Tuple[int, dict]]]:
    """The objects of ``raw`` by image id, for the image ids in ``found``; objects of
    images ``known`` but left out (already reported) are dropped quietly."""
    per_image: Dict[Any, List[Tuple[int, dict]]] = defaultdict(list)
    if not isinstance(raw, list):
        log.add(section, None, f"expected a list of objects, got {short(raw)}; nothing read from it")
        return per_image
    for i, ann in enumerate(raw):
        if not isinstance(ann, dict):
            log.add(f"{section}[{i}]", i, f"expected an object, got {short(ann)}; left out")
            continue
        image_id = ann.get("image_id")
        usable = _is_id(image_id) and image_id in found
        listed = _is_id(image_id) and image_id in known
        if usable:
            per_image[image_id].append((i, ann))
        elif not listed:
            log.add(f"{section}[{i}]", i, f"image_id {short(image_id)} is not among the images; left out")
    return per_image


def read_coco_results(results: Any, dataset: Dataset) -> Predictions:
    """The predictions of a COCO results file for the images of ``dataset`` (read with
    :func:`read_coco` from the matching annotation file); attach them with
    ``dataset.with_predictions(...)``.

    Each result needs image_id, category_id and score, and a bbox (``[x, y, w, h]``) or a
    segmentation (RLE; its box is then computed from the run lengths, the mask is not
    decoded) or keypoints. Problems (an image or category the dataset does not have, a
    box outside the image, a file that is not JSON) are collected in
    ``predictions.problems`` and reported in one ``UserWarning``; the rest is read.
    """
    if not isinstance(dataset, Dataset):
        raise TypeError(f"dataset: expected a scenevis.datasets.Dataset (from read_coco), got {type(dataset).__name__}")
    path = os.fspath(results)
    log = ProblemLog(path)
    ok, data = load_json(path, log)
    if ok and not isinstance(data, list):
        log.add("", None, f"expected a JSON list of results, got {type(data).__name__}; nothing read from it")
        ok = False
    by_index: Dict[int, Annotations] = {}
    if ok:
        index_of = dataset.indexes_by_image_id()
        label_of = {cid: label for label, cid in enumerate(dataset.meta.category_ids)}
        for image_id, anns in _group(data, "results", index_of, (), log).items():
            entry = dataset.entries[index_of[image_id]]
            img = {"width": entry.width, "height": entry.height}
            by_index[index_of[image_id]] = _objects(anns, img, label_of, dataset.meta, log, results=True)
    log.warn(path)
    return Predictions(path, by_index, tuple(log.problems))
