"""Line charts built as scenes: nice ticks, their labels, per-column thinning that keeps
every spike, the layout's pixel mapping, and the chart's picture (a golden)."""
import numpy as np
import pytest

import scenevis as sv
from scenevis.annotate.axes import extremes_per_column, format_value, log_ticks, nice_ticks, tick_labels
from scenevis.annotate.chart import line_chart

from golden_compare import assert_golden
from golden_scenes import chart_scene


@pytest.mark.parametrize("low, high, count, expected", [
    (0, 99_999, 5, [0, 20_000, 40_000, 60_000, 80_000]),
    (-1, 1, 5, [-1, -0.5, 0, 0.5, 1]),
    (0, 9, 4, [0, 2, 4, 6, 8]),
    (0.9, 0.93, 4, [0.9, 0.91, 0.92, 0.93]),
    (3, 3, 5, [3]),
])
def test_nice_ticks_are_round_and_inside(low, high, count, expected):
    assert nice_ticks(low, high, count) == pytest.approx(expected)


def test_nice_ticks_steps_are_one_two_or_five_times_a_power_of_ten():
    rng = np.random.default_rng(1)
    for low, span in zip(rng.normal(0, 1e3, 200), 10.0 ** rng.uniform(-6, 6, 200)):
        ticks = nice_ticks(low, low + span, 5)
        assert 3 <= len(ticks) <= 8 and ticks.min() >= low - 1e-9 * span and ticks.max() <= low + span * (1 + 1e-9)
        step = (ticks[-1] - ticks[0]) / (len(ticks) - 1)
        mantissa = step / 10 ** np.floor(np.log10(step))
        assert min(abs(mantissa / m - 1) for m in (1, 2, 5, 10)) < 1e-6, (low, span, ticks)


def test_log_ticks():
    assert log_ticks(1e-4, 2) == pytest.approx([1e-4, 1e-3, 1e-2, 1e-1, 1])
    assert log_ticks(0.5, 3) == pytest.approx([0.5, 1, 2])
    with pytest.raises(ValueError, match="0 < low"):
        log_ticks(0, 1)


def test_tick_labels_use_the_digits_the_spacing_needs():
    assert tick_labels([0, 20_000, 40_000]) == ["0", "20k", "40k"]
    assert tick_labels([0, 2e6, 4e6]) == ["0", "2M", "4M"]
    assert tick_labels([0.9, 0.91, 0.92]) == ["0.90", "0.91", "0.92"]
    assert tick_labels([-1, -0.5, 0, 0.5]) == ["-1.0", "-0.5", "0", "0.5"]
    assert tick_labels([0, 2e-5, 4e-5]) == ["0", "2e-5", "4e-5"]
    assert tick_labels([1e-3, 1, 1e6], log=True) == ["0.001", "1", "1e6"]
    assert format_value(0.123456789) == "0.1235" and format_value(float("nan")) == "nan"


def test_thinning_keeps_every_column_extreme_and_at_most_four_points_per_column():
    rng = np.random.default_rng(0)
    x = np.arange(100_000, dtype=float)
    y = rng.normal(0, 1, len(x))
    y[54_321] = 40.0  # a spike one step wide
    y[77_777] = -40.0
    keep = extremes_per_column(x, y, 0, x[-1], 500)
    assert 54_321 in keep and 77_777 in keep
    assert len(keep) <= 4 * 500 and np.all(np.diff(keep) > 0)
    columns = np.minimum((x * 500 / x[-1]).astype(int), 499)
    for column in (0, 137, 499):  # each column keeps its own minimum and maximum
        inside = np.flatnonzero(columns == column)
        assert inside[np.argmax(y[inside])] in keep and inside[np.argmin(y[inside])] in keep
    short = np.arange(10.0)
    assert extremes_per_column(short, short, 0, 9, 500).tolist() == list(range(10))


