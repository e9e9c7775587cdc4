"""Interleaved timing: every peer of a workload is run in turn, round after round.

Interleaving spreads slow drifts of a shared machine (other processes, thermal state,
caches) over all peers alike, so the ratios of one run are fair even when the absolute
figures move. Each case is called once untimed (the warm-up: imports, font caches, JIT-like
first-call costs), then once per round; the figure reported is the median of the rounds.

A case that raises is never a crash: its error (type and first line) is recorded, the case
drops out of later rounds, and the table shows the error in place of a time.
"""
from __future__ import annotations

import contextlib
import gc
import os
import statistics
import time
import traceback
from typing import Any, Callable, ContextManager, Iterable, NamedTuple, Optional

__all__ = ["Case", "Result", "run_interleaved", "error_text"]


class Case(NamedTuple):
    """One peer on one workload setting. ``fn`` is called with no arguments."""

    workload: str  # "W1"
    setting: str  # "N=100", "" when the workload has one setting
    peer: str  # "supervision"
    fn: Callable[[], Any]
    reference: bool = False  # the row the ratios of this (workload, setting) are relative to
    runs: Optional[int] = None  # overrides the suite's number of rounds for a slow case
    # Entered before each call of ``fn`` and left after it, both off the clock: what only
    # this peer needs, such as a cluster that must not idle beside the other peers' rounds.
    around: Optional[Callable[[], ContextManager]] = None


class Result(NamedTuple):
    case: Case
    times: list  # seconds, one per round
    error: Optional[str]

    @property
    def median(self) -> Optional[float]:
        return statistics.median(self.times) if self.times and self.error is None else None


def error_text(err: BaseException) -> str:
    """``TypeName: first line of the message`` (short enough for a table cell)."""
    message = str(err).strip().splitlines()[0] if str(err).strip() else ""
    text = f"{type(err).__name__}: {message}" if message else type(err).__name__
    return text if len(text) <= 120 else text[:117] + "..."


def _call(case: Case) -> tuple[Optional[float], Optional[str]]:
    try:
        with case.around() if case.around else contextlib.nullcontext():
            start = time.perf_counter()
            case.fn()
            elapsed = time.perf_counter() - start
        return elapsed, None
    except Exception as err:  # a failing peer is a table entry, not a crash
        if os.environ.get("BENCH_VERBOSE"):
            traceback.print_exc()
        return None, error_text(err)


def run_interleaved(cases: Iterable[Case], runs: int = 7, warmup: int = 1,
                    progress: Optional[Callable[[str], None]] = None) -> list[Result]:
    """Run every case ``warmup`` times untimed, then ``runs`` rounds (a case's own
    ``runs`` when it sets one), each round calling every still-working case once in order.

    The garbage collector runs before every timed call (off the clock), so one peer's
    garbage is not collected on another peer's clock. Set ``BENCH_VERBOSE=1`` to print
    the traceback of a failing case.
    """
    cases = list(cases)
    if runs < 1:
        raise ValueError(f"runs: expected at least 1, got {runs}")
    times: list[list] = [[] for _ in cases]
    errors: list[Optional[str]] = [None] * len(cases)
    for i, case in enumerate(cases):
        for _ in range(warmup):
            if errors[i] is None:
                _, errors[i] = _call(case)
    rounds = max([runs] + [c.runs for c in cases if c.runs])
    for r in range(rounds):
        for i, case in enumerate(cases):
            if errors[i] is not None or r >= (case.runs or runs):
                continue
            gc.collect()
            elapsed, errors[i] = _call(case)
            if elapsed is not None:
                times[i].append(elapsed)
        if progress is not None:
            progress(f"round {r + 1}/{rounds}")
    return [Result(case, t, e) for case, t, e in zip(cases, times, errors)]
