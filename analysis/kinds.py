"""What kinds of failings, and whose: the opportunities counted by ``category`` and ``unit``.

Both columns are ``;``-lists drawn from a controlled vocabulary in ``datapackage.json`` (see
the README's data dictionary). A row that spans two values is counted under each, so the
counts of one column add up to the number of (opportunity, value) pairs, not of rows.

Each vocabulary value names the official findings that state its theme. :func:`theme_mismatches`
checks the record against them: an opportunity that such a finding names must carry the value.
"""

from __future__ import annotations

import pandas as pd

from analysis.gaps import select_opportunities
from analysis.load import Case
from analysis.params import check_parameters
from analysis.schema import Term, read_tables

#: The opportunity columns that hold a controlled vocabulary.
KIND_COLUMNS = ("category", "unit")


def vocabulary(case: Case, column: str) -> tuple[Term, ...]:
    """The vocabulary of ``column`` (``"category"`` or ``"unit"``) as the descriptor defines it, in its order."""
    if column not in KIND_COLUMNS:
        raise ValueError(f"column must be one of {', '.join(KIND_COLUMNS)}, not {column!r}")
    spec = {f.name: f for f in read_tables(case.data_dir)["opportunities"].fields}[column]
    return spec.vocabulary


def kind_table(case: Case, column: str, identified_by: str = "all", investigation: str | None = None) -> pd.DataFrame:
    """Long table: one row per vocabulary value and investigation, with the count and the opportunity ids.

    Columns ``value, investigation, n, opportunity_ids`` (ids ``;``-joined, in id order). Every
    value and investigation appears, with ``n == 0`` where nothing matched, so absences are visible.
    """
    check_parameters(case, identified_by=identified_by, investigation=investigation)
    opps = select_opportunities(case, identified_by, investigation)
    lanes = list(case.victims.sort_values("died_earliest", kind="stable")["victim_id"])
    if investigation is not None:
        lanes = [investigation]
    rows = []
    for term in vocabulary(case, column):
        for lane in lanes:
            ids = opps.loc[
                (opps["investigation"] == lane) & opps[column].map(lambda vs, t=term.value: t in vs), "opportunity_id"
            ].tolist()
            ids.sort()
            rows.append({"value": term.value, "investigation": lane, "n": len(ids), "opportunity_ids": ";".join(ids)})
    table = pd.DataFrame(rows, columns=["value", "investigation", "n", "opportunity_ids"])
    table["n"] = table["n"].astype("int64")
    return table


def kind_crosstab(
    case: Case, column: str, identified_by: str = "all", investigation: str | None = None
) -> pd.DataFrame:
    """Wide table for readers: a row per value, a column per investigation (victim's name), each cell
    ``"n: ids"`` (empty where none), and a ``total`` column counting opportunities with that value."""
    long = kind_table(case, column, identified_by, investigation)
    names = {v: case.victim_name(v) for v in long["investigation"].unique()}
    cell = long.assign(
        cell=[f"{n}: {ids.replace(';', ', ')}" if n else "" for n, ids in zip(long["n"], long["opportunity_ids"])]
    )
    wide = cell.pivot(index="value", columns="investigation", values="cell")
    wide = wide.reindex(index=list(dict.fromkeys(long["value"])), columns=list(names)).rename(columns=names)
    wide["total"] = long.groupby("value", sort=False)["n"].sum()
    return wide.rename_axis(index=column, columns=None).reset_index()


def theme_mismatches(case: Case, column: str) -> pd.DataFrame:
    """Opportunities named by an official finding whose theme a vocabulary value maps to, lacking that value.

    Returns ``finding_id, opportunity_id, expected, recorded``: empty when the record agrees with
    the official findings. A finding id listed in the vocabulary but absent from ``findings.csv``
    is an error (the vocabulary would be citing nothing).
    """
    findings = case.findings.set_index("finding_id")
    recorded = case.opportunities.set_index("opportunity_id")[column]
    named = findings["opportunity_ids"].to_dict()
    rows = []
    for term in vocabulary(case, column):
        for fid in term.findings:
            if fid not in findings.index:
                raise ValueError(
                    f"datapackage.json: {column} value {term.value!r} cites finding {fid!r}, "
                    "which is not in findings.csv (correct the id)"
                )
            for oid in named[fid]:
                if term.value not in recorded[oid]:
                    rows.append(
                        {
                            "finding_id": fid,
                            "opportunity_id": oid,
                            "expected": term.value,
                            "recorded": ";".join(recorded[oid]),
                        }
                    )
    return pd.DataFrame(rows, columns=["finding_id", "opportunity_id", "expected", "recorded"])


def units_identified_by(case: Case, body: str) -> set[str]:
    """The units holding the decisions in the opportunities that ``body`` (e.g. ``"jury"``) identified."""
    opps = case.opportunities
    named = opps[opps["identified_by"].map(lambda bodies: body in bodies)]
    return {u for units in named["unit"] for u in units}


def findings_for_value(
    case: Case, column: str, value: str, body: str | None = None, kind: str | None = None
) -> list[str]:
    """The finding ids the vocabulary cites for ``value``, optionally only those of one ``body`` and ``kind``."""
    terms = {t.value: t for t in vocabulary(case, column)}
    if value not in terms:
        raise ValueError(f"{value!r} is not a {column} ({', '.join(terms)})")
    f = case.findings.set_index("finding_id")
    return [
        fid
        for fid in terms[value].findings
        if fid in f.index
        and (body is None or f.at[fid, "body"] == body)
        and (kind is None or f.at[fid, "kind"] == kind)
    ]
