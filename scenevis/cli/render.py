"""``scenevis render SCENE.scene.json -o OUT.png|svg|pdf [--scale S] [--background C]``."""
from __future__ import annotations

import argparse
import math
import os

from scenevis.cli import CommandError

FORMATS = (".png", ".svg", ".pdf")


def _scale(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}")
    return value


def add_parser(sub, parents) -> None:
    parser = sub.add_parser(
        "render", parents=parents, help="draw a stored scene (*.scene.json) to PNG, SVG or PDF",
        description="Draw a scene stored with scenevis.dump (or LocalVisBackend(save_scene=True)) "
                    "to a PNG, SVG or PDF file, chosen by the output's extension.")
    parser.add_argument("scene", metavar="SCENE", help="a scene file (.scene.json or .scene.json.gz)")
    parser.add_argument("-o", "--output", required=True, metavar="OUT", help="the file to write: .png, .svg or .pdf")
    parser.add_argument("--scale", type=_scale, default=1.0, metavar="S",
                        help="pixels per scene unit (default 1; 2 draws twice as large)")
    parser.add_argument("--background", default=None, metavar="C",
                        help="fill the canvas first with this colour (a name like white or a hex like #202020)")
    parser.set_defaults(run=run, parser=parser)


def run(args) -> int:
    ext = os.path.splitext(args.output)[1].lower()
    if ext not in FORMATS:
        args.parser.error(f"argument -o/--output: expected a file ending in .png, .svg or .pdf, got {args.output!r}")
    from scenevis.scenefile import load

    if not os.path.isfile(args.scene):
        raise CommandError(f"SCENE {args.scene!r}: no such file")
    scene = load(args.scene)
    folder = os.path.dirname(os.path.abspath(args.output))
    if not os.path.isdir(folder):
        raise CommandError(f"-o {args.output!r}: the folder {folder!r} does not exist")
    scene.save(args.output, scale=args.scale, background=args.background)
    return 0
