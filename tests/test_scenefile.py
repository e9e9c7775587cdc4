"""Scene files and equality by content (issue 16 §1): round trips, the node table, and
files that are not scene files.

A loaded scene must equal the original (``==`` and ``digest``) and render to the very same
pixels; anything that is not a scene file must be a ``ValueError`` or ``TypeError``."""
import base64
import gzip
import hashlib
import json
import math
import os
import pickle
import re
import struct
import zlib
from collections.abc import Mapping

import attrs
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import scenevis as sv
import scenevis._digest as digest_module
from golden_scenes import SCENES
from scenevis import scenefile
from scenevis.scene import Scene

CANVAS = dict(size=(64, 48))

# -- scenes of every node type, style and composition -----------------------------------------
coord = st.floats(-10, 60, allow_nan=False, allow_infinity=False)
color = st.sampled_from(["red", "g", "#3366ff80", (10, 200, 30), (0, 0, 0, 120), "none"])


@st.composite
def style_settings(draw, n):
    """Style keyword arguments: each field unset, one value, or (for per-item fields) n values."""
    def one_or_many(values):
        return draw(st.one_of(st.none(), st.sampled_from(values), st.lists(st.sampled_from(values), min_size=n,
                                                                           max_size=n)))
    settings = {"color": one_or_many(["red", "g", (1.0, 0.5, 0.0), "#00ff0080"]),
                "fill": one_or_many(["none", "yellow", (0, 0, 255, 90)]),
                "alpha": one_or_many([0.0, 0.25, 1.0]),
                "width": one_or_many([0.0, 1.0, 2.5]),
                "dash": one_or_many(["-", "--", ":", "-."]),
                "font_size": one_or_many([8.0, 13.0]),
                "font_family": draw(st.sampled_from([None, "DejaVu Sans", "DejaVu Serif"])),
                "halign": one_or_many(["left", "center", "right"]),
                "valign": one_or_many(["top", "center", "baseline", "bottom"])}
    return {key: value for key, value in settings.items() if value is not None}


@st.composite
def metadata(draw, n):
    columns = {
        "score": st.lists(st.floats(0, 1), min_size=n, max_size=n),
        "id": st.lists(st.integers(-2**62, 2**62), min_size=n, max_size=n),
        "crowd": st.lists(st.booleans(), min_size=n, max_size=n),
        "label": st.lists(st.sampled_from(["person", "car", "行人", "", "a\"b\\c"]), min_size=n, max_size=n),
    }
    keys = draw(st.lists(st.sampled_from(sorted(columns)), unique=True))
    return {key: draw(columns[key]) for key in keys} or None


@st.composite
def leaf(draw):
    kind = draw(st.sampled_from(["boxes", "points", "circles", "lines", "polygons", "masks", "texts", "image",
                                 "heatmap", "background", "empty", "rotated", "markers", "halo", "effect"]))
    n = draw(st.integers(0, 3)) if kind not in ("image", "heatmap", "background", "empty", "effect") else 0
    x0, y0 = draw(coord), draw(coord)
    xy = np.array([[x0 + 3 * i, y0 + 2 * i] for i in range(n)]).reshape(n, 2)
    if kind == "boxes":
        node = sv.Boxes(np.concatenate([xy, xy + draw(st.floats(0, 20))], axis=1).reshape(n, 4))
    elif kind == "points":
        node = sv.Points(xy, radius=draw(st.sampled_from([0.0, 2.0, [1.0 + i for i in range(n)] or 1.0])))
    elif kind == "circles":
        node = sv.Circles(xy, [4.0] * n or [4.0])
    elif kind == "lines":
        node = sv.Lines.from_paths([[[x0, y0], [x0 + i + 5, y0 + 9], [x0 - 3, y0 + i]] for i in range(n)])
    elif kind == "polygons":
        outline = [[x0, y0], [x0 + 20, y0], [x0 + 20, y0 + 20], [x0, y0 + 20]]
        hole = [[x0 + 5, y0 + 5], [x0 + 9, y0 + 5], [x0 + 7, y0 + 9]]
        node = sv.Polygons.from_rings([[outline, hole] if i % 2 else outline for i in range(n)])
    elif kind == "masks":
        array = np.array(draw(st.lists(st.lists(st.lists(st.booleans(), min_size=6, max_size=6), min_size=5,
                                                max_size=5), min_size=n, max_size=n))).reshape(n, 5, 6)
        node = sv.Masks(array, x=int(x0), y=int(y0))
    elif kind == "texts":
        strings = [draw(st.sampled_from(["person 0.87", "行人", "two\nlines", " ", ""])) for _ in range(n)]
        boxed = draw(st.booleans())
        node = sv.Texts(strings, xy, background=["yellow"] * n if boxed and n else None,
                        background_edge="black" if boxed else None,
                        pad=draw(st.sampled_from([0.0, 2.0, [[1.0, 0.0, 3.5, 2.0]]])))
    elif kind == "image":
        h, w = draw(st.integers(1, 12)), draw(st.integers(1, 12))
        return sv.image(np.random.default_rng(draw(st.integers(0, 9))).integers(0, 256, (h, w, 3), np.uint8),
                        x=x0, y=y0)
    elif kind == "heatmap":
        values = np.random.default_rng(draw(st.integers(0, 9))).normal(size=(3, 4)).astype(np.float32)
        return sv.heatmap(values, extent=(x0, y0, x0 + 20, y0 + 10), cmap=draw(st.sampled_from(["jet", "viridis"])),
                          vmin=draw(st.sampled_from([None, -1.0])), smooth=draw(st.booleans()))
    elif kind == "background":
        return sv.background((x0, y0, x0 + 9, y0 + 7), draw(color))
    elif kind == "rotated":
        node = sv.RotatedBoxes.from_cxcywha(np.array([[x0 + i, y0, 9.0, 4.0, 0.3 * i] for i in range(n)]).reshape(n, 5),
                                            heading=draw(st.booleans()))
    elif kind == "markers":
        node = sv.Markers(np.concatenate([xy, xy + 9], axis=1).reshape(n, 4), draw(st.sampled_from(sv.nodes.MARKERS)),
                          size=draw(st.sampled_from([None, 2.5])), at=draw(st.sampled_from([None, "top_left"])))
    elif kind == "halo":
        regions = (np.concatenate([xy, xy + 6], axis=1).reshape(n, 4) if draw(st.booleans())
                   else sv.masks(np.eye(5, 6, dtype=bool)[None].repeat(n, 0).reshape(n, 5, 6), x=int(x0), y=int(y0)))
        node = sv.Halo(sv.nodes.as_regions(regions), radius=draw(st.sampled_from([2.0, 7.5])))
    elif kind == "effect":
        make = draw(st.sampled_from([sv.blur, sv.pixelate, sv.desaturate, sv.dim, sv.brighten]))
        outside = draw(st.booleans())
        return make([[x0, y0, x0 + 8, y0 + 5]], outside=outside, frame=(x0 - 2, y0 - 2, x0 + 20, y0 + 9) if outside else None)
    else:
        return sv.Empty()
    settings = draw(style_settings(n))
    return node.replace(style=sv.Style(**settings), meta=draw(metadata(n)))


