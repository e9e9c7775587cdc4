"""``Visualizer.show``: inline in Jupyter, a window with a display, a PNG file otherwise.

Layer 7 helper. Nothing here is imported before ``show`` is called; matplotlib, OpenCV
and IPython are imported only by the path that uses them.

Order of choice:

1. In a Jupyter kernel (IPython already imported and its shell is a kernel shell), the
   image is displayed inline as PNG.
2. With a display (``DISPLAY``/``WAYLAND_DISPLAY`` on Linux; always on macOS and
   Windows) a window opens: ``backend='matplotlib'`` when matplotlib can open one (an
   interactive matplotlib backend), ``backend='cv2'`` when OpenCV has a GUI. The window
   waits ``wait_time`` seconds, or with ``wait_time=0`` until ``continue_key`` is
   pressed or the window is closed. The cv2 window gets BGR pixels, so colors are right
   (MMEngine hands it RGB, which swaps red and blue).
3. Otherwise (a headless server, or the window could not be opened) the image is written
   to a new temporary PNG file; its path is logged at WARNING level and returned, so a
   training job never crashes because it has no screen.
"""
from __future__ import annotations

import logging
import math
import os
import sys
import tempfile
from typing import Optional

import numpy as np

from scenevis import pixels
from scenevis._png import write_png

__all__ = ["show_image", "has_display", "in_notebook"]

logger = logging.getLogger("scenevis")


def in_notebook() -> bool:
    """True inside a Jupyter (IPython kernel) session; never imports IPython."""
    ipython = sys.modules.get("IPython")
    get_ipython = getattr(ipython, "get_ipython", None)
    if get_ipython is None:
        return False
    shell = get_ipython()
    return shell is not None and (type(shell).__name__ == "ZMQInteractiveShell" or hasattr(shell, "kernel"))


def has_display() -> bool:
    """Whether a window can appear: a display server on Linux/BSD, always elsewhere."""
    if sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def _show_inline(image: np.ndarray) -> None:
    from IPython.display import Image, display

    from scenevis._png import encode_png
    display(Image(data=encode_png(image), format="png"))


_NON_INTERACTIVE = ("agg", "pdf", "ps", "svg", "pgf", "cairo", "template")


def image_figure(image: np.ndarray, win_name: str, window_cfg: dict):
    """A pyplot figure labelled ``win_name`` (reused across calls) showing ``image`` edge
    to edge without axes."""
    import matplotlib.pyplot as plt

    cfg = {k: v for k, v in window_cfg.items() if k in ("figsize", "dpi", "facecolor", "frameon")}
    fig = plt.figure(num=win_name, **cfg)
    fig.clear()
    fig.subplots_adjust(left=0, right=1, bottom=0, top=1)
    ax = fig.add_subplot()
    ax.axis("off")
    ax.imshow(image, interpolation="none")
    fig.canvas.draw_idle()
    return fig


def show_matplotlib(image: np.ndarray, win_name: str, wait_time: float, continue_key: str,
                    window_cfg: dict) -> bool:
    """Show ``image`` in a matplotlib window and wait (see :func:`wait_for_key`); returns
    False, showing nothing, when matplotlib's backend cannot open windows (e.g. Agg)."""
    import matplotlib
    import matplotlib.pyplot  # noqa: F401  (resolves the default backend)

    if matplotlib.get_backend().lower() in _NON_INTERACTIVE:
        return False
    fig = image_figure(image, win_name, window_cfg)
    fig.show()
    wait_for_key(fig, wait_time, continue_key)
    return True


def wait_for_key(fig, wait_time: float, continue_key: str) -> str:
    """Run the figure's event loop until ``continue_key`` is pressed, the window closes,
    or ``wait_time`` seconds pass (0: no time limit). Returns ``'key'``, ``'closed'`` or
    ``'timeout'``."""
    canvas = fig.canvas
    while True:
        seen: dict = {}

        def on_event(event, seen=seen):
            if "event" not in seen or event.name == "close_event":
                seen["event"] = event
            canvas.stop_event_loop()

        ids = [canvas.mpl_connect(name, on_event) for name in ("key_press_event", "close_event")]
        try:
            canvas.start_event_loop(wait_time)
        finally:
            for cid in ids:
                canvas.mpl_disconnect(cid)
        event = seen.get("event")
        if event is None:
            return "timeout"
        if event.name == "close_event":
            return "closed"
        if getattr(event, "key", None) == continue_key:
            return "key"


def show_cv2(image: np.ndarray, win_name: str, wait_time: float, key: int) -> None:
    """Show ``image`` (RGB) in an OpenCV window titled ``win_name``; one window per
    visualizer (``key``), reused across calls. ``wait_time=0`` waits for a key press."""
    import cv2

    window = f"scenevis-{key}"
    cv2.namedWindow(window)
    cv2.setWindowTitle(window, win_name)
    cv2.imshow(window, pixels.bgr(image))
    cv2.waitKey(int(math.ceil(wait_time * 1000)))


def write_temp_png(image: np.ndarray, win_name: str) -> str:
    """Write ``image`` to a new temporary PNG file and return its path."""
    stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in win_name)[:40] or "image"
    fd, path = tempfile.mkstemp(prefix=f"scenevis-{stem}-", suffix=".png")
    os.close(fd)
    write_png(path, image)
    return path


def show_image(image: np.ndarray, *, win_name: str = "image", wait_time: float = 0.0, continue_key: str = " ",
               backend: str = "matplotlib", window_cfg: Optional[dict] = None, key: int = 0) -> Optional[str]:
    """Show an RGB image the best way this process can (see the module docstring).

    Returns the path of the PNG written when no window or notebook could show it, else None.
    """
    if isinstance(wait_time, bool) or not isinstance(wait_time, (int, float)) or not wait_time >= 0:
        raise ValueError(f"wait_time: expected seconds >= 0, got {wait_time!r}")
    if not isinstance(win_name, str):
        raise TypeError(f"win_name: expected a str, got {type(win_name).__name__}")
    if in_notebook():
        _show_inline(image)
        return None
    if has_display():
        try:
            if backend == "cv2":
                show_cv2(image, win_name, wait_time, key)
                return None
            if show_matplotlib(image, win_name, wait_time, continue_key, window_cfg or {}):
                return None
        except ImportError as err:
            logger.warning("show(backend=%r): %s; writing a PNG file instead", backend, err)
        except Exception as err:  # a display that refuses the window (no permission, lost X server)
            logger.warning("show(backend=%r) could not open a window (%s: %s); writing a PNG file instead",
                           backend, type(err).__name__, err)
    path = write_temp_png(image, win_name)
    logger.warning("show(): no display to show %r on; wrote it to %s", win_name, path)
    return path
