"""Size limits (issue: reliability §5): big canvases render within the documented memory
budget, and canvases that cannot be rendered fail with a clear error, never the OOM killer."""
import os
import subprocess
import sys
import textwrap

import pytest

import scenevis as sv
from scenevis.renderer import output

BIG = textwrap.dedent("""
    import resource, numpy as np, scenevis as sv
    def rss(): return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    side = 8000
    img = np.zeros((side, side, 3), np.uint8); img[::7] = 90
    rng = np.random.default_rng(0)
    xy = rng.uniform(0, side - 300, (10_000, 2)); wh = rng.uniform(20, 300, (10_000, 2))
    boxes = np.concatenate([xy, xy + wh], 1)
    sv.render(sv.boxes([[0, 0, 1, 1]]))  # load Cairo and fonts before measuring
    base = rss()
    scene = sv.image(img) + sv.boxes(boxes, class_ids=np.arange(10_000) % 80, width=2) \\
        + sv.texts(["person 0.87"] * 2000, xy[:2000], font_size=14, background="black", color="white")
    out = sv.render(scene)
    assert out.shape == (side, side, 3)
    print(rss() - base, side * side)
""")


def test_8000x8000_with_10000_boxes_stays_within_the_budget():
    done = subprocess.run([sys.executable, "-c", BIG], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    grown, pixels = map(int, done.stdout.split())
    # docs/reliability.md: the image layer's copy (3 B/px) + render buffers (BYTES_PER_PIXEL)
    budget = pixels * (3 + output.BYTES_PER_PIXEL) + 64 * 2**20
    assert grown < budget, f"peak grew by {grown / 2**20:.0f} MiB, budget {budget / 2**20:.0f} MiB"


def test_canvas_sides_beyond_cairo_limit_are_a_clear_error():
    with pytest.raises(ValueError, match="size: expected at most 32768 pixels per side, got 40000x10"):
        sv.render(sv.background((0, 0, 40000, 10)))


def test_a_canvas_larger_than_free_memory_is_refused_before_allocating(monkeypatch):
    # Exhausting this machine's memory for real would endanger the test run itself, so
    # the available-memory reading is replaced: 1 GiB available, a 400 MP canvas does not fit.
    monkeypatch.setattr(output, "available_memory", lambda: 2**30)
    with pytest.raises(MemoryError, match="size: a 20000x20000 canvas needs about 3.0 GiB to render, but only 1.0 GiB"):
        sv.render(sv.background((0, 0, 20000, 20000)))


@pytest.mark.skipif(not os.path.exists("/proc/meminfo"), reason="MemAvailable is Linux's /proc/meminfo figure")
def test_available_memory_counts_reclaimable_page_cache():
    # Free pages alone leave out the page cache, which the kernel hands back on demand: on a
    # machine that has read many files, "free" can be a few hundred MiB while gigabytes are
    # available, and a 100 MP render would be refused for nothing.
    with open("/proc/meminfo") as handle:
        fields = dict(line.split(":", 1) for line in handle)
    expected = int(fields["MemAvailable"].split()[0]) * 1024
    assert abs(output.available_memory() - expected) < 64 << 20  # read moments apart
    assert output.available_memory() >= os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") - (64 << 20)


def test_100_megapixel_canvas_renders():
    img = sv.render(sv.background((0, 0, 10000, 10000), "red") + sv.boxes([[10, 10, 9990, 9990]], color="blue"))
    assert img.shape == (10000, 10000, 3)
    assert img[5000, 5000].tolist() == [255, 0, 0] and img[10, 5000].tolist() == [0, 0, 255]


@pytest.mark.parametrize("size", [(40000, 1), (1, 40000), (2**31, 1), (2**70, 2**70)])
def test_a_size_beyond_cairo_limit_is_a_named_error_before_allocating(size):
    with pytest.raises(ValueError, match=r"size: expected at most 32768 pixels per side"):
        sv.render(sv.boxes([[0, 0, 4, 4]]), size=size)
    with pytest.raises(ValueError, match=r"size: expected at most 32768 pixels per side"):
        sv.to_svg(sv.boxes([[0, 0, 4, 4]]), size=size)


@pytest.mark.parametrize("scale", [1e-12, 5e-324])
def test_a_scale_that_leaves_no_pixel_is_a_named_error(scale):
    with pytest.raises(ValueError, match=r"scale: expected a scale giving at least one pixel per side"):
        sv.render(sv.image(sv.samples.photo(200, 100)), scale=scale)


def test_a_scale_beyond_cairo_limit_is_a_named_error():
    with pytest.raises(ValueError, match=r"size: expected at most 32768 pixels per side, got 400000x200000"):
        sv.render(sv.image(sv.samples.photo(200, 100)), scale=2000)


def test_small_canvases_do_not_ask_the_system_for_memory(monkeypatch):
    asked = []
    monkeypatch.setattr(output, "available_memory", lambda: asked.append(1) or 2**40)
    sv.render(sv.background((0, 0, 2048, 2048)))  # 32 MiB of buffers
    assert asked == []
    sv.render(sv.background((0, 0, 4096, 4096)), size=(4096, 3000))  # 94 MiB
    assert asked == [1]
