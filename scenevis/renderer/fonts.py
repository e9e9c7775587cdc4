"""Fonts and text layout, with per-character fallback across installed fonts.

Cairo's toy text API does not fall back across fonts: a family without a glyph draws
its missing-glyph box. So each string is split into runs, each drawn with the first
family that has glyphs for it (a glyph index of 0 means "missing"): the requested
family, then :data:`FALLBACK_FAMILIES`, then whatever fontconfig knows covers the
character (:class:`~scenevis.renderer.fontconfig.FontIndex`, in-process). Each distinct
character is looked up once per string, so layout is linear in the string's length.

A family that is not installed, and characters that no installed font covers, are
drawn anyway (fontconfig substitutes a family; missing glyphs show as boxes) and warned
about once per render context, naming the font to install.

Laid-out strings are kept in a cache bounded in bytes (:class:`ByteCache`), part of the
thread's :class:`~scenevis.renderer.context.RenderContext`.
"""
from __future__ import annotations

import re
import sys
import warnings
from collections import OrderedDict
from typing import Any, NamedTuple, Optional

import cairo

from scenevis.renderer.fontconfig import FontIndex

__all__ = ["FALLBACK_FAMILIES", "ByteCache", "TextBlock", "Fonts", "font_options", "drawable"]

#: Families tried, in order, after the requested one.
FALLBACK_FAMILIES = ("DejaVu Sans", "WenQuanYi Micro Hei", "Noto Sans CJK SC", "Noto Sans", "Droid Sans Fallback")

# Unicode noncharacters, which Cairo refuses as invalid UTF-8 ("input string not valid
# UTF-8"): U+FDD0..U+FDEF and the last two code points of every plane.
_NONCHARACTERS = re.compile("[\ufdd0-\ufdef" + "".join(
    re.escape(chr(plane + 0xFFFE)) + re.escape(chr(plane + 0xFFFF)) for plane in range(0, 0x110000, 0x10000)) + "]")

# (first, last) code points of scripts that need a CJK font, and what to install for them.
_CJK = ((0x1100, 0x11FF), (0x2E80, 0x2FDF), (0x3000, 0x31FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF),
        (0xA960, 0xA97F), (0xAC00, 0xD7FF), (0xF900, 0xFAFF), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF),
        (0x20000, 0x3FFFF))
_CJK_FONTS = ("a CJK font, e.g. 'WenQuanYi Micro Hei' (Debian/Ubuntu: apt install fonts-wqy-microhei) "
              "or 'Noto Sans CJK SC' (apt install fonts-noto-cjk)")


def drawable(text: str) -> str:
    """``text`` with each Unicode noncharacter replaced by U+FFFD (drawn as the
    replacement glyph), so every valid string can be laid out and drawn."""
    return _NONCHARACTERS.sub("\ufffd", text) if _NONCHARACTERS.search(text) else text


def font_options() -> cairo.FontOptions:
    """The painter's font options: gray anti-aliasing, slight hinting, unhinted metrics
    (advances scale linearly, so a layout measured at one scale holds at another)."""
    options = cairo.FontOptions()
    options.set_antialias(cairo.ANTIALIAS_GRAY)
    options.set_hint_style(cairo.HINT_STYLE_SLIGHT)
    options.set_hint_metrics(cairo.HINT_METRICS_OFF)
    return options


class ByteCache:
    """A mapping holding at most ``budget`` bytes (by the sizes given to :meth:`put`),
    the oldest entries going first. A lookup is one dict lookup (labels recur frame after
    frame, so lookups are hot); one value larger than the budget is not kept."""

    def __init__(self, budget: int):
        self.budget = budget
        self.nbytes = 0
        self._items: dict = {}
        self._sizes: dict = {}
        self.get = self._items.get

    def __len__(self) -> int:
        return len(self._items)

    def put(self, key: Any, value: Any, nbytes: int) -> None:
        if nbytes > self.budget:
            return
        self.nbytes += nbytes - self._sizes.pop(key, 0)
        self._items.pop(key, None)
        self._items[key] = value
        self._sizes[key] = nbytes
        while self.nbytes > self.budget:
            oldest = next(iter(self._items))
            del self._items[oldest]
            self.nbytes -= self._sizes.pop(oldest)


