"""The numeric engine behind :mod:`scenevis.featmap`: resampling, stretching, coloring.

Part of ``featmap`` (layer 3), importing only numpy, ``colormaps`` and the packed RGB words of
``pixels``. Everything here
works on validated float32 (k, H, W) stacks of maps and (H, W, 3) uint8 RGB images;
argument checking lives in ``featmap``. The arithmetic reproduces, value for value, what
MMEngine's ``draw_featmap`` gets from torch and OpenCV:

- bilinear resampling with half-pixel centres, the sampling positions and weights of
  ``torch.nn.functional.interpolate(mode='bilinear', align_corners=False)`` on the CPU;
- the min-max stretch of ``cv2.normalize(NORM_MINMAX)`` to 0..255 (one fused multiply-add
  in float32), truncated to an integer by ``np.asarray(..., dtype=np.uint8)``;
- the rounding of ``cv2.addWeighted`` for uint8 images.

Heat images are made in blocks of about ``BLOCK_PIXELS`` output values, so temporaries stay
in cache and a 3000x4000 output needs the output plus a few MiB.
"""
from __future__ import annotations

from typing import Callable, Iterator, Optional, Tuple

import numpy as np

from .. import colormaps
from ..pixels import WORD_SHIFTS, rgb_from_words, rgb_words
from ..resampling import Axis, axis, resample_cols, resample_rows

BLOCK_PIXELS = 1 << 16  # output values made at a time (temporaries stay in cache)
TABLE_PIXELS = 1 << 18  # from this many output pixels on, blending goes through tables
EPS = float(np.finfo(np.float64).eps)  # OpenCV's threshold for a constant map


# ----------------------------------------------------------------- choosing channels

def channel_sums(featmap: np.ndarray, rows: Optional[Axis] = None, cols: Optional[Axis] = None) -> np.ndarray:
    """Spatial sum of every channel of ``featmap`` (C, H, W) as resampled by ``rows``/``cols``.

    Resampling is linear, so the sum over a resampled channel is a weighted sum over the
    native one, weighted by the sampling totals. This ranks channels exactly as resampling
    all of them first and summing would, without doing so. The result holds NaN or
    infinity when a channel does.
    """
    c, h, w = featmap.shape
    wy = rows.totals(h) if rows is not None and not rows.identity else np.ones(h, np.float32)
    wx = cols.totals(w) if cols is not None and not cols.identity else np.ones(w, np.float32)
    weights = np.outer(wy, wx).reshape(h * w)
    flat = featmap.reshape(c, h * w)
    # einsum rather than a BLAS product: BLAS worker threads spin when the cores are busy
    sums = np.einsum("ij,j->i", flat, weights)
    if not np.isfinite(sums).all():  # overflow in float32, or non-finite input
        sums = np.einsum("ij,j->i", flat, weights.astype(np.float64), dtype=np.float64)
    return sums


def ranked(sums: np.ndarray, k: int) -> np.ndarray:
    """int64 indices of the ``k`` largest ``sums``, largest first, lower index first on ties."""
    if k == 1:
        return np.array([int(np.argmax(sums))], dtype=np.int64)
    if k < len(sums):
        part = np.argpartition(-sums, k - 1)[:k]
        return part[np.lexsort((part, -sums[part]))].astype(np.int64)
    return np.argsort(-sums, kind="stable").astype(np.int64)


# --------------------------------------------------------------------- stretch and color

def stretch(low: float, high: float) -> Tuple[float, float]:
    """Scale and offset taking [low, high] to [0, 255], rounded to float32 as
    ``cv2.normalize`` rounds them; a range of at most ``EPS`` gives scale 0 (all zeros)."""
    scale = float(np.float32(255.0 * (1.0 / (high - low)))) if high - low > EPS else 0.0
    return scale, float(np.float32(-low * scale))


def indices(maps: np.ndarray, scale, offset) -> np.ndarray:
    """uint8 colormap indices ``trunc(fma32(map, scale, offset))`` clipped to 0..255.

    ``scale`` and ``offset`` broadcast against ``maps``. A float64 product of two float32
    values is exact, so rounding the float64 sum once to float32 is the fused result.
    """
    wide = maps.astype(np.float64)
    wide *= scale
    wide += offset
    narrow = wide.astype(np.float32)
    np.clip(narrow, 0, 255, out=narrow)
    return narrow.astype(np.uint8)


