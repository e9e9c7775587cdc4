"""Every golden picture of the suite, built by name, so the raster goldens
(tests/golden_compare.py), the vector-output checks (tests/test_vector_output.py) and the
variation measurement (tests/golden_variation.py) all draw the same things.

``SCENES`` maps a golden name to a function that builds its scene; ``PICTURES`` maps the
goldens that are arrays drawn without a scene (``featmap_views.draw_featmap``) to a
function that draws them. :func:`picture` gives either as an (H, W, 3) uint8 array.
"""
from __future__ import annotations

import importlib.util
import math
import uuid
from pathlib import Path

import numpy as np

import scenevis as sv
from scenevis import annotate, featmap_views, samples

from annotate_scenes import COCO_NAMES, backdrop, crowded, stick_figure, street_map

STREET = ("sky", "building", "road", "person", "car")
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


# ------------------------------------------------------------------------------ render_*

def overlay_scene():
    img = samples.photo(160, 107, seed=0)
    det = samples.detections(160, 107, seed=0)
    names = [f"{samples.CLASSES[l]} {s:.2f}" for l, s in zip(det["labels"], det["scores"])]
    return overlay_with_labels(img, det, names[:3])


def overlay_with_labels(img, det, names):
    """The photo, masks, boxes and ``names`` as labels on the first boxes."""
    n = len(names)
    return (sv.image(img)
            + sv.masks(det["masks"], class_ids=det["labels"])
            + sv.boxes(det["bboxes"], class_ids=det["labels"], width=1)
            + sv.texts(names, det["bboxes"][:n, :2], color="white", font_size=9,
                       background=sv.DEFAULT_PALETTE.take(det["labels"][:n]), valign="bottom", pad=1))


def shapes_scene():
    canvas = sv.background((0, 0, 120, 80), "white")
    return (canvas
            + sv.polygons([[[[10, 10], [60, 10], [60, 60], [10, 60]], [[25, 25], [45, 25], [45, 45], [25, 45]]]],
                          fill="orange", color="black", width=2)
            + sv.circles([[90, 25]], [15], color="blue", fill=(0, 0, 255, 60), width=2)
            + sv.lines([[[70, 70], [110, 50], [115, 75]]], color="red", width=3, dash="--")
            + sv.points([[80, 60], [100, 40]], radius=4, color="m")
            + sv.boxes([[65, 5, 118, 78]], color="g", width=1, dash=":"))


def heatmap_text_scene():
    values = np.outer(np.linspace(0, 1, 8), np.linspace(1, 0, 6)).astype(np.float32)
    return (sv.image(np.full((60, 90, 3), 200, np.uint8)) + sv.heatmap(values, extent=(0, 0, 90, 60), alpha=0.6)
            + sv.texts(["heat 10px", "Grüße ÅÉ"], [[4, 4], [4, 30]], font_size=[10, 13], color="black",
                       background="white", background_alpha=0.8))


# ------------------------------------------------------------------------------ annotate_*

def crowded_scene():
    data = crowded(100, 480, 360, seed=3)
    return annotate.instances(data, image=backdrop(480, 360, 1), classes=COCO_NAMES)


def semantic_scene():
    return annotate.semantic(street_map(240, 160), image=backdrop(240, 160, 2), classes=STREET)


def panoptic_map():
    seg = street_map(240, 160)
    pan = np.where(seg == 255, len(STREET), seg)  # void
    yy, xx = np.mgrid[0:160, 0:240]
    person = seg == 3
    pan[person & (xx < 72)] = 3 + 1 * 1000
    pan[person & (xx >= 72)] = 3 + 2 * 1000
    pan[seg == 4] = 4 + 1000
    pan[((xx - 215) / 20.0) ** 2 + ((yy - 120) / 14.0) ** 2 < 1] = 4 + 2000
    return pan


def panoptic_scene():
    return annotate.panoptic(panoptic_map(), image=backdrop(240, 160, 2), classes=STREET)


def pose_people():
    """Two people and their visibilities: the second one's left wrist and ankle hidden."""
    people = np.stack([stick_figure(70, 30, 55), stick_figure(180, 40, 48)])
    visible = np.ones((2, 17))
    visible[1, [9, 15]] = 0.1  # below kpt_thr
    return people, visible


def pose_scene():
    people, visible = pose_people()
    return annotate.keypoints({"keypoints": people, "keypoint_scores": visible},
                              image=np.full((180, 260, 3), 236, np.uint8))


