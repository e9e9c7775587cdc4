"""``DVCLiveVisBackend``: a DVCLive ``Live`` logger writing under ``save_dir``.

MMEngine's constructor arguments. What DVCLive writes (its own layout, ``dir`` defaulting
to ``save_dir``): ``plots/metrics/<name>.tsv`` (one row per step), ``metrics.json`` (the
latest values, written at ``close()``), ``params.yaml`` (the config), ``plots/images/``.
Differences from MMEngine's backend, all deliberate:

- **Nothing outside ``save_dir``.** ``dvc.yaml`` goes to ``{dir}/dvc.yaml`` (DVCLive's
  default is ``dvc.yaml`` in the working folder; DVC reads a ``dvc.yaml`` in any folder).
- **No repository is created.** MMEngine runs ``dvc init -f --no-scm`` in the working
  folder when it is not a Git repository (so DVC can cache images); this backend never
  writes outside ``save_dir`` itself. Images are cached (``cache_images``, MMEngine's
  default ``True``) and files uploaded at ``close()`` only when DVCLive finds a DVC
  repository (or a Git repository, where DVCLive itself sets DVC up, as it does for
  any ``Live()``); elsewhere ``cache_images`` is off instead of failing at ``end()``.
- **Images keep every step**, as ``plots/images/{name}/{step}.png``: the layout DVC
  Studio and the VS Code extension show with a step slider. MMEngine writes
  ``{name}.png``, overwritten each step.
- Metric and image names follow the path rule of ``scenevis/backends/_paths.py``
  (``'../x'`` becomes ``'__/x'``), so no name writes outside ``plots/``.
- Scalars that are not one number are skipped with a ``UserWarning``; ``'step'`` in
  ``scalar_dict`` is a ``ValueError``; any image ``as_image`` accepts is stored
  (MMEngine asserts uint8).
- ``init_kwargs`` is copied, never modified.
"""
from __future__ import annotations

import os
import warnings
from typing import Any, List, Optional, Sequence, Tuple, Union

import numpy as np

from scenevis.backends._paths import name_parts
from scenevis.backends._tracker import (TrackerBackend, check_optional, check_suffixes, import_sdk, plain_config,
                                        run_files, warn_at_exit)
from scenevis.registry import VISBACKENDS

__all__ = ["DVCLiveVisBackend"]

_NAME = "DVCLiveVisBackend"


@VISBACKENDS.register_module()
class DVCLiveVisBackend(TrackerBackend):
    """Log scalars, images and the config with DVCLive.

    Args:
        save_dir: DVCLive's ``dir`` unless ``init_kwargs`` names another.
        artifact_suffix: suffixes of the ``save_dir`` files tracked with DVC
            (``Live.log_artifact``) at ``close()``, when there is a DVC repository.
        init_kwargs: keyword arguments of ``dvclive.Live`` (copied); MMEngine's defaults
            ``save_dvc_exp=True`` and ``cache_images=True`` apply unless given.
    """

    def __init__(self, save_dir: Optional[str], artifact_suffix: Union[str, Sequence[str]] = (".json", ".py", "yaml"),
                 init_kwargs: Optional[dict] = None):
        check_optional(init_kwargs, dict, "init_kwargs", "a dict")
        suffixes = check_suffixes(artifact_suffix)
        super().__init__(save_dir)
        self._artifact_suffix = suffixes
        self._init_kwargs = dict(init_kwargs) if init_kwargs is not None else {}
        self._dvclive: Any = None
        self._has_repo = False

    def _start(self) -> None:
        root = self._require_save_dir()
        dvclive = import_sdk("dvclive", _NAME, "dvclive")
        from dvclive.dvc import get_dvc_repo

        kwargs = dict(self._init_kwargs)
        kwargs.setdefault("dir", root)
        kwargs.setdefault("dvcyaml", os.path.join(kwargs["dir"], "dvc.yaml"))  # DVCLive's default: the working folder
        kwargs.setdefault("save_dvc_exp", True)
        # The repository DVCLive will use (it sets DVC up inside a Git repository itself).
        self._has_repo = get_dvc_repo() is not None
        if not self._has_repo and kwargs.get("cache_images", True):
            if "cache_images" in kwargs:
                warnings.warn(f"{_NAME}: cache_images=True needs a DVC or Git repository around the working "
                              f"folder {os.getcwd()!r}; images are written but not cached", UserWarning, stacklevel=5)
            kwargs["cache_images"] = False
        kwargs.setdefault("cache_images", True)
        live = dvclive.Live(**kwargs)
        self._dvclive = live
        self._close_at_exit(warn_at_exit, _NAME, "ending the DVCLive run", live.end)

    def _finish(self) -> None:
        try:
            if self._has_repo:
                for path, _ in self._files_to_track():
                    self._dvclive.log_artifact(path)
        finally:
            self._dvclive.end()

    def _files_to_track(self) -> List[Tuple[str, str]]:
        """The ``save_dir`` files ending in ``artifact_suffix``, except DVCLive's own outputs."""
        live = self._dvclive
        own = [live.plots_dir, live.metrics_file, live.params_file, live.dvc_file, live.artifacts_dir]
        return run_files(self._save_dir, self._artifact_suffix, recursive=True, exclude=own)  # type: ignore[arg-type]

    @property
    def experiment(self) -> Any:
        """The ``dvclive.Live`` logger."""
        with self._lock:
            self._ensure_env()
            return self._dvclive

    def add_config(self, config: Any, **kwargs: Any) -> None:
        """Log the config as DVCLive params (``params.yaml``)."""
        params = plain_config(config)
        with self._lock:
            self._ensure_env()
            self._dvclive.log_params(params)

    def add_image(self, name: str, image: np.ndarray, step: int = 0, **kwargs: Any) -> None:
        """Write ``image`` to ``plots/images/{name}/{step}.png``."""
        self._check_name(name)
        step = self._check_step(step)
        rgb = self._check_image(image)
        path = "/".join(name_parts(name) + [f"{step}.png"])
        with self._lock:
            self._ensure_env()
            self._dvclive.log_image(path, rgb)

    def _log_scalars(self, items: List[Tuple[str, float]], step: int) -> None:
        """``Live.step = step``, then one ``plots/metrics/{name}.tsv`` row per number."""
        self._dvclive.step = step
        for name, value in items:
            self._dvclive.log_metric("/".join(name_parts(name, arg="scalar name")), value)
