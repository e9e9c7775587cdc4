"""A real MMEngine Runner trains on scenevis (issue 5 §3).

A tiny model trains for 2 epochs on random data in a subprocess (MMEngine keeps global
state: loggers, scopes, instances) from a config file that loads scenevis only through
``custom_imports``. Asserted afterwards: ``scalars.json`` and the TensorBoard events
(read back with TensorBoard's own ``EventAccumulator``) hold the loss at steps 1..8, the
Runner's config reached the local backend, and inside the run MMEngine's
``Visualizer.get_current_instance()`` was the scenevis visualizer carrying the dataset's
meta information.
"""
import json
import subprocess
import sys
import textwrap

import pytest

TASK = textwrap.dedent('''
    """A tiny regression task registered in MMEngine's registries."""
    import json

    import torch
    from mmengine.hooks import Hook
    from mmengine.model import BaseModel
    from mmengine.registry import DATASETS, HOOKS, MODELS
    from torch.utils.data import Dataset


    @MODELS.register_module()
    class TinyNet(BaseModel):
        def __init__(self):
            super().__init__()
            self.fc = torch.nn.Linear(4, 1)

        def forward(self, inputs, targets, mode="tensor"):
            out = self.fc(inputs)
            if mode == "loss":
                return dict(loss=((out - targets) ** 2).mean())
            return out


    @DATASETS.register_module()
    class RandomPairs(Dataset):
        def __init__(self, n=16):
            g = torch.Generator().manual_seed(0)
            self.x, self.y = torch.randn(n, 4, generator=g), torch.randn(n, 1, generator=g)

        @property
        def metainfo(self):
            return dict(classes=("cat", "dog"), palette=[(220, 20, 60), (0, 0, 142)])

        def __len__(self):
            return len(self.x)

        def __getitem__(self, i):
            return dict(inputs=self.x[i], targets=self.y[i])


    @HOOKS.register_module()
    class ProbeHook(Hook):
        """Records what downstream hooks would see of the visualizer."""

        def __init__(self, out):
            self.out = out

        def after_train_epoch(self, runner):
            import scenevis.visualizer
            from mmengine.visualization import Visualizer
            vis = Visualizer.get_current_instance()
            record = dict(type=type(vis).__name__, is_runner_visualizer=vis is runner.visualizer,
                          is_scenevis=isinstance(vis, scenevis.visualizer.Visualizer),
                          scenevis_current=scenevis.visualizer.Visualizer.get_current_instance() is vis,
                          dataset_meta=vis.dataset_meta, backends=sorted(vis._vis_backends))
            with open(self.out, "a") as f:
                f.write(json.dumps(record) + "\\n")
            vis.add_image("probe/sample", torch.full((24, 32, 3), 60 * runner.epoch, dtype=torch.uint8).numpy(),
                          step=runner.epoch)
''')

CONFIG = textwrap.dedent('''
    custom_imports = dict(imports=["scenevis.integrations.mmengine", "tiny_task"], allow_failed_imports=False)
    default_scope = "mmengine"
    model = dict(type="TinyNet")
    work_dir = {work_dir!r}
    train_dataloader = dict(dataset=dict(type="RandomPairs"), sampler=dict(type="DefaultSampler", shuffle=False),
                            batch_size=4, num_workers=0, collate_fn=dict(type="default_collate"))
    train_cfg = dict(by_epoch=True, max_epochs=2)
    optim_wrapper = dict(optimizer=dict(type="SGD", lr=0.01))
    default_hooks = dict(logger=dict(type="LoggerHook", interval=1), checkpoint=dict(type="CheckpointHook", interval=1000))
    custom_hooks = [dict(type="ProbeHook", out={probe!r})]
    visualizer = dict(type="SceneVisualizer",
                      vis_backends=[dict(type="LocalVisBackend"), dict(type="TensorboardVisBackend")])
    randomness = dict(seed=0)
''')

