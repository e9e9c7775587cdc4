"""Work split over threads, for C code that releases the GIL (zlib, numpy).

Layer 0: the standard library only.
"""
from __future__ import annotations

import os
import threading
from typing import Callable, Optional

__all__ = ["run_threads"]


def run_threads(work: Callable[[int], None], count: int, threads: Optional[int] = None) -> None:
    """``work(0) ... work(count - 1)`` spread over ``threads`` threads (default: one per
    core, at most ``count``), one of them the calling thread; returns when all have ended."""
    threads = max(1, min(count, threads or os.cpu_count() or 1))

    def share(first: int) -> None:
        for i in range(first, count, threads):
            work(i)

    helpers = [threading.Thread(target=share, args=(t,)) for t in range(1, threads)]
    for helper in helpers:
        helper.start()
    try:
        share(0)
    finally:
        for helper in helpers:
            helper.join()
