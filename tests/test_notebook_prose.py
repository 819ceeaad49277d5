"""Notebooks lead with findings: the question and the key finding first, notes for developers at
the end ("How this notebook works") or in code comments, and parameter help that lists every value."""

from __future__ import annotations

import json

import papermill
import pytest

from analysis.gaps import IDENTIFIED_BY
from analysis.batch.spec import RUNS_FILE, read_runs
from conftest import ROOT

PUBLISHED = [run.notebook for run in read_runs(ROOT / RUNS_FILE) if run.publish]


def markdown(notebook: str) -> list[str]:
    nb = json.loads((ROOT / "notebooks" / notebook).read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"]


@pytest.mark.parametrize("notebook", PUBLISHED)
def test_question_and_finding_first_developer_notes_last(notebook):
    cells = markdown(notebook)
    assert cells[0].startswith("# ") and "**Question:**" in cells[0] and "**Key finding:**" in cells[0]
    assert cells[-1].startswith("## How this notebook works")
    for text in cells[:-1]:
        assert "Guard cell" not in text, text
        assert "check_parameters" not in text and "Every parameter is checked" not in text, text


@pytest.mark.parametrize(
    "notebook, parameter",
    [
        ("02-gaps-to-next-death.ipynb", "identified_by"),
        ("05-kinds-of-failings.ipynb", "identified_by"),
        ("06-sensitivity.ipynb", "identified_by_choices"),
    ],
)
def test_parameter_help_lists_every_accepted_filter(notebook, parameter):
    help_text = papermill.inspect_notebook(str(ROOT / "notebooks" / notebook))[parameter]["help"]
    for value in IDENTIFIED_BY:
        assert f'"{value}"' in help_text, f"{notebook}: {parameter}'s help omits {value!r}"
