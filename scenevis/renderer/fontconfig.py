"""Installed fonts as fontconfig knows them, read in-process through ctypes.

Cairo's toy font API finds a family through fontconfig but cannot say which installed
font has a glyph for a character. :class:`FontIndex` asks fontconfig once for every
installed font in its own fallback order for ``sans-serif`` (``FcFontSort``, what
``fc-match -s sans-serif`` prints) and then answers, with no process per character:
which family covers a character (``FcCharSetHasChar``), and whether a family name is
installed. Where the fontconfig library cannot be loaded (no fontconfig on the system)
the index is empty and text falls back across :data:`~scenevis.renderer.text.FALLBACK_FAMILIES` only.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import weakref
from typing import Optional

__all__ = ["FontIndex", "GENERIC_FAMILIES"]

#: Names fontconfig resolves by its configuration rather than by an installed family.
GENERIC_FAMILIES = frozenset({"sans-serif", "sans", "serif", "monospace", "mono", "cursive", "fantasy",
                              "system-ui", "emoji", "math", "fangsong"})

_NAMES = ("libfontconfig.so.1", "libfontconfig.1.dylib", "libfontconfig-1.dll")
_MATCH = 0  # FcResultMatch
_MATCH_PATTERN = 0  # FcMatchPattern


class _FontSet(ctypes.Structure):
    _fields_ = [("nfont", ctypes.c_int), ("sfont", ctypes.c_int), ("fonts", ctypes.POINTER(ctypes.c_void_p))]


def _library():
    """The fontconfig library with the signatures used here, or None."""
    lib = None
    for name in _NAMES:  # the library's usual names first: find_library runs ldconfig or gcc
        try:
            lib = ctypes.CDLL(name)
            break
        except OSError:
            continue
    if lib is None:
        found = ctypes.util.find_library("fontconfig")
        try:
            lib = ctypes.CDLL(found) if found else None
        except OSError:
            lib = None
    if lib is None:
        return None
    void, text, number = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int
    lib.FcInit.restype = number
    lib.FcNameParse.argtypes, lib.FcNameParse.restype = [text], void
    lib.FcConfigSubstitute.argtypes, lib.FcConfigSubstitute.restype = [void, void, number], number
    lib.FcDefaultSubstitute.argtypes, lib.FcDefaultSubstitute.restype = [void], None
    lib.FcFontSort.argtypes = [void, void, number, void, ctypes.POINTER(number)]
    lib.FcFontSort.restype = ctypes.POINTER(_FontSet)
    lib.FcPatternGetString.argtypes = [void, text, number, ctypes.POINTER(text)]
    lib.FcPatternGetString.restype = number
    lib.FcPatternGetCharSet.argtypes = [void, text, number, ctypes.POINTER(void)]
    lib.FcPatternGetCharSet.restype = number
    lib.FcCharSetHasChar.argtypes, lib.FcCharSetHasChar.restype = [void, ctypes.c_uint32], number
    lib.FcPatternDestroy.argtypes, lib.FcPatternDestroy.restype = [void], None
    lib.FcFontSetDestroy.argtypes, lib.FcFontSetDestroy.restype = [ctypes.POINTER(_FontSet)], None
    return lib


class FontIndex:
    """Every installed font, in fontconfig's fallback order, with its character coverage."""

    def __init__(self) -> None:
        self._fonts: list = []  # (first family name, FcCharSet pointer), in fallback order
        self.families: Optional[frozenset] = None  # lower-case family names; None when unknown
        lib = _library()
        if lib is None or not lib.FcInit():
            return
        pattern = lib.FcNameParse(b"sans-serif")
        if not pattern:
            return
        lib.FcConfigSubstitute(None, pattern, _MATCH_PATTERN)
        lib.FcDefaultSubstitute(pattern)
        result = ctypes.c_int()
        fonts = lib.FcFontSort(None, pattern, 0, None, ctypes.byref(result))
        lib.FcPatternDestroy(pattern)
        if not fonts:
            return
        weakref.finalize(self, lib.FcFontSetDestroy, fonts)  # the charsets live as long as the set
        names: set = set()
        seen: set = set()
        for i in range(fonts.contents.nfont):
            font = fonts.contents.fonts[i]
            family = ctypes.c_char_p()
            index = 0
            first = None
            while lib.FcPatternGetString(font, b"family", index, ctypes.byref(family)) == _MATCH:
                name = family.value.decode("utf-8", "replace")
                first = first or name
                names.add(name.lower())
                index += 1
            charset = ctypes.c_void_p()
            if first and lib.FcPatternGetCharSet(font, b"charset", 0, ctypes.byref(charset)) == _MATCH:
                if (first, charset.value) not in seen:
                    seen.add((first, charset.value))
                    self._fonts.append((first, charset.value))
        self._has = lib.FcCharSetHasChar
        self.families = frozenset(names)

    def family_for(self, char: str) -> Optional[str]:
        """The first family in fontconfig's fallback order with a glyph for ``char``."""
        code = ord(char)
        for family, charset in self._fonts:
            if self._has(charset, code):
                return family
        return None

    def knows(self, family: str) -> bool:
        """True when ``family`` is installed or a generic name (or when nothing is known)."""
        name = family.strip().lower()
        return self.families is None or name in self.families or name in GENERIC_FAMILIES
