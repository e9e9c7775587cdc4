"""Per-item metadata, named layers, ``Scene.filter`` and ``Scene.restyle`` (issue 16 §2).

A filtered or restyled scene is held to the scene built directly from the kept items with
their styles: the same pixels, by ``render``."""
import pickle

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import scenevis as sv
from scenevis import annotate, samples
from scenevis.nodes.items import EMPTY_META
from scenevis.renderer.flatten import flatten
from scenevis.style import Style

from golden_scenes import datasample_scene

BOXES = np.array([[2, 2, 20, 14], [10, 6, 40, 30], [30, 2, 58, 20], [5, 25, 25, 38]], float)
META = {"label": ["person", "car", "person", "dog"], "score": [0.9, 0.4, 0.75, 0.2], "id": [0, 1, 2, 3],
        "crowd": [False, False, True, False]}


def every_shape(meta=META, rows=(0, 1, 2, 3)):
    """One node of every shape type with four items, each given ``meta``; with ``rows``,
    built from those items only (and their per-item styles), as a user would."""
    rows = list(rows)

    def sub(values):
        return [values[i] for i in rows]

    meta = {key: sub(values) for key, values in meta.items()}
    masks = np.zeros((4, 40, 60), bool)
    for k, (x0, y0, x1, y1) in enumerate(BOXES.astype(int)):
        masks[k, y0:y1, x0:x1] = True
    paths = [[[2, 2], [9, 30], [20, 3]], [[30, 30], [50, 5]], [[40, 38], [58, 38], [58, 20], [45, 25]],
             [[1, 39], [59, 1]]]
    rings = [[[2, 2], [18, 2], [10, 16]], [[[20, 20], [40, 20], [40, 38], [20, 38]], [[25, 25], [30, 25], [30, 30]]],
             [[44, 4], [58, 4], [58, 16], [44, 16]], [[2, 30], [10, 24], [16, 36]]]
    boxes, classes, colors = BOXES[rows], sub([0, 1, 0, 2]), sub(["red", "g", "b", "m"])
    return {
        "boxes": sv.boxes(boxes, class_ids=classes, width=sub([1, 2, 3, 2]), meta=meta),
        "points": sv.points(boxes[:, :2], radius=sub([2, 3, 4, 5]), class_ids=classes, meta=meta),
        "circles": sv.circles(boxes[:, 2:], sub([3, 4, 5, 6]), color=colors, fill="yellow", meta=meta),
        "lines": sv.lines(sub(paths), color=colors, width=2, dash=sub(["-", "--", ":", "-"]), meta=meta),
        "polygons": sv.polygons(sub(rings), class_ids=sub([3, 1, 0, 2]), fill="orange", meta=meta),
        "masks": sv.masks(masks[rows], class_ids=classes, alpha=sub([0.3, 0.5, 0.7, 0.9]), meta=meta),
        "texts": sv.texts(sub(["a", "bb", "ccc", "dddd"]), boxes[:, :2], font_size=sub([9, 10, 11, 12]),
                          background=sub(["white", "yellow", "cyan", "pink"]), pad=sub([1, 2, 3, 4]), meta=meta),
        "rotated_boxes": sv.rotated_boxes(np.concatenate([(boxes[:, :2] + boxes[:, 2:]) / 2, boxes[:, 2:] - boxes[:, :2],
                                                          np.array(sub([0, 10, 20, 30]), float)[:, None]], axis=1),
                                          angle_unit="deg", color=colors, width=2, meta=meta),
        "markers": sv.markers(boxes, "triangle", size=sub([5, 6, 7, 8]), color=colors, fill="white", meta=meta),
    }


def canvas(*layers):
    return sv.image(np.full((40, 60, 3), 90, np.uint8)) + sv.Group.of(*layers)


def picture(scene):
    return sv.render(scene, size=(60, 40))


# ------------------------------------------------------------------------------ meta

@pytest.mark.parametrize("kind", sorted(every_shape()))
def test_every_shape_constructor_takes_meta(kind):
    node = every_shape()[kind]
    assert list(node.meta) == ["label", "score", "id", "crowd"]
    assert node.meta["label"].dtype.kind == "U" and node.meta["score"].dtype == np.float64
    assert node.meta["id"].dtype == np.int64 and node.meta["crowd"].dtype == np.bool_
    for column in node.meta.values():
        assert not column.flags.writeable
    with pytest.raises(TypeError):
        node.meta["new"] = [1, 2, 3, 4]


