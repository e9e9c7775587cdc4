"""Soak: 100,000 add_scalars calls and 1,000 images keep memory flat and lose nothing."""
import gc
import os
import sys

import numpy as np
import pytest

from scenevis.backends import LocalVisBackend

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="reads RSS from /proc")

SCALAR_CALLS = 100_000
IMAGES = 1_000
ALLOWED_GROWTH_MB = 8.0


def rss_mb():
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def test_local_backend_soak(tmp_path):
    backend = LocalVisBackend(str(tmp_path))
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 256, (24, 32, 3), dtype=np.uint8) for _ in range(4)]
    every = SCALAR_CALLS // IMAGES
    samples = []
    for i in range(SCALAR_CALLS):
        backend.add_scalars({"loss": 1.0 / (i + 1), "lr": 0.01, "iter": i, "acc": np.float32(0.5)}, step=i)
        if i % every == 0:
            backend.add_image("sample", images[i % 4], step=i // every)
        if i % 10_000 == 0 and i:
            gc.collect()
            samples.append(rss_mb())
    backend.close()
    gc.collect()
    samples.append(rss_mb())
    baseline = samples[0]  # after 10,000 calls and 100 images: buffers and caches warm
    growth = max(samples) - baseline
    sys.stdout.write(f"RSS samples (MB): {[round(s, 1) for s in samples]}\n")
    assert growth < ALLOWED_GROWTH_MB, f"RSS grew {growth:.1f} MB over the soak: {samples}"

    with open(tmp_path / "scalars.json", "rb") as handle:
        lines = handle.read().splitlines()
    assert len(lines) == SCALAR_CALLS
    assert lines[0] == b'{"loss": 1.0, "lr": 0.01, "iter": 0, "acc": 0.5, "step": 0}'
    assert lines[-1].endswith(b'"iter": 99999, "acc": 0.5, "step": 99999}')
    written = os.listdir(tmp_path / "vis_image")
    assert len(written) == IMAGES and not [name for name in written if name.endswith(".tmp")]
