"""Hostile values (issue: reliability §3): tensors numpy cannot hold, deep transform
chains, feature-map sizes that would allocate gigabytes, and values that used to give
silently wrong pictures. Each gives a named ``TypeError``/``ValueError`` before anything
is allocated or changed, or the right picture."""
import pickle
import tracemalloc
import warnings

import numpy as np
import pytest
import torch

import scenevis as sv
from scenevis.featmap_views import draw_featmap
from scenevis.style import Style
from scenevis.visualizer import Visualizer

BOX = [[1.0, 2.0, 5.0, 6.0]]


def _sparse_csr():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch: "sparse CSR support is in beta"
        return torch.tensor(BOX).to_sparse_csr()


@pytest.mark.parametrize("make, error, message", [
    (lambda: torch.zeros(1, 4, device="meta"), ValueError,
     "boxes: expected a tensor holding values, got one on the 'meta' device"),
    (lambda: torch.tensor(BOX).to_sparse(), TypeError, r"boxes: expected a dense tensor, got a sparse_coo one; "
                                                       r"call .to_dense\(\) first"),
    (_sparse_csr, TypeError, "boxes: expected a dense tensor, got a sparse_csr one"),
    (lambda: torch.zeros(1, 4, dtype=torch.complex64), TypeError, "boxes: expected real numbers, got dtype complex64"),
])
def test_tensors_numpy_cannot_hold_raise_named_errors(make, error, message):
    with pytest.raises(error, match=message):
        sv.boxes(make())


def test_quantized_and_float8_tensors_are_read_as_their_values():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch: quantized tensors are deprecated
        quantized = torch.quantize_per_tensor(torch.tensor(BOX), 0.5, 0, torch.quint8)
    assert sv.boxes(quantized).xyxy.tolist() == BOX
    assert sv.boxes(torch.tensor(BOX).to(torch.float8_e4m3fn)).xyxy.tolist() == BOX
    assert sv.masks(torch.ones(3, 3).to(torch.float8_e5m2)).count == 1


def test_a_meta_tensor_changes_nothing_in_a_visualizer():
    vis = Visualizer(name="meta_tensor", image=np.zeros((20, 20, 3), np.uint8))
    before = vis.scene
    with pytest.raises(ValueError, match="bboxes: expected a tensor holding values"):
        vis.draw_bboxes(torch.zeros(2, 4, device="meta"))
    with pytest.raises(ValueError, match="featmap: expected a tensor holding values"):
        vis.draw_featmap(torch.zeros(3, 4, 4, device="meta"))
    assert vis.scene is before


def _deep(depth: int) -> sv.Scene:
    scene = sv.boxes(BOX, color="red") + sv.texts("a", [0, 0])
    for _ in range(depth):
        scene = scene.translate(1, 0)
    return scene


def test_3000_nested_translations_compose_without_recursion():
    a, b = _deep(3000), _deep(3000)
    assert a == b and hash(a.transform) == hash(b.transform)
    assert pickle.loads(pickle.dumps(a)) == a
    assert (a.bounds.x0, a.transform.c) == (3000.0, 3000.0)
    image = a.render()
    red = np.argwhere((image[..., 0] > 200) & (image[..., 1] < 60))
    assert red[:, 1].min() >= 3000 and red[:, 1].max() <= 3006
    assert not isinstance(a.children[0], sv.Group)  # one group deep, whatever the chain


def test_3000_nested_styles_and_clips_stay_one_group_deep(tmp_path):
    scene = sv.boxes([[2, 2, 40, 30]], color="red") + sv.texts("a", [4, 4])
    for i in range(3000):
        scene = scene.styled(width=1 + i % 3).clipped([i % 5, 0, 60, 50])
    assert not any(isinstance(child, sv.Group) for child in scene.children)
    assert scene.clip == sv.BBox(4, 0, 60, 50) and scene.style.width[0] == 1  # the innermost setting wins
    assert pickle.loads(pickle.dumps(scene)) == scene and sv.load(sv.dump(scene, tmp_path / "s.scene.json")) == scene
    assert scene.render(size=(60, 50)).any()