def _transformed(scene, a, b, d, e):
    return scene.transformed(sv.Affine(a, b, 3.0, d, e, -2.0))


scenes = st.recursive(leaf(), lambda inner: st.one_of(
    st.lists(inner, min_size=2, max_size=3).map(lambda items: sv.Group.of(*items)),
    st.tuples(inner, coord, coord).map(lambda t: t[0].translate(t[1], t[2])),
    st.tuples(inner, st.sampled_from([0.5, 1.0, 2.0]), st.sampled_from([0.0, 0.3]), st.sampled_from([-0.3, 0.0]),
              st.sampled_from([1.0, 1.5])).map(lambda t: _transformed(*t)),
    st.tuples(inner, st.fixed_dictionaries({}, optional={"width": st.sampled_from([1.0, 3.0]), "color": color,
                                                         "font_size": st.sampled_from([8, 16])}).filter(bool))
    .map(lambda t: t[0].styled(**t[1])),
    st.tuples(inner, coord, coord).map(lambda t: t[0].clipped((t[1], t[2], t[1] + 15, t[2] + 12))),
    st.tuples(inner, st.sampled_from(["gt", "pred", "boxes", "layer_2.a-b"])).map(lambda t: t[0].named(t[1])),
    st.tuples(inner, inner).map(lambda ab: ab[0] | ab[1]),
), max_leaves=5)


def round_trip(scene, compress=False):
    return scenefile.loads(scenefile.dumps(scene, compress=compress))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenes, st.booleans())
def test_a_loaded_scene_equals_the_original_and_draws_the_same_pixels(scene, compress):
    loaded = round_trip(scene, compress)
    assert loaded == scene and hash(loaded) == hash(scene) and loaded.digest() == scene.digest()
    assert type(loaded) is type(scene)
    assert (sv.render(loaded, **CANVAS) == sv.render(scene, **CANVAS)).all()
    # to_dict gives plain JSON values: through json text and back, the same scene
    assert sv.from_dict(json.loads(json.dumps(scene.to_dict()))) == scene


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenes, scenes)
def test_equality_is_by_content_and_hash_agrees(a, b):
    a_again = round_trip(a)
    assert (a == b) == (a.digest() == b.digest())
    assert a_again == a and hash(a_again) == hash(a)
    if a == b:
        assert hash(a) == hash(b)
    assert len({a, a_again}) == 1


@pytest.mark.parametrize("name", sorted(SCENES))
def test_every_golden_scene_round_trips_to_identical_pixels(name, tmp_path):
    scene = SCENES[name]()
    for kind in (".scene.json", ".scene.json.gz"):
        path = sv.dump(scene, tmp_path / ("golden" + kind))
        loaded = sv.load(path)
        assert loaded == scene
        assert np.array_equal(sv.render(loaded), sv.render(scene))
    assert gzip.decompress((tmp_path / "golden.scene.json.gz").read_bytes()) == (tmp_path / "golden.scene.json").read_bytes()


