"""One self-contained HTML page that works from ``file://``: the run report's machinery,
kept apart so other pages (a dataset browser's index) can reuse it.

- Our own CSS and JavaScript, inline (``scenevis/report/assets``): no CDN, no framework,
  no network. A Content-Security-Policy allows pictures from files and ``data:`` only, and
  scripts only with this page's nonce, so nothing read from a run can run as script even
  if it slipped through escaping.
- Text from files reaches the page escaped (:func:`escape` in HTML, :func:`json_script`
  for data the scripts read, which put it on the page as text, never as markup).
- Pictures are referenced by paths relative to the page (:meth:`Page.picture`), or
  embedded as ``data:`` URIs when the page is built with ``embed=True``.
- ``page.js`` gives every page a tooltip for SVG items that carry a ``<title>``, a
  lightbox (a click on an element with ``data-full`` opens that picture full size; with
  ``data-frame`` too, that SVG document opens in a sandboxed frame, where its items'
  titles show on hover: pages built with ``frames=True`` allow frames from files) and
  step galleries (``scenevis.gallery``: one column per run, a slider over the steps).

    page = Page("out/index.html", "My page")
    page.add(f"<h2>{escape(name)}</h2>")
    page.data["gallery"] = [...]        # read by the page's scripts as scenevis.data
    page.write()
"""
from __future__ import annotations

import html
import json
import os
import secrets
import urllib.parse
from importlib import resources
from typing import Any, List, Optional

from scenevis import _base64
from scenevis._png import atomic_write

__all__ = ["Page", "escape", "json_script", "svg_data_uri", "data_uri"]


def escape(value: Any) -> str:
    """``value`` as HTML text (``& < > " '`` escaped): safe in element content and in
    quoted attributes."""
    return html.escape(str(value), quote=True)


def json_script(data: Any) -> str:
    """``data`` as JSON that can sit inside ``<script type="application/json">``: ``<``,
    ``>`` and ``&`` are written as ``\\u`` escapes, so no string can close the element."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{_base64.encode_text(data)}"


def svg_data_uri(svg: str) -> str:
    """An SVG document as a compact ``data:`` URI (percent-encoded, not base64), safe in a
    quoted attribute."""
    return "data:image/svg+xml;charset=utf-8," + urllib.parse.quote(svg, safe=" =:/;,.-_()!*'~")


_MIME = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".svg": "image/svg+xml",
         ".gif": "image/gif", ".webp": "image/webp"}


def _asset(name: str) -> str:
    return resources.files("scenevis.report").joinpath("assets", name).read_text(encoding="utf-8")


class Page:
    """An HTML page under construction, to be written to ``path``.

    Args:
        path: where the page will be written; relative picture URLs start from its folder.
        title: the page's title (plain text).
        embed: pictures become ``data:`` URIs instead of relative URLs.
        frames: the policy lets the page show files (SVG documents) in frames.
    """

    def __init__(self, path: str, title: str, embed: bool = False, frames: bool = False):
        self.path = os.path.abspath(os.fspath(path))
        self.folder = os.path.dirname(self.path)
        self.title = str(title)
        self.embed = bool(embed)
        self.frames = bool(frames)
        self.data: dict = {}
        self._body: List[str] = []
        self._styles = ["page.css"]
        self._scripts = ["page.js"]

    def use(self, css: Optional[str] = None, js: Optional[str] = None) -> None:
        """Inline one more stylesheet and/or script from ``scenevis/report/assets``."""
        if css and css not in self._styles:
            self._styles.append(css)
        if js and js not in self._scripts:
            self._scripts.append(js)

    def url(self, path: str) -> str:
        """The URL of the file ``path`` relative to the page (percent-encoded)."""
        rel = os.path.relpath(os.path.abspath(path), self.folder)
        return urllib.parse.quote(rel.replace(os.sep, "/"), safe="/-_.~")

    def picture(self, path: str, data: Optional[bytes] = None, mime: Optional[str] = None) -> str:
        """The ``src`` for the picture file ``path``: its relative URL, or with ``embed``
        a ``data:`` URI of its bytes (``data`` when given, else read from the file)."""
        if not self.embed:
            return self.url(path)
        if data is None:
            with open(path, "rb") as handle:
                data = handle.read()
        return data_uri(data, mime or _MIME.get(os.path.splitext(path)[1].lower(), "application/octet-stream"))

    def add(self, fragment: str) -> None:
        """Append an HTML fragment to the body (escape what it holds from files first)."""
        self._body.append(fragment)

    def html(self) -> str:
        nonce = secrets.token_urlsafe(18)
        policy = (f"default-src 'none'; img-src file: data:; style-src 'unsafe-inline'; "
                  f"script-src 'nonce-{nonce}'; base-uri 'none'; form-action 'none'"
                  + ("; frame-src file:" if self.frames else ""))
        styles = "\n".join(_asset(name) for name in self._styles)
        scripts = "\n".join(f'<script nonce="{nonce}">\n{_asset(name)}\n</script>' for name in self._scripts)
        return "\n".join([
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{policy}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{escape(self.title)}</title>",
            f"<style>\n{styles}\n</style>",
            "</head>",
            "<body>",
            *self._body,
            f'<script type="application/json" id="scenevis-data">{json_script(self.data)}</script>',
            scripts,
            "</body>",
            "</html>",
        ])

    def write(self) -> str:
        """Write the page (atomically) and return its path."""
        os.makedirs(self.folder, exist_ok=True)
        atomic_write(self.path, self.html().encode("utf-8"))
        return self.path
