"""Colormap tables: shipped as data, equal to OpenCV's tables of the same name."""
import subprocess
import sys

import cv2
import numpy as np
import pytest

from scenevis import colormaps

OPENCV = {"jet": "COLORMAP_JET", "turbo": "COLORMAP_TURBO", "viridis": "COLORMAP_VIRIDIS",
          "magma": "COLORMAP_MAGMA", "inferno": "COLORMAP_INFERNO"}


def opencv_table(name: str) -> np.ndarray:
    ramp = np.arange(256, dtype=np.uint8)[:, None]
    return cv2.applyColorMap(ramp, getattr(cv2, OPENCV[name]))[:, 0, ::-1]  # BGR -> RGB


def test_names_lists_every_shipped_map_sorted():
    assert colormaps.names() == tuple(sorted(colormaps.names()))
    assert set(colormaps.names()) >= {"jet", "turbo", "viridis", "gray", "magma", "inferno"}


@pytest.mark.parametrize("name", sorted(OPENCV))
def test_table_equals_opencv(name):
    table = colormaps.lut(name)
    assert table.shape == (256, 3) and table.dtype == np.uint8
    np.testing.assert_array_equal(table, opencv_table(name))


def test_jet_runs_from_dark_blue_through_green_to_dark_red():
    jet = colormaps.lut("jet")
    assert tuple(jet[0]) == (0, 0, 128) and tuple(jet[255]) == (128, 0, 0)
    assert jet[128, 1] == 255 and jet[128, 0] < 140 and jet[128, 2] < 140  # green in the middle


def test_gray_is_the_identity_ramp():
    np.testing.assert_array_equal(colormaps.lut("gray"), np.repeat(np.arange(256, dtype=np.uint8)[:, None], 3, 1))


@pytest.mark.parametrize("name", ["jet", "gray"])
def test_tables_are_read_only_and_shared(name):
    table = colormaps.lut(name)
    assert not table.flags.writeable
    with pytest.raises(ValueError):
        table[0, 0] = 1
    assert colormaps.lut(name) is table


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError, match=r"cmap: expected one of .*'jet'.*'viridis'.*got 'hot'"):
        colormaps.lut("hot")
    with pytest.raises(TypeError, match="cmap: expected a colormap name"):
        colormaps.lut(3)


def test_module_imports_neither_matplotlib_nor_opencv():
    code = "import sys, scenevis.colormaps; print(sorted(m for m in ('matplotlib', 'cv2') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