RUN = textwrap.dedent('''
    import json, sys
    from mmengine.config import Config
    from mmengine.runner import Runner
    before = "scenevis" in sys.modules
    cfg = Config.fromfile(sys.argv[1])
    runner = Runner.from_cfg(cfg)
    runner.train()
    print(json.dumps(dict(log_dir=runner.log_dir, timestamp=runner.timestamp, scenevis_before_config=before)))
''')


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """The tiny task trained for 2 epochs by a Runner in a subprocess: (folder, result)."""
    tmp_path = tmp_path_factory.mktemp("runner")
    (tmp_path / "tiny_task.py").write_text(TASK)
    probe = tmp_path / "probe.jsonl"
    config = tmp_path / "tiny_config.py"
    config.write_text(CONFIG.format(work_dir=str(tmp_path / "work"), probe=str(probe)))
    script = tmp_path / "run.py"
    script.write_text(RUN)
    done = subprocess.run([sys.executable, str(script), str(config)], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300, env={**__import__("os").environ, "PYTHONPATH": str(tmp_path)})
    assert done.returncode == 0, done.stderr[-4000:]
    return tmp_path, json.loads(done.stdout.strip().splitlines()[-1])


def test_runner_trains_two_epochs_recording_through_scenevis(trained):
    tmp_path, result = trained
    probe = tmp_path / "probe.jsonl"
    assert result["scenevis_before_config"] is False  # scenevis came in through custom_imports

    # Inside the run, MMEngine's lookup found the scenevis visualizer with the dataset meta.
    records = [json.loads(line) for line in probe.read_text().splitlines()]
    assert len(records) == 2
    for record in records:
        assert record == dict(type="SceneVisualizer", is_runner_visualizer=True, is_scenevis=True,
                              scenevis_current=True,
                              dataset_meta=dict(classes=["cat", "dog"], palette=[[220, 20, 60], [0, 0, 142]]),
                              backends=["LocalVisBackend", "TensorboardVisBackend"])

    vis_data = tmp_path / "work" / result["timestamp"] / "vis_data"
    # LoggerHook's scalars: one line per iteration, loss at steps 1..8 (2 epochs x 4 iterations).
    lines = [json.loads(line) for line in (vis_data / "scalars.json").read_text().splitlines()]
    losses = {line["step"]: line["loss"] for line in lines if "loss" in line}
    assert sorted(losses) == list(range(1, 9))
    assert all(isinstance(v, float) and v > 0 for v in losses.values())
    # file_path= from LoggerHook goes to the run's own JSON log as well.
    extra = [json.loads(line) for line in (vis_data / f"{result['timestamp']}.json").read_text().splitlines()]
    assert [line["step"] for line in extra if "loss" in line] == list(range(1, 9))

    # The Runner's config reached the local backend.
    config_text = (vis_data / "config.py").read_text()
    assert "SceneVisualizer" in config_text and "max_epochs=2" in config_text.replace(" ", "")

    # TensorBoard's own reader sees the same losses at the same steps.
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    events = EventAccumulator(str(vis_data))
    events.Reload()
    scalars = events.Scalars("loss")
    assert [e.step for e in scalars] == list(range(1, 9))
    for event in scalars:
        assert event.value == pytest.approx(losses[event.step], rel=1e-5)


