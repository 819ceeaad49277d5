"""What each row stands on: its evidence grade, and which official bodies identified each failing.

Definitions (also in the README, and tested on hand-made cases in ``tests/test_evidence.py``):

*Evidence grade* of a row of victims, events, opportunities or findings, from the sources it
cites:

- ``primary``: it cites at least one primary record (a source of kind ``transcript``,
  ``ruling``, ``report`` or ``official_statement``);
- ``corroborated``: otherwise, it cites two or more *independent publishers*. A source's
  publisher, for this purpose, is its ``origin`` when filled (the agency or newsroom whose story a
  syndicated copy carries: a PA story on NewsChain, the Jersey Evening Post and the Evening
  Standard is one publisher, ``PA Media``) and its ``publisher`` otherwise;
- ``single``: otherwise (one publisher, however many copies of its story are cited).

*Official credit.* An official body's attribution in ``opportunities.identified_by`` (``jury``,
``coroner``, ``iopc``, ``court``, ``hmicfrs``) rests on the findings of that body that list the
opportunity in ``findings.opportunity_ids`` (the loader refuses one without the other; the map
from ``findings.body`` is :data:`analysis.schema.OFFICIAL_CREDITS`). Its *strength* is
``explicit`` when at least one of those findings names the failing in specific terms
(``findings.link == "explicit"``) and ``general`` when only broader findings cover it.
Police, family and press attributions carry no strength here: they cite the page that shows them.
"""

from __future__ import annotations

import pandas as pd

from analysis.load import Case, each_row
from analysis.schema import OFFICIAL_CREDITS

#: Source kinds that are primary records.
PRIMARY_KINDS = ("transcript", "ruling", "report", "official_statement")

#: Grades, strongest first.
GRADES = ("primary", "corroborated", "single")

#: The tables whose rows are graded, with their id column.
GRADED_TABLES = {"victims": "victim_id", "events": "event_id", "opportunities": "opportunity_id",
                 "findings": "finding_id"}

#: Link strengths, strongest first.
STRENGTHS = ("explicit", "general")


def publisher_key(sources: pd.DataFrame) -> pd.Series:
    """The independent publisher of each source (its ``origin`` if filled, else its ``publisher``), by ``source_id``.

    >>> s = pd.DataFrame({"source_id": ["a", "b"], "publisher": ["NewsChain (PA)", "BBC News"],
    ...                   "origin": ["PA Media", None]})
    >>> publisher_key(s).to_dict()
    {'a': 'PA Media', 'b': 'BBC News'}
    """
    origin = sources["origin"].where(sources["origin"].notna() & (sources["origin"] != ""), sources["publisher"])
    return pd.Series(origin.to_numpy(), index=sources["source_id"].to_numpy())


def grade_of(source_ids: list[str], sources: pd.DataFrame) -> str:
    """The evidence grade of one row citing ``source_ids`` (see the module docstring).

    >>> s = pd.DataFrame({"source_id": ["pa1", "pa2", "bbc", "rule"], "kind": ["press", "press", "press", "ruling"],
    ...                   "publisher": ["NewsChain (PA)", "Guernsey Press (PA)", "BBC News", "Court"],
    ...                   "origin": ["PA Media", "PA Media", None, None]})
    >>> grade_of(["pa1", "pa2"], s), grade_of(["pa1", "bbc"], s), grade_of(["bbc", "rule"], s)
    ('single', 'corroborated', 'primary')
    """
    return _grader(sources)(source_ids)


def _grader(sources: pd.DataFrame):
    """``grade_of`` for many rows: the sources table is read once, then each row is a few set lookups."""
    primary = set(sources.loc[sources["kind"].isin(PRIMARY_KINDS), "source_id"])
    publisher = publisher_key(sources).to_dict()

    def grade(source_ids: list[str]) -> str:
        if primary.intersection(source_ids):
            return "primary"
        publishers = {publisher[s] for s in source_ids if s in publisher}
        return "corroborated" if len(publishers) >= 2 else "single"

    return grade


def grades(case: Case, table: str) -> pd.Series:
    """The evidence grade of every row of ``table`` (one of :data:`GRADED_TABLES`), indexed by its id."""
    if table not in GRADED_TABLES:
        raise ValueError(f"table must be one of {', '.join(GRADED_TABLES)}, not {table!r}")
    frame = getattr(case, table)
    grade = _grader(case.sources)
    return pd.Series([grade(ids) for ids in frame["source_ids"]],
                     index=frame[GRADED_TABLES[table]].to_numpy(), name="grade", dtype="string")


