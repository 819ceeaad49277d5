"""How long the police had: from each missed opportunity to the next death.

Definitions (also in the README, and tested on hand-checked cases):

*Next death.* The first death, other than the one under investigation, that could have
happened after the opportunity arose.

- ``basis="death"``: among the other victims whose latest possible death date is on or after
  the opportunity's earliest date, the one with the earliest ``died_earliest`` (ties broken by
  ``died_latest``). The gap runs from ``max(0, died_earliest - opportunity latest)`` to
  ``died_latest - opportunity earliest`` days.
- ``basis="found"``: among the other victims found strictly after the opportunity's earliest
  date, the one found first. The gap runs from ``max(0, found - opportunity latest)`` to
  ``found - opportunity earliest`` days (floored at 0, because a gap cannot be negative when
  the opportunity's interval runs past the discovery).

An opportunity with no later death has no next death and empty (``<NA>``) gaps, not zero.

*Open window.* An opportunity stood open from its earliest date (the first day it was open to
the police) until the event that ends the series (the final arrest). The other deaths that could have happened in that
window are the deaths after it (the same rule as the next death, :func:`deaths_after`) that
could have come no later than the arrest: ``deaths_in_window_possible``. Those inside it
whatever the uncertain dates turn out to be (a death interval starting after the window opens
and ending before the arrest's earliest day) are ``deaths_in_window_certain``.

``gap_days_mid`` is the middle of the range, for those who need one number; no figure draws it
(the gap chart draws the whole range, from ``gap_days_min`` to ``gap_days_max``).
"""

from __future__ import annotations

from typing import Literal

import pandas as pd

from analysis.evidence import credit_label, credit_strengths, grades
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
    "opportunity_id", "investigation", "date_earliest", "date_latest", "identified_by",
    "next_death", "next_death_name", "next_earliest", "next_latest",
    "gap_days_min", "gap_days_max", "gap_days_mid",
    "deaths_before_arrest", "days_to_arrest_min", "days_to_arrest_max",
    "official_credits", "evidence_grade",
    "deaths_in_window_certain", "deaths_in_window_possible",
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
        keep &= opps["opportunity_id"].map(
            lambda opp: any(strengths.get(opp, {}).get(b) == "explicit" for b in bodies))
    elif bodies is not None:
        keep &= opps["identified_by"].map(lambda named: bool(bodies.intersection(named)))
    if investigation is not None:
        if investigation not in set(case.victims["victim_id"]):
            raise ValueError(f"investigation must be a victim_id ({', '.join(case.victims['victim_id'])}), not {investigation!r}")
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


def deaths_after(windows: pd.DataFrame, investigation: str, earliest: pd.Timestamp, basis: Basis) -> pd.DataFrame:
    """The other deaths that could have happened after an opportunity that opened on ``earliest``, in order."""
    others = windows[windows["victim_id"] != investigation]
    later = others[others["latest"] >= earliest] if basis == "death" else others[others["earliest"] > earliest]
    return later.sort_values(["earliest", "latest"], kind="stable")


def deaths_in_window(windows: pd.DataFrame, investigation: str, earliest: pd.Timestamp,
                     arrest: pd.Series, basis: Basis) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The other deaths while an opportunity that opened on ``earliest`` stood open, until the arrest.

    ``arrest`` is the events row that ends the series (``date_earliest``, ``date_latest``).
    Returns ``(certain, possible)``, both in death order: *possible* are the deaths after the
    opportunity (:func:`deaths_after`) whose earliest date is on or before the arrest's latest;
    *certain* are those of them whose whole interval lies after ``earliest`` and before the
    arrest's earliest day.

    >>> w = pd.DataFrame({"victim_id": ["a", "b", "c"], "name": ["A", "B", "C"],
    ...                   "earliest": pd.to_datetime(["2001-08-25", "2002-09-13", "2002-10-15"]),
    ...                   "latest": pd.to_datetime(["2001-08-28", "2002-09-14", "2002-10-16"])})
    >>> arrest = pd.Series({"date_earliest": pd.Timestamp("2002-10-12"), "date_latest": pd.Timestamp("2002-10-18")})
    >>> certain, possible = deaths_in_window(w, "x", pd.Timestamp("2001-08-26"), arrest, "death")
    >>> list(certain["victim_id"]), list(possible["victim_id"])
    (['b'], ['a', 'b', 'c'])
    """
    return _in_window(deaths_after(windows, investigation, earliest, basis), earliest, arrest)


def _in_window(after: pd.DataFrame, earliest: pd.Timestamp, arrest: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`deaths_in_window` given the deaths after the opportunity, already found."""
    possible = after[after["earliest"] <= arrest["date_latest"]]
    certain = possible[(possible["earliest"] > earliest) & (possible["latest"] < arrest["date_earliest"])]
    return certain, possible


