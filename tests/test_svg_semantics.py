"""The semantic SVG explains itself (issue 16 §3): a ``<g>`` per named layer, one element
per item with its metadata as ``data-`` attributes and a ``<title>``, the picture stored
once, text as ``<text>``; read back with ``xml.etree`` and hovered in headless Chromium.

How close it looks to the raster render is tests/test_vector_output.py's part."""
import base64
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

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


def test_images_are_stored_once_by_their_pixels_not_their_arrays():
    """Equal pixels in two arrays are one ``<image>``; a different picture of the same
    shape is a second one, and each ``<use>`` points at its own pixels."""
    photo = np.arange(4 * 6 * 3, dtype=np.uint8).reshape(4, 6, 3)
    other = photo.copy()
    other[1, 2, 0] ^= 1
    scene = (sv.Image(photo) | sv.Image(photo.copy())) / (sv.Image(other) | sv.Image(photo))
    root = parse(scene)
    stored = {image.get("id"): image.get("href") for image in root.findall("svg:defs/svg:image", NS)}
    assert len(stored) == 2
    placed = [u.get("href")[1:] for u in root.findall(".//svg:use", NS)]
    assert len(placed) == 4 and placed[0] == placed[1] == placed[3] != placed[2]
    assert stored[placed[0]] != stored[placed[2]]



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
    rows, cols = np.mgrid[:90, :140]
    disc = (rows - 45) ** 2 + (cols - 70) ** 2 < 40 ** 2  # long runs, as an object's mask has
    shapes = ((1, 1), (3, 7), (5, 8), (4, 9), (9, 17), (30, 61))
    for mask in [rng.random(shape) < 0.5 for shape in shapes] + [disc]:
        height, width = mask.shape
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


def test_items_with_equal_values_and_zeros_of_either_sign_keep_their_own_metadata():
    """Equal items share their text, but not 0.0 and -0.0 (equal, written differently)."""
    scene = (sv.background((0, 0, 50, 40))
             + sv.points([[5, 5], [10, 10], [20, 20]], meta={"class": [3, 3, 4], "label": ["a&b", "a&b", "c"]})
             + sv.points([[30, 30], [32, 32]], meta={"x": [0.0, -0.0], "label": ["d", "d"]}))
    circles = parse(scene).findall(".//svg:circle", NS)
    assert [(c.get("data-class"), c.get("data-label"), title(c)) for c in circles[:3]] == [
        ("3", "a&b", "a&b"), ("3", "a&b", "a&b"), ("4", "c", "c")]
    assert [c.get("data-x") for c in circles[3:]] == ["0.0", "-0.0"]


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from("ab &<>\"'\n\r\t\u00e9\u884c]")))
def test_attribute_values_are_quoted_as_quoteattr_quotes_them(text):
    from xml.sax.saxutils import quoteattr

    from scenevis.renderer.svg_write import attribute

    assert attribute(text) == quoteattr(text)


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.floats(), st.integers(-2**70, 2**70).map(float), st.sampled_from([-0.0, 2.0**80, -1e300])))
def test_numbers_are_written_with_at_most_three_decimals_and_no_trailing_zeros(value):
    from scenevis.renderer.svg_write import number

    text = f"{value:.3f}".rstrip("0").rstrip(".")
    assert number(value) == ("0" if text in ("-0", "") else text)


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


def test_every_node_type_has_an_svg_handler():
    from scenevis.renderer.painter import _DRAW
    from scenevis.renderer.svg import HANDLERS

    assert set(HANDLERS) == set(_DRAW)
    with pytest.raises(TypeError, match="scene: no painter for node type Sparkle"):
        sv.to_svg(sv.background((0, 0, 10, 10)) + type("Sparkle", (sv.Scene,), {})())


def test_each_rotated_box_is_one_path_with_its_heading_tick_and_metadata():
    scene = sv.background((0, 0, 120, 80)) + sv.rotated_boxes(
        [[40, 40, 50, 20, 0.5], [90, 40, 30, 30, -0.3]], heading=True, meta={"label": ["ship", "plane"], "id": [4, 9]},
        color=["red", "blue"], fill=[(255, 0, 0, 60)], dash=["-", "--"])
    paths = parse(scene).findall("svg:path", NS)
    assert [title(p) for p in paths] == ["ship", "plane"]
    assert [p.get("data-id") for p in paths] == ["4", "9"]
    assert [p.get("stroke") for p in paths] == ["#ff0000", "#0000ff"]
    assert paths[0].get("stroke-dasharray") is None and paths[1].get("stroke-dasharray")
    node = scene.children[1]
    for path, corners, tick in zip(paths, node.corners, node.ticks()):
        box, front = path.get("d").split(" Z ")  # the quadrilateral, then the tick as a second sub-path
        points = np.array([[float(v) for v in xy.split(",")] for xy in box.replace("M", "").split(" L")])
        assert np.allclose(points, corners, atol=1e-3)
        ends = np.array([[float(v) for v in xy.split(",")] for xy in front.replace("M", "").split(" L")])
        assert np.allclose(ends, tick, atol=1e-3)


