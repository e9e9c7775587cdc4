"""Feature maps as numbers and pixels: from a (C, H, W) activation to heat images.

Layer 3: pure functions on numpy arrays, no scenes, no rendering, no I/O, no global state.
Imports numpy, ``_arrays``, ``resampling`` and its numeric engine ``featmap._math`` (with
``colormaps``). Torch tensors are accepted by duck typing (any device, with grad,
float16/bfloat16/float32/float64) and computed on as float32 numpy arrays.

:func:`featmap_picture` makes the pixels of MMEngine's ``draw_featmap``: for the same input
it gives the same values as ``mmengine.visualization.Visualizer.draw_featmap`` (torch
``interpolate``, ``cv2.normalize``, ``COLORMAP_JET``, ``cv2.addWeighted``). It reduces or
selects channels at native resolution and resamples only what it shows, in cache-sized
blocks: a (512, 100, 134) map over a 3000x4000 image needs little more memory than the
output. What builds scenes from feature maps (the labelled top-k grid of ``draw_featmap``,
``featmap_layer``) lives above the renderer, in :mod:`scenevis.featmap_views`.
"""
from __future__ import annotations

import numbers
import warnings
from typing import Any, NamedTuple, Optional, Sequence, Tuple

import numpy as np

from .. import colormaps
from .._arrays import MAX_IMAGE_SIDE, as_image, as_numpy, check_finite, number
from ..resampling import Axis, as_size, axis, resize
from . import _math as hm

__all__ = [
    "REDUCTIONS",
    "as_featmap",
    "reduce_channels",
    "one_map",
    "topk_channels",
    "normalize",
    "colorize",
    "resize",
    "overlay",
    "FeatmapPicture",
    "featmap_picture",
]

REDUCTIONS: Tuple[str, ...] = ("squeeze_mean", "select_max")


# ----------------------------------------------------------------------------- inputs

def _float32(array: np.ndarray, name: str) -> np.ndarray:
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name}: expected a numeric array, got dtype {array.dtype}")
    return array if array.dtype == np.float32 else array.astype(np.float32)


def as_featmap(featmap: Any, name: str = "featmap") -> np.ndarray:
    """Return ``featmap`` as a (C, H, W) float32 array (no copy when it already is one).

    Tensors are detached and moved to the CPU; float16, bfloat16, float64, integer and bool
    maps become float32. A map that is not 3-D, or has an empty axis, is a ``ValueError``
    that states the shape it got. A map that looks channels-last (H, W, C) gives a
    ``UserWarning`` naming the axis that looks like the channels.
    """
    array = as_numpy(featmap, name)
    if array.ndim != 3:
        raise ValueError(f"{name}: expected a 3-D (C, H, W) feature map, got shape {tuple(array.shape)}. "
                         f"Input dimension must be 3, but got {array.ndim}")
    if 0 in array.shape:
        raise ValueError(f"{name}: expected non-empty (C, H, W) axes, got shape {tuple(array.shape)}")
    if _looks_channels_last(array.shape):
        warnings.warn(f"{name}: shape {tuple(array.shape)} looks channels-last (H, W, C): axis 2 "
                      f"({array.shape[2]}) looks like the channels, but (C, H, W) is expected; put the channels "
                      "first with tensor.permute(2, 0, 1) or array.transpose(2, 0, 1)", UserWarning, stacklevel=3)
    return _float32(array, name)


def _looks_channels_last(shape: Tuple[int, int, int]) -> bool:
    """True when a 3-D shape reads more naturally as (H, W, C) than (C, H, W): a square
    (H, W) in front of a different last axis, a gray or color image's 1 or 3 channels at
    the end, or a last axis four times longer than both others."""
    first, second, last = shape
    return (first == second != last or last in (1, 3) and min(first, second) > 4
            or last >= 4 * max(first, second))


def _as_map(value: Any, name: str = "map") -> np.ndarray:
    array = as_numpy(value, name)
    if array.ndim != 2 or 0 in array.shape:
        raise ValueError(f"{name}: expected a non-empty 2-D (H, W) map, got shape {tuple(array.shape)}")
    array = _float32(array, name)
    check_finite(array, name)
    return array


