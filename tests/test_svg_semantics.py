"""The semantic SVG explains itself (issue 16 §3): a ``<g>`` per named layer, one element
per item with its metadata as ``data-`` attributes and a ``<title>``, the picture stored
once, text as ``<text>``; read back with ``xml.etree`` and hovered in headless Chromium.

How close it looks to the raster render is tests/test_vector_output.py's part."""
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import scenevis as sv
from scenevis import samples

from golden_scenes import datasample, datasample_scene

NS = {"svg": "http://www.w3.org/2000/svg"}
SVG = "{http://www.w3.org/2000/svg}"


def parse(scene, **options) -> ET.Element:
    return ET.fromstring(sv.to_svg(scene, **options).encode("utf-8"))


def layer(root: ET.Element, layer_id: str) -> ET.Element:
    found = root.findall(f".//svg:g[@id='{layer_id}']", NS)
    assert len(found) == 1, f"layer {layer_id}: {len(found)} groups"
    return found[0]


def title(element: ET.Element):
    found = element.find("svg:title", NS)
    return None if found is None else found.text


@pytest.fixture(scope="module")
def detection():
    """The DetVisualizer golden scene (ground truth left, prediction right) and its SVG."""
    scene = datasample_scene()
    return scene, parse(scene)


def test_each_named_layer_is_a_group_with_its_name(detection):
    scene, root = detection
    assert scene.layer_names == ("gt", "gt/masks", "gt/boxes", "gt/labels", "pred", "pred/masks", "pred/boxes",
                                 "pred/labels")
    groups = [(g.get("id"), g.get("class")) for g in root.iter(f"{SVG}g") if g.get("id")]
    assert groups == [(path.replace("/", "-"), path.split("/")[-1]) for path in scene.layer_names]
    assert [child.get("id") for child in layer(root, "pred") if child.tag == f"{SVG}g"] == \
        ["pred-masks", "pred-boxes", "pred-labels"]


def test_each_box_is_one_element_with_its_metadata_and_title(detection):
    _, root = detection
    pred = datasample()["pred_instances"]
    boxes = list(layer(root, "pred-boxes"))
    assert [b.tag for b in boxes] == [f"{SVG}rect"] * 2  # the third prediction scores under 0.3
    assert [b.get("data-label") for b in boxes] == ["person", "car"]
    assert [float(b.get("data-score")) for b in boxes] == pred["scores"][:2].tolist()
    assert [b.get("data-class") for b in boxes] == ["3", "4"]
    assert [b.get("data-id") for b in boxes] == ["2", "3"]  # after the two ground-truth instances
    assert [title(b) for b in boxes] == ["person 0.91", "car 0.77"]
    assert [title(b) for b in layer(root, "gt-boxes")] == ["person", "car"]


def test_labels_and_masks_carry_the_metadata_of_their_items(detection):
    _, root = detection
    labels = list(layer(root, "pred-labels"))
    assert [g.get("data-id") for g in labels] == ["2", "3"]
    assert [title(g) for g in labels] == ["person 0.91", "car 0.77"]
    texts = ["".join(g.find("svg:text", NS).itertext()) for g in labels]
    assert texts == ["person 91.0", "car 77.0"]  # the label, as real (selectable) text
    masks = [image for image in layer(root, "pred-masks") if image.tag == f"{SVG}image"]
    assert {m.get("data-id") for m in masks} == {"2", "3"} and title(masks[0]) == "person 0.91"


def test_the_picture_is_embedded_once(detection):
    scene, root = detection
    pictures = [op for op in sv.renderer.flatten.flatten(scene) if isinstance(op.node, sv.Image)]
    assert len(pictures) == 2  # the same image under ground truth and prediction
    stored = root.findall("svg:defs/svg:image", NS)
    assert len(stored) == 1 and stored[0].get("href").startswith("data:image/png;base64,")
    placed = root.findall(".//svg:use", NS)
    assert [u.get("href") for u in placed] == ["#" + stored[0].get("id")] * 2


def test_images_can_be_embedded_as_jpeg(detection):
    """``image_quality``: the photo stored once as JPEG (decoding to nearly its pixels),
    masks still PNG; a quality out of range or with outlines is a ValueError."""
    import base64
    import io

    from PIL import Image

    scene, _ = detection
    root = parse(scene, image_quality=90)
    stored = root.findall("svg:defs/svg:image", NS)
    assert len(stored) == 1 and stored[0].get("href").startswith("data:image/jpeg;base64,")
    pixels = np.asarray(Image.open(io.BytesIO(base64.b64decode(stored[0].get("href").split(",", 1)[1]))))
    photo = next(op.node.pixels for op in sv.renderer.flatten.flatten(scene) if isinstance(op.node, sv.Image))
    assert pixels.shape == photo.shape and np.abs(pixels.astype(int) - photo).mean() < 3
    masks = [e.get("href") for e in root.iter(SVG + "image") if e not in stored]
    assert masks and all(href.startswith("data:image/png;base64,") for href in masks)
    for bad in (0, 96, 90.0, True):
        with pytest.raises(ValueError, match="image_quality: expected a JPEG quality from 1 to 95"):
            sv.to_svg(scene, image_quality=bad)
    with pytest.raises(ValueError, match="with outlines=True"):
        sv.to_svg(scene, image_quality=90, outlines=True)