def error_case():
    gt = {"bboxes": np.array([[20, 30, 90, 150], [120, 40, 200, 150], [230, 60, 300, 140], [40, 160, 110, 190.0]]),
          "labels": np.array([0, 0, 2, 16])}
    pred = {"bboxes": np.array([[22, 28, 92, 148], [150, 60, 230, 170], [232, 58, 298, 142], [200, 10, 260, 40.0]]),
            "labels": np.array([0, 0, 16, 9]), "scores": np.array([0.93, 0.71, 0.64, 0.42])}
    return gt, pred


def compare_scene(legend_side="right"):
    gt, pred = error_case()
    return annotate.compare(gt, pred, 0.5, image=backdrop(320, 200, 4), classes=COCO_NAMES, legend_side=legend_side)


def cjk_scene():
    return annotate.instances(bboxes=[[14, 40, 110, 110], [130, 36, 228, 112]], labels=[0, 1], scores=[0.93, 0.71],
                              classes=["\u884c\u4eba", "\u81ea\u884c\u8f66"], image=backdrop(240, 120, 5))


def datasample():
    """A ground truth with a semantic map and predictions with masks, as plain dicts."""
    gt = {"bboxes": np.array([[30, 50, 80, 140], [120, 90, 220, 140.0]]), "labels": np.array([3, 4])}
    masks = np.zeros((3, 160, 240), bool)
    masks[0, 52:138, 34:78] = masks[1, 92:138, 124:216] = masks[2, 10:30, 180:200] = True
    pred = {"bboxes": np.array([[32, 48, 82, 138], [118, 92, 218, 142], [180, 10, 200, 30.0]]),
            "labels": np.array([3, 4, 3]), "scores": np.array([0.91, 0.77, 0.12]), "masks": masks}
    return {"gt_instances": gt, "pred_instances": pred, "gt_sem_seg": street_map(240, 160)}


def datasample_scene(pred_score_thr=0.3):
    from scenevis.det_visualizer import DetVisualizer

    vis = DetVisualizer(name=f"golden_{uuid.uuid4().hex[:8]}")
    vis.dataset_meta = {"classes": STREET}
    vis.add_datasample("golden", backdrop(240, 160, 6), datasample(), out_file=None, pred_score_thr=pred_score_thr)
    return vis.scene


# ------------------------------------------------------------------------------ facade_*

def mmengine_style_example():
    """examples/mmengine_style.py loaded as a module."""
    spec = importlib.util.spec_from_file_location("mmengine_style_example", EXAMPLES / "mmengine_style.py")
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    return example


def mmengine_style_visualizer():
    """The example's facade calls at half size (keeps the golden small); the Visualizer
    and the image its ``draw_overlay`` returned."""
    from scenevis.visualizer import Visualizer

    vis = Visualizer(name=f"golden_{uuid.uuid4().hex[:8]}")
    w, h = 320, 214
    image = mmengine_style_example().draw_overlay(vis, samples.photo(w, h), samples.detections(w, h), samples.CLASSES)
    return vis, image


# ------------------------------------------------------------------------------ featmap_*

