"""The run report opened from file:// in headless Chromium (Debian's, driven by
Playwright; one browser for the whole test run, tests/conftest.py): the charts are there
with every run's line, hovering a point shows its value, the sliders change the picture,
smoothing and the log scale redraw, the notes are visible, nothing from the files runs as
script, and the page asks for nothing from the network."""
import json
import re

import numpy as np
import pytest

import scenevis
from scenevis import LocalVisBackend
from scenevis.report import Page, write_report

from report_runs import XSS, cut_image, image_named_like_markup, tear_last_line, work_dir

VIEWPORT = (1280, 900)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """Two MMEngine-style runs (one with a key named like a script, one torn and with a
    half-written PNG) and an empty run, in one page."""
    root = tmp_path_factory.mktemp("report")
    exp = work_dir(root / "work_dirs")
    first = exp / "20261201_120000" / "vis_data"
    backend = LocalVisBackend(str(first))
    for step in (0, 100):
        backend.add_scalars({XSS: step / 100}, step=step)
    backend.close()
    with open(first / "scalars.json", "a") as handle:  # values that are not numbers, as other writers keep them
        handle.write('{"note": "n/a", "step": 0}\n{"note": "n/a", "step": 100}\n')
    image_named_like_markup(first, XSS, 0)
    second = exp / "20261202_090000" / "vis_data"
    tear_last_line(second)
    cut_image(second)
    (root / "empty" / "vis_data").mkdir(parents=True)
    out = root / "site" / "report.html"
    write_report([str(exp), str(root / "empty")], str(out), progress=False)
    return out


@pytest.fixture()
def page(chromium, report):
    """The report in a new page, with every request and dialog it makes recorded."""
    with chromium.page(VIEWPORT) as page:
        page.requests, page.dialogs = [], []
        page.on("request", lambda request: page.requests.append(request.url))
        page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(chromium.file_url(report), wait_until="load")
        yield page
        assert not errors, errors
        assert not page.dialogs, page.dialogs  # nothing from the files ran as script
        assert page.requests and all(url.startswith(("file:", "data:")) for url in page.requests), \
            [url for url in page.requests if not url.startswith(("file:", "data:"))]


def data(page) -> dict:
    return page.evaluate("() => window.scenevis.data")


def test_every_chart_is_there_with_a_line_per_run(page):
    charts = data(page)["charts"]
    keys = [c["key"] for c in charts]
    assert keys == ["train/loss", "train/lr", "val/acc", XSS]
    assert page.locator(".sv-chart").count() == len(keys)
    runs = data(page)["runs"]
    assert [r["name"] for r in runs] == ["exp/20261201_120000", "exp/20261202_090000", "empty"]
    for index, chart in enumerate(charts):
        expected = [0] if chart["key"] == XSS else [0, 1]
        assert [s["run"] for s in chart["series"]] == expected
        plot = page.locator(f".sv-chart[data-chart='{index}'] .sv-plot")
        picture = np.frombuffer(plot.screenshot(type="png"), np.uint8)  # decoded below
        pixels = _decode(picture)
        for run in expected:  # each run's colour is drawn in the chart
            color = np.array([int(runs[run]["color"][i:i + 2], 16) for i in (1, 3, 5)])
            assert (np.abs(pixels.astype(int) - color).sum(axis=2) < 40).sum() > 40, (chart["key"], run)


def _decode(png_bytes) -> np.ndarray:
    import io

    from golden_compare import read_png

    return read_png(io.BytesIO(png_bytes.tobytes()))


def _point_on_page(page, index: int, series: int, i: int) -> tuple:
    """Where on the page the chart ``index`` draws point ``i`` of its series ``series``."""
    chart = data(page)["charts"][index]
    layout, s = chart["lin"], chart["series"][series]
    box = page.locator(f".sv-chart[data-chart='{index}'] .sv-plot").bounding_box()
    (px0, py0, px1, py1), (x0, x1), (y0, y1) = layout["plot"], layout["x"], layout["y"]
    x = px0 + (s["x"][i] - x0) * (px1 - px0) / (x1 - x0)
    y = py1 - (s["y"][i] - y0) * (py1 - py0) / (y1 - y0)
    scale = box["width"] / layout["size"][0]
    return box["x"] + x * scale, box["y"] + y * scale, s["x"][i], s["y"][i]


def test_hovering_a_point_shows_its_value_and_step(page):
    x, y, step, value = _point_on_page(page, 0, 1, 7)
    page.locator(".sv-chart[data-chart='0']").scroll_into_view_if_needed()
    x, y, step, value = _point_on_page(page, 0, 1, 7)
    page.mouse.move(x, y)
    tip = page.locator("#sv-tip")
    assert tip.is_visible()
    text = tip.inner_text()
    shown = page.evaluate("v => window.scenevis.formatValue(v)", value)
    row = tip.locator("tr", has_text="exp/20261202_090000")
    assert [cell.inner_text() for cell in row.locator("td").all()] == ["", "exp/20261202_090000", shown, f"step {step}"]
    assert text.startswith("train/loss")
    assert float(shown) == pytest.approx(value, rel=1e-5)
    assert page.locator(".sv-chart[data-chart='0'] .sv-markers circle").count() == 2
    page.mouse.move(5, 5)
    assert not tip.is_visible()


