"""Stored scenes (``*.scene.json``) as SVG for a page, where each item's ``<title>`` shows
on hover.

Scene files are read with ``scenevis.load`` and drawn with ``scene.to_svg()``, both from
issue 16 (scenes as data). Until that lands, :func:`scene_loader` finds no loader and
every scene file becomes the note :data:`NO_LOADER` instead of a picture.
"""
from __future__ import annotations

import importlib
import os
import re
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

from scenevis.report.runs import Picture, Problem

__all__ = ["scene_loader", "scene_svgs", "inline_svg", "NO_LOADER", "MAX_SCENE_BYTES"]

NO_LOADER = "scene files need scenevis.load (issue 16)"
MAX_SCENE_BYTES = 64 << 20
_ID = re.compile(r'\bid="([^"]+)"')
_REF = re.compile(r'(url\(#|href="#)([^")]+)')
_PROLOG = re.compile(r"^\s*(<\?xml[^>]*\?>)?\s*(<!DOCTYPE[^>]*>)?\s*", re.S)


def scene_loader() -> Optional[Callable]:
    """``scenevis.load`` if this scenevis has it, else None.

    Looked up on the package at call time: the scene-file module of issue 16 is not
    there yet to import by name (replace this with that import when it lands).
    """
    return getattr(importlib.import_module("scenevis"), "load", None)


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
    load = scene_loader()
    owner = {p.path: run for run in runs for p in run.pictures}
    for picture in scenes:
        run = owner[picture.path]
        file = os.path.relpath(picture.path, run.path)
        if load is None:
            out[picture.path] = NO_LOADER
            continue
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
    if load is None:
        problems.append(Problem("", "", f"{len(scenes)} stored scene file{'s' if len(scenes) > 1 else ''} not shown: "
                                        f"{NO_LOADER}"))
    return out, texts, problems
