"""Rendering: golden images, pixel formats, vector output, scale, text and fonts."""
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import scenevis as sv
from golden_compare import assert_golden, read_png
from golden_scenes import heatmap_text_scene, overlay_scene, shapes_scene
from scenevis import pixels


def test_golden_overlay():
    assert_golden("render_overlay", sv.render(overlay_scene()))


def test_golden_shapes():
    assert_golden("render_shapes", sv.render(shapes_scene()))


def test_golden_heatmap_and_text():
    assert_golden("render_heatmap_text", sv.render(heatmap_text_scene()))


def test_half_red_over_black_is_128():
    # The premultiplied BGRA <-> RGB conversion, checked end to end.
    scene = sv.background((0, 0, 4, 4), "black") + sv.boxes([[0, 0, 4, 4]], fill="red", alpha=0.5, width=0)
    assert sv.render(scene)[2, 2].tolist() == [128, 0, 0]
    rgba = sv.render(sv.boxes([[0, 0, 4, 4]], fill="red", alpha=0.5, width=0), size=(4, 4), rgba=True)
    assert rgba[2, 2].tolist() == [255, 0, 0, 128]


def test_pixel_conversions_round_trip():
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (5, 7, 3), dtype=np.uint8)
    buf = np.zeros((5, 7, 4), np.uint8)
    pixels.paste_rgb(buf, rgb)
    assert (pixels.surface_to_rgb(buf) == rgb).all()
    b, g, r, a = pixels.BGRA
    assert (buf[..., r] == rgb[..., 0]).all() and (buf[..., b] == rgb[..., 2]).all() and (buf[..., a] == 255).all()


def test_a_premultiplied_mask_is_premultiplied_of_its_plane():
    """The one-pass mask buffer holds exactly what premultiplied() makes of the mask's
    color over a plane of its alpha, in either byte order, at any alpha."""
    rng = np.random.default_rng(1)
    mask = rng.random((9, 13)) < 0.4
    for color, alpha in (((255, 0, 0, 255), 128), ((17, 200, 93, 255), 255), ((250, 251, 3, 255), 1), ((9, 9, 9, 255), 0)):
        for order in (pixels.NATIVE, pixels.BGRA):
            plane = mask.astype(np.uint8) * np.uint8(alpha)
            rgb = np.broadcast_to(np.asarray(color[:3], np.uint8), mask.shape + (3,))
            np.testing.assert_array_equal(pixels.premultiplied_mask(mask, color, alpha, order),
                                          pixels.premultiplied(rgb, plane, order))
    red = pixels.premultiplied_mask(mask, (255, 0, 0, 255), 128)  # 50% red: (128, 0, 0) premultiplied, alpha 128
    assert red[mask][0][list(pixels.NATIVE)].tolist() == [128, 0, 0, 128] and not red[~mask].any()

def test_a_packed_color_is_its_pixel_bytes_read_as_one_machine_word():
    rng = np.random.default_rng(2)
    for rgba in rng.integers(0, 256, (50, 4)).tolist() + [[0, 0, 0, 0], [255, 255, 255, 255]]:
        for order in (pixels.NATIVE, pixels.BGRA, (3, 1, 0, 2)):
            pixel = np.zeros(4, np.uint8)
            pixel[list(order)] = rgba
            assert pixels.packed_color(rgba, order) == int(pixel.view(np.uint32)[0])
            assert pixels.packed_color(np.array(rgba, np.uint8), order) == int(pixel.view(np.uint32)[0])


def test_render_is_deterministic_and_leaves_inputs_alone():
    scene = overlay_scene()
    before = scene.children[0].pixels.copy()
    first, second = sv.render(scene), sv.render(scene)
    assert (first == second).all()
    assert (scene.children[0].pixels == before).all()


def test_canvas_is_the_image_extent():
    scene = sv.image(np.zeros((20, 30, 3), np.uint8)) + sv.boxes([[-50, -50, 500, 500]])
    assert sv.render(scene).shape == (20, 30, 3)
    assert sv.render(sv.boxes([[0, 0, 40, 10]], width=0, fill="red")).shape == (10, 40, 3)
    assert sv.render(sv.boxes([[0, 0, 40, 10]], width=2)).shape == (12, 42, 3)  # the stroke is not cut
    assert sv.render(scene, size=(8, 6)).shape == (6, 8, 3)


def test_scale_two_is_sharp_not_upsampled():
    scene = sv.background((0, 0, 40, 40), "white") + sv.boxes([[10, 10, 30, 30]], color="black", width=2)
    one, two = sv.render(scene), sv.render(scene, scale=2)
    assert two.shape == (80, 80, 3)
    # A 2 px line at scale 2 is 4 device pixels, fully black, with white right next to it.
    column = two[40, :, 0]
    assert column[18:22].tolist() == [0, 0, 0, 0] and column[17] == 255 and column[22] == 255
    assert one[20, 9:11, 0].tolist() == [0, 0] and one[20, 8, 0] == 255 and one[20, 11, 0] == 255


