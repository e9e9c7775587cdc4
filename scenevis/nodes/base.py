"""What every shape node shares: coordinate arrays, per-item checks, style fields, item
metadata and item selection.

Layer 2. A shape node holds N items as arrays; per-item styles are arrays of length 1 or N;
``meta`` holds one value per item under each key (:mod:`scenevis.nodes.items`).
"""
from __future__ import annotations

import functools
from typing import Any, ClassVar, Optional

import attrs
import numpy as np

from scenevis._arrays import coords, frozen
from scenevis.colors import DEFAULT_PALETTE
from scenevis.nodes.items import EMPTY_META, ItemMeta, check_meta, item_meta, selection
from scenevis.scene import Scene
from scenevis.style import DEFAULT_STYLE, Style

__all__ = ["Shape", "radii", "flag", "offsets", "check_offsets", "style_field", "class_style"]


def offsets(value: Any) -> np.ndarray:
    return frozen(np.asarray(value), np.int64)


def check_offsets(array: np.ndarray, name: str, total: int, at_least: int, of: str) -> None:
    """Raise ``ValueError`` unless ``array`` splits ``total`` rows into items of at least
    ``at_least`` rows each: 1-D, from 0 up to ``total``, never decreasing by less."""
    if array.ndim != 1 or len(array) == 0 or array[0] != 0 or array[-1] != total:
        raise ValueError(f"{name}: expected offsets from 0 to {total} (the number of {of}), got "
                         f"{array.tolist()[:6]}{' ...' if array.size > 6 else ''} of shape {array.shape}")
    sizes = np.diff(array)
    if len(sizes) and sizes.min() < at_least:
        i = int(np.argmin(sizes))
        raise ValueError(f"{name}: expected at least {at_least} {of} per item, got {int(sizes[i])} at index {i}")


style_field = functools.partial(attrs.field, factory=Style, validator=attrs.validators.instance_of(Style))


@attrs.frozen(eq=False)
class Shape(Scene):
    """A node of N styled items; subclasses define ``count`` and the fields holding their
    items (``ITEMS``, or :meth:`_take_items` for ragged ones).

    ``meta`` (keyword-only in every subclass) maps keys to read-only 1-D arrays of N
    values each (numbers, booleans or strings): what the items are (``class``, ``label``,
    ``score``, ``id``, ``title``), read by :meth:`Scene.filter`, :meth:`Scene.restyle` and
    the SVG writer. Without metadata it is the one shared empty :class:`ItemMeta`.
    """

    #: Settings this node type uses when neither it nor an enclosing group sets them.
    DEFAULTS = Style()
    #: Fields besides the style that hold one value for all items or one per item.
    PER_ITEM: ClassVar[tuple] = ()
    #: Fields holding exactly one row (array) or entry (tuple) per item.
    ITEMS: ClassVar[tuple] = ()

    meta: ItemMeta = attrs.field(default=EMPTY_META, converter=item_meta, kw_only=True, hash=False)

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
        if self.meta is not EMPTY_META:
            check_meta(self.meta, n, owner)

    # -- item selection ------------------------------------------------------------------
    def take(self, keep: Any) -> "Shape":
        """This node with only the items ``keep`` selects (an (N,) bool array, or item
        indices in the order wanted): geometry, per-item style and metadata alike."""
        n = self.count
        index = np.asarray(keep)
        if index.dtype == np.bool_:
            if index.shape != (n,):
                raise ValueError(f"keep: expected {n} booleans (one per item), got shape {index.shape}")
            index = np.flatnonzero(index)
        elif index.dtype.kind in "iu" and index.ndim == 1:
            if len(index) and (index.min() < -n or index.max() >= n):
                raise ValueError(f"keep: expected item indices in [0, {n}), got {index.min()}..{index.max()}")
            index = index.astype(np.int64) % max(n, 1)
        else:
            raise TypeError(f"keep: expected an (N,) bool array or an int array of indices, got {index.dtype} "
                            f"of shape {index.shape}")
        changes = self._take_items(index)
        changes["style"] = _take_style(self.style, index, n)
        for name in self.PER_ITEM:
            value = getattr(self, name)
            if value is not None and len(value) == n and n != 1:
                changes[name] = _taken(value, index)
        changes["meta"] = self.meta.take(index)
        return self._rebuilt(changes)

    def _take_items(self, index: np.ndarray) -> dict:
        """The item fields of items ``index``: by default each ``ITEMS`` field indexed;
        node types storing items ragged (offset arrays) override this."""
        if not self.ITEMS:
            raise NotImplementedError(f"{type(self).__name__}: cannot select items: the node type names no fields "
                                      "holding them (ITEMS) and has no _take_items")
        return {name: _taken(getattr(self, name), index) for name in self.ITEMS}

    def _rebuilt(self, changes: dict) -> "Shape":
        """This node with ``changes`` set as they are: values derived from this node's own
        checked values (a subset of its items), so nothing is converted or checked again."""
        out = object.__new__(type(self))
        for field in attrs.fields(type(self)):
            object.__setattr__(out, field.name, changes.get(field.name, getattr(self, field.name)))
        return out

    def _selected(self, predicate) -> Optional[np.ndarray]:
        """Which items ``predicate(meta)`` keeps, or None when the node lacks its keys."""
        if not self.meta:
            return None
        return selection(predicate, self.meta, self.count, type(self).__name__)

    def _restyled(self, predicate, settings: Style, inherited: Style) -> "Shape":
        """This node with ``settings`` for the items ``predicate(meta)`` selects; the other
        items keep the style they are drawn with (inherited settings are written into the
        node for them)."""
        if not self.meta:
            return self
        chosen = selection(predicate, self.meta, self.count, type(self).__name__)
        if chosen is None or not chosen.any():
            return self
        if chosen.all():
            return self._rebuilt({"style": settings.over(self.style)})
        drawn = self.style.over(inherited).over(type(self).DEFAULTS.over(DEFAULT_STYLE))
        return self._rebuilt({"style": _mixed_style(self.style, drawn, settings, chosen)})

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


