"""Pascal VOC: one XML file per image in ``Annotations/``, images in ``JPEGImages/``.

Each ``<object>`` has a ``<name>``, a ``<bndbox>`` of 1-based pixel indexes
(``xmin..xmax`` inclusive, so the box covers ``[xmin - 1, xmax]`` in scenevis's pixel
coordinates, origin at the top-left corner of the first pixel) and ``<difficult>``,
which VOC evaluation ignores (kept in ``iscrowd``; drawn as ``'<class> (difficult)'``).
"""
from __future__ import annotations

import os
import xml.etree.ElementTree as ElementTree
from typing import Any, List, Optional, Sequence, Tuple

import numpy as np

from scenevis.datasets._problems import ProblemLog, warn_problems
from scenevis.datasets.images import image_size
from scenevis.datasets.records import Annotations, Dataset, DatasetMeta, ImageEntry

__all__ = ["read_voc", "VOC_CLASSES"]

#: The 20 classes of Pascal VOC 2007 and 2012, in their usual order.
VOC_CLASSES = ("aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow", "diningtable",
               "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa", "train", "tvmonitor")


def _text(node: Optional[ElementTree.Element], tag: str) -> Optional[str]:
    child = node.find(tag) if node is not None else None
    return child.text.strip() if child is not None and child.text is not None else None


def _int(text: Optional[str]) -> Optional[int]:
    try:
        return int(float(text)) if text is not None else None
    except ValueError:
        return None


def _parse(xml_path: str, images: str, log: ProblemLog) -> Optional[tuple]:
    """(image path, width, height, [(name, xyxy or None, difficult, object index)]) or None."""
    try:
        tree = ElementTree.parse(xml_path).getroot()
    except ElementTree.ParseError as err:
        log.add("", None, f"not valid XML ({err}); nothing read from it")
        return None
    filename = _text(tree, "filename") or os.path.splitext(os.path.basename(xml_path))[0] + ".jpg"
    image = os.path.join(images, filename)
    if not os.path.isfile(image):
        log.add("filename", None, f"image file {image} does not exist; left out")
        return None
    size = tree.find("size")
    width, height = _int(_text(size, "width")), _int(_text(size, "height"))
    if not width or not height or width <= 0 or height <= 0:
        try:
            width, height = image_size(image)
        except (OSError, ValueError) as err:
            log.add("size", None, f"no size in the file and none readable from the image ({err}); left out")
            return None
    objects = []
    for i, obj in enumerate(tree.findall("object")):
        box = obj.find("bndbox")
        try:
            xyxy = [float(_text(box, tag)) for tag in ("xmin", "ymin", "xmax", "ymax")]  # type: ignore[arg-type]
            xyxy = [xyxy[0] - 1, xyxy[1] - 1, xyxy[2], xyxy[3]]
        except (TypeError, ValueError):
            xyxy = None
        objects.append((_text(obj, "name"), xyxy, _text(obj, "difficult") == "1", i))
    return image, width, height, objects


def read_voc(root: Any, split: Optional[str] = None, *, classes: Optional[Sequence[str]] = None) -> Dataset:
    """The dataset of a Pascal VOC folder (``VOCdevkit/VOC2007`` or one laid out alike).

    ``split`` names a list in ``ImageSets/Main/`` (``'val'`` reads ``val.txt``); without
    it every XML file in ``Annotations/`` is read. ``classes`` default to
    :data:`VOC_CLASSES` when every object's name is one of them, else to the sorted
    names found. Problems (XML that does not parse, a missing image, an unknown class, a
    box outside its image) are collected in ``dataset.problems``, each naming its file
    and object, and reported in one ``UserWarning``; the rest is read.
    """
    root = os.path.abspath(os.fspath(root))
    folder, images = os.path.join(root, "Annotations"), os.path.join(root, "JPEGImages")
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"root: expected a VOC folder with Annotations/ and JPEGImages/, got {root!r}")
    if split is None:
        stems = sorted(os.path.splitext(f)[0] for f in os.listdir(folder) if f.lower().endswith(".xml"))
    else:
        list_file = os.path.join(root, "ImageSets", "Main", f"{split}.txt")
        if not os.path.isfile(list_file):
            raise FileNotFoundError(f"split: expected {list_file} to list the {split!r} images; it does not exist")
        with open(list_file, encoding="utf-8") as handle:
            stems = [line.split()[0] for line in handle if line.strip()]
    parsed: List[Tuple[str, ProblemLog, Any]] = []
    for stem in stems:
        xml_path = os.path.join(folder, stem + ".xml")
        log = ProblemLog(xml_path)
        if not os.path.isfile(xml_path):
            log.add("", None, "the annotation file listed in the split does not exist; left out")
            result = None
        else:
            result = _parse(xml_path, images, log)
        parsed.append((stem, log, result))
    names = {name for _, _, result in parsed if result for name, *_ in result[3] if name}
    if classes is None:
        classes = VOC_CLASSES if names <= set(VOC_CLASSES) else tuple(sorted(names))
    label_of = {name: i for i, name in enumerate(classes)}
    entries, problems = [], []
    for stem, log, result in parsed:
        if result is not None:
            image, width, height, objects = result
            boxes, labels, difficult = [], [], []
            for name, xyxy, hard, i in objects:
                where = f"object {i}"
                if name not in label_of:
                    log.add(where, i, f"class {name!r} is not among the classes; left out")
                    continue
                if xyxy is None:
                    log.add(where, i, "bndbox: expected numbers xmin, ymin, xmax, ymax; left out")
                    continue
                box = log.box(where, i, xyxy, width, height)
                if box is not None:
                    boxes.append(box)
                    labels.append(label_of[name])
                    difficult.append(hard)
            gt = Annotations(np.asarray(boxes).reshape(-1, 4), labels, iscrowd=difficult)
            entries.append(ImageEntry(stem, image, width, height, gt, stem))
        problems.extend(log.problems)
    if problems:
        warn_problems(root, problems)
    meta = DatasetMeta(tuple(classes), tuple(range(len(classes))), ignored_as="difficult")
    return Dataset(root, meta, entries, problems)
