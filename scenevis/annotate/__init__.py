"""Data samples as pictures: instances, segmentation maps, keypoints, error views, legends.

Layer 5, above the renderer: building labels needs text metrics, so this package uses
:mod:`scenevis.renderer.measure` (and nothing else of the renderer); Cairo loads on the
first measurement, not on import. Every function returns an ordinary scene value, drawn
over ``image`` when one is given:

- :func:`instances`: boxes, masks and ``'person 87.0'`` labels in stable class colors;
- :func:`semantic` and :func:`panoptic`: segmentation maps with region labels;
- :func:`keypoints`: skeletons with per-point visibility;
- :func:`compare`: true positives, false positives and missed objects, with a legend;
- :func:`datasample`: a whole data sample, ground truth beside prediction;
- :func:`legend` and :func:`with_legend`: swatch-and-name legends beside a picture;
- :func:`tracks` and :class:`Trails`: tracked objects in stable per-id colors, with fading trails;
- :func:`line_chart`: line charts (axes, ticks, gridlines, legend) of scalar series.

Labels from every source in one picture go through one placement pass: they stay
inside the image and never overlap; a label moved away from its object gets a leader
line. Inputs are dicts, numpy arrays, torch tensors or MMEngine data elements.
"""
from scenevis.annotate.chart import LineChart, line_chart
from scenevis.annotate.compare import Match, compare, match
from scenevis.annotate.datasample import datasample
from scenevis.annotate.instances import instances
from scenevis.annotate.keypoints import COCO_SKELETON, keypoints
from scenevis.annotate.labels import LabelSet, draw_labels
from scenevis.annotate.legend import legend, with_legend
from scenevis.annotate.palettes import contrast_ratio, instance_shades, resolve_palette, text_colors
from scenevis.annotate.placement import Placement, place_labels
from scenevis.annotate.segmentation import panoptic, semantic
from scenevis.annotate.tracks import Trails, track_colors, tracks

__all__ = [
    "COCO_SKELETON", "LabelSet", "LineChart", "Match", "Placement", "compare", "contrast_ratio", "datasample",
    "draw_labels", "instance_shades", "instances", "keypoints", "legend", "line_chart", "match", "panoptic",
    "place_labels", "resolve_palette", "semantic", "text_colors", "Trails", "track_colors", "tracks", "with_legend",
]
