"""COCO: instance and keypoint annotation files, and results files (predictions).

An annotation file is one JSON object with ``images`` (id, file_name, width, height),
``annotations`` (image_id, category_id, bbox ``[x, y, w, h]``, segmentation as polygons,
RLE or uncompressed RLE, iscrowd, keypoints ``[x, y, v] * K``) and ``categories`` (id,
name, and for keypoints their names and a 1-based skeleton). A results file is a JSON
list of objects with image_id, category_id, score and a bbox, a segmentation (RLE) or
keypoints. Labels are category positions in ``categories`` (COCO's ids are sparse);
``meta.category_ids`` maps them back.

Neither file is held: one pass over it (:mod:`scenevis.datasets._jsonscan`) checks every
item and keeps, per image, where in the file the image and its objects are (byte offsets
in numpy arrays: 12 bytes per run of consecutive objects of one image, so per image in a
file listed image by image); a record decodes just those bytes again when asked for, so
the reader's memory grows by a few bytes per image, not by the parsed file.
"""
from __future__ import annotations

import collections.abc
import itertools
import os
from array import array
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Tuple

import numpy as np

from scenevis.datasets._jsonscan import Scanner, ScanError, Spans, decode, decode_runs, read_spans, unchanged
from scenevis.datasets._problems import (EDGE_TOLERANCE, Problem, ProblemLog, load_json, number,
                                         numbers, short)
from scenevis.datasets.masks import RLE, Polygons
from scenevis.datasets.records import (Annotations, Dataset, DatasetMeta, EntryIndex, ImageEntry, Predictions,
                                       relative_key)

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


class _Images:
    """The images of an annotation file, checked one at a time in file order; of the
    usable ones it keeps the span, size and id (their ``positions``: dataset indexes)."""

    def __init__(self, root: str, check_files: bool, size: int, log: ProblemLog):
        self.root, self.check_files, self.log = root, check_files, log
        self.spans = Spans(size)
        self.widths, self.heights = array("I"), array("I")
        self.positions: Dict[Any, int] = {}
        self.left_out: set = set()  # ids of images left out: their objects are dropped quietly
        self.keys: set = set()

    def add(self, i: int, img: Any, start: int, end: int) -> None:
        where = f"images[{i}]"
        if not isinstance(img, dict) or not _is_id(img.get("id")) or not isinstance(img.get("file_name"), str):
            self.log.add(where, i, f"expected an object with an integer or string 'id' and a 'file_name', got "
                                   f"{short(img)}; left out")
            return
        image_id = img["id"]
        width, height = img.get("width"), img.get("height")
        if isinstance(width, bool) or not isinstance(width, int) or isinstance(height, bool) or \
                not isinstance(height, int) or width <= 0 or height <= 0:
            self.log.add(where, i, f"expected positive integer 'width' and 'height', got {width!r} and {height!r}; "
                                   "left out")
            self.left_out.add(image_id)
            return
        if image_id in self.positions:
            self.log.add(where, i, f"image id {image_id!r} appears again; left out")
            return
        path = os.path.join(self.root, img["file_name"])
        if self.check_files and not os.path.isfile(path):
            self.log.add(where, i, f"image file {path} does not exist; left out")
            self.left_out.add(image_id)
            return
        key = relative_key(path, self.root)
        if key in self.keys:
            self.log.add(where, i, f"image {img['file_name']!r} has the output name {key!r} of an image before it; "
                                   "left out")
            self.left_out.add(image_id)
            return
        self.keys.add(key)
        self.positions[image_id] = len(self.spans)
        self.spans.add(start, end)
        self.widths.append(width)
        self.heights.append(height)

    def not_a_list(self, raw: Any) -> None:
        self.log.add("images", None, f"expected a list of images, got {short(raw)}")

    def known(self, image_id: Any) -> bool:
        return image_id in self.positions or image_id in self.left_out


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
            values = numbers(ring)
            if values is None or len(values) < 6 or len(values) % 2:
                log.add(where, index, f"segmentation: expected polygons of at least 3 x, y pairs, got {short(ring)}; "
                                      "that polygon left out")
                continue
            rings.append(values.reshape(-1, 2))
        return Polygons(tuple(rings)) if rings else None
    log.add(where, index, f"segmentation: expected polygons or an RLE object, got {short(raw)}; left out")
    return None


