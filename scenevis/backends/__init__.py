"""Storage backends: where images, scalars and configs go.

``LocalVisBackend`` writes files, ``TensorboardVisBackend`` TensorBoard event files and
``WandbVisBackend`` a Weights & Biases run. Importing this package registers all three in
:data:`scenevis.registry.VISBACKENDS` under their class names; the TensorBoard and WandB
SDKs are imported on first use only, so the import stays light.
"""
from scenevis.backends.base import BaseVisBackend
from scenevis.backends.local import LocalVisBackend
from scenevis.backends.tensorboard import TensorboardVisBackend
from scenevis.backends.wandb import WandbVisBackend

__all__ = ["BaseVisBackend", "LocalVisBackend", "TensorboardVisBackend", "WandbVisBackend"]
