"""Evidence grades, official credits and their strength, and calendar-checked partial dates.

Hand-made packages for each rule (syndication included), then the real record against facts
checked by hand in the sources (see the README's "What each row stands on").
"""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.evidence import (
    assumptions,
    basis_counts,
    credit_label,
    field_bases,
    grade_counts,
    grade_of,
    grades,
    official_credits,
    publisher_key,
    single_rows,
)
from analysis.gaps import gap_table, select_opportunities
from analysis.load import load_case
from analysis.problems import DataError
from conftest import DATA, opportunity, write_package


def source(source_id: str, publisher: str, kind: str = "press", origin: str = "") -> dict:
    return {
        "source_id": source_id,
        "title": "A page",
        "publisher": publisher,
        "published": "2021-10",
        "url": f"https://example.org/{source_id}",
        "kind": kind,
        "origin": origin,
    }


SOURCES = [
    source("pa-newschain", "NewsChain (PA)", origin="PA Media"),
    source("pa-jep", "Jersey Evening Post (PA)", origin="PA Media"),
    source("pa-standard", "Evening Standard", origin="PA Media"),
    source("bbc", "BBC News"),
    source("bbc-mirror", "BBC News (copy on a mirror)", origin="BBC News"),
    source("guardian", "The Guardian"),
    source("ruling", "The National Archives", kind="ruling"),
    source("src-a", "Publisher"),  # cited by the default victims of write_package
]
FRAME = pd.DataFrame(SOURCES)


@pytest.mark.parametrize(
    "cited, expected",
    [
        (["pa-newschain"], "single"),
        (["pa-newschain", "pa-jep", "pa-standard"], "single"),  # one PA story syndicated three times counts once
        (["bbc", "bbc-mirror"], "single"),  # a mirror of the BBC's story is the BBC
        (["pa-jep", "bbc"], "corroborated"),
        (["bbc-mirror", "guardian"], "corroborated"),
        (["pa-newschain", "ruling"], "primary"),  # one primary record is enough
        (["ruling"], "primary"),
        ([], "unquoted"),  # nothing quoted for the central claim yet
    ],
)
def test_grade_of_hand_made_rows(cited, expected):
    assert grade_of(cited, FRAME) == expected


def test_publisher_key_uses_origin_only_when_filled():
    keys = publisher_key(FRAME)
    assert keys["pa-standard"] == "PA Media" and keys["bbc"] == "BBC News" and keys["bbc-mirror"] == "BBC News"


def events(*rows: tuple[str, str]) -> list[dict]:
    return [
        {
            "event_id": eid,
            "date_earliest": "2015-10-15",
            "date_latest": "2015-10-15",
            "kind": "arrest",
            "summary": "Port arrested.",
            "source_ids": ids,
        }
        for eid, ids in rows
    ]


def quote(row_id: str, fields: str, source_id: str, text: str = "Port arrested.") -> dict:
    return {"row_id": row_id, "fields": fields, "source_id": source_id, "quote": text}


def test_grades_and_counts_of_a_hand_made_package(tmp_path):
    case = load_case(
        write_package(
            tmp_path / "d",
            sources=SOURCES,
            events=events(
                ("ev-x-01", "pa-newschain;pa-jep"),
                ("ev-x-02", "pa-jep;guardian"),
                ("ev-x-03", "ruling;guardian"),
                ("ev-x-04", "guardian;bbc"),
                ("ev-x-05", "bbc"),
            ),
            citations=[
                quote("ev-x-01", "summary", "pa-newschain"),
                quote("ev-x-01", "summary", "pa-jep"),  # one PA story: single
                quote("ev-x-02", "summary", "pa-jep"),
                quote("ev-x-02", "summary;date_earliest", "guardian"),
                quote("ev-x-03", "summary", "ruling"),
                # ev-x-04 cites two publishers but only the Guardian is quoted for the summary: single, not corroborated
                quote("ev-x-04", "summary", "guardian"),
                quote("ev-x-04", "date_earliest", "bbc"),
                # ev-x-05 quotes only a date: its central claim is unquoted
                quote("ev-x-05", "date_earliest;date_latest", "bbc"),
            ],
        )
    )
    assert grades(case, "events").to_dict() == {
        "ev-x-01": "single",
        "ev-x-02": "corroborated",
        "ev-x-03": "primary",
        "ev-x-04": "single",
        "ev-x-05": "unquoted",
    }
    counts = grade_counts(case).set_index("table")
    assert counts.loc["events"].tolist() == [1, 1, 2, 1, 5]
    assert counts.loc["victims"].tolist() == [0, 0, 0, 4, 4]
    singles = single_rows(case)
    assert singles.loc[singles["table"] == "events", "id"].tolist() == ["ev-x-01", "ev-x-04"]
    assert singles.loc[singles["id"] == "ev-x-01", "publisher"].item() == "PA Media"
    assert singles.loc[singles["id"] == "ev-x-04", "source_ids"].item() == "guardian"
    with pytest.raises(ValueError, match="table must be one of"):
        grades(case, "sources")


