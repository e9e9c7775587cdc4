"""Many distinct file_path= targets keep a small, bounded number of files open (issue 12 §2).

Before, each distinct ``file_path`` kept its descriptor until ``close()``: with the usual
limit of 1,024 descriptors the 1,019th name failed with EMFILE and took ``add_image`` down.
"""
import json
import os
import subprocess
import sys
import textwrap

import pytest

from scenevis.backends import LocalVisBackend

pytestmark = pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts /proc/self/fd")


def open_descriptors():
    return len(os.listdir("/proc/self/fd"))


def test_two_thousand_file_paths_keep_few_descriptors_open(tmp_path):
    backend = LocalVisBackend(str(tmp_path))
    backend.add_scalars({"warm": 1}, step=0)
    before = open_descriptors()
    peak = before
    for i in range(2000):
        backend.add_scalars({"i": i}, step=i, file_path=f"per_name/{i}.json")
        peak = max(peak, open_descriptors())
    assert peak - before <= 16, f"{peak - before} descriptors held open"
    for i in (0, 999, 1999):  # every file got its line, reopened in append mode as needed
        backend.add_scalars({"again": i}, step=i, file_path=f"per_name/{i}.json")
    backend.close()
    for i in (0, 999, 1999):
        rows = [json.loads(line) for line in (tmp_path / "per_name" / f"{i}.json").read_text().splitlines()]
        assert rows == [{"i": i, "step": i}, {"again": i, "step": i}]
    assert len((tmp_path / "scalars.json").read_text().splitlines()) == 2004


def test_a_low_descriptor_limit_does_not_break_images(tmp_path):
    """Under ``ulimit -n 64`` 500 distinct file_path names and images all succeed."""
    code = textwrap.dedent(
        """
        import resource, sys
        import numpy as np
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
        from scenevis.backends import LocalVisBackend
        backend = LocalVisBackend(sys.argv[1])
        for i in range(500):
            backend.add_scalars({"i": i}, step=i, file_path=f"n/{i}.json")
            if i % 50 == 0:
                backend.add_image("img", np.zeros((4, 4, 3), np.uint8), step=i)
        backend.close()
        """
    )
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert len(os.listdir(tmp_path / "n")) == 500 and len(os.listdir(tmp_path / "vis_image")) == 10
