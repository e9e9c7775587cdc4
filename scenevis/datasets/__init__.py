"""Whole datasets: COCO, YOLO and Pascal VOC read into records the annotate layer draws.

Layer 5. A reader builds the dataset's index and decodes nothing: segmentations stay
encoded (polygons, RLE) and images unread until a worker draws the record::

    ds = read_coco("annotations/instances_val2017.json", images="val2017")
    ds = ds.with_predictions(read_coco_results("results.json", ds))
    record = ds[0]                        # image path, size, gt and pred Annotations
    scene = record_scene(record)          # decodes the image and masks now: the compare view
    errors = record_errors(record)        # Errors(tp, fp, fn)

Readers never stop at a bad item: each problem (a missing image, a box outside its
image, an unknown category, a file that is not JSON or XML) is kept in
``dataset.problems`` with its file and item, reported in one ``UserWarning``, and the
rest is read. Images decode through Pillow (the ``datasets`` extra).
"""
from scenevis.datasets.coco import read_coco, read_coco_results
from scenevis.datasets.evaluation import Evaluation, Matches, PRCurve, record_matches
from scenevis.datasets.images import image_size, load_image
from scenevis.datasets.masks import RLE, Polygons
from scenevis.datasets.synthetic import SampleFiles, write_coco
from scenevis.datasets.records import Annotations, Dataset, DatasetMeta, Predictions, Problem, Record
from scenevis.datasets.views import VIEWS, Errors, record_errors, record_scene
from scenevis.datasets.voc import VOC_CLASSES, read_voc
from scenevis.datasets.yolo import read_names, read_yolo

__all__ = [
    "Annotations", "Dataset", "DatasetMeta", "Errors", "Evaluation", "Matches", "PRCurve", "Polygons", "Predictions",
    "Problem", "RLE", "Record", "SampleFiles", "VIEWS", "VOC_CLASSES", "image_size", "load_image", "read_coco", "read_coco_results", "read_names",
    "read_voc", "read_yolo", "record_errors", "record_matches", "record_scene", "write_coco",
]
