"""Vectorized shape nodes: one node holds N items as arrays.

Layer 2. ``Boxes`` holds an (N, 4) array, ``Masks`` N bool masks each cropped to its
bounding box, ``Texts`` N strings and an (N, 2) array; per-item styles are arrays of
length 1 or N.
"""
from scenevis.nodes.base import Shape
from scenevis.nodes.masks import Masks, MaskStack, masks
from scenevis.nodes.shapes import Boxes, Circles, Lines, Points, Polygons, boxes, circles, lines, points, polygons
from scenevis.nodes.texts import Texts, as_strings, texts

__all__ = [
    "Shape", "Boxes", "Points", "Lines", "Circles", "Polygons", "Masks", "MaskStack", "Texts",
    "boxes", "points", "lines", "circles", "polygons", "masks", "texts", "as_strings",
]
