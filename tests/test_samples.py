"""The sample data the docs and examples run on: shapes, dtypes, and that each sample
says what its docstring says about the photo."""
import numpy as np
import pytest

from scenevis import annotate, samples


@pytest.mark.parametrize("size", [(640, 427), (320, 214)])
def test_prediction_makes_the_mistakes_it_documents(size):
    gt, pred = samples.detections(*size), samples.prediction(*size)
    assert pred["bboxes"].dtype == np.float32 and pred["bboxes"].shape == (10, 4)
    assert pred["masks"].shape == (10, size[1], size[0]) and pred["scores"].shape == pred["labels"].shape == (10,)
    m = annotate.match(gt["bboxes"], gt["labels"], pred["bboxes"], pred["labels"], pred["scores"], iou=0.5)
    assert (m.tp.sum(), (~m.tp).sum(), m.missed.sum()) == (7, 3, 3)
    wrong = np.flatnonzero(~m.tp)
    kinds = {(samples.CLASSES[pred["labels"][i]], samples.CLASSES[gt["labels"][m.best_gt[i]]]) for i in wrong}
    assert ("person", "dog") in kinds and ("car", "car") in kinds       # wrong class; loose box
    assert pred["scores"][-1] == pytest.approx(0.38) and samples.CLASSES[pred["labels"][-1]] == "traffic light"
    assert m.best_iou[-1] == 0                                          # the false alarm covers nothing


def test_segmentation_maps_agree_with_each_other_and_the_objects():
    semantic, panoptic = samples.segmentation(320, 214)
    classes = samples.SEGMENTATION_META["classes"]
    assert semantic.shape == panoptic.shape == (214, 320) and semantic.dtype == np.int64
    assert classes[:len(samples.CLASSES)] == samples.CLASSES
    assert len(samples.SEGMENTATION_META["palette"]) == len(classes)
    assert set(np.unique(semantic)) <= set(range(len(classes)))
    np.testing.assert_array_equal(panoptic % 1000, semantic)
    det = samples.detections(320, 214)
    people = det["masks"][det["labels"] == 0]
    others = det["masks"][det["labels"] != 0].any(axis=0)
    assert (semantic[people.any(axis=0) & ~others] == 0).all()
    ids = np.unique(panoptic)
    things = ids % 1000 < len(samples.CLASSES)
    assert (ids[things] >= 1000).all() and (ids[~things] < 1000).all()   # instances for things only
    assert {i // 1000 for i in np.unique(panoptic[semantic == 0])} == set(range(1, len(people) + 1))


def test_poses_stand_in_their_peoples_boxes():
    det = samples.detections(640, 427)
    poses = samples.poses(640, 427)
    boxes = det["bboxes"][det["labels"] == 0]
    assert poses.shape == (len(boxes), 17, 2) and poses.dtype == np.float32
    for pose, (x0, y0, x1, y1) in zip(poses, boxes):
        assert x0 - 8 <= pose[:, 0].min() and pose[:, 0].max() <= x1 + 8
        assert y0 <= pose[:, 1].min() and pose[:, 1].max() <= y1


def test_features_peak_on_the_objects_and_channels_differ():
    feats = samples.features(64, 14, 20)
    assert feats.shape == (64, 14, 20) and feats.dtype == np.float32 and feats.min() >= 0
    mean = feats.mean(axis=0)
    objects = samples.detections(640, 448)["masks"][:, 16::32, 16::32].any(axis=0)
    assert mean[objects].mean() > 2 * mean[~objects].mean()
    assert len(np.unique(np.argsort(-feats.sum(axis=(1, 2)))[:8])) == 8
    assert np.array_equal(feats, samples.features(64, 14, 20)) and not np.array_equal(feats, samples.features(seed=1))
    with pytest.raises(ValueError, match="size"):
        samples.features(0, 14, 20)
