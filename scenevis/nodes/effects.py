"""Effects on what lies beneath (blur, pixelate, desaturate, dim, brighten) and halos.

Layer 2. An :class:`Effect` changes the pixels already painted below it, inside its
regions (or, with ``outside``, inside its ``frame`` but outside every region) and
nowhere else: ``a + blur(boxes)`` blurs ``a`` in the boxes. Regions are boxes or masks
(:class:`~scenevis.nodes.regions.Regions`); overlapping regions are one area, changed
once. Sizes (a blur's radius, a pixelation's block) are in the scene's pixels, so a
scene rendered at ``scale=2`` looks the same, twice as large.

A :class:`Halo` is a soft glow of each region's color around it, fading out over
``radius`` pixels; the region itself stays clear.
"""
from __future__ import annotations

from typing import Any, Optional

import attrs
import numpy as np

from scenevis._arrays import number, number_field
from scenevis.geometry import BBox
from scenevis.nodes.base import Shape, class_style, style_field
from scenevis.nodes.items import with_title
from scenevis.nodes.regions import Regions, as_regions
from scenevis.scene import Scene, _extent
from scenevis.style import Style

__all__ = ["Effect", "Halo", "EFFECTS", "blur", "pixelate", "desaturate", "dim", "brighten", "halo"]

#: Each effect kind and the meaning and range of its ``amount``.
EFFECTS = {
    "blur": ("radius in pixels", 0.5, 500.0),
    "pixelate": ("block side in pixels", 1.0, 1000.0),
    "desaturate": ("strength, 0 (none) to 1 (grey)", 0.0, 1.0),
    "dim": ("strength, 0 (none) to 1 (black)", 0.0, 1.0),
    "brighten": ("strength, 0 (none) to 1 (white)", 0.0, 1.0),
}


def _kind(instance, attribute, value) -> None:
    if value not in EFFECTS:
        raise ValueError(f"kind: expected one of {list(EFFECTS)}, got {value!r}")


def _optional_frame(value: Any) -> Optional[BBox]:
    return None if value is None else _extent(value)


@attrs.frozen(eq=False)
class Effect(Scene):
    """``kind`` applied at ``amount`` (see :data:`EFFECTS`) to what lies beneath, inside
    ``regions``; with ``outside``, inside ``frame`` (default: the masks' frame) but
    outside every region ("grey out everything but the objects")."""

    kind: str = attrs.field(validator=_kind)
    regions: Regions = attrs.field(converter=as_regions)
    amount: float = attrs.field(converter=number_field("amount", 0.0, 1000.0))
    outside: bool = attrs.field(default=False, converter=bool)
    frame: Optional[BBox] = attrs.field(default=None, converter=_optional_frame)

    def __attrs_post_init__(self) -> None:
        meaning, low, high = EFFECTS[self.kind]
        number(self.amount, f"amount ({self.kind}: {meaning})", low, high)
        if self.outside and self.area_frame is None:
            raise ValueError("frame: expected (x0, y0, x1, y1) for an effect outside boxes (the area it "
                             "changes, e.g. the image's extent), got None")

    @property
    def count(self) -> int:
        return self.regions.count

    @property
    def area_frame(self) -> Optional[BBox]:
        """The frame an outside effect works in: ``frame``, else the masks' frame."""
        return self.frame if self.frame is not None else self.regions.frame()


@attrs.frozen(eq=False)
class Halo(Shape):
    """A soft glow in each region's color (``style.color`` at ``style.alpha``) around
    ``regions``, fading out over ``radius`` pixels; the regions themselves stay clear."""

    DEFAULTS = Style(alpha=0.8)

    regions: Regions = attrs.field(converter=as_regions)
    radius: float = attrs.field(default=12.0, converter=number_field("radius", 1.0, 500.0))
    style: Style = style_field()

    @property
    def count(self) -> int:
        return self.regions.count

    def _take_items(self, index: np.ndarray) -> dict:
        return {"regions": self.regions.take(index)}


def _effect(kind: str, regions: Any, amount: float, outside: bool, frame: Any) -> Effect:
    return Effect(kind, as_regions(regions), amount, outside, frame)


def blur(regions: Any, radius: float = 12.0, *, outside: bool = False, frame: Any = None) -> Effect:
    """Blur what lies beneath inside ``regions`` (boxes or masks) over about ``radius``
    pixels: the means of ``radius``-sized cells of the canvas, blended smoothly between
    the cells' centres."""
    return _effect("blur", regions, radius, outside, frame)


def pixelate(regions: Any, size: float = 12.0, *, outside: bool = False, frame: Any = None) -> Effect:
    """Replace what lies beneath inside ``regions`` by ``size`` x ``size`` blocks of its
    mean color (blocks on a grid from the canvas's corner, so neighbours line up)."""
    return _effect("pixelate", regions, size, outside, frame)


def desaturate(regions: Any, amount: float = 1.0, *, outside: bool = False, frame: Any = None) -> Effect:
    """Turn what lies beneath grey (Rec. 601 luma) by ``amount``; with ``outside=True``
    everything in ``frame`` but the regions: colour kept only on the objects."""
    return _effect("desaturate", regions, amount, outside, frame)


def dim(regions: Any, amount: float = 0.5, *, outside: bool = False, frame: Any = None) -> Effect:
    """Darken what lies beneath towards black by ``amount``."""
    return _effect("dim", regions, amount, outside, frame)


def brighten(regions: Any, amount: float = 0.5, *, outside: bool = False, frame: Any = None) -> Effect:
    """Lighten what lies beneath towards white by ``amount``."""
    return _effect("brighten", regions, amount, outside, frame)


def halo(regions: Any, *, radius: float = 12.0, color: Any = None, alpha: Any = None,
         class_ids: Any = None, meta: Any = None, title: Any = None) -> Halo:
    """A soft glow around each region (boxes or masks), fading over ``radius`` pixels;
    ``meta`` and ``title`` as :func:`~scenevis.nodes.shapes.boxes` takes them."""
    node = Halo(as_regions(regions), radius)
    return node.replace(style=class_style(node.count, class_ids, color, alpha=alpha), meta=with_title(meta, title))
