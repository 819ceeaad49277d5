"""The loader on the real data, and each kind of bad input reported by file, line and column."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis import DataError, load_case
from analysis.problems import DataMissing
from conftest import DATA


def test_real_data_loads_with_types():
    case = load_case(DATA)
    assert pd.api.types.is_datetime64_any_dtype(case.events["date_earliest"])
    assert isinstance(case.events["kind"].dtype, pd.CategoricalDtype)
    assert "death" in list(case.events["kind"].cat.categories)
    assert all(isinstance(ids, list) and ids for ids in case.opportunities["source_ids"])
    assert str(case.victims["age"].dtype) == "Int64"


def replace_in(path: Path, old: str, new: str, count: int = 1) -> int:
    """Replace text in a CSV and return the 1-based line number of the first change."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, count), encoding="utf-8")
    return line


def problems_of(data_dir: Path) -> list[str]:
    with pytest.raises(DataError) as caught:
        load_case(data_dir)
    return [str(p) for p in caught.value.problems]


def first_data_line(path: Path) -> str:
    return path.read_text(encoding="utf-8").splitlines()[1]


def test_bad_date_names_file_line_column(real_copy):
    events = real_copy / "events.csv"
    cells = first_data_line(events).split(",")
    line = replace_in(events, ",".join(cells[:2]), f"{cells[0]},2014-13-40")
    assert problems_of(real_copy) == [
        f"{events}:{line}: date_earliest: '2014-13-40' is not a real calendar date (check the month and day)"
    ]


def test_text_in_a_date_column(real_copy):
    victims = real_copy / "victims.csv"
    line = replace_in(victims, "2014-06-19", "19 June 2014")
    found = problems_of(real_copy)
    assert any(p.startswith(f"{victims}:{line}: ") and "is not a date (write YYYY-MM-DD" in p for p in found), found


def test_missing_column(real_copy):
    sources = real_copy / "sources.csv"
    rows = [line.split(",") for line in sources.read_text(encoding="utf-8").splitlines()]
    assert rows[0][-1] == "notes"
    # Drop the last column of the header only: the file still parses, the header is wrong.
    text = sources.read_text(encoding="utf-8").replace(",notes\n", "\n", 1)
    sources.write_text(text, encoding="utf-8")
    found = problems_of(real_copy)
    assert f"{sources}:1: notes: column missing from the header (add it; it may be empty where optional)" in found


def test_duplicate_id(real_copy):
    opps = real_copy / "opportunities.csv"
    lines = opps.read_text(encoding="utf-8").splitlines(keepends=True)
    first_id = lines[1].split(",")[0]
    second_id = lines[2].split(",")[0]
    opps.write_text(
        lines[0] + lines[1] + lines[2].replace(second_id, first_id, 1) + "".join(lines[3:]), encoding="utf-8"
    )
    found = problems_of(real_copy)
    assert any(p.startswith(f"{opps}:3: opportunity_id: '{first_id}' duplicates line 2") for p in found), found


def test_unknown_source_reference(real_copy):
    events = real_copy / "events.csv"
    lines = events.read_text(encoding="utf-8").splitlines(keepends=True)
    sid = load_case(real_copy).events.loc[0, "source_ids"][0]
    row = lines[1].replace(sid, "no-such-source", 1)
    events.write_text(lines[0] + row + "".join(lines[2:]), encoding="utf-8")
    found = problems_of(real_copy)
    assert any(
        p.startswith(f"{events}:2: source_ids: 'no-such-source' is not a source_id in sources.csv") for p in found
    ), found


def test_unknown_victim_reference(real_copy):
    opps = real_copy / "opportunities.csv"
    line = replace_in(opps, ",walgate,", ",walgat,")
    found = problems_of(real_copy)
    assert any(
        p.startswith(f"{opps}:{line}: investigation: 'walgat' is not a victim_id in victims.csv") for p in found
    ), found


def test_reversed_interval(tmp_path):
    from conftest import opportunity, write_package

    data = write_package(tmp_path / "d", opportunities=[opportunity("op-w-01", "2014-07-10", "2014-07-01", "walgate")])
    assert problems_of(data) == [
        f"{data / 'opportunities.csv'}:2: date_latest: 2014-07-01 is before date_earliest 2014-07-10 "
        "(an interval runs earliest..latest; swap them)"
    ]


@pytest.mark.parametrize(
    "arose, closed, column, message",
    [
        (
            ("2014-07-01", "2014-07-05"),
            ("2014-08-10", "2014-08-01"),
            "open_until_latest",
            "2014-08-01 is before open_until_earliest 2014-08-10 (an interval runs earliest..latest; swap them)",
        ),
        (
            ("2014-07-01", "2014-07-05"),
            ("2014-06-30", "2014-08-01"),
            "open_until_earliest",
            "2014-06-30 is before date_earliest 2014-07-01 (a chance cannot close before it arose; check both dates)",
        ),
        (
            ("2014-07-01", "2014-07-05"),
            ("2014-07-02", "2014-07-04"),
            "open_until_latest",
            "2014-07-04 is before date_latest 2014-07-05 (a chance cannot close before it arose: narrow date_latest to "
            "2014-07-04 at the latest, or correct open_until_latest)",
        ),
        (
            ("2014-07-01", "2014-07-05"),
            ("2014-07-31", "2014-09-31"),
            "open_until_latest",
            "'2014-09-31' is not a real calendar date (check the month and day)",
        ),
        (("2014-07-01", "2014-07-05"), ("", "2014-08-01"), "open_until_earliest", "is required (fill it in)"),
    ],
)
def test_when_a_chance_closed_is_checked(tmp_path, arose, closed, column, message):
    from conftest import opportunity, write_package

    data = write_package(tmp_path / "d", opportunities=[opportunity("op-w-01", *arose, "walgate", open_until=closed)])
    assert problems_of(data) == [f"{data / 'opportunities.csv'}:2: {column}: {message}"]


