"""Do the headline numbers survive every definition? The gap analysis under each basis and filter.

Two choices change the numbers: what a "death" is dated by (``basis``: the days he may have
died, or the day he was found) and whose findings count (``identified_by``: the jury, the jury
or the coroner, anyone). :func:`headline_table` computes the headline numbers under every
combination, with the same functions as everywhere else (:func:`analysis.gaps.gap_table`,
:func:`analysis.gaps.deaths_view`); :func:`conclusions` says which of the statements it is given hold
under all of them and which depend on a choice. The statements about a case live with the case
(notebook 06), not here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd

from analysis.gaps import BASES, IDENTIFIED_BY, Basis, deaths_view, gap_table
from analysis.load import Case, each_row
from analysis.params import check_parameters


HEADLINE_COLUMNS = [
    "basis",
    "identified_by",
    "victim_id",
    "name",
    "opportunities",
    "followed_by_death",
    "gap_days_min",
    "gap_days_max",
    "certainly_before_death",
    "possibly_before_death",
]


def headline_table(
    case: Case, bases: Sequence[Basis] = BASES, identified_by: Sequence[str] = tuple(IDENTIFIED_BY)
) -> pd.DataFrame:
    """One row per combination of ``bases`` x ``identified_by`` and per man, in death order.

    For the man's own investigation: ``opportunities`` kept by the filter, how many were
    ``followed_by_death`` (another death could have followed), and the shortest and longest
    possible gap to the next death (``<NA>`` when none followed). For his death: how many
    opportunities in other investigations ``certainly``/``possibly`` came before it. An empty or
    unknown choice raises :class:`analysis.params.ParameterError`, naming it.
    """
    check_parameters(None, bases=list(bases), identified_by_choices=list(identified_by))
    rows = []
    for basis in bases:
        for who in identified_by:
            gaps = gap_table(case, basis=basis, identified_by=who)
            before = deaths_view(case, identified_by=who, basis=basis).set_index("victim_id").to_dict("index")
            for v in each_row(case.victims.sort_values("died_earliest", kind="stable")):
                own = gaps[gaps["investigation"] == v.victim_id]
                followed = own.dropna(subset=["next_death"])
                rows.append(
                    {
                        "basis": basis,
                        "identified_by": who,
                        "victim_id": v.victim_id,
                        "name": v.name,
                        "opportunities": len(own),
                        "followed_by_death": len(followed),
                        "gap_days_min": followed["gap_days_min"].min() if len(followed) else pd.NA,
                        "gap_days_max": followed["gap_days_max"].max() if len(followed) else pd.NA,
                        "certainly_before_death": int(before[v.victim_id]["n_certainly_before"]),
                        "possibly_before_death": int(before[v.victim_id]["n_possibly_before"]),
                    }
                )
    table = pd.DataFrame(rows, columns=HEADLINE_COLUMNS)
    for column in ("gap_days_min", "gap_days_max"):
        table[column] = table[column].astype("Int64")
    return table


@dataclass(frozen=True)
class Conclusion:
    """A statement the story could make, and its test on one combination's rows of :func:`headline_table`."""

    statement: str
    holds: Callable[[pd.DataFrame], bool]


def row_for(rows: pd.DataFrame, victim_id: str) -> pd.Series:
    """The row of one victim among one combination's rows of :func:`headline_table`, for a
    :class:`Conclusion`'s test (``row_for(r, "a")["gap_days_min"] <= 1``)."""
    return rows[rows["victim_id"] == victim_id].iloc[0]


def conclusions(table: pd.DataFrame, checks: Sequence[Conclusion]) -> pd.DataFrame:
    """For each statement: under how many combinations it holds, whether under all, and where it fails.

    The statements are the case's own (notebook 06 states them); this function only evaluates them.

    Columns ``statement, holds_in, combinations, holds_everywhere, fails_under`` (the failing
    combinations as ``basis/identified_by``, ``;``-joined; empty when it always holds).
    """
    combos = list(table.groupby(["basis", "identified_by"], sort=False))
    rows = []
    for check in checks:
        failing = [f"{basis}/{who}" for (basis, who), rows_ in combos if not bool(check.holds(rows_))]
        rows.append(
            {
                "statement": check.statement,
                "holds_in": len(combos) - len(failing),
                "combinations": len(combos),
                "holds_everywhere": not failing,
                "fails_under": ";".join(failing),
            }
        )
    return pd.DataFrame(rows)