def test_a_mask_is_a_one_bit_png_of_its_color_at_its_alpha():
    """What Pillow decodes from each mask's 1-bit palette PNG is the RGBA crop it stands
    for: the mask's pixels in its color at its alpha, the rest transparent (any width,
    bits packed across byte ends)."""
    import io

    from PIL import Image

    from scenevis._png import encode_mask_png

    rng = np.random.default_rng(3)
    for height, width in ((1, 1), (3, 7), (5, 8), (4, 9), (9, 17), (30, 61)):
        mask = rng.random((height, width)) < 0.5
        decoded = np.asarray(Image.open(io.BytesIO(encode_mask_png(mask, (200, 30, 90, 255), 128))).convert("RGBA"))
        expected = np.zeros((height, width, 4), np.uint8)
        expected[..., :3] = (200, 30, 90)
        expected[..., 3] = mask * 128
        np.testing.assert_array_equal(decoded, expected)


def test_title_given_wins_and_values_are_escaped():
    scene = (sv.background((0, 0, 50, 40))
             + sv.boxes([[2, 2, 20, 20], [25, 5, 45, 30]], title=['<b>"one" & more</b>', "two"],
                        meta={"crowd": [True, False], "label": ["a'b", 'c"d'], "score": [0.5, 0.25]}))
    rects = parse(scene).findall(".//svg:rect[@data-crowd]", NS)
    assert [title(r) for r in rects] == ['<b>"one" & more</b>', "two"]
    assert [r.get("data-crowd") for r in rects] == ["true", "false"]
    assert [r.get("data-label") for r in rects] == ["a'b", 'c"d']
    assert all(r.get("data-title") is None for r in rects)


def test_a_title_is_built_from_label_or_class_and_score():
    scene = (sv.background((0, 0, 50, 40))
             + sv.points([[5, 5], [10, 10], [20, 20]], meta={"class": [3, 4, 5], "score": [0.874, np.nan, 1.0]})
             + sv.points([[30, 30]], meta={"id": [7]}))
    circles = parse(scene).findall(".//svg:circle", NS)
    assert [title(c) for c in circles] == ["3 0.87", "4 nan", "5 1.00", None]


def test_items_without_metadata_are_plain_elements():
    root = parse(sv.background((0, 0, 50, 40)) + sv.boxes([[2, 2, 20, 20]]) + sv.texts(["x"], [[1, 1]]))
    rect = root.findall("svg:rect", NS)[1]
    assert title(rect) is None and not [k for k in rect.keys() if k.startswith("data-")]
    assert [t.text for t in root.findall("svg:text", NS)] == ["x"]


def test_filtered_items_are_left_out_of_the_svg(detection):
    scene, _ = detection
    root = parse(scene.filter(lambda m: m["score"] > 0.8))
    assert [title(b) for b in layer(root, "pred-boxes")] == ["person 0.91"]
    assert [title(g) for g in layer(root, "pred-labels")] == ["person 0.91"]
    assert [title(b) for b in layer(root, "gt-boxes")] == ["person", "car"]  # no score: kept


def test_texts_keep_every_character_and_fallback_fonts():
    strings = ["a  b", "\u884c\u4eba person", "two\nlines", "<&>"]
    root = parse(sv.background((0, 0, 200, 120)) + sv.texts(strings, [[5, 5], [5, 30], [5, 55], [5, 95]]))
    texts = root.findall("svg:text", NS)
    assert ["".join(t.itertext()) for t in texts] == ["a  b", "\u884c\u4eba person", "twolines", "<&>"]
    runs = [(s.text, s.get("font-family") or texts[1].get("font-family")) for s in texts[1].findall("svg:tspan", NS)]
    assert runs == [("\u884c\u4eba", "WenQuanYi Micro Hei"), (" person", "DejaVu Sans")]  # the layout's fallback
    assert len(texts[2].findall("svg:tspan", NS)) == 2


def test_layer_ids_stay_unique():
    part = sv.boxes([[1, 1, 9, 9]]).named("boxes")
    root = parse(sv.background((0, 0, 40, 40)) + part + sv.texts(["x"], [[1, 1]]) + part.translate(10, 10))
    assert [g.get("id") for g in root.iter(f"{SVG}g")] == ["boxes", "boxes-2"]


