"""Distributed runs (issue 5 §2): only rank 0 writes; gather=True collects every rank's scene.

Two real processes on the CPU ``gloo`` backend, started as subprocesses with a timeout so
a hang fails the test instead of blocking the suite.
"""
import json
import os
import subprocess
import sys
import textwrap
import uuid

import numpy as np
import pytest

from golden_compare import read_png
from scenevis import distributed
from scenevis.visualizer import Visualizer

WORKER = textwrap.dedent("""
    import json, os, sys
    import numpy as np
    import torch.distributed as dist

    rank, init_file, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    dist.init_process_group("gloo", init_method="file://" + init_file, rank=rank, world_size=2)
    from scenevis import distributed
    from scenevis.visualizer import Visualizer

    vis = Visualizer(name="dist", image=np.full((20, 30, 3), 40 + 100 * rank, np.uint8),
                     vis_backends=[dict(type="LocalVisBackend")], save_dir=out)
    chained = vis.draw_bboxes(np.array([1, 1, 10, 10]) + 5 * rank, edge_colors="r").draw_points(np.array([20, 10]))
    np.save(os.path.join(out, f"expected_rank{rank}.npy"), vis.get_image())
    vis.add_scalars({"rank": rank}, step=rank)
    vis.add_scalar("single", rank, step=rank)
    vis.add_image("plain", vis.get_image(), step=rank)
    vis.add_config({"from_rank": rank})
    vis.add_image("sample", step=5, gather=True)
    vis.add_image("given", np.full((4, 6, 3), 7 * (rank + 1), np.uint8), step=6, gather=True)
    vis.close()
    print(json.dumps({"rank": distributed.get_rank(), "world": distributed.get_world_size(),
                      "main": distributed.is_main_process(), "chained": chained is vis}))
    dist.barrier()
    dist.destroy_process_group()
""")


def test_two_gloo_ranks_write_once_and_gather_every_rank(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    init_file = tmp_path / f"init_{uuid.uuid4().hex}"
    env = dict(os.environ, GLOO_SOCKET_IFNAME="lo", OMP_NUM_THREADS="1")
    procs = [subprocess.Popen([sys.executable, str(script), str(rank), str(init_file), str(out)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) for rank in (0, 1)]
    results = []
    try:
        for proc in procs:
            stdout, stderr = proc.communicate(timeout=120)
            assert proc.returncode == 0, stderr[-3000:]
            results.append(json.loads(stdout.strip().splitlines()[-1]))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
    assert results == [{"rank": 0, "world": 2, "main": True, "chained": True},
                       {"rank": 1, "world": 2, "main": False, "chained": True}]
    root = out / "vis_data"
    # Only rank 0 wrote: one line per call, nothing from rank 1.
    lines = [json.loads(line) for line in (root / "scalars.json").read_text().splitlines()]
    assert lines == [{"rank": 0, "step": 0}, {"single": 0, "step": 0}]
    assert (root / "config.py").read_text() == "from_rank = 0\n"
    images = sorted(p.name for p in (root / "vis_image").iterdir())
    assert images == ["given_rank0_6.png", "given_rank1_6.png", "plain_0.png",
                      "sample_rank0_5.png", "sample_rank1_5.png"]
    for rank in (0, 1):
        expected = np.load(out / f"expected_rank{rank}.npy")
        np.testing.assert_array_equal(read_png(root / "vis_image" / f"sample_rank{rank}_5.png"), expected)
        assert (read_png(root / "vis_image" / f"given_rank{rank}_6.png") == 7 * (rank + 1)).all()


def test_gather_in_a_single_process_records_rank0(tmp_path):
    vis = Visualizer(name=f"single_{uuid.uuid4().hex[:6]}", image=np.zeros((6, 8, 3), np.uint8),
                     vis_backends=dict(type="LocalVisBackend"), save_dir=str(tmp_path))
    vis.draw_bboxes(np.array([1, 1, 5, 5]), edge_colors="w")
    vis.add_image("only", step=2, gather=True)
    vis.close()
    np.testing.assert_array_equal(read_png(tmp_path / "vis_data" / "vis_image" / "only_rank0_2.png"), vis.get_image())


def test_gather_with_nothing_drawn_warns_and_records_nothing(tmp_path):
    vis = Visualizer(name=f"empty_{uuid.uuid4().hex[:6]}", vis_backends=dict(type="LocalVisBackend"),
                     save_dir=str(tmp_path))
    with pytest.warns(UserWarning, match="rank 0 has nothing drawn"):
        vis.add_image("nothing", gather=True)
    assert not (tmp_path / "vis_data" / "vis_image").exists()


def test_add_image_without_image_or_gather_is_an_error():
    vis = Visualizer(name=f"noimg_{uuid.uuid4().hex[:6]}")
    with pytest.raises(AssertionError, match="gather=True"):
        vis.add_image("x")


def test_rank_helpers_never_import_torch():
    code = ("import sys; from scenevis import distributed as d; "
            "print(d.get_rank(), d.get_world_size(), d.is_main_process(), d.gather_to_main(5), 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["0", "1", "True", "[5]", "False"]


def test_non_main_rank_draws_but_does_not_write_or_show(monkeypatch, tmp_path):
    log = []

    class Recorder:
        def add_scalars(self, *a, **k):
            log.append("scalars")

        def add_image(self, *a, **k):
            log.append("image")

        def close(self):
            log.append("close")

    monkeypatch.setattr(distributed, "get_rank", lambda: 1)
    vis = Visualizer(name=f"rank1_{uuid.uuid4().hex[:6]}", image=np.zeros((6, 8, 3), np.uint8), vis_backends=Recorder())
    assert vis.draw_bboxes(np.array([1, 1, 5, 5])) is vis
    vis.add_scalars({"a": 1})
    vis.add_image("x", vis.get_image())
    assert vis.show() is None
    assert log == []
