"""The scene algebra: a picture is a value.

Layer 2. Nodes are frozen attrs values; nothing is drawn until a renderer walks them.

Laws (checked by hypothesis tests in ``tests/test_algebra.py``):

- ``Empty()`` is the identity of ``+``: ``a + Empty() == Empty() + a == a``.
- ``+`` is associative, and ``a + b`` draws ``b`` over ``a`` (painter's order). Chains
  flatten: ``Group + Group`` becomes one group, so 10,000 ``+`` make no deep tree.
- ``bounds(a + b) == bounds(a) | bounds(b)``, and no pixel of ink lies outside ``bounds``.
- ``a | b`` puts ``b`` to the right of ``a`` (tops aligned), ``a / b`` puts ``b`` below
  ``a`` (left edges aligned), by their extents; both are associative for scenes that
  each have a sheet (an image, heatmap or background).
- ``a.translate(dx, dy).bounds == a.bounds`` shifted by ``(dx, dy)``.
- ``a.filter(p)`` and ``a.restyle(p, ...)`` leave a scene whose items carry no metadata
  unchanged (the same value), and ``a.filter(lambda m: True)`` is ``a``.

The canvas a renderer uses by default is :attr:`Scene.extent`: the union of the *sheet*
layers (images, heatmaps and backgrounds) when the scene has any, otherwise the bounds
of everything together with the origin.
"""
from __future__ import annotations

import functools
import math
import re
from typing import Any, Callable, Iterable, Iterator, Optional

import attrs
import numpy as np

from scenevis._arrays import (array_field, as_image, as_numpy, check_finite, check_shape, coordinate, coords,
                              frozen, number_field, reduce_through_init)
from scenevis import colormaps
from scenevis._digest import tree_digest
from scenevis.colors import color_array
from scenevis.geometry import Affine, BBox
from scenevis.style import Style

__all__ = ["Scene", "Empty", "Group", "Image", "Heatmap", "Background", "beside", "above", "summary"]

