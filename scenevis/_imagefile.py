"""Image files' headers: a JPEG's or PNG's size, read without decoding.

Layer 0, standard library only. :func:`jpeg_size` walks a JPEG's segments to its frame
header; :func:`encoded_size` tells the format and size of image bytes held in memory.
"""
from __future__ import annotations

import io
import os
import struct
from typing import Any, Optional, Tuple

__all__ = ["jpeg_size", "encoded_size", "PNG_SIGNATURE"]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# JPEG start-of-frame markers (baseline, progressive, lossless...), which carry the size;
# 0xC4 (Huffman tables), 0xC8 (reserved) and 0xCC (arithmetic coding) share the range.
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_STANDALONE = frozenset(range(0xD0, 0xDA)) | {0x01}  # markers without a length field


def jpeg_size(handle: Any) -> Tuple[int, int]:
    """``(width, height)`` from the frame header of the JPEG read from ``handle`` (a
    binary file positioned after the start-of-image marker); ``ValueError`` when the
    data ends first."""
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


def encoded_size(data: bytes) -> Optional[Tuple[str, int, int]]:
    """``(format, width, height)`` of a JPEG (``'jpeg'``) or PNG (``'png'``) file's
    bytes, from its header; None for anything else, or a header cut short."""
    if data[:2] == b"\xff\xd8":
        handle = io.BytesIO(data)
        handle.seek(2)
        try:
            return ("jpeg", *jpeg_size(handle))
        except ValueError:
            return None
    if data[:8] == PNG_SIGNATURE and data[12:16] == b"IHDR" and len(data) >= 24:
        return ("png", *struct.unpack(">II", data[16:24]))
    return None
