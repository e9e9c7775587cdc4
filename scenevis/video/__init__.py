"""Video files in and out: frames are (H, W, 3) uint8 RGB arrays, streamed in constant memory.

Layer 5. Built on PyAV (the ``av`` package: FFmpeg with libx264 and libvpx inside its
wheel), installed with ``pip install 'scenevis[video]'`` and imported by ``_common`` only, on
the first call, so ``import scenevis`` stays light.

- :func:`read` opens a file and gives its ``fps``, ``size`` and ``frame_count`` before the
  first frame; iterating it yields RGB frames, decoded on a background thread (FFmpeg's
  own decoding threads, then the YUV to RGB conversion) while the caller works on the
  frames before.
- :func:`write` (or :class:`VideoWriter` for one frame at a time) takes arrays or scenes
  (scenes are rendered), from a list or a generator, and encodes on a background thread
  behind a small bounded queue: the caller draws frame ``i + 1`` while frame ``i`` is
  converted to YUV and encoded. The container follows the extension: ``.mp4`` (H.264),
  ``.webm`` (VP9) or ``.gif`` (one palette, made from the first frame).

Bad input fails early with a named error (an unknown extension, a frame whose size
differs from the first, no frames at all); a file that cannot be decoded raises
:class:`VideoError`. A writer that stops on an error, or on the caller's exception,
still finishes the file: what was written plays.
"""
from scenevis.video._common import FORMATS, VideoError, quality_setting
from scenevis.video.reading import VideoReader, read
from scenevis.video.writing import EncodedVideo, VideoWriter, encode, write

__all__ = ["read", "write", "encode", "VideoReader", "VideoWriter", "EncodedVideo", "VideoError", "FORMATS",
           "quality_setting"]
