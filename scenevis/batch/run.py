"""Run one function over a stream of items on any ``concurrent.futures.Executor``.

The driver (this process) reads the items a few at a time, sends them in tasks of
several (one round trip each) and keeps at most ``window`` tasks in flight, so its
memory stays the same for 2,000 items or 20,000; the workers do the work (for records:
decode, draw, render, encode, write) and send back small results.
The executor is a local process pool by default, any ``concurrent.futures.Executor``
given (a Dask cluster's ``Client(...).get_executor()``, a thread pool...), or a Dask
scheduler's address. Each item's failure is caught in the worker and reported with the
item's index and name; the others go on unless ``fail_fast``.
"""
from __future__ import annotations

import itertools
import multiprocessing
import os
import sys
import traceback
import uuid
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Tuple

import attrs

from scenevis._png import single_threaded

__all__ = ["imap", "Outcome", "Failure", "BatchError", "default_workers"]

CHUNK = 8  # items per task on the local pool, at most
CLUSTER_CHUNK = 32  # items per task on any other executor, at most: its round trips cost more


@attrs.frozen
class Failure:
    """Item ``index`` (named ``item``: its image or path) failed with ``error``
    (``'ValueError: ...'``); ``traceback`` is the worker's."""

    index: int
    item: str
    error: str
    traceback: str = ""

    def __str__(self) -> str:
        return f"item {self.index} ({self.item}): {self.error}"


@attrs.frozen
class Outcome:
    """What became of item ``index`` (named ``item``): the function's ``value``, or its
    ``failure``."""

    index: int
    item: str
    value: Any = None
    failure: Optional[Failure] = None

    @property
    def ok(self) -> bool:
        return self.failure is None


class BatchError(RuntimeError):
    """An item failed in a ``fail_fast`` batch; ``failure`` says which and how."""

    def __init__(self, failure: Failure):
        super().__init__(f"{failure}\n{failure.traceback}".rstrip())
        self.failure = failure


