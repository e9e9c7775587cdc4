"""An executor on a Dask cluster, from its scheduler's address.

The one module that imports Dask, and only when a batch is given an address
(``executor="tcp://host:8786"``). An executor made from a client the caller already has
(``Client(...).get_executor()``) needs nothing from here.
"""
from __future__ import annotations

from concurrent.futures import Executor
from typing import Callable, Tuple

__all__ = ["address_executor"]


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
