"""Fuzzing every Visualizer.draw_* method with random arguments (reliability §1).

For every call the outcome must be one of two: the method returns the visualizer and
``get_image()`` then gives a valid (H, W, 3) uint8 picture; or it raises ``TypeError`` or
``ValueError`` (the facade's ``VisualizerValueError`` is one) and the scene is exactly the
one before the call. Any other exception, or a call slower than the deadline, fails.
"""
import math
import uuid
import warnings

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings, strategies as st

from scenevis.visualizer import Visualizer

H, W = 24, 32

finite = st.floats(-60, 60, allow_nan=False, allow_infinity=False)
bad_number = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**6, 10**6),
                       st.sampled_from([0, -1, 1e30, -1e30, 1e-300]))
wild = st.one_of(finite, finite, finite, bad_number)


def arrays(shape_st, elements=finite):
    return shape_st.flatmap(lambda shape: st.lists(elements, min_size=math.prod(shape), max_size=math.prod(shape))
                            .map(lambda vals: np.array(vals, dtype=float).reshape(shape)))


def forms(array_st):
    """The same numbers as a numpy array, a torch tensor or a nested list."""
    return st.tuples(array_st, st.sampled_from(["numpy", "torch", "list", "int"])).map(_convert)


def _convert(pair):
    array, kind = pair
    if kind == "torch":
        return torch.from_numpy(np.ascontiguousarray(array))
    if kind == "list":
        return array.tolist()
    if kind == "int" and np.isfinite(array).all() and np.abs(array).max(initial=0) < 2**31:
        return array.astype(np.int32)
    return array


def shaped(*shapes):
    """Arrays of one of ``shapes``: mostly finite numbers in and around the image."""
    return forms(arrays(st.sampled_from(shapes) if shapes else st.just((4,)), wild))


def sometimes(valid, invalid):
    """``valid`` about three times in four, else ``invalid``."""
    return st.one_of(valid, valid, valid, invalid)


n_shapes = st.integers(0, 4)
junk = st.sampled_from([None, "text", b"bytes", object(), {"a": 1}, 3, 2.5, True, [], [[]], [None], np.array("s"),
                        np.array([1 + 2j]), np.array(["a", "b"]), np.zeros((2, 0, 3))])
colors = sometimes(
    st.one_of(st.sampled_from(["g", "r", "none", "#ff000080", "w", "navy"]),
              st.tuples(st.integers(0, 255), st.integers(0, 255), st.integers(0, 255))),
    st.one_of(st.sampled_from(["notacolor", "", "#12", "C0"]),
              st.tuples(st.integers(-5, 300), st.integers(-5, 300), st.integers(-5, 300)),
              st.lists(st.sampled_from(["g", "b", (1, 2, 3), "bad"]), max_size=5), junk))
widths = sometimes(st.floats(0, 12), st.one_of(wild, st.lists(wild, max_size=5), junk))
styles = sometimes(st.sampled_from(["-", "--", ":", "-.", "none", "dotted"]),
                   st.one_of(st.sampled_from(["~", "x"]), st.lists(st.sampled_from(["-", "--", "x"]), max_size=5), junk))
alpha = sometimes(st.floats(0, 1), st.one_of(st.floats(-0.5, 1.5), st.sampled_from([float("nan")]), junk))
strings = st.one_of(st.text(max_size=8), st.lists(st.one_of(st.text(max_size=6), st.integers()), max_size=4), junk)


def point_sets():
    return sometimes(n_shapes.flatmap(lambda n: shaped((n, 2))), st.one_of(shaped((2,), (3,), (2, 3), (1, 2, 2)), junk))


def _ordered(boxes):
    array = np.asarray(boxes, dtype=float).reshape(-1, 4)
    return np.concatenate([np.minimum(array[:, :2], array[:, 2:]), np.maximum(array[:, :2], array[:, 2:])], axis=1)


def pairs(first, second):
    """Two arguments with one count N: mostly matching, sometimes independent."""
    matching = n_shapes.flatmap(lambda n: st.tuples(shaped(first(n)), shaped(second(n))))
    return st.one_of(matching, matching, matching, st.tuples(point_sets(), point_sets()))


def texts_and_positions():
    """Mostly matching counts of strings and positions; sometimes anything."""
    matching = st.integers(0, 4).flatmap(lambda n: st.tuples(
        st.lists(st.text(max_size=8), min_size=n, max_size=n), shaped((n, 2))))
    single = st.tuples(st.text(max_size=8), shaped((2,)))
    anything = st.tuples(strings, point_sets())
    return st.one_of(matching, matching, single, anything)


