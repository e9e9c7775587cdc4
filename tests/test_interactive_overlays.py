"""Interactive overlays: DetVisualizer.add_datasample hands the backends the sample's
annotations; W&B gets the image with box and mask overlays beside the picture (read back
from the offline run's files), MLflow the picture and a JSON artifact (read back with
MlflowClient)."""
import glob
import json
import os
import sys

import numpy as np
import pytest

from mlflow.tracking import MlflowClient
from PIL import Image

from scenevis.annotate.records import sample_annotations
from scenevis.backends._annotations import annotations_json, check_annotations, rle, wandb_overlays
from scenevis.det_visualizer import DetVisualizer

sys.path.insert(0, os.path.dirname(__file__))
import wandb_reader  # noqa: E402
from annotate_scenes import backdrop, street_map  # noqa: E402
from test_annotate_visualizer import CLASSES, dict_sample, element_sample, sample_arrays  # noqa: E402


def unrle(encoded):
    """COCO's uncompressed RLE back to an (H, W) bool mask (written here, not taken from the code)."""
    height, width = encoded["size"]
    flat = np.zeros(height * width, bool)
    pos, value = 0, False
    for count in encoded["counts"]:
        flat[pos:pos + count] = value
        pos, value = pos + count, not value
    assert pos == height * width
    return flat.reshape((width, height)).T


def png(path):
    with Image.open(path) as image:
        return np.asarray(image)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """One SQLite tracking store for the module (creating its tables takes seconds)."""
    uri = f"sqlite:///{tmp_path_factory.mktemp('mlflow-store')}/tracking.db"
    MlflowClient(uri).search_experiments()
    return uri


def wandb_records(save_dir):
    """The records of the one offline run, once wandb-core has written its exit record."""
    (path,) = glob.glob(str(save_dir / "vis_data" / "wandb" / "offline-run-*" / "run-*.wandb"))
    return os.path.join(os.path.dirname(path), "files"), wandb_reader.records_with_exit(path)


def expected_layer(masks, labels, sem=None):
    """What the W&B mask must hold: label + 1 per pixel, later instances over earlier ones
    over the semantic map, 0 where nothing (or the ignored class 255) is."""
    layer = np.zeros(masks.shape[1:] if masks is not None else sem.shape, np.uint8)
    if sem is not None:
        layer[sem != 255] = sem[sem != 255] + 1
    for mask, label in zip(masks if masks is not None else (), labels):
        layer[mask] = label + 1
    return layer


