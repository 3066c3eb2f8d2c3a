# Two commands for a fresh machine: `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
SCENARIO ?= scenarios/baseline.yaml

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,lab,native]'
	touch $@

.PHONY: setup bytecode run test lint bench notebook
setup: $(VENV)/.installed

# pip compiles an installed package's bytecode, but not an editable project's; where Python may
# not write it (PYTHONDONTWRITEBYTECODE), every process would compile reesim's modules afresh
bytecode: setup
	$(PY) -m compileall -q sim
	$(PY) -c "import sys; from sim.engine.native import build; sys.exit(build())" || true  # the engine compiled by mypyc (again only if a source changed); Python if it cannot be

run: bytecode
	$(VENV)/bin/reesim run $(SCENARIO)

test: bytecode
	$(VENV)/bin/ruff check sim tests benchmarks
	$(VENV)/bin/lint-imports
	$(PY) -m pytest -n auto --dist loadfile --no-loadscope-reorder  # a file to a core (its module fixtures run once), longest first (tests/conftest.py)

bench: setup
	$(PY) benchmarks/run.py

notebook: setup   # JupyterLab on the examples (the notebook extra)
	$(PY) -m pip install -q -e '.[notebook]'
	$(VENV)/bin/jupyter lab examples/
