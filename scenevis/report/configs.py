"""Configs of several runs side by side, their differences highlighted.

A config is read as text and never run: its top-level assignments are found with
``ast`` (``lr = 0.01``, ``model = dict(...)``), and an assignment whose source differs
between runs is a difference. Lines of one run's config that do not occur in every
other run's are highlighted.
"""
from __future__ import annotations

import ast
import re
from collections import Counter
from typing import Dict, List, Optional, Sequence

from scenevis.report.page import escape

__all__ = ["assignments", "differences", "config_html"]

_SPACE = re.compile(r"\s+")
MAX_SHOWN = 400  # characters of one value in the differences table


def assignments(text: str) -> Optional[Dict[str, str]]:
    """``name -> source`` of each top-level assignment of the Python text ``text`` (None
    when it is not Python)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return None
    out: Dict[str, str] = {}
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else \
            [node.target] if isinstance(node, ast.AnnAssign) and node.value is not None else []
        for target in targets:
            if isinstance(target, ast.Name):
                out[target.id] = _SPACE.sub(" ", ast.get_source_segment(text, node.value) or "").strip()
    return out


def differences(configs: Sequence[Optional[str]]) -> List[tuple]:
    """``(name, [source or None per run])`` for every top-level name whose source is not
    the same in all runs that have a config, in first-seen order."""
    parsed = [assignments(text) if text is not None else None for text in configs]
    present = [p for p in parsed if p is not None]
    if len(present) < 2:
        return []
    names = list(dict.fromkeys(name for p in present for name in p))
    out = []
    for name in names:
        values = [p.get(name) if p is not None else None for p in parsed]
        if len({v for v, p in zip(values, parsed) if p is not None}) > 1:
            out.append((name, values))
    return out


def _lines_html(text: str, others: List[Counter]) -> str:
    rows = []
    for line in text.splitlines():
        key = line.strip()
        differs = bool(key) and any(counts[key] == 0 for counts in others)
        rows.append(f'<span{" class=sv-diff" if differs else ""}>{escape(line)}</span>')
    return "<pre><code>" + "".join(rows) + "</code></pre>"


def config_html(names: Sequence[str], colors: Sequence[str], configs: Sequence[Optional[str]]) -> str:
    """The report's config section: a table of the differing assignments, then each
    run's config with the lines not found in every other config highlighted."""
    have = [(n, c, t) for n, c, t in zip(names, colors, configs) if t is not None]
    if not have:
        return '<p class="sv-muted">No run has a config.py.</p>'
    parts = []
    diffs = differences(configs)
    if diffs:
        head = "".join(f"<th><span class=sv-swatch style=\"background:{c}\"></span>{escape(n)}</th>"
                       for n, c, t in zip(names, colors, configs) if t is not None)
        rows = []
        for name, values in diffs:
            cells = "".join(
                "<td>" + (f"<code>{escape(_short(v))}</code>" if v is not None else '<span class="sv-muted">not set</span>')
                + "</td>" for v, t in zip(values, configs) if t is not None)
            rows.append(f"<tr><th><code>{escape(name)}</code></th>{cells}</tr>")
        parts.append(f'<table class="sv-diffs"><tr><th>differs</th>{head}</tr>{"".join(rows)}</table>')
    elif len(have) > 1:
        parts.append('<p class="sv-muted">The configs of all runs are the same.</p>')
    counts = [Counter(line.strip() for line in t.splitlines()) for _, _, t in have]
    boxes = []
    for i, (name, color, text) in enumerate(have):
        others = counts[:i] + counts[i + 1:]
        boxes.append(f'<details class="sv-config" open><summary><span class=sv-swatch style="background:{color}">'
                     f"</span>{escape(name)}</summary>{_lines_html(text, others)}</details>")
    parts.append(f'<div class="sv-configs">{"".join(boxes)}</div>')
    return "\n".join(parts)


def _short(text: str) -> str:
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + " …"
