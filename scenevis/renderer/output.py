"""Rendering entry points: numpy arrays, PNG bytes, SVG text, and files.

Every output walks the scene once (:func:`scenevis.renderer.flatten.flatten`) and hands the
operations to the one painter with this thread's render context; only the target
differs: an image surface, an SVG or PDF surface, or (the painter's numpy mode, for an
RGB render made only of rasters on whole pixels over an image covering the canvas) the
RGB output array itself.
"""
from __future__ import annotations

import io
import math
import os
from typing import Any, Optional

import numpy as np

from scenevis._imagefile import encoded_size
from scenevis._png import atomic_write, encode_png, picture_path, write_raster
from scenevis.colors import parse_color
from scenevis.geometry import Affine
from scenevis import pixels
from scenevis.renderer import provenance
from scenevis.renderer.context import current
from scenevis.renderer.flatten import flatten
from scenevis.scene import Scene

__all__ = ["render", "render_into", "canvas_size", "to_svg", "to_pdf", "to_png", "save"]


def _check_scene(scene: Any) -> Scene:
    if not isinstance(scene, Scene):
        raise TypeError(f"scene: expected a scenevis Scene, got {type(scene).__name__}")
    return scene


#: Cairo's largest image surface side, in pixels.
MAX_SIDE = 1 << 15


def _canvas(scene: Scene, scale: float, size: Optional[tuple]) -> tuple[int, int, Affine]:
    """Pixel size of the output and the transform from scene to output coordinates;
    every size is checked before anything is allocated."""
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not math.isfinite(scale) or scale <= 0:
        raise ValueError(f"scale: expected a finite number > 0, got {scale!r}")
    box = scene.extent
    if size is not None:
        if (not isinstance(size, (tuple, list)) or len(size) != 2
                or not all(isinstance(v, (int, np.integer)) and v > 0 for v in size)):
            raise ValueError(f"size: expected (width, height) positive integers, got {size!r}")
        width, height = int(size[0]), int(size[1])
        x0, y0 = (0.0, 0.0) if box.is_empty else (box.x0, box.y0)
    else:
        if box.is_empty or box.width <= 0 or box.height <= 0:
            raise ValueError("scene: has nothing to give it a size; pass size=(width, height)")
        width, height = math.ceil(box.width * scale - 1e-9), math.ceil(box.height * scale - 1e-9)
        if width < 1 or height < 1:
            raise ValueError(f"scale: expected a scale giving at least one pixel per side; the "
                             f"{box.width:g}x{box.height:g} scene at scale {scale!r} is {width}x{height} pixels")
        x0, y0 = box.x0, box.y0
    if width > MAX_SIDE or height > MAX_SIDE:
        raise ValueError(f"size: expected at most {MAX_SIDE} pixels per side, got {width}x{height}")
    return width, height, Affine.scaling(scale) @ Affine.translation(-x0, -y0)


#: Bytes the renderer holds per canvas pixel at its peak: the 4-byte Cairo surface and the
#: 3-byte (or 4-byte) output array.
BYTES_PER_PIXEL = 8
#: Canvases needing at most this many bytes (a 4096x2048 picture) skip the memory check.
UNCHECKED_BYTES = 64 << 20


