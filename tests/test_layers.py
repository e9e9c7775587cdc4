"""Architecture checks: imports point one way, there are no cycles, heavy libraries stay in
their modules, and `import scenevis` stays light.

Every `import` and `from ... import` counts, at module level or inside a function.
"""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "scenevis"

# The layer of every module (the longest matching prefix wins); see docs/architecture.md.
LAYERS = {
    # L0: the array boundary, geometry, resampling, PNG files, sample data, error types, digests
    "scenevis._arrays": 0, "scenevis.geometry": 0, "scenevis.resampling": 0, "scenevis._png": 0,
    "scenevis.samples": 0, "scenevis.errors": 0, "scenevis.pixels": 0, "scenevis._digest": 0,
    "scenevis._version": 0, "scenevis._threads": 0, "scenevis._base64": 0, "scenevis._imagefile": 0,
    # L1: colors, colormaps, styles
    "scenevis.colors": 1, "scenevis.colormaps": 1, "scenevis.style": 1,
    # L2: the scene algebra and its leaf nodes
    "scenevis.scene": 2, "scenevis.nodes": 2,
    # L3: composition, the pure feature-map maths, scene files
    "scenevis.compose": 3, "scenevis.featmap": 3, "scenevis.scenefile": 3,
    # L4: the renderer
    "scenevis.renderer": 4,
    # L5: what builds scenes and needs text metrics from the renderer
    "scenevis.annotate": 5, "scenevis.featmap_views": 5, "scenevis.datasets": 5, "scenevis.video": 5,
    # L6: registries, storage backends, batch rendering
    "scenevis.registry": 6, "scenevis.backends": 6, "scenevis.batch": 6, "scenevis.distributed": 6,
    "scenevis.report": 6,
    # L7: the MMEngine-compatible facade and its integrations
    "scenevis.visualizer": 7, "scenevis.det_visualizer": 7, "scenevis.track_visualizer": 7, "scenevis._facade_args": 7,
    "scenevis._facade_draw": 7, "scenevis._facade_record": 7, "scenevis._show": 7,
    "scenevis.integrations": 7, "scenevis.cli": 7,
    # L8: the package's __init__ re-exports everything
    "scenevis": 8,
}

# Imports between two modules of one layer, each allowed explicitly (importer, imported),
# by prefix. Modules of one subpackage may import each other; nothing else of a layer may.
SAME_LAYER = {
    ("scenevis.geometry", "scenevis._arrays"),      # coordinate limits
    ("scenevis.resampling", "scenevis._arrays"),
    ("scenevis._png", "scenevis._arrays"),
    ("scenevis._png", "scenevis._threads"),         # bands deflated and inflated on threads
    ("scenevis.colors", "scenevis._arrays"),
    ("scenevis.style", "scenevis.colors"),          # style fields hold colors
    ("scenevis.scene", "scenevis.scene"),
    ("scenevis.nodes", "scenevis.scene"),           # every node is a Scene
    ("scenevis.nodes", "scenevis.nodes"),
    ("scenevis.compose", "scenevis.compose"),
    ("scenevis.featmap", "scenevis.featmap"),
    ("scenevis.renderer", "scenevis.renderer"),
    ("scenevis.annotate", "scenevis.annotate"),
    ("scenevis.datasets", "scenevis.datasets"),
    ("scenevis.datasets", "scenevis.annotate"),     # records are drawn by the annotate layer
    ("scenevis.batch", "scenevis.batch"),
    ("scenevis.video", "scenevis.video"),
    ("scenevis.backends", "scenevis.backends"),
    ("scenevis.backends", "scenevis.registry"),     # backends register themselves
    ("scenevis.report", "scenevis.report"),
    ("scenevis.report", "scenevis.backends._paths"),  # image files back to names by the backend's own rule
    ("scenevis.report", "scenevis.batch"),           # thumbnails on the batch engine's pool
    ("scenevis.visualizer", "scenevis._facade_draw"),   # the draw_* calls
    ("scenevis.visualizer", "scenevis._facade_record"),  # the backends and add_* calls
    ("scenevis._facade_draw", "scenevis._facade_args"),
    ("scenevis.visualizer", "scenevis._show"),
    ("scenevis.det_visualizer", "scenevis.visualizer"),
    ("scenevis.det_visualizer", "scenevis._facade_args"),
    ("scenevis.track_visualizer", "scenevis.visualizer"),
    ("scenevis.track_visualizer", "scenevis.det_visualizer"),   # out_file pictures
    ("scenevis.integrations", "scenevis.visualizer"),
    ("scenevis.integrations", "scenevis.integrations"),
    ("scenevis.cli", "scenevis.cli"),
}

# The hand-offs upward: a scene's output methods (render, save, to_svg, _repr_png_) and
# its measured bounds (Scene.bounds, from the renderer's ink module) call the renderer,
# and Scene.to_dict the scene-file codec, imported inside those functions. They are left
# out of the cycle check, since the renderer and the codec necessarily import the node
# types they draw and store.
UPWARD = {("scenevis.scene", "scenevis.renderer"), ("scenevis.scene", "scenevis.scenefile")}

# Backends sit above the renderer but see only finished numpy images and plain values.
FORBIDDEN = {("scenevis.backends", "scenevis.renderer"), ("scenevis.backends", "scenevis.scene"),
             ("scenevis.backends", "scenevis.nodes"), ("scenevis.registry", "scenevis.renderer")}

