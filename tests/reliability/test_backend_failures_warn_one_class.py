"""Backend failures are warned with one class, the one docs/reliability.md names (issue 12 §4).

The facade warned ``RuntimeWarning`` while the reliability page promised ``UserWarning``;
code filtering on the documented class missed every failure.
"""
import re
import uuid
import warnings
from pathlib import Path

import pytest

from scenevis.visualizer import Visualizer

DOC = Path(__file__).resolve().parents[2] / "docs" / "reliability.md"


def documented_class():
    """The warning class the reliability page gives for a failing backend."""
    text = " ".join(DOC.read_text().split())
    found = re.findall(r"A backend that fails[^.]*? is reported once with a `(\w+)`", text)
    assert len(found) == 1, "docs/reliability.md must state the class once"
    return {"RuntimeWarning": RuntimeWarning, "UserWarning": UserWarning}[found[0]]


@pytest.mark.parametrize("method, args", [("add_scalars", ({"a": 1.0},)), ("add_config", ({"lr": 0.1},)),
                                          ("close", ())])
def test_a_failing_backend_is_warned_with_the_documented_class(tmp_path, method, args):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where a folder should be")
    vis = Visualizer(name=f"warn_{uuid.uuid4().hex[:8]}", vis_backends=[
        dict(type="LocalVisBackend", name="broken", save_dir=str(blocker / "run"))])
    if method == "close":  # make close() itself fail: a backend whose close raises
        backend = vis.get_backend("broken")
        backend.close = lambda: (_ for _ in ()).throw(OSError("disk gone"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        getattr(vis, method)(*args)
    failures = [w for w in caught if "broken" in str(w.message)]
    assert len(failures) == 1
    assert failures[0].category is documented_class() is RuntimeWarning
