"""Small tables the notebooks show: findings by body, coverage of the record, open questions."""

from __future__ import annotations

import pandas as pd

from analysis.evidence import PRIMARY_KINDS
from analysis.load import Case


def findings_of(case: Case, bodies: list[str] | None = None, victim: str | None = None,
                kinds: list[str] | None = None) -> pd.DataFrame:
    """Findings filtered by body, victim and kind, in date order, with the columns a reader needs."""
    f = case.findings
    if bodies:
        f = f[f["body"].isin(bodies)]
    if victim:
        f = f[f["victim_id"] == victim]
    if kinds:
        f = f[f["kind"].isin(kinds)]
    return f.sort_values(["date", "finding_id"], kind="stable")[
        ["finding_id", "date", "body", "victim_id", "kind", "summary", "opportunity_ids"]].reset_index(drop=True)


def jury_conclusions(case: Case) -> pd.DataFrame:
    """Per victim: the 2021 jury's conclusion and its finding on whether failings contributed."""
    rows = []
    for v in case.victims.itertuples(index=False):
        own = case.findings[(case.findings["body"] == "inquest_jury") & (case.findings["victim_id"] == v.victim_id)]
        pick = lambda kind: "; ".join(own.loc[own["kind"] == kind, "summary"])  # noqa: E731
        rows.append({"victim": v.name, "conclusion": pick("conclusion"), "contribution": pick("contribution"),
                     "failings_listed": int((own["kind"] == "failing").sum())})
    return pd.DataFrame(rows)


def table_counts(case: Case) -> pd.DataFrame:
    """Rows per table."""
    names = ["victims", "events", "opportunities", "findings", "sources"]
    return pd.DataFrame({"table": names, "rows": [len(getattr(case, n)) for n in names]})


def citations(case: Case) -> pd.DataFrame:
    """Each source with the number of rows citing it and whether it is a primary record, most cited first."""
    counts: dict[str, int] = {}
    for table in (case.victims, case.events, case.opportunities, case.findings):
        for ids in table["source_ids"]:
            for sid in ids:
                counts[sid] = counts.get(sid, 0) + 1
    s = case.sources.assign(cited_by=case.sources["source_id"].map(counts).fillna(0).astype(int),
                            primary=case.sources["kind"].isin(PRIMARY_KINDS))
    return s.sort_values(["cited_by", "source_id"], ascending=[False, True], kind="stable")[
        ["source_id", "publisher", "published", "kind", "primary", "cited_by"]].reset_index(drop=True)


def sources_by_kind(case: Case) -> pd.DataFrame:
    """Number of sources of each kind (primary records first)."""
    counts = case.sources["kind"].value_counts(sort=False)
    return counts.rename_axis("kind").reset_index(name="sources")


def coverage(case: Case) -> pd.DataFrame:
    """Per investigation: events, missed opportunities and findings recorded."""
    rows = []
    for v in case.victims.itertuples(index=False):
        rows.append({"investigation": v.name,
                     "events": int((case.events["victim_id"] == v.victim_id).sum()),
                     "opportunities": int((case.opportunities["investigation"] == v.victim_id).sum()),
                     "findings": int((case.findings["victim_id"] == v.victim_id).sum())})
    return pd.DataFrame(rows)


def open_questions(case: Case) -> pd.DataFrame:
    """Rows whose notes record a disagreement or caveat: the record's open questions."""
    parts = []
    for table, key in (("victims", "victim_id"), ("events", "event_id"), ("opportunities", "opportunity_id"),
                       ("findings", "finding_id")):
        frame = getattr(case, table)
        noted = frame[frame["notes"].notna() & (frame["notes"] != "")]
        parts.append(pd.DataFrame({"table": table, "id": noted[key], "notes": noted["notes"]}))
    return pd.concat(parts, ignore_index=True)


def uncited_rows(case: Case) -> int:
    """Rows of any table that cite no source (the loader refuses these, so this is 0)."""
    return sum(int((getattr(case, t)["source_ids"].map(len) == 0).sum())
               for t in ("victims", "events", "opportunities", "findings"))
