"""Exceptions shared across scenevis.

Layer 0: standard library only, importable from any module.
"""
from __future__ import annotations

import functools

__all__ = ["VisualizerValueError", "facade_errors"]


class VisualizerValueError(ValueError, AssertionError):
    """An invalid argument value given to the :class:`~scenevis.Visualizer` facade or to a
    storage backend.

    It is both a ``ValueError`` (what scenevis raises for wrong values everywhere) and an
    ``AssertionError`` (what MMEngine's visualizer raises for the same mistakes), so
    ``except ValueError`` and ``except AssertionError`` written for MMEngine both catch
    it (MMEngine's visualizer and backends assert where scenevis checks values). The
    message names the argument and gives what was expected and what was got.
    """


def facade_errors(method):
    """Re-raise a ``ValueError`` from ``method``'s argument checks as
    :class:`VisualizerValueError` (same message), so MMEngine-style
    ``except AssertionError`` catches it. Wraps the facade's methods and the checks of
    the backends' inputs."""

    @functools.wraps(method)
    def wrapper(*a, **kw):
        try:
            return method(*a, **kw)
        except VisualizerValueError:
            raise
        except ValueError as err:
            raise VisualizerValueError(str(err)) from err

    return wrapper