def test_nodes_used_twice_are_stored_once():
    photo = sv.image(np.random.default_rng(0).integers(0, 256, (40, 60, 3), np.uint8))
    scene = sv.grid([photo + sv.boxes([[1, 1, 9, 9]]), photo + sv.points([[5, 5]])], cols=2)
    document = scene.to_dict()
    assert sum(node["$"] == "Image" for node in document["nodes"]) == 1
    assert round_trip(scene) == scene


def test_arrays_are_stored_compactly():
    photo = np.random.default_rng(0).integers(0, 256, (30, 40, 3), np.uint8)
    masks = np.zeros((2, 30, 40), bool)
    masks[0, 5:15, 5:25] = True
    masks[1, 20:28, 1:4] = True
    masks[1, 21, 2] = False  # a hole: in the crop of mask 1 (8 x 3), pixel 4
    nodes = sv.image(photo).to_dict()["nodes"] + sv.masks(masks).to_dict()["nodes"]
    pixels, stack = nodes[0]["pixels"], nodes[1]["masks"]
    assert pixels["$"] == "png" and base64.b64decode(pixels["data"]).startswith(b"\x89PNG")
    assert stack["$"] == "masks" and stack["size"] == [30, 40]
    runs = np.frombuffer(base64.b64decode(stack["runs"]["data"]), stack["runs"]["dtype"])
    # the crops joined (200 + 24 pixels): an empty first False run, 200 + 4 True, the hole, 19 True
    assert runs.tolist() == [0, 204, 1, 19]
    xyxy = sv.boxes([[1.5, 2, 3, 4]]).to_dict()["nodes"][0]["xyxy"]
    assert xyxy == {"$": "array", "dtype": "<f8", "shape": [1, 4],
                    "data": base64.b64encode(np.array([1.5, 2, 3, 4], "<f8").tobytes()).decode()}


def test_the_file_is_ascii_json_and_dump_writes_it_whole(tmp_path):
    scene = sv.texts(["行人 \ud800?"[:3]], [[1, 2]]) + sv.boxes([[0, 0, 1, 1]]).named("pred")
    path = sv.dump(scene, tmp_path / "deep" / "er" / "a.scene.json")
    data = (tmp_path / "deep" / "er" / "a.scene.json").read_bytes()
    assert path.endswith("a.scene.json") and data.isascii() and json.loads(data)["format"] == "scenevis.scene"
    assert sv.load(path) == scene and sv.load(path).layer_names == ("pred",)
    assert [p.name for p in (tmp_path / "deep" / "er").iterdir()] == ["a.scene.json"]  # no temporary file left
    with pytest.raises(ValueError, match=r"path: expected a \.scene\.json or \.scene\.json\.gz file name"):
        sv.dump(scene, tmp_path / "a.png")
    with pytest.raises(TypeError, match="scene: expected a scenevis Scene, got ndarray"):
        sv.dump(np.zeros((2, 2)), tmp_path / "b.scene.json")


# -- the node table -------------------------------------------------------------------------------
def _all_subclasses(kind):
    for sub in kind.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


def test_every_node_type_is_in_the_table_and_compares_by_content():
    import scenevis.annotate  # noqa: F401  (every module that might define a node type)
    import scenevis.nodes  # noqa: F401

    concrete = {kind for kind in _all_subclasses(Scene) if attrs.has(kind) and kind.__module__.startswith("scenevis")
                and kind.__name__ not in ("Shape",)}
    assert concrete == set(scenefile.NODE_TYPES.values()), "add the new node type to NODE_TYPES in scenevis/scenefile.py"
    for kind in concrete:
        assert kind.__eq__ is Scene.__eq__ and kind.__hash__ is Scene.__hash__, \
            f"declare {kind.__name__} with @attrs.frozen(eq=False): scenes compare by digest"


def test_the_format_page_lists_every_node_type_with_its_fields():
    from pathlib import Path

    page = (Path(__file__).resolve().parents[1] / "docs" / "scene-format.md").read_text()
    rows = dict(re.findall(r"^\| `(\w+)` \| (.*) \|$", page, re.M))
    for name, kind in scenefile.NODE_TYPES.items():
        assert name in rows, f"docs/scene-format.md: add {name} to the node types"
        listed = re.findall(r"`(\w+)`", rows[name])
        assert listed == [f.alias for f in attrs.fields(kind) if f.init], f"docs/scene-format.md: the fields of {name}"


def test_a_node_type_outside_the_table_is_refused_by_name():
    @attrs.frozen(eq=False)
    class Stranger(Scene):
        pass

    with pytest.raises(TypeError, match="cannot store a Stranger node: add it to NODE_TYPES"):
        scenefile.dumps(sv.boxes([[0, 0, 1, 1]]) + Stranger())


