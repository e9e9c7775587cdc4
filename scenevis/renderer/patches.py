"""Small marks over a photo, painted on the patches of the photo under them.

An RGB render whose first operation is an opaque image covering the canvas on whole
pixels and whose other operations are unclipped markers (dots, triangles, ...) drawn
through a translation can skip the photo's whole trip through a Cairo surface and back
(RGB into 32-bit words and out again, more than drawing a hundred small marks costs).
Each mark gets a *window*: its ink box on whole device pixels, grown by :data:`PAD`,
all of one node's windows the same size and moved inside the canvas where they reach
past it. The output starts as a copy of the photo; its patches under the windows are
stacked, one under the other, into one Cairo surface, each mark is drawn in its own
patch (moved by whole pixels, so the scan conversion sees the same geometry on
the same pixel grid, and Cairo composites the same colors over the same pixels), and
the patches go back. Marks whose windows overlap an earlier mark's are painted in a
later round, over the patches the earlier rounds wrote, so painter's order holds. A
mark reaching past the canvas is clipped to where the canvas's edges fall in its patch:
Cairo cuts paths at a surface's edges, and the coverage next to the cut depends on it.
The pixels are those of the whole-canvas path.

Only when one node's windows add up to at most :data:`MAX_SHARE` of the canvas (marks
with large windows, such as round boxes, corner brackets or the foot ellipses of wide
boxes, cost more here than the whole canvas's conversion).
"""
from __future__ import annotations

from typing import Optional

import cairo
import numpy as np

from scenevis import pixels
from scenevis.geometry import Affine
from scenevis.nodes import Markers
from scenevis.nodes.markers import marker_sizes
from scenevis.renderer.context import RenderContext
from scenevis.renderer.flatten import DrawOp
from scenevis.renderer.marks import marker_extents, marker_plan
from scenevis.renderer.painter import Painter, covering_offset, drawable
from scenevis.renderer.shapes import Pen

__all__ = ["PAD", "MAX_SHARE", "MAX_ROUNDS", "render"]

#: Device pixels added around each mark's ink box: anti-aliasing reaches about one
#: pixel beyond the geometry.
PAD = 2
#: Patches only when one node's windows add up to at most this share of the canvas. A
#: patch's pixels cost what the canvas's do on the way in and out, plus their gathering
#: and scattering: 100 triangles on a 1280x720 photo (CPU caches cold, as in ``python -m
#: benchmarks``) took 2.41 against 3.32 ms with windows of 2% of the canvas, 6.52 against
#: 6.67 at 22%, 7.55 against 7.84 at 46%.
MAX_SHARE = 0.4
#: Cairo's largest image surface side, in pixels.
MAX_SIDE = 1 << 15
#: Marks piled deeper than this many rounds (each a stack of patches in and out, about
#: 0.1 ms) go through the whole canvas.
MAX_ROUNDS = 8
#: The sweep finding overlapping windows compares at most this many pairs a mark.
SWEEP_PAIRS = 32


def _least_window(node) -> Optional[tuple]:
    """``(width, height)`` the windows of marks that hold their whole boxes' width are at
    least (before the stroke and :data:`PAD`), or None for other marks: a foot ellipse is
    its box's width wide and twice its size tall. Too large windows are known from these
    sooner than from :func:`_windows` (0.1 ms for a hundred foot ellipses with the CPU
    caches cold)."""
    if node.kind in ("corners", "round_box"):
        return tuple((node.xyxy[:, 2:] - node.xyxy[:, :2]).max(axis=0).tolist())
    if node.kind == "ellipse":
        return float((node.xyxy[:, 2] - node.xyxy[:, 0]).max()), 2 * float(marker_sizes(node).max())
    return None


def _windows(node, device: Affine, widths: np.ndarray, canvas: tuple, limit: float) -> Optional[tuple]:
    """``(corners, size, whole)``: each mark's window as the (N, 2) integer device
    ``x, y`` of its top-left pixel, inside the canvas; the windows' ``(width, height)``;
    and (N,) whether the mark's window lay inside the canvas before it was moved. None
    when a window is not finite or does not fit the canvas, or when the windows hold more
    than ``limit`` pixels."""
    lo, hi = marker_extents(node, widths)
    span = (hi - lo).max(axis=0)
    if node.count * span[0] * span[1] > limit:
        return None
    shift = np.array([device.c, device.f])
    lo, hi = lo + shift, hi + shift
    if not (np.isfinite(lo).all() and np.isfinite(hi).all()):
        return None
    lo = np.floor(lo).astype(np.int64) - PAD
    size = (np.ceil(hi).astype(np.int64) + PAD - lo).max(axis=0)
    height, width = canvas
    if size[0] > width or size[1] > height:
        return None
    limit = np.array([width, height]) - size
    whole = ((lo >= 0) & (lo <= limit)).all(axis=1)
    return np.clip(lo, 0, limit), (int(size[0]), int(size[1])), whole