def test_body_found_before_death(tmp_path):
    from conftest import victim, write_package

    data = write_package(tmp_path / "d", victims=[victim("walgate", "2014-06-17", "2014-06-19", "2014-06-10")])
    found = problems_of(data)
    assert found == [
        f"{data / 'victims.csv'}:2: found_date: 2014-06-10 is before died_earliest 2014-06-17 "
        "(a body cannot be found before the death; check both dates)"
    ]


def test_row_without_source(tmp_path):
    from conftest import opportunity, write_package

    row = opportunity("op-w-01", "2014-07-01", "2014-07-02", "walgate") | {"source_ids": ""}
    data = write_package(tmp_path / "d", opportunities=[row])
    assert problems_of(data) == [f"{data / 'opportunities.csv'}:2: source_ids: is required (fill it in)"]


def test_empty_file(real_copy):
    (real_copy / "findings.csv").write_bytes(b"")
    found = problems_of(real_copy)
    assert found[0].startswith(f"{real_copy / 'findings.csv'}:1: (header): file is empty")


def test_wrong_encoding(real_copy):
    victims = real_copy / "victims.csv"
    raw = victims.read_bytes()
    victims.write_bytes(raw.replace(b"Barking", "Bärking".encode("latin-1"), 1))
    line = raw[: raw.index(b"Barking")].count(b"\n") + 1
    assert problems_of(real_copy) == [
        f"{victims}:{line}: (encoding): byte 0xe4 is not UTF-8 (re-save the file as UTF-8)"
    ]


def test_every_problem_is_listed_not_just_the_first(tmp_path):
    from conftest import opportunity, write_package

    data = write_package(
        tmp_path / "d",
        opportunities=[
            opportunity("op-w-01", "2014-07-10", "2014-07-01", "walgate"),
            opportunity("op-w-02", "2014-07-01", "2014-07-02", "nobody", identified_by="jury;jury"),
        ],
    )
    found = problems_of(data)
    assert len(found) == 3, found
    assert [p.split(": ")[1] for p in found] == ["date_latest", "identified_by", "investigation"]


def test_wrong_field_count_suggests_quoting(tmp_path):
    from conftest import write_package

    data = write_package(tmp_path / "d")
    path = data / "events.csv"
    path.write_text(
        path.read_text(encoding="utf-8") + "ev-x-02,2015-10-16,2015-10-16,court,,Port appeared, in court.,src-a,\n",
        encoding="utf-8",
    )
    assert problems_of(data) == [
        f"{path}:3: (row): has 9 fields but the header has 8 (quote any cell that contains a comma)"
    ]


def test_missing_directory_raises_data_missing(tmp_path):
    with pytest.raises(DataMissing, match="not a directory"):
        load_case(tmp_path / "nope")


def test_missing_table_file_raises_data_missing(real_copy):
    (real_copy / "events.csv").unlink()
    with pytest.raises(DataMissing, match="events.csv: not found"):
        load_case(real_copy)


def test_unknown_category_refused_with_its_line(tmp_path):
    from conftest import opportunity, write_package

    data = write_package(
        tmp_path / "d",
        opportunities=[
            opportunity("op-w-01", "2014-06-19", "2014-06-19", "walgate", category="forensic_examination"),
            opportunity("op-w-02", "2014-06-19", "2014-06-19", "walgate", category="misc"),
        ],
    )
    found = problems_of(data)
    assert len(found) == 1 and found[0].startswith(
        f"{data / 'opportunities.csv'}:3: category: 'misc' is not in the vocabulary (intelligence_records, "
    ), found


def test_vocabulary_lists_check_each_item(tmp_path):
    from conftest import opportunity, write_package

    data = write_package(
        tmp_path / "d",
        opportunities=[
            opportunity(
                "op-w-01",
                "2014-06-19",
                "2014-06-19",
                "walgate",
                category="classification;linking_deaths",
                unit="borough;homicide_command",
            ),
            opportunity("op-w-02", "2014-06-19", "2014-06-19", "walgate", unit="borough;btp"),
            opportunity("op-w-03", "2014-06-19", "2014-06-19", "walgate", category="", unit="borough"),
        ],
    )
    found = problems_of(data)
    where = data / "opportunities.csv"
    assert found == [
        f"{where}:3: unit: 'btp' is not in the vocabulary (borough, homicide_command, met_corporate; "
        "`;` between two; see datapackage.json)",
        f"{where}:4: category: is required (fill it in)",
    ]


def test_categories_and_units_load_as_lists():
    opps = load_case(DATA).opportunities.set_index("opportunity_id")
    # Hand-checked against the rows' own text: the MIT declined the Walgate case; Whitworth's note was not examined.
    assert opps.at["op-w-04", "unit"] == ["homicide_command"] and opps.at["op-w-04", "category"] == ["ownership"]
    assert opps.at["op-d-01", "category"] == ["forensic_examination"]
    assert opps.at["op-t-01", "category"] == ["classification", "linking_deaths"]
    assert all(opps["category"].map(len) >= 1) and all(opps["unit"].map(len) >= 1)
