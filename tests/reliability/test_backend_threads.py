"""Backends used from several threads at once never interleave or lose data (issue 7 §4)."""
import json
import threading

import cv2
import numpy as np

from scenevis.backends import LocalVisBackend

THREADS = 6
CALLS = 600


def hammer(target, *args):
    barrier = threading.Barrier(len(args))
    errors = []

    def run(arg):
        try:
            barrier.wait()
            target(arg)
        except BaseException as err:  # surfaced below
            errors.append(err)

    threads = [threading.Thread(target=run, args=(arg,)) for arg in args]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert not any(thread.is_alive() for thread in threads)


def check_lines(path, expected_keys):
    data = path.read_bytes()
    assert data.endswith(b"\n")
    rows = [json.loads(line) for line in data.splitlines()]
    assert sorted((row["thread"], row["i"]) for row in rows) == sorted(expected_keys)
    for row in rows:
        assert padding_of(row) == padding(row["thread"], row["i"])
    return rows


def padding(t, i):
    """Numbers that make the line of call ``i`` up to ~5 KB: larger than a pipe buffer chunk."""
    return {f"p{j}": t for j in range(i % 500)}


def padding_of(row):
    return {k: v for k, v in row.items() if k.startswith("p") and k[1:].isdigit()}


def test_threads_sharing_one_backend(tmp_path):
    backend = LocalVisBackend(str(tmp_path))
    images = {t: np.full((9, 7, 3), t * 40, np.uint8) for t in range(THREADS)}

    def work(t):
        for i in range(CALLS):
            backend.add_scalars({"thread": t, "i": i, **padding(t, i)}, step=i, file_path="extra.json")
            if i % 100 == 0:
                backend.add_image(f"t{t}", images[t], step=i)

    hammer(work, *range(THREADS))
    backend.close()
    keys = [(t, i) for t in range(THREADS) for i in range(CALLS)]
    check_lines(tmp_path / "scalars.json", keys)
    check_lines(tmp_path / "extra.json", keys)
    for t in range(THREADS):
        for i in range(0, CALLS, 100):
            decoded = cv2.imread(str(tmp_path / "vis_image" / f"t{t}_{i}.png"))
            assert decoded is not None and (decoded == t * 40).all()


def test_two_backends_on_one_folder_append_whole_lines(tmp_path):
    """Two backends (e.g. two visualizers) writing the same scalars file: O_APPEND + one
    write per line keeps every line whole even without a shared lock."""
    backends = [LocalVisBackend(str(tmp_path)) for _ in range(2)]

    def work(t):
        backend = backends[t % 2]
        for i in range(CALLS):
            backend.add_scalars({"thread": t, "i": i, **padding(t, i)}, step=i)

    hammer(work, *range(4))
    for backend in backends:
        backend.close()
    check_lines(tmp_path / "scalars.json", [(t, i) for t in range(4) for i in range(CALLS)])


def test_close_racing_with_writers_loses_nothing(tmp_path):
    backend = LocalVisBackend(str(tmp_path))
    stop = threading.Event()

    def closer(_):
        while not stop.is_set():
            backend.close()

    def writer(t):
        for i in range(CALLS):
            backend.add_scalars({"thread": t, "i": i}, step=i)

    def work(role):
        if role == "close":
            closer(role)
        else:
            try:
                writer(role)
            finally:
                stop.set()

    hammer(work, "close", 0)
    backend.close()
    rows = [json.loads(line) for line in (tmp_path / "scalars.json").read_bytes().splitlines()]
    assert [row["i"] for row in rows] == list(range(CALLS))


def test_tensorboard_threads(tmp_path):
    import glob

    from tensorboard.backend.event_processing import event_accumulator

    from scenevis.backends import TensorboardVisBackend

    backend = TensorboardVisBackend(str(tmp_path))
    image = np.random.default_rng(0).integers(0, 256, (48, 64, 3), dtype=np.uint8)

    def work(t):
        if t == "experiment":  # the SummaryWriter shares the backend's event file and lock
            writer = backend.experiment
            for i in range(200):
                writer.add_scalar("experiment", float(i), i)
        elif t == "images":
            for i in range(20):
                backend.add_image("img", image, step=i)
        else:
            for i in range(200):
                backend.add_scalars({f"thread{t}": float(i), "pad": 1.0}, step=i)

    hammer(work, *range(4), "experiment", "images")
    backend.close()
    assert len(glob.glob(str(tmp_path / "events.out.tfevents.*"))) == 1
    acc = event_accumulator.EventAccumulator(str(tmp_path), size_guidance={
        event_accumulator.SCALARS: 0, event_accumulator.IMAGES: 0})
    acc.Reload()
    for tag in [f"thread{t}" for t in range(4)] + ["experiment"]:
        events = acc.Scalars(tag)
        assert [e.step for e in events] == list(range(200))
        assert [e.value for e in events] == [float(i) for i in range(200)]
    images = acc.Images("img")
    assert [e.step for e in images] == list(range(20))
    for event in images:
        decoded = cv2.imdecode(np.frombuffer(event.encoded_image_string, np.uint8), cv2.IMREAD_COLOR)
        assert np.array_equal(decoded[..., ::-1], image)
