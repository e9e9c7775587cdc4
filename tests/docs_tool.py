"""``tools/docs.py`` (the docs runner behind `make docs` and `make demo`) as a module."""
import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location("scenevis_docs_tool", Path(__file__).resolve().parents[1] / "tools" / "docs.py")
docs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(docs)