@pytest.mark.parametrize("kind, tag", [("ellipse", "path"), ("corners", "path"), ("triangle", "path"),
                                       ("dot", "circle"), ("round_box", "path")])
def test_each_marker_is_one_element_with_its_metadata(kind, tag):
    boxes = [[10, 10, 50, 60], [60, 20, 110, 70], [20, 65, 40, 75]]
    node = sv.markers(boxes, kind, meta={"label": ["a", "b", "c"], "score": [0.5, 0.75, 0.25]}, width=2)
    marks = [e for e in parse(sv.background((0, 0, 120, 80)) + node) if e.get("data-label")]
    assert [m.tag for m in marks] == [f"{SVG}{tag}"] * 3
    assert [title(m) for m in marks] == ["a 0.50", "b 0.75", "c 0.25"]
    if kind == "corners":
        assert marks[0].get("d").count("M") == 4 and marks[0].get("fill") == "none"


def test_a_filled_foot_ellipse_is_a_group_of_its_fill_and_open_arc():
    node = sv.markers([[10, 10, 50, 60]], "ellipse", fill=(0, 0, 255, 80), title=["track 3"])
    foot = parse(sv.background((0, 0, 60, 80)) + node).find("svg:g", NS)
    assert title(foot) == "track 3" and foot.get("class") == "foot"
    ellipse, arc = foot.find("svg:ellipse", NS), foot.find("svg:path", NS)
    assert (ellipse.get("cx"), ellipse.get("cy"), ellipse.get("rx")) == ("30", "60", "20")
    assert " 0 1 1 " in arc.get("d") and arc.get("fill") == "none"  # the large arc, clockwise on screen


def effect_filter(root: ET.Element, kind: str) -> ET.Element:
    (group,) = [g for g in root.iter(f"{SVG}g") if g.get("class") == f"Effect {kind}"]
    found = re.fullmatch(r"url\(#(.+)\)", group.get("filter")).group(1)
    return root.find(f"svg:defs/svg:filter[@id='{found}']", NS)


def test_effects_are_svg_filters_on_what_lies_beneath():
    photo = sv.image(samples.photo(120, 80, seed=3))
    boxes = np.array([[10, 10, 50, 50], [60, 20, 110, 70]], float)
    mask = np.zeros((80, 120), bool)
    mask[30:60, 40:90] = True
    scene = (photo + sv.blur(boxes, 6) + sv.desaturate(mask[None], outside=True) + sv.dim(boxes[:1], 0.25)
             + sv.brighten(boxes[1:], 0.5) + sv.boxes(boxes, color="red"))
    root = parse(scene, scale=2)
    blur = effect_filter(root, "blur")
    assert blur.find("svg:feGaussianBlur", NS).get("stdDeviation") == "6"  # 12-pixel cells at scale 2
    assert [(f.get("x"), f.get("width")) for f in blur.findall("svg:feFlood", NS)] == [("20", "80"), ("120", "100")]
    grey = effect_filter(root, "desaturate")
    assert grey.find("svg:feColorMatrix", NS).get("values").startswith("0.300781 0.585938 0.113281 0 0")
    assert grey.find("svg:feImage", NS).get("href").startswith("data:image/png")  # outside the mask
    dim = effect_filter(root, "dim").find("svg:feComponentTransfer/svg:feFuncR", NS)
    assert (dim.get("slope"), dim.get("intercept")) == ("0.75", None)
    bright = effect_filter(root, "brighten").find("svg:feComponentTransfer/svg:feFuncG", NS)
    assert (bright.get("slope"), bright.get("intercept")) == ("0.5", "0.5")
    # Each effect wraps what lies beneath it, the later the outer; the boxes drawn after stay outside.
    outer = root.find("svg:g", NS)
    assert outer.get("class") == "Effect brighten" and outer.find(".//svg:use", NS) is not None
    assert root.findall("svg:rect", NS) and not outer.findall(".//svg:rect", NS)


def test_a_layer_holding_an_effect_is_closed_before_it_and_opened_again_after_it():
    box = [[10, 10, 40, 40]]
    scene = (sv.image(samples.photo(60, 50, seed=1)) + sv.dim(box, 0.5) + sv.boxes(box)).named("privacy")
    root = parse(scene)
    effect = root.find("svg:g", NS)
    assert effect.get("class") == "Effect dim" and [g.get("id") for g in effect] == ["privacy"]
    assert [g.get("id") for g in root.findall("svg:g[@class='privacy']", NS)] == ["privacy-2"]


