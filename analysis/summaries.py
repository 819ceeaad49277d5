"""Small tables the notebooks show: findings by body, coverage of the record, disagreements and caveats."""

from __future__ import annotations

import re

import pandas as pd

from analysis.evidence import PRIMARY_KINDS
from analysis.load import Case, each_row


def findings_of(
    case: Case, bodies: list[str] | None = None, victim: str | None = None, kinds: list[str] | None = None
) -> pd.DataFrame:
    """Findings filtered by body, victim and kind, in date order, with the columns a reader needs."""
    f = case.findings
    if bodies:
        f = f[f["body"].isin(bodies)]
    if victim:
        f = f[f["victim_id"] == victim]
    if kinds:
        f = f[f["kind"].isin(kinds)]
    return f.sort_values(["date", "finding_id"], kind="stable")[
        ["finding_id", "date", "body", "victim_id", "kind", "summary", "opportunity_ids", "source_ids"]
    ].reset_index(drop=True)


def jury_conclusions(case: Case) -> pd.DataFrame:
    """Per victim: the inquest jury's conclusion and its finding on whether failings contributed."""
    rows = []
    for v in each_row(case.victims):
        own = case.findings[(case.findings["body"] == "inquest_jury") & (case.findings["victim_id"] == v.victim_id)]
        pick = lambda kind, own=own: "; ".join(own.loc[own["kind"] == kind, "summary"])  # noqa: E731
        rows.append(
            {
                "victim": v.name,
                "conclusion": pick("conclusion"),
                "contribution": pick("contribution"),
                "failings_listed": int((own["kind"] == "failing").sum()),
            }
        )
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
    s = case.sources.assign(
        cited_by=case.sources["source_id"].map(counts).fillna(0).astype(int),
        primary=case.sources["kind"].isin(PRIMARY_KINDS),
    )
    return s.sort_values(["cited_by", "source_id"], ascending=[False, True], kind="stable")[
        ["source_id", "publisher", "published", "kind", "primary", "cited_by"]
    ].reset_index(drop=True)


def sources_by_kind(case: Case) -> pd.DataFrame:
    """Number of sources of each kind (primary records first)."""
    counts = case.sources["kind"].value_counts(sort=False)
    return counts.rename_axis("kind").reset_index(name="sources")


def coverage(case: Case) -> pd.DataFrame:
    """Per investigation: events, missed opportunities and findings recorded."""
    rows = []
    for v in each_row(case.victims):
        rows.append(
            {
                "investigation": v.name,
                "events": int((case.events["victim_id"] == v.victim_id).sum()),
                "opportunities": int((case.opportunities["investigation"] == v.victim_id).sum()),
                "findings": int((case.findings["victim_id"] == v.victim_id).sum()),
            }
        )
    return pd.DataFrame(rows)


def uncited_rows(case: Case) -> int:
    """Rows of any table that cite no source (the loader refuses these, so this is 0)."""
    return sum(
        int((getattr(case, t)["source_ids"].map(len) == 0).sum())
        for t in ("victims", "events", "opportunities", "findings")
    )


#: The rule for "sources disagree": a row's notes use one of these words (any case). Write one of
#: them (e.g. "Sources disagree: ...") when recording a disagreement, and notebook 04 lists it first.
DISAGREEMENT = re.compile(r"\b(disagree\w*|disput\w*|conflicting|contradict\w*|differ|variously)\b|\bvs\b", re.I)

_NOTED = (
    ("victims", "victim_id", "died_earliest", "died_latest", "name"),
    ("events", "event_id", "date_earliest", "date_latest", "summary"),
    ("opportunities", "opportunity_id", "date_earliest", "date_latest", "missed"),
    ("findings", "finding_id", "date", "date", "summary"),
)


def noted_rows(case: Case) -> pd.DataFrame:
    """Every row with notes, in date order: ``table, id, earliest, latest, about, notes, source_ids, disagreement``.

    ``disagreement`` is True where the notes record a disagreement between sources (see
    :data:`DISAGREEMENT`); the others are caveats (a bound inferred, a source not confirmed, ...).
    """
    parts = []
    for table, key, start, end, about in _NOTED:
        frame = getattr(case, table)
        noted = frame[frame["notes"].notna() & (frame["notes"] != "")]
        parts.append(
            pd.DataFrame(
                {
                    "table": table,
                    "id": noted[key],
                    "earliest": noted[start],
                    "latest": noted[end],
                    "about": noted[about],
                    "notes": noted["notes"],
                    "source_ids": noted["source_ids"],
                }
            )
        )
    rows = pd.concat(parts, ignore_index=True)
    rows["disagreement"] = rows["notes"].map(lambda text: bool(DISAGREEMENT.search(text)))
    return rows.sort_values(["earliest", "latest", "table", "id"], kind="stable").reset_index(drop=True)


def disagreements(case: Case) -> pd.DataFrame:
    """The rows whose notes record a disagreement between sources, in date order."""
    rows = noted_rows(case)
    return rows[rows["disagreement"]].reset_index(drop=True)


def caveats(case: Case) -> pd.DataFrame:
    """The rows with notes that are not disagreements (inferred bounds, single sources, ...), in date order."""
    rows = noted_rows(case)
    return rows[~rows["disagreement"]].reset_index(drop=True)


def proceedings_events(case: Case, start: str | None = None, end: str | None = None) -> pd.DataFrame:
    """The arrests, charges, court dates and releases that overlap the window, in date order."""
    ev = case.events
    keep = ev["kind"].isin(["arrest", "charge", "court", "release"])
    if start:
        keep &= ev["date_latest"] >= pd.Timestamp(start)
    if end:
        keep &= ev["date_earliest"] <= pd.Timestamp(end)
    return ev[keep].sort_values(["date_earliest", "date_latest", "event_id"], kind="stable").reset_index(drop=True)
