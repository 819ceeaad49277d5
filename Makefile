# Front door. `make figures` and `make test` each set up .venv first, from a clean clone.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
READY := $(VENV)/.ready
KERNEL := port-inquests

.PHONY: help setup figures test validate gaps lab bench docs clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-9s %s\n", $$1, $$2}'

$(READY): requirements.txt constraints.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	$(PY) -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Stephen Port inquests (.venv)" >/dev/null
	@touch $@

setup: $(READY) ## create .venv with the pinned dependencies and the project kernel

figures: $(READY) ## validate the data and regenerate every figure and notebook output that is out of date
	$(PY) -m analysis run

test: $(READY) ## run every test: data, library, CLI, environment parity, notebooks (nbval), stale outputs
	$(PY) -m pytest

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
