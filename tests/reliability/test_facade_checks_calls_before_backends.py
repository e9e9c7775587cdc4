"""The facade checks a whole add_* call before any backend sees it (issue 12 §4).

A call with a bad part raises a named ``TypeError``/``ValueError`` (the facade's value
errors are also ``AssertionError``s, as in MMEngine) and writes nothing anywhere; a good
call reaches every backend as the same values, and every backend stores them the same
way. Real Local, TensorBoard and offline W&B backends side by side.
"""
import json
import os
import uuid
import warnings

import numpy as np
import pytest

from scenevis.backends import LocalVisBackend, TensorboardVisBackend
from scenevis.visualizer import Visualizer


pytest.importorskip("tensorboard")
pytest.importorskip("wandb")


def files_under(root):
    return sorted(os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs)


@pytest.fixture
def three(offline):
    """A visualizer over Local, TensorBoard and W&B, in ``offline``; its backends are
    used once first, so "nothing written" means no file grew and none appeared."""
    vis = Visualizer(name=f"checks_{uuid.uuid4().hex[:8]}", save_dir=str(offline), vis_backends=[
        dict(type="LocalVisBackend"), dict(type="TensorboardVisBackend"), dict(type="WandbVisBackend")])
    vis.add_scalars({"warm": 1.0}, step=0)
    yield vis
    vis.close()


def snapshot(root):
    return {p: os.path.getsize(os.path.join(root, p)) for p in files_under(root)
            if "/wandb/" not in "/" + p}  # wandb's own logs grow on their own


BAD_CALLS = [
    ("add_scalars", ({"loss": 0.5, "bad": object()},), {}, TypeError, r"scalar_dict\['bad'\]"),
    ("add_scalars", ({"loss": 0.5, "bad": [1, 2]},), {}, TypeError, r"scalar_dict\['bad'\]"),
    ("add_scalars", ({"loss": 0.5, "bad": "text"},), {}, TypeError, r"scalar_dict\['bad'\]"),
    ("add_scalars", ({"loss": 0.5, "z": 1 + 2j},), {}, TypeError, r"scalar_dict\['z'\]"),
    ("add_scalars", ({"loss": 0.5, "big": 2**70},), {}, ValueError, r"scalar_dict\['big'\]"),
    ("add_scalars", ({"loss": 0.5, 3: 1.0},), {}, TypeError, r"scalar_dict keys"),
    ("add_scalars", ({"loss": 0.5, "": 1.0},), {}, ValueError, r"scalar_dict keys"),
    ("add_scalars", ({"loss": 0.5, "_step": 1.0},), {}, ValueError, r"scalar_dict keys"),
    ("add_scalars", ({"loss": 0.5, "step": 1.0},), {}, ValueError, r"'step'"),
    ("add_scalars", ({"loss": 0.5, "\udcff": 1.0},), {}, ValueError, r"scalar_dict keys"),
    ("add_scalars", ({"loss": 0.5},), {"step": 2**70}, ValueError, r"step"),
    ("add_scalars", ({"loss": 0.5},), {"step": 1.5}, TypeError, r"step"),
    ("add_scalars", ({"loss": 0.5},), {"file_path": "x.txt"}, ValueError, r"file_path"),
    ("add_scalars", ({"loss": 0.5},), {"file_path": 3}, TypeError, r"file_path"),
    ("add_scalar", ("loss", object()), {}, TypeError, r"value"),
    ("add_scalar", ("loss", np.ones(3)), {}, TypeError, r"value"),
    ("add_scalar", ("", 1.0), {}, ValueError, r"name"),
    ("add_scalar", ("loss", 1.0), {"step": -2**64}, ValueError, r"step"),
    ("add_image", ("", np.zeros((4, 4, 3), np.uint8)), {}, ValueError, r"name"),
    ("add_image", ("_img", np.zeros((4, 4, 3), np.uint8)), {}, ValueError, r"name"),
    ("add_image", ("img", np.zeros((4, 4, 3), np.uint8)), {"step": 2**63}, ValueError, r"step"),
    ("add_config", (object(),), {}, TypeError, r"config"),
    ("add_config", ({"not an identifier": 1},), {}, ValueError, r"config"),
    ("add_config", ({"lr": object()},), {}, TypeError, r"config\['lr'\]"),
    ("add_config", ({"model": {"layers": [1, {"act": object()}]}},), {}, TypeError, r"config\['model'\]\['layers'\]\[1\]\['act'\]"),
    ("add_config", ("/no/such/config.py",), {}, ValueError, r"config"),
]


