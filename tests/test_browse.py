"""``scenevis browse`` (issue 19 §2): every image of a dataset drawn by workers, the page
written with the gallery worst first; the evaluation under it (matches, the confusion
matrix, precision-recall curves); --resume, --limit, --fail-fast. The page itself in
Chromium: test_browse_browser.py."""
import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from scenevis import datasets

META = datasets.DatasetMeta(("person", "car", "dog"), (1, 2, 3))


def record(gt_boxes, gt_labels, pred_boxes, pred_labels, scores, crowd=None):
    gt = datasets.Annotations(np.array(gt_boxes, float).reshape(-1, 4), gt_labels, iscrowd=crowd)
    pred = datasets.Annotations(np.array(pred_boxes, float).reshape(-1, 4), pred_labels, scores=scores)
    return datasets.Record(0, "r", "r.jpg", 200, 100, gt, META, pred)


def test_confusion_pairs_follow_the_compare_view():
    a, b, c = [0, 0, 40, 40], [50, 0, 90, 40], [100, 50, 140, 90]
    r = record([a, b, c], [1, 2, 0], [a, b, [150, 0, 190, 40], a], [2, 2, 0, 1], [0.9, 0.8, 0.7, 0.2])
    m = datasets.record_matches(r)
    assert m.errors(0.3) == datasets.record_errors(r) == datasets.Errors(tp=1, fp=2, fn=2)
    # the dog box on the car: (car, dog); the dog on the dog: matched; the person on nothing: a false detection;
    # the person below the threshold is left out, so the person at c is missed.
    assert sorted(map(tuple, m.pairs(0.3).tolist())) == [(-1, 0), (0, -1), (1, 2), (2, 2)]
    # at 0.1 the car box finds the car, and the dog box on it becomes a plain false detection
    assert sorted(map(tuple, m.pairs(0.1).tolist())) == [(-1, 0), (-1, 2), (0, -1), (1, 1), (2, 2)]


def test_crowd_objects_are_neither_found_nor_missed():
    r = record([[0, 0, 40, 40], [50, 0, 90, 40]], [0, 0], [[0, 0, 40, 40]], [0], [0.9], crowd=[False, True])
    m = datasets.record_matches(r)
    assert m.errors(0.3) == datasets.Errors(1, 0, 0) and m.pairs(0.3).tolist() == [[0, 0]]


def test_precision_recall_and_ap_by_hand():
    a, b = [0, 0, 40, 40], [50, 0, 90, 40]
    evaluation = datasets.Evaluation(3)
    evaluation.add(datasets.record_matches(record([a, b], [0, 0], [a, [100, 50, 140, 90], b], [0, 0, 0],
                                                  [0.9, 0.8, 0.7])))
    curve = evaluation.curves()[0]
    np.testing.assert_allclose(curve.recall, [0.5, 0.5, 1.0])
    np.testing.assert_allclose(curve.precision, [1.0, 0.5, 2 / 3])
    assert curve.ap == pytest.approx(0.5 * 1.0 + 0.5 * 2 / 3)  # under the non-increasing envelope
    assert (curve.objects, curve.predictions) == (2, 3) and list(evaluation.curves()) == [0]


def test_the_whole_sets_matrix_adds_up_to_the_pictures_counts(tmp_path):
    files = datasets.write_coco(tmp_path / "coco", images=12)
    ds = datasets.read_coco(files.annotations, files.images)
    ds = ds.with_predictions(datasets.read_coco_results(files.results, ds))
    evaluation = datasets.Evaluation(len(ds.meta.classes), 0.5)
    tp = fp = fn = 0
    objects = np.zeros(len(ds.meta.classes), int)
    predicted = np.zeros(len(ds.meta.classes), int)
    for r in ds:
        m = datasets.record_matches(r)
        errors = datasets.record_errors(r, score_thr=0.5)
        assert m.errors(0.5) == errors
        tp, fp, fn = tp + errors.tp, fp + errors.fp, fn + errors.fn
        evaluation.add(m)
        kept = ~r.gt.iscrowd if r.gt.iscrowd is not None else np.ones(len(r.gt), bool)
        objects += np.bincount(r.gt.labels[kept], minlength=len(objects))
        predicted += np.bincount(r.pred.labels[r.pred.scores >= 0.5], minlength=len(objects))
    matrix = evaluation.confusion
    assert matrix[:-1].sum(axis=1).tolist() == objects.tolist()        # each row: the class's objects
    assert matrix[:, :-1].sum(axis=0).tolist() == predicted.tolist()   # each column: its predictions kept
    assert np.trace(matrix[:-1, :-1]) == tp and matrix[:, :-1].sum() - tp == fp and matrix[:-1].sum() - tp == fn
    assert matrix[-1, -1] == 0


def run(*args):
    return subprocess.run([sys.executable, "-m", "scenevis", *map(str, args)], capture_output=True, text=True,
                          timeout=300)