def gray_indices(planes: np.ndarray) -> np.ndarray:
    """One (H, W) index from (3, H, W) indices, as ``cv2.applyColorMap`` treats a 3-channel
    image: planes 0, 1, 2 are B, G, R, mixed by OpenCV's fixed-point BGR-to-gray weights."""
    b, g, r = (plane.astype(np.uint32) for plane in planes)
    return ((b * 3735 + g * 19235 + r * 9798 + 16384) >> 15).astype(np.uint8)


def blend_table(alpha: float) -> np.ndarray:
    """(256, 256) uint8 table ``t[pixel, heat]`` equal to ``cv2.addWeighted(pixel, 1 - alpha,
    heat, alpha, 0)``: OpenCV rounds ``heat * alpha`` to float32, adds ``pixel * (1 - alpha)``
    in one fused step and rounds half to even."""
    keep, take = float(np.float32(1.0 - alpha)), float(np.float32(alpha))
    values = np.arange(256, dtype=np.float64)
    heat = (values * take).astype(np.float32).astype(np.float64)
    mixed = np.add.outer(values * keep, heat).astype(np.float32)
    np.rint(mixed, out=mixed)
    return mixed.astype(np.uint8)


def colorer(cmap: str, image: Optional[np.ndarray], alpha: float, pixels: int) -> Callable:
    """A function ``(indices (k, b, W) uint8, start, stop) -> (k, b, W, 3)`` uint8 RGB.

    Without an image it looks the indices up in the colormap. With one it blends the colors
    over rows ``start:stop`` of the image as ``cv2.addWeighted`` rounds, in one of two ways
    that give the same values, chosen by the amount of work (``pixels`` output pixels):
    small work computes OpenCV's fused float32 arithmetic in float64; large work (a top-k
    grid) looks each channel up in a table of blended results indexed by (pixel value,
    colormap index), each entry already shifted to its byte of a packed RGB word.
    """
    table = colormaps.lut(cmap).astype(np.uint32)
    if image is None:
        words = rgb_words(table)
        return lambda index, start, stop: rgb_from_words(np.take(words, index))

    if alpha == 0.5:  # the default: whole words at a time, no per-pixel lookups
        return _halves_colorer(table, image)

    if pixels < TABLE_PIXELS:
        keep = float(np.float32(1.0 - alpha))
        heats = [(table[:, c].astype(np.float32) * np.float32(alpha)).astype(np.float64) for c in range(3)]

        def computed(index: np.ndarray, start: int, stop: int) -> np.ndarray:
            lookup = index.astype(np.intp)
            out = np.empty(index.shape + (3,), np.uint8)
            for c in range(3):
                mixed = np.take(heats[c], lookup)
                mixed += image[start:stop, :, c] * keep
                narrow = mixed.astype(np.float32)
                np.rint(narrow, out=narrow)
                out[..., c] = narrow
            return out
        return computed

    blend = blend_table(alpha).astype(np.uint32)
    tables = [np.take(blend, table[:, c], axis=1).reshape(-1) << WORD_SHIFTS[c] for c in range(3)]

    def table_rows(start: int, stop: int) -> list:
        return [image[start:stop, :, c].astype(np.uint16) << 8 for c in range(3)]

    # made once for images of moderate size (a top-k grid reuses them for every cell),
    # per band for huge ones
    whole = table_rows(0, image.shape[0]) if image.shape[0] * image.shape[1] <= 16 * BLOCK_PIXELS else None

    def blended(index: np.ndarray, start: int, stop: int) -> np.ndarray:
        rows = [r[start:stop] for r in whole] if whole is not None else table_rows(start, stop)
        words = np.take(tables[0], rows[0] | index)
        words |= np.take(tables[1], rows[1] | index)
        words |= np.take(tables[2], rows[2] | index)
        return rgb_from_words(words)
    return blended