def finding(finding_id: str, body: str, opps: str, link: str) -> dict:
    return {
        "finding_id": finding_id,
        "date": "2021-12-10",
        "body": body,
        "kind": "failing",
        "summary": "A failing.",
        "opportunity_ids": opps,
        "link": link,
        "source_ids": "src-a",
    }


@pytest.fixture()
def credited(tmp_path):
    """op-w-01 named explicitly by the jury; op-w-02 only by a general jury finding and a general coroner concern."""
    opps = [
        opportunity("op-w-01", "2014-06-20", "2014-06-20", "walgate", "jury;police"),
        opportunity("op-w-02", "2014-06-21", "2014-06-21", "walgate", "jury;coroner;press"),
        opportunity("op-w-03", "2014-06-22", "2014-06-22", "walgate", "family"),
    ]
    found = [
        finding("fd-1", "inquest_jury", "op-w-01", "explicit"),
        finding("fd-2", "inquest_jury", "op-w-01;op-w-02", "general"),
        finding("fd-3", "coroner", "op-w-02", "general"),
        finding("fd-4", "metropolitan_police", "op-w-03", "explicit"),
    ]  # not an official credit: nothing required
    return load_case(write_package(tmp_path / "d", opportunities=opps, findings=found))


def test_credit_strength_is_the_strongest_link(credited):
    credits = official_credits(credited).set_index(["opportunity_id", "credit"])
    assert credits.loc[("op-w-01", "jury"), "strength"] == "explicit"  # one explicit finding is enough
    assert credits.loc[("op-w-02", "jury"), "strength"] == "general"
    assert credits.loc[("op-w-02", "coroner"), "strength"] == "general"
    assert credits.loc[("op-w-01", "jury"), "finding_ids"] == "fd-1;fd-2"
    assert len(credits) == 3


def test_identified_by_filter_tells_explicit_from_general(credited):
    assert select_opportunities(credited, "jury")["opportunity_id"].tolist() == ["op-w-01", "op-w-02"]
    assert select_opportunities(credited, "jury:explicit")["opportunity_id"].tolist() == ["op-w-01"]
    assert select_opportunities(credited, "jury+coroner:explicit")["opportunity_id"].tolist() == ["op-w-01"]
    table = gap_table(credited, identified_by="jury").set_index("opportunity_id")
    assert table.loc["op-w-02", "official_credits"] == "jury:general;coroner:general;press"
    assert table.loc["op-w-01", "evidence_grade"] == "unquoted"  # no citation in this package


def test_credit_label():
    assert credit_label(["police", "family"], {}) == "police;family"


def problems_of(data) -> list[str]:
    with pytest.raises(DataError) as caught:
        load_case(data)
    return [str(p) for p in caught.value.problems]


def test_an_official_credit_needs_a_finding_and_a_finding_needs_its_credit(tmp_path):
    data = write_package(
        tmp_path / "d",
        opportunities=[
            opportunity("op-w-01", "2014-06-20", "2014-06-20", "walgate", "jury;press"),
            opportunity("op-w-02", "2014-06-21", "2014-06-21", "walgate", "press"),
        ],
        findings=[finding("fd-1", "coroner", "op-w-02", "general")],
    )
    assert problems_of(data) == [
        f"{data / 'findings.csv'}:2: opportunity_ids: names op-w-02 but that opportunity's identified_by lacks 'coroner' "
        "(add the credit there, or remove the opportunity here)",
        f"{data / 'opportunities.csv'}:2: identified_by: credits 'jury' but no finding of inquest_jury names op-w-01 "
        "(add it to that finding's opportunity_ids, or remove the credit)",
    ]


def test_link_is_required_with_opportunities_and_only_then(tmp_path):
    data = write_package(
        tmp_path / "d",
        opportunities=[opportunity("op-w-01", "2014-06-20", "2014-06-20", "walgate", "press")],
        findings=[
            finding("fd-1", "metropolitan_police", "op-w-01", ""),
            finding("fd-2", "metropolitan_police", "", "general"),
            finding("fd-3", "metropolitan_police", "op-w-01", "vague"),
        ],
    )
    found = problems_of(data)
    assert [p.split(": ")[0].rsplit("/", 1)[1] + ": " + p.split(": ")[1] for p in found] == [
        "findings.csv:2: link",
        "findings.csv:3: link",
        "findings.csv:4: link",
    ]
    assert "is required when opportunity_ids is filled" in found[0]
    assert "names no opportunity" in found[1]
    assert "'vague' is not one of explicit, general" in found[2]