# -- equality, hash and digest ------------------------------------------------------------------------
def test_equality_compares_content_not_identity():
    image = np.zeros((4, 5, 3), np.uint8)
    a = sv.image(image) + sv.boxes([[0, 0, 2, 2]], color="red", meta={"score": [0.5]})
    assert a == sv.image(image.copy()) + sv.boxes([[0, 0, 2, 2]], color=(255, 0, 0), meta={"score": [0.5]})
    assert a != sv.image(image) + sv.boxes([[0, 0, 2, 2]], color="red", meta={"score": [0.6]})
    assert a != sv.image(image) + sv.boxes([[0, 0, 2, 3]], color="red", meta={"score": [0.5]})
    assert sv.boxes([[-0.0, 0, 1, 1]]) == sv.boxes([[0.0, 0, 1, 1]])  # the same drawing
    assert sv.Boxes(np.zeros((0, 4))) != sv.Points(np.zeros((0, 2)))
    assert sv.Empty() == sv.Empty() and sv.Empty() != sv.Group((sv.Empty(), sv.Empty()))
    assert (sv.boxes([[0, 0, 1, 1]]) == "boxes") is False
    cache = {a: "rendered"}
    assert cache[pickle.loads(pickle.dumps(a))] == "rendered"


def test_the_digest_is_pinned():
    """The digest is written into PNG, SVG and PDF files: it must not change by accident."""
    scene = sv.boxes([[0, 0, 10, 5]], color="red", width=2, meta={"id": [7]}) + sv.texts(["a"], [[1, 2]])
    assert scene.digest() == "10f1edd60eed6c95b6339bec096bf793129d4d3a85e3b9573320c425cbb3569b"


def test_the_digest_is_computed_once_per_node(monkeypatch):
    calls = []
    real = digest_module.content_digest
    monkeypatch.setattr(digest_module, "content_digest", lambda value, nested: calls.append(value) or real(value, nested))
    boxes = sv.boxes([[0, 0, 1, 1]])
    scene = (boxes + sv.points([[1, 1]])).translate(2, 3)
    hash(scene), hash(scene), scene == scene.translate(0, 0), scene.digest()
    assert len(calls) == 3  # boxes, points, the group: once each
    hash(scene.clipped((0, 0, 5, 5)))
    assert len(calls) == 4  # only the new group


def _reference_form(value, root=False):
    """The canonical form as the _digest module's docstring defines it, written out plainly
    (one recursive walk, no caches), with every scene inside the value read as its digest."""
    def tagged(tag, data):
        return tag + struct.pack("<Q", len(data)) + data

    if isinstance(value, Scene) and not root:
        return tagged(b"D", hashlib.sha256(_reference_form(value, root=True)).digest())
    if value is None:
        return b"N"
    if isinstance(value, (bool, np.bool_)):
        return b"T" if value else b"F"
    if isinstance(value, (int, np.integer)):
        return tagged(b"I", str(int(value)).encode())
    if isinstance(value, (float, np.floating)):
        return b"R" + struct.pack("<d", float(value) + 0.0)
    if isinstance(value, str):
        return tagged(b"S", value.encode("utf-8", "surrogatepass"))
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "U":
            return (b"U" + struct.pack(f"<{value.ndim + 1}Q", value.ndim, *value.shape)
                    + b"".join(tagged(b"S", item.encode("utf-8", "surrogatepass")) for item in value.reshape(-1).tolist()))
        if value.dtype.kind in "fc":
            value = value + 0.0
        data = np.ascontiguousarray(value.astype(value.dtype.newbyteorder("<")))
        return (tagged(b"X", data.dtype.str.encode()) + struct.pack(f"<{data.ndim + 2}Q", data.ndim, *data.shape, data.nbytes)
                + data.tobytes())
    if isinstance(value, (tuple, list)):
        return b"L" + struct.pack("<Q", len(value)) + b"".join(_reference_form(item) for item in value)
    if isinstance(value, Mapping):
        return b"M" + struct.pack("<Q", len(value)) + b"".join(
            _reference_form(key) + _reference_form(value[key]) for key in sorted(value, key=repr))
    return tagged(b"A", type(value).__qualname__.encode()) + b"".join(
        tagged(b"f", field.name.encode()) + _reference_form(getattr(value, field.name))
        for field in attrs.fields(type(value)) if field.eq)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenes)
def test_the_digest_is_the_canonical_form_of_the_docstring(scene):
    assert scene.digest() == hashlib.sha256(_reference_form(scene, root=True)).hexdigest()


@pytest.mark.parametrize("value", [
    -0.0, np.float32(-0.0), np.float64(2.5), np.int16(-7), np.bool_(True), True, 2**70, "行人\ud800", None,
    (1, [2.0, None, "a"]), {"b": 1, "a": (np.uint8(3),)}, np.arange(6, dtype=">i4").reshape(2, 3)[:, ::2],
    np.array([[-0.0, 1.5]], ">f8").T, np.array([1 + 0j, -0.0j]), np.array(["a", "行人"]), np.zeros((0, 3), bool),
    np.arange(40_000, dtype=np.float32), [np.arange(70_000, dtype=np.uint8), 1.0, np.arange(70_000, dtype=np.uint8)],
    sv.Affine(1.0, -0.0, 2, 0, 1, 0), sv.Style(color="red", alpha=[0.5, 1.0], dash="--"),
    sv.Masks(np.eye(5, 6, dtype=bool)[None]).masks,
])
def test_content_digest_is_the_canonical_form_of_the_docstring(value):
    """Values a scene never holds as they are too (numpy scalars, big-endian and strided
    arrays, parts larger than the module's hashing threshold)."""
    assert digest_module.content_digest(value, lambda item: None) == hashlib.sha256(_reference_form(value)).digest()


