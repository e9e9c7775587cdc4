"""Every script under examples/ runs to completion (CI runs them), writing under a temp dir.

Scripts that draw pictures for the docs run in tests/test_docs.py instead, which also
compares what they draw with docs/img."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from docs_tool import docs

EXAMPLES = sorted(set((docs.ROOT / "examples").glob("*.py")) - set(docs.EXAMPLES))


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(script, tmp_path):
    done = subprocess.run([sys.executable, str(script), "--out", str(tmp_path)], capture_output=True, text=True,
                          timeout=300, env={**os.environ, "WANDB_MODE": "offline", "MPLBACKEND": "Agg"})
    assert done.returncode == 0, done.stderr[-3000:]
    written = [Path(line) for line in done.stdout.split() if line.endswith((".png", ".svg", ".pdf", ".mp4", ".gif"))]
    assert written, f"{script.name} printed no output paths"
    for path in written:
        assert path.exists() and path.stat().st_size > 0, path