def _rounds(corners: np.ndarray, size: tuple) -> Optional[list]:
    """The marks painted in each round, each round in painter's order: a mark goes one
    round after the last round of an earlier mark whose window (all ``size``) overlaps
    its own. Overlaps are found by a sweep along x, each window compared with those
    starting less than a window's width to its right. None when the marks pile up in
    more than :data:`MAX_ROUNDS` rounds, or stand so many in a column that the sweep
    would compare more than :data:`SWEEP_PAIRS` pairs a mark."""
    w, h = size
    xs, ys = corners[:, 0].tolist(), corners[:, 1].tolist()
    n = len(xs)
    by_x = sorted(range(n), key=xs.__getitem__)
    below: dict = {}  # mark: the earlier marks it overlaps
    budget = SWEEP_PAIRS * n
    for a in range(n):
        i = by_x[a]
        x, y = xs[i], ys[i]
        b = a + 1
        while b < n and xs[by_x[b]] - x < w:
            j = by_x[b]
            if abs(ys[j] - y) < h:
                below.setdefault(max(i, j), []).append(min(i, j))
            b += 1
        budget -= b - a - 1
        if budget < 0:
            return None
    level = [0] * n
    rounds: list = [[]]
    for j in range(n):
        if j in below:
            level[j] = 1 + max(level[i] for i in below[j])
            if level[j] == MAX_ROUNDS:
                return None
            if level[j] == len(rounds):
                rounds.append([])
        rounds[level[j]].append(j)
    return rounds


def render(ops: list[DrawOp], base: Affine, context: RenderContext, width: int, height: int) -> Optional[np.ndarray]:
    """The RGB render of ``ops`` with their marks painted on patches, or None when that
    does not apply (see the module's docstring)."""
    offset = covering_offset(ops[0], base, (height, width)) if len(ops) > 1 else None
    if offset is None:
        return None
    canvas = (height, width)
    jobs = []
    for op in ops[1:]:
        node = op.node
        if type(node) is not Markers or op.clips:
            return None
        device = base @ op.transform
        if not node.count or not drawable(op, device):
            continue
        if not device.is_translation:
            return None
        limit = MAX_SHARE * width * height
        span = _least_window(node)
        if span is not None and node.count * span[0] * span[1] > limit:
            return None
        widths = np.broadcast_to(np.asarray(op.style.width, np.float64), (node.count,))
        found = _windows(node, device, widths, canvas, limit)
        if found is None:
            return None
        corners, size, whole = found
        if node.count * size[0] * size[1] > limit or node.count * size[1] > MAX_SIDE:
            return None
        rounds = _rounds(corners, size)
        if rounds is None:
            return None
        jobs.append((node, device, op.style, corners, size, whole, rounds))
    x, y = offset
    out = np.array(ops[0].node.pixels[-y:height - y, -x:width - x], order="C")
    for job in jobs:
        _paint(out, base, context, *job)
    return out


def _paint(out: np.ndarray, base: Affine, context: RenderContext, node, device: Affine, style, corners: np.ndarray,
           size: tuple, whole: np.ndarray, rounds: list) -> None:
    """One markers node's marks on the patches of ``out`` under their windows, round by round."""
    (w, h), n = size, node.count
    slot = [0] * n
    for marks in rounds:
        for k, i in enumerate(marks):
            slot[i] = k
    # Each mark moved from its window on the canvas to its patch: slot k of its round's stack.
    shift = np.stack([-corners[:, 0], np.array(slot) * h - corners[:, 1]], axis=1).astype(np.float64)
    rows, cols = out.shape[:2]
    pixel, row = out.strides[1], out.strides[0]
    view = np.lib.stride_tricks.as_strided(out, (rows - h + 1, cols - w + 1, h, w, 3),
                                           (row, pixel, row, pixel, out.strides[2]), writeable=True)
    plan = None
    for marks in rounds:
        items, count = np.array(marks), len(marks)
        ys, xs = corners[items, 1], corners[items, 0]
        words = pixels.rgb_words(view[ys, xs].reshape(count * h, w, 3))
        buffer = words.view(np.uint8).reshape(count * h, w, 4)
        surface = cairo.ImageSurface.create_for_data(memoryview(buffer).cast("B"), cairo.FORMAT_RGB24, w, count * h,
                                                     w * 4)
        try:
            painter = Painter(surface, base, context, buffer)
            if plan is None:
                plan = marker_plan(painter, node, style, shift)
            _draw(painter, node, device, plan, marks, shift, whole, out.shape[:2])
            surface.flush()
        finally:
            surface.finish()
        view[ys, xs] = pixels.rgb_from_words(words).reshape(count, h, w, 3)


def _draw(painter: Painter, node, device: Affine, plan: tuple, items: list, shift: np.ndarray, whole: np.ndarray,
          canvas: tuple) -> None:
    """``items`` of the node, in order and moved to their patches by ``shift``, as
    :func:`scenevis.renderer.marks.markers` draws them; a mark whose window reached past
    the canvas clipped to the canvas."""
    trace, fills, strokes, widths, dashes, stroke_trace, tolerance = plan
    ctx = painter.ctx
    ctx.set_matrix(cairo.Matrix(*device.as_tuple()))
    if tolerance is not None:
        ctx.set_tolerance(tolerance)
    if not node.antialias:
        ctx.set_antialias(cairo.ANTIALIAS_NONE)
    pen = Pen(painter)
    inside = whole.tolist()
    for i in items:
        if not inside[i]:
            ctx.identity_matrix()
            ctx.rectangle(shift[i, 0], shift[i, 1], canvas[1], canvas[0])
            ctx.clip()
            ctx.set_matrix(cairo.Matrix(*device.as_tuple()))
        fill, stroke, width = fills[i], strokes[i], widths[i]
        if fill is not None:
            trace(ctx, i)
            pen.color(fill)
            ctx.fill()
        if stroke is not None and width > 0.0:
            (stroke_trace or trace)(ctx, i)
            pen.stroke(stroke, width, dashes[i])
        if not inside[i]:
            ctx.reset_clip()
