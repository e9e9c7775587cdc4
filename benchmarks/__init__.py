"""scenevis benchmarks against MMEngine, supervision, torchvision, OpenCV and pycairo.

Run ``python -m benchmarks`` (or ``make bench``); see ``benchmarks/__main__.py``.
"""
