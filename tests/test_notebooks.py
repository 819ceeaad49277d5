"""nbval: each committed notebook's outputs against a fresh execution of it.

The fresh executions are the session's one regeneration (``regenerated`` in conftest.py), so
each notebook runs once per test session. The comparison is nbval's own
(``IPyNbCell.compare_outputs``, with nbval's default skips, its cell tags and comment markers,
and tests/nbval-sanitize.cfg), so a failure reads exactly as ``pytest --nbval`` would print it.
The byte-for-byte comparison of the same notebooks is in test_outputs.py.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import nbformat
import pytest
from nbval.plugin import (
    IPyNbCell,
    coalesce_streams,
    find_comment_markers,
    find_metadata_tags,
    get_sanitize_patterns,
    nocolors,
)

from analysis.batch.spec import RUNS_FILE, read_runs
from conftest import ROOT

PUBLISHED = [run.notebook for run in read_runs(ROOT / RUNS_FILE) if run.publish]
# nbval's skip list without --nbdime (IPyNbFile.__init__): images are compared in test_outputs.py, byte for byte.
SKIP_COMPARE = (
    "metadata",
    "traceback",
    "prompt_number",
    "output_type",
    "name",
    "execution_count",
    "application/vnd.jupyter.widget-view+json",
    "image/png",
    "image/jpeg",
)


class NbvalCell:
    """What nbval's comparison methods read from a collected cell, for a cell that has already run."""

    compare_outputs = IPyNbCell.compare_outputs
    format_output_compare = IPyNbCell.format_output_compare
    sanitize = IPyNbCell.sanitize
    colors = nocolors

    def __init__(self, config: pytest.Config, patterns: dict) -> None:
        self.config, self.ihook = config, config.hook
        self.parent = SimpleNamespace(skip_compare=SKIP_COMPARE, sanitize_patterns=patterns)
        self.comparison_traceback: list[str] = []


def code_cells(path):
    return [c for c in nbformat.read(str(path), as_version=4).cells if c.cell_type == "code"]


@pytest.mark.parametrize("notebook", PUBLISHED)
def test_notebook_reproduces_its_committed_outputs(notebook, regenerated, request):
    patterns = dict(get_sanitize_patterns((ROOT / "tests" / "nbval-sanitize.cfg").read_text(encoding="utf-8")))
    committed, fresh = code_cells(ROOT / "notebooks" / notebook), code_cells(regenerated / "notebooks" / notebook)
    assert [c.source for c in fresh] == [c.source for c in committed], (
        f"{notebook}: cells differ from the committed ones"
    )
    failures = []
    for number, (ref, test) in enumerate(zip(committed, fresh)):
        options = {**dict(find_metadata_tags(ref.metadata)), **dict(find_comment_markers(ref.source))}
        if options.get("skip") or ref.execution_count is None:
            continue
        errors = [o for o in test.outputs if o.output_type == "error"]
        assert not errors or options.get("check_exception"), (
            f"{notebook}: Cell {number} raised {errors[0].ename}: {errors[0].evalue}"
        )
        if options.get("check", True) is False:  # nbval-ignore-output
            continue
        cell = NbvalCell(request.config, patterns)
        if not cell.compare_outputs(coalesce_streams(test.outputs), coalesce_streams(ref.outputs)):
            failures.append(f"{notebook}::Cell {number}: Cell outputs differ\n" + "\n".join(cell.comparison_traceback))
    assert not failures, "\n\n".join(failures)


def test_the_comparison_catches_a_changed_output(request):
    """The check above is not vacuous: a text output that differs from the committed one is reported."""
    ref = next(
        c
        for c in code_cells(ROOT / "notebooks" / PUBLISHED[0])
        if any("text/plain" in o.get("data", {}) for o in c.outputs)
    )
    test = nbformat.from_dict(json.loads(json.dumps(ref)))
    output = next(o for o in test.outputs if "text/plain" in o.get("data", {}))
    output.data["text/plain"] = output.data["text/plain"] + " 1"
    cell = NbvalCell(request.config, {})
    assert cell.compare_outputs(coalesce_streams(ref.outputs), coalesce_streams(ref.outputs))
    assert not cell.compare_outputs(coalesce_streams(test.outputs), coalesce_streams(ref.outputs))
    assert any("mismatch 'text/plain'" in line for line in cell.comparison_traceback)
