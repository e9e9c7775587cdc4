"""The semantic SVG in a browser: hover an item and read its title.

    python examples/svg_tooltip.py [--out DIR]

Draws a detection sample with ``scenevis.annotate``, writes it as SVG
(``DIR/svg_tooltip.svg``, default ``out/``), opens it in headless Chromium (Debian's
``/usr/bin/chromium``, driven by Playwright from the ``test`` extra) and moves the mouse
onto the edge of the best-scoring car's box; the screenshot is ``DIR/svg_tooltip.png``, shown
in docs/scene.md (``make docs`` redraws it).

A browser shows an element's ``<title>`` as a native tooltip, which screenshots leave
out (the operating system draws it, not the page). So the page around the SVG reads the
``<title>`` of the element under the mouse, as the browser does, and draws its text in a
box beside the pointer.
"""
import argparse
from pathlib import Path

import numpy as np

from scenevis import annotate, samples

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run"]

# The page: the SVG inline, and a tooltip that follows the mouse with the hovered item's <title>.
PAGE = """<!doctype html><html><head><meta charset="utf-8"><style>
body {{ margin: 0 }}
#tip {{ position: absolute; display: none; padding: 3px 7px; background: #fffff0; color: #222;
        border: 1px solid #777; font: 13px 'DejaVu Sans', sans-serif; white-space: nowrap;
        box-shadow: 2px 2px 4px #0005 }}
</style></head><body>{svg}<div id="tip"></div><script>
const tip = document.getElementById('tip');
document.addEventListener('mousemove', event => {{
  let element = event.target;
  while (element && !(element.querySelector && element.querySelector(':scope > title'))) element = element.parentNode;
  const title = element && element.querySelector(':scope > title');
  tip.style.display = title ? 'block' : 'none';
  if (title) {{
    tip.textContent = title.textContent;
    const right = event.pageX + 12 + tip.offsetWidth > document.body.clientWidth;  // keep it on the page
    tip.style.left = (right ? event.pageX - 8 - tip.offsetWidth : event.pageX + 12) + 'px';
    tip.style.top = (event.pageY + 16) + 'px';
  }}
}});
</script></body></html>"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out"))
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)

    width, height = 480, 320
    det = samples.detections(width, height, seed=4)
    scene = annotate.instances(det, image=samples.photo(width, height, seed=4), classes=samples.CLASSES)
    svg_path = out / "svg_tooltip.svg"
    scene.save(svg_path)

    cars = det["labels"] == samples.CLASSES.index("car")
    best = int(np.flatnonzero(cars)[np.argmax(det["scores"][cars])])  # the surest car
    x0, y0, x1, y1 = det["bboxes"][best]
    page_path = out / "svg_tooltip.html"
    svg = svg_path.read_text(encoding="utf-8")
    page_path.write_text(PAGE.format(svg=svg[svg.index("<svg"):]), encoding="utf-8")

    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": width, "height": height}, device_scale_factor=1)
        page.goto(page_path.resolve().as_uri())
        page.mouse.move(float(np.rint(x0)) + 0.5, float(y0 + y1) / 2)  # on the box's left edge
        page.wait_for_selector("#tip", state="visible")
        page.screenshot(path=str(out / "svg_tooltip.png"))
        browser.close()
    page_path.unlink()
    for path in (svg_path, out / "svg_tooltip.png"):
        print(path)


if __name__ == "__main__":
    main()
