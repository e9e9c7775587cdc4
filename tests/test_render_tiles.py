"""Raster output painted only on the tiles the ink touches (:mod:`scenevis.renderer.tiles`)
gives the pixels of the whole canvas painted through the surface.

Every golden scene over a photo covering its canvas, and scenes made to catch a missed
tile: items straddling tile edges and the canvas's edges, canvases not a whole number of
tiles, rotated and scaled groups, clips, transparent colors, long miter joins, text on
backgrounds with edges, rasters placed off the pixel grid. Each is rendered with every
tile the ink touches painted (however many) and with the whole canvas painted.
"""
import math

import numpy as np
import pytest

import scenevis as sv
from scenevis import pixels, samples
from scenevis.geometry import Affine
from scenevis.renderer import output, patches, tiles
from scenevis.renderer.context import current
from scenevis.renderer.flatten import flatten

from golden_scenes import SCENES


#: Goldens with effects or halos, which read what lies beneath: painted whole.
READING_BENEATH = {"vocabulary_effects", "vocabulary_markers"}


def over_photo(scene, seed=0):
    """``scene`` over a photo covering its whole canvas, placed on whole pixels."""
    box = scene.extent
    x0, y0 = math.floor(box.x0) - 1, math.floor(box.y0) - 1
    w, h = math.ceil(box.x1) + 1 - x0, math.ceil(box.y1) + 1 - y0
    return sv.image(samples.photo(w, h, seed=seed), x=x0, y=y0) + scene


def both_ways(scene, monkeypatch, **options):
    """``(tiled, whole)``: the render painting only touched tiles, and the whole canvas."""
    monkeypatch.setattr(patches, "MAX_SHARE", -1.0)
    with monkeypatch.context() as patch:
        patch.setattr(tiles, "MAX_SHARE", 1.0)
        patch.setattr(tiles, "TILES_PER_ITEM", 0)
        tiled = sv.render(scene, **options)
    with monkeypatch.context() as patch:
        patch.setattr(tiles, "MAX_SHARE", -1.0)
        whole = sv.render(scene, **options)
    return tiled, whole


def takes_tiles(scene, share: float = 1.0, tiles_per_item: int = 0) -> bool:
    """True when ``scene`` renders on tiles with at most ``share`` of the canvas marked
    (and at most one item per ``tiles_per_item`` tiles)."""
    width, height, base = output._canvas(scene, 1.0, None)
    saved = tiles.MAX_SHARE, tiles.TILES_PER_ITEM
    tiles.MAX_SHARE, tiles.TILES_PER_ITEM = share, tiles_per_item
    try:
        return output._render_tiles(flatten(scene), base, current(), width, height) is not None
    finally:
        tiles.MAX_SHARE, tiles.TILES_PER_ITEM = saved


def noise(width, height):
    return np.random.default_rng(1).integers(0, 256, (height, width, 3), dtype=np.uint8)


def edge_scene(width, height):
    """Marks across tile edges (multiples of 16) and past the canvas's edges."""
    rng = np.random.default_rng(5)
    img = noise(width, height)
    xy = np.array([[16, 16], [31.5, 47.5], [0, 0], [width, height], [width - 1, 8], [-3, height - 2]], float)
    boxes = np.array([[15.5, 15.5, 32.5, 48.2], [-6, -6, 10, 10], [width - 9, height - 9, width + 9, height + 9],
                      [47.9, 3, 64.1, 15.9], [2, 30, 30, 31]], float)
    return (sv.image(img)
            + sv.points(xy, radius=3, color="yellow")
            + sv.boxes(boxes, color=["red", "lime", "blue", "white", "black"], width=[1, 2, 3, 1.5, 4])
            + sv.boxes(boxes[:2] + 20, fill=(0, 0, 255, 90), color=(255, 0, 0, 128), width=2, dash="--")
            + sv.markers(boxes, "corners", color="cyan", width=3, size=6)
            + sv.markers(boxes, "dot", color="magenta", size=2.5)
            + sv.markers(boxes, "triangle", color="orange", size=7)
            + sv.markers(boxes, "ellipse", color=(255, 255, 0, 140), width=2)
            + sv.markers(boxes, "round_box", color="white", width=2, fill=(0, 0, 0, 60))
            + sv.circles(xy[:3] + 4, [5, 9, 15], color="red", width=2, fill=(0, 255, 0, 50))
            + sv.lines([[[1, 60], [40, 62], [8, 80]]], color="white", width=5)
            + sv.texts(["edge", "Grüße"], [[14, 14], [width - 20, height - 4]], font_size=11,
                       background=["black", (0, 0, 255, 100)], background_edge="white", pad=2)
            + sv.masks(rng.random((2, 20, 30)) < 0.5, x=7, y=9, color=["red", "blue"], alpha=0.5))


