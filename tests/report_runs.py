"""Run folders for the report tests, written by the real LocalVisBackend (and, for the bad
cases, by hand the way a crashed or still-running writer leaves them)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from scenevis import LocalVisBackend, samples

XSS = "<script>alert(1)</script>"


def write_run(folder: Path, *, seed: int = 0, steps: int = 200, lr: float = 0.01, images=(0, 100, 200),
              image_size=(320, 200), extra_keys: dict = None) -> Path:
    """A run in ``folder`` (a LocalVisBackend save_dir): train/loss, train/lr and val/acc
    every 10 steps, the config, and ``val/pred`` images at ``images`` steps (a different
    photo at each step) plus one ``train/input``."""
    rng = np.random.default_rng(seed)
    backend = LocalVisBackend(str(folder))
    backend.add_config(dict(model=dict(type="TinyNet", depth=18 + 16 * seed), lr=lr, max_epochs=12))
    for step in range(0, steps + 1, 10):
        record = {"train/loss": float(2.0 * np.exp(-step / 80) + 0.1 * seed + rng.normal(0, 0.02)),
                  "train/lr": lr * (1 - step / (steps + 1)), "val/acc": float(1 - np.exp(-step / 60))}
        record.update({key: float(value(step)) for key, value in (extra_keys or {}).items()})
        backend.add_scalars(record, step=step)
    width, height = image_size
    for i, step in enumerate(images):
        backend.add_image("val/pred", samples.photo(width, height, seed=seed * 10 + i), step=step)
    backend.add_image("train/input", samples.photo(160, 100, seed=seed), step=0)
    backend.close()
    return folder


def work_dir(root: Path, runs=("20261201_120000", "20261202_090000")) -> Path:
    """An MMEngine work dir: ``root/exp/<timestamp>/vis_data`` for each timestamp."""
    for seed, stamp in enumerate(runs):
        write_run(root / "exp" / stamp / "vis_data", seed=seed, lr=0.01 * (seed + 1))
    return root / "exp"


def tear_last_line(run: Path) -> None:
    """Leave scalars.json as a writer killed mid-line does."""
    with open(run / "scalars.json", "ab") as handle:
        handle.write(b'{"train/loss": 0.12, "st')


def cut_image(run: Path, name: str = "val/pred", step: int = 300) -> Path:
    """A PNG half written (as a writer that does not write atomically leaves it)."""
    whole = sorted((run / "vis_image").glob("**/*.png"))[0].read_bytes()
    target = run / "vis_image" / f"{name}_{step}.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(whole[: len(whole) // 2])
    return target


def image_named_like_markup(run: Path, name: str, step: int) -> Path:
    """An image whose name is markup, stored as MMEngine's own LocalVisBackend stores it
    (``{name}_{step}.png``, the name unchanged; ``/`` makes folders)."""
    from scenevis._png import encode_png

    target = run / "vis_image" / f"{name}_{step}.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(encode_png(np.full((40, 60, 3), 200, np.uint8)))
    return target