def test_report_of_the_runners_work_dir_in_chromium(trained, chromium):
    """``scenevis report`` on the work dir a real Runner wrote: its run found below the
    timestamp folder, a chart per key LoggerHook logged, the images the hook added."""
    tmp_path, result = trained
    out = tmp_path / "report.html"
    done = subprocess.run([sys.executable, "-m", "scenevis", "report", str(tmp_path / "work"), "-o", str(out), "-q"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    with chromium.page((1200, 900)) as page:
        requests = []
        page.on("request", lambda request: requests.append(request.url))
        page.goto(chromium.file_url(out), wait_until="load")
        data = page.evaluate("() => window.scenevis.data")
        assert [run["name"] for run in data["runs"]] == [f"work/{result['timestamp']}"]
        keys = [chart["key"] for chart in data["charts"]]
        assert {"loss", "lr", "time", "data_time"} <= set(keys)
        assert page.locator(".sv-chart").count() == len(keys)
        loss = data["charts"][keys.index("loss")]["series"][0]
        assert loss["x"] == list(range(1, 9))
        lines = [json.loads(line) for line in
                 (tmp_path / "work" / result["timestamp"] / "vis_data" / "scalars.json").read_text().splitlines()]
        assert loss["y"] == [line["loss"] for line in lines if "loss" in line]
        gallery = page.locator(".sv-gallery", has=page.locator("h3", has_text="probe/sample"))
        assert next(g for g in data["galleries"] if g["name"] == "probe/sample")["steps"] == [0, 1]  # runner.epoch
        assert gallery.locator(".sv-step").inner_text() == "step 1"
        assert gallery.locator("img").evaluate("img => img.decode().then(() => img.naturalWidth)") == 32
        assert "SceneVisualizer" in page.locator(".sv-config").inner_text()
        assert page.locator("#sv-notes").count() == 0  # a clean run: nothing to note
        assert all(url.startswith(("file:", "data:")) for url in requests)


# ----------------------------------------------------------------------------- registrations, in process

def test_scene_visualizer_is_found_by_both_libraries(tmp_path):
    import copy
    import uuid

    from mmengine.registry import VISUALIZERS as MM_VISUALIZERS
    from mmengine.visualization import Visualizer as MMVisualizer

    from scenevis.integrations.mmengine import SceneVisualizer
    from scenevis.visualizer import Visualizer

    cfg = dict(type="SceneVisualizer", name=f"int_{uuid.uuid4().hex[:6]}", save_dir=str(tmp_path),
               vis_backends=[dict(type="LocalVisBackend"), dict(type="SceneTensorboardVisBackend", name="tb")])
    before = copy.deepcopy(cfg)
    vis = MM_VISUALIZERS.build(cfg)
    assert cfg == before
    assert isinstance(vis, SceneVisualizer) and isinstance(vis, MMVisualizer) and isinstance(vis, Visualizer)
    assert MMVisualizer.get_current_instance() is vis and Visualizer.get_current_instance() is vis
    assert MMVisualizer.get_instance(cfg["name"]) is vis
    assert sorted(vis._vis_backends) == ["LocalVisBackend", "tb"]
    import numpy as np
    vis.set_image(np.zeros((10, 12, 3), np.uint8))
    assert vis.draw_bboxes(np.array([1, 1, 6, 6])) is vis and vis.get_image().shape == (10, 12, 3)


def test_mmengines_own_visualizer_stores_through_scenevis_backends(tmp_path):
    import uuid

    import scenevis.integrations.mmengine  # noqa: F401  (registers the aliases)
    from mmengine.visualization import Visualizer as MMVisualizer

    from scenevis.backends import LocalVisBackend

    vis = MMVisualizer(name=f"mm_{uuid.uuid4().hex[:6]}", vis_backends=[dict(type="SceneLocalVisBackend")],
                       save_dir=str(tmp_path))
    assert isinstance(vis.get_backend("LocalVisBackend"), LocalVisBackend)
    vis.add_scalars({"acc": 0.5}, step=2)
    vis.close()
    assert json.loads((tmp_path / "vis_data" / "scalars.json").read_text()) == {"acc": 0.5, "step": 2}


def test_backend_types_only_mmengine_has_are_built_by_mmengine(tmp_path):
    import uuid

    from mmengine.registry import VISBACKENDS as MM_VISBACKENDS
    from mmengine.visualization.vis_backend import BaseVisBackend as MMBaseVisBackend

    from scenevis.backends import MLflowVisBackend
    from scenevis.integrations.mmengine import SceneVisualizer

    class OnlyInMMEngine(MMBaseVisBackend):
        def _init_env(self):
            pass

        @property
        def experiment(self):
            return self

    only = f"OnlyInMMEngine{uuid.uuid4().hex[:6]}"
    MM_VISBACKENDS.register_module(name=only, module=OnlyInMMEngine)
    vis = SceneVisualizer(name=f"ml_{uuid.uuid4().hex[:6]}", save_dir=str(tmp_path),
                          vis_backends=[dict(type=only), dict(type="MLflowVisBackend")])
    assert isinstance(vis.get_backend("OnlyInMMEngine"), OnlyInMMEngine)
    assert isinstance(vis.get_backend("MLflowVisBackend"), MLflowVisBackend)  # scenevis has it: scenevis's
