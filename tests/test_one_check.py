"""Each value is checked in one place (architecture issue, §2).

A value crosses the boundary once: the scene nodes' converters check it with the one
check of its kind (``_arrays.coords``, ``_arrays.numbers``, ``_arrays.levels``,
``nodes.as_strings``), and neither the module functions nor the ``Visualizer`` facade
check it a second time. The calls are counted with a profile hook on the real functions.
"""
import math
import re
import sys
import uuid
from collections import Counter

import numpy as np
import pytest

import scenevis as sv
from scenevis import _arrays
from scenevis.nodes import as_strings
from scenevis.nodes.shapes import _boxes
from scenevis.visualizer import Visualizer

CHECKS = (_arrays.coords, _arrays.numbers, _arrays.levels, as_strings, _boxes)
BOXES = np.array([[1, 2, 30, 40], [5, 5, 10, 12], [0, 0, 3, 3]], float)
LABELS = ["person 0.9", "car 0.8", "dog 0.7"]


def checks_made(call) -> Counter:
    """How many times ``call()`` runs each of the checks (by code object)."""
    names = {check.__code__: check.__name__ for check in CHECKS}
    counts: Counter = Counter()

    def profile(frame, event, arg):
        if event == "call" and frame.f_code in names:
            counts[names[frame.f_code]] += 1

    sys.setprofile(profile)
    try:
        call()
    finally:
        sys.setprofile(None)
    return counts


def test_scene_functions_check_each_value_once():
    made = checks_made(lambda: sv.boxes(BOXES, color=[(255, 0, 0), (0, 255, 0), (0, 0, 255)], width=[1, 2, 3]))
    assert made == Counter(_boxes=1, coords=1, levels=1, numbers=1)
    made = checks_made(lambda: sv.texts(LABELS, BOXES[:, :2], background=np.full((3, 3), 0.5)))
    assert made == Counter(as_strings=1, coords=2, levels=1)  # coords: the positions and the pad


def test_the_facade_maps_arguments_without_checking_them_again():
    vis = Visualizer(name=f"one_check_{uuid.uuid4().hex[:8]}", image=np.zeros((50, 60, 3), np.uint8))
    made = checks_made(lambda: vis.draw_bboxes(BOXES, edge_colors=[(255, 0, 0), (0, 255, 0), (0, 0, 255)]))
    # numbers: the alpha and the line widths given, and the pixel widths made from the latter
    assert made == Counter(_boxes=1, coords=1, levels=1, numbers=3)
    made = checks_made(lambda: vis.draw_texts(LABELS, BOXES[:, :2], colors="white", font_sizes=12))
    assert made["as_strings"] == 1 and made["levels"] == 0  # 'white' is a name: no channels to read


def test_the_facade_still_names_mmengines_arguments():
    vis = Visualizer(name=f"one_check_{uuid.uuid4().hex[:8]}", image=np.zeros((50, 60, 3), np.uint8))
    cases = [
        (lambda: vis.draw_bboxes(np.array([[5, 5, 1, 1]])), "bboxes: expected x1 <= x2 and y1 <= y2 (xyxy)"),
        (lambda: vis.draw_bboxes(BOXES, line_widths=[1, 2]), "line_widths: expected 1 or 3 values"),
        (lambda: vis.draw_circles(np.array([[1, 2]]), np.array([np.nan])), "radius: expected finite numbers, got NaN"),
        (lambda: vis.draw_points(np.array([[1, 2]]), sizes=-4), "sizes: expected values >= 0, got range [-4, -4]"),
        (lambda: vis.draw_binary_masks(np.zeros((2, 50, 60)), alphas=[0.1, 2.0]),
         "alphas: expected values in [0, 1], got range [0.1, 2]"),
        (lambda: vis.draw_texts(["a", "b"], np.array([[1, 2]])), "positions: expected shape (2, 2) (one per string)"),
    ]
    for call, message in cases:
        before = vis.scene
        try:
            call()
        except (TypeError, ValueError) as err:
            assert str(err).startswith(message), (str(err), message)
            assert isinstance(err, AssertionError) or isinstance(err, TypeError)
        else:
            raise AssertionError(f"no error for {message!r}")
        assert vis.scene is before


@pytest.mark.parametrize("value", [0, 2, 7.25, -0.0, 1e-300, 100.0, 1e308, -3])
def test_one_plain_number_is_checked_as_an_array_of_it_is(value):
    """A plain int or float takes a short way through ``numbers``; the array, and the
    error for a value out of range, are those of the same number as a numpy scalar."""
    from scenevis._arrays import numbers

    for low, high in ((-math.inf, math.inf), (0.0, 100.0)):
        try:
            want = numbers(np.float64(value), "width", low, high)
        except ValueError as err:
            with pytest.raises(ValueError, match=re.escape(str(err))):
                numbers(value, "width", low, high)
            continue
        got = numbers(value, "width", low, high)
        assert got.dtype == want.dtype and got.shape == want.shape == (1,)
        assert got.tobytes() == want.tobytes() and not got.flags.writeable and got.flags.c_contiguous
    for bad in (math.inf, math.nan, 10 ** 400):
        with pytest.raises((ValueError, TypeError), match="width"):
            numbers(bad, "width")