def with_grades(case: Case, table: str) -> pd.DataFrame:
    """``table``'s rows with a ``grade`` column added (same order as the CSV)."""
    frame = getattr(case, table)
    return frame.assign(grade=grades(case, table).to_numpy())


def grade_counts(case: Case) -> pd.DataFrame:
    """Rows per grade in each graded table: columns ``table``, ``primary``, ``corroborated``, ``single``, ``rows``."""
    rows = []
    for table in GRADED_TABLES:
        counts = grades(case, table).value_counts()
        rows.append({"table": table, **{g: int(counts.get(g, 0)) for g in GRADES}, "rows": len(getattr(case, table))})
    return pd.DataFrame(rows, columns=["table", *GRADES, "rows"])


def single_rows(case: Case) -> pd.DataFrame:
    """Every row graded ``single``: ``table``, ``id``, the publisher it rests on, and its sources."""
    parts = []
    keys = publisher_key(case.sources)
    for table, key in GRADED_TABLES.items():
        frame = with_grades(case, table)
        single = frame[frame["grade"] == "single"]
        parts.append(pd.DataFrame({
            "table": table, "id": single[key],
            "publisher": [", ".join(sorted({keys[s] for s in ids})) for ids in single["source_ids"]],
            "source_ids": [";".join(ids) for ids in single["source_ids"]]}))
    return pd.concat(parts, ignore_index=True)


def official_credits(case: Case) -> pd.DataFrame:
    """One row per (opportunity, official body) credit: ``opportunity_id``, ``credit``, ``strength``, ``finding_ids``.

    ``credit`` is the ``identified_by`` value (``jury``, ``coroner``, ...); ``strength`` is
    ``explicit`` if any of the body's findings naming the opportunity is explicit, else ``general``.
    """
    found: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for f in each_row(case.findings):
        credit = OFFICIAL_CREDITS.get(str(f.body))
        if credit is None:
            continue
        for opp in f.opportunity_ids:
            found.setdefault((opp, credit), []).append((f.finding_id, str(f.link)))
    rows = []
    for (opp, credit), links in sorted(found.items()):
        strength = "explicit" if any(link == "explicit" for _, link in links) else "general"
        rows.append({"opportunity_id": opp, "credit": credit, "strength": strength,
                     "finding_ids": ";".join(fid for fid, _ in links)})
    return pd.DataFrame(rows, columns=["opportunity_id", "credit", "strength", "finding_ids"])


def credit_strengths(case: Case) -> dict[str, dict[str, str]]:
    """Per opportunity: ``{credit: strength}`` for its official credits, e.g. ``{"jury": "explicit"}``."""
    out: dict[str, dict[str, str]] = {o: {} for o in case.opportunities["opportunity_id"]}
    for row in each_row(official_credits(case)):
        out.setdefault(row.opportunity_id, {})[row.credit] = row.strength
    return out


def credit_label(identified_by: list[str], strengths: dict[str, str]) -> str:
    """``identified_by`` with each official credit's strength, e.g. ``"jury:explicit;coroner:general;police"``.

    >>> credit_label(["jury", "coroner", "police"], {"jury": "explicit", "coroner": "general"})
    'jury:explicit;coroner:general;police'
    """
    return ";".join(f"{b}:{strengths[b]}" if b in strengths else b for b in identified_by)


def general_findings(case: Case) -> pd.DataFrame:
    """Findings of official bodies that name no opportunity, or only in general terms: the ones a reader cannot tie to one failing.

    Columns: ``finding_id``, ``body``, ``kind``, ``link`` (empty when no opportunity is named), ``summary``.
    """
    f = case.findings[case.findings["body"].astype(str).isin(OFFICIAL_CREDITS)]
    keep = (f["opportunity_ids"].map(len) == 0) | (f["link"] == "general")
    return f.loc[keep, ["finding_id", "body", "kind", "link", "summary"]].reset_index(drop=True)


def finding_links(case: Case) -> pd.DataFrame:
    """Findings of each official body by how they name opportunities: ``explicit``, ``general``, ``none`` (names none), ``total``."""
    f = case.findings[case.findings["body"].astype(str).isin(OFFICIAL_CREDITS)]
    how = f["link"].astype(object).where(f["opportunity_ids"].map(len) > 0, "none").fillna("none")
    table = pd.crosstab(f["body"].astype(str), how).reindex(columns=["explicit", "general", "none"], fill_value=0)
    table["total"] = table.sum(axis=1)
    return table.rename_axis(index="body", columns=None).reset_index()
