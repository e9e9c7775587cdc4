"""Chart axes: nice tick positions, their labels, and the points a long series keeps.

Pure numpy. Linear ticks fall on 1, 2 or 5 times a power of ten; logarithmic ticks on
powers of ten (with 2 and 5 times them when the range spans less than two decades).
Labels use as few digits as the tick spacing needs: ``0.25`` steps print two decimals,
``20000`` prints ``20k``, ``0.00002`` prints ``2e-05``.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np

__all__ = ["nice_ticks", "log_ticks", "tick_labels", "format_value", "extremes_per_column"]

_SI = ((1e9, "G"), (1e6, "M"), (1e3, "k"))


def _count(low: float, high: float, step: float) -> int:
    return math.floor(high / step + 1e-9) - math.ceil(low / step - 1e-9) + 1


def _nice_step(low: float, high: float, count: int) -> float:
    """The step of 1, 2 or 5 times a power of ten that puts closest to ``count`` ticks
    in ``[low, high]`` (the smaller step on a tie)."""
    power = 10.0 ** math.floor(math.log10((high - low) / max(count, 1)))
    steps = [f * power for f in (0.5, 1.0, 2.0, 5.0, 10.0)]
    return min(steps, key=lambda step: (abs(_count(low, high, step) - count), step))


def nice_ticks(low: float, high: float, count: int = 5) -> np.ndarray:
    """About ``count`` evenly spaced round values within ``[low, high]`` (1, 2 or 5 times a
    power of ten apart). ``low == high`` gives that one value."""
    if not (math.isfinite(low) and math.isfinite(high)) or high < low:
        raise ValueError(f"low, high: expected finite numbers with low <= high, got {low!r}, {high!r}")
    if high == low:
        return np.array([low])
    step = _nice_step(low, high, count)
    first, last = math.ceil(low / step - 1e-9), math.floor(high / step + 1e-9)
    ticks = np.arange(first, last + 1) * step
    ticks[np.abs(ticks) < step * 1e-9] = 0.0  # no -0.0 or 1e-17 from the multiplication
    return ticks


def log_ticks(low: float, high: float) -> np.ndarray:
    """Tick values for a log axis spanning ``[low, high]`` (both > 0): the powers of ten
    inside, or 1, 2 and 5 times them when fewer than three powers fall inside, or
    linear ticks when the range is narrower than those."""
    if not (math.isfinite(low) and math.isfinite(high)) or not 0 < low <= high:
        raise ValueError(f"low, high: expected finite numbers with 0 < low <= high, got {low!r}, {high!r}")
    first, last = math.floor(math.log10(low)), math.ceil(math.log10(high))
    powers = 10.0 ** np.arange(first, last + 1)
    inside = powers[(powers >= low * (1 - 1e-9)) & (powers <= high * (1 + 1e-9))]
    if len(inside) >= 3:
        step = math.ceil(len(inside) / 6)  # at most about six labels
        return inside[::step]
    dense = np.concatenate([powers * f for f in (1.0, 2.0, 5.0)])
    dense = np.sort(dense[(dense >= low * (1 - 1e-9)) & (dense <= high * (1 + 1e-9))])
    return dense if len(dense) >= 2 else nice_ticks(low, high, 4)


def _decimals(step: float) -> int:
    return max(0, -math.floor(math.log10(step) + 1e-9))


def format_value(value: float, digits: int = 4) -> str:
    """``value`` with ``digits`` significant digits, as a chart's tooltip shows it."""
    if not math.isfinite(value):
        return str(value)
    text = f"{value:.{digits}g}"
    return text.replace("e-0", "e-").replace("e+0", "e+").replace("e+", "e")


def tick_labels(ticks: Sequence[float], log: bool = False) -> list:
    """Labels for ``ticks`` with as many digits as their spacing needs (``log``: ticks of a
    logarithmic axis, each printed on its own: ``0.001``, ``0.5``, ``1e6``)."""
    values = np.asarray(ticks, np.float64)
    if values.size == 0:
        return []
    if values.size == 1 or log:
        return [format_value(float(v), 3) for v in values]
    gaps = np.abs(np.diff(values))
    step = float(gaps[gaps > 0].min()) if (gaps > 0).any() else 1.0
    biggest = float(np.abs(values).max())
    if biggest >= 1e4:
        unit, suffix = next((u, s) for u, s in _SI if biggest >= u)
        decimals = _decimals(step / unit)
        return [_fixed(v / unit, decimals) + (suffix if v else "") for v in values]
    if biggest < 1e-3:
        digits = max(1, math.ceil(math.log10(biggest / step) - 1e-9) + 1)
        return [format_value(float(v), digits) if v else "0" for v in values]
    return [_fixed(v, _decimals(step)) for v in values]


def _fixed(value: float, decimals: int) -> str:
    text = f"{value:.{decimals}f}"
    return "0" if float(text) == 0 else text


def extremes_per_column(x: np.ndarray, y: np.ndarray, low: float, high: float, columns: int) -> np.ndarray:
    """Indices of the points to keep when ``x`` (sorted) spans ``columns`` pixel columns
    from ``low`` to ``high``: in each column its first, lowest, highest and last point.

    Drawn as a polyline, the kept points cover exactly the pixels the whole series would
    (every spike keeps its extreme), with at most four points per column. A series of at
    most ``4 * columns`` points is kept whole.
    """
    n = len(x)
    if n <= 4 * columns or high <= low:
        return np.arange(n)
    column = np.clip(((x - low) * (columns / (high - low))).astype(np.int64), 0, columns - 1)
    starts = np.flatnonzero(np.r_[True, column[1:] != column[:-1]])
    ends = np.r_[starts[1:], n] - 1
    by_value = np.lexsort((y, column))  # grouped by column like the series itself, each group by value
    return np.unique(np.concatenate([starts, ends, by_value[starts], by_value[ends]]))
