"""Run the code of the docs and draw the pictures they show.

    python tools/docs.py [--write | --out DIR] [NAME ...]

Every ```python block of README.md and docs/*.md runs as written. A page is one program:
its blocks run top to bottom in one namespace, in a fresh Python process whose working
folder is a new temporary one, so the files its code writes land there. A picture a page
shows as ``docs/img/P`` is drawn by the page's code when the code writes ``P`` into its
folder: ``scene.save("detection.png")`` in README.md draws ``docs/img/detection.png``.
The few pictures that need more than a page (a ResNet's feature maps) are drawn by the
scripts in ``EXAMPLES``, run with ``--out`` a temporary folder, by the same rule.

Without ``--write``: check that every page runs, that each drawn picture matches the
one under docs/img (see ``compare``) and that every file under docs/img is drawn by a
page or an example. With ``--write`` (``make docs``): copy the drawn pictures into
docs/img. With ``--out DIR`` (``make demo``): run in DIR, keep what the code writes there
and list it. NAME (``README.md``, ``scene.md``, ``featmap_resnet.py``) limits the run.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import NamedTuple, Optional

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
IMG = ROOT / "docs" / "img"
EXAMPLES = [ROOT / "examples" / "featmap_resnet.py", ROOT / "examples" / "report_page.py",
            ROOT / "examples" / "svg_tooltip.py", ROOT / "examples" / "browse_page.py"]
# Ray: a node a page starts and stops saves no auth token under ~/.ray.
ENV = {"WANDB_MODE": "offline", "WANDB_SILENT": "true", "MPLBACKEND": "Agg", "RAY_AUTH_MODE": "disabled"}
#: A drawn picture matches docs/img when at most MAX_FRACTION of its pixels differ by more
#: than TOLERANCE in a channel (antialiasing may move a level or two between Cairo builds).
TOLERANCE, MAX_FRACTION = 2, 0.001

_FENCE = re.compile(r"^([ \t]*)```python[ \t]*\n(.*?)^\1```[ \t]*$", re.S | re.M)  # indented in a list item too
_PICTURE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)\)")

# Runs in the page's process: the blocks, each compiled with its page line numbers so a
# traceback points into the markdown file.
_PROGRAM = """
import json, sys
namespace = {"__name__": "__main__"}
for path, line, code in json.load(sys.stdin):
    exec(compile("\\n" * (line - 1) + code, path, "exec"), namespace)
