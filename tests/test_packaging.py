"""What a new user gets: the wheel and sdist, and `make demo` from a fresh copy.

Real builds and installs: ``python -m build`` in its isolated environment (setuptools from
PyPI or pip's cache), the wheel installed into a new virtualenv, and the Makefile run in a
copy of the working tree, with its own ``.venv``.
"""
import email
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

import scenevis

ROOT = Path(__file__).resolve().parents[1]


def run(*args, **kwargs) -> str:
    done = subprocess.run(args, capture_output=True, text=True, timeout=600, **kwargs)
    assert done.returncode == 0, f"{args} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout + done.stderr


def working_tree_copy(dest: Path) -> Path:
    """The files a fresh clone of the working tree would hold (tracked and new, not ignored)."""
    listed = run("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=ROOT).split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    return dest


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    """The sdist, and the wheel that ``build`` makes from that sdist."""
    out = tmp_path_factory.mktemp("dist")
    source = working_tree_copy(tmp_path_factory.mktemp("src"))
    run(sys.executable, "-m", "build", "--outdir", str(out), str(source))
    return out


def test_wheel_metadata_is_complete(dist):
    (wheel,) = dist.glob("scenevis-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        info = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        meta = email.message_from_bytes(archive.read(info))
        licence = archive.read(info.replace("METADATA", "licenses/LICENSE"))
        names = archive.namelist()
        entry_points = archive.read(info.replace("METADATA", "entry_points.txt")).decode()
    assert meta["Version"] == scenevis.__version__  # the one place the version is written
    assert "scenevis/py.typed" in names  # type checkers read the package's annotations
    assert {f"scenevis/report/assets/{name}" for name in ("page.css", "page.js", "report.css", "report.js")} <= set(names)
    assert "[console_scripts]\nscenevis = scenevis.cli:main" in entry_points  # the scenevis command
    assert meta["License-Expression"] == "Apache-2.0"
    assert meta["License-File"] == "LICENSE"
    assert licence == (ROOT / "LICENSE").read_bytes()
    assert b"Apache License" in licence and b"Version 2.0, January 2004" in licence
    assert meta["Author"]
    classifiers = meta.get_all("Classifier")
    assert "Programming Language :: Python :: 3" in classifiers and len(classifiers) >= 5
    assert meta["Description-Content-Type"] == "text/markdown"
    assert set(meta.get_all("Requires-Dist")) >= {"numpy>=1.22", "attrs>=22.2", "pycairo>=1.20", "tqdm>=4.60"}


def test_sdist_ships_no_test_tree(dist):
    """The tests need goldens, examples, docs and tools: a partial copy would not run."""
    (sdist,) = dist.glob("scenevis-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    package = {path.relative_to(ROOT).as_posix() for path in (ROOT / "scenevis").rglob("*.py")}
    assert {"LICENSE", "README.md", "pyproject.toml"} | package <= names
    assert not [name for name in names if name.startswith("tests/")]


def test_wheel_installs_and_renders_in_a_new_venv(dist, tmp_path):
    (wheel,) = dist.glob("scenevis-*.whl")
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", str(venv))
    python = str(venv / "bin" / "python")
    run(python, "-m", "pip", "install", "-q", "--disable-pip-version-check", str(wheel))
    code = ("import scenevis as sv, sys; a = (sv.background((0, 0, 8, 6), 'red') + sv.boxes([[1, 1, 4, 3]], width=1)).render();"
            "print(sv.__file__, a.shape, a[5, 7].tolist(), 'torch' in sys.modules)")
    printed = run(python, "-c", code, cwd=tmp_path).split()
    assert printed[0].startswith(str(venv)), "imported scenevis from somewhere other than the installed wheel"
    assert printed[1:] == ["(6,", "8,", "3)", "[255,", "0,", "0]", "False"]


def test_make_demo_installs_the_core_only_and_once(tmp_path):
    """From a fresh copy: one command sets up .venv with scenevis and its four dependencies
    (no torch, no test stack) and draws the demo; a second run installs nothing."""
    tree = working_tree_copy(tmp_path / "clone")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHONPATH"))}
    first = run("make", "demo", cwd=tree, env=env)
    assert "==> installing scenevis into .venv" in first and "scenevis[test]" not in first
    assert (tree / "out" / "detection.png").stat().st_size > 0
    python = str(tree / ".venv" / "bin" / "python")
    installed = run(python, "-m", "pip", "list", "--format=freeze", "--disable-pip-version-check", cwd=tree)
    names = {line.split("==")[0].lower() for line in installed.split()}
    assert {"scenevis", "numpy", "attrs", "pycairo"} <= names
    assert not names & {"torch", "mmengine", "wandb", "tensorboard", "hypothesis", "pytest", "ipykernel"}
    second = run("make", "demo", cwd=tree, env=env)
    assert "==>" not in second
