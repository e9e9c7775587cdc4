"""Image files looked at for a page: size, completeness and a thumbnail when large.

:func:`inspect_images` runs :func:`inspect_image` over many files on a local process
pool (:func:`scenevis.batch.imap`, fed chunks of paths), with a progress bar (tqdm, on
stderr). A thumbnail is made when the longer side exceeds ``1.5 * THUMB_SIDE``: the
image shrunk by a whole factor with a box filter (Pillow's ``reduce``), JPEG for opaque
pictures and PNG where there is transparency. Thumbnails are written into a cache folder
under a name derived from the source's path, size and modification time, so building a
page again reuses them.

Decoding is most of the cost (a 720p PNG holds 2.7 MB of deflated pixels). PNGs whose
rows use the filters scenevis writes (None, Sub, Up) are decoded by
:func:`scenevis._png.decode_png` (with ISA-L's inflate, ``isal``, which the ``report`` extra
installs), in about 60% of Pillow's time; other PNGs
(Average and Paeth filters, palettes, 16 bits, interlacing) by Pillow. JPEGs are decoded
at a reduced size (Pillow's ``draft``: libjpeg scales by 1/2, 1/4 or 1/8 while decoding).
The workers keep freed memory for the next image's buffers (glibc's ``mallopt``).

Pillow (the ``report`` extra) is imported by the workers, on their first image.
"""
from __future__ import annotations

import ctypes
import functools
import hashlib
import io
import os
from typing import Any, Callable, Iterable, List, Optional

import attrs

from scenevis._png import decode_png

__all__ = ["ImageInfo", "inspect_image", "inspect_images", "THUMB_SIDE"]

THUMB_SIDE = 480
CHUNK = 16  # images per task sent to a worker
AHEAD = 8  # chunks per worker handed to the pool at a time
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters
# The bytes every complete file of a format ends with (a PNG's IEND chunk, JPEG's EOI).
_ENDINGS = {".png": b"IEND\xaeB`\x82", ".jpg": b"\xff\xd9", ".jpeg": b"\xff\xd9"}


@attrs.frozen
class ImageInfo:
    path: str
    width: int = 0
    height: int = 0
    thumb: Optional[str] = None  # the thumbnail's file, when one was made and written
    thumb_bytes: Optional[bytes] = None  # the thumbnail itself, when no folder was given
    thumb_type: Optional[str] = None  # its MIME type
    problem: Optional[str] = None


def _pillow():
    try:
        from PIL import Image
    except ImportError:
        raise ImportError('scenevis report: reading images needs Pillow; install it with '
                          'pip install "scenevis[report]"') from None
    return Image


def _complete(path: str, size: int) -> bool:
    ending = _ENDINGS.get(os.path.splitext(path)[1].lower())
    if ending is None:
        return True
    with open(path, "rb") as handle:
        handle.seek(max(0, size - 32))
        return ending in handle.read()


def _thumb_name(path: str, stat: os.stat_result) -> str:
    """The cache name (without extension) of ``path``'s thumbnail as the file is now."""
    key = f"{os.path.abspath(path)}\0{stat.st_size}\0{stat.st_mtime_ns}".encode("utf-8", "surrogatepass")
    return hashlib.sha1(key).hexdigest()[:20]


