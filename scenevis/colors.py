"""Colors and palettes, stored one way: RGBA as uint8 0-255.

Layer 1. Public inputs accept a name (CSS4 names and matplotlib's one-letter colors, so
``'g'`` is (0, 128, 0) as in MMEngine), ``'none'``, hex (``'#f00'``, ``'#ff0000'``,
``'#ff000080'``), RGB or RGBA tuples, and ``Color`` values. Per-item colors are a
sequence of those or an (N, 3)/(N, 4) array.

Numeric channels follow one rule everywhere (images too, :func:`scenevis._arrays.levels`):
integers are 0-255; floats are 0-1 when all of the value's channels lie in [0, 1]
(``(1.0, 0, 0)`` is red, ``(0.5, 0.5, 0.5)`` mid gray) and 0-255 otherwise
(``(255.0, 0, 0)`` is red). One color value (a tuple, an array or a list of colors) is read
on one scale. An integer color whose channels are all 0 or 1, such as ``(1, 0, 0)``, is
almost black on the 0-255 scale and warns.
"""
from __future__ import annotations

import colorsys
import numbers
import warnings
from typing import Any, Optional

import attrs
import numpy as np

from scenevis._arrays import as_numpy, check_shape, frozen, levels

__all__ = ["Color", "Palette", "color_array", "parse_color", "is_one_color", "class_id_array",
           "DEFAULT_PALETTE", "COLORBLIND_PALETTE"]

# CSS Color Module Level 4 named colors.
_CSS4 = """
aliceblue:f0f8ff antiquewhite:faebd7 aqua:00ffff aquamarine:7fffd4 azure:f0ffff
beige:f5f5dc bisque:ffe4c4 black:000000 blanchedalmond:ffebcd blue:0000ff
blueviolet:8a2be2 brown:a52a2a burlywood:deb887 cadetblue:5f9ea0 chartreuse:7fff00
chocolate:d2691e coral:ff7f50 cornflowerblue:6495ed cornsilk:fff8dc crimson:dc143c
cyan:00ffff darkblue:00008b darkcyan:008b8b darkgoldenrod:b8860b darkgray:a9a9a9
darkgreen:006400 darkgrey:a9a9a9 darkkhaki:bdb76b darkmagenta:8b008b
darkolivegreen:556b2f darkorange:ff8c00 darkorchid:9932cc darkred:8b0000
darksalmon:e9967a darkseagreen:8fbc8f darkslateblue:483d8b darkslategray:2f4f4f
darkslategrey:2f4f4f darkturquoise:00ced1 darkviolet:9400d3 deeppink:ff1493
deepskyblue:00bfff dimgray:696969 dimgrey:696969 dodgerblue:1e90ff firebrick:b22222
floralwhite:fffaf0 forestgreen:228b22 fuchsia:ff00ff gainsboro:dcdcdc ghostwhite:f8f8ff
gold:ffd700 goldenrod:daa520 gray:808080 green:008000 greenyellow:adff2f grey:808080
honeydew:f0fff0 hotpink:ff69b4 indianred:cd5c5c indigo:4b0082 ivory:fffff0 khaki:f0e68c
lavender:e6e6fa lavenderblush:fff0f5 lawngreen:7cfc00 lemonchiffon:fffacd
lightblue:add8e6 lightcoral:f08080 lightcyan:e0ffff lightgoldenrodyellow:fafad2
lightgray:d3d3d3 lightgreen:90ee90 lightgrey:d3d3d3 lightpink:ffb6c1 lightsalmon:ffa07a
lightseagreen:20b2aa lightskyblue:87cefa lightslategray:778899 lightslategrey:778899
lightsteelblue:b0c4de lightyellow:ffffe0 lime:00ff00 limegreen:32cd32 linen:faf0e6
magenta:ff00ff maroon:800000 mediumaquamarine:66cdaa mediumblue:0000cd
mediumorchid:ba55d3 mediumpurple:9370db mediumseagreen:3cb371 mediumslateblue:7b68ee
mediumspringgreen:00fa9a mediumturquoise:48d1cc mediumvioletred:c71585
midnightblue:191970 mintcream:f5fffa mistyrose:ffe4e1 moccasin:ffe4b5
navajowhite:ffdead navy:000080 oldlace:fdf5e6 olive:808000 olivedrab:6b8e23
orange:ffa500 orangered:ff4500 orchid:da70d6 palegoldenrod:eee8aa palegreen:98fb98
paleturquoise:afeeee palevioletred:db7093 papayawhip:ffefd5 peachpuff:ffdab9
peru:cd853f pink:ffc0cb plum:dda0dd powderblue:b0e0e6 purple:800080
rebeccapurple:663399 red:ff0000 rosybrown:bc8f8f royalblue:4169e1 saddlebrown:8b4513
salmon:fa8072 sandybrown:f4a460 seagreen:2e8b57 seashell:fff5ee sienna:a0522d
silver:c0c0c0 skyblue:87ceeb slateblue:6a5acd slategray:708090 slategrey:708090
snow:fffafa springgreen:00ff7f steelblue:4682b4 tan:d2b48c teal:008080 thistle:d8bfd8
tomato:ff6347 turquoise:40e0d0 violet:ee82ee wheat:f5deb3 white:ffffff
whitesmoke:f5f5f5 yellow:ffff00 yellowgreen:9acd32

"""
# matplotlib's single-letter colors, which MMEngine's colors inherit.
_LETTERS = {
    "b": (0, 0, 255), "g": (0, 128, 0), "r": (255, 0, 0), "c": (0, 191, 191),
    "m": (191, 0, 191), "y": (191, 191, 0), "k": (0, 0, 0), "w": (255, 255, 255),
}
NAMED_COLORS: dict[str, tuple[int, int, int]] = {
    name: (int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16))
    for name, h in (item.split(":") for item in _CSS4.split())
}
NAMED_COLORS.update(_LETTERS)


