"""Notebook parameters: one check, one-line messages, and papermill exits non-zero writing nothing."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from analysis import load_case
from analysis.params import BODIES, ParameterError, check_parameters
from conftest import DATA, ROOT


@pytest.fixture(scope="module")
def case():
    return load_case(DATA)


def refused(case, **params) -> str:
    with pytest.raises(ParameterError) as info:
        check_parameters(case, **params)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_good_parameters_pass_and_are_normalised(case):
    p = check_parameters(
        case,
        data_dir="../data",
        start="2014-06-01",
        end="2015-10-31",
        kinds=["deaths", "found"],
        basis="found",
        identified_by="jury+coroner",
        investigation="walgate",
        victim=None,
        bodies=None,
        gap_figure="gaps-x",
    )
    assert p.kinds == ["deaths", "found"] and p.investigation == "walgate" and p.bodies is None


def test_comma_separated_string_is_a_list(case):
    assert check_parameters(case, kinds="deaths").kinds == ["deaths"]
    assert check_parameters(case, bodies="jury, coroner").bodies == ["jury", "coroner"]


def test_unknown_victim(case):
    message = refused(case, victim="nobody")
    assert message.startswith("parameter victim: 'nobody'") and "walgate, kovari, whitworth, taylor" in message


def test_unknown_investigation(case):
    assert "parameter investigation: 'Walgate'" in refused(case, investigation="Walgate")


def test_unknown_body_in_a_list_or_string(case):
    assert "parameter bodies: 'juries'" in refused(case, bodies=["jury", "juries"])
    message = refused(case, bodies="jury,police force")
    assert "'police force'" in message and ", ".join(BODIES) in message


def test_unknown_kind_names_the_kind_not_its_letters(case):
    message = refused(case, kinds="deaths,ghosts")
    assert message.startswith("parameter kinds: 'ghosts' not accepted") and "opportunities" in message


def test_empty_kinds(case):
    assert "parameter kinds" in refused(case, kinds=[])


def test_list_of_non_strings(case):
    assert "parameter kinds" in refused(case, kinds=[1, 2])
    assert "parameter bodies: 3" in refused(case, bodies=3)


def test_unknown_basis_and_filter(case):
    assert refused(case, basis="guess").startswith("parameter basis: 'guess' is not accepted; accepted: death, found")
    assert "accepted: jury, jury:explicit, jury+coroner, jury+coroner:explicit, all" in refused(
        case, identified_by="coroner"
    )


def test_list_parameters_of_the_sensitivity_notebook(case):
    assert check_parameters(case, bases="death, found").bases == ["death", "found"]
    assert refused(case, bases=["death", "buried"]).startswith("parameter bases: 'buried' not accepted")
    assert refused(case, identified_by_choices="jury,everyone").startswith(
        "parameter identified_by_choices: 'everyone' not accepted"
    )


def test_reversed_window(case):
    message = refused(case, start="2015-10-31", end="2014-06-01")
    assert "start, end" in message and "reversed" in message


def test_bad_dates(case):
    assert "parameter start: '2014-02-30'" in refused(case, start="2014-02-30")
    assert "parameter end: 'October'" in refused(case, end="October")


def test_bad_paths_and_figure_names(case):
    assert "parameter figures_dir: ''" in refused(case, figures_dir="")
    assert "parameter gap_figure: '../x'" in refused(case, gap_figure="../x")


def test_unknown_parameter_name(case):
    assert "parameter colour: no such parameter" in refused(case, colour="red")


# --- papermill: a bad parameter stops the notebook before anything is written ------------------


def tree_state() -> dict[str, str]:
    return {
        str(p.relative_to(ROOT)): hashlib.sha256(p.read_bytes()).hexdigest()
        for folder in ("figures", "notebooks")
        for p in sorted((ROOT / folder).iterdir())
        if p.is_file()
    }


@pytest.mark.params
@pytest.mark.parametrize(
    "notebook, args, message",
    [
        ("01-case-timeline.ipynb", ["-p", "kinds", "deaths,ghosts"], "parameter kinds: 'ghosts' not accepted"),
        ("01-case-timeline.ipynb", ["-p", "start", "2015-10-31", "-p", "end", "2014-06-01"], "reversed"),
        ("02-gaps-to-next-death.ipynb", ["-p", "basis", "guess"], "parameter basis: 'guess'"),
        ("03-official-findings.ipynb", ["-p", "victim", "nobody"], "parameter victim: 'nobody'"),
        ("04-data-overview.ipynb", ["-p", "data_dir", ""], "parameter data_dir: ''"),
    ],
)
def test_papermill_exits_non_zero_and_writes_nothing(tmp_path, notebook, args, message):
    before = tree_state()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "papermill",
            str(Path("notebooks") / notebook),
            str(tmp_path / "out.ipynb"),
            *args,
            "--no-progress-bar",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode != 0
    assert message in done.stderr + done.stdout
    assert tree_state() == before