@pytest.mark.parametrize("make", [dict_sample, element_sample])
def test_wandb_and_mlflow_get_the_overlays_beside_the_picture(offline, store, make):
    mlflow = dict(type="MLflowVisBackend", tracking_uri=store, exp_name=f"overlays_{make.__name__}",
                  artifact_location=str(offline / "mlruns"))
    vis = DetVisualizer(name=f"overlays_{make.__name__}", save_dir=str(offline), strict=True,
                        vis_backends=[dict(type="WandbVisBackend"), mlflow, dict(type="LocalVisBackend")])
    vis.dataset_meta = {"classes": CLASSES}
    image = backdrop(240, 160, 6)
    vis.add_datasample("val/0001.jpg", image, make(), step=4)
    picture = vis.get_image()
    run_id = vis.get_backend("MLflowVisBackend").run_id
    vis.close()
    gt, pred = sample_arrays()
    kept = pred["scores"] > 0.3  # pred_score_thr, as in the picture

    # -- W&B: the flat picture and, in the same row, the sample's image with its overlays.
    files, records = wandb_records(offline)
    (row,) = wandb_reader.history(records)
    assert row["step"] == 4  # the caller's step, as WandbVisBackend records it
    assert np.array_equal(png(os.path.join(files, row["val/0001.jpg/path"])), picture)
    key = "val/0001.jpg_interactive"
    assert row[f"{key}/_type"] == "image-file"
    assert np.array_equal(png(os.path.join(files, row[f"{key}/path"])), image)
    groups = {}
    for group in ("ground_truth", "predictions"):
        assert row[f"{key}/boxes/{group}/_type"] == "boxes2D"
        with open(os.path.join(files, row[f"{key}/boxes/{group}/path"])) as handle:
            groups[group] = json.load(handle)
    class_labels = {"1": "sky", "2": "building", "3": "road", "4": "person", "5": "car"}
    truth = groups["ground_truth"]
    assert truth["class_labels"] == class_labels
    assert [b["class_id"] for b in truth["box_data"]] == (gt["labels"] + 1).tolist()
    assert [b["box_caption"] for b in truth["box_data"]] == ["person", "car"]
    assert [[b["position"][k] for k in ("minX", "minY", "maxX", "maxY")] for b in truth["box_data"]] == \
        gt["bboxes"].tolist()
    assert all(b["domain"] == "pixel" and "scores" not in b for b in truth["box_data"])
    predicted = groups["predictions"]["box_data"]
    assert [b["class_id"] for b in predicted] == (pred["labels"][kept] + 1).tolist()
    assert [b["box_caption"] for b in predicted] == ["person 0.91", "car 0.77"]
    assert [b["scores"]["score"] for b in predicted] == pytest.approx(pred["scores"][kept].tolist())
    assert [[b["position"][k] for k in ("minX", "minY", "maxX", "maxY")] for b in predicted] == \
        pred["bboxes"][kept].tolist()
    # Masks: the ground truth's semantic map, the kept predictions' instance masks.
    assert row[f"{key}/masks/ground_truth/_type"] == "mask"
    gt_layer = png(os.path.join(files, row[f"{key}/masks/ground_truth/path"]))
    assert np.array_equal(gt_layer, expected_layer(None, [], street_map(240, 160)))
    pred_layer = png(os.path.join(files, row[f"{key}/masks/predictions/path"]))
    assert np.array_equal(pred_layer, expected_layer(pred["masks"][kept], pred["labels"][kept]))
    config = wandb_reader.config(records)
    assert json.dumps(config).count('"person"') >= 2  # the mask layers' class labels are in the run

    # -- MLflow: the picture and the annotations as a JSON artifact beside it.
    client = MlflowClient(store)
    assert sorted(a.path for a in client.list_artifacts(run_id, "val")) == ["val/0001.jpg_4.json",
                                                                           "val/0001.jpg_4.png"]
    download = offline / "download"
    assert np.array_equal(png(client.download_artifacts(run_id, "val/0001.jpg_4.png", str(download))), picture)
    with open(client.download_artifacts(run_id, "val/0001.jpg_4.json", str(download))) as handle:
        doc = json.load(handle)
    assert (doc["width"], doc["height"], doc["classes"]) == (240, 160, list(CLASSES))
    truth = doc["ground_truth"]
    assert [(i["label"], i["class_name"], i["bbox"]) for i in truth["instances"]] == [
        (3, "person", [30.0, 50.0, 80.0, 140.0]), (4, "car", [120.0, 90.0, 220.0, 140.0])]
    segments = {s["class_name"]: unrle(s["segmentation"]) for s in truth["sem_seg"]}
    assert sorted(segments) == ["building", "car", "person", "road", "sky"]  # not the ignored 255 band
    for index, name in enumerate(CLASSES):
        assert np.array_equal(segments[name], street_map(240, 160) == index)
    instances = doc["predictions"]["instances"]
    assert [(i["label"], i["class_name"]) for i in instances] == [(3, "person"), (4, "car")]
    assert [i["score"] for i in instances] == pytest.approx([0.91, 0.77])
    for item, mask in zip(instances, pred["masks"][kept]):
        assert np.array_equal(unrle(item["segmentation"]), mask)

    # -- Local: the picture as before (annotations are not its business).
    assert (offline / "vis_data" / "vis_image" / "val" / "0001.jpg_4.png").is_file()


