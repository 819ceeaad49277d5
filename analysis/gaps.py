"""How long the police had: from each missed opportunity to the next death.

Every predicate over uncertain days lives in :mod:`analysis.intervals` (read its docstring for
what "certainly" and "possibly" mean); this module applies them to the record.

An opportunity has two intervals: ``date_earliest``..``date_latest``, the days on which it first
*arose*, and ``open_until_earliest``..``open_until_latest``, the days on which the chance
*closed* (the laptop examined, the deaths linked, the arrest).

*Next death* (from when it arose). The other deaths that could follow the opportunity are those
whose latest day is on or after the first day it may have arisen
(:func:`analysis.intervals.could_follow`; the same day counts, on both bases). ``next_death`` is
the one whose death could come first (earliest ``earliest``, ties by ``latest``). The gap runs
from the shortest to the longest number of days to whichever death comes next, over every way
the uncertain days could fall (:func:`analysis.intervals.gap_range`).

- ``basis="death"``: a death is the days he may have died (``died_earliest``..``died_latest``);
- ``basis="found"``: a death is the day his body was found.

An opportunity with no later death has no next death and empty (``<NA>``) gaps, not zero.

*Before each death* (from when it arose): :func:`deaths_view`, certainly and possibly.

*Open window* (from when it arose to when it closed). The other deaths that fell while the
chance stood open: possibly (``deaths_in_window_possible``) or certainly
(``deaths_in_window_certain``); ``days_open_min``..``days_open_max`` is how long it stood
open. Certainly in the window implies certainly before; possibly in the window implies
possibly before.

``gap_days_mid`` is the middle of the range, for those who need one number; no figure draws it
(the gap chart draws the whole range, from ``gap_days_min`` to ``gap_days_max``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, cast

import pandas as pd

from analysis.evidence import credit_label, credit_strengths, grades
from analysis.intervals import (
    Interval,
    certainly_before,
    certainly_in_window,
    could_follow,
    first_candidate,
    gap_range,
    may_be_next,
    possibly_before,
    possibly_in_window,
    span_range,
)
from analysis.load import Case, each_row

Basis = Literal["death", "found"]
#: The two ways of dating a death: the days he may have died, or the day his body was found.
BASES: tuple[Basis, ...] = ("death", "found")

#: The ``--identified-by`` choices: which bodies' opportunities to keep, and whether only an
#: *explicit* official credit counts (a finding that names the failing in specific terms; see
#: :mod:`analysis.evidence`). ``jury`` keeps every opportunity the jury is credited with,
#: ``jury:explicit`` only those a jury finding names explicitly.
IDENTIFIED_BY: dict[str, tuple[frozenset[str] | None, bool]] = {
    "jury": (frozenset({"jury"}), False),
    "jury:explicit": (frozenset({"jury"}), True),
    "jury+coroner": (frozenset({"jury", "coroner"}), False),
    "jury+coroner:explicit": (frozenset({"jury", "coroner"}), True),
    "all": (None, False),
}

GAP_COLUMNS = [
    "opportunity_id",
    "investigation",
    "date_earliest",
    "date_latest",
    "open_until_earliest",
    "open_until_latest",
    "identified_by",
    "next_death",
    "next_death_name",
    "next_earliest",
    "next_latest",
    "next_deaths",
    "next_deaths_names",
    "gap_days_min",
    "gap_days_max",
    "gap_days_mid",
    "deaths_while_open",
    "days_open_min",
    "days_open_max",
    "official_credits",
    "evidence_grade",
    "deaths_in_window_certain",
    "deaths_in_window_possible",
]


def select_opportunities(case: Case, identified_by: str = "all", investigation: str | None = None) -> pd.DataFrame:
    """Opportunities kept by the filters, in date order.

    ``identified_by`` is a key of :data:`IDENTIFIED_BY` (``"jury"`` keeps those the jury is
    credited with, ``"jury+coroner"`` those the jury or the coroner is, ``"all"`` every one; a
    ``:explicit`` suffix keeps only credits resting on a finding that names the failing in
    specific terms); ``investigation`` is a victim id or ``None`` for all.
    """
    if identified_by not in IDENTIFIED_BY:
        raise ValueError(f"identified_by must be one of {', '.join(IDENTIFIED_BY)}, not {identified_by!r}")
    bodies, explicit_only = IDENTIFIED_BY[identified_by]
    opps = case.opportunities
    keep = pd.Series(True, index=opps.index)
    if bodies is not None and explicit_only:
        strengths = credit_strengths(case)
        keep &= opps["opportunity_id"].map(lambda opp: any(strengths.get(opp, {}).get(b) == "explicit" for b in bodies))
    elif bodies is not None:
        keep &= opps["identified_by"].map(lambda named: bool(bodies.intersection(named)))
    if investigation is not None:
        if investigation not in set(case.victims["victim_id"]):
            raise ValueError(
                f"investigation must be a victim_id ({', '.join(case.victims['victim_id'])}), not {investigation!r}"
            )
        keep &= opps["investigation"] == investigation
    return opps[keep].sort_values(["date_earliest", "date_latest", "opportunity_id"], kind="stable")


def death_windows(case: Case, basis: Basis = "death") -> pd.DataFrame:
    """Each victim's death as an interval on the chosen basis: ``victim_id, name, earliest, latest``.

    With ``basis="found"`` both ends are the discovery date.
    """
    if basis not in BASES:
        raise ValueError(f"basis must be 'death' or 'found', not {basis!r}")
    v = case.victims
    start, end = ("died_earliest", "died_latest") if basis == "death" else ("found_date", "found_date")
    return pd.DataFrame({"victim_id": v["victim_id"], "name": v["name"], "earliest": v[start], "latest": v[end]})


def arose(opportunity) -> Interval:
    """The interval in which an opportunity (a row, or a named tuple of one) first arose."""
    return Interval(_get(opportunity, "date_earliest"), _get(opportunity, "date_latest"))


def closed(opportunity) -> Interval:
    """The interval on which an opportunity's chance closed (``open_until_earliest``..``open_until_latest``)."""
    return Interval(_get(opportunity, "open_until_earliest"), _get(opportunity, "open_until_latest"))


