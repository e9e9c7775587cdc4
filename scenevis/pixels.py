"""Pixel formats: every byte-order trick of scenevis, in numpy, in one place.

Layer 0 (numpy only), so the renderer (layer 4) and the feature-map maths (layer 3) share
it. The public layouts are (H, W, 3) RGB and (H, W, 4) straight-alpha RGBA uint8 arrays.
Cairo's ``FORMAT_RGB24`` and ``FORMAT_ARGB32`` are 32-bit native-endian words: on a
little-endian machine the bytes in memory are B, G, R, A (or X), and ARGB32 colors are
premultiplied by alpha.

An ``order`` is the byte index of (red, green, blue, alpha) inside one 4-byte pixel in
memory. ``NATIVE`` is Cairo's own. ``SWAPPED`` keeps red in Cairo's blue slot and blue in
its red slot; the painter renders image surfaces that way (handing Cairo every color with
red and blue exchanged, :func:`cairo_channels`, which Cairo's channel-symmetric compositing
and grayscale anti-aliasing cannot tell apart), because on a little-endian machine the
swapped layout is R, G, B, A in memory: RGB goes in with one 32-bit read per pixel and
comes out with one 32-bit write per pixel, about four times faster than per-channel
copies (0.3 ms instead of 0.9 ms in, 0.25 ms instead of 0.7 ms out, 720p).

*Words* are uint32 values holding a pixel's R, G, B in their first three bytes in memory
(:func:`rgb_words`, :func:`rgb_from_words`): mask blending works on them two bytes per
16-bit lane, and the feature-map colorer packs colormap tables and images into them.
"""
from __future__ import annotations

import sys
from typing import Optional

import numpy as np

__all__ = [
    "BGRA", "NATIVE", "SWAPPED", "RGB_WORDS", "WORD_SHIFTS", "cairo_channels", "packed_color", "rgb_words", "rgb_from_words",
    "paste_rgb", "surface_to_rgb", "surface_to_rgba", "premultiplied", "premultiplied_mask", "fill_opaque", "blend_masks", "covers",
    "store_lanes", "bgr", "Tiles",
]

_LITTLE = sys.byteorder == "little"
#: Byte index of (blue, green, red, alpha) inside one 32-bit Cairo pixel in memory.
BGRA = (0, 1, 2, 3) if _LITTLE else (3, 2, 1, 0)
#: Byte index of (red, green, blue, alpha): Cairo's own order, and red/blue exchanged.
NATIVE = (BGRA[2], BGRA[1], BGRA[0], BGRA[3])
SWAPPED = (BGRA[0], BGRA[1], BGRA[2], BGRA[3])
#: The order of words: R, G, B, then a fourth byte, in memory (SWAPPED on little-endian).
RGB_WORDS = (0, 1, 2, 3)
#: The bit shift of R, G and B inside a word's value.
WORD_SHIFTS = (0, 8, 16) if _LITTLE else (24, 16, 8)


def cairo_channels(order) -> tuple:
    """Indices into an ``(r, g, b, ...)`` color of the values to hand Cairo as its red,
    green and blue so that a surface painted with them holds the color in ``order``:
    ``(2, 1, 0)`` (red and blue exchanged) for :data:`SWAPPED`, ``(0, 1, 2)`` for
    :data:`NATIVE`. The one red/blue swap of the renderer."""
    return (2, 1, 0) if tuple(order) == SWAPPED else (0, 1, 2)


def packed_color(rgba, order) -> int:
    """One pixel's 32-bit word (as the machine reads it) for 0-255 ``(r, g, b, a)``."""
    pixel = bytearray(4)
    for value, index in zip(rgba, order):
        pixel[index] = int(value)
    return int.from_bytes(pixel, sys.byteorder)


# ------------------------------------------------------------------------------ words

class _View:
    """Carries an ``__array_interface__`` so numpy can build a view its own API cannot
    express: 32-bit words at a 3-byte stride. Keeps its base alive."""

    def __init__(self, base: np.ndarray, shape: tuple, strides: tuple):
        face = dict(base.__array_interface__)
        face.update(typestr="<u4" if _LITTLE else ">u4", descr=[("", "<u4" if _LITTLE else ">u4")],
                    shape=shape, strides=strides)
        face.pop("mask", None)
        self.__array_interface__ = face
        self.base = base


def _stride3(base: np.ndarray, shape: tuple, strides: tuple) -> np.ndarray:
    return np.asarray(_View(base, shape, strides))


