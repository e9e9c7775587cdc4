"""Registries that build objects from config dicts, and named global instances.

Layer 6: standard library only. This is the one module of scenevis that holds global
state: the two registries :data:`VISUALIZERS` and :data:`VISBACKENDS`, and the table of
named instances behind :class:`ManagedInstances`. That table is guarded by a single
re-entrant lock, always taken with ``with`` so it is released on every error path.

The contract follows MMEngine's ``Registry`` and ``ManagerMixin`` where code relies on it:

- ``@REG.register_module()`` / ``REG.register_module(module=Cls, name=..., force=...)``;
  registering a taken name without ``force=True`` raises ``KeyError``.
- ``REG.module_dict`` is the name -> object ``dict`` itself (code pops names from it).
- ``REG.get(name)`` returns the registered object or ``None`` when the name is unknown.
- ``REG.build(cfg)`` builds ``cfg['type']`` (a registered name or a callable) with the
  remaining keys; a class deriving from :class:`ManagedInstances` is built through its
  ``get_instance``, so the built object is also reachable as a named global instance.
  The caller's ``cfg`` is never mutated.
- ``Cls.get_current_instance()`` returns the most recently created instance of ``Cls``
  *or of any subclass* (MMEngine only looks at the exact class).
"""
from __future__ import annotations

import inspect
import threading
import warnings
from collections.abc import Mapping
from typing import Any, Callable, Dict, List, Optional, Type, TypeVar

__all__ = ["Registry", "ManagedInstances", "build_from_cfg", "VISUALIZERS", "VISBACKENDS"]

T = TypeVar("T")

_LOCK = threading.RLock()
"""Guards every registry table and the named-instance table (re-entrant: building an
instance may build others, e.g. a visualizer building its backends)."""


def _as_dict(cfg: Any, name: str) -> Dict[str, Any]:
    """Return a new plain dict with the top-level items of ``cfg`` (never ``cfg`` itself)."""
    if isinstance(cfg, Mapping):
        return dict(cfg.items())
    to_dict = getattr(cfg, "to_dict", None)  # mmengine.Config is not a Mapping
    if callable(to_dict):
        return dict(to_dict())
    raise TypeError(f"{name}: expected a dict (or mmengine Config), got {type(cfg).__name__}")


def build_from_cfg(cfg: Any, registry: "Registry", default_args: Optional[Mapping] = None) -> Any:
    """Build the object that ``cfg`` describes; the default build function of a registry.

    ``cfg['type']`` (or ``default_args['type']``) is a name registered in ``registry`` or a
    callable. Keys of ``default_args`` fill in keys missing from ``cfg``. Classes deriving
    from :class:`ManagedInstances` are built with ``cls.get_instance(name, **kwargs)``; when
    ``cfg`` has no ``name`` the default of the class's ``name`` parameter is used.
    Neither ``cfg`` nor ``default_args`` is mutated.
    """
    args = _as_dict(cfg, "cfg")
    if default_args is not None:
        for key, value in _as_dict(default_args, "default_args").items():
            args.setdefault(key, value)
    if "type" not in args:
        raise KeyError(f'cfg: expected a "type" key naming one of {registry.names()}, got keys {sorted(args)}')
    obj_type = args.pop("type")
    if isinstance(obj_type, str):
        obj_cls = registry.get(obj_type)
        if obj_cls is None:
            raise KeyError(
                f"{obj_type!r} is not registered in the {registry.name!r} registry; "
                f"known types: {registry.names()}"
            )
    elif callable(obj_type):
        obj_cls = obj_type
    else:
        raise TypeError(f"cfg['type']: expected a registered name or a class, got {type(obj_type).__name__}")
    if inspect.isclass(obj_cls) and issubclass(obj_cls, ManagedInstances):
        if "name" not in args:
            args["name"] = _default_name(obj_cls)
        return obj_cls.get_instance(**args)
    return obj_cls(**args)


def _default_name(cls: type) -> str:
    try:
        param = inspect.signature(cls).parameters.get("name")
    except (TypeError, ValueError):
        param = None
    if param is None or param.default is inspect.Parameter.empty:
        raise TypeError(f"cfg: {cls.__name__} is a named global instance and needs a 'name' key")
    return param.default


