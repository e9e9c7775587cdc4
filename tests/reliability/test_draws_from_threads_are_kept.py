"""Draws from several threads on one Visualizer are all kept (issue 12 §4).

Each ``draw_*`` call appends a node to the current scene, an immutable value held by the
visualizer: read, add, store. Without a lock, two threads read the same scene and one
store wins (8 threads x 3,000 boxes kept 18,311 of 24,000 before). 8 x 3,000 in the full
run, 8 x 1,000 in ``make test``.
"""
import threading
import uuid

import numpy as np
import pytest

from scenevis.nodes import Boxes, Texts
from scenevis.scene import Group
from scenevis.visualizer import Visualizer

THREADS = 8


def nodes_of(scene, kind):
    if isinstance(scene, kind):
        yield scene
    elif isinstance(scene, Group):
        for child in scene.children:
            yield from nodes_of(child, kind)


@pytest.mark.slow
def test_eight_threads_drawing_keep_every_box_and_text(counts):
    calls = counts(3000, 1000)  # per thread; each draw appends to a scene that grows
    vis = Visualizer(name=f"threads_{uuid.uuid4().hex[:8]}", image=np.zeros((64, 64, 3), np.uint8))
    barrier = threading.Barrier(THREADS)
    errors = []

    def draw(worker):
        try:
            barrier.wait()
            for i in range(calls):
                vis.draw_bboxes(np.array([worker, i % 50, worker + 4, i % 50 + 4]))
                if i % 100 == 0:
                    vis.draw_texts(f"{worker}-{i}", np.array([1, 1]))
                if i == calls // 10 * (worker + 1):
                    vis.get_image()  # renders while the others draw
        except BaseException as err:  # surfaced below
            errors.append(err)

    threads = [threading.Thread(target=draw, args=(w,)) for w in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    boxes = sum(len(node.xyxy) for node in nodes_of(vis.scene, Boxes))
    texts = sorted(t for node in nodes_of(vis.scene, Texts) for t in node.strings)
    assert boxes == THREADS * calls
    assert texts == sorted(f"{w}-{i}" for w in range(THREADS) for i in range(0, calls, 100))
