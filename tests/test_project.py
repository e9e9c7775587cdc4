"""The project's own configuration says what is true: one version, package data that
exists, a typed package, a lint configuration that `make test` runs."""
import re
import subprocess
import sys
from pathlib import Path

from setuptools.config.pyprojecttoml import read_configuration

import scenevis

ROOT = Path(__file__).resolve().parents[1]


def configuration() -> dict:
    return read_configuration(ROOT / "pyproject.toml")


def test_the_version_is_written_once():
    config = configuration()
    assert "version" in config["project"]["dynamic"]
    assert config["project"]["version"] == scenevis.__version__  # setuptools' own reading of it
    written = [path for path in [ROOT / "pyproject.toml", *ROOT.joinpath("scenevis").rglob("*.py")]
               if re.search(rf"""\b{re.escape(scenevis.__version__)}\b""", path.read_text())]
    assert written == [ROOT / "scenevis" / "_version.py"]


def test_package_data_points_at_files_and_the_package_is_typed():
    patterns = configuration()["tool"]["setuptools"]["package-data"]["scenevis"]
    assert "py.typed" in patterns
    for pattern in patterns:
        assert list(ROOT.joinpath("scenevis").glob(pattern)), f"package-data {pattern!r} matches no file"


def test_make_test_runs_ruff_and_the_tree_passes():
    recipe = re.search(r"^test:.*\n((?:\t.*\n)+)", (ROOT / "Makefile").read_text(), re.M).group(1)
    assert "ruff check" in recipe.split("pytest")[0]  # lint first: a lint error stops `make test`
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache"], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_test_that_skips_for_a_missing_module_fails(tmp_path):
    (tmp_path / "conftest.py").write_text((ROOT / "tests" / "conftest.py").read_text())
    (tmp_path / "test_rule.py").write_text(
        "import os, pytest\n"
        "def test_missing():\n    pytest.importorskip('no_such_module_here')\n"
        "@pytest.mark.skipif(not hasattr(os, 'no_such_call'), reason='this system has no os.no_such_call')\n"
        "def test_platform():\n    pass\n")
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", str(tmp_path)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert "1 failed, 1 skipped" in done.stdout, done.stdout
    assert "could not import 'no_such_module_here'" in done.stdout and "declare it in" in done.stdout
    assert "this system has no os.no_such_call" in done.stdout