def test_deep_scenes_digest_without_recursion():
    scene = sv.boxes([[0, 0, 1, 1]])
    for i in range(5000):
        scene = sv.Group((scene,), name=f"g{i}")
    assert len(scene.digest()) == 64 and round_trip(scene) == scene


def test_rendering_computes_no_digest(monkeypatch):
    """Equality by content costs nothing on the hot path: drawing never asks for a digest."""
    calls = []
    monkeypatch.setattr(digest_module, "content_digest", lambda value, nested: calls.append(value))
    image = np.random.default_rng(0).integers(0, 256, (72, 128, 3), np.uint8)
    masks = np.zeros((3, 72, 128), bool)
    masks[:, 10:30, 20:50] = True
    scene = (sv.image(image) + sv.masks(masks, class_ids=[0, 1, 2]) + sv.boxes([[1, 1, 30, 30]] * 3, class_ids=[0, 1, 2])
             + sv.texts(["a", "b", "c"], [[1, 1]] * 3, background="white"))
    sv.render(scene), sv.to_svg(scene), sv.to_png(scene)
    vis = sv.Visualizer(image=image)
    vis.draw_bboxes(np.array([[1, 1, 30, 30]])).draw_binary_masks(masks[:1]).draw_texts("x", np.array([[5, 5]]))
    vis.get_image()
    assert calls == []


# -- not scene files --------------------------------------------------------------------------------
def good():
    return sv.image(np.full((6, 8, 3), 7, np.uint8)) + sv.masks(np.eye(6, 8, dtype=bool)[None]) + sv.boxes([[1, 1, 3, 3]])


def document():
    return json.loads(scenefile.dumps(good()))


def edited(change):
    data = document()
    change(data)
    return json.dumps(data)