@pytest.mark.parametrize("method, call_args, call_kwargs, error, match", BAD_CALLS,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(BAD_CALLS)])
def test_a_bad_call_is_refused_before_any_backend_writes(three, offline, method, call_args, call_kwargs, error, match):
    before = snapshot(offline)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no backend is reached, so none warns either
        with pytest.raises(error, match=match) as caught:
            getattr(three, method)(*call_args, **call_kwargs)
    if error is ValueError:
        assert isinstance(caught.value, AssertionError)  # MMEngine's `except AssertionError` still works
    assert snapshot(offline) == before
    assert three.backend_failures == {}


def test_every_backend_stores_the_same_values(three, offline, tmp_path):
    import torch

    values = {"f": 0.25, "i": 7, "b": True, "np32": np.float32(0.5), "np_i": np.int64(-3), "t": torch.tensor(1.5),
              "arr": np.array([2.0]), "nan": float("nan"), "inf": float("inf"), "int64_max": 2**63 - 1}
    three.add_scalars(values, step=5)
    three.add_scalar("solo", np.float64(0.125), step=6)
    three.close()
    expected = {"f": 0.25, "i": 7, "b": 1, "np32": 0.5, "np_i": -3, "t": 1.5, "arr": 2.0, "nan": float("nan"),
                "inf": float("inf"), "int64_max": float(2**63 - 1)}

    def same(value):
        return "nan" if value != value else float(value)

    rows = [json.loads(line) for line in (offline / "vis_data" / "scalars.json").read_text().splitlines()]
    local = {k: same(v) for k, v in rows[1].items() if k != "step"}
    assert rows[1]["step"] == 5 and rows[2] == {"solo": 0.125, "step": 6}

    from tensorboard.backend.event_processing import event_accumulator
    acc = event_accumulator.EventAccumulator(str(offline / "vis_data"), size_guidance={event_accumulator.SCALARS: 0})
    acc.Reload()
    board = {tag: same(acc.Scalars(tag)[0].value) for tag in values}
    assert all(acc.Scalars(tag)[0].step == 5 for tag in values)

    from test_wandb_keeps_every_value import values_at_steps
    found = values_at_steps(offline / "vis_data")
    wandb = {key: same(value) for key, value, step in found if step == 5}
    assert ("solo", 0.125, 6) in found

    assert local == {k: same(v) for k, v in expected.items()}
    assert wandb == local
    float32 = {k: same(np.float32(v)) for k, v in local.items() if k != "nan"}
    assert {k: v for k, v in board.items() if k != "nan"} == float32 and board["nan"] == "nan"


def test_backends_used_directly_refuse_what_the_facade_refuses(tmp_path):
    """The same rule lives in the backends: a direct call with a bad value writes nothing."""
    local, board = LocalVisBackend(str(tmp_path / "l")), TensorboardVisBackend(str(tmp_path / "t"))
    for backend in (local, board):
        with pytest.raises(TypeError, match=r"scalar_dict\['bad'\]"):
            backend.add_scalars({"loss": 0.5, "bad": object()}, step=1)
        with pytest.raises(ValueError, match="step"):
            backend.add_scalar("loss", 0.5, step=2**70)
    assert not (tmp_path / "l" / "scalars.json").exists() and not (tmp_path / "t").exists()


def test_the_shared_rules():
    from scenevis.backends._values import check_step, scalar_values

    assert check_step(np.int32(5)) == 5 and check_step(2**63 - 1) == 2**63 - 1
    with pytest.raises(ValueError, match=r"step: expected an integer in \[-2\*\*63, 2\*\*63\)"):
        check_step(2**63)
    assert scalar_values({"a": np.float32(0.5), "b": np.array(3)}) == {"a": 0.5, "b": 3}
    assert type(scalar_values({"b": np.array(3)})["b"]) is int
