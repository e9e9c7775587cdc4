"""The renderer's fast paths give the pixels of its general paths.

- RGB in and out of the surface as 32-bit words (red/blue-swapped surfaces) against
  per-channel copies.
- Mask blending on 32-bit words (SWAR, and the alpha 0.5 average) against the
  per-channel integer formula, and against masks painted through Cairo (a clip forces
  that path) within 1 level per channel.
- Images written 1:1 in numpy against images painted through Cairo.
- The vectorized box and label loops against a plain pycairo reference drawing each item
  with its own state.
- The numpy canvas fill, and the skipped fill under a covering image.
- Scenes made only of rasters on whole pixels, rendered in numpy without Cairo, against
  the same rasters through the Cairo surface.
- ``render_into`` a caller's (padded) RGBX buffer against ``render``.
"""
import sys

import cairo
import numpy as np
import pytest

import scenevis as sv
from scenevis import samples
from scenevis.renderer.output import canvas_size, render_into
from scenevis import pixels
from scenevis.renderer.context import current
from scenevis.renderer.painter import Painter, image_surface
from scenevis.geometry import Affine

ORDERS = [pixels.NATIVE, pixels.SWAPPED]


def per_channel_surface(rgb, order):
    buf = np.zeros(rgb.shape[:2] + (4,), np.uint8)
    r, g, b, a = order
    buf[..., r], buf[..., g], buf[..., b], buf[..., a] = rgb[..., 0], rgb[..., 1], rgb[..., 2], 255
    return buf


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("shape", [(1, 1), (1, 7), (5, 1), (37, 53), (64, 64)])
def test_rgb_round_trip_matches_per_channel_copies(order, shape):
    rng = np.random.default_rng(sum(shape))
    rgb = rng.integers(0, 256, shape + (3,), dtype=np.uint8)
    buf = np.zeros(shape + (4,), np.uint8)
    pixels.paste_rgb(buf, rgb, order=order)
    assert (buf == per_channel_surface(rgb, order)).all()
    out = pixels.surface_to_rgb(buf, order)
    assert out.shape == rgb.shape and (out == rgb).all()


@pytest.mark.parametrize("offset", [(0, 0), (3, 2), (-4, -3), (20, 15), (-40, 0)])
def test_rgb_into_surface_at_an_offset_clips_like_the_slice_copy(offset):
    rng = np.random.default_rng(1)
    rgb = rng.integers(0, 256, (17, 23, 3), dtype=np.uint8)
    big = rng.integers(0, 256, (40, 50, 3), dtype=np.uint8)
    src = big[5:22, 7:30]  # a non-contiguous view: rows longer than the crop
    assert (src.shape == rgb.shape)
    for image in (rgb, src):
        fast = np.zeros((25, 30, 4), np.uint8)
        pixels.paste_rgb(fast, image, *offset, order=pixels.SWAPPED)
        slow = np.zeros((25, 30, 4), np.uint8)
        x, y = offset
        ys, xs = slice(max(y, 0), min(y + 17, 25)), slice(max(x, 0), min(x + 23, 30))
        if ys.start < ys.stop and xs.start < xs.stop:
            crop = image[ys.start - y:ys.stop - y, xs.start - x:xs.stop - x]
            slow[ys, xs] = per_channel_surface(crop, pixels.SWAPPED)
        assert (fast == slow).all()