def _mode(value: Any, allow_none: bool = True) -> Optional[str]:
    if value is None and allow_none or value in REDUCTIONS:
        return value
    valid = ", ".join(map(repr, REDUCTIONS)) + (" or None" if allow_none else "")
    raise ValueError(f"channel_reduction: expected one of {valid}, got {value!r}")


# ---------------------------------------------------------------- the pure functions

def _reduce(featmap: np.ndarray, mode: str, rows: Optional[Axis] = None,
            cols: Optional[Axis] = None) -> np.ndarray:
    """The (H, W) reduction of a validated map; ``rows``/``cols`` say how it will be
    resampled, which ``select_max`` ranks by (as MMEngine ranks the resampled channels)."""
    if mode == "squeeze_mean":
        reduced = featmap[0] if featmap.shape[0] == 1 else featmap.mean(axis=0, dtype=np.float32)
    else:
        reduced = featmap[hm.ranked(hm.channel_sums(featmap, rows, cols), 1)[0]]
    check_finite(reduced, "featmap")
    return reduced


def reduce_channels(featmap: Any, mode: str = "squeeze_mean") -> np.ndarray:
    """Reduce a (C, H, W) feature map to one (H, W) float32 map.

    ``'squeeze_mean'`` averages the channels; ``'select_max'`` returns the channel whose
    spatial sum is largest (the lowest index on ties). Any other mode is a ``ValueError``
    naming the valid ones; NaN or infinity in the result is a ``ValueError``.
    """
    return _reduce(as_featmap(featmap), _mode(mode, allow_none=False))


def topk_channels(featmap: Any, k: int) -> Tuple[np.ndarray, np.ndarray]:
    """Return ``(maps, indices)``: the ``k`` channels with the largest spatial sums.

    ``maps`` is (k', H, W) float32 and ``indices`` (k',) int64, largest sum first (lower
    index first on ties), with ``k' = min(k, C)``. ``k`` must be a positive integer; NaN or
    infinity in the map is a ``ValueError``.
    """
    fm = as_featmap(featmap)
    if not isinstance(k, numbers.Integral) or isinstance(k, bool):
        raise TypeError(f"k: expected a positive integer, got {type(k).__name__}")
    if k < 1:
        raise ValueError(f"k: expected a positive integer, got {k}")
    sums = hm.channel_sums(fm)
    if not np.isfinite(sums).all():
        check_finite(fm, "featmap")
    indices = hm.ranked(sums, min(int(k), fm.shape[0]))
    return fm[indices], indices


def normalize(map: Any) -> np.ndarray:
    """Min-max normalize an (H, W) map to float32 values in [0, 1].

    The minimum becomes 0 and the maximum 1; a constant map (range at most float64's
    epsilon, OpenCV's rule) gives zeros. NaN or infinity is a ``ValueError``.
    """
    data = _as_map(map)
    low, high = float(data.min()), float(data.max())
    if high - low <= hm.EPS:
        return np.zeros(data.shape, np.float32)
    out = data - np.float32(low)
    out /= out.max()  # the shifted maximum itself, so the maximum becomes exactly 1
    return out


def colorize(map: Any, cmap: str = "jet") -> np.ndarray:
    """Return the (H, W, 3) uint8 RGB heat image of an (H, W) map.

    The map is stretched to 0..255 by its minimum and maximum and truncated to an index into
    the 256-entry table ``colormaps.lut(cmap)``: the minimum gets entry 0, the maximum entry
    255 (or 254, when float32 rounding lands just below 255, as in OpenCV), a constant map
    entry 0. With ``cmap='jet'`` this equals MMEngine's ``cv2.normalize`` +
    ``cv2.applyColorMap(COLORMAP_JET)`` + BGR-to-RGB, so high values are red.
    """
    table = colormaps.lut(cmap)
    data = _as_map(map)
    return table[hm.indices(data, *hm.stretch(float(data.min()), float(data.max())))]


