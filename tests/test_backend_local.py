"""LocalVisBackend and the PNG writer: real files, compared with MMEngine's backend."""
import os
import runpy
import struct
import zlib

import cv2
import numpy as np
import pytest

from scenevis import _png, _threads
from scenevis._arrays import as_image
from scenevis.backends import BaseVisBackend, LocalVisBackend
from scenevis.registry import VISBACKENDS


def read_rgb(path):
    bgr = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    assert bgr is not None, f"cannot decode {path}"
    return bgr[..., ::-1] if bgr.ndim == 3 else bgr


# ---------------------------------------------------------------- PNG


@pytest.mark.parametrize("shape", [(1, 1), (7, 5), (7, 5, 3), (9, 4, 4), (1, 300, 3), (300, 1, 3)])
def test_encode_png_round_trips(shape):
    rng = np.random.default_rng(sum(shape))
    image = rng.integers(0, 256, shape, dtype=np.uint8)
    data = _png.encode_png(image)
    decoded = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if image.ndim == 3 and image.shape[2] == 3:
        decoded = decoded[..., ::-1]
    elif image.ndim == 3 and image.shape[2] == 4:
        decoded = decoded[..., [2, 1, 0, 3]]
    assert np.array_equal(decoded.reshape(image.shape), image)


def parse_png(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, []
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, payload = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + payload)
        chunks.append((kind, payload))
        pos += 12 + length
    return chunks


def unfilter_sub(raw, height, width, channels):
    rows = np.frombuffer(raw, np.uint8).reshape(height, width * channels + 1)
    assert (rows[:, 0] == 1).all()
    out = rows[:, 1:].reshape(height, width, channels).astype(np.uint64)
    return (np.cumsum(out, axis=1) % 256).astype(np.uint8)


@pytest.mark.parametrize("band_bytes", [1 << 20, 97])
def test_png_stream_is_one_valid_zlib_stream(monkeypatch, band_bytes):
    monkeypatch.setattr(_png, "_BAND_BYTES", band_bytes)
    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, (700, 1100, 3), dtype=np.uint8)  # 2.3 MB: split into bands
    image[100:300] = 17
    chunks = parse_png(_png.encode_png(image))
    assert [k for k, _ in chunks] == [b"IHDR", b"svBD", b"IDAT", b"IEND"]
    width, height, depth, color = struct.unpack(">IIBB", chunks[0][1][:10])
    assert (width, height, depth, color) == (1100, 700, 8, 2)
    raw = zlib.decompress(chunks[2][1])  # checks the Adler-32 of the joined bands
    assert np.array_equal(unfilter_sub(raw, 700, 1100, 3), image)


def banded_png(seed=3):
    image = np.random.default_rng(seed).integers(0, 256, (720, 1280, 3), dtype=np.uint8)
    image[200:400, :, 1] = 9
    return image, _png.encode_png(image)


def test_the_band_index_says_where_each_band_inflates_alone():
    image, data = banded_png()
    chunks = dict(parse_png(data))
    stream, index = chunks[b"IDAT"], np.frombuffer(chunks[b"svBD"], ">u4").reshape(-1, 2)
    starts = [2, *index[:, 0].tolist(), len(stream) - 4]
    rows = [0, *index[:, 1].tolist(), 720]
    assert len(starts) >= 3  # 2.7 MB on at least two threads
    for start, end, first, last in zip(starts, starts[1:], rows, rows[1:]):
        raw = zlib.decompressobj(-15).decompress(stream[start:end])  # no reference into another band
        assert np.array_equal(unfilter_sub(raw, last - first, 1280, 3), image[first:last])
    assert struct.unpack(">I", stream[-4:])[0] == zlib.adler32(zlib.decompress(stream))


def with_chunk(data, kind, body):
    """``data`` with the body of its ``kind`` chunk replaced (checksum recomputed)."""
    out, pos = [data[:8]], 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        name = data[pos + 4 : pos + 8]
        if name == kind:
            out.append(struct.pack(">I", len(body)) + name + body + struct.pack(">I", zlib.crc32(name + body)))
        else:
            out.append(data[pos : pos + 12 + length])
        pos += 12 + length
    return b"".join(out)


