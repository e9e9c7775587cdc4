"""Golden-image comparison shared by the test suite.

A golden is a small PNG under ``tests/golden/``. An image matches when at most
``max_fraction`` of its pixels differ from the golden by more than ``tolerance`` in any
channel (anti-aliasing may move by a grey level or two between Cairo/pixman builds).
Set ``SCENEVIS_UPDATE_GOLDEN=1`` to (re)write goldens instead of comparing; then look at
every rewritten PNG before committing it.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

GOLDEN_DIR = Path(__file__).parent / "golden"


def read_png(path) -> np.ndarray:
    """Decode a PNG (a path or a binary file object) with Cairo's own reader (independent
    of our encoder) to RGB."""
    import cairo

    surface = cairo.ImageSurface.create_from_png(path if hasattr(path, "read") else str(path))
    h, w, stride = surface.get_height(), surface.get_width(), surface.get_stride()
    data = np.frombuffer(surface.get_data(), np.uint8).reshape(h, stride // 4, 4)[:, :w]
    return np.ascontiguousarray(data[..., [2, 1, 0]])


def assert_golden(name: str, image: np.ndarray, tolerance: int = 8, max_fraction: float = 0.005) -> None:
    from scenevis._png import write_png

    path = GOLDEN_DIR / f"{name}.png"
    if os.environ.get("SCENEVIS_UPDATE_GOLDEN") == "1" or not path.exists():
        if os.environ.get("CI") and not path.exists():
            raise AssertionError(f"golden {path} is missing; generate it locally and commit it")
        GOLDEN_DIR.mkdir(exist_ok=True)
        write_png(path, image)
        return
    golden = read_png(path)
    assert golden.shape == image.shape[:2] + (3,), f"{name}: shape {image.shape} != golden {golden.shape}"
    diff = np.abs(golden.astype(np.int16) - image[..., :3].astype(np.int16)).max(axis=2)
    fraction = float((diff > tolerance).mean())
    assert fraction <= max_fraction, (
        f"{name}: {fraction:.2%} of pixels differ by more than {tolerance} (max diff {diff.max()}); "
        f"allowed {max_fraction:.2%}"
    )