class Scene:
    """Behaviour shared by every node: composition, transforms, bounds, equality by
    content, and output.

    Output methods (``render``, ``to_svg``, ``save``, ``_repr_png_``) only delegate to
    :mod:`scenevis.renderer`, imported when called; nodes hold no renderer code.

    Node types are declared ``@attrs.frozen(eq=False)``, so that ``==`` and ``hash`` are
    this class's: by content digest (tests/test_scenefile.py checks every node type).
    """

    __slots__ = ("_content_digest",)

    # -- composition ---------------------------------------------------------------
    def __add__(self, other: Any) -> "Scene":
        if not isinstance(other, Scene):
            return NotImplemented
        other._placed_over(self)
        return Group.of(self, other)

    def _placed_over(self, below: "Scene") -> None:
        """Called by ``below + self``: a node type may warn here when its placement over
        ``below`` looks like a mistake (it never refuses: both are valid scenes)."""

    def __or__(self, other: Any) -> "Scene":
        if not isinstance(other, Scene):
            return NotImplemented
        return beside(self, other)

    def __truediv__(self, other: Any) -> "Scene":
        if not isinstance(other, Scene):
            return NotImplemented
        return above(self, other)

    # -- transforms and style --------------------------------------------------------
    def transformed(self, affine: Affine) -> "Scene":
        """This scene seen through ``affine`` (applied after any transform it already has)."""
        if affine.is_identity:
            return self
        return Group(children=(self,), transform=affine)

    def translate(self, dx: float, dy: float) -> "Scene":
        return self.transformed(Affine.translation(dx, dy))

    def scale(self, sx: float, sy: Optional[float] = None) -> "Scene":
        return self.transformed(Affine.scaling(sx, sy))

    def clipped(self, box: Any = None) -> "Scene":
        """This scene cut to ``box`` (x0, y0, x1, y1), by default to its own extent."""
        return Group(children=(self,), clip=self.extent if box is None else _extent(box))

    def styled(self, **settings: Any) -> "Scene":
        """A group around this scene whose style fills what the inner nodes leave unset."""
        style = Style(**settings)
        style.check_items(1, "styled")
        return Group(children=(self,), style=style)

    # -- layers and items -----------------------------------------------------------------
    def named(self, name: str) -> "Group":
        """This scene as the named layer ``name`` (letters, digits, ``_``, ``-``, ``.``):
        a group that ``+`` never flattens away, found again by :meth:`layer` and written as
        one ``<g>`` in SVG. A named group keeps its name through transforms."""
        return Group(children=(self,), name=name)

    @property
    def layer_names(self) -> tuple:
        """The paths of the named layers in painter's order, nested ones as ``'pred/boxes'``."""
        return tuple(path for path, _ in _named_groups(self))

    def layer(self, path: str) -> "Group":
        """The first named layer at ``path`` (``'pred'``, or ``'pred/boxes'`` for a layer
        named ``boxes`` inside one named ``pred``), with its own transform, style and clip."""
        if not isinstance(path, str):
            raise TypeError(f"path: expected a layer name such as 'pred' or 'pred/boxes', got {type(path).__name__}")
        for found, group in _named_groups(self):
            if found == path:
                return group
        raise ValueError(f"path: expected one of the scene's named layers {list(self.layer_names)}, got {path!r}")

    def filter(self, predicate: Callable) -> "Scene":
        """This scene with only the items ``predicate`` keeps.

        ``predicate(meta)`` gets a shape node's metadata (key -> 1-D array, one value per
        item) and returns one boolean per item, vectorized: ``lambda m: m["score"] > 0.5``.
        Nodes without the keys it reads (it raises ``KeyError``) and nodes that are not
        shapes (images, heatmaps) are kept as they are, except that items whose ``id`` is
        among the ids of items the predicate dropped are dropped too: labels carrying the
        ids of their boxes go with their boxes. Groups, transforms, styles, clips and layer
        names are kept; a node left without items stays, drawing nothing."""
        if not callable(predicate):
            raise TypeError(f"predicate: expected a function of the metadata, got {type(predicate).__name__}")
        leaves = _leaves(self)
        keeps = {key: node._selected(predicate) for key, node in leaves.items()}
        dropped = [node.meta["id"][~keep] for key, node in leaves.items()
                   if (keep := keeps[key]) is not None and "id" in node.meta and not keep.all()]
        if dropped:
            for key, node in leaves.items():
                if keeps[key] is None and "id" in getattr(node, "meta", ()):
                    keeps[key] = _not_among(node.meta["id"], dropped)

        def pick(node: Scene, inherited: Style) -> Scene:
            keep = keeps.get(id(node))
            return node if keep is None or keep.all() else node.take(keep)

        return _rebuilt(self, pick)

    def restyle(self, predicate: Callable, **settings: Any) -> "Scene":
        """This scene with the style ``settings`` (as :class:`Style` takes them, one value
        each) on the items ``predicate(meta)`` selects (see :meth:`filter`); the other items
        look as before. ``scene.restyle(lambda m: m["label"] == "car", color="red")``,
        ``scene.restyle(lambda m: m["score"] < 0.5, width=4, dash="--")``. Nodes without
        the predicate's keys are left as they are."""
        if not callable(predicate):
            raise TypeError(f"predicate: expected a function of the metadata, got {type(predicate).__name__}")
        if not settings:
            raise ValueError("restyle: expected style settings such as color='red' or width=3, got none")
        style = Style(**settings)
        for name, length in style.per_item_lengths().items():
            if length != 1:
                raise ValueError(f"{name}: expected one value (for every chosen item), got {length}")
        return _rebuilt(self, lambda node, inherited: node._restyled(predicate, style, inherited))

    def _selected(self, predicate: Callable) -> Optional[np.ndarray]:
        """Which items ``predicate`` keeps, or None when this node has no such items (shape
        nodes answer from their metadata)."""
        return None

    def _restyled(self, predicate: Callable, settings: Style, inherited: Style) -> "Scene":
        return self

    # -- geometry ------------------------------------------------------------------------
    @property
    def bounds(self) -> BBox:
        """The box holding every pixel of ink this scene draws, in its own coordinates.

        Measured, not guessed: strokes, miters, text in the fonts it is drawn with,
        alignment, padding and background boxes, under the styles of the scene's own
        groups. How a node inks is the renderer's knowledge, so this is the scene's
        second hand-off to it (:func:`scenevis.renderer.ink.bounds`), beside the output
        methods; nodes hold no renderer code.
        """
        return _measured(self)

    @property
    def sheet(self) -> BBox:
        """The union of the sheet layers' extents (empty when there is none)."""
        return BBox.empty()

    @property
    def extent(self) -> BBox:
        """The default canvas: the sheets' extent, or the bounds together with the origin."""
        sheet = self.sheet
        if not sheet.is_empty:
            return sheet
        bounds = self.bounds
        return bounds if bounds.is_empty else bounds | BBox(0, 0, 0, 0)

    # -- equality by content -----------------------------------------------------------
    def digest(self) -> str:
        """The SHA-256 of this scene's content, as 64 hex digits.

        Two scenes have the same digest exactly when they are equal: the same node types
        holding the same values (arrays by dtype, shape and bytes), composed the same way.
        It is computed once per node and kept (a group's from its children's digests), and
        is the same in every process and version of Python: it changes with the content,
        or when a scenevis release gives a node type other fields. ``hash(scene)`` and
        ``==`` are cheap after the first call, so a render can be cached by scene."""
        return self._digest().hex()

    def __eq__(self, other: Any) -> bool:
        """Equal content (see :meth:`digest`); never element-wise."""
        if self is other:
            return True
        if not isinstance(other, Scene):
            return NotImplemented
        return type(self) is type(other) and self._digest() == other._digest()

    def __hash__(self) -> int:
        return int.from_bytes(self._digest()[:8], "little", signed=True)

    def _digest(self) -> bytes:
        try:
            return self._content_digest
        except AttributeError:
            return tree_digest(self, Scene)

    def to_dict(self) -> dict:
        """This scene as plain JSON values (:func:`scenevis.scenefile.to_dict`);
        ``scenevis.from_dict`` rebuilds it, ``scenevis.dump`` writes it to a file."""
        from scenevis.scenefile import to_dict
        return to_dict(self)

    # -- pickling ------------------------------------------------------------------------
    def __reduce__(self):
        """Unpickling goes through the constructor, so arrays come back read-only."""
        return reduce_through_init(self)

    # -- output (delegated) --------------------------------------------------------------
    def render(self, **options: Any) -> np.ndarray:
        """``scenevis.render(self, **options)``: an (H, W, 3) uint8 RGB array."""
        from scenevis.renderer import render
        return render(self, **options)

    def to_svg(self, **options: Any) -> str:
        from scenevis.renderer import to_svg
        return to_svg(self, **options)

    def save(self, path: Any, **options: Any) -> Any:
        """Write PNG, JPEG, SVG or PDF, chosen by ``path``'s extension (missing folders are created)."""
        from scenevis.renderer import save
        return save(self, path, **options)

    def _repr_png_(self) -> bytes:
        """The picture Jupyter shows; a scene with no size (``Empty()``, zero boxes) shows
        a small gray placeholder instead of raising."""
        from scenevis.renderer import to_png
        extent = self.extent
        if extent.is_empty or extent.width <= 0 or extent.height <= 0:
            return to_png(self, size=PLACEHOLDER_SIZE, background=PLACEHOLDER_COLOR)
        return to_png(self)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict:
        """IPython's text form (a notebook's ``text/plain``): :func:`summary`, not the
        arrays; the picture comes from ``_repr_png_``."""
        return {"text/plain": summary(self)}


