"""Feature maps: the pure functions against torch and OpenCV, and draw_featmap against MMEngine.

References are computed directly with torch (mean, topk of spatial sums, interpolate) and
OpenCV (normalize, applyColorMap, addWeighted, resize); MMEngine's own draw_featmap is run
on the same inputs. The goldens tests/golden/featmap_*.png are drawn by
tests/golden_scenes.py and compared by tests/golden_compare.py.
"""
import subprocess
import sys
import tracemalloc
import warnings

import cv2
import numpy as np
import pytest
import torch

import scenevis
from scenevis import colormaps, featmap, featmap_views
from scenevis.featmap import _math

from golden_compare import assert_golden
from golden_scenes import PICTURES, featmap_layer_scene, featmap_photo, smooth_map

F = torch.nn.functional


def random_map(shape, seed=0, dtype=np.float32):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def opencv_heat(values, image=None, alpha=0.5):
    """MMEngine's recipe with OpenCV: normalize, truncate, jet, BGR->RGB, addWeighted."""
    norm = np.asarray(cv2.normalize(values, np.zeros(values.shape), 0, 255, cv2.NORM_MINMAX), dtype=np.uint8)
    heat = cv2.cvtColor(cv2.applyColorMap(norm, cv2.COLORMAP_JET), cv2.COLOR_BGR2RGB)
    return heat if image is None else cv2.addWeighted(image, 1 - alpha, heat, alpha, 0)


def torch_resized(fm, size):
    return F.interpolate(torch.from_numpy(fm)[None], size, mode="bilinear", align_corners=False)[0].numpy()


# ---------------------------------------------------------------------- reductions

@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32, torch.float64])
def test_squeeze_mean_matches_torch_for_every_float_dtype(dtype):
    t = torch.from_numpy(random_map((16, 9, 11), seed=1)).to(dtype).requires_grad_(True)
    got = featmap.reduce_channels(t, "squeeze_mean")
    expected = t.detach().float().mean(0).numpy()
    assert got.dtype == np.float32 and got.shape == (9, 11)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_select_max_picks_the_channel_with_the_largest_spatial_sum():
    fm = random_map((32, 7, 5), seed=2)
    best = int(torch.topk(torch.from_numpy(fm).sum(dim=(1, 2)), 1).indices)
    np.testing.assert_array_equal(featmap.reduce_channels(fm, "select_max"), fm[best])


def test_topk_channels_match_torch_topk_in_descending_order():
    fm = random_map((40, 6, 6), seed=3)
    maps, indices = featmap.topk_channels(torch.from_numpy(fm), 7)
    sums = torch.from_numpy(fm).sum(dim=(1, 2))
    np.testing.assert_array_equal(indices, torch.topk(sums, 7).indices.numpy())
    np.testing.assert_array_equal(maps, fm[indices])
    assert np.all(np.diff(sums.numpy()[indices]) <= 0)


def test_topk_is_clamped_to_the_channel_count_and_k_must_be_positive():
    maps, indices = featmap.topk_channels(random_map((3, 4, 4)), 10)
    assert maps.shape == (3, 4, 4) and sorted(indices) == [0, 1, 2]
    with pytest.raises(ValueError, match="k: expected a positive integer, got 0"):
        featmap.topk_channels(random_map((3, 4, 4)), 0)
    with pytest.raises(TypeError, match="k: expected a positive integer"):
        featmap.topk_channels(random_map((3, 4, 4)), 2.0)


def test_ties_keep_the_lower_channel_first():
    fm = np.ones((5, 2, 2), np.float32)
    assert list(featmap.topk_channels(fm, 3)[1]) == [0, 1, 2]
    np.testing.assert_array_equal(featmap.reduce_channels(fm * np.arange(5)[:, None, None] % 2, "select_max"), fm[1])


