"""Data samples as pictures: instances with labels that never collide, stable colors."""
from scenevis.annotate.instances import instances
from scenevis.annotate.labels import LabelSet, draw_labels
from scenevis.annotate.palettes import contrast_ratio, instance_shades, resolve_palette, text_colors
from scenevis.annotate.placement import Placement, place_labels

__all__ = ["LabelSet", "Placement", "contrast_ratio", "draw_labels", "instance_shades", "instances", "place_labels",
           "resolve_palette", "text_colors"]
