"""The run report without a browser: runs found and read (with a note for each problem),
image files mapped back to names and steps, thumbnails, the page's data and escaping.
tests/test_report_browser.py opens the same pages in Chromium."""
import io
import json
import os
import re
from pathlib import Path

import numpy as np
import pytest

from scenevis import LocalVisBackend
from scenevis.report import NotARunError, find_runs, read_run, write_report
from scenevis.report.configs import assignments, differences
from scenevis.report.page import json_script
from scenevis.report.runs import run_name
from scenevis.report.thumbs import THUMB_SIDE, inspect_image

from report_runs import XSS, cut_image, image_named_like_markup, tear_last_line, work_dir, write_run


def page_data(path) -> dict:
    text = Path(path).read_text()
    found = re.search(r'<script type="application/json" id="scenevis-data">(.*?)</script>', text, re.S)
    return json.loads(found.group(1))


def test_an_mmengine_work_dir_holds_one_run_per_timestamp(tmp_path):
    exp = work_dir(tmp_path / "work_dirs")
    runs = find_runs(str(exp))
    assert runs == [str(exp / "20261201_120000" / "vis_data"), str(exp / "20261202_090000" / "vis_data")]
    assert [run_name(str(exp), r) for r in runs] == ["exp/20261201_120000", "exp/20261202_090000"]
    # A run folder given itself, or its vis_data, is named after the run.
    single = exp / "20261201_120000"
    assert run_name(str(single), find_runs(str(single))[0]) == "20261201_120000"
    assert run_name(str(single / "vis_data"), str(single / "vis_data")) == "20261201_120000"


def test_a_folder_without_a_run_is_an_error_naming_it(tmp_path):
    (tmp_path / "empty" / "deeper").mkdir(parents=True)
    with pytest.raises(NotARunError, match=r"RUN_DIR '.*empty': not a run \(no scalars.json, vis_image/ or vis_data/"):
        find_runs(str(tmp_path / "empty"))
    with pytest.raises(FileNotFoundError, match="no such folder"):
        find_runs(str(tmp_path / "missing"))
    deep = tmp_path / "a" / "b" / "c" / "d" / "e" / "f"  # deeper than runs are looked for
    write_run(deep, steps=10, images=())
    with pytest.raises(NotARunError):
        find_runs(str(tmp_path / "a"))


def test_the_search_for_runs_looks_at_a_bounded_number_of_folders(tmp_path, monkeypatch):
    from scenevis.report import runs

    for i in range(5):
        (tmp_path / f"run{i}").mkdir()
        (tmp_path / f"run{i}" / "scalars.json").write_text("")
    assert len(find_runs(str(tmp_path))) == 5
    monkeypatch.setattr(runs, "MAX_FOLDERS", 3)  # the root and two of its folders
    assert find_runs(str(tmp_path)) == [str(tmp_path / "run0"), str(tmp_path / "run1")]


