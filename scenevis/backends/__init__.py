"""Storage backends: where images, scalars and configs go.

``LocalVisBackend`` writes files, ``TensorboardVisBackend`` TensorBoard event files and
``WandbVisBackend`` a Weights & Biases run. All are registered in
:data:`scenevis.registry.VISBACKENDS` under their class names. The TensorBoard and WandB
SDKs are imported on first use only, so importing this package stays light.
"""
from scenevis.backends.base import BaseVisBackend
from scenevis.backends.local import LocalVisBackend

__all__ = ["BaseVisBackend", "LocalVisBackend"]
