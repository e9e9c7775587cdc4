"""Distinct names never share a file, and ordinary names stay readable (issue 12 §2).

The mapping from a name to a path inside save_dir escapes what it cannot keep
(``%XX``, the bytes of the UTF-8 encoding) instead of replacing it, so it is injective;
``decode`` below is its inverse, written from the rule in ``docs/backends.md``.
"""
import os
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from scenevis.backends import LocalVisBackend
from scenevis.backends._paths import MAX_COMPONENT_BYTES, name_parts

IMAGE = np.full((2, 3, 3), 7, np.uint8)


def decode(parts, suffix=""):
    """The name that ``name_parts(name, suffix)`` mapped to ``parts`` (unless cut and hashed)."""
    *folders, last = parts
    assert last.endswith(suffix)
    last = last[: len(last) - len(suffix)] if suffix else last
    texts = []
    for i, part in enumerate(folders + [last]):
        is_final = i == len(folders)
        if part == "%" and not (is_final and suffix):
            texts.append("")
            continue
        raw = re.sub(rb"%([0-9A-F]{2})", lambda m: bytes([int(m.group(1), 16)]), part.encode("utf-8", "surrogatepass"))
        texts.append(raw.decode("utf-8", "surrogatepass"))
    return "/".join(texts)


def test_names_that_collided_before_are_distinct_files(tmp_path):
    # '' and '__/x' themselves are refused now (scenevis.backends._values.check_name)
    names = ["a:b", "a|b", "a?b", "a_b", "a/../x", "a/__/x", "x/", "*", "?", "\x00", "a\\b", "a/b", "a//b", "/a/b"]
    backend = LocalVisBackend(str(tmp_path))
    for i, name in enumerate(names):
        backend.add_image(name, np.full((2, 2, 3), i, np.uint8), step=0)
    files = [os.path.join(d, f) for d, _, fs in os.walk(tmp_path) for f in fs]
    assert len(files) == len(names)
    for i, name in enumerate(names):  # each file holds the image of its own name
        path = os.path.join(tmp_path, "vis_image", *name_parts(name, "_0.png"))
        assert np.asarray(Image.open(path))[0, 0, 0] == i, name


def test_ordinary_names_stay_readable():
    assert name_parts("val/img", "_3.png") == ["val", "img_3.png"]  # as MMEngine writes it
    assert name_parts("loss curve (top-1) é中", "_0.png") == ["loss curve (top-1) é中_0.png"]
    assert name_parts("20240101_120000.json") == ["20240101_120000.json"]
    assert name_parts("a:b", "_0.png") == ["a%3Ab_0.png"]
    assert name_parts("../x") == ["%2E%2E", "x"]
    assert name_parts("", "_0.png") == ["_0.png"]
    assert name_parts("/abs/x.json") == ["%", "abs", "x.json"]
    assert name_parts("100%") == ["100%25"]
    assert name_parts("trailing. ") == ["trailing%2E%20"]


def test_file_path_names_are_distinct_files_too(tmp_path):
    backend = LocalVisBackend(str(tmp_path))
    for i, name in enumerate(["a:b.json", "a_b.json", "a?b.json", "../a_b.json", "__/a_b.json"]):
        backend.add_scalars({"i": i}, step=i, file_path=name)
    backend.close()
    files = sorted(os.path.relpath(os.path.join(d, f), tmp_path) for d, _, fs in os.walk(tmp_path) for f in fs)
    assert len(files) == 6  # five targets and scalars.json


def test_long_names_are_cut_with_a_hash_and_stay_distinct():
    a, b = name_parts("n" * 400 + "a", "_1.png"), name_parts("n" * 400 + "b", "_1.png")
    assert a != b and all(len(p[0].encode()) == MAX_COMPONENT_BYTES and p[0].endswith("_1.png") for p in (a, b))
    # a short name can never look like a cut one: '%~' is not something escaping produces
    assert "%~" in a[0] and "%~" not in name_parts("x%~y")[0]


def test_wrong_type_names_the_argument():
    with pytest.raises(TypeError, match="file_path"):
        name_parts(3, arg="file_path")


@settings(max_examples=500, deadline=None)
@given(name=st.text(max_size=60), suffix=st.sampled_from(["", "_0.png", ".json"]))
def test_mapping_is_invertible_and_stays_inside(name, suffix):
    if not suffix and (name == "" or name.endswith("/")):
        return  # a file needs a last component; the backends always give a suffix for names
    parts = name_parts(name, suffix)
    if not any("%~" in part for part in parts):  # not cut and hashed
        assert decode(parts, suffix) == name
    for part in parts:
        assert part not in ("", ".", "..") and "/" not in part and "\x00" not in part
        assert len(part.encode("utf-8", "surrogatepass")) <= MAX_COMPONENT_BYTES
        assert not part.endswith((".", " "))  # Windows would drop them


@settings(max_examples=300, deadline=None)
@given(a=st.text(max_size=20), b=st.text(max_size=20))
def test_distinct_names_give_distinct_paths(a, b):
    if a != b:
        assert name_parts(a, "_0.png") != name_parts(b, "_0.png")


def test_a_name_nesting_thousands_of_folders_is_refused_before_any_is_made(tmp_path):
    from scenevis import Visualizer
    from scenevis.backends._values import MAX_NAME_LEVELS

    image = np.zeros((4, 4, 3), np.uint8)
    backend = LocalVisBackend(str(tmp_path / "b"))
    vis = Visualizer(name="deep-names", vis_backends=[dict(type="LocalVisBackend")], save_dir=str(tmp_path / "v"))
    for add_image in (backend.add_image, vis.add_image):
        with pytest.raises(ValueError, match=rf"name: expected at most {MAX_NAME_LEVELS} '/'-separated parts, "
                                             r"got 2101 \(a name starting 'a/a/"):
            add_image("a/" * 2100, image)
    assert not (tmp_path / "b" / "vis_image").exists() and not list((tmp_path / "v").rglob("a"))
    backend.add_image("a/" * (MAX_NAME_LEVELS - 1) + "x", image)  # as deep as names go
    assert len(list((tmp_path / "b").rglob("x_0.png"))) == 1