def page_data(path) -> dict:
    text = open(path, encoding="utf-8").read()
    return json.loads(re.search(r'<script type="application/json" id="scenevis-data">(.*?)</script>', text,
                                re.S).group(1))


@pytest.fixture(scope="module")
def coco(tmp_path_factory):
    return datasets.write_coco(tmp_path_factory.mktemp("browse") / "coco", images=8)


def test_browse_draws_every_image_and_resumes_what_is_unchanged(coco, tmp_path):
    out = tmp_path / "site"
    args = ("browse", coco.annotations, "--images", coco.images, "--pred", coco.results, "-o", out, "--workers", "2")
    done = run(*args)
    assert done.returncode == 0, done.stderr
    assert "browse: 100%" in done.stderr  # tqdm's bar
    assert "(8 images, 0 already drawn, 0 failed, 0 reading problems)" in done.stderr
    keys = [f"{i:06d}" for i in range(8)]
    for key in keys:
        assert (out / "images" / f"{key}.svg").read_text().startswith(("<?xml", "<svg"))
        assert (out / "images" / "thumbs" / f"{key}.jpg").read_bytes()[:2] == b"\xff\xd8"
    data = page_data(out / "index.html")
    ds = datasets.read_coco(coco.annotations, coco.images)
    ds = ds.with_predictions(datasets.read_coco_results(coco.results, ds))
    errors = {r.key: datasets.record_errors(r) for r in ds}
    assert [item["k"] for item in data["items"]] == sorted(keys, key=lambda k: (-(errors[k].fp + errors[k].fn), k))
    assert all(item["e"] == list(errors[item["k"]]) for item in data["items"])
    assert data["items"][0]["f"] == f"images/{data['items'][0]['k']}.svg"
    assert data["confusion"]["counts"][-1][-1] == 0 and len(data["confusion"]["counts"]) == len(ds.meta.classes) + 1

    times = {key: os.stat(out / "images" / f"{key}.svg").st_mtime_ns for key in keys}
    results = json.load(open(coco.results))
    changed = next(r for r in results if r["image_id"] == 2)  # the second image's first prediction
    changed["score"] = 0.99 if changed["score"] < 0.99 else 0.98
    json.dump(results, open(coco.results, "w"))
    done = run(*args, "--resume")
    assert done.returncode == 0 and "(8 images, 7 already drawn, 0 failed" in done.stderr, done.stderr
    after = {key: os.stat(out / "images" / f"{key}.svg").st_mtime_ns for key in keys}
    assert [key for key in keys if after[key] != times[key]] == ["000001"]
    done = run(*args)  # without --resume: everything again
    assert "(8 images, 0 already drawn" in done.stderr


def test_limit_fail_fast_and_a_picture_that_cannot_be_drawn(coco, tmp_path):
    import shutil

    images = tmp_path / "images"
    shutil.copytree(coco.images, images)
    os.remove(images / "000003.jpg")  # read_coco checks files: left out with a problem; made to fail below
    with open(images / "000003.jpg", "wb") as handle:
        handle.write(b"not a jpeg")
    done = run("browse", coco.annotations, "--images", images, "-o", tmp_path / "gt", "--limit", "5", "-q")
    assert done.returncode == 0 and not done.stderr, done.stderr
    data = page_data(tmp_path / "gt" / "index.html")
    assert [item["k"] for item in data["items"]] == ["000000", "000001", "000002", "000004"]  # ground truth: by name
    assert data["predicted"] is False and "confusion" not in data
    assert "could not draw</b> item 3 (" in (tmp_path / "gt" / "index.html").read_text()
    done = run("browse", coco.annotations, "--images", images, "-o", tmp_path / "ff", "--fail-fast", "-q")
    assert done.returncode == 1
    assert done.stderr.startswith(f"scenevis: error: item 3 ({images / '000003.jpg'}): ")
    assert len(done.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("args, code, message", [
    (("--score-thr", "2"), 2, "argument --score-thr: expected a number in [0, 1], got 2.0"),
    (("--formats", "gif"), 2, "argument --formats: expected some of svg,png,jpg,pdf"),
    (("--workers", "2", "--scheduler", "tcp://127.0.0.1:1"), 2, "argument --workers: sizes the local pool"),
    (("--pred", "nothing.json"), 1, "scenevis: error: --pred 'nothing.json': no such file"),
])
def test_bad_arguments(coco, tmp_path, args, code, message):
    done = run("browse", coco.annotations, "--images", coco.images, "-o", tmp_path / "x", *args)
    assert done.returncode == code and message in done.stderr and "Traceback" not in done.stderr


def test_a_dataset_that_is_not_there(tmp_path):
    done = run("browse", tmp_path / "nothing", "-o", tmp_path / "x")
    assert done.returncode == 1
    assert done.stderr == f"scenevis: error: DATASET '{tmp_path / 'nothing'}': no such file or folder\n"
