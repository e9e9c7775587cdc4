"""Annotation colors and sizes: stable class colors, instance shades, readable label text,
palettes from dataset_meta, and font sizes that follow the image and the box."""
import numpy as np
import pytest

import scenevis as sv
from scenevis import annotate
from scenevis.annotate.labels import base_font_size, box_font_sizes, class_names, label_texts
from scenevis.annotate.palettes import class_colors, contrast_ratio, instance_rank, instance_shades, \
    relative_luminance, resolve_palette, text_colors
from scenevis.nodes import Boxes, Masks, Texts
from scenevis.renderer.flatten import flatten


def nodes_of(scene, kind):
    return [op for op in flatten(scene) if isinstance(op.node, kind)]


def test_wcag_luminance_and_contrast_match_the_reference_values():
    assert relative_luminance([[255, 255, 255]])[0] == pytest.approx(1.0)
    assert relative_luminance([[0, 0, 0]])[0] == pytest.approx(0.0)
    assert contrast_ratio([[0, 0, 0]], [[255, 255, 255]])[0] == pytest.approx(21.0)
    assert contrast_ratio([[119, 119, 119]], [[255, 255, 255]])[0] == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize("palette", ["default", "colorblind"])
def test_label_text_reaches_wcag_aa_on_every_palette_color(palette):
    colors = resolve_palette(palette).take(np.arange(64))
    assert contrast_ratio(text_colors(colors), colors).min() >= 4.5


def test_label_text_reaches_wcag_aa_on_any_color():
    rng = np.random.default_rng(0)
    colors = np.concatenate([rng.integers(0, 256, (5000, 3)), np.full((5000, 1), 255)], axis=1).astype(np.uint8)
    ratios = contrast_ratio(text_colors(colors), colors)
    assert ratios.min() >= 4.5
    assert set(map(tuple, text_colors(colors)[:, :3].tolist())) == {(0, 0, 0), (255, 255, 255)}


def test_drawn_label_text_color_contrasts_with_its_box():
    scene = annotate.instances(bboxes=[[10, 30, 60, 80], [80, 30, 150, 80]], labels=[3, 11], scores=[0.9, 0.5],
                               canvas=(200, 100))
    op = nodes_of(scene, Texts)[0]  # each label is a text on its own background box
    assert len(op.node.background) == 2
    assert contrast_ratio(op.style.color, op.node.background).min() >= 4.5


def test_class_colors_are_stable_and_independent_of_the_other_instances():
    first = class_colors([0, 5, 7], resolve_palette())
    again = class_colors([7, 0, 5, 5], resolve_palette())
    np.testing.assert_array_equal(first[[2, 0, 1]], again[:3])
    # pinned: same class, same color, in every run
    assert [tuple(c) for c in first[:, :3].tolist()] == [tuple(c) for c in sv.DEFAULT_PALETTE.colors[[0, 5, 7]].tolist()]


def test_instances_of_one_class_get_distinct_deterministic_shades():
    palette = resolve_palette()
    labels = np.array([2, 2, 2, 2, 2, 2, 2, 2, 4])
    shades = instance_shades(labels, palette)
    np.testing.assert_array_equal(shades, instance_shades(labels, palette))
    np.testing.assert_array_equal(shades[0], palette.take([2])[0])  # the first keeps the class color
    np.testing.assert_array_equal(shades[8], palette.take([4])[0])
    same = shades[:8, :3].astype(float)
    gaps = np.linalg.norm(same[:, None] - same[None], axis=2)[np.triu_indices(8, 1)]
    assert gaps.min() > 12  # every pair of the 8 instances visibly differs
    ids = instance_shades(np.array([2, 2]), palette, index=np.array([5, 0]))
    np.testing.assert_array_equal(ids[0], shades[5])
    np.testing.assert_array_equal(ids[1], shades[0])


def test_instance_rank_counts_earlier_items_of_the_same_class():
    assert instance_rank(np.array([3, 1, 3, 3, 1, 0])).tolist() == [0, 0, 1, 2, 1, 0]


def test_masks_are_shaded_per_instance_and_boxes_keep_the_class_color():
    masks = np.zeros((3, 40, 60), bool)
    masks[0, 5:20, 5:20] = masks[1, 5:20, 25:40] = masks[2, 22:38, 5:50] = True
    scene = annotate.instances(masks=masks, labels=[1, 1, 1], bboxes=[[5, 5, 20, 20], [25, 5, 40, 20], [5, 22, 50, 38]])
    (op,) = nodes_of(scene, Masks)  # one node: each mask's crop, then its outline, in its color
    node = op.node
    assert node.count == 6 and node.style.alpha.tolist() == [0.5, 1.0] * 3
    colors = node.style.color.tolist()
    assert colors[0::2] == colors[1::2] and len({tuple(c) for c in colors}) == 3
    box_colors = nodes_of(scene, Boxes)[0].style.color
    assert len({tuple(c) for c in box_colors.tolist()}) == 1


@pytest.mark.parametrize("palette", ["colorblind", sv.COLORBLIND_PALETTE])
def test_colorblind_palette_option(palette):
    scene = annotate.instances(bboxes=[[10, 10, 50, 50]], labels=[1], canvas=(100, 100), palette=palette)
    color = nodes_of(scene, Boxes)[0].style.color[0]
    assert tuple(color[:3]) == (0x56, 0xb4, 0xe9)


def test_classes_and_palette_come_from_dataset_meta():
    meta = {"classes": ("cat", "dog"), "palette": [(10, 200, 30), (200, 20, 20)]}
    scene = annotate.instances(bboxes=[[10, 10, 50, 50]], labels=[1], scores=[0.874], canvas=(100, 100),
                               dataset_meta=meta)
    assert tuple(nodes_of(scene, Boxes)[0].style.color[0][:3]) == (200, 20, 20)
    assert nodes_of(scene, Texts)[0].node.strings == ("dog 87.4",)
    # MMDetection's palette names ('random', 'coco') fall back to our stable default
    assert resolve_palette(None, {"palette": "random"}) is sv.DEFAULT_PALETTE
    with pytest.raises(ValueError, match="palette"):
        resolve_palette("rainbow")


def test_label_texts_and_class_names():
    assert label_texts(["person", "car"], np.array([0.87, 0.1234])) == ["person 87.0", "car 12.3"]
    assert label_texts(["person"], None) == ["person"]
    assert class_names([0, 5], ("a", "b")) == ["a", "class 5"]
    assert class_names([0], None) == ["class 0"]
    assert class_names([0], ("a",), label_names=["custom"]) == ["custom"]


def test_font_size_follows_the_image_and_the_box_within_bounds():
    assert base_font_size(64, 48) == 11.0
    assert base_font_size(640, 480) == pytest.approx(np.sqrt(640 * 480) / 40)
    assert base_font_size(3840, 2160) == 26.0
    base = base_font_size(1280, 720)
    sizes = box_font_sizes(np.array([[0, 0, 10, 10], [0, 0, 100, 100], [0, 0, 600, 600]]), base)
    assert sizes[0] < sizes[1] < sizes[2] == base
    assert sizes[0] >= 0.75 * base - 0.5 and sizes.min() >= 9
    small = annotate.instances(bboxes=[[5, 5, 30, 30]], labels=[0], canvas=(320, 240))
    large = annotate.instances(bboxes=[[5, 5, 30, 30]], labels=[0], canvas=(1920, 1080))
    assert nodes_of(small, Texts)[0].style.font_size[0] < nodes_of(large, Texts)[0].style.font_size[0]