def test_a_node_type_without_an_svg_handler_is_written_as_the_pixels_it_changes(chromium):
    from scenevis.renderer.svg import HANDLERS

    photo = sv.image(samples.photo(120, 80, seed=3))
    boxes = np.array([[10, 10, 50, 50], [60, 20, 110, 70]], float)
    scene = photo + sv.blur(boxes[:1], 6) + sv.boxes(boxes, color="red") + \
        sv.halo(boxes[1:], color="yellow")
    assert not {type(node) for node in (scene.children[1], scene.children[3])} & set(HANDLERS)
    svg = sv.to_svg(scene)
    root = ET.fromstring(svg.encode("utf-8"))
    assert [i.get("class") for i in root.findall("svg:image", NS)] == ["Effect", "Halo"]
    raster = sv.render(scene)
    shot = chromium.screenshot_svg(svg, (120, 80))
    assert float(np.abs(raster.astype(np.int16) - shot.astype(np.int16)).mean()) <= 2.0
    with pytest.raises(TypeError, match="scene: no painter for node type Sparkle"):
        sv.to_svg(sv.background((0, 0, 10, 10)) + type("Sparkle", (sv.Scene,), {})())


def test_outlines_give_cairos_svg():
    svg = sv.to_svg(sv.background((0, 0, 60, 20)) + sv.texts(["glyphs"], [[2, 2]]), outlines=True)
    assert "<text" not in svg and "glyph" in svg


# ------------------------------------------------------------------------------ in Chromium

def hovered_title(page, x: float, y: float):
    """Move the mouse to (x, y) and return the title a browser shows there: the ``<title>``
    of the innermost hovered element that has one (None when there is none)."""
    page.mouse.move(x, y)
    return page.evaluate("""() => {
        const hovered = [...document.querySelectorAll(':hover')].reverse();
        for (const element of hovered) {
            const title = [...element.children].find(child => child.tagName === 'title');
            if (title) return title.textContent;
        }
        return null;
    }""")


def test_hovering_an_item_shows_its_title_in_chromium(chromium, detection, tmp_path):
    scene, _ = detection
    path = tmp_path / "sample.svg"
    sv.save(scene, path)
    pred = datasample()["pred_instances"]["bboxes"]
    width = 240  # the prediction is drawn right of the 240-pixel ground truth
    with chromium.page((480, 160)) as page:
        page.goto(chromium.file_url(path))
        x0, y0, x1, y1 = pred[1]
        assert hovered_title(page, width + x0 + 0.5, (y0 + y1) / 2) == "car 0.77"  # on the box's left edge
        assert hovered_title(page, width + (x0 + x1) / 2, (y0 + y1) / 2) == "car 0.77"  # over its mask
        assert hovered_title(page, width + 235, 60) is None  # the picture itself has no title
        label = page.locator("#pred-labels text", has_text="person 91.0")
        label.hover()
        assert page.evaluate("() => document.querySelector('#pred-labels g:hover > title').textContent") == \
            "person 0.91"
        selected = page.evaluate("""() => {
            const text = document.querySelector('#pred-labels text');
            const range = document.createRange(); range.selectNodeContents(text);
            getSelection().removeAllRanges(); getSelection().addRange(range);
            return getSelection().toString(); }""")
        assert selected == "person 91.0"


@pytest.mark.parametrize("scale", [1.0, 2.0])
def test_transforms_clips_and_scale_look_like_the_raster(chromium, scale):
    photo = sv.image(samples.photo(120, 80, seed=1))
    det = samples.detections(120, 80, seed=1)
    cells = [photo + sv.boxes(det["bboxes"], class_ids=det["labels"], width=2, dash="--"),
             photo + sv.texts(["clipped " * 4], [[60, 40]], halign="center", font_size=14, background="white"),
             (photo + sv.masks(det["masks"], class_ids=det["labels"])).scale(0.5),
             photo + sv.polygons([[[10, 10], [110, 20], [60, 75]]], fill=(255, 0, 0, 90), color="navy", width=1.5)]
    scene = sv.grid(cells, cols=2, gap=4, titles=["boxes", "text", "masks at half size", "polygon"])
    raster = sv.render(scene, scale=scale)
    svg = sv.to_svg(scene, scale=scale)
    assert "clip-path" in svg
    shot = chromium.screenshot_svg(svg, raster.shape[1::-1])
    mean = float(np.abs(raster.astype(np.int16) - shot.astype(np.int16)).mean())
    assert mean <= 2.0, mean
    assert re.search(r'<svg [^>]*width="%d" height="%d"' % raster.shape[1::-1], svg)