def stored_pixels(root: ET.Element) -> list:
    from scenevis._png import decode_png

    return [decode_png(base64.b64decode(i.get("href").split(",", 1)[1])) for i in root.iter(f"{SVG}image")]


def test_pixelated_pixels_are_not_in_the_svg_at_any_scale():
    pixels = samples.photo(120, 80, seed=3)
    scene = sv.image(pixels) + sv.pixelate([[20, 16, 60, 56]], 8)
    (photo,) = [s for s in stored_pixels(parse(scene, scale=2)) if s.shape == pixels.shape]
    raster = sv.render(scene, scale=2)
    assert np.array_equal(photo[16:56, 20:60], raster[33:113:2, 41:121:2])  # each pixel's centre on the canvas
    assert np.array_equal(photo[:16], pixels[:16]) and np.array_equal(photo[56:], pixels[56:])


def test_pixelated_pixels_are_not_in_the_svg():
    pixels = samples.photo(120, 80, seed=3)
    scene = sv.image(pixels) + sv.pixelate([[20, 16, 60, 56]], 8) + sv.boxes([[20, 16, 60, 56]], color="red")
    root = parse(scene)
    raster = sv.render(scene)
    stored = stored_pixels(root)
    photos = [s for s in stored if s.shape == pixels.shape]
    assert len(photos) == 1
    assert np.array_equal(photos[0][18:54, 22:58], raster[18:54, 22:58])  # the pixelated blocks instead (in the box)
    assert (photos[0][16:56, 20:60] == pixels[16:56, 20:60]).all(axis=2).mean() < 0.05  # a pixel that is its block's mean
    assert np.array_equal(photos[0][:16], pixels[:16])
    (patch,) = [i for i in root.iter(f"{SVG}image") if i.get("class") == "Effect pixelate"]
    assert (patch.get("x"), patch.get("y"), patch.get("width")) == ("20", "16", "40")
    assert len(np.unique(raster[24:32, 24:32].reshape(-1, 3), axis=0)) == 1  # a block on the canvas's 8-pixel grid


def test_each_halo_is_one_element_with_its_metadata_and_a_glow_filter():
    mask = np.zeros((2, 80, 120), bool)
    mask[0, 10:40, 10:50] = True
    mask[1, 40:70, 60:100] = True
    scene = sv.background((0, 0, 120, 80)) + sv.halo(mask, radius=9, class_ids=[1, 2]).replace(
        meta={"label": ["cat", "dog"]}) + sv.halo([[60, 5, 100, 30]], radius=6, color="yellow", alpha=0.5)
    root = parse(scene)
    glows = [e for e in root if e.get("filter")]
    assert [g.tag for g in glows] == [f"{SVG}image", f"{SVG}image", f"{SVG}rect"]
    assert [title(g) for g in glows] == ["cat", "dog", None]
    assert glows[2].get("fill") == "#ffff00"
    found = re.fullmatch(r"url\(#(.+)\)", glows[2].get("filter")).group(1)
    glow = root.find(f"svg:defs/svg:filter[@id='{found}']", NS)
    assert glow.find("svg:feGaussianBlur", NS).get("stdDeviation") == "2.449"  # 3 box blurs 5 px wide: variance 3 * (5 ** 2 - 1) / 12
    assert glow.find("svg:feComponentTransfer/svg:feFuncA", NS).get("tableValues") == "0 0.5 0.5"


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


@pytest.mark.parametrize("scale", [1.0, 2.0])
def test_the_drawing_vocabulary_scaled_clipped_and_rotated_looks_like_the_raster(chromium, scale):
    photo = sv.image(samples.photo(120, 80, seed=4))
    det = samples.detections(120, 80, seed=4)
    b, masks, ids = det["bboxes"], det["masks"], det["labels"]
    cos, sin = np.cos(0.3), np.sin(0.3)
    turn = sv.Affine(cos, -sin, 60 - 60 * cos + 40 * sin, sin, cos, 40 - 60 * sin - 40 * cos)  # about the centre
    cells = [photo + sv.blur(b[:2], 5) + sv.pixelate(masks[2:4], 4) + sv.desaturate(b[:3], outside=True,
                                                                                   frame=(0, 0, 120, 80)),
             (photo + sv.halo(masks[:3], radius=6, class_ids=ids[:3]) + sv.markers(b, "ellipse", class_ids=ids)
              + sv.markers(b, "corners", class_ids=ids, dash="--")).scale(0.75),
             (photo + sv.dim(masks[:2], 0.5) + sv.rotated_boxes([[60, 40, 50, 20, 0.4]], heading=True, color="yellow",
                                                              width=2)).clipped((10, 10, 100, 70)),
             (photo + sv.brighten(b[3:5], 0.4) + sv.markers(b, "triangle", class_ids=ids)
             + sv.markers(b[:3], "round_box", fill=(255, 255, 255, 60), class_ids=ids[:3])).transformed(turn)]
    scene = sv.grid(cells, cols=2, gap=4)
    raster = sv.render(scene, scale=scale)
    svg = sv.to_svg(scene, scale=scale)
    assert "<filter" in svg and 'class="Effect pixelate"' in svg
    shot = chromium.screenshot_svg(svg, raster.shape[1::-1])
    mean = float(np.abs(raster.astype(np.int16) - shot.astype(np.int16)).mean())
    assert mean <= 2.0, mean


