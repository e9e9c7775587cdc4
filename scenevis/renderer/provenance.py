"""Provenance: every PNG, SVG and PDF file ``save`` writes says where it came from.

Layer 4, no drawing library. The entries are ``scenevis:version`` (the library's),
``scenevis:digest`` (the scene's :meth:`~scenevis.scene.Scene.digest`, so the picture can
be matched to its ``.scene.json``) and the caller's ``metadata``, all as text:

- PNG: one ``tEXt`` chunk per entry (``iTXt``, UTF-8, for text beyond Latin-1), before the
  pixels;
- SVG: a ``<metadata>`` element first in the document, holding one
  ``<scenevis:entry key="...">value</scenevis:entry>`` per entry in the
  :data:`NAMESPACE` namespace;
- PDF: the document information dictionary: ``Creator`` is ``scenevis <version>``,
  ``Subject`` the digest, ``Keywords`` every entry as ``key=value`` joined by ``"; "``,
  and ``Title`` the caller's ``title`` entry when there is one (Cairo 1.16 writes no
  other keys).
"""
from __future__ import annotations

import re
from typing import Any, Optional
from xml.sax.saxutils import escape, quoteattr

from scenevis._version import __version__

__all__ = ["NAMESPACE", "entries", "svg_with", "pdf_info"]

#: The XML namespace of the entries in an SVG's ``<metadata>``.
NAMESPACE = "urn:scenevis:provenance"
_RESERVED = "scenevis:"


def _is_latin1(text: str) -> bool:
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


def _key(key: Any) -> str:
    """A metadata key by PNG's rule for keywords, which the other formats follow too."""
    if not isinstance(key, str):
        raise TypeError(f"metadata: expected str keys, got {type(key).__name__} {key!r}")
    if not (1 <= len(key) <= 79 and key.isprintable() and _is_latin1(key) and key == key.strip(" ")
            and "  " not in key):
        raise ValueError(f"metadata: expected keys of 1 to 79 printable Latin-1 characters without leading, "
                         f"trailing or double spaces (PNG's rule), got {key!r}")
    if key.startswith(_RESERVED):
        raise ValueError(f"metadata: keys starting with {_RESERVED!r} are scenevis's own, got {key!r}")
    return key


def _text(key: str, value: Any) -> str:
    if isinstance(value, str):
        text = value
    elif isinstance(value, (bool, int, float)):
        text = str(value)
    else:
        raise TypeError(f"metadata[{key!r}]: expected a str, int, float or bool, got {type(value).__name__}")
    if _UNWRITABLE.search(text):
        raise ValueError(f"metadata[{key!r}]: expected text without control characters (tabs and newlines "
                         f"are fine) or lone surrogates, got {text!r}")
    return text


# What XML 1.0 cannot hold, PNG's text should not, and UTF-8 cannot encode.
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def entries(scene: Any, metadata: Optional[dict] = None) -> dict:
    """``{"scenevis:version": ..., "scenevis:digest": ..., **metadata}``, every value text;
    ``metadata`` is checked first (keys by PNG's rule, values str, int, float or bool)."""
    if metadata is not None and not isinstance(metadata, dict):
        raise TypeError(f"metadata: expected a dict of str keys to values, got {type(metadata).__name__}")
    user = {_key(key): _text(key, value) for key, value in (metadata or {}).items()}
    return {"scenevis:version": __version__, "scenevis:digest": scene.digest(), **user}


_SVG_START = re.compile(r"<svg\b[^>]*>")


def svg_with(svg: str, found: dict) -> str:
    """``svg`` with a ``<metadata>`` element holding ``found`` first inside its root."""
    match = _SVG_START.search(svg)
    if match is None:
        raise ValueError("svg: expected an SVG document with an <svg> element")
    lines = "".join(f"<scenevis:entry key={quoteattr(key)}>{escape(value)}</scenevis:entry>"
                    for key, value in found.items())
    block = f'\n<metadata><scenevis:provenance xmlns:scenevis="{NAMESPACE}">{lines}</scenevis:provenance></metadata>'
    return svg[:match.end()] + block + svg[match.end():]


def pdf_info(found: dict) -> dict:
    """The PDF document information for ``found``: ``creator``, ``subject``, ``keywords`` and
    (when the caller gave a ``title``) ``title``."""
    info = {"creator": f"scenevis {found['scenevis:version']}", "subject": f"scenevis:digest {found['scenevis:digest']}",
            "keywords": "; ".join(f"{key}={value}" for key, value in found.items())}
    if "title" in found:
        info["title"] = found["title"]
    return info
