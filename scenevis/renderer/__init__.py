"""Renderers: flatten a scene into draw operations, then paint them with Cairo."""
from scenevis.renderer.output import render, save, to_pdf, to_png, to_svg

__all__ = ["render", "save", "to_pdf", "to_png", "to_svg"]
