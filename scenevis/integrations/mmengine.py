"""Use scenevis inside an MMEngine ``Runner``.

Importing this module (for instance through ``custom_imports`` in a config) registers:

- ``SceneVisualizer`` in MMEngine's ``VISUALIZERS`` (and in scenevis's): the scenevis
  :class:`~scenevis.Visualizer`, also a subclass of ``mmengine.visualization.Visualizer``.
  So ``mmengine.visualization.Visualizer.get_current_instance()`` returns it inside a run
  and hooks of downstream libraries that look the visualizer up find it; it draws and
  records with scenevis (no matplotlib figure).
- scenevis's backends in MMEngine's ``VISBACKENDS`` as ``SceneLocalVisBackend``,
  ``SceneTensorboardVisBackend``, ``SceneWandbVisBackend``, ``SceneMLflowVisBackend``, ...
  (MMEngine's own names stay MMEngine's), so MMEngine's own visualizers can store through
  them too. The same aliases resolve in scenevis's registry.

A config::

    custom_imports = dict(imports=["scenevis.integrations.mmengine"])
    visualizer = dict(type="SceneVisualizer",
                      vis_backends=[dict(type="LocalVisBackend"), dict(type="TensorboardVisBackend")])

Backend types in a ``SceneVisualizer`` config are looked up in scenevis's registry first
(``LocalVisBackend`` is scenevis's) and then in MMEngine's (backends only MMEngine has,
such as one a downstream library registers there). The Runner's config (``add_config``), ``LoggerHook``'s scalars
(``add_scalars(..., file_path=...)``) and the loops' ``dataset_meta`` reach it through the
ordinary Visualizer API. Importing scenevis never requires MMEngine; this module does.
"""
from __future__ import annotations

from typing import Any

from mmengine.registry import VISBACKENDS as MMENGINE_VISBACKENDS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.utils import manager as _mm_manager
from mmengine.visualization import Visualizer as MMEngineVisualizer

from scenevis.backends import (AimVisBackend, ClearMLVisBackend, DVCLiveVisBackend, LocalVisBackend,
                               MLflowVisBackend, NeptuneVisBackend, TensorboardVisBackend, WandbVisBackend)
from scenevis.registry import VISBACKENDS, VISUALIZERS
from scenevis.visualizer import Visualizer

__all__ = ["SceneVisualizer", "BACKEND_ALIASES"]

#: MMEngine registry names of scenevis's backends.
BACKEND_ALIASES = {
    "SceneLocalVisBackend": LocalVisBackend,
    "SceneTensorboardVisBackend": TensorboardVisBackend,
    "SceneWandbVisBackend": WandbVisBackend,
    "SceneMLflowVisBackend": MLflowVisBackend,
    "SceneDVCLiveVisBackend": DVCLiveVisBackend,
    "SceneAimVisBackend": AimVisBackend,
    "SceneClearMLVisBackend": ClearMLVisBackend,
    "SceneNeptuneVisBackend": NeptuneVisBackend,
}


def _resolve_types(vis_backends: Any) -> Any:
    """Backend configs with string types unknown to scenevis but known to MMEngine
    resolved to MMEngine's class (copies; the caller's dicts are not changed)."""
    if vis_backends is None or not isinstance(vis_backends, (list, tuple, dict)):
        return vis_backends
    items = [vis_backends] if isinstance(vis_backends, dict) else list(vis_backends)
    resolved = []
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("type"), str) and VISBACKENDS.get(item["type"]) is None:
            found = MMENGINE_VISBACKENDS.get(item["type"])
            if found is not None:
                item = dict(item, type=found)
        resolved.append(item)
    return resolved


class SceneVisualizer(Visualizer, MMEngineVisualizer):
    """The scenevis facade as an MMEngine visualizer.

    Every method comes from :class:`scenevis.Visualizer` (same MMEngine API, same
    pictures, scenevis speed); MMEngine's base class contributes only its identity, so
    ``isinstance(vis, mmengine.visualization.Visualizer)`` holds and MMEngine's instance
    lookups find it. Instances made with ``get_instance`` (which MMEngine's registry and
    Runner use) are recorded both in scenevis's named instances and in MMEngine's.
    """

    def __init__(self, name: str = "visualizer", image: Any = None, vis_backends: Any = None,
                 save_dir: Any = None, fig_save_cfg: dict = dict(frameon=False),  # noqa: B006  (MMEngine's)
                 fig_show_cfg: dict = dict(frameon=False), *, strict: bool = False) -> None:  # noqa: B006
        super().__init__(name=name, image=image, vis_backends=_resolve_types(vis_backends), save_dir=save_dir,
                         fig_save_cfg=fig_save_cfg, fig_show_cfg=fig_show_cfg, strict=strict)

    @classmethod
    def get_instance(cls, name: str, **kwargs: Any) -> "SceneVisualizer":
        """Create or return the instance named ``name``, recorded in both libraries, so
        both ``scenevis.Visualizer.get_current_instance()`` and
        ``mmengine.visualization.Visualizer.get_current_instance()`` return it."""
        instance = super().get_instance(name, **kwargs)
        with _mm_manager._lock:
            for klass in {cls, SceneVisualizer, MMEngineVisualizer}:
                table = klass._instance_dict
                if table.get(name) is not instance:
                    table.pop(name, None)
                    table[name] = instance  # newest last, as MMEngine's lookup expects
        return instance


MMENGINE_VISUALIZERS.register_module(name="SceneVisualizer", module=SceneVisualizer, force=True)
VISUALIZERS.register_module(name="SceneVisualizer", module=SceneVisualizer, force=True)
for _alias, _backend in BACKEND_ALIASES.items():
    MMENGINE_VISBACKENDS.register_module(name=_alias, module=_backend, force=True)
    VISBACKENDS.register_module(name=_alias, module=_backend, force=True)
