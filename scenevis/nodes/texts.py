"""Text nodes: N strings at anchor positions, optionally on background boxes.

Layer 2.
"""
from __future__ import annotations

from typing import Any, Optional

import attrs
import numpy as np

from scenevis._arrays import array_field, coords, frozen, number
from scenevis.colors import color_array
from scenevis.nodes.base import Shape, style_field
from scenevis.nodes.items import with_title
from scenevis.style import Style

__all__ = ["Texts", "texts", "as_strings"]


def as_strings(value: Any) -> tuple:
    """A tuple of drawable strings from one string or a sequence of them."""
    items = (value,) if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)):
        raise TypeError(f"texts: expected a string or a sequence of strings, got {type(value).__name__}")
    try:  # all strings at once; on failure, item by item to name the bad one
        joined = "\n".join(items)
        if "\x00" not in joined:
            joined.encode("utf-8")
            return tuple(items)
    except (TypeError, UnicodeEncodeError):
        pass
    for i, item in enumerate(items):
        if not isinstance(item, str):
            raise TypeError(f"texts[{i}]: expected a string, got {type(item).__name__}")
        if "\x00" in item:
            raise ValueError(f"texts[{i}]: expected text without NUL characters, got {item!r}")
        try:
            item.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError(f"texts[{i}]: expected valid Unicode text, got a lone surrogate in {item!r}") from None
    return tuple(items)


def _pads(value: Any) -> np.ndarray:
    """(N, 4) or (1, 4) ``left, top, right, bottom`` pads from one number, one number per
    item (N,), or one row per item (N, 4). One number per item must be >= 0; a side of a
    row may be negative (a box edge inside the layout box, as labels snapped to whole
    pixels need)."""
    array = coords(value, "pad", (None, 4), (None,), ())
    if array.ndim < 2 and array.size and array.min() < 0:
        raise ValueError(f"pad: expected values >= 0, got {array.min():g}")
    if array.ndim < 2:
        array = frozen(np.repeat(array.reshape(-1, 1), 4, axis=1), np.float64)
    return array


def _optional_colors(name: str):
    def convert(value: Any) -> Optional[np.ndarray]:
        return None if value is None else color_array(value, None, name)
    return convert


@attrs.frozen
class Texts(Shape):
    """N strings anchored at (N, 2) positions, optionally on filled background boxes.

    ``background`` and ``background_edge`` are RGBA (alpha included); ``pad`` is the
    space in pixels between the text's layout box (its advance width by its line
    height) and the background's edge: one number, one per string, or one
    ``(left, top, right, bottom)`` row per string (or one row for all).
    """

    DEFAULTS = Style(color="black")
    PER_ITEM = ("background", "background_edge", "pad")
    ITEMS = ("strings", "xy")

    strings: tuple = attrs.field(converter=as_strings)
    xy: np.ndarray = array_field(converter=lambda v: coords(v, "positions", (None, 2), (2,), columns=2))
    style: Style = style_field()
    background: Optional[np.ndarray] = array_field(default=None, converter=_optional_colors("background"))
    background_edge: Optional[np.ndarray] = array_field(default=None, converter=_optional_colors("background_edge"))
    pad: np.ndarray = array_field(default=2.0, converter=_pads)

    def __attrs_post_init__(self) -> None:
        if len(self.strings) != len(self.xy):
            raise ValueError(f"positions: expected shape ({len(self.strings)}, 2) (one per string), "
                             f"got {len(self.xy)} positions")
        super().__attrs_post_init__()

    @property
    def count(self) -> int:
        return len(self.strings)


def texts(strings: Any, positions: Any, *, color: Any = None, alpha: Any = None, font_size: Any = None,
          font_family: Optional[str] = None, halign: Any = None, valign: Any = None,
          background: Any = None, background_alpha: float = 1.0, background_edge: Any = None,
          pad: Any = 2.0, meta: Any = None, title: Any = None) -> Texts:
    """Strings at (N, 2) anchor positions (``halign``/``valign`` say which point of the text
    sits on the anchor), optionally on a ``background`` box ``pad`` pixels around the text
    (one number, one per string, or ``(left, top, right, bottom)`` rows)."""
    if background is not None:
        background = color_array(background, None, "background")
        opacity = number(background_alpha, "background_alpha", 0.0, 1.0)
        if opacity != 1.0:
            background = background.copy()
            background[:, 3] = np.rint(background[:, 3] * opacity).astype(np.uint8)
    style = Style(color=color, alpha=alpha, font_size=font_size, font_family=font_family, halign=halign, valign=valign)
    return Texts(strings, positions, style, background, background_edge, pad, meta=with_title(meta, title))