def test_sample_annotations_follow_the_drawn_sides():
    image = backdrop(240, 160, 6)
    both = sample_annotations(image, dict_sample(), dataset_meta={"classes": CLASSES})
    assert set(both) == {"image", "classes", "ground_truth", "predictions"}
    assert both["predictions"]["scores"].tolist() == [0.91, 0.77]  # 0.12 is under pred_score_thr
    assert set(both["ground_truth"]) == {"bboxes", "labels", "sem_seg"}
    only_pred = sample_annotations(image, dict_sample(), draw_gt=False, pred_score_thr=0.0)
    assert set(only_pred) == {"image", "classes", "predictions"} and only_pred["classes"] is None
    assert len(only_pred["predictions"]["labels"]) == 3
    assert sample_annotations(image, None) is None
    assert sample_annotations(image, {"pred_instances": {"bboxes": np.zeros((0, 4)), "labels": np.zeros(0)}}) is None


def test_check_annotations_names_the_field():
    image = np.zeros((20, 30, 3), np.uint8)
    with pytest.raises(TypeError, match=r"annotations: expected a dict"):
        check_annotations([image])
    with pytest.raises(ValueError, match=r"annotations\['image'\]"):
        check_annotations({"classes": None})
    with pytest.raises(ValueError, match=r"annotations\['predictions'\]\['bboxes'\]: expected shape \(N, 4\)"):
        check_annotations({"image": image, "predictions": {"bboxes": np.zeros((2, 5)), "labels": [1, 2]}})
    with pytest.raises(ValueError, match=r"\['scores'\]: expected 2 entries"):
        check_annotations({"image": image, "predictions": {"bboxes": np.zeros((2, 4)), "labels": [1, 2],
                                                           "scores": [0.5]}})
    with pytest.raises(ValueError, match=r"\['labels'\]: expected one class label per instance"):
        check_annotations({"image": image, "ground_truth": {"bboxes": np.zeros((2, 4))}})
    with pytest.raises(ValueError, match=r"\['sem_seg'\]: expected shape \(20, 30\)"):
        check_annotations({"image": image, "ground_truth": {"sem_seg": np.zeros((30, 20), int)}})
    with pytest.raises(ValueError, match="expected keys among"):
        check_annotations({"image": image, "ground_truth": {"boxes": np.zeros((0, 4))}})
    with pytest.raises(TypeError, match=r"annotations\['classes'\]"):
        check_annotations({"image": image, "classes": "person"})


def test_rle_is_cocos_column_major_encoding():
    mask = np.zeros((3, 4), bool)
    mask[0, 0] = mask[1, 0] = mask[2, 3] = True
    assert rle(mask) == {"size": [3, 4], "counts": [0, 2, 9, 1]}
    rng = np.random.default_rng(3)
    for _ in range(20):
        mask = rng.random((int(rng.integers(1, 9)), int(rng.integers(1, 9)))) < 0.4
        assert np.array_equal(unrle(rle(mask)), mask)
    assert rle(np.zeros((2, 2), bool))["counts"] == [4] and rle(np.ones((2, 2), bool))["counts"] == [0, 4]


def test_wandb_overlays_without_class_names_and_with_too_many_classes():
    image = np.zeros((10, 10, 3), np.uint8)
    masks = np.zeros((2, 10, 10), bool)
    masks[0, :5] = masks[1, 3:8] = True  # the second instance covers part of the first
    ann = check_annotations({"image": image, "predictions": {"labels": [0, 2], "masks": masks}})
    boxes, layers = wandb_overlays(ann)
    assert boxes == {}  # masks without boxes
    assert layers["predictions"]["class_labels"] == {0: "background", 1: "class 0", 2: "class 1", 3: "class 2"}
    assert np.array_equal(layers["predictions"]["mask_data"], expected_layer(masks, [0, 2]))
    assert annotations_json(ann)["predictions"]["instances"][1]["class_name"] == "class 2"
    many = check_annotations({"image": image, "ground_truth": {"bboxes": [[1, 1, 4, 4]], "labels": [300],
                                                               "masks": masks[:1]}})
    with pytest.warns(UserWarning, match="class id 300 does not fit a W&B mask"):
        boxes, layers = wandb_overlays(many)
    assert layers == {} and boxes["ground_truth"]["box_data"][0]["class_id"] == 301