#: What ``_repr_png_`` shows for a scene with no size: a (width, height) gray box.
PLACEHOLDER_SIZE = (64, 24)
PLACEHOLDER_COLOR = "#e6e6e6"


def summary(scene: Scene) -> str:
    """A one-line description: the canvas size, then each leaf node type in first-drawn
    order with its number of nodes (when more than one) and items, e.g.
    ``'Group (640x427 px): Image 640x427, Masks (9 items), Boxes x2 (18 items)'``."""
    kinds: dict = {}
    for node in _walk_leaves(scene):
        entry = kinds.setdefault(type(node).__name__, [0, 0, node])
        entry[0] += 1
        entry[1] += getattr(node, "count", 0)
    extent = scene.extent
    size = "no size" if extent.is_empty else f"{math.ceil(extent.width - 1e-9)}x{math.ceil(extent.height - 1e-9)} px"
    parts = []
    for name, (nodes, items, first) in kinds.items():
        part = name if nodes == 1 else f"{name} x{nodes}"
        if hasattr(first, "count"):
            part += f" ({items} item" + (")" if items == 1 else "s)")
        elif nodes == 1 and isinstance(first, Image):
            part += f" {first.pixels.shape[1]}x{first.pixels.shape[0]}"
        parts.append(part)
    return f"{type(scene).__name__} ({size}): " + (", ".join(parts) if parts else "draws nothing")


