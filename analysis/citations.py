"""The basis of every factual field: checks of ``citations.csv`` against the rows it supports.

Each row of ``citations.csv`` gives one basis for one or more fields (``fields``) of one record
row (``row_id``): a passage copied from a cited source (``source_id`` + ``quote``), a derivation
from another row's field (``derived_from`` + ``rule``, recomputed here), or the project's own
reasoned ``assumption``. :func:`check_citations` reports every problem as ``FILE:LINE: COLUMN:``
like the rest of the loader; the loader calls it on the parsed rows, before any frame is built.

Whether every factual field *has* a basis, and every cited source carries one, is checked only
when the package declares it complete (:func:`analysis.schema.citations_complete`); until then
the same gaps are counted by :func:`missing_bases` for ``validate`` to print.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

from analysis.problems import Problem
from analysis.schema import CREDIT_FIELDS, FACTUAL_FIELDS, OFFICIAL_CREDITS, RECORD_TABLES, Table

#: Longest quote allowed, in words (whitespace-separated runs).
MAX_QUOTE_WORDS = 25

#: Marks of an elided passage, which a quote may not contain.
ELLIPSES = ("...", "\u2026", "[..")

#: Columns a citation can never be the basis of: ids, lists of sources, free notes.
NOT_CITABLE = frozenset({"source_ids", "notes", "opportunity_ids", *RECORD_TABLES.values()})


def _end_of_month(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


#: How a derived value follows from the value it is derived from.
RULES = {
    "equal": lambda v: v,
    "day_before": lambda v: v - timedelta(days=1),
    "day_after": lambda v: v + timedelta(days=1),
    "start_of_month": lambda v: v.replace(day=1),
    "end_of_month": _end_of_month,
}


def derive(rule: str, value: object) -> object:
    """The value ``rule`` derives from ``value``.

    >>> derive("end_of_month", date(2016, 2, 3)), derive("day_before", date(2015, 3, 1))
    (datetime.date(2016, 2, 29), datetime.date(2015, 2, 28))
    >>> derive("equal", "Testmouth")
    'Testmouth'
    """
    if rule != "equal" and not isinstance(value, date):
        raise TypeError(f"rule {rule!r} needs a date, not {value!r}")
    return RULES[rule](value)


def credit_field(credit: str) -> str:
    """The citation field of a non-official credit: ``"police"`` -> ``"identified_by:police"``."""
    return f"identified_by:{credit}"


def needed_fields(table: str, row: dict, columns: list[str] | tuple[str, ...]) -> list[str]:
    """The fields of one record ``row`` that need a basis: its filled factual fields (those of
    :data:`~analysis.schema.FACTUAL_FIELDS` that ``table`` has, in ``columns``) and one
    ``identified_by:<credit>`` per non-official credit.

    >>> needed_fields("events", {"date_earliest": 1, "date_latest": 1, "summary": "x"}, ["date_earliest", "date_latest", "summary"])
    ['date_earliest', 'date_latest', 'summary']
    >>> needed_fields("opportunities", {"actor": "CID", "missed": None, "identified_by": ["jury", "press"]}, ["actor", "missed"])
    ['actor', 'identified_by:press']
    """
    out = [f for f in FACTUAL_FIELDS.get(table, ()) if f in columns and not _empty(row.get(f))]
    credits = row.get("identified_by")
    if isinstance(credits, list):
        out += [credit_field(c) for c in credits if c in CREDIT_FIELDS]
    return out


def quote_words(quote: str) -> int:
    """Number of words in a quote (runs of non-space characters).

    >>> quote_words("found dead on  August 28")
    5
    """
    return len(quote.split())


def _empty(value: object) -> bool:
    return value is None or value == "" or value == []


# --- the checks ---------------------------------------------------------------------------

Rows = dict[str, list[tuple[int, dict]]]


def check_citations(
    data_dir: Path, tables: dict[str, Table], rows: Rows, problems: list[Problem], complete: bool
) -> None:
    """Add a :class:`Problem` for every citation that is wrong, and (if ``complete``) every gap.

    Checked per citation: ``row_id`` names a record row; exactly one basis is given, whole;
    ``fields`` are columns of that row's table (or its ``identified_by:<credit>`` credits); a quote
    has at most :data:`MAX_QUOTE_WORDS` words, no ellipsis, and its source among the row's
    ``source_ids``; a derivation names an existing row and filled field, and its rule reproduces
    each cited field's value exactly. With ``complete``: every needed field (:func:`needed_fields`)
    has a basis, and every source a row cites is quoted for at least one of its fields.
    """
    where = str(data_dir / tables["citations"].path)
    index = _index(tables, rows)
    for line, cite in rows["citations"]:
        for column, message in _citation_problems(cite, index, tables):
            problems.append(Problem(where, line, column, message))
    if complete:
        for file, line, column, message in missing_bases(data_dir, tables, rows):
            problems.append(Problem(file, line, column, message))


def _index(tables: dict[str, Table], rows: Rows) -> dict[str, tuple[str, dict]]:
    """Every record row by its id: (table name, row)."""
    index: dict[str, tuple[str, dict]] = {}
    for name, key in RECORD_TABLES.items():
        for _, row in rows.get(name, []):
            if row.get(key) is not None:
                index.setdefault(str(row[key]), (name, row))
    return index


def _columns(tables: dict[str, Table], name: str) -> set[str]:
    """Columns a citation may name in ``name``: its own, and ``open_until_*`` for opportunities
    (which may be cited before the columns arrive)."""
    return set(tables[name].field_names) | set(FACTUAL_FIELDS.get(name, ()))


def _citation_problems(
    cite: dict, index: dict[str, tuple[str, dict]], tables: dict[str, Table]
) -> Iterator[tuple[str, str]]:
    """(column, message) for everything wrong with one citation row."""
    bases = {"quote": ("source_id", "quote"), "derivation": ("derived_from", "rule"), "assumption": ("assumption",)}
    given = [kind for kind, cols in bases.items() if any(not _empty(cite.get(c)) for c in cols)]
    if not given:
        yield "(row)", ("gives no basis (fill source_id and quote, or derived_from and rule, or assumption)")
    elif len(given) > 1:
        yield (
            "(row)",
            (
                f"gives {len(given)} bases ({', '.join(given)}); one citation row holds exactly one "
                "(split it into one row per basis)"
            ),
        )
    else:
        for column in bases[given[0]]:
            if _empty(cite.get(column)):
                other = next(c for c in bases[given[0]] if c != column)
                yield column, f"is empty but {other} is filled (a {given[0]} needs both)"
    row_id = cite.get("row_id")
    if row_id is None:
        return
    if row_id not in index:
        yield "row_id", (f"{row_id!r} is not an id in victims, events, opportunities or findings (correct the id)")
        return
    table, row = index[row_id]
    yield from _field_problems(cite.get("fields") or [], table, row, tables)
    if len(given) != 1:
        return
    if given[0] == "quote" and not _empty(cite.get("quote")):
        yield from _quote_problems(cite, row_id, row)
    elif given[0] == "derivation" and not _empty(cite.get("derived_from")) and not _empty(cite.get("rule")):
        yield from _derivation_problems(cite, row_id, table, row, index, tables)


def _field_problems(fields: list[str], table: str, row: dict, tables: dict[str, Table]) -> Iterator[tuple[str, str]]:
    columns = _columns(tables, table)
    for name in fields:
        column, _, credit = name.partition(":")
        if credit:
            if column != "identified_by" or credit not in CREDIT_FIELDS:
                yield (
                    "fields",
                    (
                        f"{name!r} is not a field (a credit is written identified_by:police, "
                        "identified_by:family or identified_by:press)"
                    ),
                )
            elif credit not in (row.get("identified_by") or []):
                yield "fields", f"{name!r}: the row's identified_by has no {credit!r} (cite only credits it gives)"
        elif column == "identified_by":
            official = sorted(set(OFFICIAL_CREDITS.values()))
            yield (
                "fields",
                (
                    "'identified_by' names no credit (write identified_by:police, :family or :press; "
                    f"the official ones, {', '.join(official)}, rest on findings)"
                ),
            )
        elif column not in columns:
            yield "fields", f"{name!r} is not a column of {tables[table].path} (name the row's fields, `;` between two)"
        elif column in NOT_CITABLE:
            yield "fields", f"{name!r} needs no basis (cite the row's factual fields)"


def _quote_problems(cite: dict, row_id: str, row: dict) -> Iterator[tuple[str, str]]:
    quote = str(cite["quote"])
    words = quote_words(quote)
    if words > MAX_QUOTE_WORDS:
        yield (
            "quote",
            (
                f"has {words} words; a quote is at most {MAX_QUOTE_WORDS} "
                "(choose the shortest run of words that carries the fact)"
            ),
        )
    mark = next((m for m in ELLIPSES if m in quote), None)
    if mark:
        yield (
            "quote",
            (
                f"contains an ellipsis ({mark!r}); a quote is one contiguous run of words "
                "(quote one passage per citation row)"
            ),
        )
    sources = row.get("source_ids")
    source = cite.get("source_id")
    if isinstance(sources, list) and source and source not in sources:
        yield (
            "source_id",
            (
                f"{source!r} is not among {row_id}'s source_ids "
                "(add it there if the page supports the row, or quote a source it cites)"
            ),
        )


def _derivation_problems(
    cite: dict, row_id: str, table: str, row: dict, index: dict[str, tuple[str, dict]], tables: dict[str, Table]
) -> Iterator[tuple[str, str]]:
    target_id, _, target_field = str(cite["derived_from"]).rpartition(".")
    if target_id not in index:
        yield "derived_from", f"{target_id!r} is not an id in victims, events, opportunities or findings"
        return
    target_table, target = index[target_id]
    if target_field not in tables[target_table].field_names:
        yield "derived_from", f"{target_field!r} is not a column of {tables[target_table].path}"
        return
    source_value = target.get(target_field)
    if _empty(source_value):
        yield "derived_from", f"{cite['derived_from']} is empty (derive from a filled field)"
        return
    rule = str(cite["rule"])
    for name in cite.get("fields") or []:
        if name not in tables[table].field_names:
            continue  # reported by _field_problems, or a column still to come (open_until_*)
        if target_id == row_id and target_field == name:
            yield "derived_from", f"derives {name} from itself (derive it from another field, or quote it)"
            continue
        try:
            expected = derive(rule, source_value)
        except TypeError:
            yield "rule", f"{rule!r} needs a date but {cite['derived_from']} is {source_value!r} (use equal)"
            return
        value = row.get(name)
        if value != expected:
            yield (
                "derived_from",
                (
                    f"{rule} of {cite['derived_from']} ({source_value}) gives {expected}, "
                    f"but {row_id}.{name} is {value} (correct the value or the derivation)"
                ),
            )


def missing_bases(data_dir: Path, tables: dict[str, Table], rows: Rows) -> list[tuple[str, int, str, str]]:
    """(file, line, column, message) for each needed field without a basis, and each cited
    source that no quote of the row comes from. Empty when the record is fully cited."""
    have: dict[str | None, set[str]] = {}  # looked up by a row's id, None when the row has none
    quoted: dict[str | None, set[str]] = {}
    for _, cite in rows.get("citations", []):
        rid = cite.get("row_id")
        if rid is None:
            continue
        have.setdefault(rid, set()).update(cite.get("fields") or [])
        if not _empty(cite.get("quote")) and cite.get("source_id"):
            quoted.setdefault(rid, set()).add(cite["source_id"])
    out = []
    for name, key in RECORD_TABLES.items():
        where = str(data_dir / tables[name].path)
        for line, row in rows.get(name, []):
            rid = row.get(key)
            for f in needed_fields(name, row, tables[name].field_names):
                if f not in have.get(rid, set()):
                    column = f.partition(":")[0]
                    what = f"the credit {f.partition(':')[2]!r}" if ":" in f else "it"
                    out.append(
                        (
                            where,
                            line,
                            column,
                            f"{what} has no basis in citations.csv "
                            f"(add a quote of a cited source, a derivation or an assumption for {rid} {f})",
                        )
                    )
            for source in row.get("source_ids") or []:
                if source not in quoted.get(rid, set()):
                    out.append(
                        (
                            where,
                            line,
                            "source_ids",
                            f"{source!r} carries none of {rid}'s fields in citations.csv (quote the passage "
                            "that does, or remove it and keep it in notes as background)",
                        )
                    )
    return out


# --- quotes against the saved pages -------------------------------------------------------


def quotes_not_on_pages(data_dir: Path, pages_dir: Path) -> list[Problem]:
    """A :class:`Problem` for each quote of ``citations.csv`` that is not, whitespace aside, a
    substring of the saved page ``pages_dir/SOURCE_ID.txt`` (the excerpt the curator read).

    The saved pages are not part of the package (they are copies of others' pages), so this is a
    separate check for whoever holds them: ``python -m analysis validate --pages DIR``.
    """
    import csv

    where = Path(data_dir) / "citations.csv"
    pages: dict[str, str | None] = {}
    problems = []
    with open(where, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        line = 1
        for row in reader:
            line_start, line = line + 1, reader.line_num
            source, quote = (row.get("source_id") or "").strip(), (row.get("quote") or "").strip()
            if not source or not quote:
                continue
            if source not in pages:
                page = Path(pages_dir) / f"{source}.txt"
                pages[source] = " ".join(page.read_text(encoding="utf-8").split()) if page.is_file() else None
            text = pages[source]
            if text is None:
                problems.append(
                    Problem(
                        str(where),
                        line_start,
                        "source_id",
                        f"no saved page {Path(pages_dir) / (source + '.txt')} to check the quote against "
                        "(save the excerpt read there, first line URL: ...)",
                    )
                )
            elif " ".join(quote.split()) not in text:
                problems.append(
                    Problem(
                        str(where),
                        line_start,
                        "quote",
                        f"is not on the saved page of {source} (copy the words exactly, same "
                        "spelling, punctuation and apostrophes)",
                    )
                )
    return problems
