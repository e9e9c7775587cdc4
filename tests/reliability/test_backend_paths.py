"""Hostile names and paths never reach outside a backend's save_dir (issue 7 §2, issue 12 §2)."""
import os

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from scenevis.backends import LocalVisBackend
from scenevis.backends._paths import name_parts

IMAGE = np.full((2, 3, 3), 7, np.uint8)
HOSTILE = [
    "../../evil",
    "..",
    "/etc/cron.d/evil",
    "a/../../b",
    "a\\..\\..\\b",
    "nul\x00byte",
    "C:\\Windows\\evil",
    "/",
    "./.",
    "...",
    " ",
    "x" * 1000,
    "é" * 300,
    "💥/../\x7f",
]
REFUSED = ["", "\udcff surrogate", "_private", "step"]  # names no backend may take (scenevis.backends._values)


def all_files(root):
    return {os.path.join(d, f) for d, _, files in os.walk(root) for f in files}


def inside(path, root):
    real, base = os.path.realpath(path), os.path.realpath(root)
    return real.startswith(base + os.sep)


@pytest.fixture
def layout(tmp_path):
    """A save_dir with sentinel files around it that must never change."""
    save_dir = tmp_path / "a" / "b" / "run"
    sentinels = [tmp_path / "evil_0.png", tmp_path / "a" / "b" / "scalars.json", tmp_path / "outside.json"]
    for sentinel in sentinels:
        sentinel.parent.mkdir(parents=True, exist_ok=True)
        sentinel.write_text("sentinel")
    return tmp_path, save_dir, sentinels


def check_layout(tmp_path, save_dir, sentinels):
    for sentinel in sentinels:
        assert sentinel.read_text() == "sentinel"
    outside = {p for p in all_files(tmp_path) if not inside(p, save_dir)}
    assert outside == {str(s) for s in sentinels}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_image_names_stay_inside(layout, name):
    tmp_path, save_dir, sentinels = layout
    backend = LocalVisBackend(str(save_dir))
    backend.add_image(name, IMAGE, step=0)
    backend.close()
    check_layout(tmp_path, save_dir, sentinels)
    written = all_files(save_dir)
    assert len(written) == 1
    (path,) = written
    assert inside(path, save_dir / "vis_image")
    assert all(len(part.encode()) <= 255 for part in os.path.relpath(path, save_dir).split(os.sep))


@pytest.mark.parametrize("name", REFUSED)
def test_names_some_backend_cannot_store_are_refused_before_writing(layout, name):
    tmp_path, save_dir, sentinels = layout
    backend = LocalVisBackend(str(save_dir))
    with pytest.raises(ValueError, match="name"):
        backend.add_image(name, IMAGE, step=0)
    check_layout(tmp_path, save_dir, sentinels)
    assert not save_dir.exists()


@pytest.mark.parametrize("file_path", ["../outside.json", "/abs/outside.json", "../../../x.json", "n\x00ul.json"])
def test_hostile_file_path_stays_inside(layout, file_path):
    tmp_path, save_dir, sentinels = layout
    backend = LocalVisBackend(str(save_dir))
    backend.add_scalars({"a": 1}, file_path=file_path)
    backend.close()
    check_layout(tmp_path, save_dir, sentinels)
    assert len(all_files(save_dir)) == 2


def test_hostile_constructor_paths_stay_inside(layout):
    tmp_path, save_dir, sentinels = layout
    backend = LocalVisBackend(
        str(save_dir), img_save_dir="../../..", config_save_file="/../../c.py", scalar_save_file="../scalars.json"
    )
    backend.add_image("evil", IMAGE)
    backend.add_scalars({"a": 1})
    backend.add_config({"a": 1})
    backend.close()
    check_layout(tmp_path, save_dir, sentinels)
    assert {os.path.relpath(p, save_dir) for p in all_files(save_dir)} == {
        "%2E%2E/%2E%2E/%2E%2E/evil_0.png",
        "%2E%2E/scalars.json",
        "%/%2E%2E/%2E%2E/c.py",
    }


