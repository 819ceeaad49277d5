# Front door. `make figures` and `make test` each set up .venv first, from a clean clone.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
READY := $(VENV)/.ready
KERNEL := port-inquests

.PHONY: help setup figures test test-core validate gaps lab bench docs clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-9s %s\n", $$1, $$2}'

# uv installs the same pins as pip in a fraction of the time; bytecode is compiled at install
# because PYTHONDONTWRITEBYTECODE (set on some machines) would otherwise make every kernel start
# recompile pandas and matplotlib. Without uv the set-up falls back to pip and says so.
$(READY): requirements.txt constraints.txt pyproject.toml
	@found=$$($(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null); \
	  if [ "$$found" != 3.11 ]; then \
	    if [ -n "$$found" ]; then what="is Python $$found"; else what="was not found or does not run"; fi; \
	    echo "Python 3.11 is needed and '$(or $(PYTHON),python3.11)' $$what: install Python 3.11, or run make with PYTHON=/path/to/python3.11" >&2; exit 1; \
	  fi
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@if $(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt uv 2>/dev/null; then \
	  $(VENV)/bin/uv pip install --quiet --python $(PY) --compile-bytecode -r requirements.txt -c constraints.txt -e . ; \
	else \
	  echo "uv could not be installed; setting up with pip instead (slower, about a minute)" >&2; \
	  $(PY) -m pip install --quiet --disable-pip-version-check --compile -r requirements.txt -c constraints.txt && \
	  $(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e . ; \
	fi
	$(PY) -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Stephen Port inquests (.venv)" >/dev/null
	@touch $@

setup: $(READY) ## create .venv with the pinned dependencies and the project kernel

figures: $(READY) ## validate the data and regenerate every figure and notebook output that is out of date
	$(PY) -m analysis run

test: $(READY) ## run every test: data, library, CLI, environment parity, notebooks (nbval), stale outputs
	$(PY) -m pytest

CORE_TESTS := not browser and not server and not params

test-core: $(READY) ## run the core tests (data, library, CLI, notebooks, stale outputs): all but browser, server, params
	$(PY) -m pytest -m "$(CORE_TESTS)"

validate: $(READY) ## check the data package
	$(PY) -m analysis validate data

gaps: $(READY) ## print the gap table (opportunity -> next death)
	$(PY) -m analysis gaps

docs: $(READY) ## regenerate the README's data dictionary and headline numbers from data/
	$(PY) -m analysis docs

lab: $(READY) ## open JupyterLab on the project's kernel
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks

bench: $(READY) ## time regeneration against the floor Jupyter sets (prints ratios)
	$(PY) benchmarks/bench.py

clean: ## remove build/ (executed notebooks of every run and the run state)
	rm -rf build
