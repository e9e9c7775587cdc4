"""Visualizer.show(): headless file, Jupyter inline, matplotlib and cv2 windows.

What runs for real here: the headless path (a real temporary PNG, decoded and compared),
the matplotlib figure and its wait loop on the Agg canvas (key, close and timeout events
go through matplotlib's own event machinery), and the fallback when matplotlib cannot
open a window. What is replaced, and why: this machine has no display server, no Xvfb
and OpenCV's Qt has only the ``xcb`` platform plugin (no ``offscreen``), so a cv2 window
cannot open; the cv2 test records what our code hands to ``cv2.imshow``. Inline display
runs in a real Jupyter kernel in ``tests/test_jupyter.py``; here a stand-in ``IPython``
module with a terminal shell checks that a terminal session is not taken for a notebook.
"""
import logging
import sys
import threading
import types
import uuid

import numpy as np
import pytest

from golden_compare import read_png
from scenevis import _show
from scenevis.errors import VisualizerValueError
from scenevis.visualizer import Visualizer


@pytest.fixture
def vis():
    img = np.zeros((30, 40, 3), np.uint8)
    img[:, :, 0] = 200  # red: a swapped channel order would show as blue
    v = Visualizer(name=f"show_{uuid.uuid4().hex[:8]}", image=img)
    v.draw_bboxes(np.array([5, 5, 30, 25]), edge_colors="g")
    return v


@pytest.fixture
def headless(monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)


def test_headless_show_writes_a_png_and_logs_its_path(vis, headless, caplog):
    with caplog.at_level(logging.WARNING, logger="scenevis"):
        path = vis.show(win_name="my image")
    try:
        assert path.endswith(".png") and "my_image" in path
        assert path in caplog.text
        np.testing.assert_array_equal(read_png(path), vis.get_image())
    finally:
        import os
        os.unlink(path)


def test_headless_show_of_a_given_image(vis, headless):
    other = np.full((8, 9, 3), (10, 20, 30), np.uint8)
    path = vis.show(drawn_img=other, backend="cv2")
    try:
        np.testing.assert_array_equal(read_png(path), other)
    finally:
        import os
        os.unlink(path)


def test_show_rejects_unknown_backend_and_bad_wait_time(vis, headless):
    with pytest.raises(VisualizerValueError, match="backend"):
        vis.show(backend="tk")
    with pytest.raises(ValueError, match="wait_time"):
        vis.show(wait_time=-1)


def test_terminal_ipython_is_not_a_notebook(monkeypatch):
    class TerminalInteractiveShell:
        pass

    ipython = types.ModuleType("IPython")
    ipython.get_ipython = lambda: TerminalInteractiveShell()
    monkeypatch.setitem(sys.modules, "IPython", ipython)
    assert not _show.in_notebook()


def test_cv2_window_gets_bgr_pixels_and_wait_in_milliseconds(vis, monkeypatch):
    import cv2

    calls = {}
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setattr(cv2, "namedWindow", lambda name: calls.setdefault("window", name))
    monkeypatch.setattr(cv2, "setWindowTitle", lambda name, title: calls.setdefault("title", title))
    monkeypatch.setattr(cv2, "imshow", lambda name, img: calls.setdefault("image", img.copy()))
    monkeypatch.setattr(cv2, "waitKey", lambda ms: calls.setdefault("wait", ms))
    assert vis.show(win_name="boxes", wait_time=0.25, backend="cv2") is None
    rgb = vis.get_image()
    np.testing.assert_array_equal(calls["image"], rgb[..., ::-1])
    assert calls["image"][0, 0].tolist() == [0, 0, 200]  # red in BGR order
    assert calls["title"] == "boxes" and calls["wait"] == 250


def test_matplotlib_figure_shows_the_image_edge_to_edge():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    img = np.random.default_rng(0).integers(0, 255, (20, 30, 3), dtype=np.uint8)
    fig = _show.image_figure(img, "fig-test", {"figsize": (3, 2)})
    try:
        (ax,) = fig.axes
        np.testing.assert_array_equal(np.asarray(ax.images[0].get_array()), img)
        assert not ax.axison
        again = _show.image_figure(img, "fig-test", {})
        assert again is fig and len(fig.axes) == 1  # the same window is reused
    finally:
        plt.close(fig)


@pytest.mark.parametrize("event, expected", [("space", "key"), ("close", "closed"), (None, "timeout")])
def test_wait_for_key_returns_on_key_close_or_timeout(event, expected):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backend_bases import CloseEvent, KeyEvent

    fig = _show.image_figure(np.zeros((4, 4, 3), np.uint8), "wait-test", {})
    canvas = fig.canvas

    fired = []
    if event == "space":  # another key first: the loop must keep waiting for the continue key
        fired = [(0.1, lambda: KeyEvent("key_press_event", canvas, "x")._process()),
                 (0.3, lambda: KeyEvent("key_press_event", canvas, " ")._process())]
    elif event == "close":
        fired = [(0.1, lambda: CloseEvent("close_event", canvas)._process())]
    timers = [threading.Timer(delay, action) for delay, action in fired]
    for timer in timers:
        timer.start()
    try:
        result = _show.wait_for_key(fig, 0.6 if event is None else 10, " ")
    finally:
        for timer in timers:
            timer.cancel()
        plt.close(fig)
    assert result == expected


def test_non_interactive_matplotlib_falls_back_to_a_file(vis, monkeypatch):
    import matplotlib
    matplotlib.use("Agg")
    monkeypatch.setenv("DISPLAY", ":0")
    path = vis.show(wait_time=0)  # Agg cannot open a window: must not block forever
    try:
        np.testing.assert_array_equal(read_png(path), vis.get_image())
    finally:
        import os
        os.unlink(path)
