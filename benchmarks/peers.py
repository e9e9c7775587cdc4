"""The peers: the same detection overlay drawn by each library, as its users would write it.

Every peer is a factory ``make_*() -> draw`` whose set-up (imports, annotator or
visualizer objects, fonts) happens once, outside the clock; ``draw(detection)`` returns
a new (H, W, 3) uint8 RGB image and never writes into the caller's arrays. Every peer
draws, in this order: ``k`` masks at alpha 0.5, ``n`` boxes of width 2 in their class
color, and ``n`` labels (white text, 13 px, on a box of the class color at the box's
top-left corner).

The hand-written OpenCV and pycairo versions are deliberately minimal (what a person
writes in ten minutes, with the obvious care: each mask blended only inside its own
bounding box); :func:`numpy_masks` is the direct numpy reference for W3.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from benchmarks.workloads import ALPHA, FONT_SIZE, Detection

__all__ = [
    "make_scenevis", "make_facade", "make_mmengine", "make_supervision", "make_torchvision", "make_opencv", "make_pycairo",
    "make_scenevis_masks", "make_supervision_masks", "make_opencv_masks", "numpy_masks", "mask_boxes",
]

Draw = Callable[[Detection], np.ndarray]


# -- scenevis -----------------------------------------------------------------------------
def make_scenevis() -> Draw:
    """The scene API: build the nodes from the raw arrays, compose, render."""
    import scenevis as sv

    def draw(d: Detection) -> np.ndarray:
        scene = (sv.image(d.image)
                 + sv.masks(d.masks, color=d.mask_colors, alpha=ALPHA)
                 + sv.boxes(d.xyxy, color=d.colors, width=2)
                 + sv.texts(d.labels, d.xyxy[:, :2], color="white", font_size=FONT_SIZE,
                            background=d.colors, pad=2))
        return sv.render(scene)
    return draw


def make_scenevis_masks() -> Draw:
    """W3 through the scene API: image and one masks node."""
    import scenevis as sv

    def draw(d: Detection) -> np.ndarray:
        return sv.render(sv.image(d.image) + sv.masks(d.masks, color=d.mask_colors, alpha=ALPHA))
    return draw


def _draw_like_mmengine(vis, d: Detection) -> np.ndarray:
    """The W1 picture through MMEngine's Visualizer API (shared by MMEngine and the
    scenevis facade, which keeps that API)."""
    vis.set_image(d.image)
    if len(d.masks):
        vis.draw_binary_masks(d.masks, colors=[tuple(c) for c in d.mask_colors.tolist()], alphas=ALPHA)
    colors = [tuple(c) for c in d.colors.tolist()]
    vis.draw_bboxes(d.xyxy, edge_colors=colors, line_widths=2)
    vis.draw_texts(d.labels, d.xyxy[:, :2], colors="white", font_sizes=FONT_SIZE,
                   bboxes=[dict(facecolor=[v / 255 for v in c], edgecolor="none", pad=1, alpha=1.0)
                           for c in colors])
    return vis.get_image()


def make_facade() -> Draw:
    """scenevis's MMEngine-compatible ``Visualizer``, called exactly as MMEngine's."""
    from scenevis.visualizer import Visualizer

    _MMENGINE_COUNT[0] += 1
    vis = Visualizer(name=f"bench_facade_{_MMENGINE_COUNT[0]}")
    return lambda d: _draw_like_mmengine(vis, d)


# -- MMEngine -------------------------------------------------------------------------------
_MMENGINE_COUNT = [0]


def make_mmengine() -> Draw:
    """MMEngine's ``Visualizer`` (matplotlib underneath): set_image, draw_*, get_image."""
    from mmengine.visualization import Visualizer

    _MMENGINE_COUNT[0] += 1
    vis = Visualizer(name=f"bench_{_MMENGINE_COUNT[0]}")
    return lambda d: _draw_like_mmengine(vis, d)


# -- supervision -----------------------------------------------------------------------------
def mask_boxes(masks: np.ndarray) -> np.ndarray:
    """(K, 4) xyxy boxes around masks (supervision's Detections need one per mask)."""
    import supervision as sv

    return sv.mask_to_xyxy(masks).astype(np.float64)


def _sv_palette(colors: np.ndarray):
    import supervision as sv

    # supervision draws with Color.as_bgr(); we hand it RGB images, so store colors swapped.
    return sv.ColorPalette([sv.Color(r=int(c[2]), g=int(c[1]), b=int(c[0])) for c in colors])


