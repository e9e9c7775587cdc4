"""scenevis.datasets: COCO, COCO results, YOLO and VOC read into records (issue 19 §1).

Masks are checked pixel for pixel against pycocotools, on the same files; every kind of
malformed input is read past, each problem naming its file and item.
"""
import hashlib
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pycocotools.mask as coco_mask
import pytest
from pycocotools.coco import COCO

import scenevis as sv
from dataset_files import (CATEGORIES, HEIGHT, WIDTH, blob, coco_instances, coco_results, rle, write_header_only_jpeg,
                           write_jpeg)
from scenevis import annotate, datasets
from scenevis.datasets import RLE, Polygons
from scenevis.datasets.masks import encode_mask
from scenevis.nodes import MaskStack


def quiet(function, *args, **kwargs):
    """Call a reader that is expected to report no problem (a warning would fail the test)."""
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return function(*args, **kwargs)


# --- RLE and polygons against pycocotools ----------------------------------------------------

def test_rle_decoding_matches_pycocotools_pixel_for_pixel():
    rng = np.random.default_rng(0)
    for trial in range(300):
        h, w = (int(v) for v in rng.integers(1, 80, 2))
        mask = rng.random((h, w)) < rng.random()
        if trial % 3 == 0:  # long runs as well as speckle
            mask = blob(*rng.uniform(0, 80, 2), *rng.uniform(1, 40, 2), width=w, height=h)
        encoded = coco_mask.encode(np.asfortranarray(mask.astype(np.uint8)))
        ours = RLE(encoded["counts"].decode("ascii"), h, w)
        np.testing.assert_array_equal(ours.decode(), coco_mask.decode(encoded).astype(bool))
        assert encode_mask(mask) == encoded["counts"].decode("ascii")
        uncompressed = RLE(np.asarray(rle(mask, compressed=False)["counts"]), h, w)
        np.testing.assert_array_equal(uncompressed.decode(), mask)
        x, y, bw, bh = coco_mask.toBbox(encoded)
        if mask.any():
            np.testing.assert_array_equal(ours.bbox(), [x, y, x + bw, y + bh])


def test_polygon_masks_match_pycocotools_pixel_for_pixel():
    rng = np.random.default_rng(1)
    for trial in range(500):
        h, w = (int(v) for v in rng.integers(1, 60, 2))
        k = int(rng.integers(3, 12))
        if trial % 2:  # anywhere, partly outside the image
            ring = rng.uniform(-10, max(h, w) + 10, (k, 2))
        else:  # on and between pixel centres, where rounding decides
            ring = rng.integers(-2, max(h, w) + 2, (k, 2)) + rng.choice([0.0, 0.5, 0.2, 0.1], (k, 2))
        rings = [ring] + ([rng.uniform(0, max(h, w), (4, 2))] if trial % 5 == 0 else [])
        ref = coco_mask.decode(coco_mask.merge(coco_mask.frPyObjects([r.ravel().tolist() for r in rings], h, w)))
        np.testing.assert_array_equal(Polygons(tuple(rings)).decode(h, w), ref.astype(bool), err_msg=str(rings))


def test_the_polygons_of_many_objects_rasterized_together_match_pycocotools():
    """Annotations.masks walks the polygons of all its objects at once; each mask is
    still pycocotools' own, whatever rings, empty objects and RLEs sit beside it."""
    rng = np.random.default_rng(7)
    h, w = 40, 50
    segments = []
    for k in range(40):
        rings = tuple(rng.uniform(-5, 55, (int(rng.integers(3, 9)), 2)) for _ in range(int(rng.integers(1, 4))))
        segments.append(None if k % 7 == 3 else RLE(rle(blob(20, 20, 9, 6, w, h))["counts"], h, w) if k % 7 == 5
                        else Polygons(rings))
    masks = datasets.Annotations(np.zeros((40, 4)), np.zeros(40, np.int64), segments=segments).masks(h, w)
    for segment, mask in zip(segments, masks):
        if segment is None:
            assert not mask.any()
            continue
        ref = coco_mask.decode(coco_mask.merge(coco_mask.frPyObjects([r.ravel().tolist() for r in segment.rings], h, w))) \
            if isinstance(segment, Polygons) else blob(20, 20, 9, 6, w, h)
        np.testing.assert_array_equal(mask, ref.astype(bool))


class _Writes(np.ndarray):
    """A bool array that records where it is written."""

    def __setitem__(self, key, value):
        self.writes.append(key)
        super().__setitem__(key, value)


def test_painting_a_mask_writes_only_the_box_around_it():
    """A mask is painted into its box, not into the whole height of the columns it spans
    (a 30-pixel object on a 480-pixel image wrote 16 times its pixels); a run of an RLE
    that goes on into the next column still paints whole columns, and gives the same
    mask as pycocotools."""
    h, w = 60, 50
    cases = [(Polygons((np.array([[10.0, 20.0], [30.0, 20.0], [30.0, 35.0], [10.0, 35.0]]),)), (20, 35)),
             (RLE(rle(blob(25, 30, 8, 5, w, h))["counts"], h, w), (25, 36))]
    wrapping = np.zeros((h, w), bool)
    wrapping[50:, 4] = wrapping[:5, 5] = True  # one run, down column 4 and on into column 5
    cases.append((RLE(rle(wrapping)["counts"], h, w), (0, h)))
    for segment, (top, bottom) in cases:
        target = np.zeros((h, w), bool).view(_Writes)
        target.writes = []
        segment.paint(target)
        assert target.writes and all(key[0] == slice(top, bottom) for key in target.writes), (segment, target.writes)
        np.testing.assert_array_equal(np.asarray(target), segment.decode(h, w))
    np.testing.assert_array_equal(cases[-1][0].decode(), wrapping)
    ref = coco_mask.decode(coco_mask.frPyObjects([[10, 20, 30, 20, 30, 35, 10, 35]], h, w))[..., 0]
    np.testing.assert_array_equal(cases[0][0].decode(h, w), ref.astype(bool))


def test_bad_rle_strings_and_sizes_are_errors():
    with pytest.raises(ValueError, match="truncated"):
        RLE("0g", 4, 4).decode()  # 'g' sets the continuation bit: the number never ends
    with pytest.raises(ValueError, match="covering 4x4 = 16 pixels, got 3"):
        RLE(np.array([1, 2]), 4, 4).decode()
    with pytest.raises(ValueError, match="characters '0' to 'o'"):
        RLE("ab~", 4, 4).decode()
    with pytest.raises(ValueError, match="this RLE covers 4x4"):
        RLE(np.array([16]), 4, 4).decode(5, 4)


# --- COCO instances ---------------------------------------------------------------------------