def test_scalars_are_read_and_every_problem_becomes_a_note(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    lines = [{"loss": 1.0, "acc": 0.5, "step": 1}, {"loss": 0.8, "acc": "n/a", "step": 2},
             {"loss": float("nan"), "step": 3}, {"loss": 0.5, "step": 4, "tag": [1, 2]}, {"loss": 0.4}]
    text = "\n".join(json.dumps(line) for line in lines[:2]) + "\n{not json\n" + \
        "\n".join(json.dumps(line) for line in lines[2:]) + "\n" + '{"loss": 0.3, "st'
    (run / "scalars.json").write_text(text)
    result = read_run(str(run), "run")
    steps, values = result.scalars["loss"]
    assert steps.tolist() == [1, 2, 3, 4, 4] and values[:2].tolist() == [1.0, 0.8] and np.isnan(values[2])
    assert result.scalars["acc"][1].tolist() == [0.5] and "tag" not in result.scalars
    notes = [p.message for p in result.problems]
    assert all(p.file == "scalars.json" for p in result.problems)
    assert "line 7 is incomplete (the run may still be writing it); left out" in notes
    assert "1 line not JSON (line 3); left out" in notes
    assert "'acc': 1 value not a number (first: line 2, \"n/a\"); left out" in notes
    assert "'tag': 1 value not a number (first: line 5, [1, 2]); left out" in notes
    assert "'loss': 1 value NaN or infinite (first at step 3); not drawn" in notes
    assert any(n.startswith('1 line without a numeric "step" (first: line 6)') for n in notes)


def test_scalars_of_lines_alike_are_read_as_one_table_and_odd_lines_still_noted(tmp_path):
    from scenevis.report.runs import Run, read_scalars
    path = tmp_path / "scalars.json"
    path.write_text("".join(json.dumps({"loss": 1 / (i + 1), "lr": 0.1, "step": 10 * i}) + "\n" for i in range(5)))
    run = Run("r", str(tmp_path))
    scalars = read_scalars(str(path), run)
    assert list(scalars) == ["loss", "lr"] and run.problems == []
    assert scalars["loss"][0].tolist() == [0, 10, 20, 30, 40] and scalars["loss"][1][1] == 0.5
    assert scalars["lr"][1].tolist() == [0.1] * 5
    # A bool is no number even when every line holds the same keys; two objects on one line
    # are not JSON Lines (joined with commas they would parse, one line short).
    path.write_text('{"loss": 1, "ok": true, "step": 0}\n{"loss": 2, "ok": false, "step": 1}\n'
                    '{"loss": 3, "step": 2}, {"loss": 4, "step": 3}\n{"loss": 5, "ok": true, "step": 4}\n')
    run = Run("r", str(tmp_path))
    scalars = read_scalars(str(path), run)
    assert scalars["loss"][0].tolist() == [0, 1, 4] and "ok" not in scalars
    assert [p.message for p in run.problems] == ["1 line not JSON (line 3); left out",
                                                 "'ok': 3 values not a number (first: line 1, true); left out"]


def test_image_files_map_back_to_the_names_and_steps_they_were_added_with(tmp_path):
    names = ["val/pred", "a b/é 100%", "deep/er/still", "x_7", '<b>"q"|?*:\\ ', "dots.."]
    backend = LocalVisBackend(str(tmp_path))
    for i, name in enumerate(names):
        backend.add_image(name, np.zeros((4, 6, 3), np.uint8), step=i * 10 - 5)
    backend.add_image("long/" + "n" * 300, np.zeros((4, 6, 3), np.uint8), step=2)
    backend.close()
    pictures = read_run(str(tmp_path), "r").pictures
    long = [p for p in pictures if p.name.startswith("long/")]
    assert len(long) == 1 and long[0].step == 2 and long[0].name.endswith("n…") and len(long[0].name) > 200
    assert sorted((p.name, p.step) for p in pictures if p not in long) == \
        sorted((n, i * 10 - 5) for i, n in enumerate(names))


def test_an_empty_run_is_noted_not_an_error(tmp_path):
    (tmp_path / "vis_data").mkdir()
    (tmp_path / "vis_data" / "scalars.json").write_bytes(b"")
    report = write_report([str(tmp_path / "vis_data")], str(tmp_path / "r.html"), progress=False)
    assert [p.message for p in report.problems] == ["the run holds no scalars and no images yet"]
    html = (tmp_path / "r.html").read_text()
    assert "the run holds no scalars and no images yet" in html and "No scalars recorded." in html


def test_the_report_of_a_work_dir(tmp_path):
    exp = work_dir(tmp_path / "work_dirs")
    out = tmp_path / "site" / "report.html"
    report = write_report([str(exp)], str(out), progress=False)
    assert report.runs == ("exp/20261201_120000", "exp/20261202_090000") and report.charts == 3
    data = page_data(out)
    assert [r["name"] for r in data["runs"]] == list(report.runs)
    assert [c["key"] for c in data["charts"]] == ["train/loss", "train/lr", "val/acc"]
    for chart in data["charts"]:
        assert [s["run"] for s in chart["series"]] == [0, 1]
        assert chart["series"][0]["x"] == list(range(0, 201, 10))
        assert chart["log"] is not None
    loss = data["charts"][0]["series"][1]["y"]
    lines = [json.loads(line) for line in (exp / "20261202_090000" / "vis_data" / "scalars.json").read_text().splitlines()]
    assert loss == [line["train/loss"] for line in lines]  # exact values, for the hover
    galleries = {g["name"]: g for g in data["galleries"]}
    assert sorted(galleries) == ["train/input", "val/pred"]
    pred = galleries["val/pred"]
    assert pred["steps"] == [0, 100, 200] and [c["run"] for c in pred["columns"]] == [0, 1]
    for column in pred["columns"]:
        for item in column["items"]:  # relative to the page, and there
            assert (out.parent / item["f"]).is_file() and "t" not in item  # 320x200: small, no thumbnail
    html = out.read_text()
    assert html.count('class="sv-chart"') == 3 and "<h3>train/</h3>" in html and "<h3>val/</h3>" in html
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html


def test_large_images_get_thumbnails_made_once(tmp_path):
    run = write_run(tmp_path / "run", images=(0, 10), image_size=(1280, 720))
    out = tmp_path / "report.html"
    write_report([str(run)], str(out), progress=False, workers=2)
    items = [i for g in page_data(out)["galleries"] if g["name"] == "val/pred" for i in g["columns"][0]["items"]]
    thumbs = [out.parent / item["t"] for item in items]
    assert all(t.parent == tmp_path / "report_files" and t.suffix == ".jpg" for t in thumbs)
    from PIL import Image
    with Image.open(thumbs[0]) as small:
        assert max(small.size) <= THUMB_SIDE and small.size == (427, 240)
    made = [t.stat().st_mtime_ns for t in thumbs]
    write_report([str(run)], str(out), progress=False, workers=2)
    assert [t.stat().st_mtime_ns for t in thumbs] == made  # found, not made again


def _pixels(data: bytes) -> np.ndarray:
    from PIL import Image
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("RGB" if image.mode in ("RGB", "L") else "RGBA")).astype(int)


