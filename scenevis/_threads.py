"""Work split over threads, for C code that releases the GIL (zlib, numpy).

Layer 0: the standard library only.
"""
from __future__ import annotations

import threading
from typing import Callable

__all__ = ["run_threads"]


def run_threads(work: Callable[[int], None], count: int) -> None:
    """``work(0) ... work(count - 1)``: all but the first on threads of their own, the
    first on the calling thread; returns when every one has ended."""
    threads = [threading.Thread(target=work, args=(i,)) for i in range(1, count)]
    for thread in threads:
        thread.start()
    try:
        work(0)
    finally:
        for thread in threads:
            thread.join()