def test_coco_records_hold_every_annotation_kind(tmp_path):
    path = coco_instances(tmp_path)
    ds = quiet(datasets.read_coco, path, tmp_path / "images")
    assert len(ds) == 3 and ds.problems == ()
    assert ds.meta.classes == ("person", "car", "dog") and ds.meta.category_ids == (1, 3, 18)
    assert ds.meta.keypoint_names == ("nose", "left_eye", "right_eye", "left_hand", "right_hand")
    assert ds.meta.skeleton == ((0, 1), (0, 2), (1, 3), (2, 4))  # 1-based in the file
    first, second, third = ds
    assert [r.key for r in ds] == ["sub/img0", "img1", "img2"]
    assert first.image == str(tmp_path / "images" / "sub" / "img0.jpg") and first.image_id == 100
    np.testing.assert_allclose(first.gt.bboxes, [[10.5, 8, 40.5, 58], [50, 30, 90, 60]])  # xywh -> xyxy
    assert first.gt.labels.tolist() == [0, 1] and second.gt.labels.tolist() == [2, 1]
    assert second.gt.iscrowd.tolist() == [True, False]
    assert isinstance(first.gt.segments[0], Polygons) and len(first.gt.segments[0].rings) == 2
    assert isinstance(first.gt.segments[1], RLE) and isinstance(first.gt.segments[1].counts, str)
    assert isinstance(second.gt.segments[0], RLE) and second.gt.segments[1] is None
    assert first.gt.keypoints.shape == (2, 5, 3) and first.gt.keypoints[0, 3].tolist() == [12, 40, 2]
    assert (first.gt.keypoints[1] == 0).all()  # the car has no keypoints: all unlabeled
    assert len(third.gt) == 0 and third.gt.masks(HEIGHT, WIDTH) is None


def test_coco_masks_equal_pycocotools_ann_to_mask(tmp_path):
    path = coco_instances(tmp_path)
    coco = COCO(str(path))
    ds = quiet(datasets.read_coco, path, tmp_path / "images")
    for record in ds:
        anns = coco.loadAnns(coco.getAnnIds(imgIds=[record.image_id]))
        masks = record.gt.masks(record.height, record.width)
        for i, ann in enumerate(anns):
            if "segmentation" in ann:
                np.testing.assert_array_equal(masks[i], coco.annToMask(ann).astype(bool), err_msg=str(ann["id"]))
            else:
                assert not masks[i].any()


