"""Records: one image and its annotations, small enough to send to a worker.

A :class:`Dataset` is the index a reader builds: for every image its path, size and
annotations (boxes as arrays, segmentations still encoded), plus the
:class:`DatasetMeta` (class names, keypoint skeleton) and the :class:`Problem` s met
while reading. Indexing or iterating it gives :class:`Record` s; nothing is decoded until
a record's :meth:`~Record.load_image` or :meth:`~Annotations.masks` is called, which is
what a worker does.
"""
from __future__ import annotations

import abc
import os
from typing import Any, Dict, Iterator, Mapping, Optional, Sequence, Tuple

import attrs
import numpy as np

from scenevis._arrays import frozen
from scenevis.datasets.images import load_image, load_image_source
from scenevis.datasets.masks import Segment, paint_segments, segment_crops
from scenevis.nodes.masks import MaskStack

__all__ = ["Problem", "DatasetMeta", "Annotations", "Record", "ImageEntry", "EntryIndex", "Dataset", "Predictions", "relative_key"]


@attrs.frozen
class Problem:
    """Something wrong with one item of a file: ``file``, ``where`` in it (``'annotations[12]'``,
    ``'line 3'``, ``'object 2'``; empty for the whole file), the item's ``index`` there
    (0-based; the line number for text files; None for the whole file) and what is wrong."""

    file: str
    where: str
    index: Optional[int]
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.where}: {self.message}" if self.where else f"{self.file}: {self.message}"


@attrs.frozen
class DatasetMeta:
    """``classes`` (names by label), the file's own id of each class (``category_ids``:
    COCO's sparse ids; 0..C-1 elsewhere), for keypoints their names and the ``skeleton``
    (pairs of 0-based keypoint indexes), and what the format calls the objects
    evaluation ignores (``ignored_as``: ``'crowd'`` for COCO, ``'difficult'`` for VOC)."""

    classes: Tuple[str, ...]
    category_ids: Tuple[int, ...]
    keypoint_names: Tuple[str, ...] = ()
    skeleton: Tuple[Tuple[int, int], ...] = ()
    ignored_as: str = "crowd"

    def as_dict(self) -> dict:
        """The ``dataset_meta`` mapping the annotate layer reads (``classes``, ``skeleton_links``)."""
        meta: dict = {"classes": self.classes}
        if self.keypoint_names:
            meta["skeleton_links"] = self.skeleton
        return meta