def test_mapping_examples_from_the_docs():
    assert name_parts("val/img", "_3.png") == ["val", "img_3.png"]
    assert name_parts("../x", "") == ["%2E%2E", "x"]
    assert name_parts("/tmp/x.json") == ["%", "tmp", "x.json"]
    assert name_parts("a//./b") == ["a", "%", "%2E", "b"]
    assert name_parts('q<u>o:t"e|?*\x00') == ["q%3Cu%3Eo%3At%22e%7C%3F%2A%00"]
    assert name_parts("", "_0.png") == ["_0.png"]
    assert name_parts("...") == ["%2E%2E%2E"]
    with pytest.raises(TypeError, match="name"):
        name_parts(3)


def test_symlinked_folder_pointing_outside_is_refused(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    save_dir = tmp_path / "run"
    save_dir.mkdir()
    (save_dir / "vis_image").symlink_to(outside, target_is_directory=True)
    backend = LocalVisBackend(str(save_dir))
    with pytest.raises(PermissionError, match="symlink"):
        backend.add_image("img", IMAGE)
    assert list(outside.iterdir()) == []


def test_symlinked_scalars_file_is_not_followed_outside(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    save_dir = tmp_path / "run"
    save_dir.mkdir()
    (save_dir / "logs").symlink_to(outside, target_is_directory=True)
    backend = LocalVisBackend(str(save_dir))
    with pytest.raises(PermissionError):
        backend.add_scalars({"a": 1}, file_path="logs/x.json")
    assert list(outside.iterdir()) == []


def test_symlink_at_image_name_is_replaced_not_followed(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    save_dir = tmp_path / "run"
    (save_dir / "vis_image").mkdir(parents=True)
    (save_dir / "vis_image" / "img_0.png").symlink_to(victim)
    LocalVisBackend(str(save_dir)).add_image("img", IMAGE)
    assert victim.read_text() == "precious"
    assert not (save_dir / "vis_image" / "img_0.png").is_symlink()


def test_files_of_other_runs_are_appended_not_truncated(tmp_path):
    (tmp_path / "scalars.json").write_text('{"old": 1}\n')
    (tmp_path / "log.json").write_text('{"older": 0}\n')
    backend = LocalVisBackend(str(tmp_path))
    backend.add_scalars({"new": 2}, file_path="log.json")
    backend.close()
    assert (tmp_path / "scalars.json").read_text() == '{"old": 1}\n{"new": 2, "step": 0}\n'
    assert (tmp_path / "log.json").read_text() == '{"older": 0}\n{"new": 2, "step": 0}\n'


@settings(max_examples=300, deadline=None)
@given(name=st.text(min_size=0, max_size=300), suffix=st.sampled_from(["_0.png", ".json"]))
def test_any_text_maps_inside_root(name, suffix):
    root = "/srv/run"
    path = os.path.join(root, *name_parts(name, suffix))
    assert os.path.normpath(path) == path and path.startswith(root + os.sep)
    parts = os.path.relpath(path, root).split(os.sep)
    assert ".." not in parts and all(len(p.encode("utf-8", "surrogatepass")) <= 255 for p in parts)
    assert "\x00" not in path
    assert name_parts(name, suffix) == name_parts(name, suffix)  # deterministic


@settings(max_examples=40, deadline=None)
@given(name=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=80))
def test_any_text_writes_inside_save_dir(tmp_path_factory, name):
    assume(name and name != "step" and not name.startswith("_"))
    base = tmp_path_factory.mktemp("fuzz")
    save_dir = base / "run"
    backend = LocalVisBackend(str(save_dir))
    backend.add_image(name, IMAGE, step=1)
    backend.close()
    files = all_files(base)
    assert len(files) == 1 and all(inside(p, save_dir / "vis_image") for p in files)