def make_supervision() -> Draw:
    """supervision's MaskAnnotator, BoxAnnotator and LabelAnnotator on a copy of the image."""
    import supervision as sv

    from benchmarks.workloads import PALETTE

    palette = _sv_palette(PALETTE)
    masks_ann = sv.MaskAnnotator(color=palette, opacity=ALPHA, color_lookup=sv.ColorLookup.INDEX)
    box_ann = sv.BoxAnnotator(color=palette, thickness=2)
    label_ann = sv.LabelAnnotator(color=palette, text_color=sv.Color.WHITE, text_scale=0.4, text_padding=2,
                                  text_position=sv.Position.TOP_LEFT)
    cache: dict = {}

    def draw(d: Detection) -> np.ndarray:
        key = id(d.masks)
        if key not in cache:  # boxes of the masks come with a model's output; not timed
            cache.clear()
            cache[key] = mask_boxes(d.masks) if len(d.masks) else np.zeros((0, 4))
        out = d.image.copy()
        if len(d.masks):
            per_mask = _sv_palette(d.mask_colors)
            masks_ann.color = per_mask
            masks_ann.annotate(out, sv.Detections(xyxy=cache[key], mask=d.masks))
        dets = sv.Detections(xyxy=d.xyxy, class_id=d.class_ids, confidence=d.scores)
        box_ann.annotate(out, dets)
        label_ann.annotate(out, dets, labels=d.labels)
        return out
    return draw


def make_supervision_masks() -> Draw:
    import supervision as sv

    masks_ann = sv.MaskAnnotator(opacity=ALPHA, color_lookup=sv.ColorLookup.INDEX)
    cache: dict = {}

    def draw(d: Detection) -> np.ndarray:
        key = id(d.masks)
        if key not in cache:
            cache.clear()
            cache[key] = mask_boxes(d.masks)
        out = d.image.copy()
        masks_ann.color = _sv_palette(d.mask_colors)
        return masks_ann.annotate(out, sv.Detections(xyxy=cache[key], mask=d.masks))
    return draw


# -- torchvision -------------------------------------------------------------------------------
def make_torchvision() -> Draw:
    """torchvision.utils.draw_segmentation_masks and draw_bounding_boxes (with labels).

    Imported when the peer first runs, so a missing or broken torchvision is recorded as
    this peer's error instead of stopping the suite."""

    def draw(d: Detection) -> np.ndarray:
        import torch
        from torchvision.utils import draw_bounding_boxes, draw_segmentation_masks

        img = torch.from_numpy(d.image).permute(2, 0, 1).contiguous()
        if len(d.masks):
            img = draw_segmentation_masks(img, torch.from_numpy(d.masks), alpha=ALPHA,
                                          colors=[tuple(c) for c in d.mask_colors.tolist()])
        img = draw_bounding_boxes(img, torch.from_numpy(d.xyxy), labels=d.labels, width=2,
                                  colors=[tuple(c) for c in d.colors.tolist()], font_size=FONT_SIZE)
        return img.permute(1, 2, 0).numpy()
    return draw


def _bbox(mask: np.ndarray):
    """``x0, y0, x1, y1`` (end-exclusive) around a mask's True pixels, None when empty."""
    rows = np.flatnonzero(mask.any(axis=1))
    if not len(rows):
        return None
    y0, y1 = rows[0], rows[-1] + 1
    cols = np.flatnonzero(mask[y0:y1].any(axis=0))
    return cols[0], y0, cols[-1] + 1, y1


# -- hand-written OpenCV ------------------------------------------------------------------------
def _opencv_blend(out: np.ndarray, masks: np.ndarray, colors: np.ndarray) -> None:
    import cv2

    keep = (1 - ALPHA,) * 3 + (0,)
    for mask, color in zip(masks, colors.tolist()):
        box = _bbox(mask)
        if box is None:
            continue
        x0, y0, x1, y1 = box
        roi = out[y0:y1, x0:x1]
        blended = cv2.add(cv2.multiply(roi, keep), tuple(c * ALPHA for c in color) + (0,))
        cv2.copyTo(blended, mask[y0:y1, x0:x1].view(np.uint8), roi)


def make_opencv() -> Draw:
    """OpenCV drawing on a copy of the RGB image: masks blended inside their bounding
    boxes (found with numpy, which beats ``cv2.boundingRect`` on full-size masks), ``cv2.rectangle`` boxes, filled label boxes and anti-aliased Hershey text."""
    import cv2

    font, scale = cv2.FONT_HERSHEY_SIMPLEX, FONT_SIZE / 30.0

    def draw(d: Detection) -> np.ndarray:
        out = d.image.copy()
        _opencv_blend(out, d.masks, d.mask_colors)
        boxes = d.xyxy.astype(np.int32).tolist()
        for (x0, y0, x1, y1), color, label in zip(boxes, d.colors.tolist(), d.labels):
            cv2.rectangle(out, (x0, y0), (x1, y1), color, 2)
            (tw, th), base = cv2.getTextSize(label, font, scale, 1)
            cv2.rectangle(out, (x0, y0), (x0 + tw + 4, y0 + th + base + 4), color, -1)
            cv2.putText(out, label, (x0 + 2, y0 + th + 2), font, scale, (255, 255, 255), 1, cv2.LINE_AA)
        return out
    return draw