def test_text_at_10px_is_antialiased_and_legible():
    scene = sv.background((0, 0, 60, 16), "white") + sv.texts("Hello 10", [2, 2], font_size=10, color="black")
    img = sv.render(scene)[..., 0]
    ink = img < 128
    assert 20 < ink.sum() < 300                       # strokes, not a blob and not nothing
    assert ((img > 0) & (img < 255)).sum() > 20       # grey edge pixels: anti-aliased
    assert ink[:, 2:8].any() and ink[:, 30:45].any()  # letters spread along the line


def glyph(char, family="DejaVu Sans"):
    scene = sv.background((0, 0, 40, 40), "white") + sv.texts(char, [4, 4], font_size=28, color="black",
                                                               font_family=family)
    return sv.render(scene)[..., 0] < 128


def test_cjk_renders_real_glyphs_through_fallback():
    person, big, missing = glyph("人"), glyph("大"), glyph("\ue000")  # U+E000: in no font
    assert person.sum() > 30 and big.sum() > 30
    assert (person != big).sum() > 30
    assert (person != missing).sum() > 30 and (big != missing).sum() > 30


def test_family_by_name():
    assert (glyph("g", "DejaVu Sans") != glyph("g", "DejaVu Serif")).sum() > 10


def test_svg_and_pdf_outputs(tmp_path):
    scene = overlay_scene()
    svg = sv.to_svg(scene)
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg") and root.attrib["width"].startswith("160")
    assert "<image" in svg  # the photo and masks embedded as rasters
    for name in ("a.png", "a.svg", "a.pdf"):
        path = sv.save(scene, tmp_path / name)
        assert (tmp_path / name).stat().st_size > 100 and path.endswith(name)
    assert (tmp_path / "a.pdf").read_bytes().startswith(b"%PDF")
    assert (read_png(tmp_path / "a.png") == sv.render(scene)).all()
    with pytest.raises(ValueError, match="path: expected a .png, .jpg, .jpeg, .svg or .pdf"):
        sv.save(scene, tmp_path / "a.gif")


def test_scene_methods_and_jupyter_repr():
    scene = shapes_scene()
    assert (scene.render() == sv.render(scene)).all()
    png = scene._repr_png_()
    assert png.startswith(b"\x89PNG")
    ids = re.compile(r"surface\d+")
    assert ids.sub("", scene.to_svg()) == ids.sub("", sv.to_svg(scene))


def test_masks_blend_in_one_call_and_match_the_cairo_path():
    masks = np.zeros((3, 20, 20), bool)
    masks[0, 2:10, 2:10] = masks[1, 5:15, 5:15] = masks[2, 12:18, 0:20] = True
    base = sv.image(np.full((20, 20, 3), 100, np.uint8))
    node = sv.masks(masks, color=["red", "lime", "blue"], alpha=0.5)
    fast = sv.render(base + node)
    assert fast[3, 3].tolist() == [178, 50, 50]  # round(0.5 * 100 + 0.5 * 255)
    # A clip turns the numpy fast path off: Cairo then paints the masks as patterns.
    slow = sv.render((base + node).clipped())
    assert np.abs(slow.astype(int) - fast.astype(int)).max() <= 1


def test_render_arguments_are_checked():
    with pytest.raises(ValueError, match="scale: expected a finite number > 0"):
        sv.render(shapes_scene(), scale=0)
    with pytest.raises(ValueError, match="size: expected"):
        sv.render(shapes_scene(), size=(0, 4))
    with pytest.raises(TypeError, match="scene: expected a scenevis Scene"):
        sv.render(np.zeros((4, 4, 3)))
    with pytest.raises(ValueError, match="nothing to give it a size"):
        sv.render(sv.Empty())


def test_font_state_survives_clipped_cells():
    # Regression: a clip's save/restore undid the font size while the font cache kept it.
    small = (sv.background((0, 0, 80, 30), "white") + sv.texts("tiny", [2, 2], font_size=20)).scale(0.5)
    plain = sv.background((0, 0, 40, 15), "white")
    img = sv.render(sv.grid([small, plain, small, plain], cols=2, titles=["Title"] * 4, title_size=14))
    band = 23  # the title band: ceil(14 * 1.6)
    h = img.shape[0] // 2
    titles = [img[r * h:r * h + band, c * 40:(c + 1) * 40, 0] < 128 for r in (0, 1) for c in (0, 1)]
    assert all((t == titles[0]).all() for t in titles)


def test_heatmap_resamples_values_not_colors():
    # Halfway between 0 (blue) and 1 (red), jet is green-cyan-yellow, not a purple mix.
    img = sv.render(sv.heatmap([[0.0, 1.0]], extent=(0, 0, 200, 10), alpha=1.0))
    r, g, b = img[5, 100].tolist()
    assert g > 200 and r < 200 and b < 200, (r, g, b)


def test_hairline_dashes_on_huge_shapes_do_not_hang():
    # 1e-4 px dashes around a circle of radius 3e6 would be ~1e10 dashes; drawn solid instead.
    scene = sv.background((0, 0, 50, 50)) + sv.circles([[25, 25]], [3e6], width=1e-4, dash="--", color="red") \
        + sv.boxes([[-3e6, -3e6, 3e6, 3e6]], width=1e-4, dash=":") + sv.circles([[25, 25]], [20], dash="--", width=2)
    img = sv.render(scene)
    ring = img[5, 20:31, 0]  # the top of the r=20 dashed green circle: dashes and gaps
    assert (ring < 128).any() and (ring > 200).any()
