"""scenevis.batch: records streamed to workers that draw them (issue 19 §3), on the local pool.

The Dask runs are in test_batch_dask.py.
"""
import os
import signal
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor

import attrs
import numpy as np
import pytest

import scenevis as sv
from dataset_files import coco_instances, coco_results, write_jpeg
from golden_compare import read_png
from scenevis import batch, datasets


@pytest.fixture
def dataset(tmp_path):
    ds = datasets.read_coco(coco_instances(tmp_path / "data", images=6), tmp_path / "data" / "images")
    return ds.with_predictions(datasets.read_coco_results(coco_results(tmp_path / "data"), ds))


def files(root):
    return sorted(os.path.relpath(os.path.join(parent, name), root)
                  for parent, _, names in os.walk(root) for name in names)


def test_every_record_is_drawn_by_a_worker_as_it_would_be_here(tmp_path, dataset, capsys):
    report = batch.render_records(dataset, tmp_path / "out", workers=2, formats=("png", "svg"))
    assert report.done == 6 and report.ok
    assert files(tmp_path / "out") == sorted([f"img{i}.{ext}" for i in range(1, 6) for ext in ("png", "svg")]
                                             + ["sub/img0.png", "sub/img0.svg"])
    for record in dataset:
        np.testing.assert_array_equal(read_png(tmp_path / "out" / f"{record.key}.png"),
                                      sv.render(datasets.record_scene(record)))
    assert "6/6" in capsys.readouterr().err  # tqdm's bar
    one = batch.render_records(dataset, tmp_path / "one", workers=1, progress=False)
    assert one.done == 6
    for name in files(tmp_path / "one"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "out" / name).read_bytes()


def test_a_records_svg_embeds_its_jpeg_file_as_it_is(tmp_path, dataset):
    """The photo in a record's SVG is the record's own JPEG file, byte for byte (its
    exact pixels, nothing encoded again); the SVG's digest is still its scene's."""
    import base64
    import re

    batch.render_records(dataset, tmp_path / "out", workers=1, formats=("svg",), progress=False, view="gt")
    for record in dataset:
        text = (tmp_path / "out" / f"{record.key}.svg").read_text()
        photos = re.findall(r'<image id="image-0" width="\d+" height="\d+" href="data:image/jpeg;base64,([^"]+)"', text)
        assert len(photos) == 1 and base64.b64decode(photos[0]) == open(record.image, "rb").read()
        assert datasets.record_scene(record, view="gt").digest() in text


def test_imap_yields_each_outcome_with_what_the_worker_sent_back(tmp_path, dataset):
    task = batch.RenderRecord(tmp_path / "out", view="gt")
    outcomes = sorted(batch.imap(task, iter(list(dataset)), workers=2, progress=False), key=lambda o: o.index)
    assert [o.index for o in outcomes] == list(range(6)) and all(o.ok for o in outcomes)
    first = outcomes[0].value
    assert attrs.evolve(first, matches=None) == batch.Rendered(
        0, "sub/img0", (str(tmp_path / "out" / "sub" / "img0.png"),), datasets.Errors(tp=1, fp=2, fn=1), (0, 1),
        size=(96, 72))
    assert first.matches.errors(0.3) == first.errors  # how each prediction matched, for the whole set's evaluation
    assert outcomes[0].item == dataset[0].image


def test_a_failing_record_is_reported_with_its_index_and_image_and_the_rest_go_on(tmp_path, dataset, capsys):
    os.remove(dataset[2].image)
    write_jpeg(dataset[4].image, width=50)  # not the size the annotations give
    report = batch.render_records(dataset, tmp_path / "out", workers=2)
    assert report.done == 4
    failures = sorted(report.failures, key=lambda f: f.index)
    assert [(f.index, f.item) for f in failures] == [(2, dataset[2].image), (4, dataset[4].image)]
    assert failures[0].error.startswith("FileNotFoundError: ") and "Traceback" in failures[0].traceback
    assert failures[1].error == (f"ValueError: {dataset[4].image}: the image is 50x72 but its annotations say "
                                 "96x72 (width x height)")
    assert f"item 2 ({dataset[2].image}): FileNotFoundError" in capsys.readouterr().err
    assert files(tmp_path / "out") == ["img1.png", "img3.png", "img5.png", "sub/img0.png"]