def _as_words(buf: np.ndarray):
    """The (H, W) uint32 view of an (H, W, 4) uint8 buffer, or None when it has none."""
    if buf.shape[2:] != (4,) or buf.strides[1:] != (4, 1) or buf.ctypes.data % 4 or buf.strides[0] % 4:
        return None
    return buf.view(np.uint32)[..., 0]


def _rgb_into_words(words: np.ndarray, rgb: np.ndarray, fourth: Optional[int]) -> None:
    """Fill (h, w) uint32 ``words`` from (h, w, 3) uint8 ``rgb``, ``fourth`` in each last
    byte, or, with ``fourth=None``, whatever comes (a byte nobody reads).

    Each 4-byte read at a 3-byte stride takes one pixel's R, G, B and the next pixel's R,
    which a mask and an OR replace by ``fourth`` (with ``None``, a plain copy: half the
    time of the OR when the CPU caches are cold). The last pixel has no next byte to
    read, so the last row goes through a padded copy.
    """
    rows, cols = rgb.shape[:2]
    if not rows or not cols:
        return
    if not (_LITTLE and rgb.strides[1:] == (3, 1) and rgb.strides[0] >= 3 * cols):
        view = words.view(np.uint8).reshape(words.shape + (4,))
        for c in range(3):
            view[..., RGB_WORDS[c]] = rgb[..., c]
        if fourth is not None:
            view[..., RGB_WORDS[3]] = fourth
        return
    if rows > 1:
        _set_fourth(_stride3(rgb, (rows - 1, cols), (rgb.strides[0], 3)), fourth, words[:-1])
    last = np.empty(cols * 3 + 1, np.uint8)
    last[:-1] = rgb[-1].reshape(-1)
    _set_fourth(_stride3(last, (cols,), (3,)), fourth, words[-1])


def _set_fourth(read: np.ndarray, fourth: Optional[int], out: np.ndarray) -> None:
    """``out`` = the words ``read`` with their last byte replaced by ``fourth`` (kept as
    read when None), in one pass for 0 and 255 (little-endian: the last byte is the top
    one)."""
    if fourth is None:
        np.copyto(out, read)
        return
    if fourth == 255:
        np.bitwise_or(read, np.uint32(0xFF000000), out=out)
        return
    np.bitwise_and(read, np.uint32(0x00FFFFFF), out=out)
    if fourth:
        out |= np.uint32(fourth << 24)


def rgb_words(rgb: np.ndarray) -> np.ndarray:
    """New uint32 words of shape ``rgb.shape[:-1]`` holding the R, G, B of ``(..., 3)``
    uint8 values in their first three bytes in memory and 0 in the fourth."""
    rgb = np.asarray(rgb, np.uint8)
    words = np.empty(rgb.shape[:-1], np.uint32)
    if rgb.ndim == 2:
        _rgb_into_words(words[None], rgb[None], 0)
    else:
        flat = rgb.reshape((-1,) + rgb.shape[-2:]) if rgb.ndim > 3 else rgb
        _rgb_into_words(words.reshape(flat.shape[:2]), flat, 0)
    return words


def rgb_from_words(words: np.ndarray) -> np.ndarray:
    """A new (..., 3) uint8 RGB array from words holding R, G, B in their first three bytes.

    Each word is stored 3 bytes after the previous one, in increasing address order, so
    its fourth byte is overwritten by the next word's first: one sequential pass instead
    of three strided per-channel copies. The buffer has one spare byte for the last word.
    """
    count = words.size
    out = np.empty(3 * count + 1, np.uint8)
    if _LITTLE:
        np.copyto(_stride3(out, (count,), (3,)), words.reshape(count))
    else:
        view = np.ascontiguousarray(words).reshape(count).view(np.uint8).reshape(count, 4)
        out[:-1].reshape(count, 3)[...] = view[:, :3]
    return out[:3 * count].reshape(words.shape + (3,))


# ---------------------------------------------------------------------- RGB <-> surfaces

def _clip(target_shape: tuple, raster_shape: tuple, x: int, y: int):
    """``(target slices, raster slices)`` of a raster placed at ``(x, y)``, or None."""
    h, w = target_shape[:2]
    x0, y0 = max(x, 0), max(y, 0)
    x1, y1 = min(x + raster_shape[1], w), min(y + raster_shape[0], h)
    if x1 <= x0 or y1 <= y0:
        return None
    return (slice(y0, y1), slice(x0, x1)), (slice(y0 - y, y1 - y), slice(x0 - x, x1 - x))


