"""Executors on clusters: a Dask scheduler's address, and Ray.

The one module that imports Dask or Ray, and only when asked: a batch given a Dask
scheduler's address (``executor="tcp://host:8786"``), or a :class:`RayExecutor` made. An
executor made from a Dask client the caller already has (``Client(...).get_executor()``)
needs nothing from here.
"""
from __future__ import annotations

import concurrent.futures
from concurrent.futures import Executor, Future
from typing import Any, Callable, Optional, Tuple

__all__ = ["address_executor", "RayExecutor"]


def address_executor(address: str) -> Tuple[Executor, Callable[[], None], int]:
    """``(executor, close, slots)``: a new client of the scheduler at ``address``, its
    executor, the function that closes the client, and the cluster's threads."""
    try:
        from dask.distributed import Client
    except ImportError:
        raise ImportError("executor: running on a Dask scheduler's address needs dask.distributed; install it with "
                          "pip install \"scenevis[dask]\"") from None
    try:
        client = Client(address, set_as_default=False, timeout=30)
    except OSError as err:
        raise OSError(f"executor: no Dask scheduler answered at {address!r} ({err})") from err
    threads = sum(client.nthreads().values())
    return client.get_executor(), client.close, max(threads, 1)


def _call(fn: Callable, *args: Any, **kwargs: Any) -> Any:
    """Runs as a Ray task: ``fn(*args, **kwargs)``."""
    return fn(*args, **kwargs)


class RayExecutor(Executor):
    """A ``concurrent.futures.Executor`` whose calls run as tasks on the Ray cluster this
    process has joined (``ray.init(...)`` first). Ray ships no executor of its own
    (ray-project/ray#29456); each of its tasks gives a ``concurrent.futures.Future``.

    ``slots`` is how many calls the cluster runs at once, which :func:`scenevis.batch.imap`
    sizes its tasks by (default: the cluster's CPUs when made); Ray decides where and when
    each runs. A task whose worker dies is run
    again by Ray, up to ``max_retries`` times. A cancelled future cancels its task. Shut
    down, it takes no more calls (and waits for, or cancels, those in flight, as asked);
    the Ray instance is the caller's and goes on. The workers must be able to import the
    function called (scenevis's own tasks, or a module of yours that Ray's
    ``runtime_env`` puts on their path).
    """

    def __init__(self, slots: Optional[int] = None, *, max_retries: int = 3):
        try:
            import ray
        except ImportError:
            raise ImportError("RayExecutor needs Ray; install it with pip install \"scenevis[ray]\"") from None
        if not ray.is_initialized():
            raise RuntimeError("RayExecutor: this process has not joined a Ray cluster; call ray.init() first "
                               "(ray.init(address=...) for a running one)")
        if slots is not None and (isinstance(slots, bool) or not isinstance(slots, int) or slots < 1):
            raise ValueError(f"slots: expected an integer >= 1 or None, got {slots!r}")
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise ValueError(f"max_retries: expected an integer >= 0, got {max_retries!r}")
        self._ray = ray
        # The attribute process and thread pools size themselves with, which imap reads.
        self._max_workers = slots or max(1, int(ray.cluster_resources().get("CPU", 1)))
        self._task = ray.remote(max_retries=max_retries)(_call)
        self._in_flight: set = set()
        self._shut = False

    def submit(self, fn: Callable, /, *args: Any, **kwargs: Any) -> Future:
        if self._shut:
            raise RuntimeError("cannot schedule new futures after shutdown")
        ref = self._task.remote(fn, *args, **kwargs)
        future = ref.future()
        self._in_flight.add(future)

        def settled(done: Future) -> None:
            self._in_flight.discard(done)
            if done.cancelled():
                self._ray.cancel(ref)
        future.add_done_callback(settled)
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._shut = True
        in_flight = list(self._in_flight)
        if cancel_futures:
            for future in in_flight:
                future.cancel()
        if wait:
            concurrent.futures.wait(in_flight)
