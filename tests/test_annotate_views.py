"""The annotation views, each pinned by a small golden image and checked for what must
hold whatever the pixels: ignored pixels untouched, invisible keypoints not drawn, the
error view's counts, legends that fit their text, real CJK glyphs."""
import numpy as np
import pytest

import scenevis as sv
from scenevis import annotate
from scenevis.annotate.compare import FP_COLOR, MISSED_COLOR, TP_COLOR
from scenevis.nodes import Boxes, Circles, Lines, Masks, Texts
from scenevis.renderer.flatten import flatten

from annotate_scenes import COCO_NAMES, backdrop, crowded, stick_figure, street_map
from golden_compare import assert_golden
from golden_scenes import (STREET, cjk_scene, compare_scene, crowded_scene, error_case, panoptic_map, panoptic_scene,
                           pose_people, pose_scene, semantic_scene)


def nodes_of(scene, kind):
    return [op.node for op in flatten(scene) if isinstance(op.node, kind)]


def test_golden_crowded_detection_100_boxes():
    scene = crowded_scene()
    texts = nodes_of(scene, Texts)[0]
    assert len(texts.strings) == 100
    assert_golden("annotate_crowded", sv.render(scene))


def test_golden_semantic_map_and_ignored_pixels_stay_untouched():
    seg, image = street_map(240, 160), backdrop(240, 160, 2)  # what semantic_scene draws
    picture = sv.render(semantic_scene())
    np.testing.assert_array_equal(picture[:4], image[:4])  # the 255 band (labels keep off it here)
    assert (picture[seg == 2] != image[seg == 2]).any(axis=1).mean() > 0.95
    assert_golden("annotate_semantic", picture)


def test_semantic_accepts_pixeldata_and_a_leading_axis():
    from mmengine.structures import PixelData
    import torch

    seg = street_map(120, 80)
    plain = sv.render(annotate.semantic(seg, classes=STREET))
    element = sv.render(annotate.semantic(PixelData(sem_seg=torch.from_numpy(seg)[None]), classes=STREET))
    np.testing.assert_array_equal(plain, element)
    with pytest.raises(ValueError, match="sem_seg"):
        annotate.semantic(seg, image=np.zeros((10, 10, 3), np.uint8))



def test_a_region_one_pixel_wide_is_drawn_and_outlined():
    """A (2, H, 1) stack of a region's fill and outline is two masks, not one mask with a
    channel axis."""
    seg = np.zeros((20, 30), np.int64)
    seg[5:15, 12] = 1
    scene = annotate.semantic(seg, classes=["ground", "pole"], show_labels=False)
    (node,) = nodes_of(scene, Masks)
    pole = np.flatnonzero(node.meta["label"] == "pole")
    assert len(pole) == 2 and [node.masks.crops[k].shape for k in pole] == [(10, 1), (10, 1)]
    assert node.masks.crops[pole[0]].all() and node.masks.boxes[pole[0]].tolist() == [12, 5, 13, 15]
    assert sv.render(scene).shape == (20, 30, 3)

