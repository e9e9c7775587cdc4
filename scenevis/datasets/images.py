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
from typing import Any, Optional, Tuple

import numpy as np

from scenevis._imagefile import PNG_SIGNATURE, jpeg_size
from scenevis._png import atomic_write

__all__ = ["image_size", "load_image", "load_image_source", "encode_jpeg", "save_jpeg", "IMAGE_SUFFIXES"]

#: File name endings taken for images when a reader lists a folder.
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")

def _pillow() -> Any:
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("scenevis.datasets: decoding images needs Pillow; install it with "
                          "pip install \"scenevis[datasets]\"") from None
    return Image


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
                width, height = jpeg_size(handle)
            except ValueError as err:
                raise ValueError(f"{path}: {err}") from None
        elif head[:8] == PNG_SIGNATURE and head[12:16] == b"IHDR":
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
        return _rgb(image, path)


def load_image_source(path: Any) -> Tuple[np.ndarray, Optional[bytes]]:
    """The image at ``path`` decoded as :func:`load_image` does, and the file's bytes
    when they show those pixels as they are: a JPEG of RGB or gray pixels without a
    color profile or an EXIF rotation (which viewers apply and the pixels do not hold);
    else None. The file is read once: the bytes are the ones decoded."""
    path = os.fspath(path)
    with open(path, "rb") as handle:
        data = handle.read()
    with _pillow().open(io.BytesIO(data)) as image:
        plain = (image.format == "JPEG" and image.mode in ("RGB", "L") and not image.info.get("icc_profile")
                 and ("exif" not in image.info or image.getexif().get(_ORIENTATION, 1) == 1))
        return _rgb(image, path), data if plain else None


_ORIENTATION = 0x0112  # the EXIF tag of the image's rotation and mirroring


def _rgb(image: Any, path: str) -> np.ndarray:
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
