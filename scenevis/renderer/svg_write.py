"""Text of SVG documents: numbers, transforms, paints, embedded PNGs and item titles.

What the semantic SVG painter (:mod:`~scenevis.renderer.svg`) and its handlers write.
"""
from __future__ import annotations

import math
import re
from typing import Optional
from xml.sax.saxutils import quoteattr

import numpy as np

from scenevis import _base64
from scenevis._png import encode_jpeg, encode_mask_png, encode_png
from scenevis.geometry import Affine

__all__ = ["number", "attribute", "matrix", "item_title", "data_value", "png_uri", "mask_uri", "jpeg_uri", "encoded_uri", "paint", "paints", "transform_attribute",
           "device_pixel"]


def number(value: float) -> str:
    """A coordinate as short text: at most 3 decimals, no trailing zeros."""
    if type(value) is float and value.is_integer():  # most of a picture's: its pixel grid
        return str(int(value))
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def attribute(text: str) -> str:
    """``text`` as a quoted XML attribute value, as ``xml.sax.saxutils.quoteattr`` writes
    it (text with nothing to escape, what metadata mostly is, without its seven
    replacements)."""
    return quoteattr(text) if _SPECIAL.search(text) else f'"{text}"'


_SPECIAL = re.compile("[&<>\"'\n\r\t]")


def matrix(affine: Affine) -> str:
    return "matrix(" + " ".join(number(v) for v in affine.as_tuple()) + ")"


def item_title(meta: dict) -> Optional[str]:
    """An item's tooltip from its metadata values: ``title``, else its ``label`` (or
    ``class``) and ``score`` (``'person 0.87'``), else None."""
    if "title" in meta:
        return str(meta["title"])
    name = meta.get("label", meta.get("class"))
    score = meta.get("score")
    parts = [] if name is None else [str(name)]
    if isinstance(score, float) and math.isfinite(score):
        parts.append(f"{score:.2f}")
    elif score is not None:
        parts.append(str(score))
    return " ".join(parts) or None


def data_value(value) -> str:
    """A metadata value as a ``data-`` attribute's text: booleans as ``true``/``false``,
    numbers as the shortest text that reads back to them (a float that is exactly a
    float32, such as a score a model gave as float32, in float32's shortest: ``0.85``,
    not ``0.8500000238418579``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        single = np.float32(value)
        return str(single) if math.isfinite(value) and float(single) == value else repr(value)
    return str(value)


def png_uri(pixels: np.ndarray) -> str:
    """A ``data:`` URI of ``pixels`` (H, W, 3 or 4 uint8) as PNG."""
    return "data:image/png;base64," + _base64.encode_text(encode_png(pixels))


def mask_uri(mask: np.ndarray, rgb, alpha: int) -> str:
    """A ``data:`` URI of a bool (H, W) ``mask`` as a 1-bit PNG in ``rgb`` at ``alpha`` (0-255)."""
    return "data:image/png;base64," + _base64.encode_text(encode_mask_png(mask, rgb, alpha))


def jpeg_uri(pixels: np.ndarray, quality: int) -> str:
    """A ``data:`` URI of ``pixels`` (H, W, 3 uint8) as JPEG of ``quality`` (Pillow)."""
    data = encode_jpeg(pixels, quality, "to_svg: image_quality (images embedded as JPEG) needs Pillow "
                                        "(pip install pillow); or leave image_quality=None for PNG")
    return "data:image/jpeg;base64," + _base64.encode_text(data)


def encoded_uri(data: bytes, kind: str) -> str:
    """A ``data:`` URI of a ``'jpeg'`` or ``'png'`` file's bytes as they are."""
    return f"data:image/{kind};base64," + _base64.encode_text(data)


def paint(kind: str, rgba, alpha: float) -> str:
    """``fill`` or ``stroke`` attributes for an RGBA color at ``alpha``: ``kind="none"``
    when it would not show."""
    opacity = rgba[3] / 255.0 * alpha
    if opacity <= 0.0:
        return f'{kind}="none"'
    text = f'{kind}="#{int(rgba[0]):02x}{int(rgba[1]):02x}{int(rgba[2]):02x}"'
    return text if opacity >= 1.0 else f'{text} {kind}-opacity="{opacity:.4g}"'


def paints(kind: str, colors, alphas, n: int) -> list:
    """:func:`paint` of each of ``n`` items from 1 or n colors and alphas."""
    colors = np.asarray(colors).tolist()
    alphas = np.asarray(alphas, np.float64).reshape(-1).tolist()
    return [paint(kind, colors[i % len(colors)], alphas[i % len(alphas)]) for i in range(n)]


def transform_attribute(device: Affine) -> str:
    """`` transform="matrix(...)"`` for elements in a node's own coordinates ('' for the identity)."""
    return "" if device.is_identity else f' transform="{matrix(device)}"'


def device_pixel(device: Affine) -> float:
    """The length in node units of one device pixel along x (as Cairo's
    ``device_to_user_distance(1, 0)``)."""
    det = device.a * device.e - device.b * device.d
    return math.hypot(device.e, device.d) / abs(det) if det else 1.0