def test_smoothing_and_log_scale_redraw_every_chart(page):
    page.locator("#sv-smoothing").evaluate("e => { e.value = 0.8; e.dispatchEvent(new Event('input')); }")
    assert page.locator("#sv-smoothing-value").inner_text() == "0.80"
    assert page.locator(".sv-plot.sv-smoothed").count() == 4
    path = page.locator(".sv-chart[data-chart='0'] .sv-smooth-lines path")
    assert path.count() == 2 and len(path.first.get_attribute("d")) > 100
    before = path.first.get_attribute("d")
    page.locator("#sv-log").check()
    assert page.locator(".sv-chart[data-chart='0'] img.sv-frame-log").is_visible()
    assert not page.locator(".sv-chart[data-chart='0'] img.sv-frame-lin").is_visible()
    assert path.first.get_attribute("d") != before  # the same values, on the log axis
    page.locator("#sv-smoothing").evaluate("e => { e.value = 0; e.dispatchEvent(new Event('input')); }")
    assert page.locator(".sv-plot.sv-smoothed").count() == 0 and path.count() == 0


def test_moving_the_step_slider_changes_the_picture(page):
    gallery = page.locator(".sv-gallery", has=page.locator("h3", has_text="val/pred"))
    slider, pictures = gallery.locator("input[type=range]"), gallery.locator(".sv-cell img")
    assert gallery.locator(".sv-step").inner_text() == "step 300"  # the last step first
    first = gallery.locator(".sv-cell").first
    assert first.locator(".sv-cell-step").inner_text() == "step 200 (latest)"
    assert "incomplete" in gallery.locator(".sv-cell").nth(1).inner_text()  # the half-written PNG
    before = pictures.first.get_attribute("src")
    slider.focus()
    page.keyboard.press("Home")
    assert gallery.locator(".sv-step").inner_text() == "step 0"
    after = pictures.first.get_attribute("src")
    assert after != before and after.endswith("pred_0.png")
    loaded = pictures.first.evaluate("img => img.decode().then(() => img.naturalWidth)")
    assert loaded == 320  # the file is there and shows
    page.keyboard.press("ArrowRight")
    assert gallery.locator(".sv-step").inner_text() == "step 100"
    assert pictures.first.get_attribute("src").endswith("pred_100.png")


def test_a_click_opens_the_full_picture(page):
    picture = page.locator(".sv-gallery .sv-cell img").first
    picture.scroll_into_view_if_needed()
    picture.click()
    box = page.locator("#sv-lightbox")
    assert box.is_visible() and box.locator("img").get_attribute("src") == picture.get_attribute("data-full")
    page.keyboard.press("Escape")
    assert not box.is_visible()


def test_every_problem_is_a_visible_note(page):
    notes = page.locator("#sv-notes")
    assert notes.is_visible()
    text = notes.inner_text()
    assert "line 22 is incomplete (the run may still be writing it)" in text
    assert "pred_300.png incomplete (still being written, or cut short)" in text
    assert "'note': 2 values not a number" in text
    assert "empty: the run holds no scalars and no images yet" in text


def test_names_from_the_files_show_as_text_and_never_run(page):
    caption = page.locator(".sv-chart figcaption", has_text="alert(1)")
    assert caption.inner_text() == XSS and caption.is_visible()
    assert page.evaluate("() => document.querySelectorAll('main script, figcaption script').length") == 0
    names = [g["name"] for g in data(page)["galleries"]]
    assert XSS in names
    heading = page.locator(".sv-gallery h3", has_text="alert(1)")
    assert heading.inner_text() == XSS


def test_svg_titles_show_as_tooltips(chromium, tmp_path):
    """The page machinery's tooltip for items of an inline scene that carry a <title> (what
    the semantic SVG of stored scenes gives each item)."""
    page_file = Page(str(tmp_path / "p.html"), "titles")
    page_file.data["galleries"] = []
    page_file.add('<div class="sv-scene"><svg xmlns="http://www.w3.org/2000/svg" width="200" height="100">'
                  '<g id="boxes"><rect id="box0" x="10" y="10" width="80" height="60" fill="#f80">'
                  '<title>person 0.87 &lt;b&gt;</title></rect></g></svg></div>')
    page_file.write()
    with chromium.page((400, 300)) as page:
        page.goto(chromium.file_url(tmp_path / "p.html"))
        page.hover("#box0")
        assert page.locator("#sv-tip").inner_text() == "person 0.87 <b>"
        page.mouse.move(300, 250)
        assert not page.locator("#sv-tip").is_visible()


def test_hovering_an_item_of_a_stored_scene_shows_its_title(chromium, tmp_path):
    run = tmp_path / "run"
    image = np.full((80, 120, 3), 90, np.uint8)
    scene = scenevis.image(image) + scenevis.boxes([[10, 10, 60, 50]], color="red",
                                                   meta={"label": ["car"], "score": [0.85]})
    scenevis.dump(scene, run / "vis_image" / "val" / "scene_3.scene.json")
    out = tmp_path / "r.html"
    write_report([str(run)], str(out), progress=False)
    with chromium.page(VIEWPORT) as page:
        page.goto(chromium.file_url(out))
        assert page.locator(".sv-scene svg title").all_text_contents() == ["car 0.85"]
        # an unfilled box answers the pointer on its outline, as in any SVG viewer
        page.hover(".sv-scene svg :has(> title)", position={"x": 1, "y": 20})
        assert page.locator("#sv-tip").inner_text() == "car 0.85"


def test_the_page_is_one_file_with_our_own_code_only(report):
    html = report.read_text()
    assert re.findall(r"<script[^>]*\bsrc=", html) == [] and "<link" not in html
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1)
    assert "default-src 'none'" in policy and "img-src file: data:" in policy
    assert json.loads(re.search(r'id="scenevis-data">(.*?)</script>', html, re.S).group(1))["runs"]
