"""``python -m scenevis``: the ``scenevis`` command."""
import sys

from scenevis.cli import main

sys.exit(main())
