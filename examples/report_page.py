"""The run report of two training runs, and its picture in headless Chromium.

    python examples/report_page.py [--out DIR]

Writes two runs the way an MMEngine Runner lays them out (DIR/work_dirs/exp/<timestamp>/
vis_data, through LocalVisBackend: losses, learning rates, accuracies, predictions every
few hundred steps and the config), builds DIR/report.html with ``scenevis report``, opens
it from file:// in Debian's Chromium through Playwright, turns smoothing up, hovers a
chart, and saves the screenshot as DIR/report.png (the picture in docs/report.md).
"""
import argparse
import subprocess
import sys
from pathlib import Path

import numpy as np

from scenevis import LocalVisBackend, samples


def write_runs(root: Path) -> Path:
    exp = root / "work_dirs" / "exp"
    for seed, (stamp, lr) in enumerate([("20261201_120000", 0.02), ("20261202_090000", 0.01)]):
        rng = np.random.default_rng(seed)
        backend = LocalVisBackend(str(exp / stamp / "vis_data"))
        backend.add_config(dict(model=dict(type="RetinaNet", depth=50), optimizer=dict(type="SGD", lr=lr),
                                max_epochs=12))
        for step in range(0, 3001, 5):
            loss = 1.6 * np.exp(-step / (700 + 500 * seed)) + 0.25 + rng.normal(0, 0.04)
            backend.add_scalars({"train/loss": loss, "train/lr": lr * 0.5 * (1 + np.cos(np.pi * step / 3000)),
                                 "val/mAP": 0.42 * (1 - np.exp(-step / (900 + 400 * seed)))}, step=step)
        for i, step in enumerate(range(0, 3001, 500)):
            backend.add_image("val/prediction", samples.photo(480, 320, seed=i), step=step)
        backend.close()
    return exp


def screenshot(page_file: Path, out: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                             args=["--no-sandbox", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1200, "height": 1060}, device_scale_factor=1)
        page.goto(page_file.resolve().as_uri(), wait_until="load")
        page.locator("#sv-smoothing").evaluate("e => { e.value = 0.6; e.dispatchEvent(new Event('input')); }")
        box = page.locator(".sv-chart[data-chart='0'] .sv-over").bounding_box()
        page.mouse.move(box["x"] + box["width"] * 0.42, box["y"] + box["height"] * 0.5)
        page.screenshot(path=str(out))
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("out"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    exp = write_runs(args.out)
    page = args.out / "report.html"
    subprocess.run([sys.executable, "-m", "scenevis", "report", str(exp), "-o", str(page), "--title", "exp",
                    "-q"], check=True)
    screenshot(page, args.out / "report.png")
    print(page)
    print(args.out / "report.png")


if __name__ == "__main__":
    main()
