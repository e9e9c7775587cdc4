"""Tracked objects on a video: stable colors per track id, id labels, fading trails.

    python examples/video_tracking.py [--out DIR] [--docs]

Makes a small clip (a fixed camera on the sample street) and a stand-in tracker (objects
moving on smooth paths), then reads it back frame by frame, draws every
tracked object with ``scenevis.annotate.tracks`` and ``Trails``, and writes the result as
MP4 (H.264) and GIF under DIR (default: out/), plus one frame as PNG. Track 5 leaves for
a while and track 9 arrives late: the others keep their colors. --docs also refreshes
docs/img/video_tracks.gif, which docs/video.md shows.
"""
import argparse
import shutil
from pathlib import Path

import numpy as np

import scenevis as sv
from scenevis import annotate, samples, video

W, H, FRAMES = 480, 270, 60
CLASSES = ("person", "car", "dog")


def make_clip(path: Path) -> str:
    """The input: a fixed camera on the sample street, a light flickering in one window."""
    photo = samples.photo(W, H, seed=3)

    def frames():
        for i in range(FRAMES):
            frame = photo.copy()
            frame[60:66, 70:76] = (255, 230, 140) if i % 20 < 10 else (90, 80, 70)
            yield frame
    return video.write(path, frames(), fps=15)


def tracker(frame: int) -> tuple:
    """What a tracker would report for one frame: boxes, track ids, classes, scores."""
    ids = np.arange(1, 10)
    t = frame / 15.0
    cx = W * (0.5 + 0.38 * np.sin(0.45 * t + ids * 0.9))
    cy = H * (0.55 + 0.3 * np.sin(0.7 * t + ids * 1.7))
    half = np.stack([14 + 3 * (ids % 4), 24 + 4 * (ids % 3)], axis=1)
    boxes = np.clip(np.concatenate([np.stack([cx, cy], 1) - half, np.stack([cx, cy], 1) + half], 1), 0, [W, H, W, H])
    present = (ids != 5) | (frame < 20) | (frame >= 40)  # track 5 is lost for 20 frames
    present &= (ids != 9) | (frame >= 25)  # track 9 starts late
    scores = np.round(0.7 + 0.25 * np.abs(np.sin(ids + t)), 2)
    return boxes[present], ids[present], (ids % len(CLASSES))[present], scores[present]


def annotated(clip: str):
    """The clip's frames as scenes: tracked boxes, labels and 20-frame trails."""
    trails = annotate.Trails(length=20, anchor="bottom_center")
    for i, frame in enumerate(video.read(clip)):
        boxes, ids, classes, scores = tracker(i)
        trails = trails.update(ids, boxes)
        yield annotate.tracks(frame, boxes, ids, labels=classes, classes=CLASSES, scores=scores, trails=trails)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default="out", help="output directory (default: out)")
    parser.add_argument("--docs", action="store_true", help="also refresh docs/img/video_tracks.gif")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    clip = make_clip(out / "input.mp4")
    written = [clip, video.write(out / "tracks.mp4", annotated(clip), fps=15)]
    written.append(video.write(out / "tracks.gif", annotated(clip), fps=15, quality=60))
    scenes = annotated(clip)
    for _ in range(45):
        still = next(scenes)
    written.append(sv.save(still, out / "tracks_frame.png"))
    if args.docs:
        docs = Path(__file__).resolve().parents[1] / "docs" / "img"
        docs.mkdir(parents=True, exist_ok=True)
        shutil.copy(out / "tracks.gif", docs / "video_tracks.gif")
        written.append(str(docs / "video_tracks.gif"))
    for path in written:
        print(path)


if __name__ == "__main__":
    main()