def smooth_map(channels=12, size=(32, 32), seed=0):
    """Blobs at random places with random weights per channel (deterministic, picture-like)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size[0], 0:size[1]].astype(np.float32)
    out = np.zeros((channels,) + size, np.float32)
    for c in range(channels):
        for _ in range(3):
            cy, cx, r = rng.uniform(0, size[0]), rng.uniform(0, size[1]), rng.uniform(2, size[0] / 3)
            out[c] += rng.uniform(-1, 2) * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * r * r))
    return out


def featmap_photo(height=64, width=64):
    """A deterministic photo-like RGB image: sky gradient, ground, a sun and a box."""
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    img = np.zeros((height, width, 3), np.float32)
    img[:] = np.stack([90 + 100 * yy / height, 140 + 60 * yy / height, 220 - 40 * yy / height], -1)
    ground = yy > height * 0.6
    img[ground] = np.stack([70 + 0 * xx, 120 + 30 * np.sin(xx / 5), 60 + 0 * xx], -1)[ground]
    img[(yy - height * 0.25) ** 2 + (xx - width * 0.75) ** 2 < (height * 0.12) ** 2] = (250, 220, 90)
    img[int(height * 0.45):int(height * 0.8), int(width * 0.15):int(width * 0.4)] = (150, 60, 50)
    return np.clip(img, 0, 255).astype(np.uint8)


def featmap_layer_scene():
    return sv.image(featmap_photo(64, 64)) + featmap_views.featmap_layer(smooth_map(12, (16, 16), seed=17),
                                                                         extent=(0, 0, 64, 64))


def featmap_over_image(**kwargs):
    return featmap_views.draw_featmap(smooth_map(12, (64, 64), seed=15), featmap_photo(64, 64), **kwargs)


def featmap_alone(channels=12, **kwargs):
    return featmap_views.draw_featmap(smooth_map(12, (32, 32), seed=16)[:channels], resize_shape=(64, 64), **kwargs)


def tracks_scene():
    """Two tracks after 12 frames: trails from the boxes' bottom centres (track 11 missed
    frame 5: a gap), a mask and keypoints on the photo."""
    width, height = 320, 200
    trails = annotate.Trails(length=12, anchor="bottom_center")
    for t in range(12):
        boxes = np.array([[20 + 8 * t, 40 + 2 * t, 70 + 8 * t, 110 + 2 * t], [250 - 6 * t, 30, 300 - 6 * t, 90]], float)
        ids = np.array([4, 11]) if t != 5 else np.array([4])
        trails = trails.update(ids, boxes[: len(ids)])
    masks = np.zeros((2, height, width), bool)
    masks[0, 70:120, 120:160] = True
    keypoints = np.array([[[130, 60], [150, 60], [140, 75]], [[200, 50], [220, 55], [210, 70]]], float)
    return annotate.tracks(samples.photo(width, height), boxes, [4, 11], labels=["person", "car"],
                           scores=[0.9, 0.75], trails=trails, masks=masks, keypoints=keypoints)


# ------------------------------------------------------------------------------ vocabulary_* (issue 20)

ROTATED = np.array([[70, 60, 90, 30, 0.4], [190, 110, 70, 26, -0.9], [250, 50, 50, 22, 1.3],
                    [110, 140, 60, 20, math.pi / 2]])


def rotated_scene():
    """Rotated predictions through annotate (labels at the top corners) and rotated boxes
    with heading ticks, filled and dashed, over the photo."""
    img = samples.photo(320, 200, seed=3)
    picture = annotate.instances(bboxes=ROTATED, labels=[0, 2, 5, 3], scores=[0.93, 0.81, 0.62, 0.55],
                                 classes=samples.CLASSES, image=img)
    extra = sv.rotated_boxes([[40, 170, 50, 18, 20.0], [280, 160, 40, 40, -30.0]], angle_unit="deg", heading=True,
                             color=["white", "yellow"], fill=[(255, 255, 255, 70), (255, 255, 0, 50)], width=2,
                             dash=["-", "--"])
    return picture + extra


def markers_scene():
    """Every marker kind on the photo's objects, and halos around masks and a box."""
    img = samples.photo(320, 214, seed=0)
    det = samples.detections(320, 214, seed=0)
    b, ids = det["bboxes"], det["labels"]
    return (sv.image(img)
            + sv.halo(det["masks"][:3], radius=10, class_ids=ids[:3])
            + sv.halo(b[7:8], radius=6, color="white", alpha=0.9)
            + sv.markers(b[:3], "ellipse", class_ids=ids[:3], width=2)
            + sv.markers(b[3:6], "corners", class_ids=ids[3:6], width=3)
            + sv.markers(b, "triangle", class_ids=ids, size=9)
            + sv.markers(b[6:8], "round_box", class_ids=ids[6:8], width=2, fill=(255, 255, 255, 50))
            + sv.markers(b[3:6], "dot", color="white", size=3))


def effects_scene():
    """Blur and pixelate boxes, a dimmed and a brightened mask, then a second picture in
    colour only on the objects (desaturated outside the masks)."""
    img = samples.photo(240, 160, seed=2)
    det = samples.detections(240, 160, seed=2)
    b, masks = det["bboxes"], det["masks"]
    left = (sv.image(img) + sv.blur(b[:2], 8) + sv.pixelate(b[2:4], 7) + sv.dim(masks[4:5], 0.6)
            + sv.brighten(masks[5:6], 0.5) + sv.boxes(b[:4], color="white", width=1))
    right = sv.image(img) + sv.desaturate(masks, outside=True) + sv.dim(masks, 0.3, outside=True)
    return left | right


