"""Provenance (issue 16 §4): every PNG, SVG and PDF says which scenevis drew it, from which
scene, with the caller's metadata; the local backend keeps each drawn picture's scene.

Files are read back independently of scenevis: PNG chunks parsed by hand, SVG with
xml.etree, PDF with poppler's pdfinfo and a look at its bytes."""
import os
import re
import struct
import subprocess
import xml.etree.ElementTree as ET
import zlib

import numpy as np
import pytest

import scenevis as sv
import scenevis._facade_record as recording_module
from golden_compare import read_png
from scenevis import samples
from scenevis._png import decode_png, encode_png

NS = "{urn:scenevis:provenance}"


def png_chunks(data: bytes) -> list:
    """``(type, body)`` of every chunk, each CRC checked: PNG read by hand."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, pos = [], 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert crc == zlib.crc32(kind + body)
        chunks.append((kind.decode("ascii"), body))
        pos += 12 + length
    return chunks


def png_text(data: bytes) -> dict:
    """Every tEXt (Latin-1) and iTXt (UTF-8, uncompressed) entry of a PNG."""
    out = {}
    for kind, body in png_chunks(data):
        if kind == "tEXt":
            key, value = body.split(b"\x00", 1)
            out[key.decode("latin-1")] = value.decode("latin-1")
        elif kind == "iTXt":
            key, rest = body.split(b"\x00", 1)
            assert rest[:2] == b"\x00\x00"  # not compressed
            _language, _translated, text = rest[2:].split(b"\x00", 2)
            out[key.decode("latin-1")] = text.decode("utf-8")
    return out


def scene():
    img = samples.photo(120, 80)
    return sv.image(img) + sv.boxes([[10, 10, 60, 50]], color="red") + sv.texts(["人 person"], [[12, 12]])


METADATA = {"run": "exp1", "step": 3, "lr": 0.001, "best": True, "note": "行人 ünïcode"}


def test_a_png_carries_the_version_the_digest_and_the_metadata(tmp_path):
    picture = scene()
    path = sv.save(picture, tmp_path / "a.png", metadata=METADATA)
    data = open(path, "rb").read()
    kinds = [kind for kind, _ in png_chunks(data)]
    assert kinds[0] == "IHDR" and kinds[-1] == "IEND" and kinds.index("IDAT") > kinds.index("tEXt")
    assert png_text(data) == {"scenevis:version": sv.__version__, "scenevis:digest": picture.digest(), "run": "exp1",
                              "step": "3", "lr": "0.001", "best": "True", "note": "行人 ünïcode"}
    assert [kind for kind, _ in png_chunks(data)].count("iTXt") == 1  # only the text beyond Latin-1
    assert np.array_equal(read_png(path), sv.render(picture))  # Cairo's reader: the pixels are untouched


def test_every_png_save_writes_says_where_it_came_from(tmp_path):
    picture = scene()
    sv.save(picture, tmp_path / "plain.png")
    sv.save_all([picture, picture.scale(0.5)], [tmp_path / "b0.png", tmp_path / "b1.png"], workers=1, progress=False)
    assert png_text((tmp_path / "plain.png").read_bytes()) == {"scenevis:version": sv.__version__,
                                                               "scenevis:digest": picture.digest()}
    assert png_text((tmp_path / "b1.png").read_bytes())["scenevis:digest"] == picture.scale(0.5).digest()
    vis = sv.DetVisualizer()
    vis.add_datasample("x", samples.photo(64, 48), {"pred_instances": {"bboxes": np.array([[4, 4, 30, 30]]),
                                                                       "labels": np.array([1]),
                                                                       "scores": np.array([0.9])}},
                       out_file=str(tmp_path / "out.png"))
    assert png_text((tmp_path / "out.png").read_bytes())["scenevis:digest"] == vis.scene.digest()


def test_an_svg_carries_them_in_its_metadata(tmp_path):
    picture = scene()
    root = ET.parse(sv.save(picture, tmp_path / "a.svg", metadata={"run": "a<b&\"c\"", "step": 3})).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    metadata = root[0]
    assert metadata.tag == "{http://www.w3.org/2000/svg}metadata"
    entries = {entry.get("key"): entry.text for entry in metadata.iter(NS + "entry")}
    assert entries == {"scenevis:version": sv.__version__, "scenevis:digest": picture.digest(), "run": "a<b&\"c\"",
                       "step": "3"}


def test_a_pdf_carries_them_in_its_document_information(tmp_path):
    picture = scene()
    path = sv.save(picture, tmp_path / "a.pdf", metadata={"run": "exp1", "step": 3, "title": "val sample"})
    info = dict(re.findall(r"^(\w+):\s+(.*)$", subprocess.run(["pdfinfo", path], capture_output=True, text=True,
                                                                check=True).stdout, re.M))
    assert info["Creator"] == f"scenevis {sv.__version__}" and info["Title"] == "val sample"
    assert info["Subject"] == f"scenevis:digest {picture.digest()}"
    assert info["Keywords"] == (f"scenevis:version={sv.__version__}; scenevis:digest={picture.digest()}; run=exp1; "
                                "step=3; title=val sample")
    raw = open(path, "rb").read()  # Cairo writes the information dictionary as plain text
    assert f"/Subject (scenevis:digest {picture.digest()})".encode() in raw


@pytest.mark.parametrize("metadata, error, message", [
    ([("run", 1)], TypeError, "metadata: expected a dict"),
    ({1: "x"}, TypeError, "metadata: expected str keys, got int 1"),
    ({"": "x"}, ValueError, "metadata: expected keys of 1 to 79 printable Latin-1"),
    ({"行": "x"}, ValueError, "printable Latin-1"),
    ({" run": "x"}, ValueError, "without leading, trailing or double spaces"),
    ({"k" * 80: "x"}, ValueError, "1 to 79"),
    ({"scenevis:digest": "forged"}, ValueError, "keys starting with 'scenevis:' are scenevis's own"),
    ({"run": [1, 2]}, TypeError, r"metadata\['run'\]: expected a str, int, float or bool, got list"),
    ({"run": "a\x00b"}, ValueError, r"metadata\['run'\]: expected text without control characters"),
    ({"run": "\ud800"}, ValueError, "lone surrogates"),
])
def test_bad_metadata_is_refused_before_anything_is_written(tmp_path, metadata, error, message):
    for ext in (".png", ".svg", ".pdf"):
        with pytest.raises(error, match=message):
            sv.save(scene(), tmp_path / f"a{ext}", metadata=metadata)
    assert list(tmp_path.iterdir()) == []


def test_a_jpeg_holds_no_metadata(tmp_path):
    with pytest.raises(ValueError, match="metadata: a JPEG file holds none; save to .png, .svg or .pdf"):
        sv.save(scene(), tmp_path / "a.jpg", metadata={"run": "x"})
    assert not (tmp_path / "a.jpg").exists()
    assert sv.save(scene(), tmp_path / "a.jpg").endswith("a.jpg")


# -- the local backend keeps the scene of every picture the visualizer drew ------------------------------
def stored(root, name):
    """The PNG's pixels (decoded by Cairo) and the scene file's scene, under vis_image."""
    base = os.path.join(root, "vis_data", "vis_image", name)
    return read_png(base + ".png"), sv.load(base + ".scene.json")


def test_local_backend_keeps_the_scene_beside_each_drawn_picture(tmp_path):
    vis = sv.Visualizer(vis_backends=dict(type="LocalVisBackend", save_scene=True), save_dir=str(tmp_path))
    vis.set_image(samples.photo(160, 100))
    vis.draw_bboxes(np.array([[10, 10, 80, 60]]), edge_colors="r").draw_texts("行人 0.9", np.array([[12, 12]]))
    vis.add_image("val/drawn", vis.get_image(), step=7)
    pixels, loaded = stored(tmp_path, "val/drawn_7")
    assert np.array_equal(loaded.render(), pixels) and loaded == vis.scene
    assert loaded.render(scale=2).shape == (200, 320, 3)  # and it renders at another scale
    folder = tmp_path / "vis_data" / "vis_image"
    vis.add_image("foreign", samples.photo(160, 100), step=1)  # not a picture the visualizer drew
    drawn = vis.get_image()
    drawn[0, 0] = (1, 2, 3)  # drawn, then changed by the caller
    vis.add_image("changed", drawn, step=1)
    assert sorted(p.name for p in folder.iterdir()) == ["changed_1.png", "foreign_1.png", "val"]


def test_add_datasample_keeps_the_scene_too(tmp_path):
    vis = sv.DetVisualizer(vis_backends=[dict(type="LocalVisBackend", save_scene=True)], save_dir=str(tmp_path))
    vis.dataset_meta = {"classes": samples.CLASSES}
    det = samples.detections(200, 134)
    vis.add_datasample("val/sample", samples.photo(200, 134),
                       {"gt_instances": {"bboxes": det["bboxes"], "labels": det["labels"]},
                        "pred_instances": samples.prediction(200, 134)}, step=2)
    pixels, loaded = stored(tmp_path, "val/sample_2")
    assert np.array_equal(loaded.render(), pixels)
    assert loaded == vis.scene


def test_scenes_are_kept_only_when_asked(tmp_path, monkeypatch):
    checksums = []
    monkeypatch.setattr(recording_module, "zlib", type("Z", (), {"crc32": lambda data: checksums.append(1) or 0}))
    vis = sv.Visualizer(vis_backends=dict(type="LocalVisBackend"), save_dir=str(tmp_path))
    vis.set_image(samples.photo(64, 48))
    vis.add_image("drawn", vis.draw_bboxes(np.array([[1, 1, 9, 9]])).get_image(), step=0)
    assert [p.name for p in (tmp_path / "vis_data" / "vis_image").iterdir()] == ["drawn_0.png"]
    assert checksums == []  # nothing is read twice when no backend keeps scenes
    with pytest.raises(TypeError, match="save_scene: expected a bool, got str"):
        sv.LocalVisBackend(str(tmp_path), save_scene="yes")


def test_the_scene_file_is_made_once_for_all_backends(tmp_path, monkeypatch):
    made = []
    real = recording_module.scenefile.dumps
    monkeypatch.setattr(recording_module.scenefile, "dumps", lambda s: made.append(s) or real(s))
    backends = [dict(type="LocalVisBackend", save_scene=True, name="a"),
                dict(type="LocalVisBackend", save_scene=True, name="b", img_save_dir="other")]
    vis = sv.Visualizer(vis_backends=backends, save_dir=str(tmp_path))
    vis.set_image(samples.photo(64, 48))
    vis.add_image("x", vis.get_image(), step=0)
    assert len(made) == 1
    assert (tmp_path / "vis_data" / "other" / "x_0.scene.json").read_bytes() == \
        (tmp_path / "vis_data" / "vis_image" / "x_0.scene.json").read_bytes()


# -- the PNG decoder the scene files use ----------------------------------------------------------------
@pytest.mark.parametrize("shape", [(1, 1, 3), (7, 5, 3), (3, 4, 4), (5, 9, 1), (2, 2, 2), (720, 1280, 3)])
def test_decode_png_reads_what_encode_png_writes(shape):
    array = np.random.default_rng(0).integers(0, 256, shape, np.uint8)
    decoded = decode_png(encode_png(array, {"k": "v"}))
    assert decoded.shape == shape and np.array_equal(decoded, array) and not decoded.flags.writeable


def _png(width, height, color, rows: bytes, depth=8, interlace=0):
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    header = struct.pack(">IIBBBBB", width, height, depth, color, 0, 0, interlace)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def test_decode_png_reads_rows_filtered_none_sub_or_up():
    rows = bytes([0, 10, 20, 30, 40, 50, 60]) + bytes([1, 5, 5, 5, 1, 1, 1]) + bytes([2, 1, 2, 3, 250, 0, 0])
    assert decode_png(_png(2, 3, 2, rows)).tolist() == [[[10, 20, 30], [40, 50, 60]], [[5, 5, 5], [6, 6, 6]],
                                                        [[6, 7, 8], [0, 6, 6]]]


@pytest.mark.parametrize("data, message", [
    (b"GIF89a", "not a PNG"),
    (_png(2, 1, 2, bytes([4, 0, 0, 0, 0, 0, 0])), r"row 0 uses filter type 4 \(Paeth\); expected None, Sub or Up"),
    (_png(2, 1, 2, bytes([0] * 7), depth=16), "expected an 8-bit, non-interlaced"),
    (_png(2, 1, 3, bytes([0] * 3)), "color type 3"),
    (_png(2, 1, 2, bytes([0] * 7), interlace=1), "interlace 1"),
    (_png(2, 1, 2, bytes([0] * 5)), "expected 7 bytes .* holds 5"),
    (_png(2, 1, 2, bytes([0] * 9)), "the stream holds more"),
    (_png(40000, 1, 2, bytes([0] * 7)), "expected a PNG of 1 to 32768 pixels per side, got 40000x1"),
    (_png(2, 1, 2, bytes([0] * 7))[:-20], "truncated PNG"),
    (_png(2, 1, 2, bytes([0] * 7)).replace(b"IDAT", b"IDAX"), "bad checksum"),
])
def test_decode_png_refuses_what_it_cannot_read(data, message):
    with pytest.raises(ValueError, match=message):
        decode_png(data)
