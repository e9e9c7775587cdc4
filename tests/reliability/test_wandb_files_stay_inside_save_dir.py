"""W&B writes nothing outside save_dir (issue 12 §2).

Before, wandb-core's debug logs went to ``~/.cache/wandb/logs`` and ``add_config`` with
``log_code_name`` left a copy of the training script in
``~/.local/share/wandb/artifacts/staging`` after ``close()``.
"""
import os
import subprocess
import sys
import textwrap

import pytest

from test_writes_stay_inside_save_dir import tree


WANDB_CHILD = textwrap.dedent(
    """
    import sys
    import numpy as np
    from scenevis.backends import WandbVisBackend
    backend = WandbVisBackend(sys.argv[1], log_code_name="code")
    backend.add_scalars({"a": 1.0}, step=1)
    backend.add_image("img", np.zeros((4, 4, 3), np.uint8), step=1)
    backend.add_config({"lr": 0.1})  # stages a copy of train.py for the code artifact
    backend.close()
    """
)


def test_wandb_writes_nothing_outside_save_dir(tmp_path):
    """A fresh process with its own HOME and TMPDIR: after an offline run with images and
    ``log_code``, only ``save_dir`` holds files; wandb-core's debug logs and the staged copy
    of the code are in the run's folder (W&B's defaults are ``~/.cache/wandb/logs`` and
    ``~/.local/share/wandb/artifacts/staging``)."""
    pytest.importorskip("wandb")
    home, tmp, work, save_dir = (tmp_path / name for name in ("home", "tmp", "work", "run"))
    for folder in (home, tmp, work):
        folder.mkdir()
    (work / "train.py").write_text("print('training')\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WANDB_", "XDG_"))}
    env.update(HOME=str(home), TMPDIR=str(tmp), WANDB_MODE="offline", WANDB_SILENT="true")
    done = subprocess.run([sys.executable, "-c", WANDB_CHILD, str(save_dir)], cwd=work, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert tree(home) == set() and tree(tmp) == set()
    assert tree(work) == {"train.py"}
    written = tree(save_dir)
    assert any(p.startswith("wandb/logs/core-debug-") for p in written), sorted(written)
    staged = [p for p in written if "/tmp/scenevis-data/artifacts/staging/" in p and os.path.isfile(save_dir / p)]
    assert any((save_dir / p).read_text() == "print('training')\n" for p in staged)
    assert not [p for p in written if ".scenevis-wandb-" in p]  # the temporary PNG folders are gone
