"""What every shape node shares: coordinate arrays, per-item checks, style fields.

Layer 2. A shape node holds N items as arrays; per-item styles are arrays of length 1 or N.
"""
from __future__ import annotations

import functools
from typing import Any

import attrs
import numpy as np

from scenevis._arrays import coords, frozen
from scenevis.colors import DEFAULT_PALETTE
from scenevis.scene import Scene
from scenevis.style import Style

__all__ = ["Shape", "radii", "offsets", "style_field", "class_style"]


def offsets(value: Any) -> np.ndarray:
    return frozen(np.asarray(value), np.int64)


style_field = functools.partial(attrs.field, factory=Style, validator=attrs.validators.instance_of(Style))


class Shape(Scene):
    """A node of N styled items; subclasses define ``count``."""

    __slots__ = ()
    #: Settings this node type uses when neither it nor an enclosing group sets them.
    DEFAULTS = Style()
    #: Fields besides the style that hold one value for all items or one per item.
    PER_ITEM: tuple = ()

    @property
    def count(self) -> int:
        raise NotImplementedError

    def __attrs_post_init__(self) -> None:
        owner, n = type(self).__name__.lower(), self.count
        self.style.check_items(n, owner)
        for name in self.PER_ITEM:
            value = getattr(self, name)
            if value is not None and len(value) not in (1, n):
                raise ValueError(f"{name}: expected 1 or {n} values (one per item of {owner}), got {len(value)}")

    def replace(self, **changes: Any) -> "Shape":
        """This node with ``changes`` to some fields.

        Unlike ``attrs.evolve``, only the changed fields are converted and checked (then
        the per-item counts); the others were checked when this node was made. The
        module functions and the facade use it to attach what depends on the item count."""
        kind = type(self)
        out = object.__new__(kind)
        for field in attrs.fields(kind):
            if field.name in changes:
                value = changes.pop(field.name)
                if value is not getattr(self, field.name):  # the node's own value was checked already
                    if field.converter is not None:
                        value = field.converter(value)
                    if field.validator is not None:
                        field.validator(out, field, value)
            else:
                value = getattr(self, field.name)
            object.__setattr__(out, field.name, value)
        if changes:
            raise TypeError(f"{kind.__name__}.replace: unknown fields {sorted(changes)}")
        out.__attrs_post_init__()
        return out


def radii(name: str):
    def convert(value: Any) -> np.ndarray:
        array = coords(value, name, (None,), ())
        array = array.reshape(1) if array.ndim == 0 else array
        if array.size and array.min() < 0:
            raise ValueError(f"{name}: expected values >= 0, got {array.min():g}")
        return array
    return convert


def class_style(n: int, class_ids: Any, color: Any, **settings: Any) -> Style:
    """The style of the module functions' keyword settings; ``class_ids`` (integers, one
    per item) pick colors from the default palette when ``color`` is not given."""
    if class_ids is not None and color is None:
        color = DEFAULT_PALETTE.take(class_ids)
        if len(color) != n:
            raise ValueError(f"class_ids: expected {n} ids (one per item), got {len(color)}")
    return Style(color=color, **{k: v for k, v in settings.items() if v is not None})