def test_meta_is_copied_from_the_callers_arrays():
    scores = np.array([0.9, 0.4, 0.75, 0.2])
    node = sv.boxes(BOXES, meta={"score": scores})
    scores[0] = 0.0
    assert node.meta["score"][0] == 0.9


def test_a_node_without_meta_shares_the_empty_meta():
    assert sv.boxes(BOXES).meta is EMPTY_META
    assert sv.Boxes(BOXES).meta is EMPTY_META
    assert sv.boxes(BOXES, meta={}).meta is EMPTY_META


@pytest.mark.parametrize("meta, error, match", [
    ({"score": [0.1, 0.2]}, ValueError, r"meta\['score'\]: expected 4 values \(one per item of boxes\), got 2"),
    ({"score": 0.5}, TypeError, r"meta\['score'\]: expected a sequence of values"),
    ({"label": "person"}, TypeError, r"meta\['label'\]: expected a sequence"),
    ({"x": [[1, 2]] * 4}, ValueError, r"meta\['x'\]: expected a 1-D sequence"),
    ({"x": [None] * 4}, TypeError, r"meta\['x'\]"),
    ({"x": [1, "a", 2, 3]}, TypeError, r"meta\['x'\]"),
    ({"bad key": [1] * 4}, ValueError, r"meta: expected keys of letters"),
    ({3: [1] * 4}, ValueError, r"meta: expected keys"),
    ([1, 2], TypeError, r"meta: expected a dict"),
])
def test_bad_meta_is_refused_by_name(meta, error, match):
    with pytest.raises(error, match=match):
        sv.boxes(BOXES, meta=meta)


def test_title_is_stored_as_meta_title():
    node = sv.boxes(BOXES[:2], title=["first box", "second box"], meta={"id": [7, 8]})
    assert node.meta["title"].tolist() == ["first box", "second box"]
    assert node.meta["id"].tolist() == [7, 8]
    with pytest.raises(ValueError, match="title: given both"):
        sv.boxes(BOXES[:2], title=["a", "b"], meta={"title": ["c", "d"]})
    with pytest.raises(TypeError, match="title: expected a string per item"):
        sv.boxes(BOXES[:2], title=[1, 2])


def test_meta_takes_part_in_equality_and_survives_pickling():
    a = sv.boxes(BOXES, meta=META)
    assert a == sv.boxes(BOXES, meta=dict(reversed(list(META.items()))))
    assert a != sv.boxes(BOXES, meta={**META, "score": [0.9, 0.4, 0.75, 0.3]})
    assert a != sv.boxes(BOXES, meta={**META, "id": [0.0, 1.0, 2.0, 3.0]})  # int ids are not float ids
    assert a != sv.boxes(BOXES)
    for node in every_shape().values():
        back = pickle.loads(pickle.dumps(node))
        assert back == node and back.meta == node.meta
        assert not back.meta["score"].flags.writeable


def test_meta_survives_composition_and_transforms():
    nodes = every_shape()
    scene = (canvas(*nodes.values()).translate(5, 3).scale(2) | sv.image(np.zeros((4, 4, 3), np.uint8))).named("all")
    drawn = [op.node for op in flatten(scene) if isinstance(op.node, sv.nodes.Shape)]
    assert drawn == list(nodes.values())
    assert all(node.meta == nodes["boxes"].meta for node in drawn)


# ------------------------------------------------------------------------------ named layers

def test_named_layers_are_found_by_path_and_kept_by_plus_and_transforms():
    boxes = sv.boxes(BOXES, meta=META)
    scene = sv.image(np.zeros((40, 60, 3), np.uint8)) + (boxes.named("boxes") + sv.texts(["a"], [[1, 1]])).named("pred")
    scene = (scene + sv.Empty()).translate(3, 4)
    assert scene.layer_names == ("pred", "pred/boxes")
    assert scene.layer("pred/boxes").children == (boxes,)
    assert scene.layer("pred").name == "pred"
    moved = boxes.named("boxes").translate(5, 0)
    assert moved.name == "boxes" and moved.transform.c == 5 and moved.children == (boxes,)
    assert (boxes.named("a") + boxes.named("b")).layer_names == ("a", "b")
    assert [op.layers for op in flatten(scene)] == [(), ("pred", "boxes"), ("pred",)]
    assert np.array_equal(sv.render(scene), sv.render(sv.image(np.zeros((40, 60, 3), np.uint8)) + boxes
                                                      + sv.texts(["a"], [[1, 1]])))