def blend_reference(buf, masks, colors, alphas, order):
    """The per-channel integer formula on every mask pixel, mask after mask."""
    out = buf.astype(np.int64)
    for k, mask in enumerate(masks):
        color = colors[k % len(colors)]
        wa = int(round(alphas[k % len(alphas)] * color[3] / 255.0 * 256))
        for src in range(3):
            plane = out[..., order[src]]
            plane[mask] = (plane[mask] * (256 - wa) + int(color[src]) * wa + 128) >> 8
    return out.astype(np.uint8)


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("alphas", [[0.5], [1.0], [0.3, 0.77, 0.05, 0.5, 1.0, 0.0]])
def test_blend_masks_on_words_matches_the_per_channel_formula(order, alphas):
    rng = np.random.default_rng(len(alphas))
    h, w = 40, 60
    buf = per_channel_surface(rng.integers(0, 256, (h, w, 3), dtype=np.uint8), order)
    masks = rng.random((6, h, w)) < 0.4
    masks[2] = False  # an empty mask
    masks[3, :5, :7] = True  # overlapping corners
    masks[4, :5, :7] = True
    colors = np.concatenate([rng.integers(0, 256, (6, 3)), np.full((6, 1), 255)], axis=1).astype(np.uint8)
    colors[5, 3] = 128  # a translucent color
    node = sv.masks(masks)
    expected = blend_reference(buf, masks, colors, alphas, order)
    fast = buf.copy()
    pixels.blend_masks(fast, node.masks.crops, node.masks.boxes, colors, np.array(alphas), 0, 0, order=order)
    assert (fast == expected).all()
    wide = np.zeros((h, w + 3, 4), np.uint8)  # strided rows still view as words
    wide[:, :w] = buf
    pixels.blend_masks(wide[:, :w], node.masks.crops, node.masks.boxes, colors, np.array(alphas), 0, 0, order=order)
    assert (wide[:, :w] == expected).all()


def test_blend_masks_at_an_offset_only_touches_the_mask_pixels_inside_the_buffer():
    buf = per_channel_surface(np.full((20, 20, 3), 100, np.uint8), pixels.SWAPPED)
    masks = np.zeros((1, 10, 10), bool)
    masks[0, 2:8, 2:8] = True
    colors = np.array([[200, 0, 50, 255]], np.uint8)
    stack = sv.masks(masks).masks
    pixels.blend_masks(buf, stack.crops, stack.boxes, colors, np.array([0.5]), 15, -4, order=pixels.SWAPPED)
    rgb = pixels.surface_to_rgb(buf, pixels.SWAPPED)
    touched = (rgb != 100).any(axis=2)
    expected = np.zeros((20, 20), bool)
    expected[0:4, 17:20] = True
    assert (touched == expected).all()
    assert rgb[0, 17].tolist() == [150, 50, 75]


def clipped(scene, width, height):
    """The same scene behind a clip as large as the canvas: rasters take the Cairo path."""
    return scene.clipped((0, 0, width, height))


def test_masks_in_numpy_match_masks_painted_through_cairo():
    rng = np.random.default_rng(5)
    img = samples.photo(96, 64, seed=2)
    masks = np.zeros((4, 64, 96), bool)
    yy, xx = np.mgrid[0:64, 0:96]
    for k in range(4):
        cx, cy, r = rng.uniform(10, 86), rng.uniform(10, 54), rng.uniform(6, 25)
        masks[k] = (xx - cx) ** 2 + (yy - cy) ** 2 < r * r
    node = sv.masks(masks, color=["red", "lime", (30, 60, 200), "orange"], alpha=[0.5, 0.3, 0.8, 1.0])
    fast = sv.render(sv.image(img) + node)
    slow = sv.render(sv.image(img) + clipped(node, 96, 64))
    assert np.abs(fast.astype(int) - slow.astype(int)).max() <= 1
    assert (fast != img).any(axis=2).sum() == masks.any(axis=0).sum()


def test_image_in_numpy_matches_the_image_painted_through_cairo():
    img = samples.photo(50, 30, seed=1)
    scene = sv.background((0, 0, 70, 45), "gray") + sv.image(img, x=7, y=9)
    fast = sv.render(scene)
    slow = sv.render(sv.background((0, 0, 70, 45), "gray") + clipped(sv.image(img, x=7, y=9), 70, 45))
    assert (fast == slow).all()
    assert (fast[9:39, 7:57] == img).all() and fast[0, 0].tolist() == [128, 128, 128]