def _channel(instance, attribute, value):
    if not 0 <= value <= 255:
        raise ValueError(f"{attribute.name}: expected an integer in [0, 255], got {value!r}")


@attrs.frozen
class Color:
    """One RGBA color, each channel an integer in [0, 255]."""

    r: int = attrs.field(converter=int, validator=_channel)
    g: int = attrs.field(converter=int, validator=_channel)
    b: int = attrs.field(converter=int, validator=_channel)
    a: int = attrs.field(default=255, converter=int, validator=_channel)

    @classmethod
    def from_hex(cls, text: str) -> "Color":
        digits = text[1:] if text.startswith("#") else text
        if len(digits) in (3, 4):
            digits = "".join(ch * 2 for ch in digits)
        if len(digits) not in (6, 8):
            raise ValueError(f"color: expected hex '#rgb', '#rrggbb' or '#rrggbbaa', got {text!r}")
        try:
            values = [int(digits[i:i + 2], 16) for i in range(0, len(digits), 2)]
        except ValueError:
            raise ValueError(f"color: expected hex digits, got {text!r}") from None
        return cls(*values)

    @classmethod
    def from_name(cls, name: str) -> "Color":
        key = name.strip().lower().replace(" ", "")
        if key in ("none", "transparent"):
            return cls(0, 0, 0, 0)
        if key not in NAMED_COLORS:
            raise ValueError(f"color: unknown color name {name!r} (use a CSS name, one of 'bgrcmykw', or hex)")
        return cls(*NAMED_COLORS[key])

    @classmethod
    def from_hsv(cls, h: float, s: float, v: float) -> "Color":
        r, g, b = colorsys.hsv_to_rgb(h % 1.0, s, v)
        return cls(round(r * 255), round(g * 255), round(b * 255))

    @property
    def rgb(self) -> tuple[int, int, int]:
        return (self.r, self.g, self.b)

    @property
    def rgba(self) -> tuple[int, int, int, int]:
        return (self.r, self.g, self.b, self.a)

    @property
    def hex(self) -> str:
        tail = f"{self.a:02x}" if self.a != 255 else ""
        return f"#{self.r:02x}{self.g:02x}{self.b:02x}{tail}"

    def with_alpha(self, alpha: float) -> "Color":
        """The same color with opacity ``alpha`` in [0, 1]."""
        return attrs.evolve(self, a=round(float(alpha) * 255))