def make_opencv_masks() -> Draw:
    def draw(d: Detection) -> np.ndarray:
        out = d.image.copy()
        _opencv_blend(out, d.masks, d.mask_colors)
        return out
    return draw


# -- hand-written pycairo -----------------------------------------------------------------------
def make_pycairo() -> Draw:
    """pycairo on a BGRX copy of the image: masks blended in numpy inside their bounding
    boxes, then rectangles and toy-API text drawn by Cairo, then back to RGB."""
    import cairo

    def draw(d: Detection) -> np.ndarray:
        h, w = d.image.shape[:2]
        buf = np.empty((h, w, 4), np.uint8)
        buf[..., 0], buf[..., 1], buf[..., 2], buf[..., 3] = d.image[..., 2], d.image[..., 1], d.image[..., 0], 255
        wa = int(round(ALPHA * 256))
        for mask, color in zip(d.masks, d.mask_colors.tolist()):
            box = _bbox(mask)
            if box is None:
                continue
            x0, y0, x1, y1 = box
            sel = mask[y0:y1, x0:x1]
            region = buf[y0:y1, x0:x1]
            for ch, value in ((0, color[2]), (1, color[1]), (2, color[0])):
                plane = region[..., ch]
                plane[sel] = (plane[sel].astype(np.uint16) * (256 - wa) + value * wa + 128) >> 8
        surface = cairo.ImageSurface.create_for_data(memoryview(buf).cast("B"), cairo.FORMAT_RGB24, w, h, w * 4)
        ctx = cairo.Context(surface)
        ctx.set_line_width(2)
        ctx.select_font_face("DejaVu Sans")
        ctx.set_font_size(FONT_SIZE)
        ascent, descent = ctx.font_extents()[:2]
        for (x0, y0, x1, y1), (r, g, b), label in zip(np.rint(d.xyxy).tolist(), (d.colors / 255.0).tolist(), d.labels):
            ctx.set_source_rgb(r, g, b)
            ctx.rectangle(x0 + 0.5, y0 + 0.5, x1 - x0, y1 - y0)
            ctx.stroke()
            advance = ctx.text_extents(label).x_advance
            ctx.rectangle(x0, y0, advance + 4, ascent + descent + 4)
            ctx.fill()
            ctx.set_source_rgb(1, 1, 1)
            ctx.move_to(x0 + 2, y0 + 2 + ascent)
            ctx.show_text(label)
        surface.flush()
        out = np.empty((h, w, 3), np.uint8)
        out[..., 0], out[..., 1], out[..., 2] = buf[..., 2], buf[..., 1], buf[..., 0]
        surface.finish()
        return out
    return draw


# -- numpy reference for W3 ---------------------------------------------------------------------------
def numpy_masks(d: Detection) -> np.ndarray:
    """The single-pass numpy blend (W3's reference): each mask's index is painted into one
    label layer inside the mask's own bounding box (a later mask over an earlier one), then
    the union of the boxes is blended once, in 16-bit integers, and written back where a
    mask covers it.

    It blends each pixel once where scenevis composites overlapping masks one over the
    other (MMEngine's semantics), so on overlaps it does less work than scenevis."""
    out = d.image.copy()
    boxes = [_bbox(mask) for mask in d.masks]
    present = [k for k, box in enumerate(boxes) if box is not None]
    if not present:
        return out
    x0 = min(boxes[k][0] for k in present)
    y0 = min(boxes[k][1] for k in present)
    x1 = max(boxes[k][2] for k in present)
    y1 = max(boxes[k][3] for k in present)
    layer = np.full((y1 - y0, x1 - x0), -1, np.int16)
    for k in present:
        bx0, by0, bx1, by1 = boxes[k]
        np.copyto(layer[by0 - y0:by1 - y0, bx0 - x0:bx1 - x0], k, where=d.masks[k, by0:by1, bx0:bx1])
    region = out[y0:y1, x0:x1]
    wa = int(round(ALPHA * 256))
    colors = d.mask_colors.astype(np.uint16)[layer]  # -1 (uncovered) picks a color that is not written
    blended = (region.astype(np.uint16) * (256 - wa) + colors * wa + 128) >> 8
    np.copyto(region, blended.astype(np.uint8), where=(layer >= 0)[..., None])
    return out


# -- W5: logging backends -----------------------------------------------------------------------
SCALARS = ("loss", "acc", "lr", "grad_norm", "time")


