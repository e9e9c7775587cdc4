"""YOLO: a folder of images, a folder of ``.txt`` label files, and the class names.

Each label file has one object a line, coordinates as fractions of the image's width and
height: ``class cx cy w h`` for a box, ``class x1 y1 x2 y2 ... xn yn`` (n >= 3) for a
polygon (its box is the polygon's extent). An image without a label file has no objects.
The image sizes the fractions need come from the image files' headers; nothing is decoded.
"""
from __future__ import annotations

import os
from typing import Any, List, Optional, Sequence, Tuple

import numpy as np

from scenevis.datasets._problems import ProblemLog, short, warn_problems
from scenevis.datasets.images import IMAGE_SUFFIXES, image_size
from scenevis.datasets.masks import Polygons
from scenevis.datasets.records import Annotations, Dataset, DatasetMeta, ImageEntry, relative_key

__all__ = ["read_yolo", "read_names"]


def read_names(names: Any) -> Tuple[str, ...]:
    """Class names from a sequence of strings, a ``.yaml`` file's ``names`` (a list, or a
    mapping from class index to name, as Ultralytics writes them) or a text file with one
    name a line (``classes.txt``, ``obj.names``)."""
    if isinstance(names, (str, os.PathLike)):
        path = os.fspath(names)
        if path.lower().endswith((".yaml", ".yml")):
            try:
                import yaml
            except ImportError:
                raise ImportError("scenevis.datasets: reading names from a YAML file needs PyYAML; install it with "
                                  "pip install \"scenevis[datasets]\"") from None
            with open(path, encoding="utf-8") as handle:
                data = yaml.safe_load(handle)
            value = data.get("names") if isinstance(data, dict) else None
            if isinstance(value, dict) and all(isinstance(k, int) for k in value):
                if sorted(value) != list(range(len(value))):
                    raise ValueError(f"names: expected {path}'s 'names' to number the classes 0..{len(value) - 1}, "
                                     f"got {sorted(value)}")
                return tuple(str(value[i]) for i in range(len(value)))
            if not isinstance(value, list):
                raise ValueError(f"names: expected {path} to hold 'names' as a list or an index-to-name mapping, "
                                 f"got {short(value)}")
            return tuple(str(v) for v in value)
        with open(path, encoding="utf-8") as handle:
            return tuple(line.strip() for line in handle if line.strip())
    if isinstance(names, Sequence) and all(isinstance(n, str) for n in names):
        return tuple(names)
    raise TypeError(f"names: expected a sequence of class names or a names file (.yaml or text), "
                    f"got {type(names).__name__}")


def _files(folder: str, suffixes: Sequence[str]) -> List[str]:
    out = []
    for parent, dirs, files in os.walk(folder):
        dirs.sort()
        out.extend(os.path.join(parent, f) for f in sorted(files) if f.lower().endswith(tuple(suffixes)))
    return out


def _label_folder(images: str) -> str:
    parts = images.split(os.sep)
    if "images" in parts:  # Ultralytics: .../images/train -> .../labels/train
        at = len(parts) - 1 - parts[::-1].index("images")
        return os.sep.join(parts[:at] + ["labels"] + parts[at + 1:])
    return images


def _parse(path: str, width: int, height: int, n_classes: Optional[int], log: ProblemLog) -> Annotations:
    boxes, labels, segments = [], [], []
    with open(path, encoding="utf-8", errors="replace") as handle:
        lines = handle.read().splitlines()
    for number, line in enumerate(lines, 1):
        fields = line.split()
        if not fields:
            continue
        where = f"line {number}"
        try:
            values = [float(v) for v in fields[1:]]
            cls = int(fields[0])
        except ValueError:
            log.add(where, number, f"expected a class index and numbers, got {short(line)}; left out")
            continue
        if cls < 0 or n_classes is not None and cls >= n_classes:
            log.add(where, number, f"class {cls} is not among the {n_classes} names; left out")
            continue
        if not np.isfinite(values).all():
            log.add(where, number, f"expected finite coordinates, got {short(line)}; left out")
            continue
        segment = None
        if len(values) == 4:
            cx, cy, w, h = values
            xyxy = [(cx - w / 2) * width, (cy - h / 2) * height, (cx + w / 2) * width, (cy + h / 2) * height]
        elif len(values) >= 6 and len(values) % 2 == 0:
            ring = np.asarray(values).reshape(-1, 2) * [width, height]
            segment = Polygons((ring,))
            xyxy = segment.bbox()
        else:
            log.add(where, number, f"expected 4 numbers (cx cy w h) or at least 3 x y pairs after the class, got "
                                   f"{len(values)} numbers; left out")
            continue
        box = log.box(where, number, xyxy, width, height)
        if box is None:
            continue
        boxes.append(box)
        labels.append(cls)
        segments.append(segment)
    return Annotations(np.asarray(boxes).reshape(-1, 4), labels, None,
                       segments if any(s is not None for s in segments) else ())


def read_yolo(images: Any, labels: Any = None, names: Any = None) -> Dataset:
    """The dataset of a YOLO folder pair.

    ``images`` is the image folder (searched recursively); ``labels`` the label folder
    (default: ``images`` with its last ``images`` part replaced by ``labels``, as
    Ultralytics lays them out, else ``images`` itself), where ``a/b.jpg`` has its labels
    in ``a/b.txt``. ``names`` are the class names (see :func:`read_names`); without them
    classes are named by their index. Problems (an unreadable image header, a malformed
    line, an unknown class, a box outside the image, a label file without an image) are
    collected in ``dataset.problems`` and reported in one ``UserWarning``; the rest is read.
    """
    root = os.path.abspath(os.fspath(images))
    if not os.path.isdir(root):
        raise FileNotFoundError(f"images: expected a folder of images, got {root!r}, which is not a folder")
    label_root = _label_folder(root) if labels is None else os.path.abspath(os.fspath(labels))
    classes = read_names(names) if names is not None else None
    problems = []
    entries = []
    used = set()
    max_class = -1
    keys: set = set()
    for image in _files(root, IMAGE_SUFFIXES):
        key = relative_key(image, root)
        label_path = os.path.join(label_root, key.replace("/", os.sep) + ".txt")
        log = ProblemLog(label_path)
        if key in keys:
            log.add("", None, f"{image} shares this label file and its output name with another image; left out")
            problems.extend(log.problems)
            continue
        keys.add(key)
        try:
            width, height = image_size(image)
        except (OSError, ValueError) as err:
            unreadable = ProblemLog(image)
            unreadable.add("", None, f"cannot read the image's size ({err}); left out")
            problems.extend(unreadable.problems)
            continue
        if os.path.isfile(label_path):
            used.add(os.path.abspath(label_path))
            gt = _parse(label_path, width, height, len(classes) if classes is not None else None, log)
            problems.extend(log.problems)
            if len(gt):
                max_class = max(max_class, int(gt.labels.max()))
        else:
            gt = Annotations.empty()
        entries.append(ImageEntry(key, image, width, height, gt))
    if os.path.isdir(label_root):
        for orphan in _files(label_root, (".txt",)):
            if os.path.abspath(orphan) not in used and os.path.basename(orphan) != "classes.txt":
                log = ProblemLog(orphan)
                log.add("", None, "a label file without an image of the same name; left out")
                problems.extend(log.problems)
    if classes is None:
        classes = tuple(str(i) for i in range(max_class + 1))
    meta = DatasetMeta(classes, tuple(range(len(classes))))
    if problems:
        warn_problems(root, problems)
    return Dataset(root, meta, entries, problems)
