"""Stored scenes (``*.scene.json``) as SVG for a page, where each item's ``<title>`` shows
on hover: read with :func:`scenevis.scenefile.load`, drawn by the semantic SVG painter."""
from __future__ import annotations

import os
import re
from typing import Dict, List, Sequence, Tuple, Union

from scenevis.report.runs import Picture, Problem
from scenevis.scenefile import load

__all__ = ["scene_svgs", "inline_svg", "MAX_SCENE_BYTES"]

MAX_SCENE_BYTES = 64 << 20
_ID = re.compile(r'\bid="([^"]+)"')
_REF = re.compile(r'(url\(#|href="#)([^")]+)')
_PROLOG = re.compile(r"^\s*(<\?xml[^>]*\?>)?\s*(<!DOCTYPE[^>]*>)?\s*", re.S)


def inline_svg(svg: str, prefix: str) -> str:
    """An SVG document made fit to sit inside a page beside others: no XML prolog, and
    every ``id`` (and reference to one) prefixed with ``prefix``."""
    svg = _PROLOG.sub("", svg, count=1)
    svg = _ID.sub(lambda m: f'id="{prefix}{m.group(1)}"', svg)
    return _REF.sub(lambda m: f"{m.group(1)}{prefix}{m.group(2)}", svg)


def scene_svgs(scenes: Sequence[Picture], runs: Sequence) -> Tuple[Dict[str, Union[int, str]], List[str], List[Problem]]:
    """For each scene file: ``path -> index`` into the returned SVG texts, or ``path ->
    note`` when it cannot be shown; plus a problem per file that could not be read."""
    out: Dict[str, Union[int, str]] = {}
    texts: List[str] = []
    problems: List[Problem] = []
    if not scenes:
        return out, texts, problems
    owner = {p.path: run for run in runs for p in run.pictures}
    for picture in scenes:
        run = owner[picture.path]
        file = os.path.relpath(picture.path, run.path)
        try:
            if os.path.getsize(picture.path) > MAX_SCENE_BYTES:
                raise ValueError(f"larger than {MAX_SCENE_BYTES >> 20} MiB")
            svg = load(picture.path).to_svg()
        except (OSError, ValueError, TypeError, KeyError) as err:
            message = f"cannot be shown ({err})"
            out[picture.path] = message
            problems.append(Problem(run.name, file, message))
            continue
        out[picture.path] = len(texts)
        texts.append(inline_svg(svg, f"s{len(texts)}-"))
    return out, texts, problems
