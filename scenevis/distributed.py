"""Ranks under ``torch.distributed``, and gathering scenes to rank 0.

Layer 6 (standard library only). torch is never imported here: a process that runs ``torch.distributed``
has already imported it, so the rank helpers look for ``torch.distributed`` in
``sys.modules`` and treat its absence (or an uninitialized process group) as a single
process of rank 0. :func:`gather_to_main` imports nothing either; it uses the module the
caller already initialized.

Scenes travel between processes as pickles; nodes unpickle through their constructors,
so a received scene's arrays are read-only like any other's.
"""
from __future__ import annotations

import sys
from typing import Any, List, Optional

__all__ = ["get_rank", "get_world_size", "is_main_process", "gather_to_main"]


def _dist() -> Optional[Any]:
    """The ``torch.distributed`` module when a process group is initialized, else None."""
    dist = sys.modules.get("torch.distributed")
    if dist is None:
        return None
    try:
        if dist.is_available() and dist.is_initialized():
            return dist
    except Exception:  # a half-imported or stubbed torch is treated as "not distributed"
        return None
    return None


def get_rank() -> int:
    """This process's rank in the default group; 0 outside a distributed run."""
    dist = _dist()
    return dist.get_rank() if dist is not None else 0


def get_world_size() -> int:
    """The number of processes in the default group; 1 outside a distributed run."""
    dist = _dist()
    return dist.get_world_size() if dist is not None else 1


def is_main_process() -> bool:
    """True on rank 0 (and in every non-distributed process)."""
    return get_rank() == 0


def gather_to_main(obj: Any) -> Optional[List[Any]]:
    """Collect one picklable object from every rank on rank 0.

    A collective call: every rank of the default group must call it. Returns the list of
    objects indexed by rank on rank 0 and ``None`` on the other ranks; outside a
    distributed run returns ``[obj]``.
    """
    dist = _dist()
    if dist is None:
        return [obj]
    world = dist.get_world_size()
    if dist.get_rank() == 0:
        received: List[Any] = [None] * world
        dist.gather_object(obj, received, dst=0)
        return received
    dist.gather_object(obj, None, dst=0)
    return None
