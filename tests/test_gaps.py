"""Gap analysis on small packages whose answers were worked out by hand.

The test package (tests/conftest.py) has deaths Walgate 17-19 Jun 2014 (found 19 Jun),
Kovari 25-28 Aug 2014 (found 28 Aug), Whitworth 18-20 Sep 2014 (found 20 Sep),
Taylor 13-14 Sep 2015 (found 14 Sep) and the arrest on 15 Oct 2015, the day the hand-made
opportunities close unless a test says otherwise (``conftest.opportunity``).

Every rule is in :mod:`analysis.intervals` (certainly = in every way the uncertain days could fall,
possibly = in at least one; the same day is possibly either order). The gap to the next death is
taken over every way the days could fall, so when the opportunity may have arisen after a death
whose interval it overlaps, the next death in that world is a later one.
"""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import load_case
from analysis.gaps import deaths_view, gap_table
from conftest import opportunity, write_package


@pytest.fixture()
def case(tmp_path):
    return load_case(
        write_package(
            tmp_path / "d",
            opportunities=[
                opportunity("op-w-01", "2014-06-20", "2014-06-20", "walgate", "jury"),
                opportunity("op-k-01", "2014-09-19", "2014-09-19", "kovari", "coroner"),  # inside Whitworth's interval
                opportunity("op-d-01", "2014-09-21", "2014-10-31", "whitworth", "iopc;press"),
                opportunity("op-t-01", "2015-09-20", "2015-09-20", "taylor", "family"),
                opportunity("op-w-02", "2014-06-18", "2014-06-18", "walgate", "jury;coroner"),  # inside its own death
                opportunity("op-k-02", "2014-08-28", "2014-08-28", "kovari", "police"),  # on the day Kovari was found
            ],
        )
    )


def row(table: pd.DataFrame, opportunity_id: str) -> pd.Series:
    return table.set_index("opportunity_id").loc[opportunity_id]


def test_next_death_and_range_on_the_death_basis(case):
    gaps = gap_table(case)
    w = row(gaps, "op-w-01")
    # 20 Jun -> 25 Aug 2014 is 66 days; 20 Jun -> 28 Aug is 69.
    assert (w["next_death"], w["gap_days_min"], w["gap_days_max"], w["gap_days_mid"]) == ("kovari", 66, 69, 67.5)
    assert w["deaths_while_open"] == 3
    # It closed on 15 Oct 2015: 20 Jun 2014 -> 15 Oct 2015 is 482 days.
    assert (w["days_open_min"], w["days_open_max"]) == (482, 482)


def test_opportunity_inside_another_death_interval_has_gap_from_zero(case):
    k = row(gap_table(case), "op-k-01")
    # 19 Sep falls inside Whitworth's 18-20 Sep: he may have died that day (0), or on the 18th, before it
    # arose, and then the next death is Taylor's on 14 Sep 2015 at the latest: 19 Sep 2014 -> 14 Sep 2015 = 360.
    assert (k["next_death"], k["gap_days_min"], k["gap_days_max"]) == ("whitworth", 0, 360)


def test_interval_opportunity_to_a_death_a_year_later(case):
    d = row(gap_table(case), "op-d-01")
    # 31 Oct 2014 -> 13 Sep 2015 is 317 days; 21 Sep 2014 -> 14 Sep 2015 is 358.
    assert (d["next_death"], d["gap_days_min"], d["gap_days_max"]) == ("taylor", 317, 358)
    assert d["deaths_while_open"] == 1


def test_no_later_death_gives_empty_gaps_not_zero(case):
    t = row(gap_table(case), "op-t-01")
    assert t["next_death"] is None or pd.isna(t["next_death"])
    assert pd.isna(t["gap_days_min"]) and pd.isna(t["gap_days_max"]) and pd.isna(t["gap_days_mid"])
    assert t["deaths_while_open"] == 0


def test_the_death_under_investigation_is_never_the_next_death(case):
    w = row(gap_table(case), "op-w-02")
    # 18 Jun lies inside Walgate's own interval; the next death is Kovari's: 18 Jun -> 25 Aug is 68, -> 28 Aug is 71.
    assert (w["next_death"], w["gap_days_min"], w["gap_days_max"]) == ("kovari", 68, 71)


def test_found_basis_uses_discovery_dates(case):
    gaps = gap_table(case, basis="found")
    assert (row(gaps, "op-k-01")["next_death"], row(gaps, "op-k-01")["gap_days_min"]) == ("whitworth", 1)
    # Kovari was found on 28 Aug, the day of op-k-02; the next body found after it is Whitworth's, 23 days later.
    k2 = row(gaps, "op-k-02")
    assert (k2["next_death"], k2["gap_days_min"], k2["gap_days_max"]) == ("whitworth", 23, 23)
    w = row(gaps, "op-w-01")
    # 20 Jun -> 28 Aug 2014 is 69 days on both ends.
    assert (w["next_death"], w["gap_days_min"], w["gap_days_max"]) == ("kovari", 69, 69)


