"""SVG and PDF show the picture the raster render shows, for every golden scene: the SVG
opened in headless Chromium, the PDF rasterized by poppler's pdftoppm, each compared with
``scenevis.render``.

The semantic SVG (``to_svg``, scenevis's own SVG painter) is held to a mean absolute
difference of at most ``SVG_MAX_MEAN`` levels over all channels, besides
tests/golden_compare.py's ``assert_looks_like``. Measured over the 20 golden scenes
(Chromium 156): at most 0.75 levels (render_heatmap_text: the most text for its size;
annotate_crowded, 100 labels, 0.63); what differs is anti-aliasing at glyph and diagonal
edges, since glyphs land on the whole pixels Cairo puts them on. The drawing vocabulary,
as elements and SVG filters: vocabulary_rotated 0.21, vocabulary_markers (with halos)
0.14, vocabulary_effects 0.19. Cairo's own SVG
(``to_svg(outlines=True)``, text as glyph outlines) and the PDF are held to
``assert_looks_like`` alone, whose docstring gives the bound and the figures it was set
from. The goldens drawn without a scene (``draw_featmap``'s arrays) have no vector form
and are not here."""
import subprocess

import numpy as np
import pytest

import scenevis as sv
from scenevis import samples

from golden_compare import assert_looks_like, read_png
from golden_scenes import SCENES, overlay_with_labels, shapes_scene


def pdf_picture(scene, folder) -> np.ndarray:
    """The PDF of ``scene`` rasterized by pdftoppm at 72 dpi (one pixel per point)."""
    path = folder / "scene.pdf"
    path.write_bytes(sv.to_pdf(scene))
    subprocess.run(["pdftoppm", "-png", "-r", "72", "-singlefile", str(path), str(folder / "page")],
                   check=True, timeout=120)
    return read_png(folder / "page.png")


#: The semantic SVG in Chromium against the raster: mean absolute difference, levels.
SVG_MAX_MEAN = 2.0


def svg_picture(chromium, scene, size, **options) -> np.ndarray:
    return chromium.screenshot_svg(sv.to_svg(scene, **options), size)


def mean_difference(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a[..., :3].astype(np.int16) - b[..., :3].astype(np.int16)).mean())


@pytest.fixture(scope="module")
def scenes():
    """Each golden scene and its raster render, built once for both formats."""
    built = {}

    def get(name):
        if name not in built:
            scene = SCENES[name]()
            built[name] = (scene, sv.render(scene))
        return built[name]

    return get


@pytest.mark.parametrize("name", sorted(SCENES))
def test_svg_in_chromium_looks_like_the_raster(chromium, scenes, name):
    scene, raster = scenes(name)
    picture = svg_picture(chromium, scene, raster.shape[1::-1])
    assert_looks_like(raster, picture, f"{name}.svg in Chromium")
    mean = mean_difference(raster, picture)
    assert mean <= SVG_MAX_MEAN, f"{name}.svg in Chromium: mean difference {mean:.2f} > {SVG_MAX_MEAN} levels"


@pytest.mark.parametrize("name", sorted(SCENES))
def test_cairo_outline_svg_in_chromium_looks_like_the_raster(chromium, scenes, name):
    scene, raster = scenes(name)
    svg = sv.to_svg(scene, outlines=True)
    assert "<text" not in svg  # Cairo's SVG surface: glyphs as outlines
    assert_looks_like(raster, chromium.screenshot_svg(svg, raster.shape[1::-1]), f"{name}.svg (Cairo) in Chromium")


@pytest.mark.parametrize("name", sorted(SCENES))
def test_pdf_through_pdftoppm_looks_like_the_raster(scenes, name, tmp_path):
    scene, raster = scenes(name)
    assert_looks_like(raster, pdf_picture(scene, tmp_path), f"{name}.pdf through pdftoppm")


# The comparison can fail: vector output of a scene with something left out or changed,
# held against the raster render of the golden scene.

def overlay_parts():
    img, det = samples.photo(160, 107, seed=0), samples.detections(160, 107, seed=0)
    names = [f"{samples.CLASSES[l]} {s:.2f}" for l, s in zip(det["labels"][:3], det["scores"][:3])]
    return img, det, names


def test_an_svg_without_one_label_fails(chromium, scenes):
    img, det, names = overlay_parts()
    wrong = overlay_with_labels(img, det, names[:1] + names[2:])
    raster = scenes("render_overlay")[1]
    with pytest.raises(AssertionError, match=r"overlay.svg: \d\.\d+% of the pixels differ"):
        assert_looks_like(raster, svg_picture(chromium, wrong, (160, 107)), "overlay.svg")


def test_an_svg_with_labels_a_pixel_off_fails_the_mean(chromium, scenes):
    img, det, names = overlay_parts()
    shifted = overlay_scene_with_labels_at(img, det, names, det["bboxes"][:3, :2] + [1, 0])
    raster = scenes("render_overlay")[1]
    mean = mean_difference(raster, svg_picture(chromium, shifted, (160, 107)))
    assert mean > SVG_MAX_MEAN, mean


def overlay_scene_with_labels_at(img, det, names, positions):
    return (sv.image(img) + sv.masks(det["masks"], class_ids=det["labels"])
            + sv.boxes(det["bboxes"], class_ids=det["labels"], width=1)
            + sv.texts(names, positions, color="white", font_size=9, valign="bottom", pad=1,
                       background=sv.DEFAULT_PALETTE.take(det["labels"][:3])))


def test_an_svg_with_boxes_in_another_color_fails(chromium, scenes):
    img, det, names = overlay_parts()
    wrong = (sv.image(img) + sv.masks(det["masks"], class_ids=det["labels"]) + sv.boxes(det["bboxes"], color="red")
             + sv.texts(names, det["bboxes"][:3, :2], color="white", font_size=9, valign="bottom", pad=1,
                        background=sv.DEFAULT_PALETTE.take(det["labels"][:3])))
    with pytest.raises(AssertionError, match="overlay.svg"):
        assert_looks_like(scenes("render_overlay")[1], svg_picture(chromium, wrong, (160, 107)), "overlay.svg")


def test_a_pdf_without_the_dashed_line_fails(scenes, tmp_path):
    shapes = shapes_scene()
    wrong = sv.Group.of(*[child for child in shapes.children if not isinstance(child, sv.nodes.Lines)])
    assert len(wrong.children) == len(shapes.children) - 1
    with pytest.raises(AssertionError, match="shapes.pdf"):
        assert_looks_like(scenes("render_shapes")[1], pdf_picture(wrong, tmp_path), "shapes.pdf")


def test_a_picture_of_another_size_fails():
    with pytest.raises(AssertionError, match="x.svg: size 9x8 != raster 10x8"):
        assert_looks_like(np.zeros((8, 10, 3), np.uint8), np.zeros((8, 9, 3), np.uint8), "x.svg")