def test_fail_fast_stops_at_the_first_failure(tmp_path, dataset):
    os.remove(dataset[0].image)
    with pytest.raises(batch.BatchError, match=r"item 0 \(.*img0.jpg\): FileNotFoundError") as info:
        batch.render_records(dataset, tmp_path / "out", workers=1, fail_fast=True, progress=False)
    assert info.value.failure.index == 0
    assert len(files(tmp_path / "out")) < 6


def test_a_key_that_would_leave_the_output_folder_fails_that_record_only(tmp_path, dataset):
    records = list(dataset)
    records[1] = datasets.Record(1, "../escaped", records[1].image, 96, 72, records[1].gt, records[1].meta)
    report = batch.render_records(records, tmp_path / "out", workers=1, progress=False)
    assert report.done == 5 and report.failures[0].error.startswith("ValueError: record.key: expected a relative name")
    assert not (tmp_path / "escaped.png").exists()


class CountingPool(ThreadPoolExecutor):
    """A thread pool that keeps how many items each task it ran held."""

    def __init__(self, workers):
        super().__init__(workers)
        self.tasks = []

    def submit(self, fn, *args):
        self.tasks.append(len(args[-1].items))
        return super().submit(fn, *args)


def halve(n):
    if n == 13:
        raise ValueError("13 is unlucky")
    return n // 2


