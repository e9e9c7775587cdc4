"""Golden-image comparison shared by the test suite.

A golden is a small PNG under ``tests/golden/``, one per scene of tests/golden_scenes.py.
A picture matches its golden when no channel of any pixel is more than ``TOLERANCE`` (1
level) apart and the mean absolute difference over all channels is at most ``MAX_MEAN``.

Those bounds are what the renderer was measured to vary by (tests/golden_variation.py,
every golden rendered in 3 processes x 4 threads, 4 times each, on this machine and
with pixman's and numpy's SIMD code turned off): the default path gave the goldens' pixels
exactly, every time; the general paths (masks and images through Cairo instead of
numpy) differ by at most 1 level per channel, on up to 21,209 pixels of a golden, with a
mean difference of at most 0.167. So a changed label (``0.67`` -> ``0.61``: 22 pixels,
up to 171 levels apart) fails, and so does any drawing change that moves one pixel by
two levels, or a fifth of all channel values by one.

A missing golden fails. To write goldens, run the tests with ``SCENEVIS_UPDATE_GOLDEN=1``
(refused when ``CI`` is set): each golden whose picture changed is rewritten, with a
warning naming it; open every rewritten PNG at 100% before committing it. A failed
comparison leaves the new picture and a difference map under ``out/golden/`` to look at.

Vector output is held to the raster render by :func:`assert_looks_like`: the SVG as
headless Chromium shows it, the PDF as poppler's ``pdftoppm`` rasterizes it (72 dpi, one
pixel per point). Another rasterizer anti-aliases edges and hints glyphs its own way, and
pdftoppm smooths embedded rasters even at 1:1, so single pixels differ by up to 255;
what must agree is the picture at a slightly coarser grain. Both are blurred by a 5x5
box, and a pixel counts as different where a channel differs by more than 64 levels:
at most 0.05% of the pixels may, and the mean absolute difference of the unblurred
pictures may be at most 12 levels. Measured over the 12 golden scenes (Chromium 156,
poppler 22.12): no pixel differs by that rule for either format (largest blurred
difference 43.5 levels for SVG, 55.1 for PDF), mean difference at most 6.1 (SVG) and 9.7
(PDF). A label left out of an SVG makes 3.2% of the pixels differ, masks left out 6.1%,
boxes in another color 8.1%, a dashed line left out of a PDF 3.9%.
"""
from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import NamedTuple

import numpy as np

GOLDEN_DIR = Path(__file__).parent / "golden"
FAILED_DIR = Path(__file__).resolve().parents[1] / "out" / "golden"
UPDATE = "SCENEVIS_UPDATE_GOLDEN"
TOLERANCE = 1     # levels per channel
MAX_MEAN = 0.2    # mean absolute difference over all channels (measured worst: 0.167)
LOOKS_BLUR = 5           # assert_looks_like: the side of the box blur, pixels
LOOKS_LEVELS = 64        # a blurred channel further apart than this marks its pixel
LOOKS_MAX_SHARE = 0.0005 # of the pixels may be marked
LOOKS_MAX_MEAN = 12.0    # mean absolute difference of the unblurred pictures


class Difference(NamedTuple):
    """How far a picture is from its golden: the largest channel difference, the number of
    pixels with a channel more than ``tolerance`` apart, and the mean absolute difference
    over all channels."""

    max: int
    pixels: int
    mean: float


def difference(golden: np.ndarray, image: np.ndarray, tolerance: int = TOLERANCE) -> Difference:
    diff = np.abs(golden.astype(np.int16) - image[..., :3].astype(np.int16))
    return Difference(int(diff.max(initial=0)), int((diff.max(axis=2) > tolerance).sum()), float(diff.mean()))


