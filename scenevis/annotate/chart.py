"""Line charts as scenes: axes with nice ticks, gridlines, a legend, one colour per series.

:func:`line_chart` lays a chart out (text measured with the renderer's metrics) and
returns a :class:`LineChart`: its :meth:`~LineChart.scene` is an ordinary scene, drawn
by any renderer like every other. The chart keeps what it laid out (the plot box, the
domains, the points it draws) so a page can put interaction over the picture: the run
report's hover and smoothing map data to the same pixels with :meth:`LineChart.layout`.

A series longer than four points per pixel column keeps, in each column, its first,
lowest, highest and last point (:func:`~scenevis.annotate.axes.extremes_per_column`):
a 100,000-step series draws as about 2,000 points and every spike still shows.
"""
from __future__ import annotations

import math
from typing import Any, Mapping, Optional, Sequence

import attrs
import numpy as np

from scenevis.annotate.axes import extremes_per_column, log_ticks, nice_ticks, tick_labels
from scenevis.annotate.legend import legend
from scenevis.colors import color_array
from scenevis.geometry import BBox
from scenevis.nodes import Lines, Points, Texts
from scenevis.renderer.measure import text_size
from scenevis.scene import Background, Group, Scene
from scenevis.style import Style

__all__ = ["LineChart", "line_chart", "SERIES_COLORS"]

#: Colours given to series in order (ten well-separated hues, readable on white).
SERIES_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                 "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")
_GRID = (232, 232, 232)
_AXIS = (140, 140, 140)
_TEXT = (60, 60, 60)
_FAMILY = "DejaVu Sans"


def _series(value: Any) -> list:
    """``[(name, x, y), ...]`` from a mapping name -> (x, y) or a sequence of (name, x, y)."""
    items = list(value.items()) if isinstance(value, Mapping) else list(value)
    out = []
    for i, item in enumerate(items):
        if isinstance(value, Mapping):
            name, xy = item
            if not isinstance(xy, (tuple, list)) or len(xy) != 2:
                raise TypeError(f"series[{name!r}]: expected (x, y), got {type(xy).__name__}")
            x, y = xy
        else:
            if not isinstance(item, (tuple, list)) or len(item) != 3:
                raise TypeError(f"series[{i}]: expected (name, x, y), got {item!r:.80}")
            name, x, y = item
        x, y = np.asarray(x), np.asarray(y)
        for arg, array in (("x", x), ("y", y)):
            if array.ndim != 1 or array.dtype.kind not in "biuf":
                raise TypeError(f"series[{name!r}] {arg}: expected a 1-D array of numbers, "
                                f"got shape {array.shape} of {array.dtype}")
        if len(x) != len(y):
            raise ValueError(f"series[{name!r}]: expected x and y of one length, got {len(x)} and {len(y)}")
        out.append((str(name), x.astype(np.float64), y.astype(np.float64)))
    return out


def _drawable(x: np.ndarray, y: np.ndarray, log_y: bool) -> tuple:
    """The points a chart can draw (finite, and positive on a log axis), sorted by x."""
    keep = np.isfinite(x) & np.isfinite(y)
    if log_y:
        keep &= y > 0
    x, y = x[keep], y[keep]
    if len(x) > 1 and np.any(x[1:] < x[:-1]):
        order = np.argsort(x, kind="stable")
        x, y = x[order], y[order]
    return x, y


def _domain(values: list, pad: float) -> tuple:
    low = min(float(v.min()) for v in values)
    high = max(float(v.max()) for v in values)
    if high == low:
        half = abs(low) * 0.1 or 1.0
        return low - half, high + half
    margin = (high - low) * pad
    return low - margin, high + margin


def _fixed(value: Any, name: str) -> Optional[tuple]:
    if value is None:
        return None
    pair = tuple(value)
    if len(pair) != 2 or not all(isinstance(v, (int, float, np.number)) and math.isfinite(v) for v in pair) \
            or not pair[0] < pair[1]:
        raise ValueError(f"{name}: expected (low, high), finite numbers with low < high, got {pair!r}")
    return float(pair[0]), float(pair[1])