def png_bomb():
    """A valid PNG header declaring 32768 x 32768 RGB pixels over a few bytes of data."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(body, zlib.crc32(kind)))
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 32768, 32768, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(b"\x00" * 100000)) + chunk(b"IEND", b""))
    return base64.b64encode(png).decode()


def _set(path, value):
    def change(data):
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return change


BAD_FILES = {  # name: (bytes, the error, its message), or (bytes, None, None) for a file that loads
    "empty": (b"", ValueError, "not JSON"),
    "truncated": (lambda: scenefile.dumps(good())[:-40], ValueError, "not JSON"),
    "not UTF-8": (b"\xff\xfe{}", ValueError, "not UTF-8"),
    "a pickle": (pickle.dumps(good()), ValueError, "not a scene file"),
    "a PNG": (lambda: sv.to_png(good()), ValueError, "not a scene file"),
    "broken gzip": (lambda: gzip.compress(scenefile.dumps(good()))[:-30], ValueError, "broken gzip"),
    "a list": (b"[1, 2]", TypeError, "expected a JSON object, got list"),
    "another format": (lambda: edited(_set(["format"], "other")), ValueError, "not a scenevis scene"),
    "a newer version": (lambda: edited(_set(["version"], 2)), ValueError, "version 2 is newer .* upgrade scenevis"),
    "a version as text": (lambda: edited(_set(["version"], "1")), ValueError, "positive integer, got '1'"),
    "an unknown key": (lambda: edited(_set(["extra"], 1)), ValueError, "unknown key 'extra'"),
    "no nodes": (lambda: edited(lambda d: d.pop("nodes")), ValueError, "missing 'nodes'"),
    "a root out of range": (lambda: edited(_set(["root"], 9)), ValueError, r"node index in \[0, 4\), got 9"),
    "a node type by module path": (lambda: edited(_set(["nodes", 0, "$"], "os.system")), ValueError,
                                   "expected a node type, one of .*, got 'os.system'"),
    "an unknown field": (lambda: edited(_set(["nodes", 2, "shell"], "rm -rf")), ValueError,
                         r"nodes\[2\] \(Boxes\): unknown field 'shell'"),
    "a missing field": (lambda: edited(lambda d: d["nodes"][2].pop("xyxy")), ValueError, "missing field 'xyxy'"),
    "a wrong kind of value": (lambda: edited(_set(["nodes", 2, "xyxy"], "abc")), TypeError,
                              r"nodes\[2\] \(Boxes\)"),
    "a wrong value": (lambda: edited(_set(["nodes", 2, "xyxy", "data"],
                                          base64.b64encode(np.array([3, 3, 1, 1], "<f8").tobytes()).decode())),
                      ValueError, r"nodes\[2\] \(Boxes\): boxes: expected x1 <= x2"),
    "an unknown value tag": (lambda: edited(_set(["nodes", 2, "style", "$"], "builtins.eval")), ValueError,
                             "expected one of .*, got 'builtins.eval'"),
    "a scene inline": (lambda: edited(_set(["nodes", 3, "children", 0], {"$": "Boxes"})), ValueError,
                       "got 'Boxes'"),
    "a forward reference": (lambda: edited(_set(["nodes", 0, "pixels"], {"$": "node", "index": 3})), ValueError,
                            r"listed before this one \(0 to -1\), got 3"),
    "a huge declared shape": (lambda: edited(_set(["nodes", 2, "xyxy", "shape"], [2**40, 4])), ValueError,
                              "declares 35,184,372,088,832 bytes; at most MAX_ARRAY_BYTES"),
    "a short array": (lambda: edited(_set(["nodes", 2, "xyxy", "shape"], [2, 4])), ValueError,
                      "expected 64 bytes"),
    "an unknown dtype": (lambda: edited(_set(["nodes", 2, "xyxy", "dtype"], "|O")), ValueError,
                         "expected one of .*, got '|O'"),
    "a big-endian dtype": (lambda: edited(_set(["nodes", 2, "xyxy", "dtype"], ">f8")), ValueError, "got '>f8'"),
    "a negative size": (lambda: edited(_set(["nodes", 2, "xyxy", "shape"], [-1, 4])), ValueError, "sizes >= 0"),
    "bad base64": (lambda: edited(_set(["nodes", 2, "xyxy", "data"], "!" * 44)), ValueError, "invalid base64"),
    "a PNG bomb": (lambda: edited(_set(["nodes", 0, "pixels"], {"$": "png", "shape": [32768, 32768, 3],
                                                                "data": png_bomb()})),
                   ValueError, "declares 3,221,225,472 bytes"),
    "a PNG of another size": (lambda: edited(_set(["nodes", 0, "pixels", "shape"], [6, 9, 3])), ValueError,
                              r"expected a PNG of \[6, 9, 3\] pixels, its header says \[6, 8, 3\]"),
    "a PNG bomb under a small shape": (lambda: edited(_set(["nodes", 0, "pixels", "data"], png_bomb())), ValueError,
                                       r"expected a PNG of \[6, 8, 3\] pixels, its header says \[32768, 32768, 3\]"),
    "mask runs of 64 bits": (lambda: edited(_set(["nodes", 1, "masks", "runs"], {
        "$": "array", "dtype": "<u8", "shape": [2], "data": base64.b64encode(np.array([0, 36], "<u8").tobytes()).decode()})),
        None, None),
    "a PNG in non-ASCII text": (lambda: edited(_set(["nodes", 0, "pixels", "data"], "é" * 8)), ValueError,
                                r"nodes\[0\] \(Image\).*pixels.data: invalid base64"),
    "a PNG in base64 with a line break": (lambda: edited(_set(["nodes", 0, "pixels", "data"], "iVBORw0K\nGgo=")),
                                          ValueError, "invalid base64"),
    "a broken PNG": (lambda: edited(_set(["nodes", 0, "pixels", "data"], base64.b64encode(b"\x89PNG\r\n\x1a\n").decode())),
                     ValueError, "truncated PNG"),
    "mask runs that do not add up": (lambda: edited(_set(["nodes", 1, "masks", "runs"], {
        "$": "array", "dtype": "|u1", "shape": [2], "data": base64.b64encode(bytes([0, 5])).decode()})),
                                     ValueError, "expected runs adding up to the 36 pixels"),
    "a mask box outside": (lambda: edited(_set(["nodes", 1, "masks", "boxes", "data"],
                                               base64.b64encode(np.array([0, 0, 90, 6], "<i8").tobytes()).decode())),
                           ValueError, r"boxes\[0\]: expected x0 <= x1 <= 8"),
    "a mask box upside down": (lambda: edited(_set(["nodes", 1, "masks", "boxes", "data"],
                                                   base64.b64encode(np.array([5, 0, -1, 6], "<i8").tobytes()).decode())),
                               ValueError, r"boxes\[0\]: expected"),
    "deep JSON": (b"[" * 100000 + b"]" * 100000, ValueError, "nested too deeply|not a scene file"),
    "deep values": (lambda: edited(_set(["nodes", 2, "meta"], {"$": "dict", "items": {"a": json.loads(
        "[" * 40 + "]" * 40)}})), ValueError, "nest deeper than 16 levels"),
    "NaN": (lambda: scenefile.dumps(good()).replace(b'"x":0.0', b'"x":NaN'), ValueError, "NaN is not a JSON number"),
    "an infinite coordinate": (lambda: scenefile.dumps(good()).replace(b'"x":0.0', b'"x":1e999'), ValueError,
                               r"nodes\[0\] \(Image\): x: expected a finite number"),
    "a huge integer": (lambda: scenefile.dumps(good()).replace(b'"root":3', b'"root":' + b"9" * 5000), ValueError,
                       "not a scene file"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_what_is_not_a_scene_file_is_a_clear_error(name):
    data, error, message = BAD_FILES[name]
    data = data() if callable(data) else data
    if error is None:  # an odd file that is still a scene file
        assert isinstance(scenefile.loads(data), Scene)
        return
    with pytest.raises(error, match=message):
        scenefile.loads(data)


def test_load_names_the_file(tmp_path):
    path = tmp_path / "broken.scene.json"
    path.write_bytes(b'{"format": "scenevis.scene", "version": 1, "root": 0, "nodes": [')
    with pytest.raises(ValueError, match="broken.scene.json: not a scene file"):
        sv.load(path)
    with pytest.raises(FileNotFoundError):
        sv.load(tmp_path / "missing.scene.json")
    with pytest.raises(TypeError, match="path: expected a file path, got int"):
        sv.load(3)


# -- fuzzing the decoder ---------------------------------------------------------------------------
def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, prefix + (key,))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _paths(item, prefix + (i,))


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=False), st.text(max_size=8),
              st.sampled_from(["$", "png", "array", "masks", "node", "dict", "Style", "Boxes", "<f8", "|b1"])),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(
        st.sampled_from(["$", "data", "shape", "dtype", "index", "items", "size", "boxes", "runs", "x"]), inner,
        max_size=4)), max_leaves=8)


def _loads_or_refuses(data):
    try:
        scene = scenefile.loads(data)
    except (ValueError, TypeError):
        return
    assert isinstance(scene, Scene) and round_trip(scene) == scene


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_fuzzed_values_load_or_are_refused(data):
    """Any JSON value anywhere in a valid file: loaded (and stored again the same), or a
    ValueError or TypeError."""
    doc = document()
    paths = list(_paths(doc))
    path = data.draw(st.sampled_from(paths[1:]))
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = data.draw(json_values)
    _loads_or_refuses(json.dumps(doc))


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_fuzzed_bytes_load_or_are_refused(data):
    """Truncated, cut or overwritten bytes, plain or gzip: loaded, or a ValueError or TypeError."""
    raw = scenefile.dumps(good(), compress=data.draw(st.booleans()))
    start = data.draw(st.integers(0, len(raw)))
    end = data.draw(st.integers(start, min(len(raw), start + 64)))
    _loads_or_refuses(raw[:start] + data.draw(st.binary(max_size=16)) + raw[end:])


def gzip_members(data):
    """``[(extra field, body length)]`` of each gzip member, walked by their size fields."""
    out, pos = [], 0
    while pos < len(data):
        assert data[pos:pos + 4] == b"\x1f\x8b\x08\x04"  # deflate, with an extra field
        (xlen,) = struct.unpack_from("<H", data, pos + 10)
        extra = data[pos + 12:pos + 12 + xlen]
        assert extra[:4] == b"sv\x04\x00"
        (size,) = struct.unpack_from("<I", extra, 4)
        out.append((extra, size))
        pos += size
    assert pos == len(data)
    return out


def test_gzip_files_are_members_inflated_on_parallel_threads(monkeypatch, started_threads):
    monkeypatch.setattr(scenefile, "GZIP_MEMBER_BYTES", 4096)
    scene = sv.image(np.random.default_rng(5).integers(0, 256, (90, 120, 3), np.uint8)) + sv.boxes([[1, 1, 9, 9]])
    data = scenefile.dumps(scene, compress=True)
    members = gzip_members(data)
    assert len(members) > 5
    assert gzip.decompress(data) == scenefile.dumps(scene)  # any gzip reader reads it whole
    assert scenefile.loads(data) == scene and started_threads
    damaged = bytearray(data)
    damaged[members[0][1] + 40] ^= 0x20  # inside the second member's body: its CRC-32 disagrees
    with pytest.raises(ValueError, match="broken gzip"):
        scenefile.loads(bytes(damaged))
    lying = bytearray(data)
    lying[16:20] = struct.pack("<I", members[0][1] + 1)  # a size field one byte off: not trusted,
    assert scenefile.loads(bytes(lying)) == scene       # the members are read one by one
    several = gzip.compress(scenefile.dumps(scene)[:1000]) + gzip.compress(scenefile.dumps(scene)[1000:])
    assert scenefile.loads(several) == scene  # members written by another tool, read one by one


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_fuzzed_gzip_members_load_or_are_refused(data):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(scenefile, "GZIP_MEMBER_BYTES", 97)
        raw = scenefile.dumps(good(), compress=True)
    start = data.draw(st.integers(0, len(raw)))
    end = data.draw(st.integers(start, min(len(raw), start + 64)))
    _loads_or_refuses(raw[:start] + data.draw(st.binary(max_size=16)) + raw[end:])


def test_masks_of_any_content_round_trip():
    rng = np.random.default_rng(3)
    for density in (0.0, 0.02, 0.5, 0.98, 1.0):
        masks = rng.random((4, 33, 47)) < density
        masks[1] = False
        node = sv.masks(masks)
        loaded = round_trip(node)
        assert loaded == node and np.array_equal(np.asarray(loaded.masks), masks)
        assert math.isclose(np.asarray(loaded.masks).mean(), masks.mean())


# -- what fuzzing the decoder found in the constructors and the renderer ----------------------------
def test_ragged_offsets_are_checked_by_the_constructors():
    points = np.zeros((5, 2))
    with pytest.raises(ValueError, match=r"offsets: expected offsets from 0 to 5 \(the number of points\)"):
        sv.Lines(points, [0, 2, 4])
    with pytest.raises(ValueError, match="offsets: expected at least 2 points per item, got 0 at index 1"):
        sv.Lines(points, [0, 3, 3, 5])
    with pytest.raises(ValueError, match=r"polys: expected offsets from 0 to 1 \(the number of rings\)"):
        sv.Polygons(points, [0, 5], [0, 2])
    with pytest.raises(ValueError, match="rings: expected at least 3 points per item, got 2"):
        sv.Polygons(points, [0, 2, 5], [0, 2])
    assert sv.Lines(points, [0, 2, 5]).count == 2 and sv.Polygons(points, [0, 5], [0, 1]).count == 1


def test_a_group_style_holds_one_value_per_setting():
    with pytest.raises(ValueError, match="style.color: expected one value for all of the group's children, got 0"):
        sv.Group((sv.Empty(),), style=sv.Style(color=[]))


def test_a_scene_collapsed_onto_a_line_draws_nothing():
    image = sv.image(np.full((4, 4, 3), 200, np.uint8))
    for collapsed in (image.scale(0), sv.boxes([[0, 0, 3, 3]], fill="red").scale(1, 0),
                      sv.texts(["a"], [[1, 1]]).clipped((0, 0, 3, 3)).transformed(sv.Affine(0, 0, 1, 0, 0, 1))):
        assert (sv.render(collapsed, size=(8, 8)) == 255).all()
    with pytest.raises(ValueError, match="transform: expected a scale floating point can hold"):
        sv.render(image.scale(1e300), size=(8, 8))


def test_load_refuses_files_over_the_size_bound_and_reads_files_at_it(monkeypatch, tmp_path):
    scene = sv.boxes([[1, 1, 9, 9]])
    path = sv.dump(scene, tmp_path / "a.scene.json")
    size = os.path.getsize(path)
    monkeypatch.setattr(scenefile, "MAX_FILE_BYTES", size)
    assert sv.load(path) == scene
    monkeypatch.setattr(scenefile, "MAX_FILE_BYTES", size - 1)
    with pytest.raises(ValueError, match="at most MAX_FILE_BYTES"):
        sv.load(path)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenes, st.booleans())
def test_scenes_round_trip_with_every_data_string_cut_out_before_parsing(scene, compress):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(scenefile, "BLOB_BYTES", 1)
        loaded = round_trip(scene, compress)
    assert loaded == scene and loaded.digest() == scene.digest()


def test_long_base64_strings_skip_the_json_parser():
    photo = np.random.default_rng(3).integers(0, 256, (64, 64, 3), np.uint8)
    data = scenefile.dumps(sv.image(photo) + sv.boxes(np.tile([[1.0, 2, 30, 40]], (200, 1))))
    skeleton, blobs = scenefile._cut_blobs(data)
    assert len(blobs) == 2  # the photo's PNG and the (200, 4) boxes; the short arrays stay in place
    assert len(skeleton) < len(data) - 12_000 and sum(len(b) for b in blobs.values()) > 12_000
    assert scenefile.loads(data) == sv.image(photo) + sv.boxes(np.tile([[1.0, 2, 30, 40]], (200, 1)))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["data", "x", 'da"ta']) | st.text(),
                                                                 inner, max_size=3),
    max_leaves=8)


@settings(max_examples=300, deadline=None)
@given(json_values, st.booleans())
def test_cutting_data_strings_out_never_changes_what_the_json_says(value, ascii_only):
    text = json.dumps(value, ensure_ascii=ascii_only, separators=(",", ":")).encode()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(scenefile, "BLOB_BYTES", 1)
        skeleton, blobs = scenefile._cut_blobs(text)
    reader = scenefile._Reader(blobs)

    def restored(v):
        if isinstance(v, list):
            return [restored(item) for item in v]
        if isinstance(v, dict):
            return {key: restored(item) for key, item in v.items()}
        return reader.value(v, "x", 0) if isinstance(v, str) else v

    assert restored(json.loads(skeleton)) == value


def test_a_cut_out_string_that_is_not_json_is_refused_with_its_place():
    reader = scenefile._Reader({"\x01t:0": memoryview(b"tab\there")})
    with pytest.raises(ValueError, match="x: not a JSON string"):
        reader.value("\x01t:0", "x", 0)
    photo = sv.image(np.random.default_rng(4).integers(0, 256, (64, 64, 3), np.uint8))
    data = scenefile.dumps(photo)
    start = data.index(b'"data":"') + 100
    with pytest.raises(ValueError, match=r"nodes\[0\] \(Image\)\.pixels\.data: invalid base64"):
        scenefile.loads(data[:start] + b"\x07" + data[start + 1:])