def overlay(image: Any, heat: Any, alpha: float = 0.5) -> np.ndarray:
    """Return ``(1 - alpha) * image + alpha * heat`` as a new uint8 RGB image, rounded as
    ``cv2.addWeighted(image, 1 - alpha, heat, alpha, 0)`` rounds.

    Both follow the image rule of ``_arrays.as_image`` (gray, RGB, RGBA, float in [0, 1])
    and must have the same height and width. The inputs are not modified.
    """
    a = number(alpha, "alpha", 0.0, 1.0)
    base, top = as_image(image, "image"), as_image(heat, "heat")
    if base.shape != top.shape:
        raise ValueError(f"heat: expected the image's shape {base.shape}, got {top.shape}")
    index = base.astype(np.uint16) << 8
    index |= top
    return np.take(hm.blend_table(a).reshape(-1), index)



def one_map(featmap: Any, channel_reduction: Optional[str] = "squeeze_mean") -> np.ndarray:
    """The (H, W) float32 map that stands for a (C, H, W) feature map: reduced by
    ``channel_reduction``, or its only channel when that is None (more channels is a
    ``ValueError`` saying to choose a reduction). NaN or infinity is a ``ValueError``."""
    fm = as_featmap(featmap)
    mode = _mode(channel_reduction)
    if mode is not None:
        return _reduce(fm, mode)
    if fm.shape[0] != 1:
        raise ValueError(f"featmap: expected 1 channel with channel_reduction=None, got {fm.shape[0]}; "
                         f"set channel_reduction to 'squeeze_mean' or 'select_max'")
    check_finite(fm[0], "featmap")
    return fm[0]


# ------------------------------------------------------------------- MMEngine's pixels

class FeatmapPicture(NamedTuple):
    """What :func:`featmap_picture` made: the RGB ``image``; for a top-k grid, also the
    channel index shown in each cell (``channels``, row-major), the cell size ``cell =
    (height, width)`` and ``arrangement = (rows, cols)``; those are None for one heat image."""

    image: np.ndarray
    channels: Optional[np.ndarray] = None
    cell: Optional[Tuple[int, int]] = None
    arrangement: Optional[Tuple[int, int]] = None


def _grid(maps: np.ndarray, size: Tuple[int, int], image: Optional[np.ndarray], alpha: float,
          arrangement: Tuple[int, int]) -> np.ndarray:
    """The heat images of ``maps`` in a row-major ``arrangement`` on white."""
    height, width = size
    rows, cols = arrangement
    mosaic = np.full((rows * height, cols * width, 3), 255, np.uint8)
    for first, start, stop, colors in hm.heat_blocks(maps, size, image, alpha):
        for j in range(colors.shape[0]):
            r, c = divmod(first + j, cols)
            mosaic[r * height + start:r * height + stop, c * width:(c + 1) * width] = colors[j]
    return mosaic


