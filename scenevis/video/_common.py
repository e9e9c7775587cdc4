"""What reading and writing video share: the formats, the error type, the PyAV import and
the argument checks. ``import av`` happens here only."""
from __future__ import annotations

import math
import os
from fractions import Fraction
from typing import Any, NamedTuple

import numpy as np

__all__ = ["VideoError", "Format", "FORMATS", "CODEC_OPTIONS", "QUEUE", "load_av", "format_of", "check_fps",
           "quality_setting"]


class VideoError(ValueError):
    """A video file that cannot be read or written: not a video, corrupt or truncated, or
    refused by the encoder. The message names the file and says what happened."""


class Format(NamedTuple):
    """How one extension is written: FFmpeg's container and encoder, and the encoder's
    quality knob and its scale (``qp`` for H.264, ``crf`` for VP9, palette colors for GIF)."""

    container: str
    codec: str
    even_size: bool  # the encoder's 4:2:0 layout needs an even width and height
    knob: str  # the encoder option quality sets
    worst: int  # the knob's value at quality 0
    best: int  # ... and at quality 100
    default: int  # the knob's value when no quality is given


FORMATS = {
    # H.264 at a constant quantizer: at preset ultrafast (no adaptive quantization, no
    # macroblock tree) crf only moves each frame's quantizer with its complexity, measured
    # on a half-size copy of every frame; qp 22 gives W7's 1080p frames the picture crf 20
    # gives (29.89 dB) for 2% more bytes and about 1.5 ms less encoding per frame.
    ".mp4": Format("mp4", "libx264", True, "qp", 51, 0, 22),
    ".webm": Format("webm", "libvpx-vp9", False, "crf", 63, 0, 31),
    ".gif": Format("gif", "gif", False, "max_colors", 2, 256, 256),
}

#: Encoder options besides the quality knob; ``options=`` in :func:`write` adds to or overrides them.
CODEC_OPTIONS = {
    "libx264": {"preset": "ultrafast"},
    "libvpx-vp9": {"b": "0", "deadline": "realtime", "cpu-used": "8", "row-mt": "1"},
    "gif": {},
}
QUEUE = 6  # frames in flight between the caller and a background thread


def load_av():
    try:
        import av
    except ImportError:
        raise ImportError("scenevis.video needs PyAV (FFmpeg for Python): pip install 'scenevis[video]' "
                          "(or pip install av)") from None
    return av


def format_of(path: str) -> Format:
    ext = os.path.splitext(path)[1].lower()
    if ext not in FORMATS:
        raise ValueError(f"path: expected a file name ending in {', '.join(FORMATS)}, got {path!r}")
    return FORMATS[ext]


def check_fps(fps: Any) -> Fraction:
    if isinstance(fps, bool) or not isinstance(fps, (int, float, Fraction, np.integer, np.floating)):
        raise TypeError(f"fps: expected a number of frames per second, got {type(fps).__name__}")
    if not (math.isfinite(fps) and 0 < fps <= 1000):
        raise ValueError(f"fps: expected a number in (0, 1000], got {fps!r}")
    return Fraction(fps).limit_denominator(1001)


def quality_setting(fmt: Format, quality: Any) -> int:
    """The encoder's own knob for ``quality`` (0 worst to 100 best; ``None`` the format's
    default): H.264 ``qp`` 51 to 0, VP9 ``crf`` 63 to 0, GIF 2 to 256 palette colors."""
    if quality is None:
        return fmt.default
    if isinstance(quality, bool) or not isinstance(quality, (int, float, np.integer, np.floating)):
        raise TypeError(f"quality: expected None or a number from 0 to 100, got {type(quality).__name__}")
    if not 0 <= quality <= 100:
        raise ValueError(f"quality: expected a number from 0 to 100, got {quality!r}")
    return int(round(fmt.worst + (fmt.best - fmt.worst) * quality / 100))

