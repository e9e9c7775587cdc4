"""Feature maps as pictures and scene layers, built on the pure :mod:`scenevis.featmap`.

Layer 5 (above the renderer): ``draw_featmap`` labels the cells of its top-k grid with
text drawn by the renderer, and ``featmap_layer`` makes a heatmap scene node.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence, Tuple

import numpy as np

from scenevis import colormaps
from scenevis.featmap import featmap_picture, one_map
from scenevis.nodes import texts
from scenevis.scene import Heatmap, heatmap
from scenevis.scene import image as image_layer

__all__ = ["draw_featmap", "featmap_layer"]

_LABEL_SIZE = 10 * 100 / 72  # MMEngine labels cells at 10 pt on a 100 dpi figure


def draw_featmap(featmap: Any, overlaid_image: Any = None, channel_reduction: Optional[str] = "squeeze_mean",
                 topk: int = 20, arrangement: Tuple[int, int] = (4, 5), resize_shape: Optional[Sequence[int]] = None,
                 alpha: float = 0.5) -> np.ndarray:
    """Draw a (C, H, W) feature map as a new (H', W', 3) uint8 RGB image, as MMEngine does.

    The pixels are :func:`scenevis.featmap.featmap_picture`'s (its docstring gives every
    rule); each cell of a top-k grid is labelled with its channel index, drawn by Cairo on a
    light box instead of by matplotlib.
    """
    picture = featmap_picture(featmap, overlaid_image, channel_reduction, topk, arrangement, resize_shape, alpha)
    if picture.channels is not None:
        _label_cells(picture.image, picture.channels, picture.cell, picture.arrangement)
    return picture.image


def _label_cells(mosaic: np.ndarray, indices: np.ndarray, size: Tuple[int, int],
                 arrangement: Tuple[int, int]) -> None:
    """Write each cell's channel label into ``mosaic`` in place.

    Only the top strip of each grid row, where the labels sit, goes through the renderer:
    the strips are stacked into one small image, labelled as one scene, and copied back.
    """
    height, width = size
    rows, cols = arrangement
    labels, anchors, font = _labels(indices, size, cols)
    strip = min(height, int(np.ceil(anchors[0, 1] + 0.4 * font + 2)))
    used = -(-len(indices) // cols)
    bands = mosaic.reshape(rows, height, cols * width, 3)[:used, :strip]
    anchors[:, 1] += (np.arange(len(indices)) // cols) * (strip - height)
    scene = image_layer(bands.reshape(used * strip, cols * width, 3)) + texts(
        labels, anchors, color="black", font_size=font, valign="baseline",
        background="white", background_alpha=0.6, pad=1.0)
    bands[...] = scene.render().reshape(used, strip, cols * width, 3)


def _labels(indices: np.ndarray, size: Tuple[int, int], cols: int) -> Tuple[list, np.ndarray, float]:
    """Label strings and baseline anchors (2 px in, 15 px down, scaled to small cells)."""
    height, width = size
    font = min(_LABEL_SIZE, max(6.0, min(height, width) / 4))
    labels = [f"channel: {int(i)}" for i in indices]
    if max(len(s) for s in labels) * 0.6 * font > width - 2:
        labels = [str(int(i)) for i in indices]
    cells = np.arange(len(indices))
    anchors = np.stack([(cells % cols) * width + 2.0, (cells // cols) * height + font * 15 / _LABEL_SIZE], 1)
    return labels, anchors, font


def featmap_layer(featmap: Any, channel_reduction: Optional[str] = "squeeze_mean", cmap: str = "jet",
                  alpha: float = 0.5, extent: Any = None) -> Heatmap:
    """A :class:`~scenevis.scene.Heatmap` layer of a (C, H, W) feature map.

    The map is reduced at native resolution (``'squeeze_mean'``, ``'select_max'``, or None
    for a 1-channel map) and stretched over ``extent=(x0, y0, x1, y1)`` (default: one
    pixel per value) when the scene is rendered, so it stays smooth at any ``scale`` and
    in SVG and PDF. ``image(photo) + featmap_layer(fm, extent=(0, 0, w, h))`` lays it
    over a photo at ``alpha``.
    """
    values = one_map(featmap, channel_reduction)
    colormaps.lut(cmap)  # an unknown name fails here, naming the known ones
    return heatmap(values, extent=extent, cmap=cmap, alpha=alpha)
