"""Progress bars for batches: tqdm on stderr, or nothing.

tqdm is imported on the first bar, not with scenevis. Bars start no monitor thread
(tqdm's ``monitor_interval``, set on a subclass here, not on tqdm itself): the local pool
forks its workers, and forking a process while another of its threads holds a lock can
leave the child stuck on that lock.
"""
from __future__ import annotations

import functools
import sys
from typing import Any, Optional

__all__ = ["progress_bar"]


class _Silent:
    """The bar when progress is off: every call does nothing."""

    def update(self, count: int = 1) -> None:
        pass

    def write(self, text: str, file: Any = None) -> None:
        pass

    def close(self) -> None:
        pass


@functools.lru_cache(maxsize=None)
def _bar_class() -> Any:
    from tqdm import tqdm

    class Bar(tqdm):
        monitor_interval = 0

    return Bar


def progress_bar(total: Optional[int], desc: str, enabled: bool) -> Any:
    """A bar counting ``total`` images (unknown: None) under ``desc``, or a silent one."""
    if not enabled:
        return _Silent()
    return _bar_class()(total=total, desc=desc, unit="image", file=sys.stderr, mininterval=0.1, dynamic_ncols=True)