def reference_boxes(width, height, xyxy, colors, widths, alphas, dashes, fills):
    """Each box drawn on its own with plain pycairo calls: boxes with whole-pixel widths
    snapped to whole pixels (odd widths on pixel centres), fill then stroke, in order."""
    surface = cairo.ImageSurface(cairo.FORMAT_RGB24, width, height)
    ctx = cairo.Context(surface)
    ctx.set_source_rgb(1, 1, 1)
    ctx.paint()
    ctx.set_line_join(cairo.LINE_JOIN_MITER)
    for (x0, y0, x1, y1), color, w, a, dash, fill in zip(xyxy, colors, widths, alphas, dashes, fills):
        if abs(w - round(w)) < 1e-6:
            half = 0.5 if round(w) % 2 == 1 else 0.0
            x0, y0, x1, y1 = (float(np.rint(v)) + half for v in (x0, y0, x1, y1))
        ctx.rectangle(x0, y0, x1 - x0, y1 - y0)
        if fill[3] * a > 0:
            ctx.set_source_rgba(fill[0] / 255, fill[1] / 255, fill[2] / 255, fill[3] / 255 * a)
            ctx.fill_preserve()
        ctx.set_source_rgba(color[0] / 255, color[1] / 255, color[2] / 255, a)
        ctx.set_line_width(w)
        pattern = {"-": [], "--": [3.7, 1.6], ":": [1.0, 1.65]}[dash]
        ctx.set_dash([d * w for d in pattern])
        ctx.stroke()
    surface.flush()
    buf = np.ndarray((height, surface.get_stride() // 4, 4), np.uint8, surface.get_data())[:, :width]
    return pixels.surface_to_rgb(buf)


def test_vectorized_box_loop_matches_drawing_each_box_alone():
    rng = np.random.default_rng(7)
    n = 60
    lo = rng.uniform(0, 150, (n, 2))
    xyxy = np.concatenate([lo, lo + rng.uniform(3, 60, (n, 2))], axis=1)
    colors = rng.integers(0, 256, (n, 3))
    colors[::3] = colors[0]  # runs of one color exercise the skipped state changes
    widths = rng.choice([1.0, 2.0, 3.0, 1.5], n)
    alphas = rng.choice([1.0, 0.6], n)
    dashes = list(rng.choice(["-", "--", ":"], n))
    fills = np.concatenate([rng.integers(0, 256, (n, 3)), rng.choice([0, 0, 90], (n, 1))], axis=1)
    node = sv.boxes(xyxy, color=colors, width=widths, alpha=alphas, dash=dashes, fill=fills)
    got = sv.render(sv.background((0, 0, 220, 220)) + node)
    expected = reference_boxes(220, 220, xyxy, colors, widths, alphas, dashes, fills)
    assert (got == expected).all()


def test_label_loop_matches_drawing_each_label_alone():
    strings = ["person 0.87", "car 0.51", "two\nlines", "大人 mixed", "", "dog 0.99", "right"]
    xy = np.array([[5, 5], [40, 12], [60, 40], [5, 60], [1, 1], [50, 14], [150, 80]], float)
    node = sv.texts(strings, xy, color="white", font_size=[13, 11, 12, 14, 13, 13, 10],
                    halign=["left"] * 6 + ["right"], valign=["top", "top", "center", "top", "top", "bottom", "baseline"],
                    background=["red", "blue", "green", "black", "black", (200, 100, 0), "purple"], background_alpha=0.8,
                    background_edge="yellow", pad=2)
    got = sv.render(sv.background((0, 0, 160, 90), "gray") + node)
    # Reference: the same labels one node at a time, so the loop handles one item per render.
    parts = sv.background((0, 0, 160, 90), "gray")
    for i in range(len(strings)):
        parts = parts + sv.texts([strings[i]], xy[i:i + 1], color="white", font_size=node.style.font_size[i],
                                 halign=node.style.halign[i], valign=node.style.valign[i],
                                 background=[tuple(node.background[i][:3])], background_alpha=node.background[i][3] / 255,
                                 background_edge="yellow", pad=2)
    expected = sv.render(parts, size=(160, 90))
    assert (got == expected).all()
    assert (got != 128).any()


def test_numpy_canvas_fill_and_skipped_fill():
    plain = sv.render(sv.boxes([[2, 2, 8, 8]], color="red"), size=(12, 10), background="navy")
    assert plain[0, 0].tolist() == [0, 0, 128] and plain[9, 11].tolist() == [0, 0, 128]
    transparent = sv.render(sv.boxes([[2, 2, 8, 8]], color="red"), size=(12, 10), rgba=True)
    assert transparent[0, 0].tolist() == [0, 0, 0, 0]
    img = samples.photo(20, 16, seed=4)
    covered = sv.render(sv.image(img), background="red")
    assert (covered == img).all()
    wider = sv.render(sv.image(img), size=(21, 16), background="red")
    assert wider[:, 20].tolist() == [[255, 0, 0]] * 16 and (wider[:, :20] == img).all()


def test_painter_reads_back_in_its_own_order():
    surface, buffer = image_surface(4, 3, False)
    painter = Painter(surface, Affine(), current(), buffer)
    assert painter.order == pixels.SWAPPED
    painter.fill_canvas((10, 20, 30, 255))
    painter.paint([])
    surface.flush()
    assert pixels.surface_to_rgb(buffer, painter.order)[1, 2].tolist() == [10, 20, 30]


@pytest.mark.parametrize("alpha", [0.5, 0.35, 1.0])
def test_raster_only_scenes_skip_cairo_and_match_the_surface_path(alpha, monkeypatch):
    rng = np.random.default_rng(11)
    img = samples.photo(90, 60, seed=6)
    masks = rng.random((3, 40, 50)) < 0.5
    colors = [(250, 10, 10), (10, 250, 10), (10, 10, 250)]
    rasters = sv.image(img) + sv.masks(masks, x=30, y=-5, color=colors, alpha=alpha) + sv.image(img[:10, :20], x=70, y=50)
    with monkeypatch.context() as patch:
        patch.setattr(sys.modules["scenevis.renderer.painter"], "image_surface", None)  # Cairo would fail
        fast = sv.render(rasters)
    # An invisible box sends the same rasters through the Cairo surface path.
    slow = sv.render(rasters + sv.boxes([[0, 0, 1, 1]], width=0))
    assert (fast == slow).all()
    assert (fast != img).any()
    assert (fast[50:, 70:] == img[:10, :20]).all()


def test_rgb_into_surface_takes_flipped_and_strided_images():
    rng = np.random.default_rng(2)
    rgb = rng.integers(0, 256, (9, 11, 3), dtype=np.uint8)
    for image in (rgb[::-1], rgb[:, ::-1], rgb[::2, 1:]):
        buf = np.zeros(image.shape[:2] + (4,), np.uint8)
        pixels.paste_rgb(buf, image, order=pixels.SWAPPED)
        assert (buf == per_channel_surface(np.ascontiguousarray(image), pixels.SWAPPED)).all()


def test_the_kept_surface_buffer_never_shows_old_pixels():
    red = sv.image(np.full((30, 40, 3), (255, 0, 0), np.uint8)) + sv.boxes([[5, 5, 20, 20]], color="blue")
    sv.render(red)
    kept = current()._spare
    assert kept is not None  # the thread kept the 40x30 surface buffer
    # The same canvas size, not covered by an image: the fill must replace the red.
    boxes = sv.boxes([[1, 1, 39, 29]], color="blue", width=2)  # ink from (0, 0) to (40, 30)
    out = sv.render(boxes)
    assert current()._spare is kept  # painted into the kept buffer, and kept again
    assert out[15, 20].tolist() == [255, 255, 255]
    transparent = sv.render(boxes, rgba=True)  # RGBA canvases start transparent
    assert transparent[15, 20].tolist() == [0, 0, 0, 0]
    assert out.base is not kept and not np.shares_memory(out, kept)


def test_threads_render_with_their_own_surface_buffers():
    from concurrent.futures import ThreadPoolExecutor

    def draw(i):
        color = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0)][i % 4]
        scene = sv.image(np.full((64, 64, 3), color, np.uint8)) + sv.boxes([[8, 8, 56, 56]], color="black")
        return i, sv.render(scene)

    with ThreadPoolExecutor(4) as pool:
        for i, out in pool.map(draw, range(40)):
            color = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0)][i % 4]
            assert out[2, 2].tolist() == list(color) and out[32, 32].tolist() == list(color)
            assert out[8, 32].tolist() == [0, 0, 0]


