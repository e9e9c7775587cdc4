"""``DetVisualizer``: the facade's ``add_datasample`` for detection, segmentation and pose.

Layer 7. A :class:`~scenevis.Visualizer` that draws a whole data sample with
:func:`scenevis.annotate.datasample`: ground truth left and prediction right (or both
on one image), labels that never collide, stable class colors. It follows the contract
of MMDetection's ``DetLocalVisualizer.add_datasample``: the drawn picture becomes the
visualizer's current image; ``show`` displays it; ``out_file`` writes it to a file
(and then nothing goes to the backends); otherwise it is recorded with ``add_image``,
together with the sample's annotations as plain values (``annotations=``, see
``scenevis/backends/_annotations.py``) for trackers that show them interactively: W&B
gets the image with box and mask overlays beside the picture, MLflow a JSON artifact.
Registered in ``VISUALIZERS`` as ``'DetVisualizer'`` and ``'DetLocalVisualizer'``, so
MMDetection configs build it unchanged.
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from scenevis.backends._values import check_step
from scenevis.annotate.datasample import LAYOUTS, datasample
from scenevis.annotate.records import sample_annotations
from scenevis.errors import VisualizerValueError, facade_errors
from scenevis.registry import VISUALIZERS
from scenevis.scene import Scene
from scenevis.visualizer import Visualizer

__all__ = ["DetVisualizer"]


@VISUALIZERS.register_module(name=["DetVisualizer", "DetLocalVisualizer"])
class DetVisualizer(Visualizer):
    """A visualizer that draws data samples (instances, masks, segmentation, keypoints).

    Args (beyond :class:`~scenevis.Visualizer`'s):
        layout: ``'side'`` (ground truth left, prediction right; the picture is twice as
            wide as the image, as MMDetection's) or ``'overlay'`` (both on the image,
            ground truth dashed).
        palette: class colors when ``dataset_meta`` has none: a ``Palette``,
            ``'default'``, ``'colorblind'`` or a list of colors.
        captions: tag each image "ground truth" / "prediction".
        bbox_color, text_color, mask_color, line_width, alpha: accepted so MMDetection
            configs build unchanged; colors come from the palette instead.
    """

    def __init__(self, name: str = "visualizer", image: Optional[np.ndarray] = None, vis_backends: Any = None,
                 save_dir: Optional[str] = None, *, layout: str = "side", palette: Any = None,
                 captions: bool = True, bbox_color: Any = None, text_color: Any = None, mask_color: Any = None,
                 line_width: Any = None, alpha: Any = None, **kwargs: Any) -> None:
        super().__init__(name=name, image=image, vis_backends=vis_backends, save_dir=save_dir, **kwargs)
        if layout not in LAYOUTS:
            raise VisualizerValueError(f"layout: expected one of {list(LAYOUTS)}, got {layout!r}")
        self.layout = layout
        self.palette = palette
        self.captions = bool(captions)

    @facade_errors
    def draw_datasample(self, image: Any, data_sample: Any = None, draw_gt: bool = True, draw_pred: bool = True,
                        pred_score_thr: float = 0.3, layout: Optional[str] = None) -> Scene:
        """The sample as a scene (see :func:`scenevis.annotate.datasample`), also made
        this visualizer's current drawing; returns the scene."""
        scene = datasample(image, data_sample, dataset_meta=self.dataset_meta, draw_gt=draw_gt,
                           draw_pred=draw_pred, pred_score_thr=pred_score_thr,
                           layout=self.layout if layout is None else layout, palette=self.palette,
                           captions=self.captions)
        self._adopt_scene(scene)
        return scene

    def add_datasample(self, name: str, image: np.ndarray, data_sample: Any = None, draw_gt: bool = True,
                       draw_pred: bool = True, show: bool = False, wait_time: float = 0, out_file: Optional[str] = None,
                       pred_score_thr: float = 0.3, step: int = 0) -> None:
        """Draw ``data_sample`` over ``image`` (RGB) and show, save or record it.

        ``data_sample`` is a dict or data element with ``gt_instances``,
        ``pred_instances``, ``gt_sem_seg``, ``pred_sem_seg``, ``gt_panoptic_seg`` or
        ``pred_panoptic_seg`` (torch tensors or numpy arrays inside). Predictions scoring
        at most ``pred_score_thr`` are left out. With ``show`` the picture is displayed
        (window, notebook, or a temporary PNG when headless) for ``wait_time`` seconds.
        With ``out_file`` it is written there by the rule of ``scenevis.save`` (PNG, JPEG,
        SVG or PDF by the extension; RGB as drawn, missing folders created) and not sent to
        the backends; otherwise it is recorded with ``add_image(name, picture, step,
        annotations=...)``: the picture, and the drawn sides' boxes, labels, scores, masks
        and semantic maps over ``image`` for backends that keep them (W&B overlays, MLflow
        JSON; the others ignore them).
        """
        if not isinstance(name, str):
            raise TypeError(f"name: expected a str, got {type(name).__name__}")
        if data_sample is not None and callable(getattr(data_sample, "cpu", None)) and not hasattr(data_sample, "dtype"):
            data_sample = data_sample.cpu()  # a data element: its tensors to the CPU
        scene = self.draw_datasample(image, data_sample, draw_gt, draw_pred, pred_score_thr)
        drawn = self.get_image()
        if show:
            self.show(drawn, win_name=name, wait_time=wait_time)
        if out_file is not None:
            write_picture(out_file, scene, drawn)
            return
        # Read by the same rules as the drawing, which has already refused anything malformed.
        annotations = sample_annotations(image, data_sample, dataset_meta=self.dataset_meta, draw_gt=draw_gt,
                                         draw_pred=draw_pred, pred_score_thr=pred_score_thr)
        if annotations is None:
            self.add_image(name, drawn, step)
        else:
            self._fan_out("add_image", name, drawn, check_step(step), annotations=annotations,
                          scene=self._drawn_scene_file(drawn))


def write_picture(path: Any, scene: Scene, drawn: np.ndarray) -> str:
    """Write the picture to ``path`` by the rule of ``scenevis.save`` (PNG, JPEG, SVG or PDF
    by the extension, missing folders created, provenance included): rasters from
    ``drawn``, vectors from ``scene``."""
    from scenevis._png import picture_path, write_raster
    from scenevis.renderer import provenance, save

    path, ext = facade_errors(picture_path)(path, "out_file")
    if ext in (".svg", ".pdf"):
        return save(scene, path)
    write_raster(path, drawn, text=provenance.entries(scene))
    return path