"""


def pages() -> list:
    return [ROOT / "README.md"] + sorted((ROOT / "docs").glob("*.md"))


def python_blocks(page: Path) -> list:
    """``(first line, code)`` of each ```python block, lines counted from 1; a block
    indented in a list item loses its fence's indentation."""
    text = page.read_text()
    blocks = []
    for m in _FENCE.finditer(text):
        indent, code = m.group(1), m.group(2)
        if indent:
            code = "".join(line[len(indent):] if line.startswith(indent) else line
                           for line in code.splitlines(keepends=True))
        blocks.append((text.count("\n", 0, m.start(2)) + 1, code))
    return blocks


def pictures(page: Path) -> list:
    """The pictures under docs/img that ``page`` shows, as paths relative to docs/img."""
    shown = []
    for target in _PICTURE.findall(page.read_text()):
        path = (page.parent / target).resolve()
        if path.is_relative_to(IMG):
            shown.append(path.relative_to(IMG).as_posix())
    return shown


class Run(NamedTuple):
    source: Path
    ok: bool
    log: str
    drawn: dict  # picture (relative to docs/img) -> the file the source wrote


def run(source: Path, folder: Path, timeout: float = 600) -> Run:
    """Run a page's blocks (or an example script) with ``folder`` as its output folder."""
    env = {**os.environ, **ENV}
    if source.suffix == ".md":
        blocks = [(str(source), line, code) for line, code in python_blocks(source)]
        done = subprocess.run([sys.executable, "-c", _PROGRAM], input=json.dumps(blocks), cwd=folder, env=env,
                              capture_output=True, text=True, timeout=timeout)
    else:
        done = subprocess.run([sys.executable, str(source), "--out", str(folder)], cwd=folder, env=env,
                              capture_output=True, text=True, timeout=timeout)
    # A page draws the pictures it shows; an example, any picture a page shows or docs/img holds.
    wanted = set(pictures(source)) if source.suffix == ".md" else _shown() | _kept()
    drawn = {name: folder / name for name in sorted(wanted) if (folder / name).is_file()}
    return Run(source, done.returncode == 0, done.stdout + done.stderr, drawn)


def _shown() -> set:
    return {name for page in pages() for name in pictures(page)}


def _kept() -> set:
    return {path.relative_to(IMG).as_posix() for path in IMG.rglob("*") if path.is_file()}


def read_png(path: Path) -> np.ndarray:
    """RGB pixels of a PNG, decoded by Cairo's reader."""
    import cairo

    surface = cairo.ImageSurface.create_from_png(str(path))
    h, w, stride = surface.get_height(), surface.get_width(), surface.get_stride()
    return np.frombuffer(surface.get_data(), np.uint8).reshape(h, stride // 4, 4)[:, :w, [2, 1, 0]].copy()


def read_frames(path: Path) -> list:
    """The RGB frames of a picture: a PNG's one, or every frame of a GIF (decoded by
    scenevis.video, FFmpeg's GIF decoder)."""
    if path.suffix.lower() == ".gif":
        from scenevis import video

        return list(video.read(path))
    return [read_png(path)]


def compare(drawn: Path, kept: Path) -> Optional[str]:
    """None when ``drawn`` matches ``kept`` (same size and frame count; in every frame at
    most MAX_FRACTION of the pixels differ by more than TOLERANCE), else what differs."""
    if not kept.exists():
        return f"{kept.relative_to(ROOT)} is missing: run `make docs`"
    ours, theirs = read_frames(drawn), read_frames(kept)
    if len(ours) != len(theirs):
        return f"{kept.relative_to(ROOT)}: drawn {len(ours)} frames, kept {len(theirs)}: run `make docs`"
    for a, b in zip(ours, theirs):
        if a.shape != b.shape:
            return f"{kept.relative_to(ROOT)}: drawn {a.shape[1]}x{a.shape[0]}, kept {b.shape[1]}x{b.shape[0]}"
        far = (np.abs(a.astype(np.int16) - b).max(axis=2) > TOLERANCE).mean()
        if far > MAX_FRACTION:
            return (f"{kept.relative_to(ROOT)}: {far:.2%} of the pixels differ from what the code draws: "
                    "run `make docs`")
    return None


def _run_into(sources: list, out: Path) -> int:
    """Run ``sources`` one after another in ``out`` and print the files they wrote."""
    out.mkdir(parents=True, exist_ok=True)
    for source in sources:
        before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
        result = run(source, out.resolve())
        if not result.ok:
            print(f"{source.relative_to(ROOT)} failed:\n{result.log[-3000:]}", file=sys.stderr)
            return 1
        for path in sorted(p for p in out.rglob("*") if p.is_file() and before.get(p) != p.stat().st_mtime_ns):
            print(path)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="copy the drawn pictures into docs/img")
    mode.add_argument("--out", type=Path, help="run in this folder and keep what the code writes")
    parser.add_argument("names", nargs="*", help="pages or examples to run (default: all)")
    args = parser.parse_args()
    sources = [s for s in pages() + EXAMPLES if not args.names or s.name in args.names]
    if args.out is not None:
        return _run_into(sources, args.out)
    problems, drawn_by = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        for i, source in enumerate(sources):
            folder = Path(tmp) / str(i)
            folder.mkdir()
            result = run(source, folder)
            if not result.ok:
                problems.append(f"{source.relative_to(ROOT)} failed:\n{result.log[-3000:]}")
                continue
            for name, path in sorted(result.drawn.items()):
                drawn_by[name] = source
                if args.write:
                    (IMG / name).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(path, IMG / name)
                    print(IMG / name)
                elif (problem := compare(path, IMG / name)) is not None:
                    problems.append(problem)
    if not args.names:
        for name in sorted(_kept() - set(drawn_by)):
            problems.append(f"docs/img/{name} is drawn by no page or example: delete it or draw it")
        for name in sorted(_shown() - _kept() - set(drawn_by)):
            problems.append(f"docs/img/{name} is shown but drawn by no page or example (and missing)")
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