def labels_scene():
    """Labels asking for anchors: inside the bottom right corner with an offset and an
    ellipsis, centred on the masks' centres of mass with wrapping, and per-label sizes."""
    img = samples.photo(320, 214, seed=0)
    det = samples.detections(320, 214, seed=0)
    corner = annotate.instances(det, image=img, classes=samples.CLASSES, label_anchor="bottom_right",
                                label_inside=True, label_offset=(-1, -1), label_max_width=64,
                                label_overflow="ellipsis", show_masks=False)
    mass = annotate.instances(det, image=img, classes=samples.CLASSES, label_anchor="mass", label_max_width=52,
                              font_size=np.linspace(9, 15, len(det["labels"])), show_boxes=False)
    return corner | mass


def keypoint_styles_scene():
    """The same people in MMPose's style with index labels, in OpenPose's, and with names
    and a larger nose."""
    people, visible = pose_people()
    data = {"keypoints": people, "keypoint_scores": visible}
    light, dark = np.full((180, 260, 3), 236, np.uint8), np.full((180, 260, 3), 24, np.uint8)
    return (annotate.keypoints(data, image=light, style="mmpose", show_kpt_idx=True, radius=3, line_width=2)
            | annotate.keypoints(data, image=dark, style="openpose")
            | annotate.keypoints(data, image=light, show_kpt_names=True, radius=np.r_[6.0, np.full(16, 3.0)]))


def inset_scene():
    """An inset of a crowded corner beside the picture, and a smaller one over it."""
    img = samples.photo(320, 214, seed=0)
    det = samples.detections(320, 214, seed=0)
    picture = annotate.instances(det, image=img, classes=samples.CLASSES)
    return sv.inset(sv.inset(picture, (140, 95, 240, 160), 2.0, at="right"), (0, 80, 60, 120), 1.5, at="top_left")


def chart_scene():
    """Two runs' losses over 3,000 steps (thinned per pixel column), one with a spike."""
    from scenevis.annotate.chart import line_chart

    rng = np.random.default_rng(0)
    steps = np.arange(3000)
    first = 2.0 * np.exp(-steps / 900) + rng.normal(0, 0.04, 3000)
    first[1700] = 2.6
    second = 1.7 * np.exp(-steps / 700) + 0.1 + rng.normal(0, 0.04, 3000)
    return line_chart({"run a": (steps, first), "run b": (steps, second)}, title="train/loss",
                      size=(360, 200)).scene()


# ------------------------------------------------------------------------------ by name

SCENES = {
    "render_overlay": overlay_scene,
    "render_shapes": shapes_scene,
    "render_heatmap_text": heatmap_text_scene,
    "annotate_crowded": crowded_scene,
    "annotate_semantic": semantic_scene,
    "annotate_panoptic": panoptic_scene,
    "annotate_pose": pose_scene,
    "annotate_compare": compare_scene,
    "annotate_cjk": cjk_scene,
    "annotate_datasample": datasample_scene,
    "facade_mmengine_style": lambda: mmengine_style_visualizer()[0].scene,
    "featmap_layer": featmap_layer_scene,
    "tracks_frame": tracks_scene,
    "vocabulary_rotated": rotated_scene,
    "vocabulary_markers": markers_scene,
    "vocabulary_effects": effects_scene,
    "vocabulary_labels": labels_scene,
    "vocabulary_keypoints": keypoint_styles_scene,
    "vocabulary_inset": inset_scene,
    "chart_lines": chart_scene,
}

PICTURES = {
    "featmap_squeeze_mean": lambda: featmap_over_image(channel_reduction="squeeze_mean"),
    "featmap_select_max": lambda: featmap_over_image(channel_reduction="select_max"),
    "featmap_topk_grid": lambda: featmap_over_image(channel_reduction=None, topk=8, arrangement=(2, 4)),
    "featmap_heat": lambda: featmap_alone(),
    "featmap_topk_plain": lambda: featmap_alone(overlaid_image=None, channel_reduction=None, topk=6,
                                                arrangement=(2, 3)),
    "featmap_rgb": lambda: featmap_alone(3, overlaid_image=None, channel_reduction=None, topk=0),
}


def picture(name: str) -> np.ndarray:
    """The golden ``name`` drawn now, as an (H, W, 3) uint8 array."""
    return sv.render(SCENES[name]()) if name in SCENES else PICTURES[name]()
