"""Scenes and visualizers in Jupyter.

The notebook test is real: ``jupyter nbconvert --execute`` runs ``notebooks/display.ipynb``
in an IPython kernel, and the MIME bundles it recorded are read back from the executed
notebook: each cell's last expression is formatted by IPython itself.
"""
import base64
import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import scenevis as sv
from golden_compare import read_png
from scenevis import samples
from scenevis.scene import PLACEHOLDER_SIZE, summary

NOTEBOOK = Path(__file__).parent / "notebooks" / "display.ipynb"


def decode_png(data: bytes) -> np.ndarray:
    return read_png(io.BytesIO(data))


def labelled_scene() -> sv.Scene:
    img, det = samples.photo(640, 427), samples.detections(640, 427)
    names = [f"{samples.CLASSES[c]} {s:.2f}" for c, s in zip(det["labels"], det["scores"])]
    return (sv.image(img) + sv.masks(det["masks"], class_ids=det["labels"], alpha=0.45)
            + sv.boxes(det["bboxes"], class_ids=det["labels"], width=2)
            + sv.texts(names, det["bboxes"][:, :2], valign="bottom"))


@pytest.mark.parametrize("scene", [sv.Empty(), sv.boxes(np.zeros((0, 4))), sv.boxes(np.zeros((0, 4))) + sv.texts([], np.zeros((0, 2)))],
                         ids=["Empty", "no boxes", "no boxes, no labels"])
def test_a_scene_with_no_size_shows_a_placeholder(scene):
    picture = decode_png(scene._repr_png_())
    assert picture.shape == (PLACEHOLDER_SIZE[1], PLACEHOLDER_SIZE[0], 3)
    assert (picture == picture[0, 0]).all() and (picture[0, 0] < 255).all() and (picture[0, 0] > 200).all()


def test_summary_names_node_types_item_counts_and_size():
    scene = labelled_scene()
    assert summary(scene) == "Group (640x427 px): Image 640x427, Masks (10 items), Boxes (10 items), Texts (10 items)"
    assert summary(sv.Empty()) == "Empty (no size): draws nothing"
    assert summary(sv.boxes([[0, 0, 10, 5]]).translate(3, 4) + sv.boxes([[0, 0, 1, 1], [2, 2, 3, 3]])) \
        .endswith("Boxes x2 (3 items)")
    tile = sv.image(samples.photo(32, 24)) + sv.boxes([[1, 1, 9, 9]])
    assert summary(tile | tile) == "Group (64x24 px): Image x2, Boxes x2 (2 items)"


def test_ipython_text_form_is_the_summary_not_the_arrays():
    from IPython.core.formatters import DisplayFormatter

    scene = labelled_scene()
    data, _ = DisplayFormatter().format(scene)
    assert data["text/plain"] == summary(scene)
    np.testing.assert_array_equal(decode_png(data["image/png"]), scene.render())


@pytest.fixture(scope="module")
def executed(tmp_path_factory) -> list:
    """The notebook's cells after ``jupyter nbconvert --execute`` (the kernel's working
    folder is a temporary one)."""
    folder = tmp_path_factory.mktemp("notebook")
    target = folder / NOTEBOOK.name
    target.write_bytes(NOTEBOOK.read_bytes())
    done = subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute", "--inplace",
                           "--ExecutePreprocessor.timeout=120", str(target)],
                          capture_output=True, text=True, timeout=300, cwd=folder)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(target.read_text())["cells"]


def bundle(cell: dict) -> dict:
    """The MIME bundle of a cell's one output (text joined: nbformat stores it by lines)."""
    (output,) = cell["outputs"]
    return {kind: "".join(value) if isinstance(value, list) else value for kind, value in output["data"].items()}


def png_of(data: dict) -> np.ndarray:
    return decode_png(base64.b64decode(data["image/png"]))


def test_notebook_shows_a_scene_as_its_picture_and_a_summary(executed):
    data = bundle(executed[1])
    assert executed[1]["outputs"][0]["output_type"] == "execute_result"
    img, det = samples.photo(320, 214), samples.detections(320, 214)
    scene = sv.image(img) + sv.boxes(det["bboxes"], class_ids=det["labels"], width=2)
    np.testing.assert_array_equal(png_of(data), scene.render())
    assert data["text/plain"] == "Group (320x214 px): Image 320x214, Boxes (10 items)"


@pytest.mark.parametrize("cell", [2, 3], ids=["Empty", "no detections"])
def test_notebook_shows_an_empty_scene_as_a_placeholder(executed, cell):
    data = bundle(executed[cell])
    assert png_of(data).shape == (PLACEHOLDER_SIZE[1], PLACEHOLDER_SIZE[0], 3)
    assert "(no size)" in data["text/plain"]


def test_notebook_shows_a_visualizer_as_its_current_picture(executed):
    data = bundle(executed[4])
    img, det = samples.photo(320, 214), samples.detections(320, 214)
    vis = sv.Visualizer(name="test_jupyter", image=img)
    vis.draw_bboxes(det["bboxes"], edge_colors="g")
    np.testing.assert_array_equal(png_of(data), vis.get_image())
    assert data["text/plain"].startswith("Visualizer(name='notebook', 320x214")
    blank = bundle(executed[5])
    assert png_of(blank).shape == (PLACEHOLDER_SIZE[1], PLACEHOLDER_SIZE[0], 3)


def test_notebook_show_displays_the_picture_inline(executed):
    (output,) = executed[6]["outputs"]
    assert output["output_type"] == "display_data"
    assert png_of(output["data"]).shape == (214, 320, 3)