def featmap_picture(featmap: Any, overlaid_image: Any = None, channel_reduction: Optional[str] = "squeeze_mean",
                    topk: int = 20, arrangement: Tuple[int, int] = (4, 5),
                    resize_shape: Optional[Sequence[int]] = None, alpha: float = 0.5) -> FeatmapPicture:
    """The pixels of MMEngine's ``draw_featmap`` for a (C, H, W) feature map, without the
    cell labels of its top-k grid (:func:`scenevis.featmap_views.draw_featmap` adds them).

    - ``channel_reduction='squeeze_mean'`` (mean over channels) or ``'select_max'`` (the
      channel with the largest spatial sum) gives one heat image.
    - ``channel_reduction=None`` and ``topk > 0``: the ``min(topk, C)`` channels with the
      largest spatial sums, largest first, row-major in an ``arrangement=(rows, cols)`` grid
      of ``(H' * rows, W' * cols)`` pixels on white. ``rows * cols < topk`` is a
      ``ValueError`` that says so.
    - ``channel_reduction=None`` and ``topk <= 0``: C must be 1 (one heat image) or 3 (the
      channels read as B, G, R and mixed to gray, as ``cv2.applyColorMap`` does); other C is
      a ``ValueError`` telling to set ``channel_reduction`` or ``topk > 0``.
    - ``overlaid_image``, gray (H, W) or RGB (H, W, 3), goes under the heat:
      ``(1 - alpha) * image + alpha * heat``. When its size is not the map's, a
      ``UserWarning`` says so and the map is resampled to the image's size.
    - ``resize_shape=(h, w)`` resamples the map (bilinear) and the image to (h, w).

    ``(H', W')`` is ``resize_shape``, else the image's size, else the map's. Each heat image
    is min-max stretched on its own and colored with OpenCV's jet (red is high). Channels
    are chosen at native resolution by their sums as resampled, the same choice as
    MMEngine's, and only the chosen maps are resampled. Invalid values raise
    ``ValueError``, arguments of the wrong kind ``TypeError``. Nothing is modified.
    """
    fm = as_featmap(featmap)
    channel_reduction = _mode(channel_reduction)
    if not isinstance(topk, numbers.Integral) or isinstance(topk, bool):
        raise TypeError(f"topk: expected an integer, got {type(topk).__name__}")
    grid = as_size(arrangement, "arrangement") if channel_reduction is None and topk > 0 else None
    if grid is not None and grid[0] * grid[1] < topk:
        raise ValueError(f"arrangement: expected rows * cols >= topk = {topk} cells, got {grid[0]} * {grid[1]} "
                         f"= {grid[0] * grid[1]}. The product of row and col in the `arrangement` is less than "
                         "topk, please set the `arrangement` correctly")
    a = number(alpha, "alpha", 0.0, 1.0)
    channels, height, width = fm.shape
    if channel_reduction is None and topk <= 0 and channels not in (1, 3):
        raise ValueError(f"featmap: expected 1 or 3 channels to show as an image (channel_reduction=None, "
                         f"topk={topk}), got {channels}. The input tensor channel dimension must be 1 or 3 when "
                         f"topk is less than 1, but the channel dimension you input is {channels}, you can use the "
                         "channel_reduction parameter or set topk greater than 0 to solve the error "
                         "('squeeze_mean' or 'select_max')")
    size = None if resize_shape is None else as_size(resize_shape, "resize_shape")
    if size is not None and max(size) > MAX_IMAGE_SIDE:
        raise ValueError(f"resize_shape: expected at most {MAX_IMAGE_SIDE} pixels per side, got {tuple(size)}")
    image = None if overlaid_image is None else as_image(overlaid_image, "overlaid_image")
    if image is not None and image.shape[:2] != (height, width):
        warnings.warn(f"draw_featmap: overlaid_image is {image.shape[0]}x{image.shape[1]} pixels but the feature "
                      f"map is {height}x{width}; the map is resampled to fit, so check that the two align",
                      UserWarning, stacklevel=3)
    if size is None:
        size = (height, width) if image is None else image.shape[:2]
    if grid is not None and max(size[0] * grid[0], size[1] * grid[1]) > MAX_IMAGE_SIDE:
        raise ValueError(f"arrangement: a {grid} grid of {size[1]}x{size[0]}-pixel cells is "
                         f"{size[1] * grid[1]}x{size[0] * grid[0]} pixels; expected at most {MAX_IMAGE_SIDE} per "
                         "side (fewer rows or columns, or a smaller resize_shape)")
    if image is not None and image.shape[:2] != size:
        image = resize(image, size)
    rows, cols = axis(height, size[0]), axis(width, size[1])
    if channel_reduction is not None:
        return FeatmapPicture(hm.heat_image(_reduce(fm, channel_reduction, rows, cols)[None], size, image, a))
    if topk <= 0:
        check_finite(fm, "featmap")
        return FeatmapPicture(hm.heat_image(fm, size, image, a, gray=channels == 3))
    sums = hm.channel_sums(fm, rows, cols)
    if not np.isfinite(sums).all():
        check_finite(fm, "featmap")
    indices = hm.ranked(sums, min(int(topk), channels))
    return FeatmapPicture(_grid(fm[indices], size, image, a, grid), indices, tuple(size), grid)
