"""The sensitivity table and its conclusions, on a hand-made package whose numbers were worked out by hand.

Deaths (tests/conftest.py): Walgate 17-19 Jun 2014, Kovari 25-28 Aug (found 28 Aug), Whitworth
18-20 Sep (found 20 Sep), Taylor 13-14 Sep 2015 (found 14 Sep).
"""

from __future__ import annotations

import pytest

from analysis import load_case
from analysis import sensitivity
from analysis.params import ParameterError
from conftest import opportunity, write_package


@pytest.fixture()
def case(tmp_path):
    return load_case(
        write_package(
            tmp_path / "d",
            opportunities=[
                opportunity("op-w-01", "2014-06-20", "2014-06-20", "walgate", "jury"),
                opportunity("op-k-01", "2014-09-19", "2014-09-19", "kovari", "coroner"),
                opportunity("op-d-01", "2014-09-21", "2014-10-31", "whitworth", "press"),
            ],
        )
    )


def test_one_row_per_combination_and_man(case):
    table = sensitivity.headline_table(case)
    # two bases x five filters (jury, jury:explicit, jury+coroner, jury+coroner:explicit, all) x four men
    assert len(table) == 2 * 5 * 4
    assert list(table.columns) == sensitivity.HEADLINE_COLUMNS


def test_numbers_under_two_definitions(case):
    table = sensitivity.headline_table(case).set_index(["basis", "identified_by", "victim_id"])
    # Death basis, everyone: op-k-01 (19 Sep) sits inside Whitworth's 18-20 Sep: gap from 0 days, up to
    # 360 if Whitworth died on the 18th and the next death was Taylor's (19 Sep 2014 -> 14 Sep 2015).
    k = table.loc[("death", "all", "kovari")]
    assert (k["opportunities"], k["followed_by_death"], k["gap_days_min"], k["gap_days_max"]) == (1, 1, 0, 360)
    # Found basis: Whitworth found 20 Sep, one day after op-k-01.
    assert table.loc[("found", "all", "kovari"), "gap_days_min"] == 1
    # Jury only: the Kovari opportunity (the coroner's) drops out; Whitworth's death is preceded
    # certainly by op-w-01 alone.
    assert table.loc[("death", "jury", "kovari"), "opportunities"] == 0
    assert table.loc[("death", "jury", "whitworth"), "certainly_before_death"] == 1
    # Everyone, death basis: before Whitworth, op-w-01 certainly, op-k-01 only possibly (19 Sep <= 20 Sep).
    w = table.loc[("death", "all", "whitworth")]
    assert (w["certainly_before_death"], w["possibly_before_death"]) == (1, 2)
    # On the found basis op-k-01 (19 Sep) is certainly before Whitworth was found (20 Sep).
    assert table.loc[("found", "all", "whitworth"), "certainly_before_death"] == 2
    # 31 Oct 2014 -> 13 Sep 2015 = 317 days; 21 Sep 2014 -> 14 Sep 2015 = 358.
    d = table.loc[("death", "all", "whitworth")]
    assert (d["gap_days_min"], d["gap_days_max"]) == (317, 358)


def test_conclusions_say_where_they_fail(case):
    table = sensitivity.headline_table(case)
    checks = (
        sensitivity.Conclusion(
            "Walgate's opportunities were followed by a death.",
            lambda r: r.set_index("victim_id").at["walgate", "followed_by_death"] == 1,
        ),
        sensitivity.Conclusion(
            "A Kovari opportunity came within a day of the next death.",
            lambda r: (
                r.set_index("victim_id").at["kovari", "followed_by_death"] > 0
                and r.set_index("victim_id").at["kovari", "gap_days_min"] == 0
            ),
        ),
    )
    verdicts = sensitivity.conclusions(table, checks)
    assert verdicts.at[0, "holds_everywhere"] and verdicts.at[0, "fails_under"] == ""
    # Only with the coroner's opportunity kept (jury+coroner, its explicit form, all) and the death
    # dates used is the gap 0: three of the ten combinations.
    assert verdicts.at[1, "holds_in"] == 3
    assert set(verdicts.at[1, "fails_under"].split(";")) == {
        "death/jury",
        "death/jury:explicit",
        "found/jury",
        "found/jury:explicit",
        "found/jury+coroner",
        "found/jury+coroner:explicit",
        "found/all",
    }


def test_choices_are_checked_loudly(case):
    with pytest.raises(ParameterError, match="parameter bases: 'buried' not accepted; accepted: a list"):
        sensitivity.headline_table(case, bases=["death", "buried"], identified_by=["all"])
    with pytest.raises(ParameterError, match=r"parameter identified_by_choices: \[\] is not accepted"):
        sensitivity.headline_table(case, bases=["death"], identified_by=[])