def _keypoints(raw: Any, k: int, where: str, index: int, log: ProblemLog) -> Optional[np.ndarray]:
    if raw is None:
        return None
    values = numbers(raw)
    if values is None or len(values) != 3 * k:
        log.add(where, index, f"keypoints: expected {3 * k} numbers (x, y, v for the {k} keypoints of the "
                              f"categories), got {short(raw)}; left out")
        return None
    return values.reshape(k, 3)


_Object = Tuple[np.ndarray, int, Optional[float], Any, Optional[np.ndarray], bool]


def _object(i: int, ann: dict, width: int, height: int, label_of: Dict[int, int], k: int, log: ProblemLog,
            results: bool) -> Optional[_Object]:
    """One checked object ``(box, label, score, segment, keypoints, crowd)``, or None (and
    a problem) when it is left out; ``i`` is its position in the file's list."""
    where = f"{'results' if results else 'annotations'}[{i}]" + (f" (id {short(ann['id'])})" if "id" in ann else "")
    cid = ann.get("category_id")
    if isinstance(cid, bool) or not isinstance(cid, int) or cid not in label_of:
        log.add(where, i, f"category_id {short(cid)} is not among the categories; left out")
        return None
    score = number(ann.get("score")) if results else None
    if results and score is None:
        log.add(where, i, f"score: expected a number, got {short(ann.get('score'))}; left out")
        return None
    segment = _segment(ann.get("segmentation"), width, height, where, i, log)
    kpts = _keypoints(ann.get("keypoints"), k, where, i, log) if k else None
    raw_box = ann.get("bbox")
    if raw_box is not None:
        values = numbers(raw_box)
        if values is None or len(values) != 4:
            log.add(where, i, f"bbox: expected [x, y, width, height], got {short(raw_box)}; left out")
            return None
        x, y, w, h = values.tolist()
        xyxy = [x, y, x + w, y + h]
    elif segment is not None:
        xyxy = segment.bbox()
    elif kpts is not None and (kpts[:, 2] > 0).any():
        seen = kpts[kpts[:, 2] > 0, :2]
        xyxy = [*seen.min(axis=0), *seen.max(axis=0)]
    else:
        log.add(where, i, "has no bbox, segmentation or keypoints; left out")
        return None
    box = log.box(where, i, xyxy, width, height)
    if box is None:
        return None
    return box, label_of[cid], score, segment, kpts if kpts is not None else np.zeros((k, 3)), \
        bool(ann.get("iscrowd", 0))