@attrs.frozen(eq=False)
class Annotations:
    """The objects of one image. ``bboxes`` (N, 4) xyxy pixels, ``labels`` (N,) class
    indexes, ``scores`` (N,) for predictions, ``segments`` N encoded segmentations
    (:class:`~scenevis.datasets.masks.Polygons`, :class:`~scenevis.datasets.masks.RLE`
    or None), ``keypoints`` (N, K, 3) x, y, visibility (COCO's 0 unlabeled, 1 labeled
    but hidden, 2 visible; or a score), ``iscrowd`` (N,) COCO crowd regions and VOC's
    ``difficult`` objects (both ignored by evaluation)."""

    bboxes: np.ndarray = attrs.field(converter=lambda v: frozen(np.asarray(v, np.float64).reshape(-1, 4), np.float64))
    labels: np.ndarray = attrs.field(converter=lambda v: frozen(np.asarray(v).reshape(-1), np.int64))
    scores: Optional[np.ndarray] = attrs.field(
        default=None, converter=lambda v: None if v is None else frozen(np.asarray(v).reshape(-1), np.float64))
    segments: Tuple[Optional[Segment], ...] = attrs.field(default=(), converter=tuple)
    keypoints: Optional[np.ndarray] = attrs.field(
        default=None, converter=lambda v: None if v is None else frozen(np.asarray(v), np.float64))
    iscrowd: Optional[np.ndarray] = attrs.field(
        default=None, converter=lambda v: None if v is None else frozen(np.asarray(v).reshape(-1), bool))

    def __attrs_post_init__(self) -> None:
        n = len(self.bboxes)
        for name in ("labels", "scores", "segments", "keypoints", "iscrowd"):
            value = getattr(self, name)
            if value is not None and len(value) != n and not (name == "segments" and not value):
                raise ValueError(f"{name}: expected {n} entries (one per box), got {len(value)}")

    @classmethod
    def empty(cls) -> "Annotations":
        return cls(np.zeros((0, 4)), np.zeros(0, np.int64))

    def __len__(self) -> int:
        return len(self.bboxes)

    def masks(self, height: int, width: int) -> Optional[np.ndarray]:
        """The (N, height, width) bool masks, decoded now; None when no object has a
        segmentation (objects without one get an empty mask)."""
        if not any(s is not None for s in self.segments):
            return None
        out = np.zeros((len(self), height, width), bool)
        paint_segments(self.segments, out)
        return out

    def mask_stack(self, height: int, width: int) -> Optional[MaskStack]:
        """The masks of :meth:`masks` as a :class:`~scenevis.nodes.MaskStack`, each
        decoded straight into the box around its pixels (no (height, width) array per
        object, and no scan of them to find their boxes); None when no object has a
        segmentation."""
        if not any(s is not None for s in self.segments):
            return None
        return MaskStack(*segment_crops(self.segments, height, width), (height, width))

    def instances(self, height: int, width: int, *, classes: Sequence[str] = (), ignored_as: str = "crowd",
                  with_masks: bool = True, cropped: bool = False) -> dict:
        """The fields :func:`scenevis.annotate.instances` and ``datasample`` read:
        ``bboxes``, ``labels``, and when present ``scores``, ``masks`` (decoded now: an
        (N, H, W) bool array, or with ``cropped`` a :meth:`mask_stack`),
        ``keypoints`` with ``keypoints_visible`` (or ``keypoint_scores`` for predictions);
        with ``classes``, objects flagged in ``iscrowd`` are named ``'<class> (crowd)'``
        (``ignored_as`` says what the flag means)."""
        out: dict = {"bboxes": self.bboxes, "labels": self.labels}
        if self.scores is not None:
            out["scores"] = self.scores
        if with_masks:
            masks = self.mask_stack(height, width) if cropped else self.masks(height, width)
            if masks is not None:
                out["masks"] = masks
        if self.keypoints is not None:  # ground truth: COCO's visibility flags; predictions: scores
            out["keypoints"] = self.keypoints[..., :2]
            if self.scores is None:
                out["keypoints_visible"] = self.keypoints[..., 2] > 0
            else:
                out["keypoint_scores"] = self.keypoints[..., 2]
        if self.iscrowd is not None and self.iscrowd.any() and classes:
            names = [classes[c] if 0 <= c < len(classes) else str(c) for c in self.labels]
            flagged = f" ({ignored_as})"
            out["label_names"] = [name + (flagged if flag else "") for name, flag in zip(names, self.iscrowd)]
        return out


@attrs.frozen(eq=False)
class Record:
    """One image of a dataset: ``index`` in it, ``key`` (the image's path relative to the
    image folder, without its extension: outputs are named after it), ``image`` (the
    file), its ``width`` and ``height``, ground truth ``gt``, predictions ``pred`` (None
    without a predictions file), the dataset's ``meta``, the file's own ``image_id``."""

    index: int
    key: str
    image: str
    width: int
    height: int
    gt: Annotations
    meta: DatasetMeta
    pred: Optional[Annotations] = None
    image_id: Any = None

    def load_image(self) -> np.ndarray:
        """The decoded (H, W, 3) uint8 image; ``ValueError`` when its size is not the one
        the annotations give."""
        return self._sized(load_image(self.image))

    def load_image_source(self) -> Tuple[np.ndarray, Optional[bytes]]:
        """The decoded image (as :meth:`load_image`) and the file's bytes when they show
        exactly those pixels (:func:`scenevis.datasets.images.load_image_source`), else None."""
        pixels, source = load_image_source(self.image)
        return self._sized(pixels), source

    def _sized(self, pixels: np.ndarray) -> np.ndarray:
        if pixels.shape[:2] != (self.height, self.width):
            raise ValueError(f"{self.image}: the image is {pixels.shape[1]}x{pixels.shape[0]} but its annotations "
                             f"say {self.width}x{self.height} (width x height)")
        return pixels

    def datasample(self, *, with_masks: bool = True, cropped: bool = False) -> dict:
        """A data sample for :func:`scenevis.annotate.datasample`: ``gt_instances`` and,
        with predictions, ``pred_instances`` (masks decoded now; ``cropped`` as for
        :meth:`Annotations.instances`)."""
        options = dict(classes=self.meta.classes, ignored_as=self.meta.ignored_as, with_masks=with_masks,
                       cropped=cropped)
        sample = {"gt_instances": self.gt.instances(self.height, self.width, **options)}
        if self.pred is not None:
            sample["pred_instances"] = self.pred.instances(self.height, self.width, **options)
        return sample