class TextBlock(NamedTuple):
    """A laid-out string: its lines as runs of (family, text, advance), its box (the
    advance width by the line height times the lines), and each line's ink box
    ``(x0, y0, x1, y1)`` relative to the line's pen start and top (None: no ink)."""

    lines: list
    widths: list
    width: float
    height: float
    ascent: float
    line_height: float
    inks: list

    def ink(self, halign: float) -> Optional[tuple]:
        """The ink box relative to the block's top-left for lines aligned by ``halign``
        (0 left, 0.5 center, 1 right), or None when nothing is inked."""
        box = None
        for i, (ink, width) in enumerate(zip(self.inks, self.widths)):
            if ink is None:
                continue
            dx, dy = (self.width - width) * halign, i * self.line_height
            line = (ink[0] + dx, ink[1] + dy, ink[2] + dx, ink[3] + dy)
            box = line if box is None else (min(box[0], line[0]), min(box[1], line[1]),
                                             max(box[2], line[2]), max(box[3], line[3]))
        return box

    def nbytes(self, text: str) -> int:
        """About the memory this layout and its key hold."""
        size = sys.getsizeof(text) + 64 * len(self.lines) + 256
        if len(self.lines) > 1 or len(self.lines[0]) > 1:  # runs are new strings
            size += sys.getsizeof(text) + 96 * sum(len(runs) for runs in self.lines)
        return size