def test_found_basis_floors_at_zero_when_the_interval_passes_the_discovery(tmp_path):
    case = load_case(
        write_package(tmp_path / "d", opportunities=[opportunity("op-w-01", "2014-08-20", "2014-09-05", "walgate")])
    )
    w = row(gap_table(case, basis="found"), "op-w-01")
    # Found 28 Aug: 28 Aug - 5 Sep is negative, so the range starts at 0. Arising on 20 Aug, the next body
    # found is Kovari's 8 days later; arising on 29 Aug (after it), Whitworth's on 20 Sep, 22 days later.
    assert (w["next_death"], w["gap_days_min"], w["gap_days_max"]) == ("kovari", 0, 22)


def test_identified_by_and_investigation_filters(case):
    assert set(gap_table(case, identified_by="jury")["opportunity_id"]) == {"op-w-01", "op-w-02"}
    assert set(gap_table(case, identified_by="jury+coroner")["opportunity_id"]) == {"op-w-01", "op-w-02", "op-k-01"}
    assert len(gap_table(case, identified_by="all")) == 6
    assert set(gap_table(case, investigation="kovari")["opportunity_id"]) == {"op-k-01", "op-k-02"}
    with pytest.raises(ValueError, match="identified_by"):
        gap_table(case, identified_by="the jury")
    with pytest.raises(ValueError, match="basis"):
        gap_table(case, basis="guess")


def test_deaths_view_counts_other_investigations_only(case):
    view = deaths_view(case).set_index("victim_id")
    # Kovari (25-28 Aug): op-w-02 (18 Jun) and op-w-01 (20 Jun) came certainly before; op-k-* are his own.
    assert view.loc["kovari", "certainly_before"] == ["op-w-02", "op-w-01"]
    # Whitworth (18-20 Sep): op-k-01 (19 Sep) is only possibly before.
    assert view.loc["whitworth", "n_certainly_before"] == 3
    assert view.loc["whitworth", "n_possibly_before"] == 4
    assert view.loc["walgate", "n_possibly_before"] == 0


# --- the committed record, rows checked by hand ---------------------------------------------
# Deaths in data/victims.csv: Walgate 17-19 Jun 2014, Kovari 25-28 Aug 2014, Whitworth
# 18-20 Sep 2014, Taylor 13-14 Sep 2015; Port's final arrest 12-18 Oct 2015 (latest day used).
# Each expected value below was counted on a calendar, not produced by the code.

HAND_CHECKED_DEATH_BASIS = {
    # opportunity: (next death, min days, max days)
    "op-w-02": ("kovari", 67, 70),  # 19 Jun -> 25 Aug = 11 + 31 + 25; 19 Jun -> 28 Aug = 70
    "op-k-05": ("whitworth", 21, 23),  # 28 Aug -> 18 Sep = 3 + 18; 28 Aug -> 20 Sep = 23
    "op-d-06": ("taylor", 358, 358),  # Taylor died 13 Sep 2015: 20 Sep 2014 -> 13 Sep 2015 = 365 - 7
    "op-k-06": ("taylor", 225, 286),  # 31 Jan -> 13 Sep 2015 = 212 + 13; 1 Dec 2014 -> 13 Sep 2015 = 31 + 255
    "op-d-07": ("taylor", 86, 86),  # arose at the inquest of 19 Jun 2015; 19 Jun -> 13 Sep = 11 + 31 + 31 + 13
}


@pytest.fixture(scope="module")
def real_gaps():
    from conftest import DATA

    case = load_case(DATA)
    return case, gap_table(case), gap_table(case, basis="found")


@pytest.mark.parametrize("opportunity_id", sorted(HAND_CHECKED_DEATH_BASIS))
def test_real_rows_checked_by_hand(real_gaps, opportunity_id):
    _, gaps, _ = real_gaps
    r = row(gaps, opportunity_id)
    assert (r["next_death"], r["gap_days_min"], r["gap_days_max"]) == HAND_CHECKED_DEATH_BASIS[opportunity_id]


