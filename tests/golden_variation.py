"""Measure how much the renderer's pictures of the golden scenes really vary on this machine.

    .venv/bin/python tests/golden_variation.py [--processes 3] [--threads 4] [--repeats 2]

Renders every golden of tests/golden_scenes.py again and again and compares each picture
with its committed PNG (tests/golden/):

- in several processes at once, each rendering in several threads at once (per-thread
  caches and spare buffers shared in every order);
- through the fast paths (the default) and the general paths: the scene clipped to its
  own extent (a clip turns off the numpy writes of images and masks and the numpy-only
  raster render), and as RGBA over white (another read-back);
- with pixman's SIMD compositing turned off (``PIXMAN_DISABLE``: the generic C code a CPU
  without SSE2/SSSE3 runs) and numpy's dispatched SIMD turned off
  (``NPY_DISABLE_CPU_FEATURES``): what another x86 CPU could compute differently.

It prints, per golden and per way of rendering, the largest channel difference, the
number of pixels that differ at all and the mean absolute difference; the tolerance in
tests/golden_compare.py is set from these figures.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

# Environments of the worker processes: this machine as it is, and with SIMD code paths off.
ENVIRONMENTS = {
    "default": {},
    "no-simd": {"PIXMAN_DISABLE": "sse2 ssse3 fast wholeops",
                "NPY_DISABLE_CPU_FEATURES": "X86_V3 X86_V4 AVX512_ICL"},
}


def variants(name: str):
    """(way, function drawing the golden that way) for the golden ``name``."""
    import scenevis as sv

    import golden_scenes

    if name in golden_scenes.PICTURES:
        yield "fast", golden_scenes.PICTURES[name]
        return
    build = golden_scenes.SCENES[name]
    yield "fast", lambda: sv.render(build())
    yield "clipped", lambda: sv.render(build().clipped())
    yield "rgba", lambda: sv.render(build(), rgba=True, background="white")[..., :3]


def worker(threads: int, repeats: int) -> dict:
    """{"name/way": [max, pixels, mean]}: the worst of every render in this process."""
    from golden_compare import GOLDEN_DIR, difference, read_png

    import golden_scenes

    names = sorted(golden_scenes.SCENES) + sorted(golden_scenes.PICTURES)
    goldens = {name: read_png(GOLDEN_DIR / f"{name}.png") for name in names}
    jobs = [(name, way, draw) for name in names for way, draw in variants(name)] * repeats

    def run(job):
        name, way, draw = job
        image = draw()
        if image.shape != goldens[name].shape:
            return f"{name}/{way}", (255, image.shape[0] * image.shape[1], 255.0)
        found = difference(goldens[name], image, 0)
        return f"{name}/{way}", (found.max, found.pixels, found.mean)

    worst: dict = {}
    with ThreadPoolExecutor(threads) as pool:
        # Each thread takes the jobs in another order, so caches meet scenes in every order.
        for key, stats in pool.map(run, jobs[::-1] + jobs):
            old = worst.get(key, (0, 0, 0.0))
            worst[key] = tuple(max(a, b) for a, b in zip(old, stats))
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, default=3, help="worker processes per environment")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.worker:
        print(json.dumps(worker(options.threads, options.repeats)))
        return
    command = [sys.executable, __file__, "--worker", "--threads", str(options.threads),
               "--repeats", str(options.repeats)]
    running = [(env, subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env={**os.environ, **extra}))
               for env, extra in ENVIRONMENTS.items() for _ in range(options.processes)]
    results: dict = {}
    for env, process in running:
        out, _ = process.communicate()
        if process.returncode:
            raise SystemExit(f"a worker in the {env} environment failed")
        for key, stats in json.loads(out.splitlines()[-1]).items():  # pixman says what it disabled first
            old = results.get((env, key), (0, 0, 0.0))
            results[(env, key)] = tuple(max(a, b) for a, b in zip(old, stats))
    print(f"{'environment':<10} {'golden/way':<36} {'max':>4} {'pixels':>7} {'mean':>8}")
    for (env, key), (most, count, mean) in sorted(results.items()):
        print(f"{env:<10} {key:<36} {most:>4} {count:>7} {mean:>8.5f}")
    for env in ENVIRONMENTS:
        rows = [stats for (e, _), stats in results.items() if e == env]
        print(f"{env}: worst max {max(r[0] for r in rows)}, worst pixels {max(r[1] for r in rows)}, "
              f"worst mean {max(r[2] for r in rows):.5f} over {len(rows)} goldens x ways, "
              f"{options.processes} processes x {options.threads} threads x {2 * options.repeats} renders each")


if __name__ == "__main__":
    main()