@pytest.mark.parametrize("name", [None, "layer"])
def test_folded_styles_and_clips_draw_what_nested_groups_draw(name):
    inner = sv.Group(children=(sv.boxes([[2, 2, 40, 30]]), sv.lines([[[0, 0], [60, 50]]])), style=Style(color="blue"),
                     clip=sv.BBox(1, 1, 50, 40), name=name)
    folded = inner.styled(width=4, color="red").clipped([10, 0, 60, 45]).styled(dash="dashed")
    nested = sv.Group(children=(sv.Group(children=(sv.Group(children=(inner,), style=Style(width=4, color="red")),),
                                         clip=sv.BBox(10, 0, 60, 45)),), style=Style(dash="dashed"))
    assert np.array_equal(folded.render(size=(60, 50)), nested.render(size=(60, 50)))
    if name is not None:
        assert folded.layer("layer") == inner  # a named layer keeps its own style and clip


def test_nested_translations_equal_one_translation():
    base = sv.boxes(BOX, color="red").styled(width=3)
    chained = base.translate(2, 1).scale(2).translate(-1, 5)
    assert sv.render(chained, size=(30, 30)).tolist() == sv.render(
        sv.Group(children=(base,), transform=sv.Affine.translation(-1, 5) @ sv.Affine.scaling(2)
                 @ sv.Affine.translation(2, 1)), size=(30, 30)).tolist()


@pytest.mark.parametrize("kwargs, message", [
    (dict(resize_shape=(60000, 60000)), r"resize_shape: expected at most 32768 pixels per side, got \(60000, 60000\)"),
    (dict(channel_reduction=None, topk=4, arrangement=(20000, 20000)),
     r"arrangement: a \(20000, 20000\) grid of 8x8-pixel cells is 160000x160000 pixels; expected at most 32768"),
    (dict(channel_reduction=None, topk=4, arrangement=(2, 2), resize_shape=(20000, 20000)),
     r"arrangement: a \(2, 2\) grid of 20000x20000-pixel cells is 40000x40000 pixels"),
])
def test_featmap_sizes_beyond_the_image_limit_are_refused_before_allocating(kwargs, message):
    featmap = np.random.default_rng(0).random((4, 8, 8), np.float32)
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=message):
            draw_featmap(featmap, **kwargs)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2**20


@pytest.mark.parametrize("call, error, message", [
    (lambda: sv.boxes(BOX, color=np.array([[np.nan, 0, 0]])), ValueError, "color: expected finite numbers, got NaN"),
    (lambda: sv.boxes(BOX, color=np.array([[np.inf, 0, 0]])), ValueError, "color: expected finite numbers"),
    (lambda: sv.masks(np.ones((1, 4, 4), bool), color=np.array([[1.0, np.nan, 0.0]])), ValueError,
     "color: expected finite numbers, got NaN"),
    (lambda: sv.boxes(BOX, class_ids=[2.9]), ValueError, "class_ids: expected integer class ids, got 2.9 at index 0"),
    (lambda: sv.boxes(BOX, class_ids=np.array([np.nan])), ValueError, "class_ids: expected integer class ids, got nan"),
    (lambda: Style(width=2 + 5j), TypeError, "width: expected real numbers, got dtype complex128"),
    (lambda: Style(alpha=np.array([0.5 + 0j])), TypeError, "alpha: expected real numbers, got dtype complex128"),
    (lambda: Style(width=np.array(["2", "3"], dtype=object)), TypeError, "width: expected real numbers, got dtype object"),
    (lambda: sv.boxes(np.array([["1", "2", "3", "4"]], dtype=object)), TypeError,
     "boxes: expected real numbers, got dtype object"),
    (lambda: sv.boxes(BOX, color=np.array([["255", "0", "0"]], dtype=object)), TypeError,
     "color: expected real numbers, got dtype object"),
    (lambda: sv.boxes(BOX).translate("3", 0), TypeError, "dx: expected a real number, got str '3'"),
    (lambda: sv.Affine(a=1 + 1j), TypeError, "a: expected a real number, got complex"),
])
def test_values_that_drew_silently_wrong_are_named_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_integral_float_class_ids_still_pick_their_colors():
    assert sv.boxes(BOX * 2, class_ids=np.array([3.0, 4.0])) == sv.boxes(BOX * 2, class_ids=[3, 4])