def test_reduction_errors_name_the_valid_modes_and_the_shape():
    with pytest.raises(ValueError, match=r"channel_reduction: expected one of 'squeeze_mean', 'select_max', got 'max'"):
        featmap.reduce_channels(random_map((2, 3, 3)), "max")
    with pytest.raises(ValueError, match=r"featmap: expected a 3-D \(C, H, W\) feature map, got shape \(3, 3\)\. Input dimension must be 3, but got 2"):
        featmap.reduce_channels(random_map((3, 3)))
    with pytest.raises(ValueError, match="expected non-empty"):
        featmap.reduce_channels(np.zeros((0, 3, 3), np.float32))
    with pytest.raises(TypeError, match="featmap: expected a numpy array"):
        featmap.reduce_channels("map")
    bad = random_map((2, 3, 3))
    bad[1, 1, 1] = np.nan
    with pytest.raises(ValueError, match="featmap: expected finite numbers, got NaN"):
        featmap.reduce_channels(bad)
    with pytest.raises(ValueError, match="featmap: expected finite numbers"):
        featmap.topk_channels(bad, 1)


# ------------------------------------------------------------------ normalize, colorize

def test_normalize_maps_min_to_zero_and_max_to_one():
    values = random_map((9, 13), seed=4) * 50 + 7
    out = featmap.normalize(values)
    assert out.dtype == np.float32 and out.min() == 0 and out.max() == 1
    np.testing.assert_allclose(out, (values - values.min()) / (values.max() - values.min()), atol=1e-6)
    np.testing.assert_array_equal(featmap.normalize(np.full((3, 3), 5.0)), np.zeros((3, 3)))


@pytest.mark.parametrize("bad,word", [(np.nan, "NaN"), (np.inf, "infinite")])
def test_normalize_and_colorize_reject_non_finite_values(bad, word):
    values = np.zeros((3, 3), np.float32)
    values[0, 0] = bad
    for fn in (featmap.normalize, featmap.colorize):
        with pytest.raises(ValueError, match=f"map: expected finite numbers, got {word}"):
            fn(values)


@pytest.mark.parametrize("seed,scale", [(0, 1.0), (1, 1e-3), (2, 300.0), (3, 1e4)])
def test_colorize_jet_equals_opencv_normalize_and_applycolormap(seed, scale):
    values = random_map((57, 43), seed=seed) * scale + seed
    np.testing.assert_array_equal(featmap.colorize(values), opencv_heat(values))


def test_colorize_uses_the_named_table_and_constant_maps_get_entry_zero():
    ramp = np.linspace(0, 1, 256, dtype=np.float32)[None, :].repeat(2, 0)
    np.testing.assert_array_equal(featmap.colorize(ramp, "viridis")[0], colormaps.lut("viridis"))
    assert (featmap.colorize(np.full((2, 2), 3.0), "gray") == 0).all()
    with pytest.raises(ValueError, match="cmap: expected one of"):
        featmap.colorize(ramp, "rainbow")


# ------------------------------------------------------------------------------ resize

@pytest.mark.parametrize("src,dst", [((56, 56), (224, 224)), ((7, 9), (100, 37)), ((64, 64), (32, 20)),
                                     ((5, 5), (5, 5)), ((3, 1), (10, 10)), ((50, 60), (49, 61))])
def test_resize_maps_matches_torch_interpolate(src, dst):
    maps = random_map((3,) + src, seed=5)
    expected = torch_resized(maps, dst)
    got = featmap.resize(maps, dst)
    assert got.shape == (3,) + dst and got.dtype == np.float32
    np.testing.assert_allclose(got, expected, rtol=0, atol=2e-6)
    np.testing.assert_allclose(featmap.resize(maps[0], dst), expected[0], rtol=0, atol=2e-6)


def test_resized_map_colors_within_one_grey_level_of_torch():
    maps = random_map((1, 13, 17), seed=6)
    got = np.asarray(featmap.normalize(featmap.resize(maps[0], (90, 70))) * 255, np.uint8).astype(int)
    ref = torch_resized(maps, (90, 70))[0]
    ref = ((ref - ref.min()) / (ref.max() - ref.min()) * 255).astype(np.uint8)
    assert np.abs(got - ref).max() <= 1