def _shrunk(image: Any, path: str, factor: int, opaque: bool) -> Any:
    """The open ``image`` (read from ``path``) ``factor`` times smaller, RGB or L when
    ``opaque``."""
    Image = _pillow()
    full = image.size
    size = (-(-full[0] // factor), -(-full[1] // factor))
    if image.format == "PNG":
        with open(path, "rb") as handle:
            data = handle.read()
        try:
            pixels = decode_png(data, path)
        except ValueError:  # a PNG decode_png leaves to Pillow, or a damaged one Pillow names
            pass
        else:
            image = Image.fromarray(pixels[:, :, 0] if pixels.shape[2] == 1 else pixels)
    elif image.format == "JPEG":
        image.draft(None, size)
    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGB" if opaque else "RGBA")
    small = image.reduce(factor) if image.size == full else image.resize(size, Image.Resampling.BOX)  # a JPEG drafted
    return small.convert("RGB") if opaque and small.mode not in ("RGB", "L") else small


def inspect_image(path: str, folder: Optional[str] = None) -> ImageInfo:
    """Size, completeness and (for a large image) a thumbnail of the image at ``path``.

    With ``folder``, the thumbnail is written there (or found there from an earlier
    call); without, its bytes are returned. Never raises for what the file holds: a
    truncated or undecodable file gives an ``ImageInfo`` with ``problem`` set.
    """
    try:
        stat = os.stat(path)
        if not _complete(path, stat.st_size):
            return ImageInfo(path, problem="incomplete (still being written, or cut short)")
        Image = _pillow()
        with Image.open(path) as image:
            width, height = image.size
            if max(width, height) <= THUMB_SIDE * 1.5:
                return ImageInfo(path, width, height)
            opaque = image.mode in ("RGB", "L") or (image.mode == "P" and "transparency" not in image.info)
            suffix, mime = (".jpg", "image/jpeg") if opaque else (".png", "image/png")
            target = os.path.join(folder, _thumb_name(path, stat) + suffix) if folder else None
            if target is not None and os.path.exists(target):
                return ImageInfo(path, width, height, thumb=target, thumb_type=mime)
            small = _shrunk(image, path, -(-max(width, height) // THUMB_SIDE), opaque)
            out = io.BytesIO()
            if opaque:
                small.save(out, "JPEG", quality=85)
            else:
                small.save(out, "PNG")
    except OSError as err:
        message = str(err) or type(err).__name__
        return ImageInfo(path, problem=f"cannot be read ({message})")
    except (ValueError, SyntaxError) as err:  # Pillow's errors for malformed data
        return ImageInfo(path, problem=f"cannot be read ({err})")
    if target is None:
        return ImageInfo(path, width, height, thumb_bytes=out.getvalue(), thumb_type=mime)
    temp = f"{target}.{os.getpid()}.tmp"
    with open(temp, "wb") as handle:
        handle.write(out.getvalue())
    os.replace(temp, target)
    return ImageInfo(path, width, height, thumb=target, thumb_type=mime)


@functools.lru_cache(maxsize=None)
def _reuse_freed_memory() -> None:
    """Have glibc's malloc keep freed memory for reuse rather than give it back at once.

    Each image needs buffers of megabytes (the file, the inflated rows, the pixels);
    by default glibc maps each anew and unmaps it when freed, and the page faults of
    mapping it again cost a third of a 720p PNG's decoding on this project's machine.
    Without glibc's ``mallopt`` nothing changes."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError, TypeError):
        return
    mallopt(_M_MMAP_THRESHOLD, 64 << 20)  # allocations below 64 MiB come from the heap...
    mallopt(_M_TRIM_THRESHOLD, 256 << 20)  # ...which keeps up to 256 MiB freed


def _inspect_chunk(paths: List[str], folder: Optional[str]) -> List[ImageInfo]:
    """:func:`inspect_image` of each path, in a worker; an unexpected failure (Pillow
    refusing a decompression bomb) becomes that image's ``problem``."""
    _reuse_freed_memory()
    out = []
    for path in paths:
        try:
            out.append(inspect_image(path, folder))
        except Exception as err:
            out.append(ImageInfo(path, problem=f"cannot be read ({type(err).__name__}: {err})"))
    return out


def inspect_images(paths: Iterable[str], folder: Optional[str] = None, workers: Optional[int] = None,
                   progress: bool = True, meanwhile: Optional[Callable[[], None]] = None) -> List[ImageInfo]:
    """:func:`inspect_image` of every path, in order, on a local pool of ``workers``
    processes (default: every core) through :func:`scenevis.batch.imap`, fed chunks of up
    to ``CHUNK`` paths (a round trip per chunk, not per image), ``AHEAD`` chunks per
    worker at a time, with a progress bar.
    ``folder`` holds the thumbnails. An image whose inspection failed in an unexpected way
    (Pillow refusing a decompression bomb, a worker that died twice) comes back with that
    failure as its ``problem``.

    ``meanwhile`` runs here once the first chunks are with the pool (at once when there is
    no image): the caller's own work then overlaps the workers'. (Not every chunk: when a
    worker dies, every chunk in flight runs again and counts a try.)
    """
    from scenevis.batch import default_workers, imap
    from scenevis.batch.progress import progress_bar

    paths = list(paths)
    if not paths:
        if meanwhile is not None:
            meanwhile()
        return []
    _pillow()  # a missing Pillow is one error here, not a note per image from the workers
    if folder is not None:
        os.makedirs(folder, exist_ok=True)
    workers = workers or default_workers()
    size = max(1, min(CHUNK, len(paths) // (4 * workers)))
    chunks = [paths[i:i + size] for i in range(0, len(paths), size)]
    results: List[List[ImageInfo]] = [[] for _ in chunks]
    bar = progress_bar(len(paths), "images", progress)
    try:
        for outcome in imap(functools.partial(_inspect_chunk, folder=folder), chunks, workers=workers,
                            window=AHEAD * workers, chunk=1, progress=False):
            chunk = chunks[outcome.index]
            results[outcome.index] = outcome.value if outcome.ok else \
                [ImageInfo(path, problem=f"cannot be read ({outcome.failure.error})") for path in chunk]
            bar.update(len(chunk))
            if meanwhile is not None:  # the first window of chunks was handed to the pool before this outcome
                meanwhile()
                meanwhile = None
    finally:
        bar.close()
    return [info for result in results for info in result]