@pytest.mark.parametrize("name, error", [("", ValueError), ("two words", ValueError), ("a/b", ValueError),
                                         ("1st", ValueError), (3, TypeError)])
def test_bad_layer_names_are_refused(name, error):
    with pytest.raises(error, match="name: expected"):
        sv.boxes(BOXES).named(name)


def test_an_unknown_layer_names_the_known_ones():
    scene = sv.boxes(BOXES).named("gt") + sv.boxes(BOXES).named("pred")
    with pytest.raises(ValueError, match=r"path: expected one of the scene's named layers \['gt', 'pred'\], got 'x'"):
        scene.layer("x")


# ------------------------------------------------------------------------------ filter

@pytest.mark.parametrize("kind", sorted(every_shape()))
def test_filter_draws_what_the_kept_items_alone_draw(kind):
    node = every_shape()[kind]
    kept = node.take(np.array([True, False, True, False]))
    assert kept.count == 2 and kept.meta["label"].tolist() == ["person", "person"]
    filtered = canvas(node).filter(lambda m: m["label"] == "person")
    assert filtered == canvas(kept)
    alone = every_shape(rows=[0, 2])[kind]  # the same two items, built apart
    assert filtered == canvas(alone)
    assert np.array_equal(picture(filtered), picture(canvas(alone)))
    assert not np.array_equal(picture(filtered), picture(canvas(node)))


@pytest.mark.parametrize("kind", sorted(every_shape()))
def test_take_reorders_items_and_keeps_arrays_read_only(kind):
    node = every_shape()[kind]
    taken = node.take([3, 1])
    assert taken.meta["id"].tolist() == [3, 1]
    for value in [getattr(taken, f) for f in type(taken).__attrs_attrs__.__dict__ if not f.startswith("_")]:
        if isinstance(value, np.ndarray):
            assert not value.flags.writeable
    assert taken.take([1, 0]).meta == node.take([1, 3]).meta
    assert node.take(np.ones(4, bool)) == node


def test_filter_keeps_nodes_without_the_keys_unchanged():
    plain = sv.boxes(BOXES)
    other = sv.points(BOXES[:, :2], meta={"kind": ["a", "b", "c", "d"]})
    scene = canvas(plain, other, sv.heatmap(np.ones((2, 3)), extent=(0, 0, 60, 40)))
    assert scene.filter(lambda m: m["score"] > 0.5) is scene
    assert scene.restyle(lambda m: m["score"] > 0.5, color="red") is scene


def test_filter_drops_the_items_that_share_an_id_with_dropped_items():
    boxes = sv.boxes(BOXES, meta=META)
    labels = sv.texts(["p", "c", "p", "d"], BOXES[:, :2], meta={"id": META["id"]})
    captions = sv.texts(["x", "y"], [[0, 0], [9, 9]], meta={"id": ["1", "3"]})  # string ids: other items
    kept = (boxes + labels + captions).filter(lambda m: m["score"] > 0.5)
    assert kept.children[0].meta["id"].tolist() == [0, 2]
    assert kept.children[1].strings == ("p", "p")
    assert kept.children[2] is captions


def test_filter_keeps_groups_styles_clips_and_names():
    boxes = sv.boxes(BOXES, meta=META)
    scene = boxes.styled(color="blue").clipped((0, 0, 30, 30)).named("pred").translate(2, 2)
    kept = scene.filter(lambda m: ~m["crowd"])
    assert kept.name == "pred" and kept.transform == scene.transform
    inner = kept.children[0]  # the style and the clip, folded into one group
    assert inner.clip == scene.children[0].clip and inner.style == scene.children[0].style
    assert inner.children[0].count == 3


def test_a_predicate_must_answer_one_boolean_per_item():
    scene = sv.boxes(BOXES, meta=META)
    with pytest.raises(TypeError, match=r"predicate: expected a boolean array .* dtype float64 for Boxes"):
        scene.filter(lambda m: m["score"])
    with pytest.raises(ValueError, match=r"predicate: expected 4 booleans \(one per item of Boxes\), got shape \(2,\)"):
        scene.filter(lambda m: m["score"][:2] > 0)
    with pytest.raises(TypeError, match="predicate: expected a function"):
        scene.filter("score > 0.5")
    assert scene.filter(lambda m: True) is scene
    assert scene.filter(lambda m: False).count == 0