@pytest.mark.parametrize("shape,size", [((40, 50, 3), (97, 61)), ((40, 50), (20, 25)), ((33, 17, 3), (33, 40))])
def test_resize_uint8_images_within_one_of_opencv(shape, size):
    image = np.random.default_rng(7).integers(0, 256, shape).astype(np.uint8)
    got = featmap.resize(image, size)
    expected = cv2.resize(image, size[::-1], interpolation=cv2.INTER_LINEAR)
    assert got.shape == expected.shape and got.dtype == np.uint8
    assert np.abs(got.astype(int) - expected).max() <= 1


def test_resize_rejects_bad_sizes_and_shapes():
    with pytest.raises(ValueError, match=r"size: expected \(height, width\) as two positive integers, got \(0, 3\)"):
        featmap.resize(np.zeros((2, 2)), (0, 3))
    with pytest.raises(ValueError, match="array: expected an"):
        featmap.resize(np.zeros((2, 2, 2, 2)), (3, 3))


# ----------------------------------------------------------------------------- overlay

@pytest.mark.parametrize("alpha", [0.5, 0.3, 0.7, 0.1, 0.123, 0.0, 1.0])
def test_overlay_rounds_exactly_like_addweighted(alpha):
    p, h = np.meshgrid(np.arange(256), np.arange(256))
    image = np.repeat(p.astype(np.uint8)[:, :, None], 3, 2)
    heat = np.repeat(h.astype(np.uint8)[:, :, None], 3, 2)
    np.testing.assert_array_equal(featmap.overlay(image, heat, alpha), cv2.addWeighted(image, 1 - alpha, heat, alpha, 0))


@pytest.mark.parametrize("alpha", [0.5, 0.3, 0.9])
@pytest.mark.parametrize("pixels", [1, 1 << 30], ids=["computed", "tables"])
def test_both_blending_paths_equal_addweighted(alpha, pixels):
    rng = np.random.default_rng(8)
    index = rng.integers(0, 256, (2, 40, 30)).astype(np.uint8)
    image = rng.integers(0, 256, (40, 30, 3)).astype(np.uint8)
    got = _math.colorer("jet", image, alpha, pixels)(index, 0, 40)
    for i in range(2):
        heat = colormaps.lut("jet")[index[i]]
        np.testing.assert_array_equal(got[i], cv2.addWeighted(image, 1 - alpha, heat, alpha, 0))


def test_half_blend_on_words_equals_addweighted_for_every_pixel_and_heat_pair():
    # alpha 0.5 blends packed words; a table whose every channel is its index puts all
    # 65,536 (pixel, heat) byte pairs through each channel's byte of the word.
    p, h = np.meshgrid(np.arange(256), np.arange(256), indexing="ij")
    image = np.stack([p, 255 - p, p], -1).astype(np.uint8)
    identity = np.repeat(np.arange(256, dtype=np.uint32)[:, None], 3, 1)
    got = _math._halves_colorer(identity, image)(h[None].astype(np.uint8), 0, 256)[0]
    heat = np.repeat(h.astype(np.uint8)[:, :, None], 3, 2)
    np.testing.assert_array_equal(got, cv2.addWeighted(image, 0.5, heat, 0.5, 0))


@pytest.mark.parametrize("shape", [(1, 1), (3, 5), (7, 11), (64, 64)])
def test_rgb_from_words_packs_channels_in_order(shape):
    rgb = np.random.default_rng(9).integers(0, 256, shape + (3,)).astype(np.uint8)
    from scenevis.pixels import WORD_SHIFTS as shifts, rgb_from_words
    words = sum(rgb[..., c].astype(np.uint32) << shifts[c] for c in range(3)).astype(np.uint32)
    np.testing.assert_array_equal(rgb_from_words(words), rgb)


def test_overlay_checks_sizes_and_alpha_and_leaves_inputs_alone():
    image, heat = featmap_photo(8, 8), np.full((8, 8, 3), 200, np.uint8)
    before = image.copy()
    featmap.overlay(image, heat, 0.5)
    np.testing.assert_array_equal(image, before)
    np.testing.assert_array_equal(featmap.overlay(image[..., 0], heat, 0.25),
                                  cv2.addWeighted(np.repeat(image[..., :1], 3, 2), 0.75, heat, 0.25, 0))
    with pytest.raises(ValueError, match=r"heat: expected the image's shape \(8, 8, 3\), got \(4, 4, 3\)"):
        featmap.overlay(image, heat[:4, :4])
    with pytest.raises(ValueError, match="alpha: expected a value in"):
        featmap.overlay(image, heat, 1.5)