def _thumbnail(path, factor=3) -> np.ndarray:
    """The thumbnail's pixels made as the report first made them: Pillow decodes the whole
    picture, ``reduce`` shrinks it, JPEG (PNG with alpha) stores it."""
    from PIL import Image
    with Image.open(path) as image:
        small = image.reduce(factor)
    out = io.BytesIO()
    small.save(out, "JPEG" if small.mode in ("RGB", "L") else "PNG", quality=85)
    return _pixels(out.getvalue())


def test_thumbnails_are_the_same_whoever_decodes_the_png(tmp_path):
    from PIL import Image
    from scenevis import samples
    from scenevis._png import write_png
    photo = np.asarray(samples.photo(1280, 720, seed=3))
    files = {"sub.png": photo, "rgba.png": np.dstack([photo, np.arange(720 * 1280).reshape(720, 1280) % 251]),
             "gray.png": photo[:, :, 1]}
    for name, pixels in files.items():  # scenevis's own filters: decoded by decode_png
        write_png(str(tmp_path / name), pixels.astype(np.uint8))
    Image.fromarray(photo).save(tmp_path / "paeth.png")  # Pillow's adaptive filters: decoded by Pillow
    for name in [*files, "paeth.png"]:
        info = inspect_image(str(tmp_path / name))
        assert (info.width, info.height) == (1280, 720)
        assert np.array_equal(_pixels(info.thumb_bytes), _thumbnail(tmp_path / name)), name


def test_pngs_inflate_alike_with_either_zlib(tmp_path):
    import zlib
    from isal import isal_zlib
    from scenevis import samples
    from scenevis._png import decode_png, encode_png, fast_zlib
    data = encode_png(np.asarray(samples.photo(320, 200, seed=1)))
    assert np.array_equal(decode_png(data, zlib_module=isal_zlib), decode_png(data, zlib_module=zlib))
    assert fast_zlib() is isal_zlib  # every PNG scenevis reads (thumbnails, scene files) uses it
    with pytest.raises(ValueError, match="corrupt PNG pixel data"):
        broken = bytearray(data)
        broken[60:64] = b"\xff\xff\xff\xff"
        start = 33 + 8  # IDAT's payload, after the header chunk; fix its CRC so only the stream is bad
        length = int.from_bytes(data[33:37], "big")
        broken[start + length:start + length + 4] = zlib.crc32(bytes(broken[37:start + length])).to_bytes(4, "big")
        decode_png(bytes(broken), zlib_module=isal_zlib)