def store_lanes(lanes: np.ndarray, flat: np.ndarray, start: int, channels: int) -> None:
    """Write the first ``channels`` bytes of each 4-byte pixel of ``lanes`` (k, w, 4) into
    the uint8 buffer ``flat`` from byte ``start`` on. Three channels go as 32-bit words at
    a 3-byte stride, in increasing address order, each word's fourth byte overwritten by
    the next word (the last one by what follows, which the caller owns): one sequential
    pass instead of a copy with a 3-of-4 inner loop (the trick of :func:`rgb_from_words`)."""
    count = lanes.shape[0] * lanes.shape[1]
    if channels == 3 and _LITTLE:
        words = np.ndarray((count,), np.uint32, buffer=flat, offset=start, strides=(3,))
        np.copyto(words, lanes.view(np.uint32).reshape(count))
        return
    flat[start:start + count * channels] = lanes[..., :channels].reshape(-1)


def bgr(rgb: np.ndarray) -> np.ndarray:
    """A C-contiguous copy of an (H, W, 3) RGB image with red and blue exchanged (OpenCV's order)."""
    return np.ascontiguousarray(rgb[..., ::-1])


def paste_rgb(target: np.ndarray, rgb: np.ndarray, x: int = 0, y: int = 0, order=NATIVE,
              alpha: bool = True) -> None:
    """Copy an RGB image into ``target`` with its top-left at ``(x, y)``, clipped: an
    (H, W, 3) RGB array, or an (H, W, 4) surface buffer in ``order``, its alpha set
    opaque; with ``alpha=False`` the fourth byte of each pixel is left undefined (the X
    of Cairo's ``FORMAT_RGB24``, which Cairo never reads), which saves a pass over it."""
    placed = _clip(target.shape, rgb.shape, x, y)
    if placed is None:
        return
    (ty, tx), (sy, sx) = placed
    src, dst = rgb[sy, sx], target[ty, tx]
    if target.shape[2] == 3:
        dst[...] = src
        return
    words = _as_words(dst)
    if tuple(order) == RGB_WORDS and words is not None:
        _rgb_into_words(words, src, 255 if alpha else None)
        return
    r, g, b, a = order
    dst[..., b] = src[..., 2]
    dst[..., g] = src[..., 1]
    dst[..., r] = src[..., 0]
    if alpha:
        dst[..., a] = 255


def surface_to_rgb(buf: np.ndarray, order=NATIVE) -> np.ndarray:
    """A new (H, W, 3) RGB array from an opaque surface buffer (RGB24 or opaque ARGB32)."""
    if tuple(order) == RGB_WORDS and buf.flags.c_contiguous and _as_words(buf) is not None:
        return rgb_from_words(_as_words(buf))
    r, g, b, _ = order
    out = np.empty(buf.shape[:2] + (3,), np.uint8)
    out[..., 0] = buf[..., r]
    out[..., 1] = buf[..., g]
    out[..., 2] = buf[..., b]
    return out


def _records(array: np.ndarray, rows: int, cols: int, tile: int) -> np.ndarray:
    """The (rows, cols // tile) view of ``array[:rows, :cols]`` (H, W, C) whose elements
    are ``tile`` pixels of a row, as records of ``tile * C`` bytes (copied whole)."""
    c = array.shape[2]
    return array[:rows, :cols].reshape(rows, cols * c).view(np.dtype((np.void, tile * c)))


