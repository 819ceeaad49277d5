"""A second, fictional case end to end: tests/fixtures/testmouth through every command with --data.

The fixture is invented (names, places, dates; every source an example.org page): three deaths
and three investigations where the real record has four of each, a victim after whose death no
other followed (Cy Exemplar), and an opportunity whose interval contains another death (op-x-02,
1 Apr to 30 Jun 1997, holds Bo Placeholder's death on 10 May 1997). The numbers below were
worked out by hand from its CSVs (day counts on a calendar), not copied from the library.
"""

from __future__ import annotations

import json
import sqlite3

import pytest

from analysis.__main__ import main
from conftest import DATA, ROOT
from test_no_case_facts import case_facts_in

FIXTURE = ROOT / "tests" / "fixtures" / "testmouth"
#: Columns whose constraints belong to a case (the ids it allows); every other part of the schema
#: must match the real package's, so the fixture follows the record's format as it changes.
CASE_CONSTRAINTS = {("victims", "victim_id")}


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_fixture_is_fictional_and_cites_only_example_pages():
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(FIXTURE.iterdir()))
    assert not case_facts_in(text), "words of the real case in the fixture"
    sources = (FIXTURE / "sources.csv").read_text(encoding="utf-8").splitlines()[1:]
    assert sources and all(",https://example.org/" in line for line in sources)
    assert "fictional" in json.loads((FIXTURE / "datapackage.json").read_text(encoding="utf-8"))["case"]["title"]


def test_the_fixture_has_the_real_packages_format():
    """Same tables, fields, types and vocabularies as data/ (only the allowed victim ids differ):
    when the record's format changes, this says the fixture must follow."""

    def shape(folder):
        package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
        return {
            (r["name"], f["name"]): (
                f["type"],
                {k: v for k, v in f.get("constraints", {}).items() if (r["name"], f["name"]) not in CASE_CONSTRAINTS},
                [t["value"] for t in f.get("vocabulary", [])],
            )
            for r in package["resources"]
            for f in r["schema"]["fields"]
        }

    assert shape(FIXTURE) == shape(DATA)


def test_validate(capsys):
    code, out, _ = run(capsys, "validate", str(FIXTURE))
    assert code == 0
    assert out.strip().startswith(f"{FIXTURE}: valid (3 victims, 11 events, 5 opportunities, 4 findings, 4 sources);")
    # Invented rows quote no page: the fixture counts its bases instead of requiring them.
    assert "0 of 104 field values have a basis" in out


def test_gaps_worked_out_by_hand(capsys):
    code, out, _ = run(capsys, "gaps", "--data", str(FIXTURE), "--format", "json")
    assert code == 0
    rows = {r["opportunity_id"]: r for r in json.loads(out)}
    got = {o: (r["next_death"], r["gap_days_min"], r["gap_days_max"], r["deaths_while_open"]) for o, r in rows.items()}
    assert got == {
        # 5 Mar -> 10 May 1997: 26 + 30 + 10 days; it closed on 19 Mar, before any later death
        "op-x-01": ("placeholder", 66, 66, 0),
        # 1 Apr - 30 Jun holds 10 May: 0 days at least; arisen on 1 Apr, 39 days to Placeholder's death, but
        # arisen on 11 May or later the next death is Exemplar's (20-23 Nov): 11 May -> 23 Nov is 196 days.
        # Open until the arrest (2-4 Dec), both later deaths may fall while it stood open.
        "op-x-02": ("placeholder", 0, 196, 2),
        "op-y-01": ("exemplar", 182, 187, 1),  # 22 May -> 20 Nov and 20 May -> 23 Nov
        "op-y-02": ("exemplar", 142, 145, 1),  # 1 Jul -> 20 Nov and -> 23 Nov
        "op-z-01": (None, None, None, 0),  # no death after Cy Exemplar's
    }


def test_gaps_investigation_choices_come_from_the_data(capsys):
    code, out, _ = run(capsys, "gaps", "--data", str(FIXTURE), "--investigation", "placeholder", "--format", "csv")
    assert code == 0 and out.count("\nop-y-") == 2 and "op-x-" not in out
    code, _, err = run(capsys, "gaps", "--data", str(FIXTURE), "--investigation", "walgate")
    assert code == 2
    assert err.strip() == (
        f"error: --investigation: 'walgate' is not an investigation of {FIXTURE} "
        "(choose from testcase, placeholder, exemplar)"
    )


def test_figures_draws_every_figure_in_the_cases_words(capsys, tmp_path):
    from analysis.plots import FIGURES

    code, out, _ = run(capsys, "figures", "--data", str(FIXTURE), "--out", str(tmp_path))
    assert code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        f"{name}{ext}" for name in FIGURES for ext in (".svg", ".png", ".alt.txt")
    )
    timeline = (tmp_path / "case-timeline.svg").read_text(encoding="utf-8")
    assert "Three deaths, three investigations" in timeline
    assert "The suspect: arrests, charges, courts" in timeline
    assert "Source: the fictional Testmouth record" in timeline
    for svg in tmp_path.glob("*.svg"):
        text = svg.read_text(encoding="utf-8") + svg.with_suffix(".alt.txt").read_text(encoding="utf-8")
        assert not case_facts_in(text), svg.name