def read_png(path) -> np.ndarray:
    """Decode a PNG (a path or a binary file object) with Cairo's own reader (independent
    of our encoder) to RGB."""
    import cairo

    surface = cairo.ImageSurface.create_from_png(path if hasattr(path, "read") else str(path))
    h, w, stride = surface.get_height(), surface.get_width(), surface.get_stride()
    data = np.frombuffer(surface.get_data(), np.uint8).reshape(h, stride // 4, 4)[:, :w]
    return np.ascontiguousarray(data[..., [2, 1, 0]])


def assert_golden(name: str, image: np.ndarray) -> None:
    """Fail unless ``image`` matches ``tests/golden/<name>.png`` within the stated bounds."""
    from scenevis._png import write_png

    path = GOLDEN_DIR / f"{name}.png"
    image = image[..., :3]
    golden = read_png(path) if path.exists() else None
    same = golden is not None and golden.shape == image.shape and difference(golden, image, 0).max == 0
    if os.environ.get(UPDATE) == "1":
        if os.environ.get("CI"):
            raise AssertionError(f"{UPDATE}=1 is refused under CI: goldens are written locally, looked at, committed")
        if not same:
            write_png(path, image)
            warnings.warn(f"golden {path} {'rewritten' if golden is not None else 'written'}: look at it before "
                          "committing", UserWarning, stacklevel=2)
        return
    if golden is None:
        raise AssertionError(f"golden {path} is missing: run the test with {UPDATE}=1 to write it, look at it, "
                             "commit it")
    if golden.shape != image.shape:
        _keep_failure(name, image, None)
        raise AssertionError(f"{name}: picture shape {image.shape} != golden shape {golden.shape}")
    found = difference(golden, image)
    if found.pixels or found.mean > MAX_MEAN:
        _keep_failure(name, image, golden)
        raise AssertionError(
            f"{name}: {found.pixels} pixels differ by more than {TOLERANCE} level (max {found.max}), mean difference "
            f"{found.mean:.3f} (allowed: 0 pixels, mean {MAX_MEAN}); the picture and the difference are in "
            f"{FAILED_DIR}; if the change is meant, rerun with {UPDATE}=1 and look at the new golden")


def _keep_failure(name: str, image: np.ndarray, golden) -> None:
    """The picture that failed, and where it differs (white on black), under out/golden/."""
    from scenevis._png import write_png

    FAILED_DIR.mkdir(parents=True, exist_ok=True)
    write_png(FAILED_DIR / f"{name}.png", image)
    if golden is not None:
        diff = np.abs(golden.astype(np.int16) - image.astype(np.int16)).max(axis=2)
        write_png(FAILED_DIR / f"{name}.diff.png", np.repeat(np.where(diff > TOLERANCE, 255, diff * 64)
                                                             .astype(np.uint8)[..., None], 3, axis=2))


def box_blur(image: np.ndarray, side: int) -> np.ndarray:
    """Each channel averaged over a ``side`` x ``side`` box (edges repeated), as float."""
    pad = side // 2
    padded = np.pad(image.astype(np.float64), ((pad + 1, pad), (pad + 1, pad), (0, 0)), mode="edge")
    padded[0], padded[:, 0] = 0, 0
    sums = padded.cumsum(0).cumsum(1)
    h, w = image.shape[:2]
    return (sums[side:side + h, side:side + w] - sums[:h, side:side + w] - sums[side:side + h, :w]
            + sums[:h, :w]) / (side * side)


def assert_looks_like(raster: np.ndarray, other: np.ndarray, what: str) -> None:
    """Fail unless ``other`` (a vector output rasterized by another program) shows the
    picture ``raster`` shows, by the rule and figures in this module's docstring."""
    if other.shape[:2] != raster.shape[:2]:
        raise AssertionError(f"{what}: size {other.shape[1]}x{other.shape[0]} != raster "
                             f"{raster.shape[1]}x{raster.shape[0]}")
    raster, other = raster[..., :3], other[..., :3]
    blurred = np.abs(box_blur(raster, LOOKS_BLUR) - box_blur(other, LOOKS_BLUR)).max(axis=2)
    share = float((blurred > LOOKS_LEVELS).mean())
    mean = float(np.abs(raster.astype(np.int16) - other.astype(np.int16)).mean())
    if share > LOOKS_MAX_SHARE or mean > LOOKS_MAX_MEAN:
        raise AssertionError(
            f"{what}: {share:.3%} of the pixels differ by more than {LOOKS_LEVELS} levels after a {LOOKS_BLUR}x"
            f"{LOOKS_BLUR} blur (allowed {LOOKS_MAX_SHARE:.2%}), mean difference {mean:.2f} (allowed "
            f"{LOOKS_MAX_MEAN})")