class Registry:
    """A table from names to classes (or functions), able to build them from configs.

    Args:
        name: what the registry holds, used in messages (``'visualizer'``).
        build_func: ``build_func(cfg, registry=..., default_args=...)`` replaces
            :func:`build_from_cfg` when given.
    """

    def __init__(self, name: str, build_func: Optional[Callable[..., Any]] = None):
        if not isinstance(name, str) or not name:
            raise TypeError(f"name: expected a non-empty str, got {name!r}")
        self._name = name
        self._modules: Dict[str, Any] = {}
        self._build_func = build_func if build_func is not None else build_from_cfg

    @property
    def name(self) -> str:
        return self._name

    @property
    def module_dict(self) -> Dict[str, Any]:
        """The name -> object table itself, a plain ``dict`` as in MMEngine: code written
        for MMEngine unregisters a name with ``REG.module_dict.pop(name)``. Registering
        goes through :meth:`register_module` (which checks names and takes the lock)."""
        return self._modules

    def names(self) -> List[str]:
        """The registered names, sorted."""
        with _LOCK:
            return sorted(self._modules)

    def __len__(self) -> int:
        return len(self._modules)

    def __contains__(self, key: object) -> bool:
        return self.get(key) is not None if isinstance(key, str) else False

    def __repr__(self) -> str:
        return f"Registry(name={self._name!r}, items={self.names()})"

    def get(self, key: str) -> Optional[Any]:
        """Return the object registered as ``key``, or ``None`` when there is none.

        A ``'scope.Name'`` key (MMEngine's scoped form) is looked up by ``'Name'`` when the
        full key is not registered.
        """
        if not isinstance(key, str):
            raise TypeError(f"key: expected a str, got {type(key).__name__}")
        with _LOCK:
            found = self._modules.get(key)
            if found is None and "." in key:
                found = self._modules.get(key.rsplit(".", 1)[1])
            return found

    def register_module(
        self,
        name: Optional[Any] = None,
        force: bool = False,
        module: Optional[Any] = None,
    ) -> Any:
        """Register ``module`` under ``name`` (default: its ``__name__``).

        Used as a decorator (``@REG.register_module()``, ``@REG.register_module('Alias')``)
        or called directly (``REG.register_module(module=Cls)``), in which case it returns
        ``module``. ``name`` may also be a list of names. A name already taken by another
        object raises ``KeyError`` unless ``force=True``.
        """
        if not isinstance(force, bool):
            raise TypeError(f"force: expected a bool, got {type(force).__name__}")
        if not (name is None or isinstance(name, str) or
                (isinstance(name, (list, tuple)) and all(isinstance(n, str) for n in name))):
            raise TypeError(f"name: expected None, a str or a list of str, got {type(name).__name__}")
        if module is not None:
            self._register(module, name, force)
            return module

        def decorator(obj: T) -> T:
            self._register(obj, name, force)
            return obj

        return decorator

    def _register(self, module: Any, name: Any, force: bool) -> None:
        if not callable(module):
            raise TypeError(f"module: expected a class or function, got {type(module).__name__}")
        names = [module.__name__] if name is None else [name] if isinstance(name, str) else list(name)
        with _LOCK:
            if not force:
                for key in names:
                    existing = self._modules.get(key)
                    if existing is not None and existing is not module:
                        raise KeyError(
                            f"{key!r} is already registered in the {self._name!r} registry "
                            f"(by {existing.__module__}.{existing.__qualname__}); pass force=True to replace it"
                        )
            for key in names:
                self._modules[key] = module

    def build(self, cfg: Any, default_args: Optional[Mapping] = None, **kwargs: Any) -> Any:
        """Build an object from ``cfg`` (see :func:`build_from_cfg`); ``cfg`` is not mutated.

        ``default_args`` and extra keyword arguments fill in keys missing from ``cfg``.
        """
        defaults = dict(_as_dict(default_args, "default_args")) if default_args is not None else {}
        defaults.update(kwargs)
        return self._build_func(cfg, registry=self, default_args=defaults or None)


class ManagedInstances:
    """Mixin giving a class named global instances, like MMEngine's ``ManagerMixin``.

    The subclass's ``__init__`` must accept ``name`` and call ``super().__init__(name)``
    (or set the name by other means before :attr:`instance_name` is read).
    Instances are recorded by ``get_instance``; constructing the class directly creates an
    ordinary object that is not recorded.
    """

    # All recorded instances in creation order, shared by every subclass; guarded by _LOCK.
    _instances: List["ManagedInstances"] = []

    def __init__(self, name: str = "", **kwargs: Any):
        if not isinstance(name, str) or not name:
            raise ValueError(f"name: expected a non-empty str, got {name!r}")
        self._instance_name = name

    @property
    def instance_name(self) -> str:
        """The name this instance was created with."""
        return self._instance_name

    @classmethod
    def _find(cls, name: str) -> Optional["ManagedInstances"]:
        exact = None
        for instance in reversed(ManagedInstances._instances):
            if instance.instance_name == name and isinstance(instance, cls):
                if type(instance) is cls:
                    return instance
                exact = exact or instance
        return exact

    @classmethod
    def get_instance(cls: Type[T], name: str, **kwargs: Any) -> T:
        """Return the instance of ``cls`` named ``name``, creating it on first use.

        An existing instance of ``cls`` or of a subclass with that name is returned (an
        exact-class instance is preferred). Passing ``kwargs`` for a name that already exists
        warns that they are ignored, as MMEngine does. Creation runs under the global lock,
        so concurrent calls with one name create one instance; when ``__init__`` raises,
        nothing is recorded and the lock is released.
        """
        if not isinstance(name, str) or not name:
            raise TypeError(f"name: expected a non-empty str, got {name!r}")
        with _LOCK:
            existing = cls._find(name)  # type: ignore[attr-defined]
            if existing is not None:
                if kwargs:
                    warnings.warn(
                        f"{cls.__name__} instance {name!r} already exists; get_instance ignores "
                        f"the arguments {sorted(kwargs)}",
                        UserWarning,
                        stacklevel=2,
                    )
                return existing  # type: ignore[return-value]
            instance = cls(name=name, **kwargs)  # type: ignore[call-arg]
            ManagedInstances._instances.append(instance)  # type: ignore[arg-type]
            return instance

    @classmethod
    def get_current_instance(cls: Type[T]) -> T:
        """Return the most recently created instance of ``cls`` or of any subclass.

        Raises ``RuntimeError`` when ``get_instance`` has not created one yet.
        """
        with _LOCK:
            for instance in reversed(ManagedInstances._instances):
                if isinstance(instance, cls):
                    return instance  # type: ignore[return-value]
        raise RuntimeError(
            f"no {cls.__name__} instance exists yet: call {cls.__name__}.get_instance(name) "
            "(or build one from a config) first"
        )

    @classmethod
    def check_instance_created(cls, name: str) -> bool:
        """Whether an instance of ``cls`` (or of a subclass) named ``name`` exists."""
        with _LOCK:
            return cls._find(name) is not None


VISUALIZERS = Registry("visualizer")
"""Visualizer classes; building one goes through its ``get_instance``."""

VISBACKENDS = Registry("vis_backend")
"""Storage backends (``LocalVisBackend``, ``TensorboardVisBackend``, ``WandbVisBackend``)."""