def _halves_colorer(table: np.ndarray, image: np.ndarray) -> Callable:
    """:func:`colorer` for ``alpha = 0.5``, on packed RGB words.

    ``cv2.addWeighted(pixel, 0.5, heat, 0.5, 0)`` is ``(pixel + heat) / 2`` rounded half
    to even (both halves are exact in float32). Per byte of a word that is the floor
    average ``(p & h) + ((p ^ h) >> 1)``, plus one where the sum is odd and the floor is
    odd; no byte carries into the next (a floor of 255 has an even sum). Equal to the
    table path for all 65,536 (pixel, heat) pairs (``tests/test_featmap.py``).
    """
    heat = rgb_words(table)
    # packed once for images of moderate size (a top-k grid reuses it for every cell),
    # per band for huge ones
    whole = rgb_words(image) if image.shape[0] * image.shape[1] <= 16 * BLOCK_PIXELS else None

    def halves(index: np.ndarray, start: int, stop: int) -> np.ndarray:
        p = whole[start:stop] if whole is not None else rgb_words(image[start:stop])
        h = np.take(heat, index)
        odd = np.bitwise_xor(h, p)  # bit 0 of each byte: the sum is odd
        out = np.bitwise_and(h, p)
        np.right_shift(odd, 1, out=h)  # h's memory is reused for (p ^ h) >> 1
        h &= 0x7F7F7F7F
        out += h  # the floor average
        odd &= out
        odd &= 0x01010101
        out += odd
        return rgb_from_words(out)
    return halves


# ------------------------------------------------------------------------- heat images

def _bands(height: int, width: int, count: int) -> list:
    if height * width * count <= BLOCK_PIXELS:
        return [(0, height)]
    step = max(1, BLOCK_PIXELS // (width * count))
    return [(y, min(height, y + step)) for y in range(0, height, step)]


def heat_blocks(maps: np.ndarray, size: Tuple[int, int], image: Optional[np.ndarray], alpha: float,
                cmap: str = "jet", gray: bool = False) -> Iterator[Tuple[int, int, int, np.ndarray]]:
    """Yield ``(first, start, stop, colors)``: rows ``start:stop`` of the heat images of maps
    ``first, first + 1, ...``, as a (g, stop - start, W, 3) uint8 RGB block.

    ``maps`` (k, H, W) float32 is resampled to ``size = (height, width)``; each map is
    stretched by its own minimum and maximum after resampling (with ``gray``, the three maps
    of a 3-channel map are stretched together and mixed to one gray index), colored, and
    blended over ``image`` ((height, width, 3) uint8) when given. Maps larger than a block
    are resampled twice, band by band: once for their range, once for their colors.
    """
    height, width = size
    k, pixels = maps.shape[0], height * width
    rows, cols = axis(maps.shape[1], height), axis(maps.shape[2], width)
    color = colorer(cmap, image, alpha, k * pixels)
    group = k if gray else max(1, BLOCK_PIXELS // pixels)
    for first in range(0, k, group):
        wide = resample_cols(maps[first:first + group], cols)
        count = wide.shape[0]
        bands = _bands(height, width, count)
        whole = resample_rows(wide, rows) if len(bands) == 1 else None
        if whole is not None:
            low, high = whole.min(axis=(1, 2)), whole.max(axis=(1, 2))
        else:
            low, high = np.full(count, np.inf, np.float32), np.full(count, -np.inf, np.float32)
            for y0, y1 in bands:
                band = resample_rows(wide, rows, y0, y1)
                np.minimum(low, band.min(axis=(1, 2)), out=low)
                np.maximum(high, band.max(axis=(1, 2)), out=high)
        if gray:
            low, high = np.full(count, low.min()), np.full(count, high.max())
        params = np.array([stretch(float(lo), float(hi)) for lo, hi in zip(low, high)])
        scale, offset = params[:, 0, None, None], params[:, 1, None, None]
        for y0, y1 in bands:
            band = whole if whole is not None else resample_rows(wide, rows, y0, y1)
            index = indices(band, scale, offset)
            yield first, y0, y1, color(gray_indices(index)[None] if gray else index, y0, y1)


def heat_image(maps: np.ndarray, size: Tuple[int, int], image: Optional[np.ndarray], alpha: float,
               cmap: str = "jet", gray: bool = False) -> np.ndarray:
    """The one heat image of a (1, H, W) map (or of a (3, H, W) map with ``gray``)."""
    out = np.empty(tuple(size) + (3,), np.uint8)
    for _, start, stop, colors in heat_blocks(maps, size, image, alpha, cmap, gray):
        out[start:stop] = colors[0]
    return out