class Fonts:
    """Font faces, glyph coverage and laid-out strings for one render context.

    Strings are laid out on the context's own measuring Cairo context (a 1x1 image
    surface with the painter's font options), with that context's matrix set to the
    linear part of the transform the string is drawn under, so measured and drawn text
    agree. Faces are shared with painters through :meth:`set_font`.
    """

    MAX_FACES = 256

    def __init__(self, layout_budget: int, coverage_budget: int):
        self._surface = cairo.ImageSurface(cairo.FORMAT_RGB24, 1, 1)
        self.ctx = cairo.Context(self._surface)
        self.ctx.set_font_options(font_options())
        self.layouts = ByteCache(layout_budget)
        self._choices = ByteCache(coverage_budget)  # (family, char) -> family to draw it with
        self._faces: OrderedDict = OrderedDict()
        self._index: Optional[FontIndex] = None
        self._warned: set = set()
        self._installed_fallbacks: Optional[list] = None
        self._current: tuple = (None, None)

    @property
    def index(self) -> FontIndex:
        if self._index is None:
            self._index = FontIndex()
        return self._index

    @property
    def nbytes(self) -> int:
        return self.layouts.nbytes + self._choices.nbytes

    # -- faces ---------------------------------------------------------------------------
    def face(self, family: str):
        """The toy font face of ``family``."""
        face = self._faces.get(family)
        if face is None:
            face = cairo.ToyFontFace(family)
            self._faces[family] = face
            if len(self._faces) > self.MAX_FACES:
                self._faces.popitem(last=False)
        return face

    def set_font(self, ctx, family: str, size: float) -> None:
        """Make ``family`` at ``size`` pixels the current font of ``ctx``."""
        ctx.set_font_face(self.face(family))
        ctx.set_font_size(size)

    def _use(self, family: str, size: float) -> None:
        if self._current != (family, size):
            self.set_font(self.ctx, family, size)
            self._current = (family, size)

    def _warn(self, key: tuple, message: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            warnings.warn(message, UserWarning, stacklevel=2)

    # -- coverage ------------------------------------------------------------------------
    def _covers(self, family: str, char: str) -> bool:
        self._use(family, 16.0)
        glyphs = self.ctx.get_scaled_font().text_to_glyphs(0, 0, char, False)
        return bool(glyphs) and all(g.index != 0 for g in glyphs)

    def family_for(self, family: str, char: str) -> str:
        """The family to draw ``char`` with when ``family`` is asked for."""
        if char.isspace():
            return family
        key = (family, char)
        chosen = self._choices.get(key)
        if chosen is None:
            chosen = self._choose(family, char)
            self._choices.put(key, chosen, 160)
        return chosen

    def _fallbacks(self) -> list:
        """:data:`FALLBACK_FAMILIES` that are installed (all of them when that is unknown)."""
        if self._installed_fallbacks is None:
            self._installed_fallbacks = [f for f in FALLBACK_FAMILIES if self.index.knows(f)]
        return self._installed_fallbacks

    def _choose(self, family: str, char: str) -> str:
        if self._covers(family, char):
            return family
        for other in self._fallbacks():
            if other != family and self._covers(other, char):
                return other
        found = self.index.family_for(char)
        if found and self._covers(found, char):
            return found
        code = ord(char)
        if any(first <= code <= last for first, last in _CJK):
            self._warn(("glyphs", "cjk"), f"texts: no installed font has glyphs for CJK characters such as {char!r}, "
                       f"so they are drawn as boxes; install {_CJK_FONTS}")
        else:
            self._warn(("glyphs", "other"), f"texts: no installed font has a glyph for U+{code:04X} ({char!r}), "
                       "so it is drawn as a box; install a font covering it (e.g. the Noto fonts: apt install fonts-noto)")
        return family

    def runs(self, family: str, text: str) -> list:
        """Split ``text`` into (family, substring) runs, each drawable by its family.
        Each distinct character is looked up once: linear in the length of ``text``."""
        if not text:
            return []
        choice = {char: self.family_for(family, char) for char in set(text)}
        if len(set(choice.values())) == 1:
            return [(choice[text[0]], text)]
        runs, start, current = [], 0, choice[text[0]]
        for i, char in enumerate(text):
            chosen = choice[char]
            if chosen != current:
                runs.append((current, text[start:i]))
                start, current = i, chosen
        runs.append((current, text[start:]))
        return runs

    # -- layout --------------------------------------------------------------------------
    def layout(self, text: str, family: str, size: float, linear: tuple = (1.0, 0.0, 0.0, 1.0)) -> TextBlock:
        """``text`` (``\\n`` separates lines) laid out at ``size`` pixels, measured under a
        transform whose linear part is ``linear = (xx, yx, xy, yy)``; cached."""
        key = (text, family, size, linear)
        block = self.layouts.get(key)
        if block is None:
            if ("family", family) not in self._warned and not self.index.knows(family):
                self._warn(("family", family), f"font_family: {family!r} is not installed, so fontconfig draws it "
                           f"with another font; install a font providing {family!r} or pick an installed family")
            block = self._layout(drawable(text), family, size, linear)
            self.layouts.put(key, block, block.nbytes(text))
        return block

    def glyph_offsets(self, text: str, family: str, size: float, linear: tuple = (1.0, 0.0, 0.0, 1.0)) -> list:
        """Where each character's glyph of a run ``text`` (one family, no line breaks, as
        :meth:`layout` splits strings) starts, ``(dx, dy)`` from the run's pen position,
        under a transform whose linear part is ``linear``: Cairo's toy text API draws one
        glyph per character, advancing by the unhinted advances."""
        ctx = self.ctx
        ctx.set_matrix(cairo.Matrix(*linear, 0.0, 0.0))
        self._use(family, size)
        return [(glyph.x, glyph.y) for glyph in ctx.get_scaled_font().text_to_glyphs(0.0, 0.0, drawable(text), False)]

    def _layout(self, text: str, family: str, size: float, linear: tuple) -> TextBlock:
        ctx = self.ctx
        ctx.set_matrix(cairo.Matrix(*linear, 0.0, 0.0))
        self._use(family, size)
        ascent, descent = ctx.font_extents()[:2]
        line_height = ascent + descent
        lines, widths, inks = [], [], []
        for line in text.split("\n"):
            runs, pen, ink = [], 0.0, None
            for run_family, chunk in self.runs(family, line):
                self._use(run_family, size)
                x_bearing, y_bearing, width, height, advance, _ = ctx.text_extents(chunk)
                if width > 0 and height > 0:
                    box = (pen + x_bearing, ascent + y_bearing, pen + x_bearing + width, ascent + y_bearing + height)
                    ink = box if ink is None else (min(ink[0], box[0]), min(ink[1], box[1]),
                                                   max(ink[2], box[2]), max(ink[3], box[3]))
                runs.append((run_family, chunk, advance))
                pen += advance
            lines.append(runs)
            widths.append(pen)
            inks.append(ink)
        return TextBlock(lines, widths, max(widths), line_height * len(lines), ascent, line_height, inks)