def next_death(windows: pd.DataFrame, investigation: str, earliest: pd.Timestamp, basis: Basis) -> pd.Series | None:
    """The next death after an opportunity that opened on ``earliest`` (see the module docstring)."""
    later = deaths_after(windows, investigation, earliest, basis)
    return None if later.empty else later.iloc[0]


def gap_table(case: Case, basis: Basis = "death", identified_by: str = "all",
              investigation: str | None = None) -> pd.DataFrame:
    """One row per missed opportunity: the next death after it and the days between.

    Columns are :data:`GAP_COLUMNS`. Gaps are nullable integers (``<NA>`` where no death
    followed). ``deaths_before_arrest`` counts the other deaths that could have happened between
    the opportunity and the event that ends the series; ``days_to_arrest_*`` is how long it stood unused.
    ``official_credits`` is ``identified_by`` with each official credit's strength
    (``"jury:explicit;coroner:general;police"``) and ``evidence_grade`` the row's grade
    (:mod:`analysis.evidence`).
    ``deaths_in_window_certain`` and ``deaths_in_window_possible`` name those deaths
    (``;``-separated victim ids, as :func:`deaths_in_window` defines them; empty if none).
    """
    windows = death_windows(case, basis)
    arrest_event = case.final_arrest_event
    arrest = case.final_arrest
    strengths = credit_strengths(case)
    grade = grades(case, "opportunities")
    rows = []
    for opp in each_row(select_opportunities(case, identified_by, investigation)):
        start, end = opp.date_earliest, opp.date_latest
        after = deaths_after(windows, opp.investigation, start, basis)
        certain, possible = _in_window(after, start, arrest_event)
        nxt = None if after.empty else after.iloc[0]
        row = {
            "opportunity_id": opp.opportunity_id, "investigation": opp.investigation,
            "date_earliest": start, "date_latest": end, "identified_by": ";".join(opp.identified_by),
            "next_death": None, "next_death_name": None, "next_earliest": pd.NaT, "next_latest": pd.NaT,
            "gap_days_min": None, "gap_days_max": None, "gap_days_mid": None,
            "deaths_before_arrest": len(possible),
            "days_to_arrest_min": max(0, (arrest - end).days), "days_to_arrest_max": (arrest - start).days,
            "official_credits": credit_label(list(opp.identified_by), strengths.get(opp.opportunity_id, {})),
            "evidence_grade": grade[opp.opportunity_id],
            "deaths_in_window_certain": ";".join(certain["victim_id"]),
            "deaths_in_window_possible": ";".join(possible["victim_id"]),
        }
        if nxt is not None:
            low = max(0, (nxt["earliest"] - end).days)
            high = (nxt["latest"] - start).days
            row.update(next_death=nxt["victim_id"], next_death_name=nxt["name"],
                       next_earliest=nxt["earliest"], next_latest=nxt["latest"],
                       gap_days_min=low, gap_days_max=high, gap_days_mid=(low + high) / 2)
        rows.append(row)
    table = pd.DataFrame(rows, columns=GAP_COLUMNS)
    for column in ("gap_days_min", "gap_days_max", "deaths_before_arrest", "days_to_arrest_min", "days_to_arrest_max"):
        table[column] = table[column].astype("Int64")
    table["gap_days_mid"] = table["gap_days_mid"].astype("Float64")
    for column in ("next_earliest", "next_latest"):
        table[column] = pd.to_datetime(table[column]).astype("datetime64[s]")
    return table.reset_index(drop=True)


def deaths_view(case: Case, identified_by: str = "all", basis: Basis = "death") -> pd.DataFrame:
    """Per death: the missed opportunities in other investigations that preceded it.

    ``certainly_before`` lists opportunities whose latest date is before the earliest death
    date; ``possibly_before`` adds those that opened on or before the latest death date. With
    ``basis="found"`` both death dates are the day the body was found (:func:`death_windows`).
    """
    opps = select_opportunities(case, identified_by)
    windows = death_windows(case, basis).set_index("victim_id")
    rows = []
    for victim in each_row(case.victims.sort_values("died_earliest", kind="stable")):
        earliest, latest = windows.at[victim.victim_id, "earliest"], windows.at[victim.victim_id, "latest"]
        other = opps[opps["investigation"] != victim.victim_id]
        certain = other.loc[other["date_latest"] < earliest, "opportunity_id"].tolist()
        possible = other.loc[other["date_earliest"] <= latest, "opportunity_id"].tolist()
        rows.append({"victim_id": victim.victim_id, "name": victim.name,
                     "died_earliest": victim.died_earliest, "died_latest": victim.died_latest,
                     "n_certainly_before": len(certain), "n_possibly_before": len(possible),
                     "certainly_before": certain, "possibly_before": possible})
    return pd.DataFrame(rows)