def test_render_into_a_padded_buffer_gives_the_pixels_of_render():
    img = samples.photo(97, 61)
    scene = (sv.image(img) + sv.masks(np.eye(61, 97, dtype=bool)[None], color="red", alpha=0.5)
             + sv.boxes([[5, 5, 60, 40]], color="lime", width=3) + sv.texts(["id 7"], [[8, 8]], font_size=12))
    buffer = np.full((61, 112, 4), 7, np.uint8)  # rows padded past the 97 pixels, as a video frame's

    view = render_into(scene, buffer)
    assert canvas_size(scene) == (97, 61) and view.shape == (61, 97, 4)
    assert np.array_equal(view[..., :3], sv.render(scene))
    assert (buffer[:, 97:] == 7).all()  # the padding is left alone
    with pytest.raises(ValueError, match="buffer"):
        render_into(scene, np.zeros((61, 90, 4), np.uint8))


def test_rgb_words_pasted_without_alpha_leave_the_fourth_byte_alone():
    rng = np.random.default_rng(9)
    rgb = rng.integers(0, 256, (13, 29, 3), dtype=np.uint8)
    buf = np.full((20, 40, 4), 7, np.uint8)
    pixels.paste_rgb(buf, rgb, 5, 3, order=pixels.SWAPPED, alpha=False)
    assert (pixels.surface_to_rgb(buf[3:16, 5:34], pixels.SWAPPED) == rgb).all()
    outside = np.ones((20, 40), bool)
    outside[3:16, 5:34] = False
    assert (buf[outside] == 7).all()