def available_memory() -> Optional[int]:
    """Bytes of memory a new allocation can get without swapping: Linux's ``MemAvailable``
    (free memory plus the page cache and other memory the kernel can reclaim), else the
    free pages; None when the system says neither."""
    try:
        with open("/proc/meminfo", "rb") as handle:
            for line in handle:
                if line.startswith(b"MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _check_memory(width: int, height: int) -> None:
    """Refuse, with a clear error, a canvas whose buffers would not fit in available memory.
    Canvases of up to :data:`UNCHECKED_BYTES` bytes are drawn without asking the system (a
    read of ``/proc/meminfo`` costs more than drawing a small picture)."""
    needed = width * height * BYTES_PER_PIXEL
    if needed <= UNCHECKED_BYTES:
        return
    available = available_memory()
    if available is not None and needed > available:
        raise MemoryError(f"size: a {width}x{height} canvas needs about {needed / 2**30:.1f} GiB to render, "
                          f"but only {available / 2**30:.1f} GiB of memory is available")


def render(scene: Scene, *, scale: float = 1.0, size: Optional[tuple] = None,
           background: Any = None, rgba: bool = False) -> np.ndarray:
    """Render ``scene`` to a new (H, W, 3) uint8 RGB array, or (H, W, 4) RGBA with ``rgba``.

    The canvas is the scene's :attr:`~scenevis.scene.Scene.extent` times ``scale`` unless
    ``size=(width, height)`` is given. ``background`` fills the canvas first (default white,
    or transparent for RGBA). Rendering the same scene twice gives identical arrays.
    """
    from scenevis.renderer.painter import Painter, buffer_shape, image_surface, paints_in_numpy

    _check_scene(scene)
    width, height, base = _canvas(scene, scale, size)
    fill = parse_color(background, "background").rgba if background is not None else ((0, 0, 0, 0) if rgba else (255, 255, 255, 255))
    _check_memory(width, height)
    ops = flatten(scene)
    context = current()
    if not rgba and paints_in_numpy(ops, base, (height, width)):
        out = np.empty((height, width, 3), np.uint8)
        Painter(None, base, context, out).paint(ops)
        return out
    if not rgba:
        from scenevis.renderer import patches

        out = patches.render(ops, base, context, width, height)
        if out is None:
            out = _render_tiles(ops, base, context, width, height)
        if out is not None:
            return out
    spare = context.take_spare(buffer_shape(width, height, rgba))
    surface, buffer = image_surface(width, height, rgba, spare)
    try:
        order = _paint(surface, buffer, base, context, ops, fill, rgba)
        return pixels.surface_to_rgba(buffer, order) if rgba else pixels.surface_to_rgb(buffer, order)
    finally:
        surface.finish()
        context.give_spare(buffer.base if buffer.base is not None else buffer)


def _render_tiles(ops: list, base: Affine, context, width: int, height: int) -> Optional[np.ndarray]:
    """The RGB render painted through the surface only on the tiles the ink touches
    (:mod:`scenevis.renderer.tiles`), or None when that does not apply or saves nothing."""
    from scenevis.renderer import tiles
    from scenevis.renderer.painter import Painter, buffer_shape, covering_offset, image_surface

    offset = covering_offset(ops[0], base, (height, width)) if ops else None
    if offset is None:
        return None
    marked = tiles.touched(ops[1:], base, context, (height, width))
    if marked is None:
        return None
    x, y = offset
    out = np.array(ops[0].node.pixels[-y:height - y, -x:width - x], order="C")
    if not marked.any():
        return out
    spare = context.take_spare(buffer_shape(width, height, False))
    surface, buffer = image_surface(width, height, False, spare)
    try:
        painter = Painter(surface, base, context, buffer)
        work = pixels.Tiles(marked, tiles.TILE, (height, width))
        work.into_surface(buffer, out, painter.order)
        surface.mark_dirty()
        painter.paint(ops[1:])
        surface.flush()
        work.from_surface(out, buffer, painter.order)
        return out
    finally:
        surface.finish()
        context.give_spare(buffer.base if buffer.base is not None else buffer)


def _paint(surface, buffer: np.ndarray, base: Affine, context, ops: list, fill: tuple, rgba: bool) -> tuple:
    """Paint ``ops`` on an image surface over ``buffer``; returns the buffer's byte order."""
    from scenevis.renderer.painter import Painter

    painter = Painter(surface, base, context, buffer, opaque=not rgba)
    if not (ops and painter.covers_canvas(ops[0])):
        painter.fill_canvas(fill)  # every pixel is painted first: a reused buffer's old pixels never show
    painter.paint(ops)
    surface.flush()
    return painter.order


def canvas_size(scene: Scene, *, scale: float = 1.0, size: Optional[tuple] = None) -> tuple:
    """``(width, height)`` in pixels of what :func:`render` makes of ``scene``."""
    width, height, _ = _canvas(_check_scene(scene), scale, size)
    return width, height


def render_into(scene: Scene, buffer: np.ndarray, *, background: Any = None) -> np.ndarray:
    """Render ``scene`` at its own size (:func:`canvas_size`) into ``buffer`` and return
    the (H, W, 4) view of the picture in it: each pixel's red, green and blue bytes,
    then one byte that means nothing (FFmpeg's ``rgb0``; ``rgba`` to code that ignores
    alpha).

    ``buffer`` is an (H, S, 4) C-contiguous uint8 array with ``S >= W`` (rows may be
    padded, as a video frame's are). This is :func:`render` without the copy to an RGB
    array, for code that hands the pixels on (a video encoder converting them to YUV).
    """
    from scenevis.renderer.painter import image_surface

    _check_scene(scene)
    width, height, base = _canvas(scene, 1.0, None)
    fill = parse_color(background, "background").rgba if background is not None else (255, 255, 255, 255)
    if not isinstance(buffer, np.ndarray):
        raise TypeError(f"buffer: expected a numpy array, got {type(buffer).__name__}")
    surface, view = image_surface(width, height, False, buffer)
    try:
        order = _paint(surface, view, base, current(), flatten(scene), fill, False)
    finally:
        surface.finish()
    if tuple(order[:3]) != (0, 1, 2):  # a big-endian machine: R, G, B are elsewhere in each pixel
        view[..., :3] = pixels.surface_to_rgb(view, order)
    return view


def _vector(scene: Scene, kind: str, target, scale: float, size, background, info: Optional[dict] = None) -> None:
    from scenevis.renderer.painter import Painter, set_pdf_info, vector_surface

    _check_scene(scene)
    width, height, base = _canvas(scene, scale, size)
    surface = vector_surface(kind, target, width, height)
    if info:
        set_pdf_info(surface, info)
    painter = Painter(surface, base, current(), size=(height, width))
    if background is not None:
        painter.fill_canvas(parse_color(background, "background").rgba)
    painter.paint(flatten(scene))
    surface.finish()


def to_svg(scene: Scene, *, scale: float = 1.0, size: Optional[tuple] = None, background: Any = None,
           outlines: bool = False, image_quality: Optional[int] = None, sources: Any = ()) -> str:
    """The scene as an SVG document that explains itself (:mod:`scenevis.renderer.svg`):
    a ``<g>`` per named layer, an element per item with its metadata as ``data-``
    attributes and a ``<title>`` tooltip, text as ``<text>``, images as PNG stored once.

    ``image_quality`` (1 to 95) embeds the scene's images (photographs) as JPEG of that
    quality instead (with Pillow): a 640x480 photo at 90 takes about 1 ms and 60 kB
    where PNG takes 8 ms and 400 kB, at the cost of JPEG's loss; masks and heatmaps stay
    PNG. Not with ``outlines``.

    ``sources`` are the files images were decoded from, as ``(pixels, data)`` pairs: an
    (H, W, 3) uint8 array and the bytes of the JPEG or PNG file it was decoded from. An
    image of the scene showing exactly those pixels is embedded as that file, unchanged
    (its own pixels, no loss added, no time spent encoding). The caller vouches that
    ``data`` decodes to ``pixels``; its format and size are checked. Not with ``outlines``.

    With ``outlines=True``, Cairo's own SVG instead: text as glyph outlines (the exact
    glyphs, whatever fonts the viewer has) but no layers, metadata or selectable text."""
    if image_quality is not None and (isinstance(image_quality, bool) or not isinstance(image_quality, int)
                                      or not 1 <= image_quality <= 95 or outlines):
        raise ValueError(f"image_quality: expected a JPEG quality from 1 to 95 (or None for PNG), without "
                         f"outlines=True, got {image_quality!r}" + (" with outlines=True" if outlines else ""))
    sources = _check_sources(sources, outlines)
    if outlines:
        stream = io.BytesIO()
        _vector(scene, "svg", stream, scale, size, background)
        return stream.getvalue().decode("utf-8")
    from scenevis.renderer.svg import SvgPainter

    _check_scene(scene)
    width, height, base = _canvas(scene, scale, size)
    painter = SvgPainter(base, current(), width, height, image_quality, sources)
    if background is not None:
        painter.fill_canvas(parse_color(background, "background").rgba)
    painter.paint(flatten(scene))
    return painter.document()


def _check_sources(sources: Any, outlines: bool) -> tuple:
    """``sources`` as a tuple of ``(pixels, data, format)``, each checked."""
    if not isinstance(sources, (tuple, list)):
        raise TypeError(f"sources: expected a sequence of (pixels, data) pairs, got {type(sources).__name__}")
    if sources and outlines:
        raise ValueError("sources: Cairo's SVG (outlines=True) embeds its own encoding of every image; "
                         "leave sources empty or outlines=False")
    out = []
    for i, pair in enumerate(sources):
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2 and isinstance(pair[0], np.ndarray)
                and isinstance(pair[1], bytes)):
            raise TypeError(f"sources[{i}]: expected a (pixels, data) pair of a numpy array and bytes, got {pair!r:.80}")
        pixels, data = pair
        if pixels.dtype != np.uint8 or pixels.ndim != 3 or pixels.shape[2] != 3:
            raise ValueError(f"sources[{i}]: expected (H, W, 3) uint8 pixels, got shape {pixels.shape} {pixels.dtype}")
        found = encoded_size(data)
        if found is None:
            raise ValueError(f"sources[{i}]: expected the bytes of a JPEG or PNG file, got {data[:16]!r}")
        kind, width, height = found
        if (height, width) != pixels.shape[:2]:
            raise ValueError(f"sources[{i}]: the {kind.upper()} is {width}x{height} but its pixels are "
                             f"{pixels.shape[1]}x{pixels.shape[0]} (width x height); pass the pixels it decodes to")
        out.append((pixels, data, kind))
    return tuple(out)


