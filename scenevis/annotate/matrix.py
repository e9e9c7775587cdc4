"""A matrix of counts as a scene: a confusion matrix, or any table of class pairs.

:func:`matrix_chart` lays the cells out (names measured with the renderer's metrics) and
returns a :class:`MatrixChart`; its :meth:`~MatrixChart.scene` is an ordinary scene and
its :meth:`~MatrixChart.layout` says where the cells are, so a page can answer a hover
or a click on a cell. Each cell is shaded by its share of its row (a confusion matrix's
row is one ground-truth class: the shade is the fraction of its objects), and shows its
count when the cell is large enough to hold it.
"""
from __future__ import annotations

import math
from typing import Any, Optional, Sequence

import attrs
import numpy as np

from scenevis.geometry import Affine, BBox
from scenevis.nodes import Boxes, Texts
from scenevis.renderer.measure import text_size
from scenevis.scene import Background, Group, Scene
from scenevis.style import Style

__all__ = ["MatrixChart", "matrix_chart"]

_FAMILY = "DejaVu Sans"
_TEXT = (60, 60, 60)
_LOW = np.array([247, 251, 255], np.float64)  # the shade of 0
_HIGH = np.array([8, 69, 148], np.float64)  # the shade of a whole row
_EMPTY = (252, 252, 252)
_LINE = (225, 225, 225)
_UP = Affine(0.0, 1.0, 0.0, -1.0, 0.0, 0.0)  # a quarter turn: text read upwards


@attrs.frozen(eq=False)
class MatrixChart:
    """A laid-out matrix. Build it with :func:`matrix_chart`."""

    counts: np.ndarray  # (R, C) int
    rows: tuple
    columns: tuple
    size: tuple  # (width, height) of the canvas in pixels
    grid: BBox  # the cells
    cell: float  # a cell's side
    title: Optional[str]
    row_label: str
    column_label: str
    font_size: float

    def shares(self) -> np.ndarray:
        """Each cell's share of its row (0 where a row is empty)."""
        totals = self.counts.sum(axis=1, keepdims=True)
        return np.divide(self.counts, totals, out=np.zeros(self.counts.shape), where=totals > 0)

    def layout(self) -> dict:
        """Where the cells are, as plain numbers: ``size``, ``grid`` (x0, y0, x1, y1),
        ``cell`` (a cell's side), ``rows`` and ``columns`` (counts)."""
        g = self.grid
        return dict(size=list(self.size), grid=[g.x0, g.y0, g.x1, g.y1], cell=self.cell, rows=len(self.rows),
                    columns=len(self.columns))

    def scene(self) -> Scene:
        g, cell, size = self.grid, self.cell, self.font_size
        n_rows, n_cols = self.counts.shape
        ii, jj = np.meshgrid(np.arange(n_rows), np.arange(n_cols), indexing="ij")
        x0, y0 = g.x0 + jj.ravel() * cell, g.y0 + ii.ravel() * cell
        boxes = np.stack([x0, y0, x0 + cell, y0 + cell], axis=1)
        share = self.shares().ravel()
        fill = np.round(_LOW + (_HIGH - _LOW) * share[:, None]).astype(np.uint8)
        fill[self.counts.ravel() == 0] = _EMPTY
        layers: list = [Background(BBox(0, 0, *self.size), "white"),
                        Boxes(boxes, Style(color=_LINE, fill=fill, width=1.0))]
        text = Style(color=_TEXT, font_size=size, font_family=_FAMILY)
        counts = self.counts.ravel()
        shown = counts > 0
        labels = [str(v) for v in counts[shown]]
        if labels and float(text_size(labels, size * 0.95, _FAMILY)[:, 0].max()) <= cell - 4:
            dark = share[shown] > 0.5
            centers = np.stack([x0[shown] + cell / 2, y0[shown] + cell / 2], axis=1)
            colors = np.where(dark[:, None], 255, 30).repeat(3, axis=1).astype(np.uint8)
            layers.append(Texts(tuple(labels), centers, attrs.evolve(text, color=colors, font_size=size * 0.95,
                                                                     halign="center", valign="center")))
        layers.append(Texts(self.rows, np.stack([np.full(n_rows, g.x0 - 6), g.y0 + (np.arange(n_rows) + 0.5) * cell], 1),
                            attrs.evolve(text, halign="right", valign="center")))
        head = attrs.evolve(text, halign="left", valign="center")
        layers += [Texts((name,), [[0.0, 0.0]], head).transformed(_UP).translate(g.x0 + (j + 0.5) * cell, g.y0 - 6)
                   for j, name in enumerate(self.columns)]
        corner = [f"{self.column_label} \u2192", f"{self.row_label} \u2193"]
        layers.append(Texts(tuple(corner), [[g.x0 - 6, g.y0 - 6 - size * 1.4], [g.x0 - 6, g.y0 - 6]],
                            attrs.evolve(text, halign="right", valign="bottom", color=(110, 110, 110))))
        if self.title:
            layers.append(Texts((self.title,), [[8, 6]], attrs.evolve(text, font_size=size * 1.15, color=(20, 20, 20))))
        return Group.of(*layers)


def matrix_chart(counts: Any, rows: Sequence[str], columns: Optional[Sequence[str]] = None, *,
                 title: Optional[str] = None, row_label: str = "ground truth", column_label: str = "predicted",
                 cell: Optional[float] = None, font_size: float = 11.0, max_width: int = 900) -> MatrixChart:
    """A chart of the (R, C) non-negative integer ``counts``: ``rows`` and ``columns``
    name them (``columns`` defaults to ``rows``). ``cell`` is a cell's side in pixels
    (default: what fits ``max_width``, between 14 and 36)."""
    array = np.asarray(counts)
    if array.ndim != 2 or array.dtype.kind not in "iu":
        raise TypeError(f"counts: expected a 2-D array of integers, got shape {array.shape} of {array.dtype}")
    if (array < 0).any():
        raise ValueError("counts: expected counts >= 0, got a negative value")
    rows = tuple(str(r) for r in rows)
    columns = rows if columns is None else tuple(str(c) for c in columns)
    if array.shape != (len(rows), len(columns)):
        raise ValueError(f"counts: expected shape ({len(rows)}, {len(columns)}) (rows x columns names), "
                         f"got {array.shape}")
    if not (isinstance(font_size, (int, float)) and 4 <= font_size <= 64):
        raise ValueError(f"font_size: expected a number in [4, 64], got {font_size!r}")
    corner = [f"{column_label} \u2192", f"{row_label} \u2193"]
    row_w = float(text_size(list(rows) + corner, font_size, _FAMILY)[:, 0].max())
    col_h = max(float(text_size(list(columns), font_size, _FAMILY)[:, 0].max()) if columns else 0.0, font_size * 3)
    left = math.ceil(row_w + 14)
    if cell is None:
        cell = min(36.0, max(14.0, math.floor((max_width - left - 12) / max(len(columns), 1))))
    cell = float(cell)
    top = math.ceil(col_h + 14 + (font_size * 2.0 if title else 0))
    grid = BBox(left, top, left + cell * len(columns), top + cell * len(rows))
    size = (math.ceil(grid.x1 + 12), math.ceil(grid.y1 + 12))
    return MatrixChart(array.astype(np.int64), rows, columns, size, grid, cell, title, row_label, column_label,
                       float(font_size))