@pytest.mark.publish
def test_export_timelinejs(capsys):
    import jsonschema

    code, out, _ = run(capsys, "export", "timelinejs", "--data", str(FIXTURE))
    assert code == 0
    doc = json.loads(out)
    jsonschema.validate(doc, json.loads((ROOT / "tests" / "timelinejs.schema.json").read_text(encoding="utf-8")))
    assert doc["title"]["text"]["headline"] == "Missed chances before the Testmouth deaths (fictional)"
    assert len(doc["events"]) == 11 and len(doc["eras"]) == 3
    assert {e["group"] for e in doc["events"]} == {
        "Alex Testcase",
        "Bo Placeholder",
        "Cy Exemplar",
        "The suspect, the courts and the review",
    }


@pytest.mark.publish
def test_db(capsys, tmp_path):
    out = tmp_path / "fiction.db"
    code, _, _ = run(capsys, "db", "--data", str(FIXTURE), "--out", str(out))
    assert code == 0
    with sqlite3.connect(out) as db:
        assert db.execute("select count(*) from victims").fetchone() == (3,)
        assert db.execute(
            "select next_death, gap_days_min, gap_days_max from gaps_death where opportunity_id = 'op-x-02'"
        ).fetchone() == ("placeholder", 0, 196)
    metadata = json.loads(out.with_name("fiction.metadata.json").read_text(encoding="utf-8"))
    database = metadata["databases"]["fiction"]
    assert (
        database["tables"]["gaps_death"]["columns"]["days_open_max"]
        == "Most days from when the opportunity arose to when its chance closed."
    )
    assert "(testcase, placeholder, exemplar)" in database["queries"]["about_victim"]["description"]


@pytest.mark.publish
def test_site(capsys, tmp_path):
    out = tmp_path / "site"
    code, _, _ = run(capsys, "site", "--data", str(FIXTURE), "--out", str(out))
    assert code == 0
    home = (out / "index.html").read_text(encoding="utf-8")
    assert "<h1>Missed chances before the Testmouth deaths (fictional): a sourced record</h1>" in home
    assert "The three people who died" in (out / "victims" / "index.html").read_text(encoding="utf-8")
    assert sorted(p.stem for p in (out / "opportunities").glob("op-*.html")) == [
        "op-x-01",
        "op-x-02",
        "op-y-01",
        "op-y-02",
        "op-z-01",
    ]
    assert (out / "figures" / "case-timeline.png").is_file() and not (out / "notebooks").exists()
    for page in out.rglob("*.html"):
        assert not case_facts_in(page.read_text(encoding="utf-8")), page


def _fixture_with_case(tmp_path, **case):
    import shutil

    folder = tmp_path / "case"
    shutil.copytree(FIXTURE, folder)
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["case"].update(case)
    (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    return folder


def test_a_bad_case_section_is_refused_in_one_line_per_problem(capsys, tmp_path):
    folder = _fixture_with_case(
        tmp_path, series_end_event="ev-q-99", window_start="1997-02-30", window_end="1997-01-01"
    )
    code, out, err = run(capsys, "validate", str(folder))
    assert code == 1 and out == ""
    where = folder / "datapackage.json"
    assert err.splitlines() == [
        "2 problems in the data package:",
        f"{where}:1: case.series_end_event: 'ev-q-99' is not an event_id in events.csv (name the event that ends "
        "the series, or remove the key to use the latest arrest)",
        f"{where}:1: case.window_start: '1997-02-30' is not a real date (write YYYY-MM-DD, or null)",
    ]
    code, _, err = run(capsys, "validate", str(_fixture_with_case(tmp_path / "b", serie_end_event="ev-s-02")))
    assert code == 2 and "case: unknown key 'serie_end_event'" in err


def test_without_a_named_end_the_series_ends_at_the_latest_arrest(tmp_path):
    from analysis.load import load_case

    folder = _fixture_with_case(tmp_path)
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    del descriptor["case"]
    (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    case = load_case(folder)
    assert case.series_end_event["event_id"] == "ev-s-02"  # 2-4 Dec 1997, after ev-s-01 (2 Jun)
    assert case.info.title == descriptor["title"] and case.info.series_end_label == "the final arrest"


def test_colours_follow_the_order_of_the_deaths():
    from analysis.load import load_case
    from analysis.style import PALETTE, investigation_colours

    case = load_case(FIXTURE)
    assert case.investigations == ["testcase", "placeholder", "exemplar"]  # died Mar, May, Nov 1997
    assert investigation_colours(case.investigations) == dict(zip(case.investigations, PALETTE))
