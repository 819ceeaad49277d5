"""The interval rules on hand-made cases: the four corners a review reproduced, as regression tests,
and the generated sentences checked against the rule that makes them.

Every expected value was counted on a calendar. The package's deaths (tests/conftest.py):
Walgate 17-19 Jun 2014, Kovari 25-28 Aug 2014 (found 28 Aug), Whitworth 18-20 Sep 2014 (found
20 Sep), Taylor 13-14 Sep 2015 (found 14 Sep); arrest 15 Oct 2015.
"""

from __future__ import annotations

import re

import pytest

import oracle
from analysis import load_case
from analysis.gaps import certainly_arisen_before, deaths_view, gap_table
from analysis.intervals import (
    Interval,
    certainly_before,
    certainly_in_window,
    could_follow,
    gap_range,
    possibly_in_window,
    span_range,
)
from conftest import DATA, opportunity, victim, write_package


def row(table, opportunity_id):
    return table.set_index("opportunity_id").loc[opportunity_id]


# --- corner 1: "certain" means one thing -------------------------------------------------------------


def test_certainly_in_the_window_is_never_only_possibly_before(tmp_path):
    # Arose some day from 20 to 26 Aug 2014; Kovari died 25-28 Aug. It may have arisen on the 26th, after he
    # died on the 25th: so only possibly before his death, and only possibly in its window. (The old rule
    # counted him certainly in the window, because his first day came after the window's first day.)
    case = load_case(
        write_package(tmp_path / "d", opportunities=[opportunity("op-w-01", "2014-08-20", "2014-08-26", "walgate")])
    )
    w = row(gap_table(case), "op-w-01")
    assert w["deaths_in_window_certain"] == "whitworth;taylor"
    assert w["deaths_in_window_possible"] == "kovari;whitworth;taylor"
    view = deaths_view(case).set_index("victim_id")
    assert "op-w-01" not in view.at["kovari", "certainly_before"] and "op-w-01" in view.at["kovari", "possibly_before"]


def test_in_the_window_implies_before_on_the_real_record():
    case = load_case(DATA)
    for basis in ("death", "found"):
        view = deaths_view(case, basis=basis).set_index("victim_id")
        for r in gap_table(case, basis=basis).itertuples(index=False):
            for v in filter(None, r.deaths_in_window_certain.split(";")):
                assert r.opportunity_id in view.at[v, "certainly_before"], (basis, r.opportunity_id, v)
            for v in filter(None, r.deaths_in_window_possible.split(";")):
                assert r.opportunity_id in view.at[v, "possibly_before"], (basis, r.opportunity_id, v)


# --- corner 2: the longest gap with overlapping death intervals ---------------------------------------


def test_longest_gap_runs_to_the_earliest_of_the_candidates_latest_days(tmp_path):
    # Arose 1 Jan 2014. Kovari may have died 11 Jan - 13 Apr, Whitworth 21 Jan - 3 Apr: whoever died first
    # died by 3 Apr, so the longest gap is 1 Jan -> 3 Apr = 30 + 28 + 31 + 3 = 92 days, not 102 (to 13 Apr).
    case = load_case(
        write_package(
            tmp_path / "d",
            victims=[
                victim("walgate", "2013-12-28", "2013-12-30", "2013-12-30"),
                victim("kovari", "2014-01-11", "2014-04-13", "2014-04-13"),
                victim("whitworth", "2014-01-21", "2014-04-03", "2014-04-03"),
            ],
            opportunities=[opportunity("op-w-01", "2014-01-01", "2014-01-01", "walgate")],
        )
    )
    w = row(gap_table(case), "op-w-01")
    assert (w["next_death"], w["gap_days_min"], w["gap_days_max"]) == ("kovari", 10, 92)
    assert w["next_deaths"] == "kovari;whitworth"


def test_a_death_that_may_have_come_first_leaves_the_next_one_as_the_longest_gap():
    # Arose 19 Sep 2014 inside Whitworth's 18-20 Sep: if he died on the 18th, Taylor (13 Sep 2015) was next.
    taylor = Interval.of("2015-09-13")
    assert gap_range(Interval.of("2014-09-19"), [Interval.of("2014-09-18", "2014-09-20"), taylor]) == (0, 359)
    assert gap_range(Interval.of("2014-09-21"), [Interval.of("2014-09-18", "2014-09-20")]) is None


# --- corner 3: the same day, on the found basis ------------------------------------------------------


def test_an_opportunity_on_the_day_a_body_was_found_is_followed_by_it_in_every_rule(tmp_path):
    # Kovari was found on 28 Aug; a Walgate-investigation opportunity arose that day. The order within the day
    # is unknown: possibly before (never certainly), and his discovery is its next, 0 days later.
    case = load_case(
        write_package(tmp_path / "d", opportunities=[opportunity("op-w-01", "2014-08-28", "2014-08-28", "walgate")])
    )
    w = row(gap_table(case, basis="found"), "op-w-01")
    assert (w["next_death"], w["gap_days_min"], w["gap_days_max"]) == ("kovari", 0, 0)
    assert w["deaths_in_window_possible"].startswith("kovari") and "kovari" not in w["deaths_in_window_certain"]
    view = deaths_view(case, basis="found").set_index("victim_id")
    assert "op-w-01" in view.at["kovari", "possibly_before"] and "op-w-01" not in view.at["kovari", "certainly_before"]