class Logger:
    """One logging peer: ``scalars(start, count)`` logs ``count`` steps of 5 scalars and
    ``images(start, count)`` ``count`` 720p images named ``image_name``, each ending with
    the peer's flush (so buffered writers pay for their writes inside the clock);
    ``close()`` at the end (``close`` replaces the backend's own)."""

    def __init__(self, name: str, backend, flush=None, image_name: str = "overlay", close=None):
        self.name, self.backend, self._flush = name, backend, flush
        self.image_name, self._close = image_name, close

    def scalars(self, start: int, count: int) -> None:
        add = self.backend.add_scalars
        for step in range(start, start + count):
            add({"loss": 1.0 / (step + 1), "acc": 0.5, "lr": 0.01, "grad_norm": 3.25, "time": 0.125}, step=step)
        if self._flush is not None:
            self._flush()

    def images(self, image: np.ndarray, start: int, count: int) -> None:
        for step in range(start, start + count):
            self.backend.add_image(self.image_name, image, step=step)
        if self._flush is not None:
            self._flush()

    def close(self) -> None:
        close = self._close or getattr(self.backend, "close", None)
        if close is not None:
            close()


class _SummaryWriterPeer:
    """Raw ``torch.utils.tensorboard.SummaryWriter``: add_scalar per value, add_image (HWC)."""

    def __init__(self, root: str):
        from torch.utils.tensorboard import SummaryWriter

        self.writer = SummaryWriter(root)

    def add_scalars(self, values: dict, step: int) -> None:
        for key, value in values.items():
            self.writer.add_scalar(key, value, step)

    def add_image(self, name: str, image: np.ndarray, step: int) -> None:
        self.writer.add_image(name, image, step, dataformats="HWC")

    def close(self) -> None:
        self.writer.close()


def make_loggers(kind: str, root: str) -> list:
    """The peers of one backend kind (``local``, ``tensorboard``, ``wandb``, ``mlflow``),
    scenevis first, each writing under its own folder of ``root``."""
    import os

    def folder(name: str) -> str:
        path = os.path.join(root, kind, name)
        os.makedirs(path, exist_ok=True)
        return path

    if kind == "local":
        from mmengine.visualization import LocalVisBackend as MMLocal

        from scenevis.backends import LocalVisBackend

        return [Logger("scenevis LocalVisBackend", LocalVisBackend(folder("scenevis"))),
                Logger("MMEngine LocalVisBackend", MMLocal(folder("mmengine")))]
    if kind == "tensorboard":
        from mmengine.visualization import TensorboardVisBackend as MMTensorboard

        from scenevis.backends import TensorboardVisBackend

        ours = TensorboardVisBackend(folder("scenevis"))
        theirs = MMTensorboard(folder("mmengine"))
        raw = _SummaryWriterPeer(folder("raw"))
        return [Logger("scenevis TensorboardVisBackend", ours, lambda: ours.experiment.flush()),
                Logger("MMEngine TensorboardVisBackend", theirs, lambda: theirs.experiment.flush()),
                Logger("raw SummaryWriter", raw, raw.writer.flush)]
    if kind == "wandb":
        from mmengine.visualization import WandbVisBackend as MMWandb

        from scenevis.backends import WandbVisBackend

        settings = dict(mode="offline")
        return [Logger("scenevis WandbVisBackend", WandbVisBackend(folder("scenevis"), init_kwargs=settings)),
                Logger("MMEngine WandbVisBackend", MMWandb(folder("mmengine"), init_kwargs=dict(settings)))]
    if kind == "mlflow":
        return _mlflow_loggers(folder("scenevis"), folder("mmengine"))
    raise ValueError(f"kind: expected 'local', 'tensorboard', 'wandb' or 'mlflow', got {kind!r}")


def _mlflow_loggers(ours_dir: str, theirs_dir: str) -> list:
    """Both MLflow backends on an SQLite store of their own, artifacts in their folder.

    MMEngine's default store (``file://save_dir``) is refused by MLflow 3, so it gets an
    SQLite URI like ours and an experiment of its own whose artifacts stay in its folder;
    its ``add_image`` needs an image extension in the name (``log_image(image, name)``),
    so both log ``overlay.png``. MMEngine's ``close()`` needs a config with ``work_dir``
    first; the benchmark ends its run directly.
    """
    import os

    import mlflow
    from mmengine.visualization import MLflowVisBackend as MMLflow

    from scenevis.backends import MLflowVisBackend

    ours = MLflowVisBackend(ours_dir)
    theirs = MMLflow(theirs_dir, exp_name="mmengine", tracking_uri=f"sqlite:///{theirs_dir}/mlflow.db",
                     artifact_location=os.path.join(theirs_dir, "mlruns"))
    return [Logger("scenevis MLflowVisBackend", ours, image_name="overlay.png"),
            Logger("MMEngine MLflowVisBackend", theirs, image_name="overlay.png", close=mlflow.end_run)]
