"""Integrations with other frameworks; each submodule imports its framework, this package
imports nothing (``import scenevis.integrations.mmengine`` needs MMEngine installed)."""
