"""Every file a backend creates or appends stays inside its save_dir (issue 12 §2).

Symlinks planted *inside* save_dir are never followed: not at a file's name, not at a
folder on the way to it, and not when one is swapped in between a check and a write
(a real ``renameat2(RENAME_EXCHANGE)`` race in another process).
"""
import ctypes
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from scenevis.backends import LocalVisBackend, TensorboardVisBackend

IMAGE = np.full((4, 5, 3), 9, np.uint8)


def tree(root):
    """Every file and folder under ``root``, relative to it."""
    found = set()
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            found.add(os.path.relpath(os.path.join(folder, name), root))
    return found


@pytest.fixture
def planted(tmp_path):
    """``(save_dir, elsewhere)``: a run folder and an empty folder outside it."""
    save_dir, elsewhere = tmp_path / "run", tmp_path / "elsewhere"
    save_dir.mkdir()
    elsewhere.mkdir()
    return save_dir, elsewhere


def test_symlink_at_the_scalars_file_is_not_followed(planted):
    save_dir, elsewhere = planted
    (save_dir / "scalars.json").symlink_to(elsewhere / "new.json")
    backend = LocalVisBackend(str(save_dir))
    with pytest.raises(PermissionError, match="symlink"):
        backend.add_scalars({"loss": 0.5}, step=1)
    backend.close()
    assert tree(elsewhere) == set()


def test_symlink_at_a_file_path_target_is_not_followed(planted):
    save_dir, elsewhere = planted
    (elsewhere / "log.json").write_text("precious\n")
    (save_dir / "log.json").symlink_to(elsewhere / "log.json")
    backend = LocalVisBackend(str(save_dir))
    with pytest.raises(PermissionError, match="symlink"):
        backend.add_scalars({"loss": 0.5}, step=1, file_path="log.json")
    backend.close()
    assert (elsewhere / "log.json").read_text() == "precious\n"
    assert not (save_dir / "scalars.json").exists()  # the call failed as a whole


def test_symlinked_image_folder_creates_nothing_outside(planted):
    save_dir, elsewhere = planted
    (save_dir / "vis_image").symlink_to(elsewhere, target_is_directory=True)
    backend = LocalVisBackend(str(save_dir))
    with pytest.raises(PermissionError, match="symlink"):
        backend.add_image("a/b/c", IMAGE, step=0)
    assert tree(elsewhere) == set()  # not even the folders a/b


def test_symlinked_sub_folder_of_a_name_is_not_followed(planted):
    save_dir, elsewhere = planted
    (save_dir / "vis_image").mkdir()
    (save_dir / "vis_image" / "val").symlink_to(elsewhere, target_is_directory=True)
    backend = LocalVisBackend(str(save_dir))
    with pytest.raises(PermissionError, match="symlink"):
        backend.add_image("val/img", IMAGE, step=0)
    backend.add_image("train/img", IMAGE, step=0)  # other names still work
    assert tree(elsewhere) == set()
    assert (save_dir / "vis_image" / "train" / "img_0.png").is_file()


def test_symlinked_config_file_is_replaced_not_followed(planted):
    save_dir, elsewhere = planted
    (elsewhere / "victim.py").write_text("precious\n")
    (save_dir / "config.py").symlink_to(elsewhere / "victim.py")
    LocalVisBackend(str(save_dir)).add_config({"lr": 0.1})
    assert (elsewhere / "victim.py").read_text() == "precious\n"
    assert not (save_dir / "config.py").is_symlink() and "lr = 0.1" in (save_dir / "config.py").read_text()


def test_tensorboard_event_file_is_created_inside_even_with_symlinks_around(planted):
    pytest.importorskip("tensorboard")
    save_dir, elsewhere = planted
    backend = TensorboardVisBackend(str(save_dir))
    backend.add_scalar("loss", 0.5, step=0)
    backend.close()
    (event_file,) = [p for p in save_dir.iterdir() if p.name.startswith("events.out.tfevents.")]
    # A symlink planted at the name the next event file would take is never written through.
    for n in range(1, 4):
        (save_dir / (event_file.name[:-1] + str(n))).symlink_to(elsewhere / f"target{n}")
    backend.add_scalar("loss", 0.25, step=1)
    backend.close()
    assert tree(elsewhere) == set()


# -- the race: a folder swapped for a symlink while the backend writes ------------------------

RENAME_EXCHANGE = 2


def _renameat2_available():
    libc = ctypes.CDLL(None, use_errno=True)
    return hasattr(libc, "renameat2")


SWAPPER = textwrap.dedent(
    """
    import ctypes, os, sys
    libc = ctypes.CDLL(None, use_errno=True)
    libc.renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    AT_FDCWD = -100
    a, b = os.fsencode(sys.argv[1]), os.fsencode(sys.argv[2])
    sys.stdout.write("ready\\n"); sys.stdout.flush()
    swaps = 0
    while True:
        if libc.renameat2(AT_FDCWD, a, AT_FDCWD, b, 2) != 0:
            raise OSError(ctypes.get_errno(), "renameat2")
        swaps += 1
        if swaps % 1000 == 0 and os.path.exists(sys.argv[3]):
            break
    """
)


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux") or not _renameat2_available(), reason="needs Linux renameat2")
def test_racing_a_folder_against_a_symlink_puts_nothing_outside(planted, counts):
    """Another process swaps ``save_dir/vis_image/sub`` (a real folder) with a symlink to a
    folder outside, as fast as it can, while the backend writes images and scalars into
    ``sub``: a write either lands inside or fails with an error, never outside."""
    save_dir, elsewhere = planted
    writes = counts(1000, 300)
    images = save_dir / "vis_image"
    (images / "sub").mkdir(parents=True)
    (images / "decoy").symlink_to(elsewhere, target_is_directory=True)
    stop = save_dir.parent / "stop"
    swapper = subprocess.Popen(
        [sys.executable, "-c", SWAPPER, str(images / "sub"), str(images / "decoy"), str(stop)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert swapper.stdout.readline() == "ready\n"
    backend = LocalVisBackend(str(save_dir))
    done = refused = 0
    try:
        for i in range(writes):
            try:
                if i % 2:
                    backend.add_image("sub/img", IMAGE, step=i)
                else:
                    backend.add_scalars({"i": i}, step=i, file_path="vis_image/sub/log.json")
                done += 1
            except PermissionError:
                refused += 1
    finally:
        stop.touch()
        swapper.wait(timeout=60)
        backend.close()
    assert swapper.returncode == 0, swapper.stderr.read()
    assert tree(elsewhere) == set(), f"{len(tree(elsewhere))} entries written outside save_dir"
    assert done > 0 and refused > 0, (done, refused)  # the race really happened both ways
    (real,) = [f for f in (images / "sub", images / "decoy") if not f.is_symlink()]
    pngs = list(real.glob("img_*.png"))
    rows = [json.loads(line) for line in (real / "log.json").read_text().splitlines()]
    assert len(pngs) + len(rows) == done  # every write that returned is there, whole
    sys.stdout.write(f"{writes} writes: {done} inside, {refused} refused, 0 outside\n")