def _plain(anns: List[Any], width: int, height: int, label_of: Dict[int, int], k: int,
           results: bool) -> Optional[tuple]:
    """The objects of one image as the columns ``(boxes, labels, scores, segments, crowd)``
    when :func:`_object` would keep every one of them as it is, without a problem (a box
    reaching at most the tolerance past the edge is clipped quietly there too); None when
    any needs its checks one object at a time: something to report, or a form this pass
    leaves to them (keypoints, an uncompressed RLE, a box only from a segmentation). Most
    files' objects are plain: checking them a column at a time costs a fraction of the
    per-object checks, when the file is read and again for each record."""
    if k or not all(type(ann) is dict for ann in anns):
        return None
    cids = [ann.get("category_id") for ann in anns]
    boxes = [ann.get("bbox") for ann in anns]
    if not ({int}.issuperset(map(type, cids)) and {list}.issuperset(map(type, boxes))
            and {4}.issuperset(map(len, boxes)) and label_of.keys() >= set(cids)):
        return None
    segments: List[Any] = [ann.get("segmentation") for ann in anns]
    rings = []
    for j, raw in enumerate(segments):
        if raw is None or raw == []:
            segments[j] = None
        elif type(raw) is list:
            if not ({list}.issuperset(map(type, raw)) and all(len(ring) >= 6 and not len(ring) % 2 for ring in raw)):
                return None
            segments[j] = len(raw)
            rings += raw
        elif type(raw) is dict and type(raw.get("counts")) is str and raw.get("size") == [height, width] and \
                all(type(v) is int for v in raw["size"]):
            segments[j] = RLE(raw["counts"], height, width)
        else:
            return None
    coordinates = list(itertools.chain.from_iterable(boxes))
    if results:
        coordinates += [ann.get("score") for ann in anns]
    values = numbers(coordinates)
    if values is None:
        return None
    n = len(boxes)
    xyxy = values[:4 * n].reshape(n, 4).copy()
    if not (xyxy[:, 2:] >= 0).all():
        return None
    with np.errstate(over="ignore"):  # a sum past a float's range is inf: the checks below send it on
        xyxy[:, 2:] += xyxy[:, :2]
    # The box checks of ProblemLog.box, a column at a time: x0 < width, y0 < height, x1 > 0
    # and y1 > 0 (the sign of a difference is exact), then -x0, -y0, x1 - width and
    # y1 - height within the tolerance.
    if not ((xyxy - (width, height, 0, 0)) * (-1, -1, 1, 1) > 0).all() or \
            not ((xyxy - (0, 0, width, height)) * (-1, -1, 1, 1) <= EDGE_TOLERANCE).all():
        return None
    if rings:
        flat = numbers(list(itertools.chain.from_iterable(rings)))
        if flat is None:
            return None
        flat = flat.reshape(-1, 2)
        ends = list(itertools.accumulate(len(ring) // 2 for ring in rings))
        outlines = iter([flat[end - len(ring) // 2:end] for ring, end in zip(rings, ends)])
        segments = [Polygons(tuple(itertools.islice(outlines, s))) if type(s) is int else s for s in segments]
    # Clipped as ProblemLog.box does (its max(x0, 0.0) keeps a -0.0; x1 and y1 are positive).
    clipped = np.minimum(np.where(xyxy < 0, 0.0, xyxy), (np.inf, np.inf, width, height))
    labels = [label_of[cid] for cid in cids]
    crowd = None if results else [bool(ann.get("iscrowd", 0)) for ann in anns]
    return clipped, labels, values[4 * n:].tolist() if results else None, segments, crowd


def _objects(anns: List[Any], width: int, height: int, label_of: Dict[int, int], meta: DatasetMeta, *,
             results: bool) -> Annotations:
    """The objects of one image, already checked while the file was read (what is left
    out is left out again, quietly)."""
    k = len(meta.keypoint_names)
    plain = _plain(anns, width, height, label_of, k, results)
    if plain is not None:
        boxes, labels, scores, segments, crowd = plain
        return Annotations(boxes, labels, scores, segments if any(s is not None for s in segments) else (), None,
                           crowd)
    quiet = ProblemLog("")
    kept = [o for o in (_object(0, ann, width, height, label_of, k, quiet, results) for ann in anns) if o is not None]
    boxes, labels, scores, segments, points, crowd = zip(*kept) if kept else ((),) * 6
    n = len(boxes)
    return Annotations(np.asarray(boxes).reshape(n, 4), labels, list(scores) if results else None,
                       segments if any(s is not None for s in segments) else (),
                       np.asarray(points).reshape(n, k, 3) if k else None, None if results else list(crowd))


def _check_objects(items: Iterable[Tuple[Any, int, int]], section: str, positions: Mapping[Any, int],
                   known: Any, widths: Any, heights: Any, label_of: Dict[int, int], meta: DatasetMeta,
                   log: ProblemLog, spans: Spans, *, results: bool) -> None:
    """Check every object of ``items`` (``(object, start, end)`` in file order) and add to
    ``spans`` those on an image in ``positions`` (image id -> dataset index), grouped by
    it: one span for each run of consecutive objects of one image (the whole image's in a
    file listed image by image); objects of images ``known`` but left out are dropped
    quietly. Problems go to
    ``log``: the objects that are not objects or on no image first, in file order; then
    the rest by image (in dataset order for annotations, in order of first mention for
    results), each image's in file order."""
    k = len(meta.keypoint_names)
    found: List[Tuple[int, int, List[Problem]]] = []
    first_mention: Dict[int, int] = {}
    run: Optional[list] = None  # [image, start, end] of the run being read
    pending: List[Tuple[int, dict]] = []  # (position, object) of the run's image not checked yet

    def check() -> None:
        index = run[0]
        width, height = int(widths[index]), int(heights[index])
        if results:
            first_mention.setdefault(index, len(first_mention))
        if _plain([ann for _, ann in pending], width, height, label_of, k, results) is None:
            for i, ann in pending:
                own = ProblemLog(log.file)
                _object(i, ann, width, height, label_of, k, own, results)
                if own.problems:
                    found.append((first_mention[index] if results else index, i, own.problems))
        pending.clear()

    for i, (ann, start, end) in enumerate(items):
        where = f"{section}[{i}]"
        image_id = ann.get("image_id") if isinstance(ann, dict) else None
        index = positions.get(image_id) if _is_id(image_id) else None
        if run is not None and run[0] == index:
            run[2] = end
        else:
            if run is not None:
                if pending:
                    check()
                spans.add(run[1], run[2], run[0])
            run = None if index is None else [index, start, end]
        if not isinstance(ann, dict):
            log.add(where, i, f"expected an object, got {short(ann)}; left out")
            continue
        if index is None:
            if not (_is_id(image_id) and known(image_id)):
                log.add(where, i, f"image_id {short(image_id)} is not among the images; left out")
            continue
        pending.append((i, ann))
        if len(pending) == 256:  # a long run is checked a part at a time
            check()
    if run is not None:
        if pending:
            check()
        spans.add(run[1], run[2], run[0])
    for _, _, problems in sorted(found, key=lambda item: item[:2]):
        log.problems.extend(problems)


class _CocoIndex(EntryIndex):
    """The images of a COCO file read back on demand: per image the span of its entry and
    those of its runs of objects."""

    def __init__(self, path: str, stamp: Tuple[int, int], root: str, meta: DatasetMeta, label_of: Dict[int, int],
                 images: _Images, annotations: Spans):
        self.path, self.stamp, self.root, self.meta, self.label_of = path, stamp, root, meta, label_of
        self.image_starts, self.image_lengths, _ = images.spans.by_group(1)
        self.widths = np.frombuffer(images.widths, np.uint32) if images.widths else np.zeros(0, np.uint32)
        self.heights = np.frombuffer(images.heights, np.uint32) if images.heights else np.zeros(0, np.uint32)
        self.positions = images.positions
        self.starts, self.lengths, self.first = annotations.by_group(len(self.widths))

    def __len__(self) -> int:
        return len(self.widths)

    def __getitem__(self, i: Any) -> ImageEntry:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        i = range(len(self))[i]
        a, b = self.first[i], self.first[i + 1]
        starts = np.concatenate([self.image_starts[i:i + 1], self.starts[a:b]])
        lengths = np.concatenate([self.image_lengths[i:i + 1], self.lengths[a:b]])
        img, *runs = read_spans(self.path, self.stamp, starts, lengths)
        img = decode(img)
        anns = decode_runs(runs)
        image = os.path.join(self.root, img["file_name"])
        width, height = img["width"], img["height"]
        gt = _objects(anns, width, height, self.label_of, self.meta, results=False)
        return ImageEntry(relative_key(image, self.root), image, width, height, gt, img["id"])

    def indexes_by_image_id(self) -> Dict[Any, int]:
        return dict(self.positions)


class _CocoResults(collections.abc.Mapping):
    """Predictions by dataset index, read back from the results file on demand."""

    def __init__(self, path: str, stamp: Tuple[int, int], spans: Spans, widths: Any, heights: Any,
                 label_of: Dict[int, int], meta: DatasetMeta):
        self.path, self.stamp, self.label_of, self.meta = path, stamp, label_of, meta
        self.widths, self.heights = widths, heights
        self.starts, self.lengths, self.first = spans.by_group(len(widths))
        self._keys = np.flatnonzero(np.diff(self.first)).tolist()

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[int]:
        return iter(self._keys)

    def __getitem__(self, index: Any) -> Annotations:
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or \
                not 0 <= index < len(self.widths) or self.first[index] == self.first[index + 1]:
            raise KeyError(index)
        a, b = self.first[index], self.first[index + 1]
        anns = decode_runs(read_spans(self.path, self.stamp, self.starts[a:b], self.lengths[a:b]))
        return _objects(anns, int(self.widths[index]), int(self.heights[index]), self.label_of, self.meta,
                        results=True)


def _unreadable(path: str, error: ScanError, kind: type, expected: str, log: ProblemLog) -> None:
    """The problem of a file one pass cannot read: the file loaded whole for json's own
    message, or what it holds instead of ``expected``."""
    ok, data = load_json(path, log)
    if ok and not isinstance(data, kind):
        log.add("", None, f"{expected}, got {type(data).__name__}; nothing read from it")
    elif ok:
        log.add("", None, f"could not be read as UTF-8 JSON ({error}); nothing read from it")


def _scan_coco(path: str, root: str, check_files: bool) -> tuple:
    """One pass over an annotation file: ``(stamp, categories, images, annotations)``, the
    last being ``(offset, count)`` of the list of objects, or what the file holds instead
    (None when nothing)."""
    with open(path, "rb") as handle:
        stat = os.fstat(handle.fileno())
        scan = Scanner(handle)
        categories: Any = None
        images = annotations = None
        for key in scan.members():
            if key == "images":
                images = _Images(root, check_files, stat.st_size, ProblemLog(path))
                if scan.peek() == "[":
                    for i, (img, start, end) in enumerate(scan.elements()):
                        images.add(i, img, start, end)
                    continue
                images.not_a_list(scan.value()[0])
            elif key == "annotations" and scan.peek() == "[":
                # Read again once the categories and images are known (COCO's own files end with the categories).
                annotations = (scan.offset(), sum(1 for _ in scan.elements()))
            elif key == "annotations":
                annotations = scan.value()[0]
            elif key == "categories":
                categories = scan.value()[0]
            else:
                scan.value()
        scan.end()
    if images is None:
        images = _Images(root, check_files, stat.st_size, ProblemLog(path))
        images.not_a_list(None)
    return (stat.st_size, stat.st_mtime_ns), categories, images, annotations


def read_coco(annotations: Any, images: Any = None, *, check_files: bool = True) -> Dataset:
    """The dataset of a COCO annotation file (instances or person keypoints).

    ``images`` is the folder the ``file_name`` s are relative to (default: the annotation
    file's folder). Nothing is decoded: segmentations stay encoded, images unread (with
    ``check_files`` each image file must exist), and the file itself is not held: each
    record reads its image's objects from it again (changing the file afterwards makes
    that a ``ValueError``). Problems (a missing image, a box outside its image, an
    unknown category, a malformed object, a file that is not JSON) are collected in
    ``dataset.problems``, each naming the file and the item, and reported in one
    ``UserWarning``; the other items are read.
    """
    path = os.fspath(annotations)
    root = os.path.dirname(os.path.abspath(path)) if images is None else os.path.abspath(os.fspath(images))
    log = ProblemLog(path)
    try:
        stamp, categories, found, anns = _scan_coco(path, root, check_files)
    except ScanError as err:
        _unreadable(path, err, dict, "expected a JSON object with 'images', 'annotations' and 'categories'", log)
        log.warn(path)
        return Dataset(path, DatasetMeta((), ()), (), log.problems)
    meta, label_of = _categories(categories, log)
    log.problems.extend(found.log.problems)
    found.keys.clear()  # only needed while the images were checked
    listed = isinstance(anns, tuple)
    if anns is not None and not listed:
        log.add("annotations", None, f"expected a list of objects, got {short(anns)}; nothing read from it")
    spans = Spans(stamp[0], anns[1] if listed else 0)
    with unchanged(path, stamp) as handle:
        items = Scanner(handle, anns[0]).elements() if listed else iter(())
        _check_objects(items, "annotations", found.positions, found.known, found.widths, found.heights, label_of,
                       meta, log, spans, results=False)
    log.warn(path)
    return Dataset(path, meta, _CocoIndex(path, stamp, root, meta, label_of, found, spans), log.problems)


def read_coco_results(results: Any, dataset: Dataset) -> Predictions:
    """The predictions of a COCO results file for the images of ``dataset`` (read with
    :func:`read_coco` from the matching annotation file); attach them with
    ``dataset.with_predictions(...)``.

    Each result needs image_id, category_id and score, and a bbox (``[x, y, w, h]``) or a
    segmentation (RLE; its box is then computed from the run lengths, the mask is not
    decoded) or keypoints. Problems (an image or category the dataset does not have, a
    box outside the image, a file that is not JSON) are collected in
    ``predictions.problems`` and reported in one ``UserWarning``; the rest is read. As
    with :func:`read_coco`, the file is read through once and not held.
    """
    if not isinstance(dataset, Dataset):
        raise TypeError(f"dataset: expected a scenevis.datasets.Dataset (from read_coco), got {type(dataset).__name__}")
    path = os.fspath(results)
    log = ProblemLog(path)
    entries = dataset.entries
    if isinstance(entries, _CocoIndex):
        widths, heights = entries.widths, entries.heights
    else:
        widths = np.array([e.width for e in entries], np.uint32)
        heights = np.array([e.height for e in entries], np.uint32)
    label_of = {cid: label for label, cid in enumerate(dataset.meta.category_ids)}
    index_of = dataset.indexes_by_image_id()
    try:
        with open(path, "rb") as handle:
            stat = os.fstat(handle.fileno())
            scan = Scanner(handle)
            spans = Spans(stat.st_size)
            _check_objects(scan.elements(), "results", index_of, lambda image_id: False, widths, heights, label_of,
                           dataset.meta, log, spans, results=True)
            scan.end()
    except ScanError as err:
        log.problems.clear()
        _unreadable(path, err, list, "expected a JSON list of results", log)
        log.warn(path)
        return Predictions(path, {}, tuple(log.problems))
    log.warn(path)
    by_index = _CocoResults(path, (stat.st_size, stat.st_mtime_ns), spans, widths, heights, label_of, dataset.meta)
    return Predictions(path, by_index, tuple(log.problems))