class Tiles:
    """Tiles of ``tile`` pixels a side, marked True in ``marked`` (one bool per tile of an
    ``(H, W)`` canvas, the last row and column of tiles shorter when ``tile`` does not
    divide it), copied between an (H, W, 3) RGB array and an opaque (H, W, 4) surface
    buffer: a tile row at a time as one record, every marked tile in one gather and one
    scatter. A shorter last row or column of tiles goes whole when one of its tiles is
    marked."""

    def __init__(self, marked: np.ndarray, tile: int, shape: tuple):
        height, width = shape
        self.tile, self.rows, self.cols = tile, height // tile * tile, width // tile * tile
        iy, ix = np.nonzero(marked[:height // tile, :width // tile])
        self.count = len(iy) * tile * tile
        self.y = (iy[:, None] * tile + np.arange(tile)).reshape(-1)
        self.x = np.repeat(ix, tile)
        self.strips = []
        if height > self.rows and marked[height // tile:].any():
            self.strips.append((slice(self.rows, height), slice(0, width)))
        if width > self.cols and marked[:height // tile, width // tile:].any():
            self.strips.append((slice(0, self.rows), slice(self.cols, width)))

    def into_surface(self, buf: np.ndarray, rgb: np.ndarray, order=NATIVE) -> None:
        """Copy the marked tiles of ``rgb`` into ``buf`` (alpha set opaque)."""
        for rows, cols in self.strips:
            paste_rgb(buf[rows, cols], rgb[rows, cols], order=order)
        n = self.count
        if not n:
            return
        picked = _records(rgb, self.rows, self.cols, self.tile)[self.y, self.x].view(np.uint8)
        words = np.empty(n, np.uint32)
        if _LITTLE and tuple(order) == RGB_WORDS:
            # Each 4-byte read at a 3-byte stride takes a pixel and the next one's red (see
            # _rgb_into_words); the last pixel, with no byte after it, goes on its own.
            _set_fourth(np.ndarray((n - 1,), np.uint32, picked, 0, (3,)), 255, words[:-1])
            last = words[-1:].view(np.uint8)
            last[:3], last[3] = picked[-3:], 255
        else:
            view = words.view(np.uint8).reshape(n, 4)
            for c in range(3):
                view[:, order[c]] = picked[c::3]
            view[:, order[3]] = 255
        _records(buf, self.rows, self.cols, self.tile)[self.y, self.x] = words.view(np.dtype((np.void, 4 * self.tile)))

    def from_surface(self, rgb: np.ndarray, buf: np.ndarray, order=NATIVE) -> None:
        """Copy the marked tiles of ``buf`` into ``rgb``."""
        for rows, cols in self.strips:
            rgb[rows, cols] = surface_to_rgb(buf[rows, cols], order)
        n = self.count
        if not n:
            return
        picked = _records(buf, self.rows, self.cols, self.tile)[self.y, self.x]
        flat = np.empty(3 * n + 1, np.uint8)  # one spare byte: see rgb_from_words
        if _LITTLE and tuple(order) == RGB_WORDS:
            np.copyto(np.ndarray((n,), np.uint32, flat, 0, (3,)), picked.view(np.uint32))
        else:
            view = picked.view(np.uint8).reshape(n, 4)
            for c in range(3):
                flat[c:3 * n:3] = view[:, order[c]]
        _records(rgb, self.rows, self.cols, self.tile)[self.y, self.x] = flat[:-1].view(np.dtype((np.void, 3 * self.tile)))


def surface_to_rgba(buf: np.ndarray, order=NATIVE) -> np.ndarray:
    """A new (H, W, 4) straight-alpha RGBA array from a premultiplied ARGB32 buffer.

    Example: 50% red over transparent is stored premultiplied as (B, G, R, A) =
    (0, 0, 128, 128) and comes out as (255, 0, 0, 128).
    """
    r, g, b, a = order
    alpha = buf[..., a]
    out = np.empty(buf.shape[:2] + (4,), np.uint8)
    out[..., 3] = alpha
    safe = np.maximum(alpha, 1).astype(np.uint16)
    for dst, src in ((0, r), (1, g), (2, b)):
        out[..., dst] = np.minimum((buf[..., src].astype(np.uint16) * 255 + safe // 2) // safe, 255)
    out[alpha == 0, :3] = 0
    return out


def premultiplied(rgb: np.ndarray, alpha: np.ndarray, order=NATIVE) -> np.ndarray:
    """An (H, W, 4) ARGB32 buffer in ``order`` from RGB colors and a 0-255 alpha plane."""
    a = alpha.astype(np.uint16)
    out = np.empty(rgb.shape[:2] + (4,), np.uint8)
    out[..., order[3]] = alpha
    for src in range(3):
        out[..., order[src]] = (rgb[..., src].astype(np.uint16) * a + 127) // 255
    return out


def premultiplied_mask(mask: np.ndarray, rgb, alpha: int, order=NATIVE) -> np.ndarray:
    """:func:`premultiplied` of one color over a plane that is ``alpha`` where the bool
    ``mask`` is True and 0 elsewhere, as one pass writing 32-bit words (a tenth of the
    work on an object's mask crop)."""
    word = packed_color([(int(c) * alpha + 127) // 255 for c in rgb[:3]] + [alpha], order)
    return np.multiply(mask, np.uint32(word), dtype=np.uint32, order="C").view(np.uint8).reshape(mask.shape + (4,))


def fill_opaque(buf: np.ndarray, rgb, order=NATIVE) -> bool:
    """Fill the buffer with one opaque color; False (nothing done) when it cannot be
    viewed as 32-bit words. A memset-speed stand-in for Cairo's ``paint``."""
    words = _as_words(buf)
    if words is None:
        return False
    words.fill(packed_color(tuple(rgb)[:3] + (255,), order))
    return True


def covers(canvas: tuple, raster: tuple, offset: tuple) -> bool:
    """True when a raster of ``raster = (h, w)`` placed at ``offset = (x, y)`` covers
    every pixel of a ``canvas = (height, width)``."""
    (height, width), (h, w), (x, y) = canvas, raster, offset
    return x <= 0 and y <= 0 and x + w >= width and y + h >= height


# ------------------------------------------------------------------------- mask blending

def _blend(words: np.ndarray, sel: np.ndarray, packed: int, wa: int) -> None:
    """The one mask blend: ``pixel = (pixel * (256 - wa) + color * wa + 128) >> 8`` on
    each byte of the words where ``sel`` is True.

    Two bytes per 16-bit lane (SWAR): each lane's largest value, 255 * 256 + 128, fits in
    16 bits, so no lane spills into the next. At ``wa = 256`` the formula is the color and
    at ``wa = 128`` the rounded average ``(a + b + 1) >> 1``, taken per byte as
    ``(a | b) - ((a ^ b) >> 1)`` (no borrows).
    """
    if wa >= 256:
        np.copyto(words, np.uint32(packed), where=sel)
        return
    if wa == 128:
        half = np.bitwise_xor(words, np.uint32(packed))
        half >>= 1
        half &= 0x7F7F7F7F
        out = np.bitwise_or(words, np.uint32(packed))
        out -= half
    else:
        wb = 256 - wa
        low = np.bitwise_and(words, 0x00FF00FF)
        low *= wb
        low += (packed & 0x00FF00FF) * wa + 0x00800080
        low >>= 8
        low &= 0x00FF00FF
        out = np.right_shift(words, 8)
        out &= 0x00FF00FF
        out *= wb
        out += ((packed >> 8) & 0x00FF00FF) * wa + 0x00800080
        out &= 0xFF00FF00
        out |= low
    np.copyto(words, out, where=sel)


def blend_masks(target: np.ndarray, crops, boxes: np.ndarray, colors: np.ndarray,
                alphas: np.ndarray, x: int, y: int, order=NATIVE) -> None:
    """Blend each mask's color over ``target``, in order, in place: an (H, W, 3) RGB array,
    or an opaque (H, W, 4) surface buffer in ``order``.

    ``out = round((1 - a) * below + a * color)`` on each mask's True pixels, with the
    weight ``a`` in 256ths (:func:`_blend`). ``crops[k]`` holds mask k's pixels inside
    ``boxes[k]`` (end-exclusive, in mask coordinates, offset by ``(x, y)`` on the target);
    work is limited to that box clipped to the target, so K small masks on a large image
    cost little. Pixels are blended as words: in place on a surface buffer, through a
    words copy of the box on an RGB array (still faster than blending bytes).
    """
    h, w = target.shape[:2]
    words = None
    if target.shape[2] == 4:
        words = _as_words(target)
        if words is None:
            raise ValueError("target: expected a surface buffer whose pixels are aligned 32-bit words")
    else:
        order = RGB_WORDS
    color_list = np.asarray(colors).tolist()
    alpha_list = np.asarray(alphas, np.float64).reshape(-1).tolist()
    for k, (mx0, my0, mx1, my1) in enumerate(np.asarray(boxes).tolist()):
        bx0, by0 = max(mx0 + x, 0), max(my0 + y, 0)
        bx1, by1 = min(mx1 + x, w), min(my1 + y, h)
        color = color_list[k % len(color_list)]
        wa = int(round(alpha_list[k % len(alpha_list)] * color[3] / 255.0 * 256))
        if bx1 <= bx0 or by1 <= by0 or wa <= 0:
            continue
        sel = crops[k][by0 - y - my0:by1 - y - my0, bx0 - x - mx0:bx1 - x - mx0]
        packed = packed_color(color[:3] + [255], order)
        if words is not None:
            _blend(words[by0:by1, bx0:bx1], sel, packed, wa)
            continue
        region = target[by0:by1, bx0:bx1]
        box = rgb_words(region)
        _blend(box, sel, packed, wa)
        region[...] = rgb_from_words(box)
