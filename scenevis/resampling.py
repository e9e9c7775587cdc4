"""Bilinear resampling of maps and images, in pure numpy.

Layer 0: numpy and ``_arrays`` only. The arithmetic is that of
``torch.nn.functional.interpolate(mode='bilinear', align_corners=False)`` on the CPU:
half-pixel centres, sampling positions and weights computed in float32. The painter
resamples heatmaps with it and the feature-map code resamples maps and images with it,
so both agree with MMEngine value for value.
"""
from __future__ import annotations

import numbers
from typing import Any, NamedTuple, Optional, Sequence, Tuple

import numpy as np

from scenevis._arrays import as_numpy

__all__ = ["Axis", "axis", "resample_cols", "resample_rows", "resize", "as_size"]


class Axis(NamedTuple):
    """Sampling along one axis: ``out[j] = w0[j] * x[i0[j]] + w1[j] * x[i1[j]]``."""

    i0: np.ndarray
    i1: np.ndarray
    w0: np.ndarray
    w1: np.ndarray
    identity: bool

    def totals(self, n_in: int) -> np.ndarray:
        """How much each source sample contributes to the sum of all output samples."""
        return (np.bincount(self.i0, self.w0, n_in) + np.bincount(self.i1, self.w1, n_in)).astype(np.float32)


def axis(n_in: int, n_out: int) -> Axis:
    """Half-pixel bilinear sampling from ``n_in`` to ``n_out`` samples, in float32 as torch
    computes it: ``max(scale * (j + 0.5) - 0.5, 0)`` with one fused multiply-add (the float64
    expression rounded once to float32 is the same value)."""
    scale = float(np.float32(n_in / n_out))
    src = (scale * (np.arange(n_out, dtype=np.float64) + 0.5) - 0.5).astype(np.float32)
    np.maximum(src, np.float32(0), out=src)
    i0 = np.minimum(src.astype(np.intp), n_in - 1)
    i1 = np.minimum(i0 + 1, n_in - 1)
    w1 = np.clip(src - i0.astype(np.float32), 0, 1, dtype=np.float32)
    return Axis(i0, i1, np.float32(1) - w1, w1, n_in == n_out)


def resample_cols(maps: np.ndarray, ax: Axis) -> np.ndarray:
    """``maps`` (..., W) float32 resampled along its last axis."""
    if ax.identity:
        return maps
    out = np.take(maps, ax.i0, axis=-1)
    out *= ax.w0
    other = np.take(maps, ax.i1, axis=-1)
    other *= ax.w1
    out += other
    return out


def resample_rows(maps: np.ndarray, ax: Axis, start: int = 0, stop: Optional[int] = None) -> np.ndarray:
    """Output rows ``start:stop`` of ``maps`` (..., H, W) float32 resampled along H."""
    if ax.identity:
        return maps[..., start:stop, :]
    rows = slice(start, stop)
    out = np.take(maps, ax.i0[rows], axis=-2)
    out *= ax.w0[rows, None]
    other = np.take(maps, ax.i1[rows], axis=-2)
    other *= ax.w1[rows, None]
    out += other
    return out


def as_size(value: Any, name: str) -> Tuple[int, int]:
    """``(height, width)`` as two positive integers, or a ``ValueError`` naming ``name``."""
    if not isinstance(value, (tuple, list)) or len(value) != 2 or not all(
            isinstance(v, numbers.Integral) and not isinstance(v, bool) and v > 0 for v in value):
        raise ValueError(f"{name}: expected (height, width) as two positive integers, got {value!r}")
    return int(value[0]), int(value[1])


def resize(array: Any, size: Sequence[int]) -> np.ndarray:
    """Resample a map, a stack of maps or an image to ``size = (height, width)``, bilinear.

    - Float, integer or bool (H, W) maps and (C, H, W) stacks give float32 with the
      arithmetic of ``torch.nn.functional.interpolate(mode='bilinear', align_corners=False)``.
    - uint8 (H, W) and (H, W, C) images give uint8 of the same layout, sampled the same way
      (as ``cv2.resize`` with ``INTER_LINEAR``) and rounded; within 1 of OpenCV.
    """
    height, width = as_size(size, "size")
    data = as_numpy(array, "array")
    if data.ndim not in (2, 3) or 0 in data.shape:
        kind = "an (H, W) or (H, W, C) uint8 image" if data.dtype == np.uint8 else "an (H, W) or (C, H, W) map"
        raise ValueError(f"array: expected {kind}, got shape {tuple(data.shape)}")
    if data.dtype == np.uint8:
        planes = np.moveaxis(data if data.ndim == 3 else data[:, :, None], 2, 0).astype(np.float32)
        out = resample_rows(resample_cols(planes, axis(data.shape[1], width)), axis(data.shape[0], height))
        out = np.moveaxis(np.rint(out).astype(np.uint8), 0, 2)
        return np.ascontiguousarray(out if data.ndim == 3 else out[:, :, 0])
    if data.dtype.kind not in "biuf":
        raise TypeError(f"array: expected a numeric array, got dtype {data.dtype}")
    maps = data.astype(np.float32, copy=False)
    out = resample_rows(resample_cols(maps, axis(maps.shape[-1], width)), axis(maps.shape[-2], height))
    return np.ascontiguousarray(out)
