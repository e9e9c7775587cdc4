"""The render context: everything the renderer keeps from one render to the next.

One :class:`RenderContext` per thread (Cairo contexts and fonts are not shared across
threads), made on the thread's first render and handed explicitly to everything that
needs it: the painter, text measurement and ink bounds. It holds, bounded in bytes:

- ``fonts``: font faces, which family draws which character, and laid-out strings
  (:class:`~scenevis.renderer.fonts.Fonts`, at most ``LAYOUT_BUDGET`` +
  ``COVERAGE_BUDGET`` bytes);
- one spare surface buffer (at most ``SPARE_LIMIT`` bytes): a new multi-megabyte buffer
  per frame comes from the C allocator, which returns freed memory at the top of the
  heap to the system and takes it back page by page, one page fault per 4 KiB, on the
  next frame: at 720p hundreds of faults, costing more than the drawing. The buffer
  never leaves :func:`~scenevis.renderer.output.render`, so the next render on the same
  thread can paint over it.

This module's thread-local is the renderer's only state; nothing in it is shared
between threads.
"""
from __future__ import annotations

import threading
from typing import Optional

import numpy as np

__all__ = ["RenderContext", "current"]


class RenderContext:
    """Fonts, text layouts and a spare surface buffer for the renders of one thread."""

    LAYOUT_BUDGET = 16 << 20
    COVERAGE_BUDGET = 4 << 20
    SPARE_LIMIT = 64 << 20

    def __init__(self) -> None:
        self._fonts = None
        self._spare: Optional[np.ndarray] = None

    @property
    def fonts(self):
        """The :class:`~scenevis.renderer.fonts.Fonts` of this context (loads Cairo)."""
        if self._fonts is None:
            from scenevis.renderer.fonts import Fonts

            self._fonts = Fonts(self.LAYOUT_BUDGET, self.COVERAGE_BUDGET)
        return self._fonts

    @property
    def nbytes(self) -> int:
        """Bytes held in caches and the spare buffer."""
        spare = 0 if self._spare is None else self._spare.nbytes
        return spare + (0 if self._fonts is None else self._fonts.nbytes)

    def take_spare(self, shape: tuple) -> Optional[np.ndarray]:
        """The kept buffer if it has ``shape`` (held by the caller until :meth:`give_spare`)."""
        buffer, self._spare = self._spare, None
        return buffer if buffer is not None and buffer.shape == shape else None

    def give_spare(self, buffer: np.ndarray) -> None:
        """Keep ``buffer`` for the next render (unless it is above ``SPARE_LIMIT`` bytes)."""
        if buffer.nbytes <= self.SPARE_LIMIT:
            self._spare = buffer


_THREAD = threading.local()


def current() -> RenderContext:
    """This thread's render context."""
    context = getattr(_THREAD, "context", None)
    if context is None:
        context = _THREAD.context = RenderContext()
    return context
