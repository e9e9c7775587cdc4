"""The version of scenevis: the one place it is written (layer 0, so every layer can read it)."""
__version__ = "0.1.0"