def _measured(scene: Scene) -> BBox:
    from scenevis.renderer.context import current
    from scenevis.renderer.ink import bounds

    return bounds(scene, current())


@attrs.frozen(eq=False)
class Empty(Scene):
    """Draws nothing; the identity of ``+``."""

    @property
    def bounds(self) -> BBox:
        return BBox.empty()


def _children(value: Iterable[Scene]) -> tuple:
    children = tuple(value)
    for i, child in enumerate(children):
        if not isinstance(child, Scene):
            raise TypeError(f"children[{i}]: expected a Scene, got {type(child).__name__}")
    return children


def _one_setting(instance, attribute, value: Style) -> None:
    """A group's style holds one value per setting, for all its children."""
    if not value.is_unset:
        for field, length in value.per_item_lengths().items():
            if length != 1:
                raise ValueError(f"style.{field}: expected one value for all of the group's children, got {length}")


#: Layer names: letters, digits, ``_``, ``-`` and ``.``, starting with a letter or ``_``
#: (they become SVG ids and classes; ``/`` separates the names of nested layers in paths).
_LAYER_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*\Z")


def _layer_name(instance, attribute, value) -> None:
    if value is None:
        return
    if not isinstance(value, str):
        raise TypeError(f"name: expected a layer name (str), got {type(value).__name__}")
    if not _LAYER_NAME.match(value):
        raise ValueError(f"name: expected letters, digits, '_', '-' or '.', starting with a letter or '_', "
                         f"got {value!r}")


@attrs.frozen(eq=False)
class Group(Scene):
    """Children drawn in order (later over earlier) through ``transform`` and ``style``,
    optionally clipped to ``clip`` (a box in the children's coordinates). A group with a
    ``name`` is a named layer (:meth:`Scene.named`)."""

    children: tuple = attrs.field(converter=_children)
    transform: Affine = attrs.field(default=Affine(), validator=attrs.validators.instance_of(Affine))
    style: Style = attrs.field(factory=Style, validator=[attrs.validators.instance_of(Style), _one_setting])
    clip: Optional[BBox] = attrs.field(default=None, validator=attrs.validators.optional(attrs.validators.instance_of(BBox)))
    name: Optional[str] = attrs.field(default=None, validator=_layer_name)

    @classmethod
    def of(cls, *scenes: Scene) -> Scene:
        """The painter's-order composition of ``scenes``, flattening plain groups."""
        flat: list = []
        for scene in scenes:
            if isinstance(scene, Empty):
                continue
            if isinstance(scene, Group) and scene.is_plain:
                flat.extend(scene.children)
            else:
                flat.append(scene)
        if not flat:
            return Empty()
        if len(flat) == 1:
            return flat[0]
        return cls(children=flat)

    def transformed(self, affine: Affine) -> "Scene":
        """This group with ``affine`` folded into its own transform, so a chain of
        transforms stays one group deep (its clip and style are in the children's
        coordinates, which the fold leaves alone)."""
        if affine.is_identity:
            return self
        group = Group(children=self.children, transform=affine @ self.transform, style=self.style, clip=self.clip,
                      name=self.name)
        return Group.of(*group.children) if group.is_plain else group

    def styled(self, **settings: Any) -> "Scene":
        """This group with ``settings`` filling what its own style leaves unset: the same
        picture as a group around it, one group deep however long the chain (a named
        layer keeps its own style and gets a group around it)."""
        if self.name is not None:
            return super().styled(**settings)
        style = Style(**settings)
        style.check_items(1, "styled")
        return Group(children=self.children, transform=self.transform, style=self.style.over(style), clip=self.clip)

    def clipped(self, box: Any = None) -> "Scene":
        """This group cut to ``box`` too; a group without a transform or a name takes the
        intersection into its own clip, so a chain of clips stays one group deep."""
        if box is None or self.name is not None or not self.transform.is_identity:
            return super().clipped(box)
        cut = _extent(box)
        return Group(children=self.children, style=self.style, clip=cut if self.clip is None else self.clip & cut)

    @property
    def is_plain(self) -> bool:
        """True when the group only orders its children (no transform, style, clip or name)."""
        return self.transform.is_identity and self.style.is_unset and self.clip is None and self.name is None

    @functools.cached_property
    def bounds(self) -> BBox:
        """The children's bounds united, cut to ``clip``, seen through ``transform``."""
        return _measured(self)

    @functools.cached_property
    def sheet(self) -> BBox:
        box = BBox.empty()
        for child in self.children:
            box = box | child.sheet
        return (box & self.clip if self.clip is not None else box).transformed(self.transform)


