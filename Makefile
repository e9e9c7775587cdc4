# Every target sets up what it needs first (tools/setup.sh: idempotent, one shared .venv;
# a second run installs nothing). `make demo` needs only scenevis itself; `make test` and
# `make docs` (whose feature-map pictures come from a ResNet in torch) add the test extras.
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: demo test bench docs clean

demo:
	@tools/setup.sh core
	@$(PY) tools/docs.py --out out README.md

docs:
	@tools/setup.sh test
	@$(PY) tools/docs.py --write

test:
	@tools/setup.sh test
	@$(PY) -m ruff check
	@$(PY) -m pytest -q

bench:
	@tools/setup.sh bench
	@$(PY) -m benchmarks

clean:
	rm -rf $(VENV) out .pytest_cache
