"""Storage backends: where images, scalars and configs go.

``LocalVisBackend`` writes files, ``TensorboardVisBackend`` TensorBoard event files,
``WandbVisBackend`` a Weights & Biases run, and ``MLflowVisBackend``, ``ClearMLVisBackend``,
``NeptuneVisBackend``, ``DVCLiveVisBackend`` and ``AimVisBackend`` a run of those trackers.
Importing this package registers all eight in :data:`scenevis.registry.VISBACKENDS` under
their class names; each SDK is imported on first use only, so the import stays light.
"""
from scenevis.backends.aim import AimVisBackend
from scenevis.backends.base import BaseVisBackend
from scenevis.backends.clearml import ClearMLVisBackend
from scenevis.backends.dvclive import DVCLiveVisBackend
from scenevis.backends.local import LocalVisBackend
from scenevis.backends.mlflow import MLflowVisBackend
from scenevis.backends.neptune import NeptuneVisBackend
from scenevis.backends.tensorboard import TensorboardVisBackend
from scenevis.backends.wandb import WandbVisBackend

__all__ = ["BaseVisBackend", "LocalVisBackend", "TensorboardVisBackend", "WandbVisBackend", "MLflowVisBackend",
           "ClearMLVisBackend", "NeptuneVisBackend", "DVCLiveVisBackend", "AimVisBackend"]
