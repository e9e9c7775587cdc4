"""COCO segmentations: polygons and run-length encodings, kept encoded until drawn.

numpy and the standard library only. A segmentation read from a file stays in its small
encoded form (a :class:`Polygons` or an :class:`RLE`) inside the dataset's index; its
(H, W) mask is made only by :meth:`~Polygons.decode`, in the worker that draws it.

Both decoders give the masks ``pycocotools`` gives, pixel for pixel (the tests compare
them):

- RLE counts alternate runs of 0s and 1s (starting with 0s) over the pixels in
  column-major order (down the first column, then the next). COCO's compressed form
  writes each count (after the third, as the difference to the count two before) in
  5-bit groups, low first, each group a character ``48 + bits`` with bit 5 set when
  another group follows; the last group's bit 4 is the sign.
- A polygon is rasterized as pycocotools does: its vertices are scaled by 5 and rounded,
  each edge is walked one step of the longer axis at a time, and every column crossing
  that falls on a pixel centre toggles the column from that row down. Pixels inside an
  odd number of boundaries are set. The several polygons of one object are joined
  (union).
"""
from __future__ import annotations

from typing import Any, Iterator, List, Optional, Sequence, Tuple, Union

import attrs
import numpy as np

__all__ = ["Polygons", "RLE", "Segment", "decode_counts", "encode_mask", "polygon_mask", "rle_bbox", "segment_crops"]

_SCALE = 5  # pycocotools rasterizes polygons on a grid 5 times finer than the pixels


def decode_counts(text: Union[str, bytes]) -> np.ndarray:
    """The run lengths of a compressed COCO RLE string, as int64 (checked non-negative)."""
    raw = np.frombuffer(text.encode("ascii") if isinstance(text, str) else bytes(text), np.uint8)
    if raw.size == 0:
        return np.zeros(0, np.int64)
    if raw.min() < 48 or raw.max() > 111:
        raise ValueError("counts: expected characters '0' to 'o' (COCO's compressed RLE), "
                         f"got {bytes(raw[(raw < 48) | (raw > 111)][:5])!r}")
    c = raw.astype(np.int64) - 48
    more = (c & 0x20) != 0
    if more[-1]:
        raise ValueError("counts: the compressed RLE ends in the middle of a number (truncated?)")
    ends = np.flatnonzero(~more)
    starts = np.concatenate([[0], ends[:-1] + 1])
    group = np.repeat(np.arange(len(ends)), ends - starts + 1)
    position = np.arange(len(c)) - starts[group]          # 0 for the lowest 5 bits
    if position.max() > 11:
        raise ValueError("counts: a compressed RLE number has more than 60 bits")
    values = np.zeros(len(ends), np.int64)
    np.add.at(values, group, (c & 0x1F) << (5 * position))
    negative = (c[ends] & 0x10) != 0                       # sign-extend from the last group's top bit
    values[negative] -= np.int64(1) << (5 * (ends[negative] - starts[negative] + 1))
    # After the third, each count is stored as the difference to the count two before it.
    counts = values.copy()
    counts[2::2] = np.cumsum(values[2::2])
    counts[1::2] = np.cumsum(values[1::2])
    if (counts < 0).any():
        raise ValueError(f"counts: expected non-negative run lengths, got {int(counts.min())}")
    return counts


def encode_mask(mask: np.ndarray) -> str:
    """COCO's compressed RLE string of an (H, W) bool mask (what results files hold)."""
    flat = np.asarray(mask, bool).T.ravel()
    edges = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    counts = np.diff(np.concatenate([[0], edges, [flat.size]]))
    if flat.size and flat[0]:
        counts = np.concatenate([[0], counts])
    values = counts.astype(np.int64)
    values[3:] -= counts[1:-2]
    out = []
    for x in values.tolist():
        while True:
            c = x & 0x1F
            x >>= 5
            more = x != -1 if c & 0x10 else x != 0
            out.append(chr(c + 48 + (0x20 if more else 0)))
            if not more:
                break
    return "".join(out)