def _is_channel(value: Any) -> bool:
    kind = type(value)
    if kind is int or kind is float:  # the common case, without the slower ABC check
        return True
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def is_one_color(value: Any) -> bool:
    """Whether ``value`` spells one color rather than a sequence of colors: a string, a
    :class:`Color`, a tuple or list of numbers (of any length; a length other than 3 or 4
    is an error when it is read) or a 1-D array or tensor."""
    if isinstance(value, (str, Color)):
        return True
    if isinstance(value, (tuple, list)):
        return len(value) > 0 and all(_is_channel(v) for v in value)
    if isinstance(value, np.ndarray):
        return value.ndim == 1 and value.dtype.kind in "biuf"
    return hasattr(value, "detach") and getattr(value, "ndim", None) == 1


def _rgba(array: np.ndarray, name: str) -> np.ndarray:
    """(K, 3) or (K, 4) numeric channels as (K, 4) uint8 RGBA, by the one channel rule."""
    check_shape(array, name, (None, 3), (None, 4))
    array = levels(array, name)
    if array.shape[1] == 3:
        array = np.concatenate([array, np.full((len(array), 1), 255, np.uint8)], axis=1)
    return array


def _one(value: Any, name: str) -> np.ndarray:
    """One color as a (1, 4) uint8 RGBA array."""
    if isinstance(value, Color):
        return np.array([value.rgba], np.uint8)
    if isinstance(value, str):
        try:
            color = Color.from_hex(value) if value.startswith("#") else Color.from_name(value)
        except ValueError as err:
            raise ValueError(f"{name}: {str(err).removeprefix('color: ')}") from None
        return np.array([color.rgba], np.uint8)
    array = as_numpy(value, name)
    if array.ndim != 1 or len(array) not in (3, 4):
        raise ValueError(f"{name}: expected a color name, hex string or RGB(A) tuple of 3 or 4 channels, "
                         f"got {len(array)} number{'s' if len(array) != 1 else ''} {tuple(array.tolist())}")
    if array.dtype.kind in "iu" and array.max() == 1:
        warnings.warn(f"{name}: {tuple(array.tolist())} is read as 0-255 levels (almost black); write "
                      f"{tuple(int(v) * 255 for v in array[:3].tolist())} for 0-255, or floats such as "
                      f"{tuple(float(v) for v in array[:3].tolist())} for 0-1", UserWarning, stacklevel=4)
    return _rgba(array[None], name)


def parse_color(value: Any, name: str = "color") -> Color:
    """One color from any accepted spelling; errors name ``name``."""
    if isinstance(value, Color):
        return value
    if not is_one_color(value):
        raise TypeError(f"{name}: expected a color name, hex string, or RGB(A) tuple, got {value!r}")
    return Color(*_one(value, name)[0].tolist())


def color_array(value: Any, n: Optional[int] = None, name: str = "color") -> np.ndarray:
    """Colors as a read-only (K, 4) uint8 RGBA array; the one "one color or many" rule.

    ``value`` is one color (see :func:`is_one_color`; K = 1), a sequence of colors, or a
    (K, 3)/(K, 4) array or tensor of channels. With ``n``, K must be 1 (used for every
    item) or ``n`` (one per item). Channels follow the rule in this module's docstring.
    """
    if isinstance(value, np.ndarray) and value.dtype == np.uint8 and value.ndim == 2 and value.shape[1] == 4:
        array = value  # RGBA bytes, as this function returns them: nothing to convert
    elif is_one_color(value):
        array = _one(value, name)
    elif isinstance(value, np.ndarray) and value.ndim == 1 and value.dtype.kind in "USO":
        return color_array(value.tolist(), n, name)  # an array of color names
    elif isinstance(value, np.ndarray) or hasattr(value, "detach"):
        array = _rgba(as_numpy(value, name), name)
    elif isinstance(value, (list, tuple)):
        array = _sequence(value, name)
    else:
        raise TypeError(f"{name}: expected a color or a sequence of colors, got {type(value).__name__}")
    if n is not None and len(array) not in (1, n):
        wanted = "one color" if n == 1 else f"one color or {n} colors (one per item)"
        raise ValueError(f"{name}: expected {wanted}, got {len(array)}")
    return frozen(array, np.uint8)