def test_real_rows_on_the_found_basis_and_until_arrest(real_gaps):
    case, gaps, found = real_gaps
    # op-w-01 arose on 19 Jun 2014; Kovari was found 28 Aug: 19 Jun -> 28 Aug = 11 + 31 + 28 = 70.
    w = row(found, "op-w-01")
    assert (w["next_death"], w["gap_days_min"], w["gap_days_max"]) == ("kovari", 70, 70)
    # ... and closed 'nearly a week' later, by 26 Jun (open_until 20-26 Jun): 1 to 7 days, no other death in it.
    assert (w["days_open_min"], w["days_open_max"], w["deaths_while_open"]) == (1, 7, 0)
    # op-w-02 (19 Jun 2014) stood open until the deaths were linked on 14 Oct 2015: 365 + 92 + 25 = 482 days,
    # with three later deaths in it.
    w2 = row(gaps, "op-w-02")
    assert (w2["days_open_min"], w2["days_open_max"], w2["deaths_while_open"]) == (482, 482, 3)
    assert case.series_end == pd.Timestamp("2015-10-18")
    # No death followed any opportunity in the Taylor investigation.
    assert gaps.loc[gaps["investigation"] == "taylor", "gap_days_min"].isna().all()


# --- open windows: every later death while an opportunity stood open ------------------------


def test_window_open_across_several_deaths(case):
    gaps = gap_table(case)
    # op-w-01 opened 20 Jun 2014; Kovari (25-28 Aug), Whitworth (18-20 Sep) and Taylor (13-14 Sep 2015)
    # all lie wholly between it and the arrest on 15 Oct 2015.
    w = row(gaps, "op-w-01")
    assert (w["deaths_in_window_certain"], w["deaths_in_window_possible"]) == ("kovari;whitworth;taylor",) * 2
    # op-k-01 opened 19 Sep, inside Whitworth's 18-20 Sep: Whitworth only possibly in its window, Taylor certainly.
    k = row(gaps, "op-k-01")
    assert (k["deaths_in_window_certain"], k["deaths_in_window_possible"]) == ("taylor", "whitworth;taylor")
    assert k["deaths_while_open"] == 2
    # The Taylor opportunity (20 Sep 2015) has no later death in its window: empty, not missing.
    assert row(gaps, "op-t-01")["deaths_in_window_possible"] == ""


def test_window_closed_before_the_next_death(tmp_path):
    close = ("2014-09-01", "2014-09-01")
    case = load_case(
        write_package(
            tmp_path / "d",
            opportunities=[
                opportunity("op-w-01", "2014-06-20", "2014-06-20", "walgate", open_until=close),
                opportunity("op-k-01", "2014-08-29", "2014-08-29", "kovari", open_until=close),
            ],
        )
    )
    gaps = gap_table(case)
    # Both chances closed on 1 Sep 2014 (hand-made): Kovari (25-28 Aug) died inside op-w-01's window,
    # Whitworth (18-20 Sep) after it closed; op-k-01 (29 Aug) closed before any other death.
    w = row(gaps, "op-w-01")
    assert (w["deaths_in_window_certain"], w["deaths_in_window_possible"], w["deaths_while_open"]) == (
        "kovari",
        "kovari",
        1,
    )
    assert row(gaps, "op-k-01")["deaths_in_window_possible"] == ""
    # The next death is still reported (Whitworth), even though the window had closed: two different questions.
    assert row(gaps, "op-k-01")["next_death"] == "whitworth"


def test_close_interval_overlapping_a_death_makes_it_only_possible(tmp_path):
    case = load_case(
        write_package(
            tmp_path / "d",
            opportunities=[
                opportunity("op-w-01", "2014-06-20", "2014-06-20", "walgate", open_until=("2014-09-19", "2014-09-25"))
            ],
        )
    )
    w = row(gap_table(case), "op-w-01")
    # Whitworth died 18-20 Sep; the chance closed somewhere in 19-25 Sep: he may have died after it.
    assert (w["deaths_in_window_certain"], w["deaths_in_window_possible"]) == ("kovari", "kovari;whitworth")


def test_windows_on_the_found_basis(case):
    # Found dates: Kovari 28 Aug, Whitworth 20 Sep 2014. op-k-02 opened on 28 Aug, the day Kovari was
    # found (its own death), so its window holds Whitworth (found 20 Sep) and Taylor (14 Sep 2015).
    k = row(gap_table(case, basis="found"), "op-k-02")
    assert (k["deaths_in_window_certain"], k["deaths_in_window_possible"]) == ("whitworth;taylor",) * 2


def test_deaths_view_on_the_found_basis(case):
    view = deaths_view(case, basis="found").set_index("victim_id")
    # Whitworth found 20 Sep: op-k-01 (19 Sep) is now certainly before it; op-k-02 (28 Aug) too.
    assert "op-k-01" in view.loc["whitworth", "certainly_before"]
    assert view.loc["whitworth", "n_certainly_before"] == 4
