"""Nothing recorded is lost when the process dies (issue 7 §3): real subprocesses, SIGKILL."""
import glob
import json
import os
import signal
import subprocess
import sys
import textwrap

import cv2
import pytest

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_child(code, *args, **kwargs):
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *map(str, args)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **kwargs,
    )


def read_lines(path):
    with open(path, "rb") as handle:
        data = handle.read()
    assert data.endswith(b"\n"), "last line is incomplete"
    return [json.loads(line) for line in data.splitlines()]


def test_sigkill_right_after_add_scalars_keeps_every_line(tmp_path):
    child = run_child(
        """
        import os, signal, sys
        from scenevis.backends import LocalVisBackend
        backend = LocalVisBackend(sys.argv[1])
        for i in range(2000):
            backend.add_scalars({"loss": i * 0.5, **{f"p{j}": j for j in range(i % 70)}}, step=i, file_path="extra.json")
        os.kill(os.getpid(), signal.SIGKILL)
        """,
        tmp_path,
    )
    child.communicate(timeout=120)
    assert child.returncode == -signal.SIGKILL
    for name in ("scalars.json", "extra.json"):
        rows = read_lines(tmp_path / name)
        assert [row["step"] for row in rows] == list(range(2000))
        assert rows[-1] == {"loss": 999.5, **{f"p{j}": j for j in range(1999 % 70)}, "step": 1999}


def test_sigkill_at_a_random_moment_leaves_complete_lines(tmp_path):
    child = run_child(
        """
        import sys
        from scenevis.backends import LocalVisBackend
        backend = LocalVisBackend(sys.argv[1])
        i = 0
        while True:
            backend.add_scalars({"value": i, **{f"p{j}": 0.5 for j in range(300)}}, step=i)  # ~3 KB lines
            if i % 50 == 0:
                sys.stdout.write(f"{i}\\n")
                sys.stdout.flush()
            i += 1
        """,
        tmp_path,
    )
    reported = []
    for line in child.stdout:
        reported.append(int(line))
        if len(reported) == 40:
            break
    child.send_signal(signal.SIGKILL)
    child.communicate(timeout=60)
    rows = read_lines(tmp_path / "scalars.json")
    assert [row["step"] for row in rows] == list(range(len(rows)))  # no torn or missing line
    assert len(rows) > reported[-1]  # every call that had returned is there


def test_sigkill_during_image_writes_never_leaves_a_truncated_png(tmp_path):
    child = run_child(
        """
        import sys
        import numpy as np
        from scenevis.backends import LocalVisBackend
        backend = LocalVisBackend(sys.argv[1])
        rng = np.random.default_rng(0)
        image = rng.integers(0, 256, (720, 1280, 3), dtype=np.uint8)
        i = 0
        while True:
            backend.add_image("frame", image, step=i % 3)
            sys.stdout.write(f"{i}\\n")
            sys.stdout.flush()
            i += 1
        """,
        tmp_path,
    )
    count = 0
    for _ in child.stdout:
        count += 1
        if count == 6:
            break
    child.send_signal(signal.SIGKILL)
    child.communicate(timeout=60)
    finals = sorted(glob.glob(str(tmp_path / "vis_image" / "frame_*.png")))
    assert finals, "no image written"
    for path in finals:
        decoded = cv2.imread(path)
        assert decoded is not None and decoded.shape == (720, 1280, 3), f"{path} is truncated"


def read_tensorboard_scalars(folder, tag):
    from tensorboard.backend.event_processing import event_accumulator

    acc = event_accumulator.EventAccumulator(str(folder), size_guidance={event_accumulator.SCALARS: 0})
    acc.Reload()
    return [(e.step, e.value) for e in acc.Scalars(tag)] if tag in acc.Tags()["scalars"] else []


def test_tensorboard_sigkill_right_after_add_scalars_keeps_every_event(tmp_path):
    child = run_child(
        """
        import os, signal, sys
        from scenevis.backends import TensorboardVisBackend
        backend = TensorboardVisBackend(sys.argv[1])
        for i in range(2000):
            backend.add_scalars({"loss": i * 0.5, "acc": 1.0}, step=i)
        os.kill(os.getpid(), signal.SIGKILL)
        """,
        tmp_path,
    )
    _, err = child.communicate(timeout=120)
    assert child.returncode == -signal.SIGKILL, err.decode()
    assert read_tensorboard_scalars(tmp_path, "loss") == [(i, i * 0.5) for i in range(2000)]


def test_tensorboard_sigkill_keeps_summary_writer_events_too(tmp_path):
    child = run_child(
        """
        import os, signal, sys
        from scenevis.backends import TensorboardVisBackend
        backend = TensorboardVisBackend(sys.argv[1])
        writer = backend.experiment
        for i in range(25):
            writer.add_scalar("direct", float(i), i)
            backend.add_scalar("loss", float(i), step=i)
        os.kill(os.getpid(), signal.SIGKILL)
        """,
        tmp_path,
    )
    _, err = child.communicate(timeout=120)
    assert child.returncode == -signal.SIGKILL, err.decode()
    assert read_tensorboard_scalars(tmp_path, "direct") == [(i, float(i)) for i in range(25)]
    assert read_tensorboard_scalars(tmp_path, "loss") == [(i, float(i)) for i in range(25)]
    assert len(glob.glob(str(tmp_path / "events.out.tfevents.*"))) == 1


def test_tensorboard_events_flushed_at_interpreter_exit_without_close(tmp_path):
    child = run_child(
        """
        import sys
        from scenevis.backends import TensorboardVisBackend
        backend = TensorboardVisBackend(sys.argv[1])
        writer = backend.experiment
        for i in range(50):
            backend.add_scalar("loss", float(i), step=i)
            writer.add_scalars("pair", {"a": float(i)}, i)  # torch's own queued writer, in a sub-folder
        # no close(): the exit hook must close the event file and the SummaryWriter's writers
        """,
        tmp_path,
    )
    _, err = child.communicate(timeout=120)
    assert child.returncode == 0, err.decode()
    assert [step for step, _ in read_tensorboard_scalars(tmp_path, "loss")] == list(range(50))
    assert [step for step, _ in read_tensorboard_scalars(tmp_path / "pair_a", "pair")] == list(range(50))
