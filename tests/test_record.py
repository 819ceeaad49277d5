"""Invariants of the record that the story depends on, and hand-checked facts.

The hand-checked facts at the end are each confirmed in TWO retrieved sources, as listed in the
"double-sourced" sections of the researchers' logs; the comment on each names both source_ids.
If one of these tests fails, fix the data (or the sources), never the test.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis import load_case

VICTIMS = ["walgate", "kovari", "whitworth", "taylor"]
TABLES_WITH_SOURCES = ["victims", "events", "opportunities", "findings"]


@pytest.fixture(scope="module")
def case():
    return load_case(Path(__file__).parents[1] / "data")


def _victim(case, victim_id):
    rows = case.victims[case.victims["victim_id"] == victim_id]
    assert len(rows) == 1, f"expected one row for {victim_id}"
    return rows.iloc[0]


def _cites(row, *source_ids):
    return all(s in row["source_ids"] for s in source_ids)


def _day(text):
    return pd.Timestamp(text)


# --- the shape of the record -------------------------------------------------------------


def test_exactly_four_victims(case):
    assert sorted(case.victims["victim_id"]) == sorted(VICTIMS)
    assert case.victims["victim_id"].is_unique


def test_deaths_in_order(case):
    ordered = case.victims.sort_values("died_earliest")["victim_id"].tolist()
    assert ordered == VICTIMS
    # and the death intervals do not overlap: each man died after the previous one could have
    by_id = case.victims.set_index("victim_id")
    for earlier, later in zip(VICTIMS, VICTIMS[1:]):
        assert by_id.at[earlier, "died_latest"] < by_id.at[later, "died_earliest"], (earlier, later)


@pytest.mark.parametrize("victim_id", VICTIMS)
def test_death_interval_is_plausible(case, victim_id):
    v = _victim(case, victim_id)
    assert v["died_earliest"] <= v["died_latest"] <= v["found_date"]
    # each man was last known alive at most a few days before he was found
    assert v["found_date"] - v["died_earliest"] <= pd.Timedelta(days=7)


def test_final_arrest_is_october_2015(case):
    arrests = case.events[case.events["kind"] == "arrest"]
    assert len(arrests) >= 1
    assert _day("2015-10-01") <= case.series_end <= _day("2015-10-31")
    # the arrest came no later than the murder charge
    charges = case.events[case.events["kind"] == "charge"]
    murder_charge = charges[charges["summary"].str.contains("murder")]
    assert not murder_charge.empty
    final = arrests.sort_values("date_latest").iloc[-1]
    assert final["date_latest"] <= murder_charge["date_earliest"].max()


def test_every_opportunity_arose_before_the_final_arrest(case):
    late = case.opportunities[case.opportunities["date_latest"] >= case.series_end]
    assert late.empty, late[["opportunity_id", "date_latest"]].to_string()


def test_every_opportunity_belongs_to_one_of_the_four_investigations(case):
    assert set(case.opportunities["investigation"]) <= set(VICTIMS)


def test_every_finding_cites_a_source(case):
    known = set(case.sources["source_id"])
    for _, f in case.findings.iterrows():
        assert len(f["source_ids"]) >= 1, f["finding_id"]
        assert set(f["source_ids"]) <= known, f["finding_id"]


def test_a_jury_conclusion_for_each_victim(case):
    f = case.findings
    conclusions = f[(f["body"] == "inquest_jury") & (f["kind"] == "conclusion")]
    assert sorted(conclusions["victim_id"]) == sorted(VICTIMS)  # one per victim
    assert (conclusions["date"] == _day("2021-12-10")).all()
    assert conclusions["summary"].str.contains("unlawfully killed").all()


def test_the_coroners_concerns_exist(case):
    f = case.findings
    assert len(f[(f["body"] == "coroner") & (f["kind"] == "concern")]) >= 1


def test_minimum_counts(case):
    assert len(case.events) >= 60
    assert len(case.opportunities) >= 25


def test_every_source_is_cited_or_named_as_background(case):
    """A source no row cites for a field stays only if a row's notes name it as background (issue 19:
    "remove it, or keep it in notes as background"); otherwise it is dead weight in sources.csv."""
    cited, noted = set(), ""
    for name in TABLES_WITH_SOURCES:
        for ids in getattr(case, name)["source_ids"]:
            cited.update(ids)
        noted += " ".join(getattr(case, name)["notes"].fillna("").astype(str))
    background = set(case.sources["source_id"]) - cited
    assert background, "the record keeps some sources as background only (e.g. itv-20211005-opening)"
    assert not {s for s in background if s not in noted}, sorted(background)


def test_no_source_url_is_a_local_path(case):
    for url in case.sources["url"]:
        assert url.startswith(("http://", "https://")), url


# --- hand-checked facts, each confirmed in two sources --------------------------------------


def test_walgate_found_19_june_2014(case):
    # bbc-20211012-walgate; guardian-20161123-timeline
    v = _victim(case, "walgate")
    assert v["found_date"] == _day("2014-06-19")
    assert _cites(v, "bbc-20211012-walgate", "guardian-20161123-timeline")


def test_walgate_aged_23(case):
    # bbc-20211012-walgate; itv-20211007-paramedic
    v = _victim(case, "walgate")
    assert v["age"] == 23
    assert _cites(v, "bbc-20211012-walgate", "itv-20211007-paramedic")


def test_kovari_found_28_august_2014(case):
    # guardian-20161123-timeline; bdpost-201510-referral
    v = _victim(case, "kovari")
    assert v["found_date"] == _day("2014-08-28")
    assert _cites(v, "guardian-20161123-timeline", "bdpost-201510-referral")


def test_whitworth_found_20_september_2014(case):
    # guardian-20161123-timeline; bbc-20211109-leads
    v = _victim(case, "whitworth")
    assert v["found_date"] == _day("2014-09-20")
    assert _cites(v, "guardian-20161123-timeline", "bbc-20211109-leads")


def test_taylor_found_14_september_2015(case):
    # guardian-20161123-timeline; bdpost-201510-referral
    v = _victim(case, "taylor")
    assert v["found_date"] == _day("2015-09-14")
    assert _cites(v, "guardian-20161123-timeline", "bdpost-201510-referral")


def test_kovari_22_and_whitworth_21(case):
    # ewhc-20171128-quash; bdpost-201510-referral
    assert _victim(case, "kovari")["age"] == 22
    assert _victim(case, "whitworth")["age"] == 21
    for victim_id in ("kovari", "whitworth"):
        assert _cites(_victim(case, victim_id), "ewhc-20171128-quash", "bdpost-201510-referral")


def test_taylor_aged_25(case):
    # bdpost-201510-referral; newschain-20211117-listened
    v = _victim(case, "taylor")
    assert v["age"] == 25
    assert _cites(v, "bdpost-201510-referral", "newschain-20211117-listened")


def test_port_charged_with_murder_18_october_2015(case):
    # wikinews-20161127-jailed; irishexaminer-201510-trialdate
    e = case.events
    charge = e[
        (e["kind"] == "charge") & (e["date_earliest"] == _day("2015-10-18")) & (e["date_latest"] == _day("2015-10-18"))
    ]
    assert len(charge) == 1
    assert "four counts of murder" in charge.iloc[0]["summary"]
    assert _cites(charge.iloc[0], "wikinews-20161127-jailed", "irishexaminer-201510-trialdate")


def test_whole_life_sentence_25_november_2016(case):
    # itv-20161125-sentence; cnn-20161125-sentence
    e = case.events
    sentence = e[
        (e["kind"] == "court") & (e["date_earliest"] == _day("2016-11-25")) & (e["date_latest"] == _day("2016-11-25"))
    ]
    assert len(sentence) == 1
    assert "whole-life order" in sentence.iloc[0]["summary"]
    assert _cites(sentence.iloc[0], "itv-20161125-sentence", "cnn-20161125-sentence")


def test_prevention_of_future_deaths_report_published_25_january_2022(case):
    # lgbtag-20220125-pfd; standard-20220125-pfd
    e = case.events
    report = e[(e["kind"] == "report") & (e["date_earliest"] == _day("2022-01-25"))]
    assert len(report) == 1
    assert "prevention-of-future-deaths report" in report.iloc[0]["summary"]
    assert _cites(report.iloc[0], "lgbtag-20220125-pfd", "standard-20220125-pfd")
    f = case.findings
    concerns = f[(f["body"] == "coroner") & f["finding_id"].str.startswith("fd-pfd-")]
    assert (concerns["date"] == _day("2022-01-25")).all()