@pytest.mark.parametrize("name", sorted(SCENES))
def test_golden_scenes_over_a_photo_paint_the_same_on_tiles(name, monkeypatch):
    scene = over_photo(SCENES[name]())
    assert takes_tiles(scene) == (name not in READING_BENEATH)
    tiled, whole = both_ways(scene, monkeypatch)
    assert np.array_equal(tiled, whole)


@pytest.mark.parametrize("size", [(160, 96), (203, 117), (15, 9), (33, 17)])
def test_items_across_tile_and_canvas_edges(size, monkeypatch):
    scene = edge_scene(*size)
    assert takes_tiles(scene)
    tiled, whole = both_ways(scene, monkeypatch)
    assert np.array_equal(tiled, whole)
    assert (whole != noise(*size)).any()
    tiled, whole = both_ways(scene, monkeypatch, size=(size[0] - 3, size[1] - 2))  # the image is cut
    assert np.array_equal(tiled, whole)


def test_transformed_clipped_and_transparent_items(monkeypatch):
    img = samples.photo(420, 300, seed=2)
    spikes = [[[[10, 10], [120, 14], [10, 18]]], [[[150, 100], [154, 20], [158, 100]]]]
    inner = (sv.polygons(spikes, color="yellow", width=6, fill=(255, 0, 0, 80))
             + sv.rotated_boxes([[60, 60, 50, 20, 0.7]], color="white", width=3, heading=True)
             + sv.texts(["turned"], [[40, 40]], font_size=14, color=(255, 255, 255, 160), background="black")
             + sv.markers([[30, 30, 70, 90]], "corners", color="red", width=4, size=12)
             + sv.image(img[:20, :30], x=100.5, y=40.25)
             + sv.heatmap(np.eye(4, dtype=np.float32), extent=(10, 100, 50, 140), alpha=0.5)
             + sv.background((180, 10, 220, 40), (0, 255, 0, 100)))
    scene = (sv.image(img)
             + inner.transformed(Affine(math.cos(0.35) * 1.3, -math.sin(0.35) * 1.3, 0, math.sin(0.35) * 1.3, math.cos(0.35) * 1.3, 0)).translate(90, 5)
             + inner.scale(0.6).translate(100.3, 70.7)
             + inner.clipped((30, 20, 110, 70))
             + inner.clipped((20, 20, 100, 100)).scale(1.2).translate(120, 60))
    assert takes_tiles(scene)
    tiled, whole = both_ways(scene, monkeypatch)
    assert np.array_equal(tiled, whole)


def test_only_touched_tiles_are_painted_and_effects_paint_the_whole_canvas():
    img = samples.photo(640, 480, seed=3)
    boxes = np.array([[100, 100, 140, 160], [300, 200, 330, 240]], float)
    dots = sv.image(img) + sv.markers(boxes, "dot", color="red", size=4)
    ops = flatten(dots)
    marked = tiles.touched(ops[1:], Affine(), current(), (480, 640))
    assert marked.shape == (30, 40) and 1 <= marked.sum() <= 8
    assert takes_tiles(dots, tiles.MAX_SHARE, tiles.TILES_PER_ITEM)
    out = sv.render(dots)
    changed = (out != img).any(axis=2)
    assert changed.any() and marked.repeat(16, 0).repeat(16, 1)[changed].all()
    assert not takes_tiles(dots + sv.blur(boxes, 5))
    assert not takes_tiles(dots + sv.halo(boxes, radius=4))
    assert not takes_tiles(sv.image(img) + sv.boxes([[0, 0, 640, 480]], fill="red"), tiles.MAX_SHARE)  # all inked