# --- corner 4: how long it stood open, against the close's earliest day -----------------------------------


def test_days_open_count_to_the_earliest_day_it_may_have_closed(tmp_path):
    # Arose some day 1-16 Oct 2015; closed at an arrest some day 12-18 Oct. It may have arisen on the 12th and
    # closed that same day: 0 days. The most: 1 Oct -> 18 Oct = 17. (The old rule counted the fewest to the
    # arrest's latest day, 18 - 16 = 2, although the arrest may have come first.)
    case = load_case(
        write_package(
            tmp_path / "d",
            opportunities=[
                opportunity("op-t-01", "2015-10-01", "2015-10-16", "taylor", open_until=("2015-10-12", "2015-10-18"))
            ],
        )
    )
    t = row(gap_table(case), "op-t-01")
    assert (t["days_open_min"], t["days_open_max"]) == (0, 17)
    assert span_range(Interval.of("2015-10-01", "2015-10-16"), Interval.of("2015-10-12", "2015-10-18")) == (0, 17)


# --- the predicates on touching bounds -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "first, second, certainly, possibly",
    [
        (("2014-06-19", "2014-06-19"), ("2014-06-20", "2014-06-20"), True, True),  # the next day
        (("2014-06-19", "2014-06-19"), ("2014-06-19", "2014-06-19"), False, True),  # the same day
        (("2014-06-19", "2014-06-26"), ("2014-06-26", "2014-06-30"), False, True),  # touching
        (("2014-06-19", "2014-06-26"), ("2014-06-17", "2014-06-18"), False, False),  # wholly before
    ],
)
def test_before_on_touching_bounds(first, second, certainly, possibly):
    a, b = Interval.of(*first), Interval.of(*second)
    assert (certainly_before(a, b), could_follow(a, b)) == (certainly, possibly)


def test_in_a_window_on_its_edges():
    arose, closed = Interval.of("2014-06-19"), Interval.of("2014-09-20")
    assert (
        certainly_in_window(Interval.of("2014-09-20"), arose, closed),
        possibly_in_window(Interval.of("2014-09-20"), arose, closed),
    ) == (False, True)  # the day it closed
    assert possibly_in_window(Interval.of("2014-09-21"), arose, closed) is False
    assert certainly_in_window(Interval.of("2014-09-18", "2014-09-19"), arose, closed) is True


# --- generated sentences against the rules that make them --------------------------------------------------


@pytest.fixture(scope="module")
def record():
    import csv

    case = load_case(DATA)
    with open(DATA / "opportunities.csv", encoding="utf-8") as fh:
        opportunities = list(csv.DictReader(fh))
    with open(DATA / "victims.csv", encoding="utf-8") as fh:
        victims = list(csv.DictReader(fh))
    return case, opportunities, victims


def test_the_cumulative_charts_alt_text_counts_what_certainly_arose_before_the_series_end(record):
    from analysis.plots import cumulative_chart

    case, opportunities, _ = record
    end = case.series_end_event
    alt = cumulative_chart(case).alt_text
    said = int(re.search(r"\((\d+) had certainly arisen before", alt).group(1))
    expected = oracle.certainly_before_event(
        opportunities, f"{end['date_earliest']:%Y-%m-%d}", f"{end['date_latest']:%Y-%m-%d}"
    )
    assert said == expected == certainly_arisen_before(case, end)
    # By hand: 29 rows; four may have arisen on or after 12 Oct 2015, the arrest's first day (op-w-07, op-t-02,
    # op-t-03 and op-t-04 may each have arisen as late as 14 Oct).
    assert said == 25


def test_the_open_windows_alt_text_counts_by_the_window_rule(record):
    from analysis.plots import open_windows_chart

    case, opportunities, victims = record
    alt = open_windows_chart(case).alt_text
    n_open, n_most, most = map(
        int,
        re.search(
            r"(\d+) of them stood open while at least one later death may have happened; (\d+) while (\d+) later deaths",
            alt,
        ).groups(),
    )
    counts = [sum(oracle.in_window(o, v, "death")[1] for v in oracle.others(victims, o)) for o in opportunities]
    assert (n_open, most, n_most) == (sum(c > 0 for c in counts), max(counts), counts.count(max(counts)))


def test_the_readme_headline_counts_before_each_death_by_the_rule(record):
    from analysis.docs import headline

    _, opportunities, victims = record
    text = headline(DATA)
    counts = oracle.before_counts(victims, opportunities, "death")
    for v in victims:
        certain, possible = counts[v["victim_id"]]
        if possible:
            assert (
                f"Before {v['name']}'s death: {certain} missed opportunities in earlier investigations "
                f"certainly came before it, {possible} possibly."
            ) in text


def test_the_examples_in_the_rules_docstrings_hold():
    import doctest

    import analysis.gaps
    import analysis.intervals

    for module in (analysis.intervals, analysis.gaps):
        assert doctest.testmod(module).failed == 0, module.__name__