def test_a_filter_that_keeps_nothing_draws_the_rest():
    scene = canvas(*every_shape().values())
    assert np.array_equal(picture(scene.filter(lambda m: m["id"] < 0)), picture(canvas()))


def test_filter_walks_deep_trees():
    scene = sv.boxes(BOXES, meta=META)
    for _ in range(5000):
        scene = sv.Group(children=(scene,), style=Style(width=1))  # styled() would fold them into one
    kept = scene.filter(lambda m: m["id"] == 1)
    for _ in range(5000):
        kept = kept.children[0]
    assert kept.count == 1


meta_values = st.lists(st.tuples(st.floats(0, 1), st.sampled_from(["a", "b", "c"])), min_size=4, max_size=4)


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(sorted(every_shape())), meta_values, st.floats(0, 1), st.sampled_from(["a", "b", "c"]))
def test_filter_is_take_of_the_predicate(kind, rows, threshold, label):
    meta = {"score": [r[0] for r in rows], "label": [r[1] for r in rows]}
    node = every_shape(meta)[kind]
    keep = (np.array(meta["score"]) >= threshold) | (np.array(meta["label"]) == label)
    filtered = canvas(node).filter(lambda m: (m["score"] >= threshold) | (m["label"] == label))
    assert np.array_equal(picture(filtered), picture(canvas(every_shape(meta, np.flatnonzero(keep))[kind])))


# ------------------------------------------------------------------------------ restyle

def test_restyle_recolors_one_class_and_leaves_the_others_as_drawn():
    boxes = sv.Boxes(BOXES, meta=META)  # no style of its own: inherits blue, width 3 from its group
    scene = canvas(boxes.styled(color="blue", width=3))
    red = scene.restyle(lambda m: m["label"] == "person", color="red")
    expected = canvas(sv.boxes(BOXES, color=["red", "blue", "red", "blue"], width=3))
    assert np.array_equal(picture(red), picture(expected))


def test_restyle_thickens_low_score_boxes_and_dashes_them():
    scene = canvas(sv.boxes(BOXES, class_ids=[0, 1, 0, 2], meta=META))
    thick = scene.restyle(lambda m: m["score"] < 0.5, width=4, dash="--")
    expected = canvas(sv.boxes(BOXES, class_ids=[0, 1, 0, 2], width=[2, 4, 2, 4], dash=["-", "--", "-", "--"]))
    assert np.array_equal(picture(thick), picture(expected))
    assert np.array_equal(picture(scene.restyle(lambda m: m["score"] >= 0, width=4, dash="--")),
                          picture(canvas(sv.boxes(BOXES, class_ids=[0, 1, 0, 2], width=4, dash="--"))))


@pytest.mark.parametrize("kind", sorted(every_shape()))
def test_restyle_of_every_shape_changes_only_the_chosen_items(kind):
    node = every_shape()[kind]
    scene = canvas(node)
    changed = scene.restyle(lambda m: m["id"] == 2, color="white", alpha=1.0)
    assert not np.array_equal(picture(changed), picture(scene))
    same = scene.restyle(lambda m: m["id"] == 99, color="white")
    assert same is scene
    assert np.array_equal(picture(changed.filter(lambda m: m["id"] != 2)), picture(canvas(every_shape(rows=[0, 1, 3])[kind])))


def test_restyle_refuses_what_cannot_be_per_item():
    scene = sv.texts(["a", "b"], [[0, 0], [5, 5]], meta={"id": [0, 1]})
    with pytest.raises(ValueError, match="font_family: is one setting per node; restyle can change it only for all"):
        scene.restyle(lambda m: m["id"] == 0, font_family="DejaVu Serif")
    assert scene.restyle(lambda m: m["id"] >= 0, font_family="DejaVu Serif").style.font_family == "DejaVu Serif"
    with pytest.raises(ValueError, match="restyle: expected style settings"):
        scene.restyle(lambda m: m["id"] == 0)
    with pytest.raises(TypeError):
        scene.restyle(lambda m: m["id"] == 0, colour="red")
    with pytest.raises(ValueError, match=r"color: expected one value \(for every chosen item\), got 2"):
        scene.restyle(lambda m: m["id"] == 0, color=["red", "blue"])