def test_decode_png_reads_bands_in_parallel_and_trusts_no_index(started_threads):
    image, data = banded_png()
    assert np.array_equal(_png.decode_png(data), image) and started_threads  # the bands on threads
    from isal import isal_zlib

    started_threads.clear()
    assert np.array_equal(_png.decode_png(data, zlib_module=isal_zlib), image) and started_threads
    started_threads.clear()
    with _png.single_threaded():
        assert np.array_equal(_png.decode_png(data), image) and not started_threads
    chunks = dict(parse_png(data))
    index = bytearray(chunks[b"svBD"])
    index[3] ^= 1  # an offset one byte off: the bands do not inflate, the stream is read whole
    assert np.array_equal(_png.decode_png(with_chunk(data, b"svBD", bytes(index))), image)
    assert np.array_equal(_png.decode_png(with_chunk(data, b"svBD", b"\x00" * 5)), image)
    stream = bytearray(chunks[b"IDAT"])
    stream[-40] ^= 0x55  # damage in the last band, its chunk checksum made to agree
    with pytest.raises(ValueError, match="corrupt PNG pixel data"):
        _png.decode_png(with_chunk(data, b"IDAT", bytes(stream)))


def test_single_threaded_encodes_on_the_calling_thread_only(monkeypatch, started_threads):
    monkeypatch.setattr(_png.os, "cpu_count", lambda: 4)  # as on a 4-core machine
    image = np.random.default_rng(2).integers(0, 256, (720, 1280, 3), dtype=np.uint8)
    banded = _png.encode_png(image)
    assert len(started_threads) == 1  # 2.7 MB: two bands, one of them on a helper thread
    started_threads.clear()
    with _png.single_threaded():
        alone = _png.encode_png(image)
    assert started_threads == []
    alone, banded = dict(parse_png(alone)), dict(parse_png(banded))
    assert b"svBD" not in alone and alone[b"IDAT"] != banded[b"IDAT"]  # one band: no sync-flush joins
    assert zlib.decompress(alone[b"IDAT"]) == zlib.decompress(banded[b"IDAT"])
    _png.encode_png(image)
    assert len(started_threads) == 1  # the cap ended with the block


def test_gray_alpha_png_via_parser():
    image = np.arange(24, dtype=np.uint8).reshape(3, 4, 2)
    chunks = parse_png(_png.encode_png(image))
    assert chunks[0][1][9] == 4  # gray + alpha
    assert np.array_equal(unfilter_sub(zlib.decompress(chunks[1][1]), 3, 4, 2), image)


def test_encode_png_rejects_bad_images():
    with pytest.raises(TypeError, match="uint8"):
        _png.encode_png(np.zeros((4, 4, 3), np.float32))
    with pytest.raises(ValueError, match="shape"):
        _png.encode_png(np.zeros((4, 4, 5), np.uint8))
    with pytest.raises(ValueError, match="height"):
        _png.encode_png(np.zeros((0, 4, 3), np.uint8))
    with pytest.raises(TypeError):
        _png.encode_png("image.png")


def test_write_png_is_atomic_and_cleans_up(tmp_path):
    image = np.full((3, 3, 3), 200, np.uint8)
    target = tmp_path / "a.png"
    _png.write_png(target, image, fsync=True)
    assert np.array_equal(read_rgb(target), image)
    (tmp_path / "dir.png").mkdir()
    with pytest.raises(OSError):
        _png.write_png(tmp_path / "dir.png", image)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png", "dir.png"]  # no temp left


