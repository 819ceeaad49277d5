"""The test suite's time: the core tests (what `make test-core` runs) and every test (`make test`)."""

from __future__ import annotations

import re
from pathlib import Path

from common import VENV_PYTHON, Timed, run_measured

MAKEFILE = Path(__file__).resolve().parent.parent / "Makefile"


def _make_variable(name: str) -> str:
    """A ``NAME := value`` line of the Makefile, so the bench times exactly what ``make`` runs."""
    found = re.search(rf"^{name} := (.*)$", MAKEFILE.read_text(encoding="utf-8"), re.M)
    if found is None:
        raise SystemExit(f"{MAKEFILE}: no '{name} :=' line (the bench reads the core tests' marks from it)")
    return found.group(1).strip()


CORE = _make_variable("CORE_TESTS")  # the core tests' marks, as make test-core selects them
CORE_OPTIONS = _make_variable("CORE_OPTIONS").split()  # its other options (it keeps its regeneration)
PARALLEL = _make_variable("PARALLEL").split()  # pytest-xdist's options, as make passes them


def run_tests(root: Path, env: dict, core: bool, reuse: bool = True) -> tuple[Timed, str, list[str]]:
    """Time pytest once in the copy; return the timing, pytest's outcome counts and the ids of the
    tests that failed or errored. ``reuse=False`` runs the core tests without ``CORE_OPTIONS``, so
    every run of the batch is regenerated, as the first ``make test-core`` after a change to the
    library or the data does."""
    marks = ["-m", CORE, *(CORE_OPTIONS if reuse else [])] if core else []
    command = [str(root / VENV_PYTHON), "-m", "pytest", "-q", "-p", "no:cacheprovider", *PARALLEL, *marks]
    timed = run_measured(command, root, env, check=False)
    lines = [line for line in timed.stdout.splitlines() if line.strip()]
    outcome = re.sub(r"\s+in [\d.]+s.*$", "", lines[-1].strip("= ")) if lines else "no output"
    failed = [f"{kind} {test}" for kind, test in re.findall(r"^(FAILED|ERROR) (\S+)", timed.stdout, re.M)]
    return timed, f"pytest exit {timed.returncode}: {outcome}", failed
