"""Reader tables: human dates and intervals, whole text, links, no index; the disagreement rule."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import load_case, summaries
from analysis.tables import day_range, reader_table
from conftest import DATA

d = pd.Timestamp


@pytest.fixture(scope="module")
def case():
    return load_case(DATA)


@pytest.mark.parametrize(
    "earliest, latest, text",
    [
        ("2014-06-19", "2014-06-19", "19 Jun 2014"),
        ("2014-06-17", "2014-06-19", "17–19 Jun 2014"),
        ("2014-06-30", "2014-07-02", "30 Jun – 2 Jul 2014"),
        ("2014-12-30", "2015-01-02", "30 Dec 2014 – 2 Jan 2015"),
    ],
)
def test_day_range(earliest, latest, text):
    assert day_range(d(earliest), d(latest)) == text


def test_victims_table_is_for_readers(case):
    table = reader_table(
        case.victims,
        {"Name": "name", "May have died": ("died_earliest", "died_latest"), "Notes": "notes", "Sources": "source_ids"},
        case,
        sort=["died_earliest", "died_latest"],
    )
    assert [row[0] for row in table.rows] == ["Anthony Walgate", "Gabriel Kovari", "Daniel Whitworth", "Jack Taylor"]
    assert table.rows[0][1] == "17–19 Jun 2014"
    html = table._repr_html_()
    walgate_notes = case.victims.set_index("victim_id").at["walgate", "notes"]
    assert walgate_notes.replace("'", "&#x27;") in html  # whole, not cut
    assert '<a href="https://' in html and "text-align:left" in html
    assert html.count("<th ") == 4  # four headers: no index column


def test_missing_values_show_as_a_dash():
    table = reader_table(pd.DataFrame({"a": [None], "b": [pd.NA], "c": [pd.NaT]}), {"A": "a", "B": "b", "C": "c"})
    assert table.rows == (("–", "–", "–"),)


def test_disagreements_are_the_rows_whose_notes_say_so(case):
    ids = set(summaries.disagreements(case)["id"])
    # Hand-checked notes: Port's 2015 release (Guardian vs book extract), his final arrest's day, Walgate's
    # time of death, the place Kovari was found, who found Taylor, the settlement counts.
    assert {"ev-w-22", "ev-t-12", "walgate", "ev-w-05", "ev-k-04", "ev-t-04", "ev-a-16"} <= ids
    # A caveat that is not a disagreement: op-w-01's note explains its upper bound and cites more sources.
    caveats = set(summaries.caveats(case)["id"])
    assert "op-w-01" in caveats
    assert not ids & caveats
    assert len(ids) + len(caveats) == len(summaries.noted_rows(case))
