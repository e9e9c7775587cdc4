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

__all__ = ["DrawOp", "flatten", "Styles", "UNSET"]

#: The style of a scene outside any group: inherits nothing.
UNSET = Style()


class DrawOp(NamedTuple):
    node: Scene
    transform: Affine
    style: Style
    #: Clip rectangles, each with the transform it is expressed in (outermost first).
    clips: tuple = ()
    #: The names of the named layers (groups) holding the node, outermost first.
    layers: tuple = ()


class Styles:
    """Resolves leaf styles for one walk: each node type's ``DEFAULTS`` over
    ``DEFAULT_STYLE`` is worked out once per walk (a scene has few node types)."""

    def __init__(self) -> None:
        self._defaults: dict = {}

    def resolve(self, node: Scene, inherited: Style) -> Style:
        """``node``'s own style over ``inherited`` (from its groups) over its type's defaults."""
        kind = type(node)
        defaults = self._defaults.get(kind)
        if defaults is None:
            defaults = self._defaults[kind] = getattr(kind, "DEFAULTS", UNSET).over(DEFAULT_STYLE)
        return getattr(node, "style", UNSET).over(inherited).over(defaults)


def flatten(scene: Scene, base: Affine = Affine()) -> list[DrawOp]:
    """Leaf nodes in painter's order with their transforms and resolved styles.

    Iterative (an explicit stack), so deep trees cannot exhaust Python's recursion limit.
    """
    ops: list[DrawOp] = []
    styles = Styles()
    stack: list = [(scene, base, UNSET, (), ())]
    while stack:
        node, transform, inherited, clips, layers = stack.pop()
        if isinstance(node, Empty):
            continue
        if isinstance(node, Group):
            inner = transform @ node.transform
            style = node.style.over(inherited)
            if node.clip is not None:
                clips = clips + ((node.clip, inner),)
            if node.name is not None:
                layers = layers + (node.name,)
            stack.extend((child, inner, style, clips, layers) for child in reversed(node.children))
            continue
        ops.append(DrawOp(node, transform, styles.resolve(node, inherited), clips, layers))
    return ops
