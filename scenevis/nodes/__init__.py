"""Vectorized shape nodes: one node holds N items as arrays.

Layer 2. ``Boxes`` holds an (N, 4) array, ``Masks`` N bool masks each cropped to its
bounding box, ``Texts`` N strings and an (N, 2) array; per-item styles are arrays of
length 1 or N.
"""
from scenevis.nodes.base import Shape
from scenevis.nodes.effects import EFFECTS, Effect, Halo, blur, brighten, desaturate, dim, halo, pixelate
from scenevis.nodes.markers import MARKERS, Markers, markers
from scenevis.nodes.masks import Masks, MaskStack, masks
from scenevis.nodes.shapes import Boxes, Circles, Lines, Points, Polygons, boxes, circles, lines, points, polygons
from scenevis.nodes.regions import Regions, as_regions
from scenevis.nodes.rotated import RotatedBoxes, rotated_boxes, rotated_corners
from scenevis.nodes.texts import Texts, as_strings, texts

__all__ = [
    "Shape", "Boxes", "Points", "Lines", "Circles", "Polygons", "Masks", "MaskStack", "Texts",
    "boxes", "points", "lines", "circles", "polygons", "masks", "texts", "as_strings",
    "RotatedBoxes", "rotated_boxes", "rotated_corners", "Markers", "MARKERS", "markers", "Regions", "as_regions",
    "Effect", "Halo", "EFFECTS", "blur", "pixelate", "desaturate", "dim", "brighten", "halo",
]
