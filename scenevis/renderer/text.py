"""Text layout on a Cairo context, with per-character font fallback.

Cairo's toy text API does not fall back across fonts: a family without a glyph draws
its missing-glyph box. So each string is split into runs, each run drawn with the first
family in the chain that has glyphs for it (a glyph index of 0 means "missing"); when no
family in the chain covers a character, fontconfig (``fc-match``) is asked once.

This module only calls methods of the context it is given; it does not import Cairo.
"""
from __future__ import annotations

import functools
import shutil
import subprocess
from typing import NamedTuple

__all__ = ["FALLBACK_FAMILIES", "TextBlock", "Fonts"]

#: Families tried, in order, after the requested one.
FALLBACK_FAMILIES = ("DejaVu Sans", "WenQuanYi Micro Hei", "Noto Sans CJK SC", "Noto Sans", "Droid Sans Fallback")


@functools.lru_cache(maxsize=4096)
def _fontconfig_family(char: str) -> str | None:
    """The family fontconfig picks for a character, or None when it knows none."""
    if shutil.which("fc-match") is None:
        return None
    try:
        done = subprocess.run(["fc-match", "-f", "%{family[0]}", f":charset={ord(char):x}"],
                              capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None


class TextBlock(NamedTuple):
    """A laid-out string: its lines as runs of (family, text, advance) and its box."""

    lines: list
    widths: list
    width: float
    height: float
    ascent: float
    line_height: float


class Fonts:
    """Font faces and glyph coverage for one Cairo context, cached per family."""

    def __init__(self, ctx):
        self.ctx = ctx
        self._faces: dict = {}
        self._covers: dict = {}
        self._current = (None, None)

    def use(self, family: str, size: float) -> None:
        """Make ``family`` at ``size`` pixels the context's current font."""
        if self._current == (family, size):
            return
        face = self._faces.get(family)
        if face is None:
            self.ctx.select_font_face(family)
            face = self._faces[family] = self.ctx.get_font_face()
        else:
            self.ctx.set_font_face(face)
        self.ctx.set_font_size(size)
        self._current = (family, size)

    def forget_current(self) -> None:
        """Call after ``ctx.restore()``, which may have undone the last :meth:`use`."""
        self._current = (None, None)

    def covers(self, family: str, char: str) -> bool:
        key = (family, char)
        known = self._covers.get(key)
        if known is None:
            self.use(family, 16.0)
            glyphs = self.ctx.get_scaled_font().text_to_glyphs(0, 0, char, False)
            known = self._covers[key] = bool(glyphs) and all(g.index != 0 for g in glyphs)
        return known

    def family_for(self, family: str, char: str) -> str:
        if char.isspace() or self.covers(family, char):
            return family
        for other in FALLBACK_FAMILIES:
            if other != family and self.covers(other, char):
                return other
        found = _fontconfig_family(char)
        return found if found and self.covers(found, char) else family

    def runs(self, family: str, text: str) -> list:
        """Split ``text`` into (family, substring) runs, each drawable by its family."""
        if text.isascii() and self.covers(family, "a"):
            return [(family, text)]
        runs: list = []
        for char in text:
            chosen = self.family_for(family, char)
            if runs and runs[-1][0] == chosen:
                runs[-1] = (chosen, runs[-1][1] + char)
            else:
                runs.append((chosen, char))
        return runs

    def layout(self, text: str, family: str, size: float) -> TextBlock:
        """Measure ``text`` (``\\n`` separates lines) at ``size`` pixels."""
        self.use(family, size)
        ascent, descent = self.ctx.font_extents()[:2]
        line_height = ascent + descent
        if "\n" not in text and text.isascii() and self.covers(family, "a"):  # one line, one run
            self.use(family, size)  # covers() may have measured at another size
            advance = self.ctx.text_extents(text).x_advance
            return TextBlock([[(family, text, advance)]], [advance], advance, line_height, ascent, line_height)
        lines, widths = [], []
        for line in text.split("\n"):
            measured = []
            for run_family, chunk in self.runs(family, line):
                self.use(run_family, size)
                measured.append((run_family, chunk, self.ctx.text_extents(chunk).x_advance))
            lines.append(measured)
            widths.append(sum(m[2] for m in measured))
        return TextBlock(lines, widths, max(widths), line_height * len(lines), ascent, line_height)

    def draw(self, block: TextBlock, x: float, top: float, size: float, halign: str) -> None:
        """Draw a laid-out block whose box's left edge is ``x`` and top edge is ``top``."""
        ctx = self.ctx
        for i, (runs, width) in enumerate(zip(block.lines, block.widths)):
            pen = x + (block.width - width) * {"left": 0.0, "center": 0.5, "right": 1.0}[halign]
            baseline = top + block.ascent + i * block.line_height
            for family, chunk, advance in runs:
                self.use(family, size)
                ctx.move_to(pen, baseline)
                ctx.show_text(chunk)
                pen += advance