def _get(row, name: str):
    return row[name] if isinstance(row, (pd.Series, dict)) else getattr(row, name)


@dataclass(frozen=True)
class Death:
    """One man's death on the chosen basis: his id, his name and the interval."""

    victim_id: str
    name: str
    when: Interval


def deaths_of(windows: pd.DataFrame) -> list[Death]:
    """The deaths of :func:`death_windows` in death order: earliest day, then latest, then id (so
    that the order, and every ``;``-list built from it, does not depend on the order of the rows)."""
    deaths = [
        Death(str(v), str(n), Interval(a, b))
        for v, n, a, b in zip(windows["victim_id"], windows["name"], windows["earliest"], windows["latest"])
    ]
    return sorted(deaths, key=lambda d: (d.when.earliest, d.when.latest, d.victim_id))


def _frame(deaths: list[Death]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "victim_id": [d.victim_id for d in deaths],
            "name": [d.name for d in deaths],
            "earliest": [d.when.earliest for d in deaths],
            "latest": [d.when.latest for d in deaths],
        }
    )


def _others(deaths: list[Death], investigation: str) -> list[Death]:
    return [d for d in deaths if d.victim_id != investigation]


def deaths_after(windows: pd.DataFrame, investigation: str, when: Interval) -> pd.DataFrame:
    """The other deaths that could have followed an opportunity that arose on ``when``, in death order.

    The rule is :func:`analysis.intervals.could_follow` (on or after a day it may have arisen),
    the same on both bases.
    """
    return _frame([d for d in _others(deaths_of(windows), investigation) if could_follow(when, d.when)])


