"""Every value given to the W&B backend is in the run, at the step the caller gave (issue 12 §1).

W&B drops a ``log(..., step=s)`` whose step is not above the last committed one. The
patterns that hit it in real runs: several calls at one step (scalars, then an image,
then a scalar), a lower step after a higher one, and validation logged at ``step=epoch``
after training logged at ``step=iter`` (MMEngine's LoggerHook does exactly this). Each
test reads the offline ``run-*.wandb`` file back and counts every value; the last one
runs a real MMEngine ``Runner`` with a validation loop.
"""
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

pytest.importorskip("wandb")

from scenevis.backends.wandb import WandbVisBackend  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(__file__)))
import wandb_reader  # noqa: E402
from test_backend_wandb import wandb_file  # noqa: E402
from test_mmengine_runner import TASK as RUNNER_TASK  # noqa: E402  (TinyNet, RandomPairs)


def values_at_steps(save_dir):
    """``[(key, value, step)]`` for every logged value, in order (an image as its ``_type``)."""
    found = []
    for row in wandb_reader.history(wandb_reader.read_records(wandb_file(save_dir))):
        step = row.get("step", row["_step"])  # "_step": W&B's own row counter (before issue 12)
        media = {key[: -len("/_type")] for key in row if key.endswith("/_type")}  # flattened image entries
        for key, value in row.items():
            in_media = any(key.startswith(m + "/") for m in media)
            if key.startswith("_") or key == "step" or in_media and not key.endswith("/_type"):
                continue
            found.append((key[: -len("/_type")], value, step) if key.endswith("/_type") else (key, value, step))
    return found


def test_same_step_calls_keep_every_value(offline):
    backend = WandbVisBackend(str(offline))
    backend.add_scalars({"loss": 0.5, "acc": 0.25}, step=1)
    backend.add_image("img", np.zeros((4, 4, 3), np.uint8), step=1)
    backend.add_scalar("lr", 0.1, step=1)
    backend.add_scalar("lr", 0.2, step=1)  # the same key twice at one step: both kept
    backend.close()
    assert sorted(values_at_steps(offline)) == [
        ("acc", 0.25, 1), ("img", "image-file", 1), ("loss", 0.5, 1), ("lr", 0.1, 1), ("lr", 0.2, 1)]


def test_lower_steps_are_kept(offline):
    backend = WandbVisBackend(str(offline))
    for step in (5, 3, 9, 0, 9):
        backend.add_scalar("x", float(step), step=step)
    backend.close()
    assert values_at_steps(offline) == [("x", float(s), s) for s in (5, 3, 9, 0, 9)]


def test_validation_after_training_is_kept(offline):
    backend = WandbVisBackend(str(offline))
    expected = []
    for epoch in (1, 2):
        for it in range(1, 5):
            step = (epoch - 1) * 4 + it
            backend.add_scalars({"loss": step / 10}, step=step)
            expected.append(("loss", step / 10, step))
        backend.add_scalars({"val/acc": epoch / 4}, step=epoch)  # LoggerHook: step=epoch
        expected.append(("val/acc", epoch / 4, epoch))
    backend.close()
    assert values_at_steps(offline) == expected


def test_commit_false_batches_one_step_without_losing_values(offline):
    backend = WandbVisBackend(str(offline), commit=False)
    backend.add_scalars({"a": 1.0}, step=1)
    backend.add_scalars({"b": 2.0}, step=1)  # same step, new key: same row
    backend.add_scalars({"a": 3.0}, step=1)  # same key again: a new row
    backend.add_scalars({"c": 4.0}, step=0)  # another step: a new row
    backend.close()
    rows = wandb_reader.history(wandb_reader.read_records(wandb_file(offline)))
    assert [{k: v for k, v in row.items() if not k.startswith("_")} for row in rows] == [
        {"a": 1.0, "b": 2.0, "step": 1}, {"a": 3.0, "step": 1}, {"c": 4.0, "step": 0}]