def test_thinned_chart_shows_each_columns_full_range_and_the_spike():
    """Drawn from the kept points, the ink in every pixel column covers that column's
    lowest to highest value of all 100,000 points, and reaches no further than the
    values of it and its two neighbours (segments join neighbouring columns), give or take
    the line's half width and a pixel of anti-aliasing: a one-step spike still shows."""
    rng = np.random.default_rng(2)
    x = np.arange(100_000, dtype=float)
    y = np.cumsum(rng.normal(0, 1, len(x)))
    y[31_000] += 300
    chart = line_chart({"a": (x, y)}, size=(400, 200))
    assert len(chart.xs[0]) < 2_000
    picture = sv.render(chart.lines(), background="white")
    ink = (255 - picture.min(axis=2)) > 100
    pixels = chart.to_pixels(x, y)
    columns = np.floor(pixels[:, 0]).astype(int)
    rows = np.arange(picture.shape[0])
    checked = 0
    for column in range(int(chart.plot.x0) + 2, int(chart.plot.x1) - 2):
        own = pixels[columns == column, 1]
        near = pixels[(columns >= column - 1) & (columns <= column + 1), 1]
        if not len(own):
            continue
        top, bottom = rows[ink[:, column]].min(), rows[ink[:, column]].max()
        assert top <= own.min() + 1.75 and bottom >= own.max() - 1.75, column
        assert top >= near.min() - 1.75 and bottom <= near.max() + 1.75, column
        checked += 1
    assert checked > 300
    spike = chart.to_pixels([31_000], [y[31_000]])[0]
    assert ink[int(spike[1]) + 1, int(spike[0])]


def test_layout_maps_the_domain_onto_the_plot_box():
    chart = line_chart({"loss": ([0, 10, 20], [1.0, 0.5, 0.25])}, size=(400, 240))
    (x0, x1), (y0, y1) = chart.x_domain, chart.y_domain
    box = chart.plot
    assert chart.to_pixels([x0, x1], [y0, y1]).tolist() == [[box.x0, box.y1], [box.x1, box.y0]]
    assert x0 == 0 and x1 == 20 and y0 < 0.25 < 1.0 < y1
    layout = chart.layout()
    assert layout["size"] == [400, 240] and layout["plot"] == [box.x0, box.y0, box.x1, box.y1]
    assert chart.show_legend is False and not chart.title


def test_log_scale_leaves_out_values_it_cannot_show():
    chart = line_chart({"a": ([0, 1, 2, 3], [1.0, 0.0, -2.0, 100.0])}, log_y=True)
    assert chart.xs[0].tolist() == [0, 3] and chart.log_y
    assert chart.y_domain[0] < 0 < 2 < chart.y_domain[1]  # log10 units
    nan = line_chart({"a": ([0, 1, 2], [1.0, np.nan, np.inf])})
    assert nan.xs[0].tolist() == [0]


def test_series_get_their_colours_and_a_legend():
    steps = np.arange(50)
    chart = line_chart({"a": (steps, steps * 1.0), "b": (steps, steps * 2.0)}, size=(480, 240))
    assert chart.show_legend and chart.colors[:, :3].tolist() == [[31, 119, 180], [255, 127, 14]]
    picture = sv.render(chart.scene())
    for color in chart.colors[:, :3]:
        assert (np.abs(picture.astype(int) - color).sum(axis=2) < 30).sum() > 100  # each line shows
    custom = line_chart([("x", steps, steps), ("y", steps, -steps)], colors=["red", "#00ff00"], legend=False)
    assert custom.colors[:, :3].tolist() == [[255, 0, 0], [0, 255, 0]] and not custom.show_legend


def test_bad_input_is_named():
    with pytest.raises(ValueError, match=r"series\['a'\]: expected x and y of one length, got 3 and 2"):
        line_chart({"a": ([1, 2, 3], [1, 2])})
    with pytest.raises(TypeError, match=r"series\['a'\] y: expected a 1-D array of numbers"):
        line_chart({"a": ([1, 2], ["x", "y"])})
    with pytest.raises(TypeError, match=r"series\[0\]: expected \(name, x, y\)"):
        line_chart([("a", [1])])
    with pytest.raises(ValueError, match="size: expected at least"):
        line_chart({"a": ([1], [1])}, size=(50, 50))
    with pytest.raises(ValueError, match="low <= high"):
        nice_ticks(2, 1)


def test_golden_chart():
    assert_golden("chart_lines", sv.render(chart_scene()))
