"""Categories and units: counts on hand-made cases, the official-theme guard, the notebook's guard cells."""

from __future__ import annotations

import json

import pytest

from analysis import load_case
from analysis import kinds
from analysis.params import ParameterError
from conftest import DATA, ROOT, opportunity, write_package


@pytest.fixture()
def small(tmp_path):
    return load_case(
        write_package(
            tmp_path / "d",
            opportunities=[
                opportunity("op-w-01", "2014-06-20", "2014-06-20", "walgate", "jury", "ownership", "homicide_command"),
                opportunity(
                    "op-w-02", "2014-06-21", "2014-06-21", "walgate", "family", "ownership;supervision", "borough"
                ),
                opportunity("op-k-01", "2014-08-29", "2014-08-29", "kovari", "jury", "linking_deaths", "borough"),
            ],
        )
    )


def test_kind_table_counts_each_value_of_a_list(small):
    table = kinds.kind_table(small, "category").set_index(["value", "investigation"])
    assert table.at[("ownership", "walgate"), "n"] == 2
    assert table.at[("ownership", "walgate"), "opportunity_ids"] == "op-w-01;op-w-02"
    assert table.at[("supervision", "walgate"), "n"] == 1  # op-w-02 counted under both of its values
    assert table.at[("linking_deaths", "kovari"), "n"] == 1
    assert table.at[("linking_deaths", "taylor"), "n"] == 0  # absences are rows with 0, not missing
    assert len(table) == len(kinds.vocabulary(small, "category")) * 4


def test_filters_apply_and_are_checked_loudly(small):
    jury = kinds.kind_table(small, "unit", identified_by="jury", investigation="walgate").set_index("value")
    assert jury.at["homicide_command", "n"] == 1 and jury.at["borough", "n"] == 0
    assert set(jury["investigation"]) == {"walgate"}
    with pytest.raises(
        ParameterError,
        match=r"parameter identified_by: 'the jury' is not accepted; accepted: jury, "
        r"jury:explicit, jury\+coroner, jury\+coroner:explicit, all",
    ):
        kinds.kind_table(small, "unit", identified_by="the jury")
    with pytest.raises(
        ParameterError, match="parameter investigation: 'port' is not accepted; accepted: walgate, kovari"
    ):
        kinds.kind_table(small, "unit", investigation="port")


def test_crosstab_for_readers(small):
    wide = kinds.kind_crosstab(small, "unit").set_index("unit")
    assert wide.at["borough", "Test Walgate"] == "1: op-w-02"
    assert wide.at["borough", "total"] == 2
    assert wide.at["borough", "Test Taylor"] == ""


def test_units_identified_by(small):
    assert kinds.units_identified_by(small, "jury") == {"homicide_command", "borough"}
    assert kinds.units_identified_by(small, "family") == {"borough"}


def test_the_record_agrees_with_the_official_themes():
    case = load_case(DATA)
    for column in kinds.KIND_COLUMNS:
        assert kinds.theme_mismatches(case, column).empty


def wrong_category(tmp_path):
    """A copy of the record in which op-k-05 (classified as unexplained within hours) is filed as a line of enquiry."""
    import shutil

    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    opps = data / "opportunities.csv"
    lines = opps.read_text(encoding="utf-8").splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if line.startswith("op-k-05,"))
    assert ",classification,borough," in lines[index]
    lines[index] = lines[index].replace(",classification,borough,", ",lines_of_enquiry,borough,", 1)
    opps.write_text("".join(lines), encoding="utf-8")
    return load_case(data)


def test_theme_guard_catches_a_wrong_category(tmp_path):
    found = kinds.theme_mismatches(wrong_category(tmp_path), "category")
    # The coroner's concern on categorising deaths (fd-pfd-01) names op-k-05; the press report of her criticism
    # (fd-pfd-suspicious) is the same concern and names no opportunity.
    assert sorted(zip(found["finding_id"], found["opportunity_id"], found["expected"], found["recorded"])) == [
        ("fd-pfd-01", "op-k-05", "classification", "lines_of_enquiry")
    ]


def guard_cells(notebook: str) -> list[str]:
    """The notebook's guard cells: the code cells that check facts (``assert``) and show nothing."""
    nb = json.loads((ROOT / "notebooks" / notebook).read_text(encoding="utf-8"))
    sources = [
        "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
        for c in nb["cells"]
        if c["cell_type"] == "code"
    ]
    shows = ("reader_table", "save_and_show", "check_parameters")
    return [s for s in sources if "assert " in s and not any(w in s for w in shows)]


def test_notebook_05_guard_cells_fail_on_a_wrong_category(tmp_path):
    from analysis import gaps

    cells = guard_cells("05-kinds-of-failings.ipynb")
    assert len(cells) == 4
    names = {"kinds": kinds, "gaps": gaps, "basis": "death"}
    for source in cells:  # every guard passes on the committed record
        exec(source, {**names, "case": load_case(DATA)})
    with pytest.raises(AssertionError, match="category disagrees with the official findings"):
        exec(cells[0], {**names, "case": wrong_category(tmp_path)})


def test_notebook_05_unit_guard_fails_without_the_homicide_command(tmp_path):
    import shutil

    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    opps = data / "opportunities.csv"
    text = opps.read_text(encoding="utf-8")
    # Were the MIT's refusals (op-w-04, op-d-08) recorded as borough decisions, the jury's findings on the
    # specialist crime command would name rows without that unit, and no jury-identified row would be the command's.
    assert text.count(",ownership,homicide_command,") == 2
    text = text.replace(",ownership,homicide_command,", ",ownership,borough,")
    opps.write_text(text, encoding="utf-8")
    case = load_case(data)
    assert not kinds.theme_mismatches(case, "unit").empty
    with pytest.raises(AssertionError):
        exec(guard_cells("05-kinds-of-failings.ipynb")[1], {"kinds": kinds, "case": case})