# ------------------------------------------------------------------------ draw_featmap

def mm_draw(*args, **kwargs):
    from mmengine.visualization import Visualizer
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Visualizer.draw_featmap(*args, **kwargs)


def draw_quiet(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return featmap_views.draw_featmap(*args, **kwargs)


def assert_like_mmengine(got, expected):
    """Equal but for rare float32 rounding-order differences (a mean taken before or after
    resampling, a channel resampled alone or with the others), each moving a pixel by at
    most one colormap step (4 grey levels in jet) and possibly 1 more from a cv2 resize."""
    assert got.shape == expected.shape
    diff = np.abs(got.astype(int) - expected).max(axis=-1)
    assert diff.max() <= 5 and (diff > 1).mean() < 0.005, (diff.max(), (diff > 1).mean())


EXACT = [  # no resampling, or resampling of one channel: the same float32 operations as MMEngine's
    ((16, 30, 40), None, {}),
    ((16, 30, 40), (30, 40, 3), {}),
    ((16, 30, 40), (30, 40, 3), {"channel_reduction": "select_max", "alpha": 0.7}),
    ((1, 30, 40), (60, 80, 3), {"channel_reduction": None, "topk": 0}),
    ((1, 30, 40), (60, 80), {"channel_reduction": "squeeze_mean", "alpha": 0.3}),
    ((3, 30, 40), (30, 40, 3), {"channel_reduction": None, "topk": 0}),
    ((3, 30, 40), None, {"channel_reduction": None, "topk": -1, "resize_shape": (50, 70)}),
]
CLOSE = [  # MMEngine resamples all channels, then reduces; scenevis reduces, then resamples
    ((16, 30, 40), (60, 80, 3), {}),
    ((16, 30, 40), (60, 80), {}),
    ((16, 30, 40), (45, 70, 3), {"alpha": 0.3}),
    ((16, 30, 40), (50, 50, 3), {"channel_reduction": "select_max"}),
    ((16, 30, 40), None, {"resize_shape": (64, 80)}),
    ((16, 30, 40), (50, 60, 3), {"resize_shape": (64, 80)}),
    ((16, 30, 40), (50, 60, 3), {"resize_shape": (64, 80), "channel_reduction": "select_max"}),
]


def mm_case(fm_shape, image_shape, seed=10):
    rng = np.random.default_rng(seed)
    fm = torch.from_numpy(rng.standard_normal(fm_shape).astype(np.float32))
    image = None if image_shape is None else rng.integers(0, 256, image_shape).astype(np.uint8)
    return fm, image


@pytest.mark.parametrize("fm_shape,image_shape,kwargs", EXACT)
def test_draw_featmap_equals_mmengine_pixel_for_pixel(fm_shape, image_shape, kwargs):
    fm, image = mm_case(fm_shape, image_shape)
    np.testing.assert_array_equal(draw_quiet(fm, image, **kwargs), mm_draw(fm, image, **kwargs))


@pytest.mark.parametrize("fm_shape,image_shape,kwargs", CLOSE)
def test_draw_featmap_resampled_matches_mmengine(fm_shape, image_shape, kwargs):
    fm, image = mm_case(fm_shape, image_shape)
    assert_like_mmengine(draw_quiet(fm, image, **kwargs), mm_draw(fm, image, **kwargs))


@pytest.mark.parametrize("with_image", [True, False])
def test_topk_grid_matches_mmengine_outside_the_labels(with_image):
    fm = torch.from_numpy(smooth_map(10, (48, 56), seed=12))
    image = featmap_photo(48, 56) if with_image else None
    got = draw_quiet(fm, image, channel_reduction=None, topk=6, arrangement=(2, 4))
    expected = mm_draw(fm, image, channel_reduction=None, topk=6, arrangement=(2, 4))
    assert got.shape == expected.shape == (96, 224, 3)
    cells = got.reshape(2, 48, 4, 56, 3)
    ref = expected.reshape(2, 48, 4, 56, 3)
    below = slice(22, 48)  # labels sit in the top rows of each cell
    assert np.abs(cells[:, below].astype(int) - ref[:, below]).max() <= 1  # matplotlib resamples by 1
    assert (cells[1, :, 2:] == 255).all()  # cells 7 and 8 are empty: white
    for i in range(6):  # each label darkens its cell's top-left corner
        r, c = divmod(i, 4)
        assert (cells[r, 4:18, c, 2:30].min(axis=-1) < 60).any()


def test_topk_grid_labels_name_the_channels_in_rank_order():
    fm = np.zeros((5, 40, 80), np.float32)
    for c, weight in enumerate([1, 5, 2, 4, 3]):
        fm[c, :, :40] = weight
    got = featmap_views._labels(np.array([1, 3, 4]), (40, 80), 3)[0]
    assert got == ["channel: 1", "channel: 3", "channel: 4"]
    assert featmap_views._labels(np.array([12]), (20, 20), 1)[0] == ["12"]  # narrow cells keep the number
    order = featmap.topk_channels(fm, 3)[1]
    assert list(order) == [1, 3, 4]


def test_draw_featmap_warns_when_the_image_size_differs():
    fm = random_map((4, 10, 12))
    with pytest.warns(UserWarning, match=r"overlaid_image is 20x24 pixels but the feature map is 10x12"):
        out = featmap_views.draw_featmap(fm, featmap_photo(20, 24))
    assert out.shape == (20, 24, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        featmap_views.draw_featmap(fm, featmap_photo(10, 12))  # same size: no warning


@pytest.mark.parametrize("kwargs,error,message", [
    ({"channel_reduction": "mean"}, ValueError,
     r"channel_reduction: expected one of 'squeeze_mean', 'select_max' or None, got 'mean'"),
    ({"channel_reduction": None, "topk": 21}, ValueError,
     r"arrangement: expected rows \* cols >= topk = 21 cells, got 4 \* 5 = 20"),
    ({"channel_reduction": None, "topk": 0}, ValueError,
     r"featmap: expected 1 or 3 channels .* got 6\. .* you can use the channel_reduction parameter or set topk greater "
     r"than 0 to solve the error \('squeeze_mean' or 'select_max'\)"),
    ({"channel_reduction": None, "arrangement": (2,)}, ValueError, r"arrangement: expected \(height, width\)"),
    ({"resize_shape": (10, -1)}, ValueError, r"resize_shape: expected \(height, width\)"),
    ({"alpha": 2}, ValueError, r"alpha: expected a value in \[0, 1\], got 2"),
    ({"alpha": "0.5"}, TypeError, "alpha: expected a real number"),
    ({"topk": 2.5, "channel_reduction": None}, TypeError, "topk: expected an integer, got float"),
])
def test_draw_featmap_errors(kwargs, error, message):
    with pytest.raises(error, match=message):
        featmap_views.draw_featmap(random_map((6, 8, 8)), **kwargs)


def test_draw_featmap_states_the_dimension_it_got():
    with pytest.raises(ValueError, match=r"expected a 3-D \(C, H, W\) feature map, got shape \(1, 6, 8, 8\)"):
        featmap_views.draw_featmap(random_map((1, 6, 8, 8)))


def test_draw_featmap_is_pure():
    fm, image = torch.from_numpy(random_map((6, 8, 8))), featmap_photo(8, 8)
    fm_before, image_before = fm.clone(), image.copy()
    first = featmap_views.draw_featmap(fm, image, channel_reduction=None, topk=4, arrangement=(2, 2))
    second = featmap_views.draw_featmap(fm, image, channel_reduction=None, topk=4, arrangement=(2, 2))
    np.testing.assert_array_equal(first, second)
    assert torch.equal(fm, fm_before) and np.array_equal(image, image_before)


def test_large_overlay_keeps_peak_memory_near_the_output():
    rng = np.random.default_rng(13)
    fm = rng.standard_normal((512, 100, 134)).astype(np.float32)
    image = rng.integers(0, 256, (3000, 4000, 3)).astype(np.uint8)
    for mode in ("squeeze_mean", "select_max"):
        tracemalloc.start()
        try:
            out = draw_quiet(fm, image, channel_reduction=mode)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert out.shape == (3000, 4000, 3)
        assert peak < 3 * out.nbytes, f"{mode}: peak {peak / 1e6:.0f} MB for a {out.nbytes / 1e6:.0f} MB output"
        del out


def test_select_max_ranks_the_resampled_channels_like_mmengine():
    # 4 -> 7 samples weighs edge samples 1.71 and inner ones 1.79 in the resampled sum:
    # channel 0 (a corner) has the larger native sum, channel 1 (an inner pixel) the larger resampled one
    fm = np.zeros((2, 4, 4), np.float32)
    fm[0, 0, 0], fm[1, 1, 2] = 10.0, 9.5
    sums = _math.channel_sums(fm, _math.axis(4, 7), _math.axis(4, 7))
    resampled = torch_resized(fm, (7, 7)).sum(axis=(1, 2))
    np.testing.assert_allclose(sums, resampled, rtol=1e-5)
    assert fm[0].sum() > fm[1].sum() and resampled[1] > resampled[0]
    image = featmap_photo(7, 7)
    got = draw_quiet(fm, image, channel_reduction="select_max")
    np.testing.assert_array_equal(got, mm_draw(torch.from_numpy(fm), image, channel_reduction="select_max"))
    np.testing.assert_array_equal(got, featmap.overlay(image, featmap.colorize(torch_resized(fm, (7, 7))[1])))


# ------------------------------------------------------------------------ scene layers

def test_featmap_layer_is_a_heatmap_at_native_resolution():
    fm = smooth_map(8, (12, 16), seed=14)
    layer = featmap_views.featmap_layer(fm, extent=(0, 0, 64, 48), alpha=0.6)
    assert isinstance(layer, scenevis.Heatmap)
    assert layer.values.shape == (12, 16) and layer.alpha == 0.6 and layer.cmap == "jet"
    np.testing.assert_allclose(layer.values, fm.mean(0), rtol=1e-6)
    np.testing.assert_array_equal(featmap_views.featmap_layer(fm, "select_max").values, featmap.reduce_channels(fm, "select_max"))
    assert (layer.extent.x1, layer.extent.y1) == (64, 48)


def test_featmap_layer_renders_over_an_image_at_any_scale_and_to_svg():
    fm, photo = smooth_map(8, (12, 16), seed=14), featmap_photo(48, 64)
    scene = scenevis.image(photo) + featmap_views.featmap_layer(fm, extent=(0, 0, 64, 48))
    once, twice = scene.render(), scene.render(scale=2)
    assert once.shape == (48, 64, 3) and twice.shape == (96, 128, 3)
    assert not np.array_equal(once, photo)  # the heat shows
    hot = np.unravel_index(np.argmax(featmap.resize(fm.mean(0), (48, 64))), (48, 64))
    assert once[hot][0] > once[hot][2]  # red where the map is highest
    assert "<svg" in scene.to_svg() and "image" in scene.to_svg()


def test_featmap_layer_errors():
    with pytest.raises(ValueError, match="featmap: expected 1 channel with channel_reduction=None, got 4"):
        featmap_views.featmap_layer(random_map((4, 3, 3)), channel_reduction=None)
    with pytest.raises(ValueError, match="cmap: expected one of"):
        featmap_views.featmap_layer(random_map((4, 3, 3)), cmap="nope")


def test_importing_featmap_stays_light():
    code = ("import sys, scenevis.featmap; "
            "print(sorted(m for m in ('torch', 'cairo', 'cv2', 'matplotlib', 'mmengine') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# ------------------------------------------------------------------------------ goldens

@pytest.mark.parametrize("name", sorted(PICTURES))
def test_golden_pictures(name):
    assert_golden(name, PICTURES[name]())


def test_golden_layer_scene():
    assert_golden("featmap_layer", featmap_layer_scene().render())
