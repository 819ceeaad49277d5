"""The loader's checks of citations.csv: one hand-made corruption of each kind, each refused with
its FILE:LINE: COLUMN, and the coverage check that the package can switch on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analysis.citations import derive
from analysis.load import load_case
from analysis.problems import DataError
from conftest import DATA, opportunity, write_package

SOURCES = [
    {
        "source_id": s,
        "title": "A page",
        "publisher": s.upper(),
        "published": "2021-10",
        "url": f"https://example.org/{s}",
        "kind": "press",
    }
    for s in ("src-a", "src-b", "src-c")
]
EVENTS = [
    {
        "event_id": "ev-x-01",
        "date_earliest": "2015-10-15",
        "date_latest": "2015-10-15",
        "kind": "arrest",
        "summary": "Port arrested.",
        "source_ids": "src-a;src-b",
    },
    {
        "event_id": "ev-x-02",
        "date_earliest": "2015-10-14",
        "date_latest": "2015-10-31",
        "kind": "police_action",
        "summary": "Something.",
        "source_ids": "src-a",
    },
]
OPPS = [opportunity("op-w-01", "2014-06-20", "2014-06-20", "walgate", "jury;police")]


def q(row_id: str, fields: str, source_id: str = "src-a", text: str = "Port was arrested on 15 October 2015") -> dict:
    return {"row_id": row_id, "fields": fields, "source_id": source_id, "quote": text}


def package(tmp_path: Path, *citations: dict) -> Path:
    return write_package(tmp_path / "d", sources=SOURCES, events=EVENTS, opportunities=OPPS, citations=list(citations))


def problems(data: Path) -> list[str]:
    with pytest.raises(DataError) as caught:
        load_case(data)
    return [str(p) for p in caught.value.problems]


def where(data: Path, line: int, column: str) -> str:
    return f"{data / 'citations.csv'}:{line}: {column}: "


def test_good_citations_of_every_kind_load(tmp_path):
    data = package(
        tmp_path,
        q("ev-x-01", "summary;date_earliest"),
        {"row_id": "ev-x-01", "fields": "date_latest", "derived_from": "ev-x-01.date_earliest", "rule": "equal"},
        {"row_id": "ev-x-02", "fields": "date_earliest", "derived_from": "ev-x-01.date_earliest", "rule": "day_before"},
        {"row_id": "ev-x-02", "fields": "date_latest", "derived_from": "ev-x-01.date_latest", "rule": "end_of_month"},
        {"row_id": "op-w-01", "fields": "identified_by:police;actor", "assumption": "Reason in words."},
    )
    case = load_case(data)
    assert len(case.citations) == 5 and case.citations["fields"][0] == ["summary", "date_earliest"]


@pytest.mark.parametrize(
    "citation, line, column, says",
    [
        (q("ev-x-01", "summary", text=" ".join(["word"] * 26)), 2, "quote", "has 26 words; a quote is at most 25"),
        (q("ev-x-01", "summary", text="Port was arrested ... in October"), 2, "quote", "ellipsis ('...')"),
        (q("ev-x-01", "summary", text="Port was arrested \u2026 in October"), 2, "quote", "ellipsis"),
        (q("ev-x-02", "summary", source_id="src-b"), 2, "source_id", "'src-b' is not among ev-x-02's source_ids"),
        (q("ev-x-01", "summary", source_id="src-z"), 2, "source_id", "'src-z' is not a source_id in sources.csv"),
        (q("ev-x-99", "summary"), 2, "row_id", "'ev-x-99' is not an id in victims, events, opportunities or findings"),
        ({**q("ev-x-01", "summary"), "assumption": "Also assumed."}, 2, "(row)", "gives 2 bases (quote, assumption)"),
        ({"row_id": "ev-x-01", "fields": "summary"}, 2, "(row)", "gives no basis"),
        (
            {"row_id": "ev-x-01", "fields": "summary", "source_id": "src-a"},
            2,
            "quote",
            "is empty but source_id is filled",
        ),
        (
            {"row_id": "ev-x-01", "fields": "date_latest", "derived_from": "ev-x-01.date_earliest"},
            2,
            "rule",
            "is empty but derived_from is filled",
        ),
        (q("ev-x-01", "summary;colour"), 2, "fields", "'colour' is not a column of events.csv"),
        (q("ev-x-01", "notes"), 2, "fields", "'notes' needs no basis"),
        (q("op-w-01", "identified_by"), 2, "fields", "'identified_by' names no credit"),
        (q("op-w-01", "identified_by:family"), 2, "fields", "the row's identified_by has no 'family'"),
        (q("op-w-01", "identified_by:jury"), 2, "fields", "'identified_by:jury' is not a field"),
        (
            {"row_id": "ev-x-02", "fields": "date_latest", "derived_from": "ev-x-01.date_earliest", "rule": "equal"},
            2,
            "derived_from",
            "equal of ev-x-01.date_earliest (2015-10-15) gives 2015-10-15, but ev-x-02.date_latest is 2015-10-31",
        ),
        (
            {
                "row_id": "ev-x-02",
                "fields": "date_earliest",
                "derived_from": "ev-x-01.date_earliest",
                "rule": "day_after",
            },
            2,
            "derived_from",
            "gives 2015-10-16, but ev-x-02.date_earliest is 2015-10-14",
        ),
        (
            {"row_id": "ev-x-02", "fields": "date_latest", "derived_from": "ev-x-09.date_earliest", "rule": "equal"},
            2,
            "derived_from",
            "'ev-x-09' is not an id",
        ),
        (
            {"row_id": "ev-x-02", "fields": "date_latest", "derived_from": "ev-x-01.when", "rule": "equal"},
            2,
            "derived_from",
            "'when' is not a column of events.csv",
        ),
        (
            {"row_id": "ev-x-02", "fields": "date_latest", "derived_from": "ev-x-01.notes", "rule": "equal"},
            2,
            "derived_from",
            "ev-x-01.notes is empty",
        ),
        (
            {"row_id": "ev-x-01", "fields": "date_latest", "derived_from": "ev-x-01.date_latest", "rule": "equal"},
            2,
            "derived_from",
            "derives date_latest from itself",
        ),
        (
            {"row_id": "ev-x-02", "fields": "summary", "derived_from": "ev-x-01.summary", "rule": "day_after"},
            2,
            "rule",
            "'day_after' needs a date",
        ),
        (
            {"row_id": "ev-x-02", "fields": "summary", "derived_from": "ev-x-01.summary", "rule": "next_week"},
            2,
            "rule",
            "'next_week' is not one of equal, day_before",
        ),
    ],
)
def test_each_corruption_is_refused_with_file_line_column(tmp_path, citation, line, column, says):
    data = package(tmp_path, q("ev-x-01", "summary"), citation)  # line 2 is good, the corruption is line 3
    found = problems(data)
    expected = where(data, line + 1, column)
    assert any(p.startswith(expected) and says in p for p in found), found


def test_every_bad_citation_is_listed(tmp_path):
    data = package(
        tmp_path, q("ev-x-99", "summary"), q("ev-x-01", "colour"), {"row_id": "ev-x-01", "fields": "summary"}
    )
    assert [p.split(": ")[0].rsplit(":", 1)[1] for p in problems(data)] == ["2", "3", "4"]


@pytest.mark.parametrize(
    "rule, value, expected",
    [
        ("day_before", "2016-03-01", "2016-02-29"),
        ("day_after", "2014-12-31", "2015-01-01"),
        ("start_of_month", "2014-06-19", "2014-06-01"),
        ("end_of_month", "2015-02-10", "2015-02-28"),
        ("end_of_month", "2016-02-10", "2016-02-29"),
        ("equal", "2014-06-19", "2014-06-19"),
    ],
)
def test_rules_by_hand(rule, value, expected):
    from datetime import date

    assert derive(rule, date.fromisoformat(value)) == date.fromisoformat(expected)


def complete(data: Path) -> Path:
    descriptor = json.loads((data / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["citations"] = {"complete": True}
    (data / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    return data


def test_coverage_is_not_enforced_until_the_package_says_complete(tmp_path):
    load_case(package(tmp_path, q("ev-x-01", "summary")))


def test_complete_package_refuses_a_field_without_basis_and_an_unquoted_source(tmp_path):
    data = complete(package(tmp_path, q("ev-x-01", "summary;date_earliest;date_latest")))
    found = problems(data)
    events = f"{data / 'events.csv'}"
    # ev-x-01 (line 2) cites src-b but nothing is quoted from it
    assert f"{events}:2: source_ids: 'src-b' carries none of ev-x-01's fields in citations.csv" in "\n".join(found)
    # ev-x-02 (line 3): no basis at all
    for field in ("date_earliest", "date_latest", "summary"):
        assert any(p.startswith(f"{events}:3: {field}: it has no basis") for p in found), found
    # op-w-01's police credit needs its own basis; its jury credit rests on a finding
    opps = f"{data / 'opportunities.csv'}:2: identified_by: the credit 'police' has no basis"
    assert any(p.startswith(opps) for p in found)
    assert not any("'jury' has no basis" in p for p in found)


def test_complete_package_with_every_basis_loads(tmp_path):
    victims = [(v, "2014-06-17") for v in ("walgate", "kovari", "whitworth", "taylor")]
    cites = [
        q("ev-x-01", "summary;date_earliest;date_latest"),
        q("ev-x-01", "summary", source_id="src-b"),
        q("ev-x-02", "summary;date_earliest;date_latest"),
        q(
            "op-w-01",
            "date_earliest;date_latest;open_until_earliest;open_until_latest;actor;missed;would_have;identified_by:police",
        ),
        *[q(v, "age;died_earliest;died_latest;found_date;found_place") for v, _ in victims],
        q("fd-jury-op-w-01", "date;body;summary"),
    ]
    load_case(complete(package(tmp_path, *cites)))


def test_real_citations_load_and_are_counted():
    case = load_case(DATA)
    assert len(case.citations) >= 16
    assert set(case.citations["row_id"]) >= {"walgate", "kovari", "whitworth", "taylor", "ev-f-07"}


# --- notes speak to readers ---------------------------------------------------------------

PROCESS_WORDS = (
    r"Nov(ember)? 2026|\baudit\b|\bthe store\b|SOURCES\.md|\bstored (copy|opening|text|page)\b|\bseed article\b"
)


@pytest.mark.parametrize("table", ["victims", "events", "opportunities", "findings", "sources"])
def test_no_note_speaks_of_the_project_s_process(table):
    import csv
    import re

    found = [
        f"{table}.csv: {r[next(iter(r))]}: {m.group(0)!r}"
        for r in csv.DictReader(open(DATA / f"{table}.csv", encoding="utf-8"))
        for m in [re.search(PROCESS_WORDS, r["notes"], flags=re.I)]
        if m
    ]
    assert found == [], "\n".join(found)


def test_no_note_credits_a_body_its_row_does_not_credit():
    """A note that says which findings an official credit rests on must match identified_by
    (op-t-01 and op-t-02 said 'Attribution from findings - jury' after that credit was removed)."""
    import re

    case = load_case(DATA)
    wrong = []
    for o in case.opportunities.itertuples(index=False):
        m = re.search(r"Attribution from findings - (.*?)\.(?:\s|$)", o.notes if isinstance(o.notes, str) else "")
        named = set(re.findall(r"\b(jury|coroner|iopc|court|hmicfrs)\b", m.group(1))) if m else set()
        wrong += [f"{o.opportunity_id}: {b}" for b in named - set(o.identified_by)]
    assert wrong == []


def test_quotes_are_checked_against_the_saved_pages(tmp_path):
    import subprocess
    import sys

    from analysis.citations import quotes_not_on_pages

    data = package(
        tmp_path,
        q("ev-x-01", "summary", text="Port was  arrested on 15 October 2015"),
        q("ev-x-01", "date_earliest", text="Port was arrested on 16 October 2015"),
        q("ev-x-01", "date_latest", source_id="src-b", text="arrested"),
    )
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "src-a.txt").write_text(
        "URL: https://example.org/src-a\nPolice said Port was\narrested on 15 October 2015.", encoding="utf-8"
    )
    found = [str(p) for p in quotes_not_on_pages(data, pages)]
    cites = data / "citations.csv"
    assert found == [
        f"{cites}:3: quote: is not on the saved page of src-a (copy the words exactly, same spelling, "
        "punctuation and apostrophes)",
        f"{cites}:4: source_id: no saved page {pages / 'src-b.txt'} to check the quote against "
        "(save the excerpt read there, first line URL: ...)",
    ]
    done = subprocess.run(
        [sys.executable, "-m", "analysis", "validate", str(data), "--pages", str(pages)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1 and f"{cites}:3: quote:" in done.stderr and "Traceback" not in done.stderr


def test_the_seed_quotes_are_on_their_saved_pages():
    """Where the curators' saved pages are present (the project's machine), every quote is on them."""
    from analysis.citations import quotes_not_on_pages

    pages = Path("/work/pagecache")
    if not pages.is_dir():
        pytest.skip("the saved pages are not on this machine (they are others' pages, not part of the package)")
    assert [str(p) for p in quotes_not_on_pages(DATA, pages)] == []
