# Every target sets the environment up first (idempotent; a second run installs nothing).
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: setup demo test bench docs clean

setup:
	@tools/setup.sh test

demo: setup
	@$(PY) examples/demo.py

docs: setup
	@$(PY) examples/demo.py --docs

test: setup
	@$(PY) -m pytest -q

bench: setup
	@tools/setup.sh bench
	@$(PY) -m benchmarks

clean:
	rm -rf $(VENV) out .pytest_cache
