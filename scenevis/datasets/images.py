"""Image files: their size from the header alone, and their pixels through Pillow.

Reading a dataset's index needs image sizes only where the annotations do not carry them
(YOLO's coordinates are fractions of the image). :func:`image_size` reads them from the
first bytes of a JPEG or PNG file with the standard library, decoding nothing; other
formats ask Pillow, which also reads only the header.

:func:`load_image` decodes with Pillow, the ``datasets`` extra
(``pip install "scenevis[datasets]"``), imported on the first call: the workers that draw
records need it, the process that reads the index does not.
"""
from __future__ import annotations

import io
import os
import struct
from typing import Any, Tuple

import numpy as np

from scenevis._png import atomic_write

__all__ = ["image_size", "load_image", "encode_jpeg", "save_jpeg", "IMAGE_SUFFIXES"]

#: File name endings taken for images when a reader lists a folder.
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")

# JPEG start-of-frame markers (baseline, progressive, lossless...), which carry the size;
# 0xC4 (Huffman tables), 0xC8 (reserved) and 0xCC (arithmetic coding) share the range.
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_STANDALONE = frozenset(range(0xD0, 0xDA)) | {0x01}  # markers without a length field


def _pillow() -> Any:
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("scenevis.datasets: decoding images needs Pillow; install it with "
                          "pip install \"scenevis[datasets]\"") from None
    return Image


def _jpeg_size(handle: Any) -> Tuple[int, int]:
    while True:
        byte = handle.read(1)
        if not byte:
            raise ValueError("the JPEG ends before its frame header")
        if byte != b"\xff":
            continue
        marker = handle.read(1)
        while marker == b"\xff":  # fill bytes
            marker = handle.read(1)
        if not marker:
            raise ValueError("the JPEG ends before its frame header")
        code = marker[0]
        if code in _STANDALONE or code == 0x00:
            continue
        length_bytes = handle.read(2)
        if len(length_bytes) < 2:
            raise ValueError("the JPEG ends inside a segment header")
        length = struct.unpack(">H", length_bytes)[0]
        if code in _SOF:
            header = handle.read(5)
            if len(header) < 5:
                raise ValueError("the JPEG ends inside its frame header")
            height, width = struct.unpack(">xHH", header)
            return width, height
        handle.seek(length - 2, os.SEEK_CUR)


def image_size(path: Any) -> Tuple[int, int]:
    """``(width, height)`` of the image file at ``path``, read from its header.

    Raises ``FileNotFoundError`` for a missing file and ``ValueError`` for a file whose
    header gives no size.
    """
    path = os.fspath(path)
    with open(path, "rb") as handle:
        head = handle.read(24)
        if head[:2] == b"\xff\xd8":
            handle.seek(2)
            try:
                width, height = _jpeg_size(handle)
            except ValueError as err:
                raise ValueError(f"{path}: {err}") from None
        elif head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR":
            width, height = struct.unpack(">II", head[16:24])
        else:
            pillow = _pillow()
            try:
                with pillow.open(path) as image:  # reads the header only
                    width, height = image.size
            except Exception as err:
                raise ValueError(f"{path}: not an image file scenevis can read ({err})") from None
    if width <= 0 or height <= 0:
        raise ValueError(f"{path}: the header gives an empty image ({width}x{height})")
    return int(width), int(height)


def load_image(path: Any) -> np.ndarray:
    """The image at ``path`` as an (H, W, 3) uint8 RGB array (gray, palette and alpha
    images are converted; EXIF orientation is not applied, as annotations refer to the
    stored pixels)."""
    path = os.fspath(path)
    with _pillow().open(path) as image:
        if image.mode != "RGB":
            image = image.convert("RGB")
        pixels = np.asarray(image)
    if pixels.ndim != 3 or pixels.shape[2] != 3 or pixels.dtype != np.uint8:
        raise ValueError(f"{path}: expected an 8-bit RGB image, got shape {pixels.shape} {pixels.dtype}")
    return pixels


def encode_jpeg(pixels: np.ndarray, quality: int = 90) -> bytes:
    """An (H, W, 3) uint8 RGB image as JPEG bytes (Pillow)."""
    buffer = io.BytesIO()
    _pillow().fromarray(np.ascontiguousarray(pixels), "RGB").save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def save_jpeg(path: Any, pixels: np.ndarray, quality: int = 90) -> None:
    """Write an (H, W, 3) uint8 RGB image as a JPEG file (Pillow), atomically."""
    atomic_write(os.fspath(path), encode_jpeg(pixels, quality))
