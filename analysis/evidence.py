"""What each row stands on: its evidence grade, and which official bodies identified each failing.

Definitions (also in the README, and tested on hand-made cases in ``tests/test_evidence.py``):

*Evidence grade* of a row of victims, events, opportunities or findings, from the quotes in
``citations.csv`` that support its *central claim* (:data:`CENTRAL_FIELDS`: events and findings
their ``summary``, opportunities ``missed``, victims the death interval ``died_earliest`` /
``died_latest``). Only quotes count: a source the row cites but does not quote for that claim
adds nothing, however many there are.

- ``primary``: a primary record (a source of kind ``transcript``, ``ruling``, ``report`` or
  ``official_statement``) is quoted for it;
- ``corroborated``: otherwise, quotes from two or more *independent publishers*. A source's
  publisher, for this purpose, is its ``origin`` when filled (the agency or newsroom whose story a
  syndicated copy carries: a PA story on NewsChain, the Jersey Evening Post and the Evening
  Standard is one publisher, ``PA Media``) and its ``publisher`` otherwise;
- ``single``: quotes from one publisher only (however many copies of its story);
- ``unquoted``: no quote supports the central claim yet (the row still cites its sources; its
  grade waits for a quoted passage).

*Official credit.* An official body's attribution in ``opportunities.identified_by`` (``jury``,
``coroner``, ``iopc``, ``court``, ``hmicfrs``) rests on the findings of that body that list the
opportunity in ``findings.opportunity_ids`` (the loader refuses one without the other; the map
from ``findings.body`` is :data:`analysis.schema.OFFICIAL_CREDITS`). Its *strength* is
``explicit`` when at least one of those findings names the failing in specific terms
(``findings.link == "explicit"``) and ``general`` when only broader findings cover it.
Police, family and press attributions carry no strength here: they cite the page that shows them.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from analysis.citations import needed_fields
from analysis.load import Case, each_row
from analysis.schema import OFFICIAL_CREDITS, RECORD_TABLES

#: Source kinds that are primary records.
PRIMARY_KINDS = ("transcript", "ruling", "report", "official_statement")

#: Grades, strongest first (``unquoted``: no quote supports the central claim yet).
GRADES = ("primary", "corroborated", "single", "unquoted")

#: The tables whose rows are graded, with their id column.
GRADED_TABLES = RECORD_TABLES

#: The fields that carry each table's central claim: the grade counts only quotes for these.
CENTRAL_FIELDS: dict[str, tuple[str, ...]] = {
    "victims": ("died_earliest", "died_latest"),
    "events": ("summary",),
    "opportunities": ("missed",),
    "findings": ("summary",),
}

#: Kinds of basis a field can have, strongest first (``missing``: none yet).
BASES = ("quoted", "derived", "assumed", "missing")

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


def grade_of(quoted_source_ids: list[str], sources: pd.DataFrame) -> str:
    """The evidence grade of a claim quoted from ``quoted_source_ids`` (see the module docstring).

    >>> s = pd.DataFrame({"source_id": ["pa1", "pa2", "bbc", "rule"], "kind": ["press", "press", "press", "ruling"],
    ...                   "publisher": ["NewsChain (PA)", "Guernsey Press (PA)", "BBC News", "Court"],
    ...                   "origin": ["PA Media", "PA Media", None, None]})
    >>> grade_of(["pa1", "pa2"], s), grade_of(["pa1", "bbc"], s), grade_of(["bbc", "rule"], s), grade_of([], s)
    ('single', 'corroborated', 'primary', 'unquoted')
    """
    return _grader(sources)(quoted_source_ids)


def _grader(sources: pd.DataFrame):
    """``grade_of`` for many rows: the sources table is read once, then each row is a few set lookups."""
    primary = set(sources.loc[sources["kind"].isin(PRIMARY_KINDS), "source_id"])
    publisher = publisher_key(sources).to_dict()

    def grade(source_ids: list[str]) -> str:
        if not source_ids:
            return "unquoted"
        if primary.intersection(source_ids):
            return "primary"
        publishers = {publisher[s] for s in source_ids if s in publisher}
        return "corroborated" if len(publishers) >= 2 else "single"

    return grade


def central_quotes(case: Case, table: str) -> dict[str, list[str]]:
    """Per row id of ``table``: the sources quoted for its central claim (:data:`CENTRAL_FIELDS`), in citation order."""
    central = set(CENTRAL_FIELDS[table])
    ids = set(getattr(case, table)[GRADED_TABLES[table]])
    out: dict[str, list[str]] = {}
    for c in each_row(case.citations):
        if c.row_id in ids and isinstance(c.quote, str) and c.quote and central.intersection(c.fields):
            found = out.setdefault(c.row_id, [])
            if c.source_id not in found:
                found.append(c.source_id)
    return out


def grades(case: Case, table: str) -> pd.Series:
    """The evidence grade of every row of ``table`` (one of :data:`GRADED_TABLES`), indexed by its id."""
    if table not in GRADED_TABLES:
        raise ValueError(f"table must be one of {', '.join(GRADED_TABLES)}, not {table!r}")
    frame = getattr(case, table)
    grade = _grader(case.sources)
    quoted = central_quotes(case, table)
    return pd.Series(
        [grade(quoted.get(rid, [])) for rid in frame[GRADED_TABLES[table]]],
        index=frame[GRADED_TABLES[table]].to_numpy(),
        name="grade",
        dtype="string",
    )


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
    """Every row graded ``single``: ``table``, ``id``, the publisher its central claim is quoted from, and those sources."""
    parts = []
    keys = publisher_key(case.sources)
    for table, key in GRADED_TABLES.items():
        frame = with_grades(case, table)
        single = frame[frame["grade"] == "single"]
        quoted = central_quotes(case, table)
        parts.append(
            pd.DataFrame(
                {
                    "table": table,
                    "id": single[key],
                    "publisher": [", ".join(sorted({keys[s] for s in quoted[rid]})) for rid in single[key]],
                    "source_ids": [";".join(quoted[rid]) for rid in single[key]],
                }
            )
        )
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
        rows.append(
            {
                "opportunity_id": opp,
                "credit": credit,
                "strength": strength,
                "finding_ids": ";".join(fid for fid, _ in links),
            }
        )
    return pd.DataFrame(rows, columns=["opportunity_id", "credit", "strength", "finding_ids"])


#: Said wherever a jury credit is shown: the jury's own record was not found (issue 19, item 6).
JURY_RECORD_NOTE = (
    "The inquest jury's own written record of its conclusions was not found. Every jury credit rests "
    "on press and legal reports of them: each says whether the jury's finding names the failing "
    "(explicit) or only covers it in general terms (general), and the evidence grade of the finding "
    "it rests on."
)


def credits_with_grades(case: Case) -> pd.DataFrame:
    """:func:`official_credits` plus ``finding_grades``: the evidence grade of each finding a credit
    rests on, e.g. ``"fd-jury-01: single; fd-iopc-01: unquoted"``."""
    finding_grade = grades(case, "findings").to_dict()
    credits = official_credits(case)
    return credits.assign(
        finding_grades=[
            "; ".join(f"{f}: {finding_grade.get(f, '')}" for f in ids.split(";")) for ids in credits["finding_ids"]
        ]
    )


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


# --- the basis of each field ----------------------------------------------------------------


def field_bases(case: Case) -> pd.DataFrame:
    """One row per field of a record row that needs a basis: ``table``, ``row_id``, ``field``,
    ``basis`` (the strongest it has, from :data:`BASES`) and ``n_citations``.

    Fields are those :func:`analysis.citations.needed_fields` lists (filled factual fields and
    non-official credits, written ``identified_by:police`` etc.).
    """
    by_field: dict[tuple[str, str], set[str]] = {}
    for c in each_row(case.citations):
        kind = (
            "quoted"
            if isinstance(c.quote, str) and c.quote
            else "derived"
            if isinstance(c.derived_from, str) and c.derived_from
            else "assumed"
        )
        for f in c.fields:
            by_field.setdefault((c.row_id, f), set()).add(kind)
    rows = []
    for table, key in RECORD_TABLES.items():
        frame = getattr(case, table)
        for row in frame.to_dict("records"):
            row = {k: (None if is_blank(v) else v) for k, v in row.items()}
            for f in needed_fields(table, row, list(frame.columns)):
                kinds = by_field.get((row[key], f), set())
                basis = next((b for b in BASES if b in kinds), "missing")
                rows.append({"table": table, "row_id": row[key], "field": f, "basis": basis, "n_citations": len(kinds)})
    return pd.DataFrame(rows, columns=["table", "row_id", "field", "basis", "n_citations"])


def is_blank(value: Any) -> bool:
    """Whether a cell of a frame is empty (a list, even an empty one, is a value)."""
    if isinstance(value, list):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def basis_counts(case: Case) -> pd.DataFrame:
    """Per table and field: how many values are ``quoted``, ``derived``, ``assumed`` or ``missing`` a basis, and ``values``.

    A credit field (``identified_by:police`` ...) is counted under ``identified_by`` with its credit.
    """
    bases = field_bases(case)
    table = pd.crosstab([bases["table"], bases["field"]], bases["basis"]).reindex(columns=list(BASES), fill_value=0)
    table["values"] = table.sum(axis=1)
    order = {t: i for i, t in enumerate(RECORD_TABLES)}
    table = table.rename_axis(columns=None).reset_index()
    return table.sort_values(
        ["table", "field"], key=lambda s: s.map(order) if s.name == "table" else s, kind="stable"
    ).reset_index(drop=True)


def assumptions(case: Case) -> pd.DataFrame:
    """Every assumption in ``citations.csv``: ``row_id``, ``fields`` (joined with ``;``) and ``assumption``."""
    c = case.citations
    found = c[c["assumption"].notna() & (c["assumption"] != "")]
    return pd.DataFrame(
        {
            "row_id": found["row_id"].to_numpy(),
            "fields": [";".join(f) for f in found["fields"]],
            "assumption": found["assumption"].to_numpy(),
        }
    )


def coverage_summary(case: Case) -> str:
    """One line for ``validate``: how many needed field values are quoted, derived, assumed or lack a basis,
    e.g. ``citations: 19 of 692 field values have a basis: 16 quoted, 2 derived, 1 assumed (3% quoted or derived); 673 have none yet``."""
    counts = field_bases(case)["basis"].value_counts()
    n = {b: int(counts.get(b, 0)) for b in BASES}
    total = sum(n.values())
    have = total - n["missing"]
    share = f" ({100 * (n['quoted'] + n['derived']) / total:.0f}% quoted or derived)" if total else ""
    return (
        f"citations: {have} of {total} field values have a basis: {n['quoted']} quoted, {n['derived']} derived, "
        f"{n['assumed']} assumed{share}; {n['missing']} have none yet"
    )