# Third-party libraries that only their own modules may import.
HOMES = {
    "cairo": ("scenevis.renderer.painter", "scenevis.renderer.shapes", "scenevis.renderer.rasters",
              "scenevis.renderer.patches", "scenevis.renderer.fonts"),
    "wandb": ("scenevis.backends.wandb",),
    "tensorboard": ("scenevis.backends.tensorboard", "scenevis.backends._tfevents"),
    "tensorboardX": ("scenevis.backends.tensorboard",),
    "google_crc32c": ("scenevis.backends._tfevents",),
    "dask": ("scenevis.batch.cluster",),
    "distributed": ("scenevis.batch.cluster",),
    "tqdm": ("scenevis.batch.progress",),
    "PIL": ("scenevis.datasets.images", "scenevis._png", "scenevis.report.thumbs"),  # _png: JPEG files, imported when one is written
    "isal": ("scenevis._png",),
    "yaml": ("scenevis.datasets.yolo",),
    "mlflow": ("scenevis.backends.mlflow",),
    "clearml": ("scenevis.backends.clearml",),
    "neptune": ("scenevis.backends.neptune",),
    "dvclive": ("scenevis.backends.dvclive",),
    "dvc": ("scenevis.backends.dvclive",),
    "aim": ("scenevis.backends.aim",),
    "av": ("scenevis.video._common",),
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(name: str) -> bool:
    base = PACKAGE.parent / name.replace(".", "/")
    return base.with_suffix(".py").exists() or (base / "__init__.py").exists()


def matches(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def layer_of(name: str) -> int:
    found = [prefix for prefix in LAYERS if matches(name, prefix)]
    if not found:
        raise AssertionError(f"{name} has no layer: add it to LAYERS in tests/test_layers.py")
    return LAYERS[max(found, key=len)]


def imports_of(path: Path, name: str):
    """(imported module, line, inside a function) for every scenevis import in ``path``."""
    tree = ast.parse(path.read_text(), str(path))
    in_function = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            in_function.update(id(inner) for inner in ast.walk(node) if inner is not node)
    for node in ast.walk(tree):
        nested = id(node) in in_function
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno, nested
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ([module] if module else []))
            for alias in node.names:  # `from scenevis import colormaps` imports a submodule
                sub = f"{module}.{alias.name}"
                yield (sub if is_module(sub) else module), node.lineno, nested


MODULES = sorted(PACKAGE.rglob("*.py"))
EDGES = {module_name(p): [(t, line, nested) for t, line, nested in imports_of(p, module_name(p))
                          if matches(t, "scenevis")] for p in MODULES}


@pytest.mark.parametrize("name", sorted(EDGES))
def test_imports_point_down(name):
    own = layer_of(name)
    for target, line, nested in EDGES[name]:
        if target == name:
            continue
        assert not any(matches(name, a) and matches(target, b) for a, b in FORBIDDEN), \
            f"{name}:{line} must not import {target}"
        theirs = layer_of(target)
        if theirs < own:
            continue
        if theirs == own:
            assert any(matches(name, a) and matches(target, b) for a, b in SAME_LAYER), \
                f"{name}:{line} imports {target} of its own layer {own}: list the pair in SAME_LAYER or move one"
            continue
        upward = any(matches(name, a) and matches(target, b) for a, b in UPWARD)
        assert upward, f"{name} (layer {own}):{line} imports {target} (layer {theirs})"
        assert nested, f"{name}:{line} may import {target} only inside the output methods"


def strongly_connected(graph: dict) -> list:
    """Tarjan's algorithm, iterative: the components of ``graph`` (name -> set of names)."""
    index, low, on_stack, stack, components = {}, {}, set(), [], []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    components.append(component)
    return components


def test_strongly_connected_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert sorted(map(sorted, strongly_connected(graph))) == [["a", "b", "c"], ["d"]]


def test_no_import_cycles():
    graph = {name: set() for name in EDGES}
    for name, edges in EDGES.items():
        for target, _, _ in edges:
            if target != name and target in graph and not any(
                    matches(name, a) and matches(target, b) for a, b in UPWARD):
                graph[name].add(target)
    cycles = [sorted(c) for c in strongly_connected(graph) if len(c) > 1]
    assert not cycles, f"import cycles: {cycles}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_heavy_libraries_stay_in_their_modules(path):
    name = module_name(path)
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
            [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level else [])
        for imported in names:
            root = imported.split(".")[0]
            if root in HOMES:
                assert name in HOMES[root], f"{name}:{node.lineno} imports {root}; only {HOMES[root]} may"
    # torch is never imported at module level anywhere.
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            assert not any(n.split(".")[0] == "torch" for n in names), f"{name}:{node.lineno} imports torch at top"


def test_import_scenevis_is_light():
    code = ("import sys, scenevis; heavy = [m for m in ('cairo', 'torch', 'wandb', 'tensorboard', 'tensorboardX', "
            "'mmengine', 'cv2', 'matplotlib', 'PIL', 'tqdm', 'dask', 'distributed', 'yaml', 'mlflow', 'clearml', "
            "'neptune', 'dvclive', 'aim', 'av') if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]", f"import scenevis pulled in {out}"


def test_renderer_subpackage_imports_after_scenevis():
    """``scenevis.render`` is the function; the package has its own name."""
    code = "import scenevis, scenevis.renderer.painter; print(callable(scenevis.render))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "True"