def test_jpeg_thumbnails_are_decoded_small_and_look_the_same(tmp_path):
    from PIL import Image
    from scenevis import samples
    Image.fromarray(np.asarray(samples.photo(1280, 720, seed=3))).save(tmp_path / "photo.jpg", quality=92)
    shown = _pixels(inspect_image(str(tmp_path / "photo.jpg")).thumb_bytes)
    expected = _thumbnail(tmp_path / "photo.jpg")
    assert shown.shape == expected.shape == (240, 427, 3)
    assert np.abs(shown - expected).mean() < 4


def test_an_image_pillow_refuses_is_a_note_and_its_neighbours_are_shown(tmp_path):
    import struct
    import zlib
    from scenevis.report.thumbs import inspect_images
    from scenevis._png import write_png

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    bomb = tmp_path / "bomb.png"  # a header claiming 40000 x 40000 pixels: a decompression bomb to Pillow
    bomb.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 40000, 40000, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))
    paths = []
    for i in range(7):
        paths.append(str(tmp_path / f"p{i}.png"))
        write_png(paths[-1], np.full((20, 30, 3), i, np.uint8))
    paths.insert(3, str(bomb))
    infos = inspect_images(paths, workers=1, progress=False)
    assert [i.path for i in infos] == paths
    assert [i.problem is None for i in infos] == [True] * 3 + [False] + [True] * 4
    assert "DecompressionBombError" in infos[3].problem and infos[4].width == 30


@pytest.mark.skipif(__import__("platform").libc_ver()[0] != "glibc", reason="glibc's malloc")
def test_workers_reuse_freed_memory_for_the_image_buffers(tmp_path):
    """Mapping each megabyte buffer afresh costs a page fault per 4 KiB: about 2,000 per
    720p image by default, where the worker keeps freed memory for reuse."""
    import subprocess
    import sys
    from scenevis import samples
    from scenevis._png import write_png
    write_png(str(tmp_path / "a.png"), np.asarray(samples.photo(1280, 720, seed=2)))
    code = """if 1:
        import resource, sys
        from scenevis.report.thumbs import _inspect_chunk
        path = sys.argv[1]
        _inspect_chunk([path], None)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        _inspect_chunk([path] * 5, None)
        print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 5)
    """
    faults = float(subprocess.run([sys.executable, "-c", code, str(tmp_path / "a.png")], capture_output=True,
                                  text=True, check=True).stdout)
    assert faults < 300


def test_embed_puts_every_picture_into_the_page(tmp_path):
    run = write_run(tmp_path / "run", images=(0, 10), image_size=(1280, 720))
    out = tmp_path / "report.html"
    write_report([str(run)], str(out), embed=True, progress=False)
    assert not (tmp_path / "report_files").exists()
    data = page_data(out)
    sources = [v for g in data["galleries"] for c in g["columns"] for i in c["items"] if i for k, v in i.items()
               if k in ("t", "f")]
    assert len(sources) == 5 and all(s.startswith(("data:image/png;base64,", "data:image/jpeg;base64,"))
                                     for s in sources)
    assert 'src="data:image/svg+xml' in out.read_text() and str(run) not in out.read_text().replace(
        f'title="{run}"', "")


