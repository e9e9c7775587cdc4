"""The SVG painter's rasters: images, heatmaps and masks, embedded as PNG.

An image is stored once however often it is drawn (in ``<defs>``, placed with ``<use>``);
a heatmap is colored and resampled as the Cairo painter does it
(:func:`~scenevis.renderer.rasters.heat_colors`); each mask is one ``<image>`` of its
bounding-box crop in its color and opacity (a 1-bit palette PNG), drawn pixel for pixel, so it can carry its
item's metadata and tooltip.
"""
from __future__ import annotations

import numpy as np

from scenevis.geometry import Affine
from scenevis.renderer.rasters import heat_colors
from scenevis.renderer.shapes import pick
from scenevis.renderer.svg_write import mask_uri, number, png_uri, transform_attribute

__all__ = ["image", "heatmap", "masks", "PIXELATED"]

#: Rasters drawn pixel for pixel when scaled (masks, heatmaps that are not smooth).
PIXELATED = ' style="image-rendering:pixelated"'


def image(p, node, device: Affine, style) -> None:
    found = p.raster(p.redacted(node.pixels, node.x, node.y, device))
    p.element("use", f'href="#{found}" x="{number(node.x)}" y="{number(node.y)}"{transform_attribute(device)}')


def heatmap(p, node, device: Affine, style) -> None:
    rgb, alpha = heat_colors(node, device)
    box = node.extent
    p.element("image", f'x="{number(box.x0)}" y="{number(box.y0)}" width="{number(box.width)}" '
                       f'height="{number(box.height)}" preserveAspectRatio="none" '
                       f'href="{png_uri(np.dstack([rgb, alpha]))}"{"" if node.smooth else PIXELATED}'
                       f'{transform_attribute(device)}')


def masks(p, node, device: Affine, style) -> None:
    n = node.count
    if not n:
        return
    transform = transform_attribute(device)
    marks = p.marks(node)
    colors, alphas = style.color, style.alpha
    for k, (x0, y0, x1, y1) in enumerate(node.masks.boxes.tolist()):
        color = pick(colors, k)
        a = round(float(pick(alphas, k)) * color[3])
        if x1 <= x0 or a == 0:
            continue
        p.element("image", f'x="{number(node.x + x0)}" y="{number(node.y + y0)}" width="{x1 - x0}" '
                           f'height="{y1 - y0}" href="{mask_uri(node.masks.crops[k], color, a)}"{PIXELATED}'
                           f'{transform}',
                  marks[k] if marks else None)
