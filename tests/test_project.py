"""The project's own configuration says what is true: one version, package data that
exists, a typed package."""
import re
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

