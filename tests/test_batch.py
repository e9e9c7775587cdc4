"""scenevis.batch.save_all: many scenes to files, in this process or in worker processes."""
import numpy as np
import pytest

import scenevis as sv
from golden_compare import read_png
from scenevis import samples
from scenevis.batch import save_all


def scenes(count):
    img = samples.photo(64, 48, seed=0)
    rng = np.random.default_rng(0)
    out = []
    for i in range(count):
        lo = rng.uniform(0, 40, (3, 2))
        xyxy = np.concatenate([lo, lo + rng.uniform(4, 20, (3, 2))], axis=1)
        out.append(sv.image(img) + sv.boxes(xyxy, class_ids=[i, i + 1, i + 2])
                   + sv.texts([f"#{i}"], xyxy[:1, :2], color="white", font_size=9, background="black"))
    return out


@pytest.mark.parametrize("workers", [1, 2])
def test_every_file_holds_its_scene(tmp_path, workers, capsys):
    items = scenes(7)
    paths = [tmp_path / f"scene_{i}.png" for i in range(len(items))]
    written = save_all(items, paths, workers=workers)
    assert written == [str(p) for p in paths]
    for scene, path in zip(items, paths):
        assert (read_png(path) == sv.render(scene)).all()
    assert "7/7" in capsys.readouterr().err


def test_vector_files_and_render_options(tmp_path):
    items = scenes(2)
    paths = [tmp_path / "a.svg", tmp_path / "b.png"]
    save_all(items, paths, workers=2, progress=False, scale=0.5)
    assert (tmp_path / "a.svg").read_text().lstrip().startswith("<?xml")
    assert read_png(tmp_path / "b.png").shape == (24, 32, 3)


def test_no_progress_bar_when_asked(tmp_path, capsys):
    save_all(scenes(2), [tmp_path / "a.png", tmp_path / "b.png"], workers=1, progress=False)
    assert capsys.readouterr().err == ""


def test_a_failing_scene_is_raised_with_its_index(tmp_path):
    items = scenes(3)
    items[1] = sv.boxes([[0, 0, 0, 0]], width=0)  # nothing to give the canvas a size
    with pytest.raises(ValueError, match="nothing to give it a size") as info:
        save_all(items, [tmp_path / f"{i}.png" for i in range(3)], workers=2, progress=False)
    if hasattr(info.value, "add_note"):  # Python >= 3.11
        assert "scenes[1]" in info.value.__notes__[0]


def test_bad_arguments_name_themselves(tmp_path):
    items = scenes(2)
    with pytest.raises(ValueError, match="paths: expected one path per scene"):
        save_all(items, [tmp_path / "a.png"])
    with pytest.raises(ValueError, match="workers: expected an integer >= 1"):
        save_all(items, [tmp_path / "a.png", tmp_path / "b.png"], workers=0)
    with pytest.raises(TypeError, match=r"scenes\[1\]: expected a scenevis Scene"):
        save_all([items[0], "x"], [tmp_path / "a.png", tmp_path / "b.png"])
    with pytest.raises(TypeError, match="scenes: expected a sequence"):
        save_all(items[0], [tmp_path / "a.png"])
    with pytest.raises(ValueError, match=r"paths\[1\]: expected a .png, .jpg, .jpeg, .svg or .pdf"):
        save_all(items, [tmp_path / "a.png", tmp_path / "b.bmp"])
    assert not list(tmp_path.iterdir())