def test_values_are_plotted_against_the_callers_step(offline):
    """The run declares ``step`` as the step metric of every key (``define_metric``)."""
    backend = WandbVisBackend(str(offline), define_metric_cfg={"acc": "max"})
    backend.add_scalars({"acc": 0.5, "loss": 1.0}, step=3)
    backend.close()
    metrics = wandb_reader.defined_metrics(wandb_reader.read_records(wandb_file(offline)))
    assert metrics["*"].step_metric == "step"
    assert metrics["acc"].step_metric == "step" and metrics["acc"].summary.max


TASK = RUNNER_TASK + textwrap.dedent('''
    from mmengine.evaluator import BaseMetric
    from mmengine.registry import METRICS


    @MODELS.register_module()
    class TinyValNet(TinyNet):
        def forward(self, inputs, targets, mode="tensor"):
            if mode == "predict":
                return [dict(err=float((o - t).abs())) for o, t in zip(self.fc(inputs), targets)]
            return super().forward(inputs, targets, mode)


    @METRICS.register_module()
    class MeanError(BaseMetric):
        def process(self, data_batch, data_samples):
            self.results.extend(s["err"] for s in data_samples)

        def compute_metrics(self, results):
            return dict(mean_error=sum(results) / len(results))
''')

CONFIG = textwrap.dedent('''
    custom_imports = dict(imports=["scenevis.integrations.mmengine", "tiny_task"], allow_failed_imports=False)
    default_scope = "mmengine"
    model = dict(type="TinyValNet")
    work_dir = {work_dir!r}
    loader = dict(dataset=dict(type="RandomPairs"), sampler=dict(type="DefaultSampler", shuffle=False),
                  batch_size=4, num_workers=0, collate_fn=dict(type="default_collate"))
    train_dataloader = loader
    val_dataloader = loader
    val_evaluator = dict(type="MeanError")
    train_cfg = dict(by_epoch=True, max_epochs=3, val_interval=1)
    val_cfg = dict()
    optim_wrapper = dict(optimizer=dict(type="SGD", lr=0.01))
    default_hooks = dict(logger=dict(type="LoggerHook", interval=1), checkpoint=dict(type="CheckpointHook", interval=1000))
    visualizer = dict(type="SceneVisualizer", vis_backends=[dict(type="LocalVisBackend"), dict(type="WandbVisBackend")])
''')

RUN = textwrap.dedent('''
    import json, sys
    from mmengine.config import Config
    from mmengine.runner import Runner
    runner = Runner.from_cfg(Config.fromfile(sys.argv[1]))
    runner.train()
    runner.visualizer.close()
    print(json.dumps(dict(timestamp=runner.timestamp)))
''')


@pytest.mark.slow
def test_runner_validation_rows_reach_wandb(tmp_path):
    """3 epochs of 4 iterations, validation after each epoch: W&B holds all 12 training
    losses at steps 1..12 and the 3 validation results at steps 1..3, as scalars.json does."""
    pytest.importorskip("mmengine")
    (tmp_path / "tiny_task.py").write_text(TASK)
    config = tmp_path / "config.py"
    config.write_text(CONFIG.format(work_dir=str(tmp_path / "work")))
    (tmp_path / "run.py").write_text(RUN)
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "WANDB_MODE": "offline", "WANDB_SILENT": "true",
           "WANDB_CACHE_DIR": str(tmp_path / "cache"), "WANDB_DATA_DIR": str(tmp_path / "data"),
           "WANDB_CONFIG_DIR": str(tmp_path / "cfg")}
    done = subprocess.run([sys.executable, "run.py", str(config)], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-4000:]
    timestamp = json.loads(done.stdout.strip().splitlines()[-1])["timestamp"]
    vis_data = tmp_path / "work" / timestamp / "vis_data"
    lines = [json.loads(line) for line in (vis_data / "scalars.json").read_text().splitlines()]
    local = sorted((key, line["step"]) for line in lines for key in ("loss", "mean_error") if key in line)
    assert [s for k, s in local if k == "mean_error"] == [1, 2, 3]
    assert [s for k, s in local if k == "loss"] == list(range(1, 13))
    in_wandb = sorted((key, step) for key, _, step in values_at_steps(vis_data) if key in ("loss", "mean_error"))
    assert in_wandb == local