@attrs.frozen(eq=False)
class LineChart:
    """A laid-out line chart. Build it with :func:`line_chart`."""

    names: tuple
    xs: tuple  # the kept points of each series, sorted by x
    ys: tuple
    colors: np.ndarray  # (N, 4) uint8 RGBA
    size: tuple  # (width, height) of the canvas in pixels
    plot: BBox  # the data area
    x_domain: tuple  # (low, high) data values at the plot's left and right edges
    y_domain: tuple  # (low, high) at the bottom and top; log10 of the values when log_y
    log_y: bool
    x_ticks: np.ndarray
    y_ticks: np.ndarray
    title: Optional[str]
    x_label: Optional[str]
    show_legend: bool
    font_size: float
    line_width: float

    def to_pixels(self, x: Any, y: Any) -> np.ndarray:
        """(N, 2) canvas pixels of data points ``x``, ``y`` (values, not log10, on a log axis)."""
        x = np.asarray(x, np.float64)
        y = np.asarray(y, np.float64)
        if self.log_y:
            with np.errstate(divide="ignore", invalid="ignore"):
                y = np.log10(y)
        (x0, x1), (y0, y1), box = self.x_domain, self.y_domain, self.plot
        px = box.x0 + (x - x0) * (box.width / (x1 - x0))
        py = box.y1 - (y - y0) * (box.height / (y1 - y0))
        return np.stack([px, py], axis=-1)

    def layout(self) -> dict:
        """The mapping from data to pixels, as plain numbers (for a page's own drawing)."""
        return dict(size=list(self.size), plot=[self.plot.x0, self.plot.y0, self.plot.x1, self.plot.y1],
                    x=list(self.x_domain), y=list(self.y_domain), log_y=self.log_y)

    def _canvas(self) -> BBox:
        return BBox(0, 0, *self.size)

    def frame(self) -> Scene:
        """Everything but the lines: background, gridlines, axes, tick labels, title, legend."""
        box, size = self.plot, self.font_size
        layers: list = [Background(self._canvas(), "white")]
        xs = np.round(self.to_pixels(self.x_ticks, np.full(len(self.x_ticks), np.nan))[:, 0]) + 0.5
        y_values = 10.0 ** self.y_ticks if self.log_y else self.y_ticks
        ys = np.round(self.to_pixels(np.zeros(len(self.y_ticks)), y_values)[:, 1]) + 0.5
        grid = [[[x, box.y0], [x, box.y1]] for x in xs] + [[[box.x0, y], [box.x1, y]] for y in ys]
        if grid:
            layers.append(Lines.from_paths(np.array(grid), Style(color=_GRID, width=1.0)))
        left, bottom = math.floor(box.x0) + 0.5, math.floor(box.y1) + 0.5
        ticks = [[[x, bottom], [x, bottom + 4]] for x in xs] + [[[left - 4, y], [left, y]] for y in ys]
        axes = [[[left, box.y0], [left, bottom], [box.x1, bottom]]]
        layers.append(Lines.from_paths(axes, Style(color=_AXIS, width=1.0)))
        if ticks:
            layers.append(Lines.from_paths(np.array(ticks), Style(color=_AXIS, width=1.0)))
        text = Style(color=_TEXT, font_size=size, font_family=_FAMILY)
        if len(xs):
            layers.append(Texts(tuple(tick_labels(self.x_ticks)), np.stack([xs, np.full(len(xs), bottom + 6)], 1),
                                attrs.evolve(text, halign="center", valign="top")))
        if len(ys):
            labels = tuple(tick_labels(y_values, log=self.log_y))
            layers.append(Texts(labels, np.stack([np.full(len(ys), left - 7), ys], 1),
                                attrs.evolve(text, halign="right", valign="center")))
        if self.x_label:
            layers.append(Texts((self.x_label,), [[box.x1, self.size[1] - 4]],
                                attrs.evolve(text, halign="right", valign="bottom")))
        if self.title:
            layers.append(Texts((self.title,), [[8, 6]], attrs.evolve(text, font_size=size * 1.15, color=(20, 20, 20))))
        if self.show_legend:
            key = legend([(n, tuple(int(v) for v in c)) for n, c in zip(self.names, self.colors)], font_size=size * 0.95,
                         max_height=box.height, border=None, text_color=_TEXT)
            layers.append(key.translate(box.x1 + 10, box.y0))
        return Group.of(*layers)

    def lines(self) -> Scene:
        """The series alone, on a transparent canvas the size of the chart."""
        layers: list = []
        paths, colors, dots, dot_colors = [], [], [], []
        for x, y, color in zip(self.xs, self.ys, self.colors):
            if len(x) == 0:
                continue
            pixels = self.to_pixels(x, y)
            if len(pixels) == 1:
                dots.append(pixels[0])
                dot_colors.append(color)
            else:
                paths.append(pixels)
                colors.append(color)
        if paths:
            layers.append(Lines.from_paths(paths, Style(color=np.array(colors), width=self.line_width)))
        if dots:
            layers.append(Points(np.array(dots), self.line_width * 1.6, Style(color=np.array(dot_colors))))
        canvas = Background(self._canvas(), (255, 255, 255, 0))  # transparent: the chart's size
        return canvas + Group.of(*layers).clipped(self.plot.expanded(self.line_width)) if layers else canvas

    def scene(self) -> Scene:
        """The whole chart: :meth:`frame` with :meth:`lines` over it."""
        return self.frame() + self.lines()