@pytest.mark.parametrize("outlines", ["thickness", "edges"])
def test_mask_layers_are_one_node_painted_as_a_node_per_mask(outlines):
    """Every mask's fill and outline are items of one Masks node (fill then outline, mask
    after mask, each with its mask's metadata, empty masks left out), and paint what a
    node per mask paints, at 1:1 (numpy) and scaled (Cairo), masks at the image's edges too."""
    import re

    from scenevis.annotate.overlay import mask_layers
    from scenevis.annotate.regions import outline

    rng = np.random.default_rng(1)
    h, w = 30, 40
    masks = rng.random((5, h, w)) < 0.6
    masks[:, 12:20] = False
    masks[0, :5, :6] = masks[1, 25:, 34:] = True  # corners of the image
    masks[2] = False
    masks[3, :, 0] = True  # the left edge, whole
    edges = rng.random((h, w)) < 0.3
    colors = rng.integers(0, 256, (5, 4)).astype(np.uint8)
    names = np.array(["a", "b", "c", "d", "e"])
    image = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    options = {"thickness": 2} if outlines == "thickness" else {"edges": edges}
    drawn = sv.Group.of(sv.Image(image), mask_layers(masks, colors, 0.4, meta={"label": names}, **options))
    rings = [outline(m, 2) if outlines == "thickness" else m & edges for m in masks]
    each = sv.Group.of(sv.Image(image), *[Masks(np.stack([m, ring]), style=sv.Style(color=colors[i:i + 1], alpha=[0.4, 1.0]))
                                         for i, (m, ring) in enumerate(zip(masks, rings)) if m.any()])
    (node,) = nodes_of(drawn, Masks)
    assert node.meta["label"].tolist() == ["a", "a", "b", "b", "d", "d", "e", "e"]
    assert node.style.alpha.tolist() == [0.4, 1.0] * 4 and (node.x, node.y, node.masks.size) == (0, 0, (h, w))
    np.testing.assert_array_equal(node.masks.dense(), np.stack([masks[i // 2] if i % 2 == 0 else rings[i // 2]
                                                                for i in (0, 1, 2, 3, 6, 7, 8, 9)]))
    for scale in (1.0, 0.75, 1.5):
        np.testing.assert_array_equal(sv.render(drawn, scale=scale), sv.render(each, scale=scale))
    assert re.findall(r"<image [^>]*>(?:<title>(\w)</title>)?", sv.to_svg(drawn))[1:] == list("aabbddee")


def test_golden_panoptic_map_things_get_instance_shades():
    pan, scene = panoptic_map(), panoptic_scene()
    (node,) = nodes_of(scene, Masks)
    colors = {tuple(c[:3]) for c, a in zip(node.style.color.tolist(), node.style.alpha.tolist()) if a < 1}
    assert len(colors) == len(np.unique(pan[pan % 1000 != len(STREET)]))  # two people, two cars: all distinct
    texts = nodes_of(scene, Texts)[0]
    assert sorted(texts.strings) == sorted(["sky", "building", "road", "person", "person", "car", "car"])
    assert_golden("annotate_panoptic", sv.render(scene))


def test_golden_pose_and_invisible_points_are_not_drawn():
    people, _ = pose_people()  # the second one's left wrist (9) and ankle (15) hidden
    scene = pose_scene()
    circles = nodes_of(scene, Circles)[0]
    assert circles.count == 34 - 2
    picture = sv.render(scene)
    for k in (9, 15):
        x, y = people[1, k].astype(int)
        assert (picture[y, x] == 236).all()
    links = nodes_of(scene, Lines)[-1]
    assert links.count == 2 * 19 - 2  # each hidden point drops one link
    assert_golden("annotate_pose", picture)


def test_keypoints_accept_an_array_with_visibility_and_check_the_skeleton():
    points = np.concatenate([stick_figure(50, 10, 30), np.ones((17, 1))], axis=1)
    points[3, 2] = 0
    scene = annotate.keypoints(points, canvas=(100, 100))
    assert nodes_of(scene, Circles)[0].count == 16
    with pytest.raises(ValueError, match="skeleton"):
        annotate.keypoints(points, canvas=(100, 100), skeleton=[(0, 17)])


def test_match_is_greedy_by_score_and_per_class():
    gt, pred = error_case()
    m = annotate.match(gt["bboxes"], gt["labels"], pred["bboxes"], pred["labels"], pred["scores"], 0.5)
    assert m.tp.tolist() == [True, False, False, False]
    assert m.missed.tolist() == [False, True, True, True]
    assert m.best_gt[2] == 2 and m.best_iou[2] > 0.9  # right place, wrong class


def test_golden_compare_view_styles_and_legend():
    scene, bare = compare_scene(), compare_scene(legend_side=None)
    boxes = [b for b in nodes_of(bare, Boxes) if b.style.dash is not None and b.style.fill is None]
    styles = {(tuple(b.style.color[0]), b.style.dash[0]): b.count for b in boxes}
    assert styles == {(TP_COLOR, "-"): 1, (FP_COLOR, "--"): 3, (MISSED_COLOR, ":"): 3}
    strings = [s for t in nodes_of(scene, Texts) for s in t.strings]
    assert "true positive (1)" in strings and "false positive (3)" in strings and "missed (3)" in strings
    assert "dog 64.0 (gt car)" in strings and any(s.startswith("person 71.0 (IoU 0.") for s in strings)
    picture = sv.render(scene)
    assert picture.shape[0] == 200 and picture.shape[1] > 320  # the legend sits beside the image
    assert_golden("annotate_compare", picture)


def test_golden_cjk_labels_render_real_glyphs():
    picture = sv.render(cjk_scene())
    assert_golden("annotate_cjk", picture)
    # each of 人 and 大 has its own glyph (a missing-glyph box would draw them the same)
    one, two = (sv.render(annotate.instances(bboxes=[[10, 30, 90, 70]], labels=[0], classes=[name], canvas=(100, 80),
                                             font_size=16)) for name in ("\u4eba", "\u5927"))
    assert (one != two).any(axis=2).sum() > 20


def test_legend_fits_its_text_and_flows_into_columns():
    entries = [(name, sv.DEFAULT_PALETTE[i]) for i, name in enumerate(COCO_NAMES)]
    tall = annotate.legend(entries, font_size=12)
    wide = annotate.legend(entries, font_size=12, max_height=120)
    assert tall.extent.height > 200 and wide.extent.height <= 120
    assert wide.extent.width > tall.extent.width
    from scenevis.renderer.measure import text_size
    assert tall.extent.width >= text_size(["parking meter"], 12)[0, 0] + 12
    image = sv.image(backdrop(100, 80))
    placed = annotate.with_legend(image, annotate.legend(entries[:3]), "right")
    assert placed.extent.width > 100 and sv.render(placed).shape[0] == 80
    below = annotate.with_legend(image, annotate.legend(entries[:3]), "bottom")
    assert below.extent.height > 80
    with pytest.raises(ValueError, match="side"):
        annotate.with_legend(image, tall, "middle")
    with pytest.raises(TypeError, match="entries\\[0\\]"):
        annotate.legend(["cat"])
    assert isinstance(annotate.legend([]), sv.Empty)


def test_instances_from_plain_dicts_and_data_elements_draw_the_same():
    from mmengine.structures import InstanceData
    import torch

    data = crowded(12, 200, 150, seed=1)
    element = InstanceData(bboxes=torch.tensor(data["bboxes"], dtype=torch.float32),
                           labels=torch.tensor(data["labels"]), scores=torch.tensor(data["scores"]))
    a = sv.render(annotate.instances(data, canvas=(200, 150)))
    b = sv.render(annotate.instances(element, canvas=(200, 150)))
    assert (a != b).any(axis=2).mean() < 0.002  # float32 boxes may move an edge by a pixel
    with pytest.raises(ValueError, match="labels"):
        annotate.instances(bboxes=[[0, 0, 5, 5]], labels=[1, 2], canvas=(10, 10))
    with pytest.raises(ValueError, match="canvas"):
        annotate.instances(bboxes=np.zeros((0, 4)))
    with pytest.raises(ValueError, match="masks: expected \\(N, 150, 200\\)"):
        annotate.instances(masks=np.zeros((1, 10, 10), bool), labels=[0], canvas=(200, 150))
    empty = InstanceData(bboxes=torch.zeros(0, 4), labels=torch.zeros(0, dtype=torch.long), scores=torch.zeros(0))
    np.testing.assert_array_equal(sv.render(annotate.instances(empty, image=backdrop(40, 30))), backdrop(40, 30))


def test_builders_put_a_legend_of_the_classes_shown_beside_the_picture():
    data = {"bboxes": np.array([[10, 10, 60, 60], [70, 10, 120, 60], [20, 70, 90, 110.0]]), "labels": np.array([2, 0, 2])}
    scene = annotate.instances(data, image=backdrop(160, 120), classes=COCO_NAMES, legend_side="right")
    strings = [s for t in nodes_of(scene, Texts) for s in t.strings]
    assert strings[-2:] == ["car", "person"]  # legend entries, first seen first, each once
    assert scene.extent.width > 160 and scene.extent.height == 120
    seg = annotate.semantic(street_map(120, 80), classes=STREET, legend_side="bottom")
    assert seg.extent.height > 80 and seg.extent.width == 120
    assert {"sky", "building", "road", "person", "car"} <= {s for t in nodes_of(seg, Texts) for s in t.strings}
    with pytest.raises(ValueError, match="legend_side"):
        annotate.instances(data, canvas=(160, 120), legend_side="inside")