def _walk_leaves(scene: Scene) -> Iterator[Scene]:
    """Every leaf node of ``scene`` but ``Empty``, in painter's order (a node used twice
    comes twice), walked without recursion."""
    stack = [scene]
    while stack:
        node = stack.pop()
        if isinstance(node, Group):
            stack.extend(reversed(node.children))
        elif not isinstance(node, Empty):
            yield node


def _leaves(scene: Scene) -> dict:
    """Every distinct leaf node of ``scene`` by ``id``, in painter's order."""
    found: dict = {}
    for node in _walk_leaves(scene):
        found.setdefault(id(node), node)
    return found


def _not_among(ids: np.ndarray, dropped: list) -> Optional[np.ndarray]:
    """Which of ``ids`` are in none of the ``dropped`` id arrays that are comparable with
    them (numbers with numbers, strings with strings); None when none is."""
    numeric = ids.dtype.kind in "iuf"
    gone = [d for d in dropped if (d.dtype.kind in "iuf") == numeric]
    return ~np.isin(ids, np.concatenate(gone)) if gone else None


def _named_groups(scene: Scene) -> list:
    """``(path, group)`` of every named group, depth first in painter's order."""
    found = []
    stack = [(scene, "")]
    while stack:
        node, prefix = stack.pop()
        if isinstance(node, Group):
            if node.name is not None:
                prefix = f"{prefix}/{node.name}" if prefix else node.name
                found.append((prefix, node))
            stack.extend((child, prefix) for child in reversed(node.children))
    return found


def _rebuilt(scene: Scene, leaf: Callable) -> Scene:
    """``scene`` with every leaf replaced by ``leaf(node, inherited_style)``; groups whose
    children all come back unchanged are kept (the same value). Iterative, so deep trees
    cannot exhaust Python's recursion limit."""
    results: list = []
    stack: list = [(scene, Style(), False)]
    while stack:
        node, inherited, expanded = stack.pop()
        if not isinstance(node, Group):
            results.append(node if isinstance(node, Empty) else leaf(node, inherited))
            continue
        if not expanded:
            style = node.style.over(inherited)
            stack.append((node, inherited, True))
            stack.extend((child, style, False) for child in reversed(node.children))
            continue
        k = len(node.children)
        children = tuple(results[len(results) - k:])
        del results[len(results) - k:]
        same = all(new is old for new, old in zip(children, node.children))
        results.append(node if same else attrs.evolve(node, children=children))
    return results[0]


def beside(left: Scene, right: Scene, gap: float = 0.0) -> Scene:
    """``right`` placed ``gap`` pixels to the right of ``left``, tops aligned."""
    a, b = left.extent, right.extent
    if a.is_empty or b.is_empty:
        return left + right
    return left + right.translate(a.x1 + gap - b.x0, a.y0 - b.y0)


def above(top: Scene, bottom: Scene, gap: float = 0.0) -> Scene:
    """``bottom`` placed ``gap`` pixels below ``top``, left edges aligned."""
    a, b = top.extent, bottom.extent
    if a.is_empty or b.is_empty:
        return top + bottom
    return top + bottom.translate(a.x0 - b.x0, a.y1 + gap - b.y0)


def _pixels(value: Any) -> np.ndarray:
    return frozen(as_image(value, "image"), np.uint8)


@attrs.frozen(eq=False)
class Image(Scene):
    """An RGB raster whose pixel (i, j) covers the unit square at ``(x + j, y + i)``."""

    pixels: np.ndarray = array_field(converter=_pixels)
    x: float = attrs.field(default=0.0, converter=coordinate("x"))
    y: float = attrs.field(default=0.0, converter=coordinate("y"))

    @property
    def sheet(self) -> BBox:
        h, w = self.pixels.shape[:2]
        return BBox(self.x, self.y, self.x + w, self.y + h)