def test_reading_the_index_decodes_no_image_or_mask(tmp_path):
    """Images that cannot be decoded (headers only) and masks left encoded: reading works,
    Pillow is never imported, no record holds an image-sized array; decoding fails later."""
    path = coco_instances(tmp_path)
    for name in ("sub/img0.jpg", "img1.jpg", "img2.jpg"):
        write_header_only_jpeg(str(tmp_path / "images" / name), WIDTH, HEIGHT)
    code = textwrap.dedent(f"""
        import sys, numpy as np
        from scenevis import datasets
        ds = datasets.read_coco({str(path)!r}, {str(tmp_path / "images")!r})
        ds = ds.with_predictions(datasets.read_coco_results({coco_results(tmp_path)!r}, ds))
        arrays = [a for r in ds for ann in (r.gt, r.pred) for a in (ann.bboxes, ann.keypoints) if a is not None]
        print(len(ds), 'PIL' in sys.modules, 'cairo' in sys.modules, max(a.size for a in arrays))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out[:3] == ["3", "False", "False"] and int(out[3]) < WIDTH * HEIGHT / 100  # keypoints, boxes: tiny
    ds = quiet(datasets.read_coco, path, tmp_path / "images")
    with pytest.raises(OSError):
        ds[0].load_image()


def test_coco_problems_are_reported_per_item_and_the_rest_is_read(tmp_path):
    path = coco_instances(tmp_path)
    data = json.loads(open(path).read())
    data["images"].append({"id": 200, "file_name": "missing.jpg", "width": WIDTH, "height": HEIGHT})
    data["images"].append({"id": 201, "file_name": "img1.jpg", "width": 0, "height": HEIGHT})
    bad = [
        {"id": 90, "image_id": 101, "category_id": 7, "bbox": [1, 1, 5, 5]},                 # unknown category
        {"id": 91, "image_id": 101, "category_id": 3, "bbox": [80, 60, 30, 30]},             # partly outside
        {"id": 92, "image_id": 101, "category_id": 3, "bbox": [200, 10, 5, 5]},              # wholly outside
        {"id": 93, "image_id": 999, "category_id": 3, "bbox": [1, 1, 5, 5]},                 # unknown image
        {"id": 94, "image_id": 102, "category_id": 3, "bbox": [1, 1, "x", 5]},               # not numbers
        {"id": 95, "image_id": 102, "category_id": 3, "bbox": [1, 1, 5, 5], "segmentation": [[1, 2, 3]]},
        {"id": 96, "image_id": 102, "category_id": 3, "bbox": [1, 1, 5, 5],
         "segmentation": {"size": [10, 10], "counts": "00"}},                                 # wrong RLE size
        {"id": 97, "image_id": 200, "category_id": 3, "bbox": [1, 1, 5, 5]},                 # its image is missing
    ]
    data["annotations"] += bad
    with open(path, "w") as handle:
        json.dump(data, handle)
    with pytest.warns(UserWarning, match=r"9 problems while reading, first: .*images\[3\]: image file .*missing.jpg"):
        ds = datasets.read_coco(path, tmp_path / "images")
    messages = [str(p) for p in ds.problems]
    assert all(m.startswith(str(path) + ": ") for m in messages)
    n = len(json.loads(open(coco_instances(tmp_path / "clean")).read())["annotations"])
    expected = [
        ("images[3]", 3, "image file {} does not exist; left out".format(tmp_path / "images" / "missing.jpg")),
        ("images[4]", 4, "expected positive integer 'width' and 'height', got 0 and 72; left out"),
        (f"annotations[{n + 3}]", n + 3, "image_id 999 is not among the images; left out"),
        (f"annotations[{n}] (id 90)", n, "category_id 7 is not among the categories; left out"),
        (f"annotations[{n + 1}] (id 91)", n + 1, "box [80, 60, 110, 90] reaches 18.0 px past the 96x72 image; "
                                                 "clipped to it"),
        (f"annotations[{n + 2}] (id 92)", n + 2, "box [200, 10, 205, 15] lies outside the 96x72 image; left out"),
        (f"annotations[{n + 4}] (id 94)", n + 4, "bbox: expected [x, y, width, height], got [1, 1, 'x', 5]; left out"),
        (f"annotations[{n + 5}] (id 95)", n + 5, "segmentation: expected polygons of at least 3 x, y pairs, got "
                                                 "[1, 2, 3]; that polygon left out"),
        (f"annotations[{n + 6}] (id 96)", n + 6, "segmentation: the RLE's size [10, 10] is not the image's [72, 96] "
                                                 "(height, width); left out"),
    ]
    assert [(p.where, p.index, p.message) for p in ds.problems] == expected
    # The rest is read: the three good images, the clipped box, the boxes whose segmentation was dropped.
    assert [r.image_id for r in ds] == [100, 101, 102]
    np.testing.assert_allclose(ds[1].gt.bboxes[-1], [80, 60, 96, 72])
    assert len(ds[2].gt) == 2 and ds[2].gt.segments == ()


def test_truncated_and_foreign_json_are_problems_not_crashes(tmp_path):
    path = coco_instances(tmp_path)
    text = open(path).read()
    with open(path, "w") as handle:
        handle.write(text[: len(text) // 2])
    with pytest.warns(UserWarning, match="1 problem while reading"):
        ds = datasets.read_coco(path)
    assert len(ds) == 0 and len(ds.problems) == 1
    problem = ds.problems[0]
    assert problem.file == str(path) and problem.index is None
    assert "not valid JSON at line 1" in problem.message
    assert "the file ends before its brackets close (truncated?)" in problem.message
    with open(path, "w") as handle:
        handle.write("[1, 2]")
    with pytest.warns(UserWarning):
        ds = datasets.read_coco(path)
    assert "expected a JSON object with 'images'" in ds.problems[0].message


def same_records(a, b):
    assert [(r.key, r.image, r.width, r.height, r.image_id) for r in a] == \
        [(r.key, r.image, r.width, r.height, r.image_id) for r in b]
    for x, y in zip(a, b):
        for one, two in ((x.gt, y.gt), (x.pred, y.pred)) if x.pred is not None else ((x.gt, y.gt),):
            np.testing.assert_array_equal(one.bboxes, two.bboxes)
            np.testing.assert_array_equal(one.labels, two.labels)
            masks = one.masks(x.height, x.width)
            np.testing.assert_array_equal(masks if masks is not None else 0, two.masks(y.height, y.width)
                                          if masks is not None else 0)


def test_coco_files_are_read_in_one_pass_whatever_the_chunks_and_the_text(tmp_path, monkeypatch):
    """The reader walks the file in chunks: values cut at any byte (numbers, strings,
    UTF-8 characters), indented JSON, a byte order mark, non-ASCII names, members in any
    order and objects not listed image by image read the same as in one chunk."""
    from scenevis.datasets import _jsonscan

    path = coco_instances(tmp_path)
    boxes = [r.gt.bboxes for r in quiet(datasets.read_coco, path, tmp_path / "images")]
    data = json.loads(open(path).read())
    os.makedirs(tmp_path / "images" / "straße")
    os.rename(tmp_path / "images" / "img1.jpg", tmp_path / "images" / "straße" / "ö.jpg")
    data["images"][1]["file_name"] = "straße/ö.jpg"
    data["categories"][1]["name"] = "café \U0001f697"
    odd = {"info": {"note": "ünïcode [{"}, "categories": data["categories"], "annotations": data["annotations"],
           "images": data["images"]}
    results = coco_results(tmp_path)
    interleaved = dict(odd, annotations=[data["annotations"][i] for i in (0, 2, 1, 3)])  # images 100, 101, 100, 101
    for text in (json.dumps(odd, ensure_ascii=False), "\ufeff" + json.dumps(odd, indent=3), json.dumps(interleaved)):
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        one = quiet(datasets.read_coco, path, tmp_path / "images")
        one = one.with_predictions(quiet(datasets.read_coco_results, results, one))
        monkeypatch.setattr(_jsonscan, "CHUNK", 3)
        small = quiet(datasets.read_coco, path, tmp_path / "images")
        small = small.with_predictions(quiet(datasets.read_coco_results, results, small))
        monkeypatch.setattr(_jsonscan, "CHUNK", 1 << 20)
        assert one.meta.classes == small.meta.classes == ("person", "café \U0001f697", "dog")
        assert [r.key for r in small] == ["sub/img0", "straße/ö", "img2"]
        same_records(one, small)
        assert len(small[0].pred) == 3
        for record, expected in zip(small, boxes):
            np.testing.assert_array_equal(record.gt.bboxes, expected)


@pytest.mark.parametrize("text, message", [
    ('{"images": [], "annotations": [1, ], "categories": []}', "not valid JSON at line 1, column 35: Expecting value"),
    ('{"images": [], "categories": []} {}', "not valid JSON at line 1, column 34: Extra data"),
    ('{"images": [], "categories": [] ', "Expecting ',' delimiter; the file ends before its brackets close"),
    ('{"images": [], "categories": [{"id": 1, "name": "\xff"}]}', "not UTF-8 text (invalid start byte at byte 49)"),
    ("", "not valid JSON at line 1, column 1: Expecting value"),
])
def test_a_file_one_pass_cannot_read_gets_jsons_own_message(tmp_path, text, message):
    path = tmp_path / "bad.json"
    path.write_bytes(text.encode("latin-1"))
    with pytest.warns(UserWarning, match="1 problem while reading"):
        ds = datasets.read_coco(path)
    assert len(ds) == 0 and [p.index for p in ds.problems] == [None]
    assert message in ds.problems[0].message, ds.problems[0].message


def test_the_index_keeps_offsets_not_the_parsed_file(tmp_path, monkeypatch):
    """Ten times the images cost the reader a few bytes per object more, not the parsed
    file: the index keeps where each image and its objects are, and a record reads them
    back; a file changed after reading is an error, not wrong records."""
    import tracemalloc

    from scenevis.datasets import _jsonscan

    monkeypatch.setattr(_jsonscan, "CHUNK", 1 << 16)  # both files many chunks long
    files = datasets.write_coco(tmp_path, images=4, size=(64, 48), objects=(20, 20))
    data = json.loads(open(files.annotations).read())
    peaks, sizes = {}, {}
    for n in (200, 2000):
        images = [dict(data["images"][i % 4], id=i + 1, file_name=f"{i}.jpg") for i in range(n)]
        anns = [dict(a, id=len(images) * 100 + j, image_id=i + 1) for i in range(n)
                for j, a in enumerate(x for x in data["annotations"] if x["image_id"] == i % 4 + 1)]
        path = tmp_path / f"many_{n}.json"
        path.write_text(json.dumps({"images": images, "annotations": anns, "categories": data["categories"]}))
        sizes[n] = os.path.getsize(path)
        del images, anns
        tracemalloc.start()
        ds = quiet(datasets.read_coco, path, files.images, check_files=False)
        peaks[n] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert len(ds) == n and len(ds[-1].gt) == 20 and ds[-1].image_id == n
    assert sizes[2000] > 4 * 2**20 and peaks[2000] - peaks[200] < 0.25 * sizes[2000], (peaks, sizes)
    record = ds[7]
    np.testing.assert_allclose(record.gt.bboxes, datasets.read_coco(files.annotations, files.images)[3].gt.bboxes)
    with open(path, "a") as handle:
        handle.write("\n")
    with pytest.raises(ValueError, match="the file changed after it was read"):
        ds[7]


def test_instances_for_the_annotate_layer(tmp_path):
    ds = quiet(datasets.read_coco, coco_instances(tmp_path), tmp_path / "images")
    record = ds[1]
    inst = record.gt.instances(record.height, record.width, classes=record.meta.classes)
    assert sorted(inst) == ["bboxes", "keypoints", "keypoints_visible", "label_names", "labels", "masks"]
    assert not inst["keypoints_visible"].any()  # the dataset has keypoints, these objects none
    assert inst["label_names"] == ["dog (crowd)", "car"]
    assert inst["masks"].shape == (2, HEIGHT, WIDTH)
    sample = ds[0].datasample()
    assert sample["gt_instances"]["keypoints_visible"][0].tolist() == [True, True, True, True, False]


# --- COCO results -----------------------------------------------------------------------------

def test_coco_results_attach_predictions_per_image(tmp_path):
    ds = quiet(datasets.read_coco, coco_instances(tmp_path), tmp_path / "images")
    preds = quiet(datasets.read_coco_results, coco_results(tmp_path), ds)
    both = ds.with_predictions(preds)
    first, second, third = both
    np.testing.assert_allclose(first.pred.scores, [0.9, 0.6, 0.5])
    assert first.pred.labels.tolist() == [0, 1, 0]
    # A mask-only result gets its box from the run lengths, as pycocotools' loadRes does.
    x, y, w, h = coco_mask.toBbox(rle(blob(30, 30, 10, 8)))
    np.testing.assert_allclose(second.pred.bboxes[1], [x, y, x + w, y + h])
    # A keypoint-only result gets the box of its points scoring above 0.
    np.testing.assert_allclose(first.pred.bboxes[2], [12, 10, 30, 50])
    assert len(third.pred) == 0 and ds[0].pred is None
    sample = first.datasample()
    assert "keypoint_scores" in sample["pred_instances"] and "keypoints_visible" not in sample["pred_instances"]
    # The loose car and the keypoint-only person (IoU 0.48 with the matched person) are false.
    assert datasets.record_errors(first) == datasets.Errors(tp=1, fp=2, fn=1)
    # A person where the car is (wrong class), a dog on the crowd of dogs (crowds are not counted): the car missed.
    assert datasets.record_errors(second) == datasets.Errors(tp=0, fp=2, fn=1)
    assert datasets.record_errors(ds[0]) is None


def test_coco_results_problems(tmp_path):
    ds = quiet(datasets.read_coco, coco_instances(tmp_path), tmp_path / "images")
    path = tmp_path / "bad_results.json"
    path.write_text(json.dumps([
        {"image_id": 100, "category_id": 1, "bbox": [1, 1, 5, 5], "score": 0.5},
        {"image_id": 555, "category_id": 1, "bbox": [1, 1, 5, 5], "score": 0.5},
        {"image_id": 100, "category_id": 2, "bbox": [1, 1, 5, 5], "score": 0.5},
        {"image_id": 100, "category_id": 1, "bbox": [1, 1, 5, 5]},
        "nonsense",
    ]))
    with pytest.warns(UserWarning, match="4 problems"):
        preds = datasets.read_coco_results(path, ds)
    assert [(p.where, p.message) for p in preds.problems] == [
        ("results[1]", "image_id 555 is not among the images; left out"),
        ("results[4]", "expected an object, got 'nonsense'; left out"),
        ("results[2]", "category_id 2 is not among the categories; left out"),
        ("results[3]", "score: expected a number, got None; left out"),
    ]
    assert len(ds.with_predictions(preds)[0].pred) == 1
    with pytest.raises(TypeError, match="dataset: expected a scenevis.datasets.Dataset"):
        datasets.read_coco_results(path, [])
    with pytest.raises(TypeError, match="predictions: expected scenevis.datasets.Predictions"):
        ds.with_predictions({})


# --- YOLO -------------------------------------------------------------------------------------

def yolo_tree(root, names_file="data.yaml"):
    for name in ("a.jpg", "b.jpg", "c.jpg"):
        write_jpeg(str(root / "images" / "val" / name), seed=len(name))
    labels = root / "labels" / "val"
    labels.mkdir(parents=True)
    (labels / "a.txt").write_text("0 0.5 0.5 0.25 0.5\n\n2 0.1 0.1 0.3 0.1 0.2 0.4\n")
    (labels / "b.txt").write_text("1 0.5 0.5 0.5 0.5\n")
    if names_file == "data.yaml":
        (root / names_file).write_text("path: .\nval: images/val\nnames:\n  0: person\n  1: car\n  2: dog\n")
    else:
        (root / names_file).write_text("person\ncar\ndog\n")
    return root / names_file


@pytest.mark.parametrize("names_file", ["data.yaml", "classes.txt"])
def test_yolo_boxes_and_segments(tmp_path, names_file):
    names = yolo_tree(tmp_path, names_file)
    ds = quiet(datasets.read_yolo, tmp_path / "images" / "val", names=names)
    assert ds.meta.classes == ("person", "car", "dog")
    assert [r.key for r in ds] == ["a", "b", "c"]
    a, b, c = ds
    assert (a.width, a.height) == (WIDTH, HEIGHT)
    np.testing.assert_allclose(a.gt.bboxes, [[36, 18, 60, 54], [9.6, 7.2, 28.8, 28.8]])
    assert a.gt.labels.tolist() == [0, 2] and a.gt.segments[0] is None
    np.testing.assert_allclose(a.gt.segments[1].rings[0], [[9.6, 7.2], [28.8, 7.2], [19.2, 28.8]])
    assert len(c.gt) == 0  # no label file: no objects


def test_yolo_names_as_a_list_and_problems(tmp_path):
    yolo_tree(tmp_path)
    labels = tmp_path / "labels" / "val"
    (labels / "b.txt").write_text("1 0.5 0.5 0.5 0.5\n7 0.5 0.5 0.1 0.1\nx 1 2 3 4\n0 0.5 0.5\n0 1.2 0.5 0.2 0.2\n")
    (labels / "orphan.txt").write_text("0 0.5 0.5 0.1 0.1\n")
    (tmp_path / "images" / "val" / "broken.png").write_bytes(b"not an image")
    with pytest.warns(UserWarning, match="6 problems"):
        ds = datasets.read_yolo(tmp_path / "images" / "val", names=["person", "car", "dog"])
    found = [(os.path.basename(p.file), p.where, p.message) for p in ds.problems]
    broken = tmp_path / "images" / "val" / "broken.png"
    assert found.pop(4) == ("broken.png", "", f"cannot read the image's size ({broken}: not an image file scenevis "
                                              f"can read (cannot identify image file '{broken}')); left out")
    assert found == [
        ("b.txt", "line 2", "class 7 is not among the 3 names; left out"),
        ("b.txt", "line 3", "expected a class index and numbers, got 'x 1 2 3 4'; left out"),
        ("b.txt", "line 4", "expected 4 numbers (cx cy w h) or at least 3 x y pairs after the class, got 2 "
                            "numbers; left out"),
        ("b.txt", "line 5", "box [105.6, 28.8, 124.8, 43.2] lies outside the 96x72 image; left out"),
        ("orphan.txt", "", "a label file without an image of the same name; left out"),
    ]
    assert [len(r.gt) for r in ds] == [2, 1, 0]


def test_yolo_lazy_with_header_only_images(tmp_path):
    yolo_tree(tmp_path)
    write_header_only_jpeg(str(tmp_path / "images" / "val" / "a.jpg"), 640, 480)
    ds = quiet(datasets.read_yolo, tmp_path / "images" / "val", names=tmp_path / "data.yaml")
    assert (ds[0].width, ds[0].height) == (640, 480)
    np.testing.assert_allclose(ds[0].gt.bboxes[0], [240, 120, 400, 360])


# --- Pascal VOC -------------------------------------------------------------------------------

def voc_xml(filename, objects, size=(WIDTH, HEIGHT)):
    body = "".join(f"<object><name>{n}</name><difficult>{int(d)}</difficult><bndbox><xmin>{b[0]}</xmin>"
                   f"<ymin>{b[1]}</ymin><xmax>{b[2]}</xmax><ymax>{b[3]}</ymax></bndbox></object>"
                   for n, b, d in objects)
    return (f"<annotation><filename>{filename}</filename><size><width>{size[0]}</width><height>{size[1]}</height>"
            f"<depth>3</depth></size>{body}</annotation>")


def voc_tree(root):
    for stem in ("0001", "0002"):
        write_jpeg(str(root / "JPEGImages" / f"{stem}.jpg"), seed=int(stem))
    (root / "Annotations").mkdir()
    (root / "Annotations" / "0001.xml").write_text(voc_xml("0001.jpg", [("dog", (1, 1, 40, 30), False),
                                                                         ("person", (50, 20, 96, 72), True)]))
    (root / "Annotations" / "0002.xml").write_text(voc_xml("0002.jpg", [("car", (10, 10, 20, 20), False)]))
    (root / "ImageSets" / "Main").mkdir(parents=True)
    (root / "ImageSets" / "Main" / "val.txt").write_text("0002\n")


def test_voc_boxes_difficult_and_splits(tmp_path):
    voc_tree(tmp_path)
    ds = quiet(datasets.read_voc, tmp_path)
    assert ds.meta.classes == datasets.VOC_CLASSES and ds.meta.ignored_as == "difficult"
    first = ds[0]
    np.testing.assert_allclose(first.gt.bboxes, [[0, 0, 40, 30], [49, 19, 96, 72]])  # 1-based, inclusive
    assert [ds.meta.classes[c] for c in first.gt.labels] == ["dog", "person"]
    assert first.gt.iscrowd.tolist() == [False, True]
    assert first.gt.instances(HEIGHT, WIDTH, classes=ds.meta.classes, ignored_as="difficult")["label_names"] == \
        ["dog", "person (difficult)"]
    val = quiet(datasets.read_voc, tmp_path, "val")
    assert [r.key for r in val] == ["0002"]
    custom = quiet(datasets.read_voc, tmp_path, classes=["car", "dog", "person"])
    assert custom[0].gt.labels.tolist() == [1, 2]


def test_voc_problems(tmp_path):
    voc_tree(tmp_path)
    (tmp_path / "Annotations" / "0003.xml").write_text("<annotation><filename>0003.jpg</file")
    (tmp_path / "Annotations" / "0004.xml").write_text(voc_xml("gone.jpg", []))
    (tmp_path / "Annotations" / "0002.xml").write_text(voc_xml("0002.jpg", [("car", (10, 10, 20, 20), False),
                                                                            ("car", (10, "x", 20, 20), False),
                                                                            ("car", (90, 10, 120, 20), False)]))
    with pytest.warns(UserWarning, match="4 problems"):
        ds = datasets.read_voc(tmp_path)
    found = [(os.path.basename(p.file), p.where, p.message.split(" (")[0]) for p in ds.problems]
    assert found == [
        ("0002.xml", "object 1", "bndbox: expected numbers xmin, ymin, xmax, ymax; left out"),
        ("0002.xml", "object 2", "box [89, 9, 120, 20] reaches 24.0 px past the 96x72 image; clipped to it"),
        ("0003.xml", "", "not valid XML"),
        ("0004.xml", "filename", f"image file {tmp_path / 'JPEGImages' / 'gone.jpg'} does not exist; left out"),
    ]
    assert [r.key for r in ds] == ["0001", "0002"] and len(ds[1].gt) == 2
    other = tmp_path / "other"
    voc_tree(other)
    (other / "Annotations" / "0002.xml").write_text(voc_xml("0002.jpg", [("zebra", (1, 1, 5, 5), False)]))
    assert quiet(datasets.read_voc, other).meta.classes == ("dog", "person", "zebra")


# --- Records as pictures ----------------------------------------------------------------------

def test_record_scene_is_the_annotate_picture_of_its_decoded_sample(tmp_path):
    ds = quiet(datasets.read_coco, coco_instances(tmp_path), tmp_path / "images")
    both = ds.with_predictions(quiet(datasets.read_coco_results, coco_results(tmp_path), ds))
    coco = COCO(str(tmp_path / "instances.json"))
    record = both[0]
    image = record.load_image()
    masks = np.stack([coco.annToMask(a).astype(bool) for a in coco.loadAnns(coco.getAnnIds(imgIds=[100]))])
    gt = {"bboxes": record.gt.bboxes, "labels": record.gt.labels, "masks": masks,
          "keypoints": record.gt.keypoints[..., :2], "keypoints_visible": record.gt.keypoints[..., 2] > 0}
    expected = annotate.datasample(image, {"gt_instances": gt}, dataset_meta={
        "classes": ("person", "car", "dog"), "skeleton_links": ((0, 1), (0, 2), (1, 3), (2, 4))},
        draw_pred=False, captions=False)
    np.testing.assert_array_equal(sv.render(datasets.record_scene(record, view="gt")), sv.render(expected))
    compared = datasets.record_scene(record)  # 'auto': the compare view
    pred = {"bboxes": record.pred.bboxes, "labels": record.pred.labels, "scores": record.pred.scores}
    np.testing.assert_array_equal(sv.render(compared), sv.render(annotate.compare(
        {"bboxes": record.gt.bboxes, "labels": record.gt.labels}, pred, image=image,
        classes=("person", "car", "dog"), score_thr=0.3)))
    side = sv.render(datasets.record_scene(record, view="side"))
    assert side.shape == (HEIGHT, 2 * WIDTH, 3)


def test_a_record_scene_decodes_each_mask_into_its_box_only(tmp_path, monkeypatch):
    """The worker's picture is built from each mask's crop (``Annotations.mask_stack``),
    never from an (N, H, W) array of whole-image masks, and is the same scene (same
    digest) as the one drawn from those whole masks."""
    ds = quiet(datasets.read_coco, coco_instances(tmp_path), tmp_path / "images")
    record = ds[0]
    dense = annotate.datasample(record.load_image(), record.datasample(), dataset_meta=record.meta.as_dict(),
                                draw_pred=False, captions=False)
    monkeypatch.setattr(datasets.Annotations, "masks", lambda *args: pytest.fail("whole-image masks decoded"))
    assert datasets.record_scene(record, view="gt").digest() == dense.digest()


def test_mask_stacks_are_the_masks_cropped(tmp_path):
    """``Annotations.mask_stack`` holds each mask of ``masks`` in the box around its
    pixels: polygons of several rings, RLEs, rings outside the image, none at all."""
    rng = np.random.default_rng(3)
    h, w = 40, 50
    segments = [Polygons((np.array([[60.0, 5.0], [70.0, 5.0], [70.0, 9.0]]),)), None]  # outside; no segmentation
    for k in range(30):
        rings = tuple(rng.uniform(-5, 55, (int(rng.integers(3, 9)), 2)) for _ in range(int(rng.integers(1, 4))))
        segments.append(RLE(rle(blob(*rng.uniform(0, 50, 2), 9, 6, w, h))["counts"], h, w) if k % 4 == 1
                        else Polygons(rings))
    annotations = datasets.Annotations(np.zeros((32, 4)), np.zeros(32, np.int64), segments=segments)
    stack, masks = annotations.mask_stack(h, w), annotations.masks(h, w)
    expected = MaskStack.from_dense(masks)
    assert isinstance(stack, MaskStack) and stack == expected and stack.size == (h, w)
    np.testing.assert_array_equal(stack.boxes, expected.boxes)
    assert stack.boxes[0].tolist() == [0, 0, 0, 0] and stack.crops[1].shape == (0, 0)
    assert datasets.Annotations(np.zeros((1, 4)), np.zeros(1, np.int64), segments=[None]).mask_stack(h, w) is None
    with pytest.raises(ValueError, match="this RLE covers 40x50"):
        annotations.mask_stack(h + 1, w)


def test_large_masks_decode_into_crops_in_memory_of_about_their_own_size():
    """A record of many masks that each cover most of the image (crowd regions, large
    objects) is decoded with memory of about the size of its crops: a vectorized pass
    over every object at once once took 13 times that (394 MiB for 100 such masks of
    640x480) and 14 times as long."""
    import tracemalloc

    h, w, n = 480, 640, 100
    rng = np.random.default_rng(0)
    segments = []
    for _ in range(n):
        mask = np.zeros((h, w), bool)
        mask[rng.integers(0, 50):h - rng.integers(0, 50), rng.integers(0, 50):w - rng.integers(0, 50)] = True
        segments.append(RLE(rle(mask)["counts"], h, w))
    annotations = datasets.Annotations(np.zeros((n, 4)), np.zeros(n, np.int64), segments=segments)
    tracemalloc.start()
    try:
        stack = annotations.mask_stack(h, w)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    crops = sum(crop.nbytes for crop in stack.crops)
    assert crops > 20 * 2**20
    assert peak < 3 * crops + (8 << 20), f"peak {peak / 2**20:.0f} MiB for {crops / 2**20:.0f} MiB of crops"


def test_instances_keep_a_mask_stack_as_it_is():
    """annotate reads masks given as a MaskStack without making them whole-image arrays
    (selecting instances selects crops), and draws what the same masks as an array draw."""
    from scenevis.annotate.access import read_instances

    masks = np.zeros((3, 30, 40), bool)
    masks[0, 2:9, 3:20] = masks[1, 10:25, 5:9] = masks[2, 20:28, 30:39] = True
    stack = MaskStack.from_dense(masks)
    fields = {"bboxes": np.array([[3, 2, 20, 9], [5, 10, 9, 25], [30, 20, 39, 28]], float),
              "labels": np.array([0, 1, 1]), "scores": np.array([0.9, 0.2, 0.8])}
    read = read_instances({**fields, "masks": stack})
    assert read["masks"] is stack
    kept = read.take(read["scores"] > 0.5)["masks"]
    assert isinstance(kept, MaskStack) and kept == MaskStack.from_dense(masks[[0, 2]])
    for options in ({}, {"score_thr": 0.5}, {"label_anchor": "mass"}):
        assert (annotate.instances({**fields, "masks": stack}, canvas=(40, 30), **options).digest()
                == annotate.instances({**fields, "masks": masks}, canvas=(40, 30), **options).digest()), options


@pytest.mark.parametrize("thickness", [1, 2, 3])
def test_masks_outlined_from_a_stack_or_an_array_are_the_same_nodes(thickness):
    """Outlines drawn from a MaskStack's crops (a one-pixel margin of nothing around each)
    are those drawn from whole-image masks, at the image's edges too."""
    from scenevis.annotate.overlay import mask_layers

    rng = np.random.default_rng(thickness)
    masks = rng.random((6, 30, 40)) < 0.7
    masks[:, :4] = masks[:, -3:] = False
    masks[0, :6, :7] = masks[1, 24:, 33:] = True  # corners of the image
    masks[2] = False
    masks[2, 10:11, 10:30] = True  # one row
    masks[3, :, 0] = True  # the left edge, whole
    stack = MaskStack.from_dense(masks)
    colors = rng.integers(0, 256, (6, 4)).astype(np.uint8)
    meta = {"id": np.arange(6)}
    assert (mask_layers(stack, colors, 0.5, thickness=thickness, meta=meta).digest()
            == mask_layers(masks, colors, 0.5, thickness=thickness, meta=meta).digest())


def test_record_scene_errors(tmp_path):
    ds = quiet(datasets.read_coco, coco_instances(tmp_path), tmp_path / "images")
    with pytest.raises(ValueError, match="view: 'compare' needs predictions, and record 0"):
        datasets.record_scene(ds[0], view="compare")
    with pytest.raises(ValueError, match=r"view: expected one of \['auto', 'gt', 'pred', 'side', 'compare'\]"):
        datasets.record_scene(ds[0], view="best")
    with pytest.raises(TypeError, match="record: expected a scenevis.datasets.Record"):
        datasets.record_scene({"image": "x.jpg"})
    write_jpeg(ds[0].image, width=WIDTH + 1)
    with pytest.raises(ValueError, match="the image is 97x72 but its annotations say 96x72"):
        ds[0].load_image()


def test_an_image_file_stands_for_its_pixels_only_when_a_viewer_shows_them_as_decoded(tmp_path):
    """``load_image_source``: the pixels ``load_image`` gives and, for a plain RGB or
    gray JPEG, the file's bytes; None for what a viewer would show otherwise (a color
    profile, an EXIF rotation, CMYK) or for another format."""
    from PIL import Image

    photo = sv.samples.photo(WIDTH, HEIGHT)
    plain, gray, png = tmp_path / "plain.jpg", tmp_path / "gray.jpg", tmp_path / "photo.png"
    Image.fromarray(photo).save(plain, quality=90)
    Image.fromarray(photo[..., 0]).save(gray, quality=90)
    Image.fromarray(photo).save(png)
    for path, kept in ((plain, True), (gray, True), (png, False)):
        pixels, data = datasets.images.load_image_source(path)
        np.testing.assert_array_equal(pixels, datasets.images.load_image(path))
        assert data == (path.read_bytes() if kept else None)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated 90 degrees: a viewer turns the picture, the annotations do not
    Image.fromarray(photo).save(tmp_path / "rotated.jpg", quality=90, exif=exif)
    exif[0x0112] = 1
    Image.fromarray(photo).save(tmp_path / "upright.jpg", quality=90, exif=exif)
    from PIL import ImageCms
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    Image.fromarray(photo).save(tmp_path / "profiled.jpg", quality=90, icc_profile=profile)
    Image.fromarray(photo).convert("CMYK").save(tmp_path / "cmyk.jpg", quality=90)
    for name, kept in (("rotated", False), ("upright", True), ("profiled", False), ("cmyk", False)):
        assert (datasets.images.load_image_source(tmp_path / f"{name}.jpg")[1] is not None) == kept, name
    ds = quiet(datasets.read_coco, coco_instances(tmp_path / "coco"), tmp_path / "coco" / "images")
    pixels, data = ds[0].load_image_source()
    np.testing.assert_array_equal(pixels, ds[0].load_image())
    assert data == open(ds[0].image, "rb").read()
    write_jpeg(ds[0].image, width=WIDTH + 1)
    with pytest.raises(ValueError, match="the image is 97x72 but its annotations say 96x72"):
        ds[0].load_image_source()


def test_dataset_indexing(tmp_path):
    ds = quiet(datasets.read_coco, coco_instances(tmp_path), tmp_path / "images")
    assert ds[-1].index == 2 and [r.index for r in ds[1:]] == [1, 2]
    with pytest.raises(IndexError, match="index: expected -3 <= index < 3, got 3"):
        ds[3]
    with pytest.raises(TypeError, match="index: expected an integer or a slice, got str"):
        ds["0"]
    assert CATEGORIES[0]["name"] == ds.meta.classes[0]


@pytest.mark.parametrize("document", [
    {"images": "x", "annotations": {}, "categories": 5},
    {"images": [{"id": [1], "file_name": "a.jpg", "width": 9, "height": 9}, None, 3],
     "annotations": [{"image_id": [1]}, {"image_id": {"a": 1}}, 7], "categories": [{"id": "x"}, None]},
    {"images": [], "annotations": [], "categories": [{"id": 1, "name": "p", "keypoints": ["a", "b"],
                                                     "skeleton": [["a", "b"], [1, 9], 4, [1, 2]]}]},
    {"images": [{"id": 1, "file_name": "img1.jpg", "width": 96, "height": 72}],
     "annotations": [{"image_id": 1, "category_id": 1, "bbox": None, "segmentation": 5, "keypoints": "x"},
                     {"image_id": 1, "category_id": True, "bbox": [1, 2, 3, 4]},
                     {"image_id": 1, "category_id": 1, "bbox": [1, 2, -3, 4]},
                     {"image_id": 1, "category_id": 1, "bbox": [1, 2, float("nan"), 4]},
                     {"image_id": 1, "category_id": 1, "segmentation": {"size": [72, 96], "counts": [1, -2]}},
                     {"image_id": 1, "category_id": 1, "segmentation": {"counts": "abc"}}],
     "categories": [{"id": 1, "name": "p", "keypoints": ["a"], "skeleton": []}]},
])
def test_nonsense_documents_are_problems_never_crashes(tmp_path, document):
    write_jpeg(str(tmp_path / "img1.jpg"))
    path = tmp_path / "odd.json"
    path.write_text(json.dumps(document))
    with pytest.warns(UserWarning, match="problem"):
        ds = datasets.read_coco(path)
    assert ds.problems and all(p.file == str(path) for p in ds.problems)
    assert all(len(r.gt) == 0 for r in ds)


def test_numbers_too_large_for_a_float_are_problems_not_crashes(tmp_path):
    path = coco_instances(tmp_path)
    before = len(quiet(datasets.read_coco, path, tmp_path / "images")[1].gt)
    data = json.loads(open(path).read())
    huge = 10 ** 400  # a JSON integer that float() cannot hold
    data["annotations"] += [
        {"id": 80, "image_id": 101, "category_id": 3, "bbox": [1, 1, huge, 5]},
        {"id": 81, "image_id": 101, "category_id": 3, "bbox": [1, 1, 5, 5], "segmentation": [[1, 2, 3, 4, huge, 6]]},
    ]
    with open(path, "w") as handle:
        json.dump(data, handle)
    with pytest.warns(UserWarning, match="2 problems while reading"):
        ds = datasets.read_coco(path, tmp_path / "images")
    n = len(data["annotations"]) - 2
    assert [(p.index, p.message.split(":")[0]) for p in ds.problems] == [(n, "bbox"), (n + 1, "segmentation")]
    assert len(ds[1].gt) == before + 1  # 81 is kept without its polygon, 80 is left out


def _odd_objects(rng, results):
    """Objects of one image (96x72) for the COCO readers: plain ones (inside, up to a
    pixel past the edge, -0.0 and integer coordinates, polygons, RLE strings, crowds) and,
    now and then, one of every kind the per-object checks report or treat apart."""
    def plain():
        x, y, w, h = (float(v) for v in rng.uniform([-0.9, -0.9, 0, 0], [60, 40, 36, 32]))
        obj = {"image_id": 0, "category_id": int(rng.choice([3, 18, 5])),
               "bbox": [round(x, 2), round(y, 2), round(w, 2), round(h, 2)]}
        kind = int(rng.integers(6))
        if kind == 1:
            obj["segmentation"] = [[round(float(v), 2) for v in rng.uniform(0, 70, 2 * int(rng.integers(3, 9)))]
                                   for _ in range(int(rng.integers(1, 3)))]
        elif kind == 2:
            obj["segmentation"] = rle(blob(*rng.uniform(10, 60, 2), *rng.uniform(3, 20, 2)))
        elif kind == 3:
            obj["bbox"] = [[-0.0, 0, 96, 72], [95, 71.5, 1.9, 1], [95, 71, 2, 2], [-1e-300, 3, 0, 0]][int(rng.integers(4))]
        elif kind == 4:
            obj["segmentation"] = []
        if results:
            obj["score"] = float(rng.random()) if kind != 5 else 1
        else:
            obj["iscrowd"] = [0, 1, "yes"][int(rng.integers(3))]
        return obj

    odd = [
        {"category_id": 7}, {"category_id": True}, {"category_id": "3"}, {"bbox": [1, 2, 3]}, {"bbox": [1, "2", 3, 4]},
        {"bbox": [1, True, 3, 4]}, {"bbox": [1, 2, float("inf"), 4]}, {"bbox": [1, 2, float("nan"), 4]},
        {"bbox": [1, 2, 10 ** 400, 4]}, {"bbox": [80, 60, 30, 30]}, {"bbox": [200, 10, 5, 5]}, {"bbox": [1, 2, -3, 4]},
        {"bbox": [-1.5, 2, 3, 4]}, {"bbox": [96, 2, 0, 4]}, {"bbox": [1e308, 2, 1e308, 4]}, {"bbox": [-5, 2, 5, 4]},
        {"bbox": None, "segmentation": [[1, 2, 30, 2, 15, 40]]}, {"bbox": "x"},
        {"segmentation": [[1, 2, 3, 4, 5]]}, {"segmentation": [[1, 2, 3, 4]]}, {"segmentation": [[1, 2, "3", 4, 5, 6]]},
        {"segmentation": [5]}, {"segmentation": [[1, 2, 3, 4, 10 ** 400, 6]]}, {"segmentation": "x"},
        {"segmentation": {"size": [10, 10], "counts": "00"}}, {"segmentation": {"size": [72.0, 96.0], "counts": "0"}},
        {"segmentation": rle(blob(30, 30, 10, 8), compressed=False)}, {"segmentation": {"size": [72, 96], "counts": 5}},
        {"score": None}, {"score": True}, {"score": "0.5"}, {"score": float("nan")}, {"score": 10 ** 400},
    ]
    objects = [plain() for _ in range(int(rng.integers(0, 12)))]
    if objects and rng.random() < 0.25:
        objects[int(rng.integers(len(objects)))].update(odd[int(rng.integers(len(odd)))])
    return objects


def test_plain_objects_are_checked_a_column_at_a_time_with_the_same_records_and_problems(tmp_path, monkeypatch):
    """Objects the per-object checks would keep as they are (most of a file's) are
    checked and built a column at a time, when the file is read and for each record:
    the same records, byte for byte, and the same problems as one object at a time; an
    image holding anything else goes through those checks."""
    from scenevis.batch.records import _digest
    from scenevis.datasets import coco

    rng = np.random.default_rng(7)
    write_jpeg(str(tmp_path / "images" / "a.jpg"))
    images = [{"id": i, "file_name": "a.jpg" if i == 0 else f"{i}.jpg", "width": WIDTH, "height": HEIGHT}
              for i in range(150)]
    anns, results = [], []
    for image in images:
        anns += [dict(o, image_id=image["id"], id=len(anns)) for o in _odd_objects(rng, results=False)]
        results += [dict(o, image_id=image["id"]) for o in _odd_objects(rng, results=True)]
    results.insert(40, "nonsense")
    results.insert(60, dict(results[70], image_id=999))
    path, preds = tmp_path / "instances.json", tmp_path / "results.json"
    path.write_text(json.dumps({"images": images, "annotations": anns,
                                "categories": [{"id": c, "name": f"c{c}"} for c in (3, 18, 5)]}))
    preds.write_text(json.dumps(results))
    checked = []
    one_at_a_time = coco._object
    monkeypatch.setattr(coco, "_object", lambda i, ann, *args: checked.append(i) or one_at_a_time(i, ann, *args))

    def read():
        with pytest.warns(UserWarning):
            ds = datasets.read_coco(path, tmp_path / "images", check_files=False)
            ds = ds.with_predictions(datasets.read_coco_results(preds, ds))
        records = []
        for record in ds:
            digest = hashlib.sha256()
            _digest(record, digest)
            records.append(digest.hexdigest())
        return ds.problems + ds.predictions.problems, records

    problems, records = read()
    per_object = len(checked)
    monkeypatch.setattr(coco, "_plain", lambda *args: None)
    checked.clear()
    assert read() == (problems, records)
    assert len(checked) == 2 * (len(anns) + len(results) - 2)  # every object, read and built; no "nonsense", 999
    assert len(problems) > 30 and per_object < len(checked) / 2, (len(problems), per_object, len(checked))
    files = datasets.write_coco(tmp_path / "w8", images=4, size=(64, 48), objects=(20, 20))
    monkeypatch.undo()
    monkeypatch.setattr(coco, "_object", lambda i, ann, *args: checked.append(i) or one_at_a_time(i, ann, *args))
    checked.clear()
    ds = quiet(datasets.read_coco, files.annotations, files.images)
    ds = ds.with_predictions(quiet(datasets.read_coco_results, files.results, ds))
    assert sum(len(r.gt) + len(r.pred) for r in ds) > 100 and checked == []


def test_a_record_decodes_its_objects_in_one_json_call_whatever_their_runs(tmp_path, monkeypatch):
    """A record's objects, in several runs of the file (objects not listed image by
    image, indented, non-ASCII), are decoded as one array: one call into json per
    record, the same objects as the file holds."""
    from scenevis.datasets import _jsonscan

    path = coco_instances(tmp_path)
    data = json.loads(open(path).read())
    data["annotations"] = [dict(data["annotations"][i], note="ü\n\U0001f697") for i in (0, 2, 1, 3)]
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, ensure_ascii=False)
    results = coco_results(tmp_path)
    ds = quiet(datasets.read_coco, path, tmp_path / "images")
    ds = ds.with_predictions(quiet(datasets.read_coco_results, results, ds))
    assert np.diff(ds.entries.first).tolist() == [2, 2, 0]  # images 100 and 101 each in two runs
    calls = []
    loads = json.loads
    monkeypatch.setattr(_jsonscan.json, "loads", lambda text: calls.append(text) or loads(text))
    records = list(ds)
    assert len(calls) == 3 + 3 + 2  # per record its image entry and its objects; predictions on two images
    assert [len(r.gt) for r in records] == [2, 2, 0] and [len(r.pred) for r in records] == [3, 2, 0]
    decoded = [loads(text) for text in calls if text.startswith("[")]
    assert decoded[0][0]["note"] == "ü\n\U0001f697" and [a["id"] for a in decoded[0]] == [1, 2]


@pytest.mark.skipif(not os.path.exists("/proc/self/io"), reason="counts the bytes read through /proc/self/io")
def test_a_record_reads_about_its_own_bytes_of_the_file(tmp_path):
    """Building a record reads its image's entry and objects from the file, a few
    kilobytes, not a buffer of a quarter megabyte after each seek."""
    files = datasets.write_coco(tmp_path, images=60, size=(64, 48), objects=(5, 5))
    ds = quiet(datasets.read_coco, files.annotations, files.images)
    ds = ds.with_predictions(quiet(datasets.read_coco_results, files.results, ds))

    def read_so_far():
        return int(next(line.split()[1] for line in open("/proc/self/io") if line.startswith("rchar:")))

    before = read_so_far()
    records = list(ds)
    read = read_so_far() - before
    sizes = os.path.getsize(files.annotations) + os.path.getsize(files.results)
    assert len(records) == 60 and sum(len(r.gt) for r in records) == 300
    assert read < sizes + 60 * 3 * 8192, (read, sizes)  # a span, an 8 KiB buffer at most; 51x that before