def test_many_items_paint_the_whole_canvas_without_marking_tiles():
    """Past one item per TILES_PER_ITEM tiles the canvas goes whole, however little the
    items ink (their ink boxes are not even worked out)."""
    img = samples.photo(640, 480, seed=3)  # 1,200 tiles
    few = (1200 // tiles.TILES_PER_ITEM)
    xy = np.random.default_rng(0).uniform(20, 460, (few + 1, 2))
    boxes = np.c_[xy, xy + 4]
    assert takes_tiles(sv.image(img) + sv.markers(boxes[:few], "dot", size=1), tiles.MAX_SHARE, tiles.TILES_PER_ITEM)
    assert not takes_tiles(sv.image(img) + sv.markers(boxes, "dot", size=1), tiles.MAX_SHARE, tiles.TILES_PER_ITEM)
    assert not takes_tiles(sv.image(img) + sv.markers(boxes[:few], "dot", size=1) + sv.points(xy[:1]), tiles.MAX_SHARE,
                           tiles.TILES_PER_ITEM)
    assert takes_tiles(sv.image(img) + sv.markers(boxes, "dot", size=1), tiles.MAX_SHARE)


def test_ink_boxes_hold_the_ink_of_each_piece():
    """A hollow box inks its four edges only; a corner bracket its corner's square."""
    from scenevis.renderer.ink import ink_boxes
    from scenevis.renderer.flatten import flatten as walk

    op = walk(sv.boxes([[10, 10, 110, 60]], width=2))[0]
    lo, hi = ink_boxes(op.node, op.style, current())
    assert len(lo) == 4
    assert not ((lo[:, 0] < 50) & (hi[:, 0] > 60) & (lo[:, 1] < 30) & (hi[:, 1] > 40)).any()  # the middle is free
    op = walk(sv.markers([[10, 10, 110, 60]], "corners", width=2, size=10))[0]
    lo, hi = ink_boxes(op.node, op.style, current())
    assert len(lo) == 4 and (hi - lo).max() == pytest.approx(12)
    filled = walk(sv.boxes([[10, 10, 110, 60]], width=2, fill="red"))[0]
    assert len(ink_boxes(filled.node, filled.style, current())[0]) == 1


@pytest.mark.parametrize("order", [pixels.NATIVE, pixels.SWAPPED])
@pytest.mark.parametrize("shape", [(48, 64), (37, 53), (5, 70)])
def test_marked_tiles_go_into_the_surface_and_back_and_nothing_else(order, shape):
    rng = np.random.default_rng(3)
    rgb = rng.integers(0, 256, shape + (3,), dtype=np.uint8)
    marked = rng.random((math.ceil(shape[0] / 16), math.ceil(shape[1] / 16))) < 0.5
    marked[-1, -1] = True
    inside = marked.repeat(16, 0).repeat(16, 1)[:shape[0], :shape[1]]
    inside[(shape[0] // 16) * 16:] |= marked[shape[0] // 16:].any()  # a short last row of tiles goes whole
    inside[:, (shape[1] // 16) * 16:] |= marked[:, shape[1] // 16:].any()
    buf = np.full(shape + (4,), 7, np.uint8)
    work = pixels.Tiles(marked, 16, shape)
    work.into_surface(buf, rgb, order)
    r, g, b, a = order
    assert (buf[..., [r, g, b]][inside] == rgb[inside]).all() and (buf[..., a][inside] == 255).all()
    assert (buf[~inside] == 7).all()
    buf[..., [r, g, b]] = 255 - buf[..., [r, g, b]]
    out = rgb.copy()
    work.from_surface(out, buf, order)
    assert (out[inside] == 255 - rgb[inside]).all() and (out[~inside] == rgb[~inside]).all()