def test_write_png_replaces_symlink_instead_of_following_it(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("keep me")
    link = tmp_path / "img.png"
    link.symlink_to(outside)
    _png.write_png(link, np.zeros((2, 2, 3), np.uint8))
    assert outside.read_text() == "keep me"
    assert not link.is_symlink() and read_rgb(link).shape == (2, 2, 3)


# ---------------------------------------------------------------- LocalVisBackend


def test_registered_and_buildable(tmp_path):
    assert VISBACKENDS.get("LocalVisBackend") is LocalVisBackend
    cfg = dict(type="LocalVisBackend", save_dir=str(tmp_path))
    backend = VISBACKENDS.build(cfg)
    assert isinstance(backend, LocalVisBackend) and isinstance(backend, BaseVisBackend)
    assert cfg == dict(type="LocalVisBackend", save_dir=str(tmp_path))


def test_lazy_environment_and_experiment(tmp_path):
    root = tmp_path / "run"
    backend = LocalVisBackend(str(root))
    assert not root.exists()
    assert backend.experiment is backend
    assert root.is_dir()
    backend.close()


def test_scalars_byte_identical_to_mmengine(tmp_path):
    import torch

    from mmengine.visualization import LocalVisBackend as MMLocal

    ours, theirs = LocalVisBackend(str(tmp_path / "ours")), MMLocal(str(tmp_path / "theirs"))
    calls = [
        dict(scalar_dict={"map": 0.7, "acc": 0.9}, step=0),
        dict(scalar_dict={"lr": np.float32(0.1), "it": np.int64(3)}, step=5),
        dict(scalar_dict={"z": np.array(2.5), "nan": float("nan"), "inf": float("-inf"), "b": True}, step=6),
        dict(scalar_dict={"big": 2**62, "neg": -7}, step=3),
    ]
    for call in calls:
        ours.add_scalars(**call, file_path="20240101.json")
        theirs.add_scalars(**call, file_path="20240101.json")
    for value in [1, 2.5, np.float32(0.3), np.float64(1e-9), np.array(3.0), torch.tensor(0.25)]:
        ours.add_scalar("v", value, step=2)
        theirs.add_scalar("v", value, step=2)
    ours.close()
    for name in ("scalars.json", "20240101.json"):
        mine = (tmp_path / "ours" / name).read_bytes()
        assert mine == (tmp_path / "theirs" / name).read_bytes()
    lines = (tmp_path / "ours" / "scalars.json").read_bytes().splitlines()
    assert lines[0] == b'{"map": 0.7, "acc": 0.9, "step": 0}'
    assert len(lines) == len(calls) + 6


@pytest.mark.parametrize("scalar_dict, error, match", [
    ({"loss": [1, 2, 3]}, TypeError, r"scalar_dict\['loss'\]"),
    ({"nested": {"a": None}}, TypeError, r"scalar_dict\['nested'\]"),
    ({"txt": "é"}, TypeError, r"scalar_dict\['txt'\]"),
    ({"step": 9, "x": 1}, ValueError, "'step'"),
])
def test_what_mmengine_writes_and_other_backends_cannot_store_is_refused(tmp_path, scalar_dict, error, match):
    """MMEngine's local backend writes lists, dicts, strings and a 'step' key as JSON, which
    TensorBoard and W&B cannot store as scalars; every backend here refuses them alike."""
    backend = LocalVisBackend(str(tmp_path))
    with pytest.raises(error, match=match):
        backend.add_scalars(scalar_dict, step=1)
    assert not (tmp_path / "scalars.json").exists()


def test_scalar_tensors_and_arrays(tmp_path):
    import torch

    backend = LocalVisBackend(str(tmp_path))
    backend.add_scalars({"t": torch.tensor(1.5), "v": torch.tensor([2]), "bf": torch.tensor(0.5, dtype=torch.bfloat16)})
    backend.add_scalar("one", torch.tensor([4.0]), step=1)
    with pytest.raises(TypeError, match=r"scalar_dict\['v'\]: expected one real number"):
        backend.add_scalars({"v": torch.tensor([1, 2])})
    backend.close()
    lines = (tmp_path / "scalars.json").read_text().splitlines()
    assert lines == ['{"t": 1.5, "v": 2, "bf": 0.5, "step": 0}', '{"one": 4.0, "step": 1}']


def test_unserializable_scalar_raises_and_writes_nothing(tmp_path):
    backend = LocalVisBackend(str(tmp_path))
    backend.add_scalars({"ok": 1})
    with pytest.raises(TypeError, match="object"):
        backend.add_scalars({"bad": object()})
    with pytest.raises(TypeError, match="scalar_dict"):
        backend.add_scalars([("a", 1)])
    backend.close()
    assert (tmp_path / "scalars.json").read_text() == '{"ok": 1, "step": 0}\n'


def test_file_path_rules(tmp_path):
    backend = LocalVisBackend(str(tmp_path))
    with pytest.raises(ValueError, match="file_path"):
        backend.add_scalars({"a": 1}, file_path="scalars.json")
    with pytest.raises(ValueError, match="file_path"):
        backend.add_scalars({"a": 1}, file_path="log.txt")
    backend.add_scalars({"a": 1}, file_path="sub/log.json")
    backend.close()
    assert (tmp_path / "sub" / "log.json").read_text() == '{"a": 1, "step": 0}\n'
    assert (tmp_path / "scalars.json").read_text() == '{"a": 1, "step": 0}\n'


def test_constructor_checks_like_mmengine():
    with pytest.raises(ValueError, match="config_save_file"):
        LocalVisBackend("x", config_save_file="config.txt")
    with pytest.raises(ValueError, match="scalar_save_file"):
        LocalVisBackend("x", scalar_save_file="scalars.csv")
    with pytest.raises(TypeError, match="img_save_dir"):
        LocalVisBackend("x", img_save_dir=3)


def test_missing_save_dir_fails_on_use_not_on_construction():
    backend = LocalVisBackend(None)
    assert backend._save_dir is None  # MMEngine's visualizer checks this attribute
    with pytest.raises(ValueError, match="save_dir"):
        backend.add_scalars({"a": 1})


def test_images_written_and_decoded(tmp_path):
    rng = np.random.default_rng(0)
    backend = LocalVisBackend(str(tmp_path), img_save_dir="pics")
    rgb = rng.integers(0, 256, (24, 32, 3), dtype=np.uint8)
    gray = rng.integers(0, 256, (10, 12), dtype=np.uint8)
    rgba = rng.integers(0, 256, (8, 9, 4), dtype=np.uint8)
    floats = rng.random((5, 6, 3))
    backend.add_image("rgb", rgb, step=3)
    backend.add_image("gray", gray)
    backend.add_image("rgba", rgba, step=np.int64(2))
    backend.add_image("float", floats, step=1)
    backend.add_image("val/sample", rgb, step=10)
    assert np.array_equal(read_rgb(tmp_path / "pics" / "rgb_3.png"), rgb)
    assert np.array_equal(read_rgb(tmp_path / "pics" / "gray_0.png"), as_image(gray))
    assert np.array_equal(read_rgb(tmp_path / "pics" / "rgba_2.png"), as_image(rgba))
    assert np.array_equal(read_rgb(tmp_path / "pics" / "float_1.png"), as_image(floats))
    assert np.array_equal(read_rgb(tmp_path / "pics" / "val" / "sample_10.png"), rgb)


def test_image_matches_mmengine_file(tmp_path):
    from mmengine.visualization import LocalVisBackend as MMLocal

    image = np.random.default_rng(2).integers(0, 256, (31, 17, 3), dtype=np.uint8)
    LocalVisBackend(str(tmp_path / "ours")).add_image("img", image, step=4)
    MMLocal(str(tmp_path / "theirs")).add_image("img", image, step=4)
    ours = read_rgb(tmp_path / "ours" / "vis_image" / "img_4.png")
    assert np.array_equal(ours, read_rgb(tmp_path / "theirs" / "vis_image" / "img_4.png"))


@pytest.mark.parametrize(
    "image, error",
    [
        (np.zeros((4, 4, 3), np.float32) + 300, ValueError),
        (np.zeros((2, 4, 4, 3), np.uint8), ValueError),
        (np.zeros((4, 4, 5), np.uint8), ValueError),
        (np.zeros((0, 4, 3), np.uint8), ValueError),
        ("image.png", TypeError),
        (np.array([["a"]]), TypeError),
    ],
)
def test_bad_images_rejected_before_writing(tmp_path, image, error):
    backend = LocalVisBackend(str(tmp_path))
    with pytest.raises(error, match="image"):
        backend.add_image("bad", image)
    assert not (tmp_path / "vis_image").exists()


def test_bad_name_and_step(tmp_path):
    backend = LocalVisBackend(str(tmp_path))
    image = np.zeros((2, 2, 3), np.uint8)
    with pytest.raises(TypeError, match="name"):
        backend.add_image(3, image)
    with pytest.raises(TypeError, match="step"):
        backend.add_image("a", image, step=1.5)
    with pytest.raises(TypeError, match="step"):
        backend.add_image("a", image, step="1")


def test_config_dict_written_as_python(tmp_path):
    backend = LocalVisBackend(str(tmp_path))
    config = dict(model=dict(type="Net", depth=50, stages=list(range(40))), lr=0.1, names=("a", "b"), flag=None)
    backend.add_config(config)
    namespace = runpy.run_path(str(tmp_path / "config.py"))
    assert {k: namespace[k] for k in config} == config
    with pytest.raises(ValueError, match="identifiers"):
        backend.add_config({"not-a-name": 1})
    with pytest.raises(TypeError, match="config"):
        backend.add_config(42)


def test_config_from_mmengine_config_matches_mmengine(tmp_path):
    from mmengine import Config
    from mmengine.visualization import LocalVisBackend as MMLocal

    cfg = Config(dict(a=1, b=dict(b1=[0, 1]), optim=dict(type="SGD", lr=0.01)))
    LocalVisBackend(str(tmp_path / "ours")).add_config(cfg)
    MMLocal(str(tmp_path / "theirs")).add_config(cfg)
    assert (tmp_path / "ours" / "config.py").read_bytes() == (tmp_path / "theirs" / "config.py").read_bytes()
    assert Config.fromfile(str(tmp_path / "ours" / "config.py")).optim.lr == 0.01


def test_config_file_is_copied(tmp_path):
    source = tmp_path / "my_config.py"
    source.write_bytes(b"# my config\nmodel = dict(depth=18)\n")
    backend = LocalVisBackend(str(tmp_path / "run"), config_save_file="cfg.py")
    backend.add_config(str(source))
    assert (tmp_path / "run" / "cfg.py").read_bytes() == source.read_bytes()
    with pytest.raises(ValueError, match="missing"):
        backend.add_config(str(tmp_path / "nope.py"))


def test_close_is_idempotent_and_reopen_appends(tmp_path):
    backend = LocalVisBackend(str(tmp_path))
    backend.close()  # before any use
    backend.add_scalars({"a": 1}, step=1)
    backend.close()
    backend.close()
    backend.add_scalars({"a": 2}, step=2)
    backend.close()
    assert (tmp_path / "scalars.json").read_text() == '{"a": 1, "step": 1}\n{"a": 2, "step": 2}\n'


def test_existing_scalars_file_is_appended_not_truncated(tmp_path):
    (tmp_path / "scalars.json").write_text('{"old": 1, "step": 0}\n')
    backend = LocalVisBackend(str(tmp_path))
    backend.add_scalar("new", 2)
    backend.close()
    assert (tmp_path / "scalars.json").read_text() == '{"old": 1, "step": 0}\n{"new": 2, "step": 0}\n'


def test_unused_backend_is_collected(tmp_path):
    import gc
    import weakref

    def open_under(folder):
        found = []
        for fd in os.listdir("/proc/self/fd"):
            try:
                if os.readlink(f"/proc/self/fd/{fd}").startswith(str(folder)):
                    found.append(fd)
            except OSError:
                pass
        return found

    backend = LocalVisBackend(str(tmp_path))
    backend.add_scalars({"a": 1})
    ref = weakref.ref(backend)
    assert len(open_under(tmp_path)) == 2  # save_dir and scalars.json
    del backend
    gc.collect()
    assert ref() is None  # the exit hook does not keep it alive
    assert open_under(tmp_path) == []  # and collecting it closed both
    assert os.path.getsize(tmp_path / "scalars.json") > 0


def test_callers_scalar_dict_is_not_modified(tmp_path):
    backend = LocalVisBackend(str(tmp_path))
    values = {"loss": 0.5}
    backend.add_scalars(values, step=3, file_path="x.json")
    backend.close()
    assert values == {"loss": 0.5}


def test_an_error_on_a_helper_thread_reaches_the_caller():
    done = []

    def work(i):
        if i == 3:
            raise ValueError("band 3")
        done.append(i)

    with pytest.raises(ValueError, match="band 3"):
        _threads.run_threads(work, 6, threads=2)  # the helper thread takes 1, 3, 5 and stops at 3
    assert sorted(done) == [0, 1, 2, 4]