# ------------------------------------------------------------------------------ annotate and DetVisualizer

def shapes_of(scene):
    return [op for op in flatten(scene) if isinstance(op.node, sv.nodes.Shape) and op.node.count]


def test_annotate_instances_has_named_layers_and_meta_on_every_item():
    det = samples.detections(320, 214, seed=2)
    scene = annotate.instances(det, image=samples.photo(320, 214, seed=2), classes=samples.CLASSES,
                               score_thr=0.3, legend_side="right")
    assert scene.layer_names == ("masks", "boxes", "labels", "legend")
    kept = np.flatnonzero(det["scores"] >= 0.3)
    for op in shapes_of(scene):
        if op.layers == ("legend",):
            continue
        meta = op.node.meta
        assert set(meta) == {"class", "label", "score", "id"}, (op.layers, type(op.node).__name__)
        assert set(meta["id"].tolist()) <= set(kept.tolist())
        i = meta["id"]
        assert meta["label"].tolist() == [samples.CLASSES[c] for c in det["labels"][i]]
        assert np.array_equal(meta["score"], det["scores"][i]) and np.array_equal(meta["class"], det["labels"][i])
    boxes = scene.layer("boxes").children[0]
    assert boxes.meta["id"].tolist() == kept.tolist()


def test_filtering_a_detvisualizer_scene_filters_boxes_masks_and_labels_together():
    scene = datasample_scene()
    kept = scene.filter(lambda m: m["score"] > 0.8)
    assert np.array_equal(picture_of(kept), picture_of(datasample_scene(pred_score_thr=0.8)))
    assert not np.array_equal(picture_of(kept), picture_of(scene))
    red = scene.restyle(lambda m: m["label"] == "car", color="red")
    boxes = red.layer("pred/boxes").children[0]
    assert boxes.style.color[1].tolist() == [255, 0, 0, 255] and boxes.style.color[0].tolist() != [255, 0, 0, 255]


def picture_of(scene):
    return sv.render(scene)


def test_every_annotate_view_names_its_layers():
    from golden_scenes import compare_scene, panoptic_scene, pose_scene, semantic_scene, tracks_scene
    assert semantic_scene().layer_names == ("masks", "labels")
    assert panoptic_scene().layer_names == ("masks", "labels")
    assert pose_scene().layer_names == ("keypoints",)
    assert compare_scene().layer_names == ("boxes", "labels", "legend")
    assert tracks_scene().layer_names == ("trails", "masks", "boxes", "keypoints", "labels")
    masks = semantic_scene().layer("masks")
    assert {label for op in shapes_of(masks) for label in op.node.meta["label"].tolist()} == {
        "sky", "building", "road", "person", "car"}
    matches = {m for op in shapes_of(compare_scene().layer("boxes")) for m in op.node.meta["match"].tolist()}
    assert matches == {"true positive", "false positive", "missed"}
    pose = shapes_of(pose_scene())
    assert {tuple(op.node.meta) for op in pose} == {("id",), ("id", "keypoint")}
    track = tracks_scene()
    assert track.layer("boxes").children[0].meta["id"].tolist() == [4, 11]
    assert track.filter(lambda m: m["id"] == 4).layer("labels").children[0].strings[0].startswith("#4")


def test_halos_carry_metadata_and_filter_by_it():
    boxes = [[1, 1, 9, 9], [20, 20, 30, 30]]
    glow = sv.halo(boxes, meta={"label": ["car", "dog"], "score": [0.9, 0.5]}, title=["a car", "a dog"])
    svg = (sv.background((0, 0, 40, 40)) + glow).to_svg()
    assert "<title>a car</title>" in svg and 'data-label="dog"' in svg
    kept = glow.filter(lambda m: m["score"] > 0.6)
    assert kept.count == 1 and kept.regions.boxes.tolist() == [boxes[0]] and kept.meta["title"].tolist() == ["a car"]
    masks = np.zeros((2, 40, 40), bool)
    masks[0, 2:8, 2:8] = masks[1, 20:30, 20:30] = True
    second = sv.halo(masks, meta={"id": [1, 2]}).filter(lambda m: m["id"] == 2)
    canvas = sv.background((0, 0, 40, 40))
    assert np.array_equal(sv.render(canvas + second), sv.render(canvas + sv.halo(masks[1:], meta={"id": [2]})))
