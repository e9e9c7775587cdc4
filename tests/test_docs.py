"""Docs are code: every ```python block of README.md and docs/*.md runs as written, and
every picture under docs/img is what the code beside it draws.

Each page runs top to bottom as one program in a fresh process and an empty folder
(``tools/docs.py``, which ``make docs`` and ``make demo`` use too). A drawn picture matches
the kept one when at most ``MAX_FRACTION`` of its pixels differ by more than
``TOLERANCE`` grey levels (both stated in tools/docs.py: 0.1% and 2).
"""
from pathlib import Path

import pytest

from docs_tool import docs

ROOT = docs.ROOT

SOURCES = docs.pages() + docs.EXAMPLES
_runs: dict = {}


def run_once(source: Path, tmp_path_factory) -> "docs.Run":
    if source not in _runs:
        _runs[source] = docs.run(source, tmp_path_factory.mktemp(source.stem))
    return _runs[source]


def test_every_page_has_code_and_the_sources_are_found():
    names = [source.name for source in SOURCES]
    assert names[0] == "README.md" and {"scene.md", "datasamples.md", "featmap.md", "visualizer.md"} <= set(names)
    assert len(docs.python_blocks(ROOT / "README.md")) >= 3


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_code_runs_and_draws_the_pictures_shown(source, tmp_path_factory):
    result = run_once(source, tmp_path_factory)
    assert result.ok, f"{source.name} failed:\n{result.log[-4000:]}"
    problems = [docs.compare(path, docs.IMG / name) for name, path in result.drawn.items()]
    assert not [p for p in problems if p], problems


def test_readme_pictures_are_drawn_by_the_readme_code(tmp_path_factory):
    result = run_once(ROOT / "README.md", tmp_path_factory)
    shown = docs.pictures(ROOT / "README.md")
    assert shown and set(result.drawn) == set(shown)


def test_every_picture_under_docs_img_is_drawn_and_every_shown_one_exists(tmp_path_factory):
    drawn = set()
    for source in SOURCES:
        drawn |= set(run_once(source, tmp_path_factory).drawn)
    kept = {p.relative_to(docs.IMG).as_posix() for p in docs.IMG.rglob("*") if p.is_file()}
    shown = {name for page in docs.pages() for name in docs.pictures(page)}
    assert kept == drawn, f"kept but not drawn: {sorted(kept - drawn)}; drawn but not kept: {sorted(drawn - kept)}"
    assert shown <= kept, f"shown but missing: {sorted(shown - kept)}"


def test_a_failing_block_is_reported_at_its_line_in_the_page(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("# A page\n\n```python\nx = 1\n```\n\ntext\n\n```python\ny = x + undefined_name\n```\n")
    result = docs.run(page, tmp_path)
    assert not result.ok
    assert f'File "{page}", line 10' in result.log and "NameError" in result.log


def test_blocks_share_one_namespace_and_other_fences_do_not_run(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("```python\nx = 41\n```\n```bash\nexit 1\n```\n```\nnot python\n```\n"
                    "```python\nopen('x.txt', 'w').write(str(x + 1))\n```\n")
    assert [line for line, _ in docs.python_blocks(page)] == [2, 11]
    result = docs.run(page, tmp_path)
    assert result.ok, result.log
    assert (tmp_path / "x.txt").read_text() == "42"


def test_a_block_indented_in_a_list_item_runs_too(tmp_path):
    """A block inside a list item is indented with it; it runs as written, its lines
    counted from the page's."""
    page = tmp_path / "page.md"
    page.write_text("- a point:\n\n  ```python\n  x = 41\n  if x:\n      y = x + 1\n  ```\n\n"
                    "- another:\n\n    ```python\n    open('y.txt', 'w').write(str(y))\n    ```\n"
                    "```python\n  undefined_name\n```\n")
    assert [line for line, _ in docs.python_blocks(page)] == [4, 12, 15]
    assert docs.python_blocks(page)[0][1] == "x = 41\nif x:\n    y = x + 1\n"
    result = docs.run(page, tmp_path)
    assert (tmp_path / "y.txt").read_text() == "42"
    assert not result.ok and f'File "{page}", line 15' in result.log and "IndentationError" in result.log


def test_every_test_the_docs_cite_exists():
    """``file.py::test_name`` (and ``::test_name``, in the file cited before it) in the
    README and docs/ names a test function that is there; a bare file name is found
    under tests/."""
    import ast
    import re

    root = Path(__file__).resolve().parents[1]
    cite = re.compile(r"`((?:[\w./-]+\.py)?)::(\w+)`")
    defined = {}

    def names(path):
        if path not in defined:
            tree = ast.parse(path.read_text())
            defined[path] = {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
        return defined[path]

    wrong, count = [], 0
    for page in [root / "README.md", *sorted((root / "docs").glob("*.md"))]:
        current = None
        for number, line in enumerate(page.read_text().splitlines(), 1):
            for file, name in cite.findall(line):
                if file:
                    found = [root / file] if file.startswith("tests/") else sorted((root / "tests").rglob(file))
                    current = found[0] if len(found) == 1 and found[0].exists() else None
                count += 1
                if current is None or name not in names(current):
                    wrong.append(f"{page.name}:{number}: {file}::{name}")
    assert count > 20 and not wrong, wrong
