"""Headless Chromium for the tests: open an SVG or HTML document and take its picture.

Debian's Chromium (/usr/bin/chromium, package ``chromium``) driven by Playwright from
PyPI (the ``test`` extra); ``playwright install`` cannot download browsers here, and
need not. Chromium runs as root here, so without its sandbox, and without the
background connections this machine's closed network refuses.

    with Chromium() as browser:
        picture = browser.screenshot_svg(svg_text, (width, height))   # (H, W, 3) uint8 RGB
        with browser.page((800, 600)) as page:                        # a Playwright page
            page.goto(browser.file_url(path)); page.click("text=Next")

The ``chromium`` fixture in tests/conftest.py starts one browser for the whole run.
"""
from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path
from typing import Iterator, Tuple

import numpy as np

EXECUTABLE = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]


class Chromium:
    """One headless Chromium process; pages are opened and closed per picture."""

    def __init__(self) -> None:
        from playwright.sync_api import sync_playwright

        self._playwright = sync_playwright().start()
        try:
            self._browser = self._playwright.chromium.launch(executable_path=EXECUTABLE, args=ARGS)
        except Exception:
            self._playwright.stop()
            raise
        self._folder = tempfile.TemporaryDirectory(prefix="scenevis-chromium-")

    def close(self) -> None:
        self._browser.close()
        self._playwright.stop()
        self._folder.cleanup()

    def __enter__(self) -> "Chromium":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def version(self) -> str:
        return self._browser.version

    @contextlib.contextmanager
    def page(self, size: Tuple[int, int]) -> Iterator:
        """A new page with a ``size=(width, height)`` CSS-pixel viewport at one device pixel
        per CSS pixel, closed afterwards."""
        width, height = size
        page = self._browser.new_page(viewport={"width": width, "height": height}, device_scale_factor=1)
        try:
            yield page
        finally:
            page.close()

    @staticmethod
    def file_url(path) -> str:
        return Path(path).resolve().as_uri()

    def screenshot(self, url: str, size: Tuple[int, int]) -> np.ndarray:
        """The (height, width, 3) uint8 RGB picture of the document at ``url``."""
        from golden_compare import read_png

        with self.page(size) as page:
            page.goto(url, wait_until="load")
            return read_png(io.BytesIO(page.screenshot(type="png")))

    def screenshot_svg(self, svg: str, size: Tuple[int, int]) -> np.ndarray:
        """The picture of the SVG document ``svg`` (text), opened as a file the way a user
        opens a saved .svg (a standalone SVG document, not inlined into HTML)."""
        return self._screenshot_text(svg, ".svg", size)

    def screenshot_html(self, html: str, size: Tuple[int, int]) -> np.ndarray:
        """The picture of the HTML document ``html`` (text), opened as a file."""
        return self._screenshot_text(html, ".html", size)

    def _screenshot_text(self, text: str, suffix: str, size: Tuple[int, int]) -> np.ndarray:
        with tempfile.NamedTemporaryFile("w", suffix=suffix, dir=self._folder.name, delete=False,
                                         encoding="utf-8") as f:
            f.write(text)
        try:
            return self.screenshot(self.file_url(f.name), size)
        finally:
            Path(f.name).unlink()
