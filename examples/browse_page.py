"""The page of ``scenevis browse`` for a generated dataset, and its picture in headless Chromium.

    python examples/browse_page.py [--out DIR]

Generates a COCO dataset of 24 street scenes with predictions under DIR/coco
(scenevis.datasets.write_coco), runs ``scenevis browse`` on it into DIR/browse, opens
DIR/browse/index.html from file:// in Debian's Chromium through Playwright, points at a
cell of the confusion matrix, and saves the screenshot as DIR/browse.png (the picture in
docs/datasets.md).
"""
import argparse
import subprocess
import sys
from pathlib import Path

from scenevis import datasets


def screenshot(page_file: Path, out: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                             args=["--no-sandbox", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1280, "height": 1040}, device_scale_factor=1)
        page.goto(page_file.resolve().as_uri(), wait_until="load")
        page.wait_for_function("() => Array.from(document.images).every(img => img.loading === 'lazy' || img.complete)")
        layout = page.evaluate("() => window.scenevis.data.confusion.layout")
        box = page.locator(".sv-matrix svg.sv-over").bounding_box()
        scale = box["width"] / layout["size"][0]
        row, col = 1, 2  # ground truth car, predicted bicycle
        page.mouse.move(box["x"] + (layout["grid"][0] + (col + 0.5) * layout["cell"]) * scale,
                        box["y"] + (layout["grid"][1] + (row + 0.5) * layout["cell"]) * scale)
        page.wait_for_function("() => Array.from(document.querySelectorAll('#sv-gallery img'))"
                               ".filter(img => img.getBoundingClientRect().top < innerHeight).every(img => img.complete)")
        page.screenshot(path=str(out))
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("out"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    files = datasets.write_coco(args.out / "coco", images=24, seed=1)
    site = args.out / "browse"
    subprocess.run([sys.executable, "-m", "scenevis", "browse", files.annotations, "--images", files.images,
                    "--pred", files.results, "-o", str(site), "--workers", "2", "--title", "val2026 (generated)",
                    "-q"], check=True)
    screenshot(site / "index.html", args.out / "browse.png")
    print(site / "index.html")
    print(args.out / "browse.png")


if __name__ == "__main__":
    main()
