"""scenevis: see what deep-learning models do.

Draw calls return immutable scene values; ``a + b`` puts ``b`` over ``a``, ``a | b`` and
``a / b`` set scenes side by side and one above the other; ``render`` turns a scene into
an (H, W, 3) uint8 RGB array, ``to_svg`` into SVG, ``save`` into PNG/SVG/PDF.

Importing scenevis loads numpy and attrs only: Cairo is loaded on the first render, and
torch, TensorBoard, wandb and PyAV only by the parts that use them.
"""
# Everything below is light: Cairo is imported by the painter on the first render.
from scenevis import annotate, batch, datasets, featmap, samples, scenefile, video
from scenevis._version import __version__  # noqa: F401  (the package version)
from scenevis.backends import BaseVisBackend, LocalVisBackend, TensorboardVisBackend, WandbVisBackend
from scenevis.batch import save_all
from scenevis.colors import COLORBLIND_PALETTE, DEFAULT_PALETTE, Color, Palette
from scenevis.compose import grid, hstack, inset, pad, titled, vstack
from scenevis.det_visualizer import DetVisualizer
from scenevis.errors import VisualizerValueError
from scenevis.featmap_views import draw_featmap, featmap_layer
from scenevis.geometry import Affine, BBox
from scenevis.nodes import (Boxes, Circles, Effect, Halo, Lines, Markers, Masks, Points, Polygons, Regions,
                            RotatedBoxes, Texts, blur, boxes, brighten, circles, desaturate, dim, halo, lines, markers,
                            masks, pixelate, points, polygons, rotated_boxes, texts)
from scenevis.registry import VISBACKENDS, VISUALIZERS, ManagedInstances, Registry
from scenevis.renderer import render, save, to_pdf, to_png, to_svg
from scenevis.scenefile import dump, from_dict, load
from scenevis.scene import Background, Empty, Group, Heatmap, Image, Scene, background, heatmap, image
from scenevis.style import Style
from scenevis.track_visualizer import TrackVisualizer
from scenevis.visualizer import Visualizer

__all__ = [
    "save_all", "batch", "datasets", "DetVisualizer", "TrackVisualizer", "Visualizer", "VisualizerValueError", "annotate",
    "featmap", "draw_featmap", "featmap_layer", "samples", "scenefile", "video", "dump", "load", "from_dict",
    "BaseVisBackend", "LocalVisBackend", "TensorboardVisBackend", "WandbVisBackend",
    "ManagedInstances", "Registry", "VISBACKENDS", "VISUALIZERS",
    "Affine", "BBox", "Background", "Boxes", "Circles", "Color", "COLORBLIND_PALETTE", "DEFAULT_PALETTE", "Empty",
    "Group", "Heatmap", "Image", "Lines", "Masks", "Palette", "Points", "Polygons", "Scene", "Style", "Texts",
    "background", "boxes", "circles", "grid", "heatmap", "hstack", "image", "lines", "masks", "pad", "points",
    "polygons", "render", "save", "texts", "titled", "to_pdf", "to_png", "to_svg", "vstack",
    "Effect", "Halo", "Markers", "Regions", "RotatedBoxes", "blur", "brighten", "desaturate", "dim", "halo", "markers",
    "inset", "pixelate", "rotated_boxes",
]
