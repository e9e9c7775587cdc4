"""Markers over a photo painted on the photo's patches under them
(:mod:`scenevis.renderer.patches`) give the pixels of the whole canvas painted through
the surface: every kind, opaque and translucent, aliased, overlapping (painter's order
across rounds), reaching past the canvas's edges, moved off the pixel grid, and random
scenes; and the path is taken only where it applies.
"""
import numpy as np
import pytest

import scenevis as sv
from scenevis import samples
from scenevis.renderer import output, patches
from scenevis.renderer.context import current
from scenevis.renderer.flatten import flatten

KINDS = {"dot": {"size": 4}, "triangle": {"size": 10}, "ellipse": {"width": 2}, "round_box": {"width": 2},
         "corners": {"width": 3, "size": 8}}


def both_ways(scene, monkeypatch, **options):
    """``(patches, whole)``: the render with the markers painted on patches (however large
    their windows and deep their piles), and the whole canvas."""
    with monkeypatch.context() as patch:
        patch.setattr(patches, "MAX_SHARE", 10.0)
        patch.setattr(patches, "MAX_ROUNDS", 1000)
        assert takes_patches(scene)
        patched = sv.render(scene, **options)
    with monkeypatch.context() as patch:
        patch.setattr(patches, "MAX_SHARE", -1.0)
        whole = sv.render(scene, **options)
    return patched, whole


def takes_patches(scene) -> bool:
    width, height, base = output._canvas(scene, 1.0, None)
    return patches.render(flatten(scene), base, current(), width, height) is not None


def detections(n, width, height, seed):
    """``n`` boxes 6 to 80 pixels wide, some reaching past the canvas's edges."""
    rng = np.random.default_rng(seed)
    lo = rng.uniform([-20, -20], [width, height], (n, 2))
    return np.c_[lo, lo + rng.uniform(6, 80, (n, 2))]


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("style", [{}, {"alpha": 0.45}, {"antialias": False}, {"fill": (0, 200, 90, 120)}])
def test_every_kind_paints_the_pixels_of_the_whole_canvas(kind, style, monkeypatch):
    img = samples.photo(320, 200, seed=1)
    boxes = detections(60, 320, 200, seed=2)
    colors = np.random.default_rng(3).integers(0, 256, (60, 3))
    scene = sv.image(img) + sv.markers(boxes, kind, color=colors, **KINDS[kind], **style)
    patched, whole = both_ways(scene, monkeypatch)
    assert np.array_equal(patched, whole)
    assert (whole != img).any()


def test_overlapping_marks_keep_painters_order(monkeypatch):
    """Marks piled on one spot, two nodes over each other: later rounds over earlier ones."""
    img = samples.photo(120, 90, seed=4)
    boxes = np.array([[40, 30, 60, 50], [41.3, 31.7, 61, 52], [43, 29, 63, 49], [10, 10, 30, 30], [44, 33, 64, 53]])
    scene = (sv.image(img)
             + sv.markers(boxes, "dot", color=["red", "lime", "blue", "white", "black"], size=7)
             + sv.markers(boxes + 1.5, "triangle", color=[(255, 255, 0, 150), "cyan"] * 2 + ["white"], size=12))
    patched, whole = both_ways(scene, monkeypatch)
    assert np.array_equal(patched, whole)
    assert tuple(whole[40, 54]) == (0, 0, 0)  # the last dot is on top


def test_marks_past_the_canvas_and_off_the_pixel_grid(monkeypatch):
    img = samples.photo(97, 61, seed=5)
    boxes = np.array([[-8, -8, 6, 6], [90, 50, 104, 66], [-3, 20, 20, 40], [40, -12, 60, 3], [1, 1, 60, 40]], float)
    marks = sv.Group([sv.markers(boxes, kind, color="orange", **options) for kind, options in KINDS.items()])
    for scene in (sv.image(img) + marks, sv.image(img) + marks.translate(0.37, -0.61)):
        patched, whole = both_ways(scene, monkeypatch)
        assert np.array_equal(patched, whole)
    patched, whole = both_ways(sv.image(img) + marks, monkeypatch, size=(90, 55))  # the image is cut
    assert np.array_equal(patched, whole)


