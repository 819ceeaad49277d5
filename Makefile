# Front door. `make figures` and `make test` each set up .venv first, from a clean clone.
.DEFAULT_GOAL := help
SHELL := /bin/bash

# The pins install from wheels on Python 3.11 to 3.14; 3.11, 3.12 and 3.13 are tested (`make test-pythons`).
PYTHONS := 3.11 3.12 3.13 3.14
PYTHON ?= $(shell for v in $(PYTHONS); do command -v python$$v && exit; done; command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
READY := $(VENV)/.ready
KERNEL := port-inquests

.PHONY: help setup figures test test-core test-deep test-pythons validate gaps lab bench docs clean db serve lint

# Python may write bytecode for the project's own code, even where PYTHONDONTWRITEBYTECODE is
# set: otherwise every test process, kernel and command compiles analysis/ again and pytest rewrites
# the tests' asserts again, on every run. It goes in __pycache__/ beside the code, which git ignores.
unexport PYTHONDONTWRITEBYTECODE

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-9s %s\n", $$1, $$2}'

# uv installs the same pins as pip in a fraction of the time; bytecode is compiled at install
# because PYTHONDONTWRITEBYTECODE (set on some machines) would otherwise make every kernel start
# recompile pandas and matplotlib. Without uv the set-up falls back to pip and says so.
$(READY): requirements.txt constraints.txt pyproject.toml
	@found=$$($(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null); \
	  if ! echo " $(PYTHONS) " | grep -q " $$found "; then \
	    if [ -n "$$found" ]; then what="is Python $$found"; else what="was not found or does not run"; fi; \
	    echo "Python 3.11 to 3.14 is needed and '$(or $(PYTHON),python3)' $$what: install one (3.11 is the tested one), or run make with PYTHON=/path/to/python3.11" >&2; exit 1; \
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

figures: $(READY) ## regenerate everything derived from the data: figures, notebook outputs, README headline and citation, docs/data-dictionary.md
	$(PY) -m analysis run
	$(PY) -m analysis docs

# Tests run in parallel processes (pytest-xdist), a test file to each, beside the one regeneration they share.
PARALLEL := -n auto --dist loadfile

test: $(READY) ## run every test: data, library, CLI, environment parity, notebooks (nbval), stale outputs
	$(PY) -m pytest $(PARALLEL)

CORE_TESTS := not browser and not server and not params and not publish and not release and not batch
# The core tests keep their regeneration of the committed outputs in build/tests/regeneration/ and
# re-run only the runs whose inputs changed since (the batch's own rule); `make test` regenerates all.
CORE_OPTIONS := --reuse-regeneration

test-core: $(READY) ## run the core tests (data, library, CLI, notebooks, stale outputs): all but browser, server, params, publish, release, batch
	$(PY) -m pytest $(PARALLEL) -m "$(CORE_TESTS)" $(CORE_OPTIONS)

test-deep: $(READY) ## the property tests with thousands of generated cases against the brute-force oracle (minutes)
	HYPOTHESIS_PROFILE=deep $(PY) -m pytest -p no:xdist -q tests/test_properties.py
# Lint and types: ruff's checks, ruff's formatting (checked, not applied) and mypy on the library.
# `make lint` runs all three whatever the first two find, and fails if any failed.
LINTED := analysis tests benchmarks
lint: $(READY) ## ruff check, ruff format --check and mypy on analysis/ (the pins are in requirements.txt)
	@status=0; \
	  $(VENV)/bin/ruff check $(LINTED) || status=1; \
	  $(VENV)/bin/ruff format --check $(LINTED) || status=1; \
	  $(VENV)/bin/mypy analysis || status=1; \
	  exit $$status

# Each Python of TEST_PYTHONS found on the PATH or under pyenv gets a venv of its own (.venv-3.X, set
# up as .venv is) and runs the core suite; a Python not installed is named and skipped.
TEST_PYTHONS ?= 3.11 3.12 3.13
test-pythons: ## run the core tests under each installed Python 3.11-3.13, each in its own .venv-3.X
	@set -e; ran=""; for v in $(TEST_PYTHONS); do \
	  py=""; for c in $$(command -v python$$v) $$(ls -d $$HOME/.pyenv/versions/$$v.*/bin/python$$v 2>/dev/null | sort -Vr); do \
	    if [ "$$($$c -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" = $$v ]; then py=$$c; break; fi; \
	  done; \
	  if [ -z "$$py" ]; then echo "Python $$v: not installed, skipped"; continue; fi; \
	  echo "== Python $$v ($$py): core tests in .venv-$$v"; \
	  $(MAKE) --no-print-directory VENV=.venv-$$v PYTHON=$$py test-core; ran="$$ran $$v"; \
	done; echo "core tests passed on Python$$ran"

validate: $(READY) ## check the data package
	$(PY) -m analysis validate data

gaps: $(READY) ## print the gap table (opportunity -> next death)
	$(PY) -m analysis gaps

docs: $(READY) ## regenerate the README's headline numbers and citation, and docs/data-dictionary.md, from data/
	$(PY) -m analysis docs

# JupyterLab refuses to run as root (as in most containers) unless told to; only then is the flag added.
LAB_ARGS ?=
LAB_ROOT := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)
lab: $(READY) ## open JupyterLab on the project's kernel (extra flags: make lab LAB_ARGS="--no-browser --port 8899")
	@echo "Starting JupyterLab on notebooks/: open the http://127.0.0.1:... address it prints below (with its token); Ctrl-C stops it."
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks $(LAB_ROOT) $(LAB_ARGS)

.PHONY: site
site: $(READY) ## build the reading site in site/ from data, figures and the executed notebooks (runs no notebook)
	$(PY) -m analysis site

bench: $(READY) ## time regeneration against the floor Jupyter sets (prints ratios)
	$(PY) benchmarks/bench.py

# The database for Datasette and its metadata, rebuilt when the data or the library change.
# DATA and DB can be overridden (make db DATA=path/to/data DB=/tmp/x.db); PORT for make serve.
DATA ?= data
DB ?= build/port-inquests.db
DB_METADATA = $(patsubst %.db,%.metadata.json,$(DB))
PORT ?= 8001

$(DB) $(DB_METADATA) &: $(READY) $(DATA)/datapackage.json $(wildcard $(DATA)/*.csv) $(wildcard analysis/*.py analysis/publish/*.py)
	$(PY) -m analysis db --data $(DATA) --out $(DB)

db: $(DB) $(DB_METADATA) ## build build/port-inquests.db (SQLite, for Datasette) from the checked data

serve: $(DB) $(DB_METADATA) ## browse and query the record in Datasette at http://127.0.0.1:8001/
	@echo "Datasette is serving the record at http://127.0.0.1:$(PORT)/$(notdir $(basename $(DB)))  (Ctrl-C stops it)"
	$(VENV)/bin/datasette serve -i $(DB) --metadata $(DB_METADATA) --host 127.0.0.1 --port $(PORT)

clean: ## remove build/ (executed notebooks of every run, the run state, the core tests' kept regeneration)
	rm -rf build