def _sequence(items: Any, name: str) -> np.ndarray:
    """(K, 4) RGBA of a list of colors: names parse once per distinct name (a detector's
    per-box colors repeat a few class colors); numeric tuples convert as one array."""
    if not items:
        return np.zeros((0, 4), np.uint8)
    if all(isinstance(item, str) for item in items):
        first: dict = {}
        for i, text in enumerate(items):
            first.setdefault(text, i)
        table = {text: _one(text, f"{name}[{i}]")[0] for text, i in first.items()}
        return np.stack([table[text] for text in items])
    if isinstance(items[0], (tuple, list)):
        try:  # numeric tuples of one length: one array
            array = np.asarray(items)
        except ValueError:  # rows of 3 and 4 channels: item by item below
            array = None
        if array is not None and array.ndim == 2 and array.dtype.kind in "iuf":
            return _rgba(array, name)
    return np.concatenate([color_array(item, 1, f"{name}[{i}]") for i, item in enumerate(items)])


def class_id_array(value: Any, name: str = "class_ids") -> np.ndarray:
    """A 1-D int64 array of class ids; fractional, NaN or infinite ids are a ``ValueError``."""
    array = as_numpy(value, name).reshape(-1)
    if array.dtype.kind not in "iuf":
        raise TypeError(f"{name}: expected integer class ids, got dtype {array.dtype}")
    if array.dtype.kind == "f":
        whole = np.isfinite(array) & (array == np.round(array))
        if not whole.all():
            bad = int(np.flatnonzero(~whole)[0])
            raise ValueError(f"{name}: expected integer class ids, got {array[bad].item()!r} at index {bad}")
    return array.astype(np.int64, copy=False)


def _rgb_table(value: Any) -> np.ndarray:
    rgba = color_array(value if isinstance(value, np.ndarray) else list(value), None, "palette")
    if len(rgba) == 0:
        raise ValueError("palette: expected at least one color, got none")
    return frozen(rgba[:, :3], np.uint8)


@attrs.frozen
class Palette:
    """A fixed list of colors indexed by class id, cycling past its end.

    The same id gives the same color in every image and every run.
    """

    colors: np.ndarray = attrs.field(converter=_rgb_table, eq=attrs.cmp_using(eq=np.array_equal), hash=False)

    @classmethod
    def golden(cls, n: int = 64) -> "Palette":
        """``n`` hues spread by the golden ratio; saturation and value run through a short
        cycle, so two ids whose hues happen to be close still differ in lightness."""
        shades = ((0.75, 0.95), (0.9, 0.78), (0.55, 0.9))
        return cls([Color.from_hsv(i * 0.6180339887498949, *shades[i % 3]).rgb for i in range(n)])

    def __len__(self) -> int:
        return len(self.colors)

    def __getitem__(self, class_id: int) -> Color:
        return Color(*self.colors[int(class_id) % len(self.colors)])

    def take(self, class_ids: Any) -> np.ndarray:
        """(N, 4) uint8 RGBA colors for an array of integer class ids."""
        ids = class_id_array(class_ids)
        rgb = self.colors[ids % len(self.colors)]
        return np.concatenate([rgb, np.full((len(ids), 1), 255, np.uint8)], axis=1)


DEFAULT_PALETTE = Palette.golden()
# Okabe & Ito's palette, distinguishable under the common forms of colour blindness.
COLORBLIND_PALETTE = Palette(["#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7", "#000000"])