def line_chart(series: Any, *, title: Optional[str] = None, size: Sequence[int] = (640, 300),
               log_y: bool = False, colors: Any = None, x_label: Optional[str] = "step",
               legend: Optional[bool] = None, font_size: float = 12.0, line_width: float = 1.5,
               x_range: Optional[Sequence[float]] = None, y_range: Optional[Sequence[float]] = None) -> LineChart:
    """A line chart of ``series``: a mapping ``name -> (x, y)`` or a sequence of
    ``(name, x, y)``, each x and y 1-D arrays of one length.

    Points whose x or y is not finite (and on a log axis, ``log_y``, whose y is not
    positive) are left out. ``colors`` gives one colour per series (default
    :data:`SERIES_COLORS` in order); ``legend`` shows the names (default: when there is
    more than one series). ``size=(width, height)`` is the whole canvas in pixels.
    ``x_range`` and ``y_range`` fix an axis to ``(low, high)`` instead of fitting the
    data (a precision-recall curve: both ``(0, 1)``); not with ``log_y`` for y.
    """
    items = _series(series)
    width, height = (int(v) for v in size)
    if width < 120 or height < 80:
        raise ValueError(f"size: expected at least (120, 80) pixels, got {tuple(size)}")
    if not (isinstance(font_size, (int, float)) and 4 <= font_size <= 64):
        raise ValueError(f"font_size: expected a number in [4, 64], got {font_size!r}")
    n = len(items)
    rgba = color_array(list(colors) if colors is not None else [SERIES_COLORS[i % len(SERIES_COLORS)] for i in range(n)],
                       n, "colors") if n else np.zeros((0, 4), np.uint8)
    if len(rgba) == 1 and n > 1:
        rgba = np.repeat(rgba, n, axis=0)
    points = [_drawable(x, y, log_y) for _, x, y in items]
    drawn = [(x, y) for x, y in points if len(x)]
    x_domain = _domain([x for x, _ in drawn], 0.0) if drawn else (0.0, 1.0)
    if drawn:
        y_values = [np.log10(y) if log_y else y for _, y in drawn]
        y_domain = _domain(y_values, 0.05)
    else:
        y_domain = (0.0, 1.0)
    x_domain = _fixed(x_range, "x_range") or x_domain
    if y_range is not None and log_y:
        raise ValueError("y_range: not with log_y (the log axis fits the data)")
    y_domain = _fixed(y_range, "y_range") or y_domain
    y_ticks = (np.log10(log_ticks(10 ** y_domain[0], 10 ** y_domain[1])) if log_y
               else nice_ticks(*y_domain, count=max(2, round((height - 60) / 45))))
    x_ticks = nice_ticks(*x_domain, count=max(2, round(width / 110)))
    shown = 10.0 ** y_ticks if log_y else y_ticks
    label_w = float(text_size(tick_labels(shown, log=log_y), font_size, _FAMILY)[:, 0].max()) if len(y_ticks) else 0.0
    show_legend = n > 1 if legend is None else bool(legend)
    legend_w = 0.0
    if show_legend and n:
        names = [name for name, _, _ in items]
        legend_w = float(text_size(names, font_size * 0.95, _FAMILY)[:, 0].max()) + font_size * 3.2
        legend_w = min(legend_w, width * 0.4)
    top = math.ceil(font_size * 2.2) if title else math.ceil(font_size)
    bottom = math.ceil(font_size * 1.4 + 10) + (math.ceil(font_size * 1.3) if x_label else 0)
    left = math.ceil(label_w + 12)
    right = math.ceil(legend_w + 20) if show_legend else math.ceil(font_size * 1.5)
    plot = BBox(left, top, width - right, height - bottom)
    if plot.is_empty or plot.width < 20 or plot.height < 20:
        raise ValueError(f"size: {tuple(size)} leaves no room for the plot after its labels and legend")
    kept_x, kept_y = [], []
    for x, y in points:
        keep = extremes_per_column(x, y, x_domain[0], x_domain[1], max(1, int(plot.width)))
        kept_x.append(x[keep])
        kept_y.append(y[keep])
    x_ticks = x_ticks[(x_ticks >= x_domain[0]) & (x_ticks <= x_domain[1])]
    y_ticks = y_ticks[(y_ticks >= y_domain[0] - 1e-12) & (y_ticks <= y_domain[1] + 1e-12)]
    return LineChart(names=tuple(name for name, _, _ in items), xs=tuple(kept_x), ys=tuple(kept_y), colors=rgba,
                     size=(width, height), plot=plot, x_domain=x_domain, y_domain=y_domain, log_y=bool(log_y),
                     x_ticks=x_ticks, y_ticks=y_ticks, title=title, x_label=x_label, show_legend=show_legend,
                     font_size=float(font_size), line_width=float(line_width))
