"""Colors and palettes, stored one way: RGBA as uint8 0-255.

Layer 1. Public inputs accept a name (CSS4 names and matplotlib's one-letter colors, so
``'g'`` is (0, 128, 0) as in MMEngine), ``'none'``, hex (``'#f00'``, ``'#ff0000'``,
``'#ff000080'``), 0-255 RGB or RGBA tuples, and ``Color`` values. Per-item colors are a
sequence of those or an (N, 3)/(N, 4) array.
"""
from __future__ import annotations

import colorsys
import numbers
from typing import Any

import attrs
import numpy as np

from scenevis._arrays import as_numpy, check_shape, frozen

__all__ = ["Color", "Palette", "color_array", "parse_color", "DEFAULT_PALETTE", "COLORBLIND_PALETTE"]

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


def _is_single(value: Any) -> bool:
    if isinstance(value, (str, Color)):
        return True
    if isinstance(value, (tuple, list)) and len(value) in (3, 4):
        return all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in value)
    return False


def parse_color(value: Any, name: str = "color") -> Color:
    """One color from any accepted spelling; errors name ``name``."""
    if isinstance(value, Color):
        return value
    try:
        if isinstance(value, str):
            return Color.from_hex(value) if value.startswith("#") else Color.from_name(value)
        if _is_single(value):
            if any(not 0 <= v <= 255 for v in value):
                raise ValueError(f"expected 0-255 channels, got {tuple(value)}")
            return Color(*(round(v) for v in value))
    except ValueError as err:
        message = str(err).removeprefix("color: ")
        raise ValueError(f"{name}: {message}") from None
    raise TypeError(f"{name}: expected a color name, hex string, or 0-255 RGB(A) tuple, got {value!r}")


def color_array(value: Any, n: int, name: str = "color") -> np.ndarray:
    """Per-item colors as a read-only (K, 4) uint8 RGBA array, K being 1 or ``n``.

    ``value`` is one color (broadcast to all items), a sequence of ``n`` colors, or an
    (n, 3)/(n, 4) array of 0-255 channels.
    """
    if _is_single(value):
        return frozen(np.array([parse_color(value, name).rgba], dtype=np.uint8), np.uint8)
    if isinstance(value, np.ndarray) and value.dtype == np.uint8 and value.ndim == 2 and value.shape[1] == 4:
        if len(value) not in (1, n):  # RGBA bytes, as this function returns them: nothing to convert
            raise ValueError(f"{name}: expected 1 or {n} colors, got {len(value)}")
        return frozen(value, np.uint8)
    if isinstance(value, np.ndarray) or hasattr(value, "detach"):
        array = as_numpy(value, name)
        check_shape(array, name, (None, 3), (None, 4))
        if len(array) not in (1, n):
            raise ValueError(f"{name}: expected 1 or {n} colors, got {len(array)}")
        if array.size and (array.min() < 0 or array.max() > 255):
            raise ValueError(f"{name}: expected 0-255 channels, got range [{array.min()}, {array.max()}]")
        if array.shape[1] == 3:
            array = np.concatenate([array, np.full((len(array), 1), 255)], axis=1)
        return frozen(np.rint(array), np.uint8)
    if isinstance(value, (list, tuple)):
        if len(value) not in (1, n):
            raise ValueError(f"{name}: expected one color or {n} colors, got {len(value)}")
        rgba = [parse_color(item, f"{name}[{i}]").rgba for i, item in enumerate(value)]
        return frozen(np.array(rgba, dtype=np.uint8).reshape(-1, 4), np.uint8)
    raise TypeError(f"{name}: expected a color or a sequence of colors, got {type(value).__name__}")


def _rgb_table(value: Any) -> np.ndarray:
    rgba = color_array(list(value), len(value), "palette") if len(value) else np.zeros((0, 4), np.uint8)
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
        ids = np.asarray(as_numpy(class_ids, "class_ids"), dtype=np.int64).reshape(-1)
        rgb = self.colors[ids % len(self.colors)]
        return np.concatenate([rgb, np.full((len(ids), 1), 255, np.uint8)], axis=1)


DEFAULT_PALETTE = Palette.golden()
# Okabe & Ito's palette, distinguishable under the common forms of colour blindness.
COLORBLIND_PALETTE = Palette(["#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7", "#000000"])