@pytest.mark.parametrize("seed", range(12))
def test_random_scenes(seed, monkeypatch):
    rng = np.random.default_rng(seed)
    width, height = rng.integers(30, 260, 2)
    img = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    scene = sv.image(img)
    for _ in range(rng.integers(1, 4)):
        kind = str(rng.choice(sorted(KINDS)))
        n = int(rng.integers(1, 40))
        colors = np.c_[rng.integers(0, 256, (n, 3)), rng.choice([255, 255, 128, 0], (n, 1))]
        scene = scene + sv.markers(detections(n, width, height, seed) * rng.uniform(0.3, 1.0), kind, color=colors,
                                   width=float(rng.uniform(0.5, 4)), antialias=bool(rng.random() < 0.8))
    patched, whole = both_ways(scene, monkeypatch)
    assert np.array_equal(patched, whole)


def test_taken_only_for_markers_drawn_through_a_translation_over_a_covering_photo():
    img = samples.photo(640, 360, seed=6)
    boxes = detections(100, 640, 360, seed=7)
    dots = sv.markers(boxes, "dot", size=4)
    assert takes_patches(sv.image(img) + dots)
    assert takes_patches(sv.image(img) + sv.markers(boxes, "triangle", size=10))
    assert not takes_patches(sv.image(img) + sv.markers(boxes, "round_box", width=2))  # windows too large
    assert not takes_patches(sv.image(img) + dots + sv.points(boxes[:, :2]))
    assert not takes_patches(sv.image(img) + dots + sv.blur(boxes, 5))
    assert not takes_patches(sv.image(img) + dots.scale(1.5))
    assert not takes_patches(sv.image(img) + dots.clipped((0, 0, 300, 300)))
    assert not takes_patches(dots + sv.markers(boxes, "dot", size=2))  # no photo beneath


def test_marks_piled_deeper_than_the_rounds_allow_paint_the_whole_canvas(monkeypatch):
    img = samples.photo(200, 120, seed=8)
    pile = np.tile([[90.0, 50, 110, 70]], (patches.MAX_ROUNDS + 1, 1)) + np.arange(patches.MAX_ROUNDS + 1)[:, None] * 0.3
    assert takes_patches(sv.image(img) + sv.markers(pile[:-1], "dot", size=5))
    assert not takes_patches(sv.image(img) + sv.markers(pile, "dot", size=5))
    column = np.c_[np.full(3000, 100.0), np.arange(3000) * 0.04, np.full(3000, 100.0), np.arange(3000) * 0.04]
    assert not takes_patches(sv.image(img) + sv.markers(column, "dot", size=1))  # every window on its neighbours
    spread = np.c_[np.full(40, 100.0), np.arange(40) * 3.0, np.full(40, 100.0), np.arange(40) * 3.0]
    scene = sv.image(img) + sv.markers(spread, "dot", color="red", size=1)
    patched, whole = both_ways(scene, monkeypatch)  # a column of marks, each overlapping the two next to it
    assert np.array_equal(patched, whole)



@pytest.mark.parametrize("kind", ["corners", "round_box", "ellipse"])
def test_the_least_window_is_never_larger_than_the_windows(kind):
    """The early refusal of marks with too large windows never refuses a node whose
    windows would have fitted."""
    from scenevis.geometry import Affine

    for seed in range(20):
        rng = np.random.default_rng(seed)
        boxes = detections(int(rng.integers(1, 30)), 400, 300, seed) * rng.uniform(0.05, 3.0)
        size = float(rng.uniform(1, 40)) if kind == "ellipse" and seed % 2 else None  # the default, or one given
        node = sv.markers(boxes, kind, width=float(rng.uniform(0, 4)), size=size)
        widths = np.full(node.count, float(node.style.width[0]))
        least = patches._least_window(node)
        size = patches._windows(node, Affine(), widths, (10 ** 6, 10 ** 6), np.inf)[1]
        assert least[0] <= size[0] and least[1] <= size[1]


def test_a_hundred_foot_ellipses_of_wide_boxes_paint_the_whole_canvas():
    img = samples.photo(640, 360, seed=6)
    boxes = detections(100, 640, 360, seed=7)
    assert not takes_patches(sv.image(img) + sv.markers(boxes, "ellipse", width=2))
    assert takes_patches(sv.image(img) + sv.markers(boxes[:10] * [1, 1, 1, 1] / 4, "ellipse", width=2))