def _toggle_crop(toggles: np.ndarray, height: int, width: int) -> Optional[tuple]:
    """The pixels inside an odd number of the column-major ``toggles`` (pixel indexes of
    an (H, W) mask; ``H * W`` is past the end) as ``(x0, y0, x1, y1)``, the box around
    them, and the (y1 - y0, x1 - x0) bool crop; None when there are none. The sorted
    toggles pair up into runs of set pixels (an odd last one runs to the end of its
    column); the box spans whole columns only when a run crosses from one column into
    the next. The crop is made by one ``repeat`` of bools (a running count over every
    pixel took twice as long; the whole height of every column the object spans, 2.5
    times as long)."""
    if not len(toggles):
        return None
    size = height * width
    ordered = np.sort(toggles)
    if len(ordered) % 2:
        ordered = np.append(ordered, min(-(-int(ordered[-1]) // height) * height, size))
    starts, ends = ordered[0::2], np.minimum(ordered[1::2], size)
    keep = ends > starts
    starts, ends = starts[keep], ends[keep] - 1  # ends inclusive from here
    if not len(starts):
        return None
    start_col, start_row = np.divmod(starts, height)
    end_col, end_row = np.divmod(ends, height)
    first, last = int(start_col[0]), int(end_col[-1]) + 1
    if (start_col != end_col).any():
        top, bottom = 0, height
    else:
        top, bottom = int(start_row.min()), int(end_row.max()) + 1
    rows = bottom - top
    bounds = np.empty(2 * len(starts), np.int64)
    bounds[0::2] = (start_col - first) * rows + start_row - top
    bounds[1::2] = (end_col - first) * rows + end_row - top + 1
    lengths = np.empty(len(bounds) + 1, np.int64)  # np.diff's prepend and append cost 5 times this
    lengths[0], lengths[-1] = bounds[0], (last - first) * rows - bounds[-1]
    np.subtract(bounds[1:], bounds[:-1], out=lengths[1:-1])
    inside = np.repeat(np.arange(len(bounds) + 1) % 2 == 1, lengths)
    return (first, top, last, bottom), inside.reshape(last - first, rows).T


def _paint_toggles(target: np.ndarray, toggles: np.ndarray) -> None:
    """Set in ``target`` ((H, W) bool) the pixels of :func:`_toggle_crop`, writing only
    the box around them."""
    found = _toggle_crop(toggles, *target.shape)
    if found is not None:
        (x0, y0, x1, y1), crop = found
        target[y0:y1, x0:x1] |= crop


def _check_total(counts: np.ndarray, height: int, width: int) -> None:
    total = int(counts.sum())
    if total != height * width:
        raise ValueError(f"counts: expected runs covering {height}x{width} = {height * width} pixels, got {total}")


def _ring_toggles(rings: Sequence[np.ndarray], height: int, width: int) -> List[np.ndarray]:
    """For each polygon of ``rings`` ((K, 2) x, y each), the column-major pixel indexes
    where its fill toggles (pycocotools' rule); all rings walked at once."""
    sizes = np.array([len(ring) for ring in rings], np.int64)
    if not sizes.sum():
        return [np.zeros(0, np.int64) for _ in rings]
    xy = np.concatenate([np.asarray(ring, np.float64).reshape(-1, 2) for ring in rings])
    x = np.trunc(_SCALE * xy[:, 0] + 0.5).astype(np.int64)   # C's (int) cast truncates toward zero
    y = np.trunc(_SCALE * xy[:, 1] + 0.5).astype(np.int64)
    ends = np.cumsum(sizes)
    following = np.arange(1, len(x) + 1)  # each vertex's next one, the last of a ring wrapping to its first
    following[ends[sizes > 0] - 1] = (ends - sizes)[sizes > 0]
    xs, ys, xe, ye = x, y, x[following], y[following]
    dx, dy = np.abs(xe - xs), np.abs(ye - ys)
    along_x = dx >= dy
    steps = np.where(along_x, dx, dy)
    flip = (along_x & (xs > xe)) | (~along_x & (ys > ye))
    # Walk every edge from its lower end; t counts back from the far end for flipped edges.
    lo_x, lo_y = np.where(flip, xe, xs), np.where(flip, ye, ys)
    hi_x, hi_y = np.where(flip, xs, xe), np.where(flip, ys, ye)
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.where(along_x, (hi_y - lo_y) / np.where(dx > 0, dx, 1), (hi_x - lo_x) / np.where(dy > 0, dy, 1))
    edge = np.repeat(np.arange(len(x)), steps + 1)
    offsets = np.concatenate([[0], np.cumsum(steps + 1)[:-1]])
    d = np.arange(len(edge)) - offsets[edge]
    t = np.where(flip[edge], steps[edge] - d, d)
    walk = t * slope[edge]
    u = np.where(along_x[edge], t + lo_x[edge], np.trunc(lo_x[edge] + walk + 0.5).astype(np.int64))
    v = np.where(along_x[edge], np.trunc(lo_y[edge] + walk + 0.5).astype(np.int64), t + lo_y[edge])
    ring = np.repeat(np.arange(len(rings)), sizes)[edge]
    # Where the walk changes column within a ring, keep the crossings that land on pixel centres.
    cross = np.flatnonzero((u[1:] != u[:-1]) & (ring[1:] == ring[:-1])) + 1
    xd = np.where(u[cross] < u[cross - 1], u[cross], u[cross] - 1).astype(np.float64)
    xd = (xd + 0.5) / _SCALE - 0.5
    keep = (np.floor(xd) == xd) & (xd >= 0) & (xd <= width - 1)
    yd = np.minimum(v[cross], v[cross - 1]).astype(np.float64)
    yd = np.ceil(np.clip((yd + 0.5) / _SCALE - 0.5, 0, height))
    toggles = xd[keep].astype(np.int64) * height + yd[keep].astype(np.int64)
    return np.split(toggles, np.cumsum(np.bincount(ring[cross][keep], minlength=len(rings)))[:-1])


def polygon_mask(polygons: Sequence[np.ndarray], height: int, width: int) -> np.ndarray:
    """The (height, width) bool mask of the union of ``polygons`` (each (K, 2) x, y)."""
    out = np.zeros((height, width), bool)
    for toggles in _ring_toggles(polygons, height, width):
        _paint_toggles(out, toggles)
    return out


def _segment_toggles(segments: Sequence[Any], height: int, width: int, name: str) -> Iterator[Tuple[int, np.ndarray]]:
    """``(i, toggles)``: the column-major pixel indexes where segment ``i``'s fill toggles
    (each RLE's, then each polygon ring's, the rings of all segments walked at once);
    ``name`` is the argument an RLE of another size is reported against."""
    rings, owners = [], []
    for i, segment in enumerate(segments):
        if isinstance(segment, Polygons):
            rings += segment.rings
            owners += [i] * len(segment.rings)
        elif segment is not None:
            yield i, segment.toggles(height, width, name=name)
    if rings:
        yield from zip(owners, _ring_toggles(rings, height, width))


def paint_segments(segments: Sequence[Any], out: np.ndarray) -> None:
    """Paint segment ``i`` (a :class:`Polygons`, an :class:`RLE` or None) into ``out[i]``
    ((N, H, W) bool, all False), the polygons of all of them rasterized in one pass."""
    for i, toggles in _segment_toggles(segments, *out.shape[1:], name="target"):
        _paint_toggles(out[i], toggles)


def segment_crops(segments: Sequence[Any], height: int, width: int) -> Tuple[List[np.ndarray], np.ndarray]:
    """What :func:`paint_segments` paints, without an (H, W) array per segment: each
    segment's mask (a :class:`Polygons`, an :class:`RLE` or None) as the bool crop of
    the box around its pixels, and the (N, 4) int64 boxes, ``x0, y0, x1, y1``
    end-exclusive (zeros and a (0, 0) crop for an empty mask): a
    :class:`scenevis.nodes.MaskStack`'s crops and boxes."""
    pieces: List[list] = [[] for _ in segments]
    for i, toggles in _segment_toggles(segments, height, width, name="size"):
        pieces[i].append(_toggle_crop(toggles, height, width))
    crops, boxes = [], np.zeros((len(segments), 4), np.int64)
    for i, found in enumerate(pieces):
        found = [piece for piece in found if piece is not None]
        if not found:
            crops.append(np.zeros((0, 0), bool))
            continue
        corners = np.array([box for box, _ in found])
        x0, y0 = corners[:, :2].min(axis=0).tolist()
        x1, y1 = corners[:, 2:].max(axis=0).tolist()
        if len(found) == 1:
            crop = found[0][1]
        else:  # the rings of one object, joined
            crop = np.zeros((y1 - y0, x1 - x0), bool)
            for (a0, b0, a1, b1), part in found:
                crop[b0 - y0:b1 - y0, a0 - x0:a1 - x0] |= part
        boxes[i] = x0, y0, x1, y1
        crops.append(crop)
    return crops, boxes


def rle_bbox(counts: np.ndarray, height: int) -> np.ndarray:
    """The xyxy box around the set pixels of RLE ``counts`` (zeros when none are set)."""
    ends = np.cumsum(counts)
    starts = ends - counts
    ones = np.flatnonzero((np.arange(len(counts)) % 2 == 1) & (counts > 0))
    if not len(ones):
        return np.zeros(4)
    first, last = starts[ones], ends[ones] - 1
    x0, x1 = first // height, last // height
    y_lo = np.where(x1 > x0, 0, first % height)            # a run across a column covers its top...
    y_hi = np.where(x1 > x0, height - 1, last % height)    # ...and its bottom
    return np.array([x0.min(), y_lo.min(), x1.max() + 1, y_hi.max() + 1], np.float64)


@attrs.frozen(eq=False)
class Polygons:
    """One object's outline as polygons in pixel coordinates, each a (K, 2) array of x, y."""

    rings: Tuple[np.ndarray, ...]

    def decode(self, height: int, width: int) -> np.ndarray:
        """The (height, width) bool mask, as pycocotools rasterizes these polygons."""
        return polygon_mask(self.rings, height, width)

    def paint(self, target: np.ndarray) -> None:
        """Set this outline's pixels in ``target`` (an (H, W) bool array, all False where
        it is not to be set), touching only the columns it spans."""
        for toggles in _ring_toggles(self.rings, *target.shape):
            _paint_toggles(target, toggles)

    def bbox(self) -> np.ndarray:
        """The xyxy box around every vertex."""
        points = np.concatenate(self.rings)
        return np.concatenate([points.min(axis=0), points.max(axis=0)])


@attrs.frozen(eq=False)
class RLE:
    """One object's mask as COCO run lengths over a ``height`` x ``width`` image:
    ``counts`` is the compressed string or the uncompressed int64 run lengths."""

    counts: Union[str, np.ndarray]
    height: int
    width: int

    def run_lengths(self) -> np.ndarray:
        """The uncompressed run lengths (alternately 0s and 1s, column-major)."""
        if isinstance(self.counts, str):
            return decode_counts(self.counts)
        return self.counts

    def decode(self, height: Any = None, width: Any = None) -> np.ndarray:
        """The (height, width) bool mask; a size given must be the RLE's own."""
        if (height, width) != (None, None) and (height, width) != (self.height, self.width):
            raise ValueError(f"size: this RLE covers {self.height}x{self.width} pixels (height x width), "
                             f"got a request for {height}x{width}")
        out = np.zeros((self.height, self.width), bool)
        self.paint(out)
        return out

    def paint(self, target: np.ndarray) -> None:
        """Set its pixels in ``target`` (an (H, W) bool array of the RLE's size, all False
        where it is not to be set), touching only the columns its runs of 1s span."""
        _paint_toggles(target, self.toggles(*target.shape, name="target"))

    def toggles(self, height: int, width: int, name: str = "size") -> np.ndarray:
        """Where its runs of 1s start and end, as column-major pixel indexes of a
        ``height`` x ``width`` mask, which must be the RLE's own size."""
        if (height, width) != (self.height, self.width):
            raise ValueError(f"{name}: this RLE covers {self.height}x{self.width} pixels (height x width), "
                             f"got {'an array of shape ' if name == 'target' else ''}{(height, width)}")
        counts = self.run_lengths()
        _check_total(counts, self.height, self.width)
        ends = np.cumsum(counts)
        ones = np.flatnonzero(counts[1::2]) * 2 + 1  # runs of 1s that hold pixels
        return np.concatenate([ends[ones] - counts[ones], ends[ones]])

    def bbox(self) -> np.ndarray:
        """The xyxy box around its set pixels."""
        return rle_bbox(self.run_lengths(), self.height)


Segment = Union[Polygons, RLE]
