"""Exceptions shared across scenevis.

Layer 0: standard library only, importable from any module.
"""
from __future__ import annotations

__all__ = ["VisualizerValueError"]


class VisualizerValueError(ValueError, AssertionError):
    """An invalid argument value given to the :class:`~scenevis.Visualizer` facade.

    It is both a ``ValueError`` (what scenevis raises for wrong values everywhere) and an
    ``AssertionError`` (what MMEngine's visualizer raises for the same mistakes), so
    ``except ValueError`` and ``except AssertionError`` written for MMEngine both catch
    it. The message names the argument and gives what was expected and what was got.
    """