def default_workers() -> int:
    """The cores this process may use (its CPU affinity where the system tells)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _call(fn: Callable, item: Any) -> Tuple[bool, Any]:
    """Runs in the worker: ``(True, value)`` or ``(False, (error, traceback))``."""
    try:
        return True, fn(item)
    except Exception as err:
        return False, (f"{type(err).__name__}: {err}", traceback.format_exc())


@attrs.frozen
class _Chunk:
    """A task: ``fn`` and the items it runs on, one round trip.

    Every task is an action of its own, never equal to another. A Dask client names a
    task by a hash of what it is given and hands a task named as one in flight that
    one's result without running it (so eight equal items ran ``fn`` once), and to hash
    the items it pickles and unpickles each twice: a W8 round's records took its driver
    40 ms. ``__dask_tokenize__`` gives each task a name of its own instead."""

    fn: Callable
    items: List[Any]
    token: str = attrs.field(factory=lambda: uuid.uuid4().hex)

    def __dask_tokenize__(self) -> Tuple[str, str]:
        return "scenevis.batch", self.token


def _call_chunk(chunk: _Chunk) -> List[Tuple[bool, Any]]:
    """Runs in the worker: :func:`_call` of each item, in order."""
    with single_threaded():  # each worker is one core's worth of work
        return [_call(chunk.fn, item) for item in chunk.items]


def describe(item: Any) -> str:
    """A short name for an item in reports: its ``image`` path (records), the path
    itself, or its type and a cut repr."""
    image = getattr(item, "image", None)
    if isinstance(image, str):
        return image
    if isinstance(item, (str, os.PathLike)):
        return os.fspath(item)
    text = repr(item)
    return text if len(text) <= 80 else text[:77] + "..."


class _LocalPool:
    """The default executor: a process pool of ``workers``, forked where the system can
    (workers then start at once, sharing the already imported modules), that is made
    anew when a worker dies so the items it held can run again. ``prepare`` (or None)
    runs here first when the workers are forked, so they inherit what it loads."""

    def __init__(self, workers: int, prepare: Optional[Callable[[], None]] = None):
        self.workers = workers
        self.forks = "fork" in multiprocessing.get_all_start_methods()
        if self.forks and prepare is not None:
            prepare()
        self.pool = self._start()

    def _start(self) -> ProcessPoolExecutor:
        if self.forks:
            return ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("fork"))
        return ProcessPoolExecutor(self.workers)

    def submit(self, *args: Any) -> Future:
        return self.pool.submit(*args)

    def renew(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.pool = self._start()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def _check_count(value: Any, name: str) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name}: expected an integer >= 1, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name}: expected an integer >= 1, got {value!r}")


def _check_executor(executor: Any, workers: Any) -> None:
    _check_count(workers, "workers")
    if executor is None:
        return
    if workers is not None:
        raise TypeError("workers: sizes the local pool only; with executor= given, size that executor instead")
    if not isinstance(executor, (str, Executor)):
        raise TypeError(f"executor: expected a concurrent.futures.Executor, a scheduler address such as "
                        f"'tcp://host:8786', or None for a local process pool; got {type(executor).__name__}")


def _executor(executor: Any, workers: Optional[int], fn: Callable) -> Tuple[Any, Optional[Callable[[], None]], int]:
    """``(executor, close or None, slots)`` for a checked ``executor=`` argument: slots is
    how many items it runs at once (8 when it does not say)."""
    if executor is None:
        prepare = getattr(fn, "prepare", None)
        pool = _LocalPool(workers or default_workers(), prepare if callable(prepare) else None)
        return pool, pool.close, pool.workers
    if isinstance(executor, str):
        from scenevis.batch.cluster import address_executor

        return address_executor(executor)
    size = getattr(executor, "_max_workers", None)  # process and thread pools say how many they run
    if not isinstance(size, int) or size <= 0:
        client = getattr(executor, "_client", None)  # a Dask client's executor
        threads = getattr(client, "nthreads", None)
        size = sum(threads().values()) if callable(threads) else 8
    return executor, None, max(size, 1)


def _chunk(tasks: int, remaining: Optional[int], slots: int, most: int) -> int:
    """Items in the next task, after ``tasks`` were sent: few in the first ``slots``
    tasks, so every worker starts at once (a cluster's first task of 32 records started
    100 ms after one of 4), twice as many with each further ``slots`` tasks up to
    ``most``, and fewer again as the ``remaining`` items (when known) run out, so that
    the ``slots`` finish together."""
    size = min(most, max(1, most // 8) << (tasks // slots))
    if remaining is None:
        return size
    return max(1, min(size, remaining // (2 * slots)))


def imap(fn: Callable[[Any], Any], items: Iterable[Any], *, executor: Any = None, workers: Optional[int] = None,
         window: Optional[int] = None, chunk: Optional[int] = None, fail_fast: bool = False, progress: bool = True,
         desc: str = "scenevis") -> Iterator[Outcome]:
    """``fn(item)`` for every item, on ``executor``; yields an :class:`Outcome` per item
    as each finishes (not in order).

    ``fn`` must be picklable (a module-level function or an instance of a module-level
    class) and ``items`` any iterable, read lazily. The items go to the workers in tasks
    of ``chunk`` items, each task one round trip, and at most ``window`` tasks are in
    flight (default: twice the workers). By default a task holds up to :data:`CHUNK`
    items on the local pool and :data:`CLUSTER_CHUNK` on any other executor (each round
    trip costs the driver CPU time, and on a Dask cluster its scheduler and workers
    more), fewer in each worker's first task so all start at once and toward the end so
    they finish together. ``executor`` is None
    (a local process pool of ``workers`` processes, default: every core this process may
    use), any ``concurrent.futures.Executor`` (not shut down here), or a Dask scheduler's
    address (a client is made and closed here). A failing item yields an Outcome with its
    ``failure`` (index, name, error, the worker's traceback) and the rest go on; with
    ``fail_fast`` the first failure raises :class:`BatchError` and the items still in
    flight are cancelled. When a worker of the local pool dies, the pool is made anew
    and the items it held run once more, one per task. When ``fn`` has a ``prepare()``
    method and the local pool forks its workers, it is called here once first, so the
    workers start with what it loads (modules, caches) instead of each loading it.
    ``progress`` shows a tqdm bar on stderr, and each failure above it as it happens.
    """
    if not callable(fn):
        raise TypeError(f"fn: expected a callable taking one item, got {type(fn).__name__}")
    if isinstance(items, (str, bytes)) or not isinstance(items, Iterable):
        raise TypeError(f"items: expected an iterable of items, got {type(items).__name__}")
    _check_count(window, "window")
    _check_count(chunk, "chunk")
    _check_executor(executor, workers)
    total = len(items) if hasattr(items, "__len__") else None  # type: ignore[arg-type]
    return _drive(fn, items, executor, workers, window, chunk, fail_fast, progress, desc, total)


_Entry = Tuple[int, str, Any]  # an item in flight: (index, name, item)


def _drive(fn: Callable, items: Iterable, executor: Any, workers: Optional[int], window: Optional[int],
           chunk: Optional[int], fail_fast: bool, progress: bool, desc: str, total: Optional[int]) -> Iterator[Outcome]:
    from scenevis.batch.progress import progress_bar

    target, close, slots = _executor(executor, workers, fn)
    limit = window or 2 * slots
    most = CHUNK if isinstance(target, _LocalPool) else CLUSTER_CHUNK
    sent = tasks = 0
    source = ((index, describe(item), item) for index, item in enumerate(items))
    in_flight: Dict[Future, Tuple[List[_Entry], int]] = {}  # future -> (its items, tries)
    bar = None
    try:
        exhausted = False
        while True:
            while not exhausted and len(in_flight) < limit:
                size = chunk or _chunk(tasks, None if total is None else total - sent, slots, most)
                entries = list(itertools.islice(source, size))
                exhausted = len(entries) < size
                sent += len(entries)
                tasks += 1
                if entries:
                    in_flight[target.submit(_call_chunk, _Chunk(fn, [item for _, _, item in entries]))] = (entries, 1)
            if bar is None:  # after the first submissions: a forked pool has started its workers
                bar = progress_bar(total, desc, progress)
            if not in_flight:
                break
            done, _ = wait(list(in_flight), return_when=FIRST_COMPLETED)
            died: List[Tuple[List[_Entry], int]] = []
            for future in done:
                entries, tries = in_flight.pop(future)
                try:
                    results = future.result()
                except BrokenProcessPool as err:
                    if isinstance(target, _LocalPool):
                        died.append((entries, tries))
                        continue
                    results = [(False, (f"BrokenProcessPool: {err}", ""))] * len(entries)
                except Exception as err:  # the executor could not run it (pickling, a lost worker...)
                    results = [(False, (f"{type(err).__name__}: {err}", traceback.format_exc()))] * len(entries)
                for (index, name, _), (ok, value) in zip(entries, results):
                    yield from _report(index, name, ok, value, bar, desc, fail_fast)
            if died:  # only the local pool breaks: run what it held once more on a new one, an item per task
                died.extend(in_flight.pop(future) for future in list(in_flight))
                target.renew()
                for entries, tries in died:
                    for index, name, item in entries:
                        if tries >= 2:
                            yield from _report(index, name, False, (
                                "BrokenProcessPool: a worker process died while it ran, twice", ""), bar, desc,
                                fail_fast)
                        else:
                            in_flight[target.submit(_call_chunk, _Chunk(fn, [item]))] = ([(index, name, item)], tries + 1)
    finally:
        for future in in_flight:
            future.cancel()
        if bar is not None:
            bar.close()
        if close is not None:
            close()


def _report(index: int, name: str, ok: bool, value: Any, bar: Any, desc: str, fail_fast: bool) -> Iterator[Outcome]:
    bar.update(1)
    if ok:
        yield Outcome(index, name, value)
        return
    failure = Failure(index, name, *value)
    bar.write(f"{desc}: {failure}", file=sys.stderr)
    if fail_fast:
        raise BatchError(failure)
    yield Outcome(index, name, None, failure)
