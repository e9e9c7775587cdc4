"""Render scenes already in memory to files, on several processes, with a progress bar.

``save_all(scenes, paths, workers=2)`` writes ``scenes[i]`` to ``paths[i]`` (PNG, JPEG, SVG
or PDF by extension, as :func:`scenevis.save`). For a dataset, where holding every scene
(and its image) at once does not scale, send records instead:
:func:`scenevis.batch.render_records`.

Scenes are values, so they can be rendered anywhere. Where the operating system can
``fork`` (Linux), worker processes inherit the scenes from the calling process and only
indices travel between processes: a W1-like scene holds about 20 MB of masks, which would
otherwise be pickled to a worker and back for every picture. Elsewhere each task carries
its pickled scene.
"""
from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Any, Optional, Sequence

from scenevis._png import picture_type, single_threaded
from scenevis.batch.progress import progress_bar
from scenevis.scene import Scene

__all__ = ["save_all"]

# Set in worker processes only (by ``_adopt``), never in the calling process.
_INHERITED: Optional[tuple] = None


def _adopt(scenes: Sequence[Scene], paths: Sequence[str]) -> None:
    global _INHERITED
    _INHERITED = (scenes, paths)


def _save_indices(indices: Sequence[int], options: dict) -> int:
    scenes, paths = _INHERITED  # type: ignore[misc]
    for i in indices:
        _save_one(i, scenes[i], paths[i], options)
    return len(indices)


def _save_pairs(pairs: Sequence[tuple], options: dict) -> int:
    for i, scene, path in pairs:
        _save_one(i, scene, path, options)
    return len(pairs)


def _save_one(index: int, scene: Scene, path: str, options: dict) -> None:
    from scenevis.renderer import save

    try:
        with single_threaded():  # each worker is one core's worth of work: ``workers`` counts cores
            save(scene, path, **options)
    except Exception as err:
        if hasattr(err, "add_note"):
            err.add_note(f"save_all: while saving scenes[{index}] to {path!r}")
        raise


def _check(scenes: Any, paths: Any, workers: Any) -> tuple[list, list, int]:
    if isinstance(scenes, Scene) or not isinstance(scenes, Sequence):
        raise TypeError(f"scenes: expected a sequence of scenes, got {type(scenes).__name__}")
    if isinstance(paths, (str, bytes)) or not isinstance(paths, Sequence):
        raise TypeError(f"paths: expected a sequence of file paths, got {type(paths).__name__}")
    scenes, paths = list(scenes), [os.fspath(p) for p in paths]
    if len(scenes) != len(paths):
        raise ValueError(f"paths: expected one path per scene ({len(scenes)}), got {len(paths)}")
    for i, scene in enumerate(scenes):
        if not isinstance(scene, Scene):
            raise TypeError(f"scenes[{i}]: expected a scenevis Scene, got {type(scene).__name__}")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers: expected an integer >= 1, got {workers!r}")
    for i, path in enumerate(paths):
        picture_type(path, f"paths[{i}]")
    return scenes, paths, workers


def save_all(scenes: Sequence[Scene], paths: Sequence[Any], workers: int = 2, progress: bool = True,
             **options: Any) -> list[str]:
    """Write ``scenes[i]`` to ``paths[i]`` for every i; returns the paths written.

    ``workers`` processes share the work (1 renders in this process), each on one thread,
    so ``workers`` is the number of cores the batch keeps busy; ``progress`` draws
    a progress bar on stderr; ``options`` go to :func:`scenevis.save` (``scale``,
    ``background``...). Each file is written whole and atomically. The first scene that
    fails stops the batch and its exception is raised here (with a note naming the scene
    and path); files already written stay.
    """
    scenes, paths, workers = _check(scenes, paths, workers)
    bar = progress_bar(len(scenes), "save_all", progress)
    try:
        if workers == 1 or len(scenes) <= 1:
            for i, (scene, path) in enumerate(zip(scenes, paths)):
                _save_one(i, scene, path, options)
                bar.update(1)
            return paths
        _run_pool(scenes, paths, min(workers, len(scenes)), options, bar)
        return paths
    finally:
        bar.close()


def _run_pool(scenes: list, paths: list, workers: int, options: dict, bar: Any) -> None:
    n = len(scenes)
    chunk = max(1, min(16, n // (workers * 8)))
    chunks = [range(start, min(start + chunk, n)) for start in range(0, n, chunk)]
    if "fork" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("fork")
        pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_adopt, initargs=(scenes, paths))
        jobs = [(_save_indices, list(c)) for c in chunks]
    else:
        pool = ProcessPoolExecutor(workers)
        jobs = [(_save_pairs, [(i, scenes[i], paths[i]) for i in c]) for c in chunks]
    with pool:
        pending = {pool.submit(fn, arg, options) for fn, arg in jobs}
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                error = future.exception()
                if error is not None:
                    for other in pending:
                        other.cancel()
                    raise error
                bar.update(future.result())