def _window(others: list[Death], when: Interval, until: Interval) -> tuple[list[Death], list[Death]]:
    return (
        [d for d in others if certainly_in_window(d.when, when, until)],
        [d for d in others if possibly_in_window(d.when, when, until)],
    )


def deaths_in_window(
    windows: pd.DataFrame, investigation: str, when: Interval, until: Interval
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The other deaths while an opportunity stood open, from the day it arose (``when``) to the day it closed (``until``).

    Returns ``(certain, possible)``, both in death order, by
    :func:`analysis.intervals.certainly_in_window` and :func:`analysis.intervals.possibly_in_window`.

    >>> w = pd.DataFrame({"victim_id": ["a", "b", "c"], "name": ["A", "B", "C"],
    ...                   "earliest": pd.to_datetime(["2001-08-25", "2002-09-13", "2002-10-15"]),
    ...                   "latest": pd.to_datetime(["2001-08-28", "2002-09-14", "2002-10-16"])})
    >>> certain, possible = deaths_in_window(w, "x", Interval.of("2001-08-26"), Interval.of("2002-10-12", "2002-10-18"))
    >>> list(certain["victim_id"]), list(possible["victim_id"])
    (['b'], ['a', 'b', 'c'])
    """
    certain, possible = _window(_others(deaths_of(windows), investigation), when, until)
    return _frame(certain), _frame(possible)


def next_death(windows: pd.DataFrame, investigation: str, when: Interval) -> pd.Series | None:
    """The death that could come first after an opportunity that arose on ``when``
    (:func:`analysis.intervals.first_candidate`), or None."""
    others = _others(deaths_of(windows), investigation)
    first = first_candidate(when, [d.when for d in others])
    return None if first is None else _frame([others[first]]).iloc[0]


def gap_table(
    case: Case, basis: Basis = "death", identified_by: str = "all", investigation: str | None = None
) -> pd.DataFrame:
    """One row per missed opportunity: the next death after it, the days between, and its open window.

    Columns are :data:`GAP_COLUMNS`. ``date_earliest``..``date_latest`` is when the opportunity
    arose, ``open_until_earliest``..``open_until_latest`` when its chance closed. ``next_death``
    is the death that could come first; ``next_deaths`` (ids, ``;``-separated, in death order) and
    ``next_deaths_names`` (``" or "``-joined) every death that is the next one in some world
    (:func:`analysis.intervals.may_be_next`), which the gap range runs to. Gaps are
    nullable integers (``<NA>`` where no death could follow), from
    :func:`analysis.intervals.gap_range`. ``days_open_min``..``days_open_max`` is how long it
    stood open (:func:`analysis.intervals.span_range` from arose to closed);
    ``deaths_in_window_certain`` and ``deaths_in_window_possible`` name the other deaths while
    it stood open (``;``-separated victim ids in death order, :func:`deaths_in_window`; empty if
    none) and ``deaths_while_open`` counts the possible ones. ``official_credits`` is
    ``identified_by`` with each official credit's strength (``"jury:explicit;coroner:general;police"``)
    and ``evidence_grade`` the row's grade (:mod:`analysis.evidence`).
    """
    deaths = deaths_of(death_windows(case, basis))
    strengths = credit_strengths(case)
    grade = grades(case, "opportunities")
    rows = []
    for opp in each_row(select_opportunities(case, identified_by, investigation)):
        when, until = arose(opp), closed(opp)
        others = _others(deaths, opp.investigation)
        candidates = [d.when for d in others]
        certain, possible = _window(others, when, until)
        first = first_candidate(when, candidates)
        gap = gap_range(when, candidates)
        open_min, open_max = span_range(when, until)
        row = {
            "opportunity_id": opp.opportunity_id,
            "investigation": opp.investigation,
            "date_earliest": when.earliest,
            "date_latest": when.latest,
            "open_until_earliest": until.earliest,
            "open_until_latest": until.latest,
            "identified_by": ";".join(opp.identified_by),
            "next_death": None,
            "next_death_name": None,
            "next_earliest": pd.NaT,
            "next_latest": pd.NaT,
            "next_deaths": "",
            "next_deaths_names": "",
            "gap_days_min": None,
            "gap_days_max": None,
            "gap_days_mid": None,
            "deaths_while_open": len(possible),
            "days_open_min": open_min,
            "days_open_max": open_max,
            "official_credits": credit_label(list(opp.identified_by), strengths.get(opp.opportunity_id, {})),
            "evidence_grade": grade[opp.opportunity_id],
            "deaths_in_window_certain": ";".join(d.victim_id for d in certain),
            "deaths_in_window_possible": ";".join(d.victim_id for d in possible),
        }
        if first is not None and gap is not None:
            nxt = others[first]
            low, high = gap
            may = [others[i] for i in may_be_next(when, candidates)]
            row.update(
                next_death=nxt.victim_id,
                next_death_name=nxt.name,
                next_earliest=nxt.when.earliest,
                next_latest=nxt.when.latest,
                next_deaths=";".join(d.victim_id for d in may),
                next_deaths_names=" or ".join(d.name for d in may),
                gap_days_min=low,
                gap_days_max=high,
                gap_days_mid=(low + high) / 2,
            )
        rows.append(row)
    table = pd.DataFrame(rows, columns=GAP_COLUMNS)
    for column in ("gap_days_min", "gap_days_max", "deaths_while_open", "days_open_min", "days_open_max"):
        table[column] = table[column].astype("Int64")
    table["gap_days_mid"] = table["gap_days_mid"].astype("Float64")
    for column in (
        "date_earliest",
        "date_latest",
        "open_until_earliest",
        "open_until_latest",
        "next_earliest",
        "next_latest",
    ):
        table[column] = pd.to_datetime(table[column]).astype("datetime64[s]")
    return table.reset_index(drop=True)


def deaths_view(case: Case, identified_by: str = "all", basis: Basis = "death") -> pd.DataFrame:
    """Per death: the missed opportunities in other investigations that arose before it.

    ``certainly_before`` lists opportunities that arose before the death in every world
    (:func:`analysis.intervals.certainly_before`: the latest day it may have arisen is before the
    earliest day of death); ``possibly_before`` those that arose no later than the latest day of
    death (:func:`analysis.intervals.could_follow`), and so includes the certain ones. With
    ``basis="found"`` both death dates are the day the body was found (:func:`death_windows`).
    """
    opps = select_opportunities(case, identified_by)
    windows = death_windows(case, basis).set_index("victim_id")
    rows = []
    for victim in each_row(case.victims.sort_values("died_earliest", kind="stable")):
        death = Interval(
            cast(pd.Timestamp, windows.at[victim.victim_id, "earliest"]),  # date columns of the loader
            cast(pd.Timestamp, windows.at[victim.victim_id, "latest"]),
        )
        other = [(o.opportunity_id, arose(o)) for o in each_row(opps) if o.investigation != victim.victim_id]
        certain = [oid for oid, when in other if certainly_before(when, death)]
        possible = [oid for oid, when in other if possibly_before(when, death)]
        rows.append(
            {
                "victim_id": victim.victim_id,
                "name": victim.name,
                "died_earliest": victim.died_earliest,
                "died_latest": victim.died_latest,
                "n_certainly_before": len(certain),
                "n_possibly_before": len(possible),
                "certainly_before": certain,
                "possibly_before": possible,
            }
        )
    return pd.DataFrame(rows)


def certainly_arisen_before(case: Case, event: pd.Series) -> int:
    """How many opportunities had certainly arisen before an event (a row with ``date_earliest``,
    ``date_latest``, such as the one that ends the series), by
    :func:`analysis.intervals.certainly_before`. The cumulative chart's alt text states it."""
    when = Interval(event["date_earliest"], event["date_latest"])
    return sum(certainly_before(arose(o), when) for o in each_row(case.opportunities))
