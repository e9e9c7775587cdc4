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
    assert written == [ROOT / "scenevis" / "__init__.py"]


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