@pytest.mark.parametrize(
    "published, message",
    [
        ("2014-13-45", "'2014-13-45' is not a real calendar date: month 13 does not exist"),
        ("2015-02-29", "'2015-02-29' is not a real calendar date: 2015-02 has no day 29"),
        ("2014-00", "'2014-00' is not a real calendar date: month 0 does not exist"),
        ("2021-04-31", "'2021-04-31' is not a real calendar date: 2021-04 has no day 31"),
    ],
)
def test_impossible_partial_dates_are_refused_with_file_line_column(tmp_path, published, message):
    data = write_package(tmp_path / "d", sources=[{**source("src-a", "Publisher"), "published": published}])
    assert problems_of(data) == [f"{data / 'sources.csv'}:2: published: {message} (write YYYY, YYYY-MM or YYYY-MM-DD)"]


@pytest.mark.parametrize("published", ["2016-02-29", "2021-10", "2015", ""])
def test_real_partial_dates_pass(tmp_path, published):
    load_case(write_package(tmp_path / "d", sources=[{**source("src-a", "Publisher"), "published": published}]))


# --- the real record ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def case():
    return load_case(DATA)


def test_every_row_of_the_record_has_a_grade(case):
    for table in ("victims", "events", "opportunities", "findings"):
        g = grades(case, table)
        assert len(g) == len(getattr(case, table)) and g.isin(["primary", "corroborated", "single", "unquoted"]).all()


def test_hand_checked_grades(case):
    # Walgate's death interval is quoted from the BBC (counsel to the inquest) and ITV (the 999 call).
    assert grades(case, "victims")["walgate"] == "corroborated"
    # The jury's conclusions day: quoted from ITV and the BBC.
    assert grades(case, "events")["ev-f-07"] == "corroborated"
    # The jury's "fundamental failures": only a blog copy of PA's story carries it.
    assert grades(case, "findings")["fd-jury-general-basic"] == "single"


def test_field_bases_of_a_hand_made_package(tmp_path):
    case = load_case(
        write_package(
            tmp_path / "d",
            sources=SOURCES,
            events=events(("ev-x-01", "bbc"), ("ev-x-02", "bbc")),
            citations=[
                quote("ev-x-01", "summary", "bbc"),
                {
                    "row_id": "ev-x-01",
                    "fields": "date_earliest;date_latest",
                    "derived_from": "ev-x-02.date_earliest",
                    "rule": "equal",
                },
                {"row_id": "ev-x-02", "fields": "date_latest", "source_id": "bbc", "quote": "Port arrested."},
                {"row_id": "ev-x-02", "fields": "date_latest", "assumption": "Same day."},
            ],
        )
    )
    bases = field_bases(case).set_index(["row_id", "field"])["basis"]
    assert bases[("ev-x-01", "summary")] == "quoted" and bases[("ev-x-01", "date_latest")] == "derived"
    assert bases[("ev-x-02", "date_latest")] == "quoted"  # the strongest of a quote and an assumption
    assert bases[("ev-x-02", "summary")] == "missing"
    counts = basis_counts(case).set_index(["table", "field"])
    assert counts.loc[("events", "date_latest")].tolist() == [1, 1, 0, 0, 2]
    assert counts.loc[("victims", "age")].tolist() == [0, 0, 0, 4, 4]
    assert assumptions(case).to_dict("records") == [
        {"row_id": "ev-x-02", "fields": "date_latest", "assumption": "Same day."}
    ]


def test_jury_credits_after_the_audit(case):
    credits = official_credits(case)
    jury = credits[credits["credit"] == "jury"].set_index("opportunity_id")["strength"].to_dict()
    # op-w-04: the BBC reports the jury saying a murder team should have taken over (explicit);
    # op-k-03/op-d-05 rest on the general finding that the deaths were not linked;
    # op-d-08 rests on the general finding on the specialist crime command's part in the Whitworth investigation;
    # op-t-01/op-t-02 are outside the jury's question (the three investigations before Taylor's death).
    assert jury == {
        "op-w-04": "explicit",
        "op-w-06": "explicit",
        "op-d-01": "explicit",
        "op-k-03": "general",
        "op-d-05": "general",
        "op-d-08": "general",
    }
    assert set(gap_table(case, identified_by="jury:explicit")["opportunity_id"]) == {"op-w-04", "op-w-06", "op-d-01"}
    assert not (credits["credit"] == "court").any()  # the prosecution's case at trial is not a court's finding


def test_cli_choices_match_the_library():
    from analysis.__main__ import IDENTIFIED_BY_CHOICES
    from analysis.gaps import IDENTIFIED_BY

    assert IDENTIFIED_BY_CHOICES == tuple(IDENTIFIED_BY)


def test_finding_links_count_official_findings_by_strength(credited):
    from analysis.evidence import finding_links, general_findings

    links = finding_links(credited).set_index("body")
    assert links.loc["inquest_jury"].tolist() == [1, 1, 0, 2]
    assert links.loc["coroner"].tolist() == [0, 1, 0, 1]
    assert "metropolitan_police" not in links.index  # the Met's own findings are not official credits
    assert sorted(general_findings(credited)["finding_id"]) == ["fd-2", "fd-3"]