CALLS = {
    "draw_points": st.fixed_dictionaries({"positions": point_sets()}, optional={
        "colors": colors, "sizes": st.one_of(widths, n_shapes.flatmap(lambda n: shaped((n,)))),
        "marker": st.sampled_from([None, "o", ".", "x", 3])}),
    "draw_texts": st.fixed_dictionaries({"texts_and_positions": texts_and_positions()}, optional={
        "font_sizes": sometimes(st.floats(0, 40), st.one_of(widths, st.just(1e5))), "colors": colors,
        "vertical_alignments": st.sampled_from(["top", "center", "bottom", "baseline", "middle", None]),
        "horizontal_alignments": sometimes(st.sampled_from(["left", "center", "right"]), st.one_of(st.just("up"), junk)),
        "font_families": sometimes(st.sampled_from(["sans-serif", "serif", "monospace", "NoSuchFont"]),
                                   st.one_of(st.just(""), junk)),
        "bboxes": st.one_of(st.none(), st.fixed_dictionaries({}, optional={
            "facecolor": colors, "alpha": alpha, "pad": wild, "edgecolor": colors, "boxstyle": st.sampled_from(
                ["square", "round", None])}), st.just({"bogus": 1}), junk)}),
    "draw_lines": st.fixed_dictionaries({"pair": pairs(lambda n: (n, 2), lambda n: (n, 2))}, optional={
        "colors": colors, "line_styles": styles, "line_widths": widths}),
    "draw_circles": st.fixed_dictionaries({"pair": st.one_of(pairs(lambda n: (n, 2), lambda n: (n,)), st.tuples(
        point_sets(), st.one_of(shaped(()), junk)))}, optional={
        "edge_colors": colors, "line_styles": styles, "line_widths": widths, "face_colors": colors, "alpha": alpha}),
    "draw_bboxes": st.fixed_dictionaries({"bboxes": st.one_of(
        n_shapes.flatmap(lambda n: arrays(st.just((n, 4)))).map(_ordered), n_shapes.flatmap(lambda n: arrays(
            st.just((n, 4)))).map(_ordered), n_shapes.flatmap(lambda n: shaped((n, 4))), shaped((4,), (3,), (2, 5)),
        junk)}, optional={
        "edge_colors": colors, "line_styles": styles, "line_widths": widths, "face_colors": colors, "alpha": alpha}),
    "draw_polygons": st.fixed_dictionaries({"polygons": st.one_of(
        shaped((3, 2), (5, 2), (2, 2), (2, 4, 2), (0, 2)),
        st.lists(shaped((3, 2), (4, 2), (1, 2), (3, 3)), max_size=3), junk)}, optional={
        "edge_colors": colors, "line_styles": styles, "line_widths": widths, "face_colors": colors, "alpha": alpha}),
    "draw_binary_masks": st.fixed_dictionaries({"binary_masks": st.one_of(
        st.integers(0, 3).flatmap(lambda n: st.sampled_from([(n, H, W), (H, W), (n, H, W + 1), (n, 3, 3)])).flatmap(
            lambda shape: st.sampled_from(["bool", "01", "float01", "junk"]).map(lambda kind: _mask(shape, kind))),
        junk)}, optional={"colors": colors, "alphas": st.one_of(alpha, st.lists(alpha, max_size=4))}),
}


def _mask(shape, kind):
    rng = np.random.default_rng(sum(shape))
    base = rng.random(shape) > 0.5
    return {"bool": base, "01": base.astype(np.uint8), "float01": base.astype(np.float32),
            "junk": base * 7.5}[kind]


PAIRED = {"draw_texts": ("texts", "positions"), "draw_lines": ("x_datas", "y_datas"), "draw_circles": ("center", "radius")}


def _named(method, kwargs):
    """Split a generated pair into the method's two arguments."""
    kwargs = dict(kwargs)
    pair = kwargs.pop("pair", None) or kwargs.pop("texts_and_positions", None)
    if pair is not None:
        kwargs.update(zip(PAIRED[method], pair))
    return kwargs


@pytest.mark.parametrize("method", sorted(CALLS))
def test_random_arguments_give_a_picture_or_a_documented_error(method):
    vis = Visualizer(name=f"fuzz_{uuid.uuid4().hex[:8]}", image=np.full((H, W, 3), 90, np.uint8))

    @settings(max_examples=120, deadline=20_000, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(kwargs=CALLS[method])
    def run(kwargs):
        before = vis.scene
        before_image = vis.get_image()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            kwargs = _named(method, kwargs)
            try:
                out = getattr(vis, method)(**kwargs)
            except (TypeError, ValueError):
                assert vis.scene is before, "a failed call changed the scene"
                np.testing.assert_array_equal(vis.get_image(), before_image)
                return
        assert out is vis
        image = vis.get_image()
        assert image.shape == (H, W, 3) and image.dtype == np.uint8
        vis.set_image(np.full((H, W, 3), 90, np.uint8))  # keep scenes small across examples

    run()


@settings(max_examples=40, deadline=20_000, suppress_health_check=list(HealthCheck), derandomize=True)
@given(featmap=st.one_of(forms(arrays(st.sampled_from([(1, 4, 5), (3, 2, 2), (5, 3, 4), (2, 0, 3), (4, 4)]))), junk),
       channel_reduction=st.sampled_from(["squeeze_mean", "select_max", None, "mean", 3]),
       topk=st.one_of(st.integers(-2, 8), junk), arrangement=st.one_of(
           st.tuples(st.integers(0, 3), st.integers(0, 3)), junk),
       alpha=alpha)
def test_draw_featmap_random_arguments(featmap, channel_reduction, topk, arrangement, alpha):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            out = Visualizer.draw_featmap(featmap, channel_reduction=channel_reduction, topk=topk,
                                          arrangement=arrangement, alpha=alpha)
        except (TypeError, ValueError):
            return
    assert out.ndim == 3 and out.shape[2] == 3 and out.dtype == np.uint8