def _taken(value: Any, index: np.ndarray) -> Any:
    if isinstance(value, tuple):
        return tuple([value[i] for i in index.tolist()])
    out = value[index]
    out.flags.writeable = False
    return out


def _take_style(style: Style, index: np.ndarray, n: int) -> Style:
    if n == 1:
        return style
    changes = {name: _taken(value, index) for name, value in _per_item_settings(style) if len(value) == n}
    return attrs.evolve(style, **changes) if changes else style


def _per_item_settings(style: Style):
    for field in attrs.fields(Style):
        value = getattr(style, field.name)
        if value is not None and not isinstance(value, str):
            yield field.name, value


def _mixed_style(own: Style, drawn: Style, settings: Style, chosen: np.ndarray) -> Style:
    """``own`` with every field ``settings`` sets becoming per item: ``settings``'s value
    where ``chosen``, the ``drawn`` (fully resolved) value elsewhere."""
    n = len(chosen)
    changes = {}
    for field in attrs.fields(Style):
        new = getattr(settings, field.name)
        if new is None:
            continue
        if isinstance(new, str):
            raise ValueError(f"{field.name}: is one setting per node; restyle can change it only for all items "
                             f"of a node, but the predicate chose {int(chosen.sum())} of {n}")
        old = getattr(drawn, field.name)
        if isinstance(new, tuple):
            olds = old * n if len(old) == 1 else old
            changes[field.name] = tuple([new[0] if c else o for c, o in zip(chosen.tolist(), olds)])
        else:
            mask = chosen.reshape((n,) + (1,) * (new.ndim - 1))
            changes[field.name] = np.where(mask, new[:1], np.broadcast_to(old, (n,) + old.shape[1:]))
    return attrs.evolve(own, **changes)


def radii(name: str):
    def convert(value: Any) -> np.ndarray:
        array = coords(value, name, (None,), ())
        array = array.reshape(1) if array.ndim == 0 else array
        if array.size and array.min() < 0:
            raise ValueError(f"{name}: expected values >= 0, got {array.min():g}")
        return array
    return convert


def flag(name: str):
    """A converter to ``bool`` that takes only True or False (numpy's too)."""
    def convert(value: Any) -> bool:
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{name}: expected True or False, got {value!r}")
        return bool(value)
    return convert


def class_style(n: int, class_ids: Any, color: Any, **settings: Any) -> Style:
    """The style of the module functions' keyword settings; ``class_ids`` (integers, one
    per item) pick colors from the default palette when ``color`` is not given."""
    if class_ids is not None and color is None:
        color = DEFAULT_PALETTE.take(class_ids)
        if len(color) != n:
            raise ValueError(f"class_ids: expected {n} ids (one per item), got {len(color)}")
    return Style(color=color, **{k: v for k, v in settings.items() if v is not None})