def test_blurs_and_halos_at_the_canvas_border_look_like_the_raster(chromium):
    """Past the border the raster's blur cells are cut and its halos repeat the edge pixels."""
    photo = sv.image(samples.photo(120, 80, seed=3))
    corners = [[0, 0, 50, 40], [80, 50, 120, 80]]
    for scene in (photo + sv.blur(corners, 10), photo + sv.halo(corners, radius=12, color="yellow")):
        raster = sv.render(scene)
        shot = chromium.screenshot_svg(sv.to_svg(scene), (120, 80))
        difference = np.abs(raster.astype(np.int16) - shot.astype(np.int16))
        assert difference.mean() <= 2.0 and np.percentile(difference, 99) <= 24, difference.mean()


def test_a_scene_seen_edge_on_is_left_out_as_the_raster_leaves_it_out():
    photo = samples.photo(60, 40, seed=2)
    flat = (sv.image(photo) + sv.blur([[0, 0, 30, 30]], 4) + sv.pixelate([[0, 0, 30, 30]], 4)
            + sv.halo([[5, 5, 20, 20]]) + sv.markers([[1, 1, 9, 9]], "dot")).transformed(sv.Affine(1, 1, 0, 1, 1, 0))
    root = parse(sv.background((0, 0, 60, 40)) + flat)
    assert [e.tag for e in root if e.tag != f"{SVG}style"] == [f"{SVG}rect"]  # the background alone


def test_an_image_with_its_source_file_is_embedded_as_that_file():
    """``sources``: an image showing the pixels a file decodes to is embedded as that
    file's bytes, unchanged; an image with other pixels is encoded as before; the pairs
    are checked (type, the file's format and size)."""
    import io

    from PIL import Image

    photo = samples.photo(96, 72)
    buffer = io.BytesIO()
    Image.fromarray(photo).save(buffer, "JPEG", quality=75)
    data = buffer.getvalue()
    decoded = np.asarray(Image.open(io.BytesIO(data)))
    rebuilt = sv.Image(decoded) + sv.boxes([[10, 10, 40, 30]], color="red")
    root = parse(rebuilt, image_quality=90, sources=((decoded, data),))
    stored = root.findall("svg:defs/svg:image", NS)
    assert len(stored) == 1 and stored[0].get("href") == "data:image/jpeg;base64," + base64.b64encode(data).decode()
    # The same pixels in another array are found too; other pixels are encoded at image_quality.
    root = parse(rebuilt, image_quality=90, sources=((decoded.copy(), data),))
    assert base64.b64decode(root.find("svg:defs/svg:image", NS).get("href").split(",", 1)[1]) == data
    root = parse(sv.Image(photo), image_quality=90, sources=((decoded, data),))
    assert base64.b64decode(root.find("svg:defs/svg:image", NS).get("href").split(",", 1)[1]) != data
    with pytest.raises(TypeError, match=r"sources: expected a sequence of \(pixels, data\) pairs, got bytes"):
        sv.to_svg(rebuilt, sources=data)
    with pytest.raises(TypeError, match=r"sources\[0\]: expected a \(pixels, data\) pair"):
        sv.to_svg(rebuilt, sources=((data, decoded),))
    with pytest.raises(ValueError, match=r"sources\[0\]: expected the bytes of a JPEG or PNG file"):
        sv.to_svg(rebuilt, sources=((decoded, b"GIF89a" + data),))
    with pytest.raises(ValueError, match=r"sources\[0\]: the JPEG is \d+x\d+ but its pixels are"):
        sv.to_svg(rebuilt, sources=((decoded[1:], data),))
    with pytest.raises(ValueError, match=r"sources: Cairo's SVG \(outlines=True\)"):
        sv.to_svg(rebuilt, outlines=True, sources=((decoded, data),))
