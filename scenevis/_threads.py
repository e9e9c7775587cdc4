"""Work split over threads, for C code that releases the GIL (zlib, numpy).

Layer 0: the standard library only.
"""
from __future__ import annotations

import os
import threading
from typing import Callable, List, Optional

__all__ = ["run_threads"]


def run_threads(work: Callable[[int], None], count: int, threads: Optional[int] = None) -> None:
    """``work(0) ... work(count - 1)`` spread over ``threads`` threads (default: one per
    core, at most ``count``), one of them the calling thread; returns when all have ended,
    raising the first exception any of them raised."""
    threads = max(1, min(count, threads or os.cpu_count() or 1))
    failures: List[BaseException] = []

    def share(first: int) -> None:
        for i in range(first, count, threads):
            work(i)

    def helper_share(first: int) -> None:
        try:
            share(first)
        except BaseException as err:  # handed to the calling thread
            failures.append(err)

    helpers = [threading.Thread(target=helper_share, args=(t,)) for t in range(1, threads)]
    for helper in helpers:
        helper.start()
    try:
        share(0)
    finally:
        for helper in helpers:
            helper.join()
    if failures:
        raise failures[0]
