"""The ``scenevis`` command, run as users run it: the console script and ``python -m
scenevis`` in a subprocess. Exit codes 0 / 2 (bad usage) / 1 (failure, one line on
stderr, a traceback only with --debug)."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import scenevis
from scenevis.cli import COMMANDS

from report_runs import work_dir

SCRIPT = Path(sys.executable).with_name("scenevis")


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "scenevis", *map(str, args)], capture_output=True, text=True,
                          timeout=120, cwd=cwd)


def test_console_script_and_module_give_the_version():
    assert SCRIPT.exists(), "the scenevis console script is not installed (pip install -e . makes it)"
    done = subprocess.run([str(SCRIPT), "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == f"scenevis {scenevis.__version__}"
    assert run("--version").stdout == done.stdout


@pytest.mark.parametrize("command", [(), *[(name,) for name in COMMANDS]])
def test_help_everywhere(command):
    done = run(*command, "--help")
    assert done.returncode == 0 and done.stdout.startswith("usage: scenevis") and not done.stderr
    if not command:
        assert all(name in done.stdout for name in COMMANDS)


@pytest.mark.parametrize("args, message", [
    ((), "the following arguments are required: COMMAND"),
    (("paint",), "invalid choice: 'paint'"),
    (("report",), "the following arguments are required: RUN_DIR"),
    (("report", "x", "-o", "out.png"), "argument -o/--output: expected a file ending in .html, got 'out.png'"),
    (("report", "x", "--workers", "0"), "argument --workers: expected a whole number >= 1, got '0'"),
    (("render", "a.scene.json"), "the following arguments are required: -o/--output"),
    (("render", "a.scene.json", "-o", "out.jpg"), "expected a file ending in .png, .svg or .pdf, got 'out.jpg'"),
    (("render", "a.scene.json", "-o", "out.png", "--scale", "-1"), "argument --scale: expected a number > 0"),
])
def test_bad_usage_exits_2(args, message):
    done = run(*args)
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr


def test_a_folder_that_is_not_a_run_fails_with_one_line(tmp_path):
    (tmp_path / "nothing").mkdir()
    done = run("report", tmp_path / "nothing", "-o", tmp_path / "r.html")
    assert done.returncode == 1 and not (tmp_path / "r.html").exists()
    assert done.stderr.strip().splitlines() == [
        f"scenevis: error: RUN_DIR '{tmp_path / 'nothing'}': not a run (no scalars.json, vis_image/ or vis_data/ "
        "in it or up to 4 folders below it)"]
    debug = run("report", tmp_path / "nothing", "-o", tmp_path / "r.html", "--debug")
    assert debug.returncode == 1 and "Traceback" in debug.stderr and "NotARunError" in debug.stderr
    missing = run("--debug", "report", tmp_path / "missing")
    assert missing.returncode == 1 and "FileNotFoundError" in missing.stderr


def test_report_writes_the_page_where_asked(tmp_path):
    exp = work_dir(tmp_path / "work_dirs")
    done = run("report", exp, "-o", "site/index.html", "--title", "two runs", "--workers", "2", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert re.fullmatch(re.escape(f"scenevis report: wrote {tmp_path / 'site' / 'index.html'} (2 runs, 3 charts, "
                                  "8 images, 0 notes; ") + r"\d+\.\d MiB\)", last), last
    assert "images: 100%" in done.stderr  # tqdm's bar
    assert "<title>two runs</title>" in (tmp_path / "site" / "index.html").read_text()
    quiet = run("report", exp, "-o", tmp_path / "q.html", "-q")
    assert quiet.returncode == 0 and quiet.stderr == "" and quiet.stdout == ""


def test_render_draws_a_stored_scene(tmp_path):
    import numpy as np

    from golden_compare import read_png

    scene = scenevis.boxes([[2, 2, 30, 20]], color="red", width=2) + scenevis.texts(["hi"], [[4, 22]])
    scenevis.dump(scene, tmp_path / "a.scene.json")
    for ext in ("png", "svg", "pdf"):
        done = run("render", tmp_path / "a.scene.json", "-o", tmp_path / f"a.{ext}", "--scale", "2")
        assert done.returncode == 0, done.stderr
        assert (tmp_path / f"a.{ext}").stat().st_size > 0
    assert np.array_equal(read_png(tmp_path / "a.png"), scenevis.render(scene, scale=2))
    done = run("render", tmp_path / "missing.scene.json", "-o", tmp_path / "b.png")
    assert done.returncode == 1 and done.stderr.startswith("scenevis: error: SCENE ")
    assert not os.path.exists(tmp_path / "b.png")


def test_without_pillow_the_report_says_what_to_install(tmp_path):
    """Pillow is in the test extra, so its absence is made by blocking the import
    (``sys.modules['PIL'] = None``) in the command's process."""
    exp = work_dir(tmp_path / "work_dirs")
    code = ("import sys; sys.modules['PIL'] = None; from scenevis.cli import main; "
            f"sys.exit(main(['report', {str(exp)!r}, '-o', {str(tmp_path / 'r.html')!r}, '-q']))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and done.stderr.strip() == (
        'scenevis: error: scenevis report: reading images needs Pillow; install it with pip install "scenevis[report]"')
