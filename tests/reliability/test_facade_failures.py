"""The facade keeps recording when a backend fails (reliability §3 and §4), with real backends.

A backend is made to fail for real: its ``save_dir`` is a path below an existing *file*,
so creating its folder raises ``NotADirectoryError`` on first use, exactly as a full or
read-only disk would surface.
"""
import json
import threading
import uuid
import warnings

import numpy as np
import pytest

from scenevis.visualizer import Visualizer


def unique():
    return f"fail_{uuid.uuid4().hex[:8]}"


@pytest.fixture
def broken_dir(tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where a folder should be")
    return str(blocker / "run")


def read_lines(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_a_broken_local_backend_does_not_stop_the_others_or_the_loop(tmp_path, broken_dir):
    good = tmp_path / "good"
    vis = Visualizer(name=unique(), vis_backends=[
        dict(type="LocalVisBackend", name="broken", save_dir=broken_dir),
        dict(type="LocalVisBackend", name="good", save_dir=str(good)),
        dict(type="TensorboardVisBackend", name="tb_broken", save_dir=broken_dir)])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for step in range(50):
            vis.add_scalars({"loss": 1.0 / (step + 1)}, step=step)
        vis.add_image("img", np.zeros((8, 8, 3), np.uint8), step=1)
        vis.close()
    failures = [w for w in caught if issubclass(w.category, RuntimeWarning) and "failed" in str(w.message)]
    assert sorted(str(w.message).split("'")[1] for w in failures) == ["broken", "tb_broken"], [str(w.message) for w in failures]
    assert all("Error" in str(w.message) for w in failures)
    assert [line["step"] for line in read_lines(good / "scalars.json")] == list(range(50))
    assert (good / "vis_image" / "img_1.png").exists()
    assert vis.backend_failures["broken"] == 51 and "good" not in vis.backend_failures


def test_strict_mode_raises_the_backends_error(broken_dir):
    vis = Visualizer(name=unique(), strict=True, vis_backends=[dict(type="LocalVisBackend", save_dir=broken_dir)])
    with pytest.raises(OSError):
        vis.add_scalars({"loss": 1.0}, step=0)


def test_close_is_idempotent_and_later_calls_append(tmp_path):
    vis = Visualizer(name=unique(), save_dir=str(tmp_path), vis_backends=[
        dict(type="LocalVisBackend"), dict(type="TensorboardVisBackend")])
    vis.add_scalars({"a": 1}, step=0)
    vis.close()
    vis.close()
    vis.add_scalars({"a": 2}, step=1)  # the local backend reopens in append mode
    vis.close()
    assert read_lines(tmp_path / "vis_data" / "scalars.json") == [{"a": 1, "step": 0}, {"a": 2, "step": 1}]


def test_scalars_from_several_threads_never_interleave(tmp_path):
    vis = Visualizer(name=unique(), save_dir=str(tmp_path), vis_backends=dict(type="LocalVisBackend"))

    def work(worker):
        for i in range(200):
            vis.add_scalars({"worker": worker, "i": i, **{f"p{j}": 0.5 for j in range(10)}}, step=i)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    vis.close()
    lines = read_lines(tmp_path / "vis_data" / "scalars.json")
    assert len(lines) == 800
    assert sorted((line["worker"], line["i"]) for line in lines) == [(w, i) for w in range(4) for i in range(200)]


def test_get_instance_from_many_threads_creates_one_visualizer():
    name = unique()
    seen = []
    barrier = threading.Barrier(8)

    def grab():
        barrier.wait()
        seen.append(Visualizer.get_instance(name))

    threads = [threading.Thread(target=grab) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == 8 and all(v is seen[0] for v in seen)