def test_items_go_to_an_executor_in_tasks_of_several_and_each_gives_its_own_outcome():
    """A task's round trip costs a Dask cluster milliseconds: items travel several to a
    task, few in each worker's first task so all start at once, more after, fewer toward
    the end so the workers finish together; a failing item fails alone."""
    with CountingPool(2) as pool:
        outcomes = sorted(batch.imap(halve, range(100), executor=pool, progress=False), key=lambda o: o.index)
    assert [o.index for o in outcomes] == list(range(100))
    assert [o.value for o in outcomes if o.ok] == [n // 2 for n in range(100) if n != 13]
    assert outcomes[13].failure.error == "ValueError: 13 is unlucky"
    assert sum(pool.tasks) == 100 and pool.tasks[:5] == [4, 4, 8, 8, 16] and pool.tasks[-3:] == [1, 1, 1]
    assert len(pool.tasks) < 25
    with CountingPool(2) as pool:  # beside the local pool, tasks are larger: a Dask round trip costs more
        assert len(list(batch.imap(halve, range(1000), executor=pool, progress=False))) == 1000
    assert pool.tasks[:2] == [4, 4] and max(pool.tasks) == pool.tasks[6] == batch.run.CLUSTER_CHUNK == 32
    assert batch.run.CLUSTER_CHUNK > batch.run.CHUNK
    with CountingPool(2) as pool:
        assert len(list(batch.imap(halve, iter(range(10)), executor=pool, chunk=3, progress=False))) == 10
    assert pool.tasks == [3, 3, 3, 1]


def test_any_executor_and_bad_arguments(tmp_path, dataset):
    with ThreadPoolExecutor(2) as pool:
        report = batch.render_records(dataset, tmp_path / "threads", executor=pool, progress=False)
        assert report.done == 6
        assert pool.submit(lambda: 5).result() == 5  # not shut down: it is the caller's
    with pytest.raises(TypeError, match="workers: sizes the local pool only"):
        batch.render_records(dataset, tmp_path / "x", executor=ThreadPoolExecutor(1), workers=2)
    with pytest.raises(TypeError, match="executor: expected a concurrent.futures.Executor, a scheduler address"):
        batch.imap(len, [], executor=4)
    with pytest.raises(ValueError, match="workers: expected an integer >= 1, got 0"):
        batch.imap(len, [], workers=0)
    with pytest.raises(TypeError, match="window: expected an integer >= 1, got str"):
        batch.imap(len, [], window="8")
    with pytest.raises(ValueError, match="chunk: expected an integer >= 1, got 0"):
        batch.imap(len, [], chunk=0)
    with pytest.raises(TypeError, match="items: expected an iterable of items, got str"):
        batch.imap(len, "abc")
    with pytest.raises(ValueError, match=r"formats: expected some of \['png', 'jpg', 'svg', 'pdf'\], got 'gif'"):
        batch.render_records(dataset, tmp_path / "x", formats="gif")
    with pytest.raises(ValueError, match="formats: expected at least one of png, jpg, svg, pdf when no thumbnail"):
        batch.render_records(dataset, tmp_path / "x", formats=())
    with pytest.raises(ValueError, match="thumb: expected the thumbnail's longer side in pixels"):
        batch.RenderRecord(tmp_path / "x", thumb=-1)
    with pytest.raises(ValueError, match="view: expected one of"):
        batch.RenderRecord(tmp_path, view="nope")


PREPARED = []  # pids of the processes a Prepared task was prepared in


@attrs.frozen
class Prepared:
    """A task whose ``prepare`` leaves a mark its workers can see only by inheriting it."""

    def prepare(self):
        PREPARED.append(os.getpid())

    def __call__(self, n):
        return n, os.getpid(), list(PREPARED)


def test_a_task_is_prepared_once_in_the_driver_before_the_local_pool_forks():
    PREPARED.clear()
    outcomes = list(batch.imap(Prepared(), range(6), workers=2, progress=False))
    assert PREPARED == [os.getpid()]
    assert sorted(o.value[0] for o in outcomes) == list(range(6))
    assert all(o.value[1] != os.getpid() and o.value[2] == [os.getpid()] for o in outcomes)
    PREPARED.clear()
    with ThreadPoolExecutor(1) as pool:  # not forked from here: nothing to inherit
        assert [o.value[2] for o in batch.imap(Prepared(), range(2), executor=pool, progress=False)] == [[], []]
    assert PREPARED == []


def test_a_render_task_prepares_what_its_workers_would_load():
    """What RenderRecord.prepare loads is what drawing a record to SVG with a thumbnail
    imports: the workers find it loaded."""
    script = textwrap.dedent("""
        import sys
        from scenevis import batch
        task = batch.RenderRecord("out", formats=("svg",), thumb=64)
        wanted = ("scenevis.renderer.svg", "scenevis.renderer.painter", "PIL.JpegImagePlugin", "cairo")
        before = [name for name in wanted if name in sys.modules]
        task.prepare()
        print(before, [name for name in wanted if name not in sys.modules], batch.records._version.cache_info().currsize)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.split("\n")[0] == "[] [] 1"


def die_once(marker):
    """Kills the worker running it the first time (a crash, an OOM kill), then works."""
    if not os.path.exists(marker):
        open(marker, "w").close()
        os.kill(os.getpid(), signal.SIGKILL)
    return os.getpid()


def die_always(_):
    os.kill(os.getpid(), signal.SIGKILL)


def test_a_worker_dying_on_the_local_pool_costs_nothing(tmp_path):
    """The pool breaks when a worker dies; it is made anew and every item still gives one
    outcome."""
    markers = [str(tmp_path / f"marker{i}") if i == 3 else os.devnull for i in range(8)]
    outcomes = list(batch.imap(die_once, markers, workers=2, progress=False))
    assert sorted(o.index for o in outcomes) == list(range(8)) and all(o.ok for o in outcomes)
    (outcome,) = batch.imap(die_always, [0], workers=1, progress=False)
    assert outcome.failure.error == "BrokenProcessPool: a worker process died while it ran, twice"


DRIVER = textwrap.dedent("""
    import sys
    import numpy as np
    from scenevis import batch, datasets

    def records(n, image):
        meta = datasets.DatasetMeta(("a", "b"), (0, 1))
        rng = np.random.default_rng(0)
        for i in range(n):
            xy = rng.uniform(0, 500, (20, 2))
            gt = datasets.Annotations(np.concatenate([xy, xy + 20], axis=1), rng.integers(0, 2, 20))
            yield datasets.Record(i, f"r{i}", image, 640, 480, gt, meta)

    def count_boxes(record):
        return len(record.gt)

    if __name__ == "__main__":
        n, image = int(sys.argv[1]), sys.argv[2]
        total = sum(o.value for o in batch.imap(count_boxes, records(n, image), workers=2, progress=False))
        assert total == 20 * n, total
        # This process's own peak (ru_maxrss would carry over the parent's peak across exec).
        print(next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM:")))
""")


def test_the_drivers_memory_is_flat_in_the_number_of_records(tmp_path):
    """20,000 records through the local pool cost the driver no more memory than 2,000."""
    script = tmp_path / "driver.py"
    script.write_text(DRIVER)
    peaks = {}
    for n in (2_000, 20_000):
        out = subprocess.run([sys.executable, str(script), str(n), "img.jpg"], capture_output=True, text=True,
                             timeout=300, cwd=tmp_path, env=dict(os.environ, PYTHONPATH=str(tmp_path)))
        assert out.returncode == 0, out.stderr[-2000:]
        peaks[n] = int(out.stdout.split()[-1])  # KiB
    assert peaks[20_000] <= peaks[2_000] + 2048, peaks


def test_temporary_files_of_writes_cut_short_are_removed_at_the_end(tmp_path, dataset):
    """A worker killed between creating its temporary file and renaming it leaves the file
    behind; render_records removes those made during its run, and only those."""
    out = tmp_path / "out"
    out.mkdir()
    old = out / ".scenevis-1-old.tmp"
    old.write_bytes(b"")
    os.utime(old, (0, 0))  # from some earlier run: not ours to remove
    records = list(dataset)

    class CutShort(list):
        def __iter__(self):
            for i, record in enumerate(super().__iter__()):
                if i == 3:  # while the batch runs, as a dying worker would leave it
                    (out / ".scenevis-2-cut.tmp").write_bytes(b"half a png")
                yield record

    report = batch.render_records(CutShort(records), out, workers=1, progress=False)
    assert report.done == 6
    assert files(out) == [".scenevis-1-old.tmp", "img1.png", "img2.png", "img3.png", "img4.png", "img5.png",
                          "sub/img0.png"]


def test_a_redraw_cut_short_never_leaves_the_old_stamp_beside_new_files(tmp_path, dataset, monkeypatch):
    """A record redrawn for new inputs and stopped after its picture but before its stamp
    (the worker killed there; the failure is injected at that point because a real kill
    cannot be timed to land between two files) must not keep the stamp of the old
    inputs: a later --resume with the old inputs would skip it and keep the new picture."""
    from scenevis.batch import records as records_module

    record = dataset[1]
    task = records_module.RenderRecord(tmp_path / "out", view="gt", formats=("png",), stamps=True, resume=True)
    assert not task(record).resumed
    first = (tmp_path / "out" / f"{record.key}.png").read_bytes()
    assert task(record).resumed  # unchanged: skipped

    relabelled = (record.gt.labels + 1) % len(record.meta.classes)
    moved = attrs.evolve(record, gt=attrs.evolve(record.gt, labels=relabelled))
    write = records_module.atomic_write

    def stop_before_the_stamp(path, data):
        if path.endswith(".done"):
            raise KeyboardInterrupt("the worker stops here")
        write(path, data)

    monkeypatch.setattr(records_module, "atomic_write", stop_before_the_stamp)
    with pytest.raises(KeyboardInterrupt):
        task(moved)
    monkeypatch.setattr(records_module, "atomic_write", write)
    assert (tmp_path / "out" / f"{record.key}.png").read_bytes() != first  # the new inputs' picture

    again = task(record)  # the old inputs again, with --resume
    assert not again.resumed
    assert (tmp_path / "out" / f"{record.key}.png").read_bytes() == first
