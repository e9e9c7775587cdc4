# Every target sets up what it needs first (tools/setup.sh: idempotent, one shared .venv;
# a second run installs nothing). `make demo` needs only scenevis itself; `make test`
# adds the test extras to the same .venv.
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: demo test bench docs clean

demo:
	@tools/setup.sh core
	@$(PY) examples/demo.py

docs:
	@tools/setup.sh core
	@$(PY) examples/demo.py --docs

test:
	@tools/setup.sh test
	@$(PY) -m pytest -q

bench:
	@tools/setup.sh bench
	@$(PY) -m benchmarks

clean:
	rm -rf $(VENV) out .pytest_cache