def rgb24_scenes():
    """Golden scenes over a photo, and a photo Cairo reads through a pattern (moved off
    the pixel grid, scaled, turned, clipped), its edges anti-aliased over another photo."""
    from golden_scenes import SCENES
    from test_render_tiles import over_photo

    yield from (over_photo(make(), seed=i) for i, make in enumerate(SCENES.values()))
    photo = sv.image(samples.photo(90, 70, seed=3))
    for moved in (photo.translate(0.4, 0.7), photo.scale(1.37), photo.transformed(Affine(0.96, -0.3, 10, 0.3, 0.96, -5)),
                  photo.clipped((10.5, 5.25, 60, 50)).translate(0.5, 0)):
        yield sv.image(samples.photo(140, 120, seed=4)) + moved.translate(20, 20)


def test_cairo_never_reads_the_fourth_byte_of_rgb24_pixels(monkeypatch):
    """Photos go into RGB24 surfaces without their fourth byte set (it saves a pass):
    every scene renders the same with noise in that byte as with it opaque."""
    paste = pixels.paste_rgb
    rng = np.random.default_rng(0)
    noised = []

    def noisy(target, rgb, x=0, y=0, order=pixels.NATIVE, alpha=True):
        paste(target, rgb, x, y, order, alpha)
        if not alpha:
            target[..., order[3]] = rng.integers(0, 256, target.shape[:2], dtype=np.uint8)
            noised.append(target.shape)

    def opaque(target, rgb, x=0, y=0, order=pixels.NATIVE, alpha=True):
        paste(target, rgb, x, y, order, True)

    for scene in rgb24_scenes():
        with monkeypatch.context() as patch:
            patch.setattr(pixels, "paste_rgb", noisy)
            with_noise = sv.render(scene)
        with monkeypatch.context() as patch:
            patch.setattr(pixels, "paste_rgb", opaque)
            assert np.array_equal(with_noise, sv.render(scene))
    assert len(noised) >= 20  # every photo went in with noise


@pytest.mark.parametrize("order", ORDERS)
def test_sources_are_the_colors_in_zero_to_one_times_the_alphas(order):
    """Every way in (one color or many, alphas of one or many, fully transparent colors)
    gives the values of the one formula, to the bit."""
    rng = np.random.default_rng(5)
    buf = np.zeros((4, 4, 4), np.uint8)
    painter = Painter(None, Affine(), current(), buf)
    painter.order, painter.channels = order, pixels.cairo_channels(order)
    many = rng.integers(0, 256, (30, 4), dtype=np.uint8)
    many[::7, 3] = 0
    for colors in (many, many[:1], np.array([[10, 20, 30, 0]], np.uint8), [(255, 0, 0, 255)]):
        for alphas in ([1.0], [0.35], rng.uniform(0, 1, 30), np.r_[0.0, np.ones(29)]):
            rgba, alpha = np.asarray(colors, np.float64), np.asarray(alphas, np.float64)
            k = max(len(rgba), len(alpha))
            table = np.empty((k, 4))
            table[:, :3] = rgba[:, list(painter.channels)] / 255.0
            table[:, 3] = rgba[:, 3] / 255.0 * alpha
            want = [tuple(row) if row[3] > 0 else None for row in table.tolist()]
            got = painter.sources(colors, alphas, 30)
            assert got == (want * 30 if k == 1 else want)