def test_a_half_written_png_is_a_note_and_the_rest_is_shown(tmp_path):
    run = write_run(tmp_path / "run")
    cut = cut_image(run)
    tear_last_line(run)
    report = write_report([str(run)], str(tmp_path / "r.html"), progress=False)
    assert ("vis_image/val/pred_300.png", "incomplete (still being written, or cut short)") in \
        [(p.file, p.message) for p in report.problems]
    pred = next(g for g in page_data(tmp_path / "r.html")["galleries"] if g["name"] == "val/pred")
    assert pred["steps"] == [0, 100, 200, 300]
    assert pred["columns"][0]["items"][3] == {"n": "pred_300.png: incomplete (still being written, or cut short)"}
    assert inspect_image(str(cut)).problem is not None
    assert any("line 22 is incomplete" in p.message for p in report.problems)


def test_names_and_values_from_files_are_escaped(tmp_path):
    run = write_run(tmp_path / "run", extra_keys={XSS: lambda step: step})
    with open(run / "scalars.json", "a") as handle:  # as a writer that keeps strings would
        handle.write(json.dumps({"bad": "</script><script>alert(2)</script>", "step": 1}) + "\n")
    image_named_like_markup(run, XSS + "/img", 1)
    out = tmp_path / "r.html"
    write_report([str(run)], str(out), progress=False, title=XSS)
    html = out.read_text()
    assert "<script>alert" not in html and "</script><script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the chart's caption and the title, as text
    data = page_data(out)
    assert XSS in [c["key"] for c in data["charts"]] and XSS + "/img" in [g["name"] for g in data["galleries"]]


def test_json_for_a_script_element_cannot_close_it():
    text = json_script({"k": "</script><!-- & \u2028"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"k": "</script><!-- & \u2028"}


def test_config_differences_are_found_without_running_the_config():
    a = "model = dict(type='Net', depth=18)\nlr = 0.01\nimport os\nos.system('exit 1')\nepochs = 12\n"
    b = "model = dict(type='Net', depth=50)\nlr = 0.01\nepochs = 12\nextra: int = 3\n"
    assert assignments(a) == {"model": "dict(type='Net', depth=18)", "lr": "0.01", "epochs": "12"}
    assert differences([a, b, None]) == [("model", ["dict(type='Net', depth=18)", "dict(type='Net', depth=50)", None]),
                                         ("extra", [None, "3", None])]
    assert assignments("def (:") is None and differences([a]) == []


def test_config_lines_that_differ_are_highlighted(tmp_path):
    exp = work_dir(tmp_path)
    out = tmp_path / "r.html"
    write_report([str(exp)], str(out), progress=False)
    html = out.read_text()
    highlighted = re.findall(r'<span class=sv-diff>(.*?)</span>', html)
    assert highlighted == ["model = {&#x27;type&#x27;: &#x27;TinyNet&#x27;, &#x27;depth&#x27;: 18}", "lr = 0.01",
                           "model = {&#x27;type&#x27;: &#x27;TinyNet&#x27;, &#x27;depth&#x27;: 34}", "lr = 0.02"]
    assert '<table class="sv-diffs">' in html and "<code>lr</code>" in html


def test_out_must_be_html(tmp_path):
    run = write_run(tmp_path / "run", images=())
    with pytest.raises(ValueError, match=r"out: expected a path ending in .html, got '.*x.png'"):
        write_report([str(run)], str(tmp_path / "x.png"))
    assert not os.path.exists(tmp_path / "x.png")


def test_a_scene_file_that_cannot_be_shown_leaves_its_picture_and_a_note(tmp_path):
    """A file named like a scene that is not one: the PNG beside it is shown and the page
    says why the scene is not."""
    run = write_run(tmp_path / "run", images=(0,))
    (run / "vis_image" / "val" / "pred_0.scene.json").write_text('{"not": "a scene"}')
    report = write_report([str(run)], str(tmp_path / "r.html"), progress=False)
    assert report.pictures == 3  # two PNGs and the scene file
    notes = [p.message for p in report.problems]
    assert len(notes) == 1 and notes[0].startswith("cannot be shown ("), notes
    pred = next(g for g in page_data(tmp_path / "r.html")["galleries"] if g["name"] == "val/pred")
    assert pred["columns"][0]["items"][0]["f"].endswith("vis_image/val/pred_0.png")
