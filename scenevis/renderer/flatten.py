"""Stage one of rendering: walk a scene into a flat list of draw operations.

No drawing library here. Each operation is a leaf node with the transform accumulated
from its enclosing groups and a fully resolved style (node, then groups from the
innermost out, then the node type's defaults, then ``DEFAULT_STYLE``).
"""
from __future__ import annotations

from typing import NamedTuple

from scenevis.geometry import Affine
from scenevis.scene import Empty, Group, Scene
from scenevis.style import DEFAULT_STYLE, Style

__all__ = ["DrawOp", "flatten"]


class DrawOp(NamedTuple):
    node: Scene
    transform: Affine
    style: Style
    #: Clip rectangles, each with the transform it is expressed in (outermost first).
    clips: tuple = ()


def flatten(scene: Scene, base: Affine = Affine()) -> list[DrawOp]:
    """Leaf nodes in painter's order with their transforms and resolved styles.

    Iterative (an explicit stack), so deep trees cannot exhaust Python's recursion limit.
    """
    ops: list[DrawOp] = []
    stack: list = [(scene, base, _UNSET, ())]
    while stack:
        node, transform, inherited, clips = stack.pop()
        if isinstance(node, Empty):
            continue
        if isinstance(node, Group):
            inner = transform @ node.transform
            style = node.style.over(inherited)
            if node.clip is not None:
                clips = clips + ((node.clip, inner),)
            stack.extend((child, inner, style, clips) for child in reversed(node.children))
            continue
        own = getattr(node, "style", _UNSET)
        ops.append(DrawOp(node, transform, own.over(inherited).over(_type_defaults(type(node))), clips))
    return ops


_UNSET = Style()
_TYPE_DEFAULTS: dict = {}


def _type_defaults(kind: type) -> Style:
    """A node type's ``DEFAULTS`` over ``DEFAULT_STYLE``, worked out once per type."""
    style = _TYPE_DEFAULTS.get(kind)
    if style is None:
        style = _TYPE_DEFAULTS[kind] = getattr(kind, "DEFAULTS", _UNSET).over(DEFAULT_STYLE)
    return style