@attrs.frozen
class ImageEntry:
    """What the index keeps of one image (a :class:`Record` without the meta)."""

    key: str
    image: str
    width: int
    height: int
    gt: Annotations
    image_id: Any = None


class EntryIndex(Sequence):
    """Entries read back from their file on demand (the COCO reader's: the index keeps
    where each image and its objects are, not the objects)."""

    @abc.abstractmethod
    def indexes_by_image_id(self) -> Dict[Any, int]:
        """The dataset index of each image id, without reading the entries back."""


def _entries(value: Any) -> Sequence:
    return value if isinstance(value, EntryIndex) else tuple(value)


@attrs.frozen(eq=False)
class Predictions:
    """Predicted objects by image (``by_index``: dataset index -> :class:`Annotations`),
    read from ``source``, with the problems met reading it."""

    source: str
    by_index: Mapping[int, Annotations]
    problems: Tuple[Problem, ...] = ()


@attrs.frozen(eq=False)
class Dataset(Sequence):
    """The index of a dataset: a sequence of :class:`Record` s, built one at a time.

    ``source`` is the file or folder read, ``meta`` the classes and skeleton,
    ``problems`` what was wrong in it (each naming its file and item; those items were
    left out or corrected, as the message says).
    """

    source: str
    meta: DatasetMeta
    entries: Sequence[ImageEntry] = attrs.field(converter=_entries, repr=lambda e: f"<{len(e)} images>")
    problems: Tuple[Problem, ...] = attrs.field(default=(), converter=tuple)
    predictions: Optional[Predictions] = None

    def __len__(self) -> int:
        return len(self.entries)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
            raise TypeError(f"index: expected an integer or a slice, got {type(index).__name__}")
        i = int(index) + (len(self) if index < 0 else 0)
        if not 0 <= i < len(self):
            raise IndexError(f"index: expected -{len(self)} <= index < {len(self)}, got {index}")
        entry = self.entries[i]
        pred = None
        if self.predictions is not None:
            pred = self.predictions.by_index.get(i, Annotations.empty())
        return Record(i, entry.key, entry.image, entry.width, entry.height, entry.gt, self.meta, pred, entry.image_id)

    def __iter__(self) -> Iterator[Record]:
        for i in range(len(self)):
            yield self[i]

    def with_predictions(self, predictions: Optional[Predictions]) -> "Dataset":
        """The same dataset whose records carry ``predictions`` (images without any get
        an empty set: every object there counts as missed); ``None`` takes them away."""
        if predictions is not None and not isinstance(predictions, Predictions):
            raise TypeError(f"predictions: expected scenevis.datasets.Predictions (from read_coco_results), "
                            f"got {type(predictions).__name__}")
        return attrs.evolve(self, predictions=predictions)

    def indexes_by_image_id(self) -> Dict[Any, int]:
        """The dataset index of each image id."""
        if isinstance(self.entries, EntryIndex):
            return self.entries.indexes_by_image_id()
        return {entry.image_id: i for i, entry in enumerate(self.entries)}


def relative_key(image: str, root: str) -> str:
    """``image``'s path under ``root`` without its extension, with '/' separators; the
    file name alone when ``image`` is not under ``root``."""
    rel = os.path.relpath(image, root) if root else os.path.basename(image)
    if rel.startswith(".."):
        rel = os.path.basename(image)
    return os.path.splitext(rel)[0].replace(os.sep, "/")
