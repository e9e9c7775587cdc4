"""Architecture checks: `import scenevis` stays light and no layer imports a higher one."""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "scenevis"

# Layer of every module (longest matching prefix wins); see shared/design.md.
LAYERS = {
    "scenevis._arrays": 0, "scenevis.geometry": 0, "scenevis._png": 0, "scenevis.samples": 0,
    "scenevis.errors": 0,
    "scenevis.colors": 1, "scenevis.style": 1, "scenevis.colormaps": 1,
    "scenevis.scene": 2, "scenevis.nodes": 2,
    "scenevis.compose": 3, "scenevis.featmap": 3,
    "scenevis.render": 4, "scenevis.batch": 4,
    "scenevis.annotate": 4,
    "scenevis.registry": 5, "scenevis.backends": 5, "scenevis.backends._tfevents": 5, "scenevis.distributed": 5,
    "scenevis.visualizer": 6, "scenevis.det_visualizer": 6, "scenevis._facade_args": 6, "scenevis._show": 6,
    "scenevis.integrations": 7,
    "scenevis": 8,  # the package's __init__ re-exports everything
}
# Deliberate upward imports, each inside a function: the scene's output methods delegate
# to the renderer (the nodes themselves hold no renderer code).
ALLOWED = {("scenevis.scene", "scenevis.render")}
# Backends (layer 5) sit beside the renderer, not above it: they see only numpy images.
FORBIDDEN = {("scenevis.backends", "scenevis.render"), ("scenevis.backends", "scenevis.scene"),
             ("scenevis.backends", "scenevis.nodes"), ("scenevis.registry", "scenevis.render")}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(name: str) -> int:
    matches = [prefix for prefix in LAYERS if name == prefix or name.startswith(prefix + ".")]
    if not matches:
        raise AssertionError(f"{name} has no layer: add it to LAYERS in tests/test_layers.py")
    return LAYERS[max(matches, key=len)]


def imports_of(path: Path, name: str):
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = name.split(".")[: len(name.split(".")) - node.level + (path.name == "__init__.py")]
                module = ".".join(base + ([module] if module else []))
            for alias in node.names:  # `from scenevis import colormaps` imports a submodule
                sub = f"{module}.{alias.name}"
                is_module = (PACKAGE.parent / sub.replace(".", "/")).with_suffix(".py").exists() or \
                    (PACKAGE.parent / sub.replace(".", "/") / "__init__.py").exists()
                yield (sub if is_module else module), node.lineno


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_layer_imports_a_higher_one(path):
    name = module_name(path)
    own = layer_of(name)
    for target, line in imports_of(path, name):
        if not target.startswith("scenevis"):
            continue
        if any(name.startswith(a) and target.startswith(b) for a, b in ALLOWED):
            continue
        assert not any(name.startswith(a) and target.startswith(b) for a, b in FORBIDDEN), \
            f"{name}:{line} must not import {target}"
        assert layer_of(target) <= own, f"{name} (layer {own}):{line} imports {target} (layer {layer_of(target)})"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_heavy_libraries_stay_in_their_modules(path):
    name = module_name(path)
    homes = {"cairo": ("scenevis.render.painter",), "wandb": ("scenevis.backends.wandb",),
             "tensorboard": ("scenevis.backends.tensorboard", "scenevis.backends._tfevents"),
             "tensorboardX": ("scenevis.backends.tensorboard",), "google_crc32c": ("scenevis.backends._tfevents",)}
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
            [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level else [])
        for imported in names:
            root = imported.split(".")[0]
            if root in homes:
                assert name in homes[root], f"{name}:{node.lineno} imports {root}; only {homes[root]} may"
    # torch is never imported at module level anywhere.
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            assert not any(n.split(".")[0] == "torch" for n in names), f"{name}:{node.lineno} imports torch at top"


def test_import_scenevis_is_light():
    code = ("import sys, scenevis; heavy = [m for m in ('cairo', 'torch', 'wandb', 'tensorboard', 'tensorboardX', "
            "'mmengine', 'cv2', 'matplotlib') if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]", f"import scenevis pulled in {out}"