def _extent(value: Any) -> BBox:
    if isinstance(value, BBox):
        return value
    x0, y0, x1, y1 = coords(value, "extent", (4,)).tolist()
    if x1 <= x0 or y1 <= y0:
        raise ValueError(f"extent: expected (x0, y0, x1, y1) with x0 < x1 and y0 < y1, got {(x0, y0, x1, y1)}")
    return BBox(x0, y0, x1, y1)


def _heat_values(value: Any) -> np.ndarray:
    array = as_numpy(value, "values")
    if array.dtype.kind not in "biuf":
        raise TypeError(f"values: expected a numeric (H, W) array, got dtype {array.dtype}")
    check_shape(array, "values", (None, None))
    if array.size == 0:
        raise ValueError(f"values: expected a non-empty (H, W) array, got shape {array.shape}")
    array = array.astype(np.float32, copy=False)
    check_finite(array, "values")
    return frozen(array, np.float32)


def _optional_float(name: str):
    convert = number_field(name)
    return lambda value: None if value is None else convert(value)


def _known_cmap(instance, attribute, value):
    if not isinstance(value, str):
        raise TypeError(f"cmap: expected a colormap name, got {type(value).__name__}")
    if value not in colormaps.names():
        raise ValueError(f"cmap: expected one of {list(colormaps.names())}, got {value!r}")


class _Sheet(Scene):
    """A node covering its ``extent``, which also defines the canvas."""

    __slots__ = ()

    @property
    def sheet(self) -> BBox:
        return self.extent


@attrs.frozen(eq=False)
class Heatmap(_Sheet):
    """(H, W) values mapped through a colormap and stretched over ``extent`` at render time.

    Values are scaled to [0, 1] by ``vmin``/``vmax`` (default: the map's own minimum and
    maximum; a constant map shows the colormap's lowest color). The map is kept at its
    native resolution, so it renders smoothly at any scale and into vector output.
    """

    values: np.ndarray = array_field(converter=_heat_values)
    extent: BBox = attrs.field(converter=_extent)
    cmap: str = attrs.field(default="jet", validator=_known_cmap)
    alpha: float = attrs.field(default=0.5, converter=number_field("alpha", 0.0, 1.0))
    vmin: Optional[float] = attrs.field(default=None, converter=_optional_float("vmin"))
    vmax: Optional[float] = attrs.field(default=None, converter=_optional_float("vmax"))
    smooth: bool = attrs.field(default=True, converter=bool)

    def normalized(self) -> np.ndarray:
        """The values scaled to [0, 1] as float32."""
        low = float(self.values.min()) if self.vmin is None else self.vmin
        high = float(self.values.max()) if self.vmax is None else self.vmax
        if high <= low:
            return np.zeros(self.values.shape, np.float32)
        return np.clip((self.values - np.float32(low)) * np.float32(1.0 / (high - low)), 0.0, 1.0)


def _one_color(value: Any) -> np.ndarray:
    return color_array(value, 1, "color")


@attrs.frozen(eq=False)
class Background(_Sheet):
    """A filled rectangle that also defines the canvas (a sheet)."""

    extent: BBox = attrs.field(converter=_extent)
    color: np.ndarray = array_field(default="white", converter=_one_color)


def image(pixels: Any, *, x: float = 0.0, y: float = 0.0) -> Image:
    """An image layer from an (H, W, 3) uint8 RGB array (gray, RGBA and float images are
    converted by the rule in :func:`scenevis._arrays.as_image`). The array is copied once."""
    return Image(pixels=pixels, x=x, y=y)


def heatmap(values: Any, *, extent: Any = None, cmap: str = "jet", alpha: float = 0.5,
            vmin: Optional[float] = None, vmax: Optional[float] = None, smooth: bool = True) -> Heatmap:
    """A heatmap layer; ``extent=(x0, y0, x1, y1)`` defaults to one pixel per value."""
    array = _heat_values(values)
    if extent is None:
        extent = (0.0, 0.0, float(array.shape[1]), float(array.shape[0]))
    return Heatmap(values=array, extent=extent, cmap=cmap, alpha=alpha, vmin=vmin, vmax=vmax, smooth=smooth)


def background(extent: Any, color: Any = "white") -> Background:
    return Background(extent=extent, color=color)