def to_pdf(scene: Scene, *, scale: float = 1.0, size: Optional[tuple] = None, background: Any = None,
           info: Optional[dict] = None) -> bytes:
    """The scene as a one-page PDF document; ``info`` fills its document information
    (keys ``title``, ``subject``, ``keywords``, ``creator``)."""
    stream = io.BytesIO()
    _vector(scene, "pdf", stream, scale, size, background, info)
    return stream.getvalue()


def to_png(scene: Scene, **options: Any) -> bytes:
    """The scene rendered and encoded as PNG bytes (options as for :func:`render`)."""
    return encode_png(render(scene, **options))


def save(scene: Scene, path: Any, *, metadata: Optional[dict] = None, **options: Any) -> str:
    """Write ``scene`` to ``path`` as PNG, JPEG (with Pillow), SVG or PDF, chosen by the
    extension; missing folders are created (the rule of :func:`scenevis._png.picture_path`).

    A PNG, SVG or PDF says where it came from (:mod:`scenevis.renderer.provenance`): the
    scenevis version, the scene's digest and ``metadata`` (``{"run": "exp1", "step": 3}``:
    str keys, str, int, float or bool values), in PNG text chunks, SVG ``<metadata>`` or
    the PDF document information. A JPEG holds none, so ``metadata`` with a JPEG path is
    a ``ValueError``. Files are written whole to a temporary name and renamed, so a crash
    never leaves a truncated file under ``path``. Returns the path written.
    """
    path, ext = picture_path(path)
    _check_scene(scene)
    if ext in (".jpg", ".jpeg"):
        if metadata is not None:
            raise ValueError(f"metadata: a JPEG file holds none; save to .png, .svg or .pdf to keep it ({path!r})")
        write_raster(path, render(scene, **options))
        return path
    found = provenance.entries(scene, metadata)
    if ext == ".png":
        write_raster(path, render(scene, **options), text=found)
        return path
    if ext == ".svg":
        data = provenance.svg_with(to_svg(scene, **options), found).encode("utf-8")
    else:
        data = to_pdf(scene, info=provenance.pdf_info(found), **options)
    atomic_write(path, data)
    return path
