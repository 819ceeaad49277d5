"""Reader labels: the record's ids and codes in the words a reader uses.

One place turns ids into words for every table a person reads (the notebooks, the site's pages
and the command line's ``table`` format; CSV and JSON keep the ids): a victim id becomes his
name, a ``;``-list of victims "Testcase, Placeholder and Exemplar", an ``identified_by`` credit
"Inquest jury (general finding), Met Police", a source "Testmouth Gazette, 14 Mar 2002" (linked to its
address), a filter "jury, explicit findings only", an opportunity its id and what was missed.
Every word comes from the data: names from ``victims.csv``, bodies, categories and units from the
labels of the vocabularies in ``datapackage.json``, publishers and dates from ``sources.csv``.

>>> words(["Testcase", "Placeholder", "Exemplar"])
'Testcase, Placeholder and Exemplar'
>>> filter_words("jury:explicit")
'jury, explicit findings only'
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

import pandas as pd

from analysis.gaps import IDENTIFIED_BY
from analysis.load import Case, each_row
from analysis.schema import read_tables

MISSING = "–"


class Cell(NamedTuple):
    """One table cell: its text (plain, for text output and tests) and its HTML (links where it has any)."""

    text: str
    html: str


def words(items: Iterable[str], conjunction: str = "and") -> str:
    """Items as a sentence writes them: ``"A"``, ``"A and B"``, ``"A, B and C"``; ``""`` for none.

    >>> words(["A"]), words(["A", "B"]), words([], "or")
    ('A', 'A and B', '')
    """
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def value_words(value: str) -> str:
    """A code with no label of its own, in words: ``"police_action"`` -> ``"police action"``.

    >>> value_words("official_statement")
    'official statement'
    """
    return str(value).replace("_", " ")


def field_words(fields: Any) -> str:
    """A ``;``-list of a row's fields in words: ``"date_earliest;date_latest"`` -> ``"date earliest and date latest"``.

    >>> field_words("found_date;identified_by:police")
    'found date and identified by: police'
    """
    return words(value_words(f).replace(":", ": ") for f in as_list(fields))


def as_list(value: Any) -> list[str]:
    """A ``;``-list cell (a string or a list) as a list of its items; empty for a missing value.

    >>> as_list("testcase;exemplar"), as_list(None), as_list(["a"])
    (['testcase', 'exemplar'], [], ['a'])
    """
    if value is None or (not isinstance(value, (str, list, tuple)) and pd.isna(value)):
        return []
    if isinstance(value, str):
        return [v for v in value.split(";") if v]
    return [str(v) for v in value]


def partial_day(text: Any) -> str:
    """A ``published`` value (``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``) as a reader writes it; ``""`` if empty.

    >>> partial_day("2002-03-14"), partial_day("2002-03"), partial_day("2002"), partial_day(None)
    ('14 Mar 2002', 'Mar 2002', '2002', '')
    """
    if text is None or (not isinstance(text, str) and pd.isna(text)) or str(text).strip() == "":
        return ""
    if isinstance(text, pd.Timestamp):
        return f"{text.day} {text:%b %Y}"
    parts = str(text).split("-")
    stamp = pd.Timestamp(f"{parts[0]}-{parts[1] if len(parts) > 1 else '01'}-{parts[2] if len(parts) > 2 else '01'}")
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        return f"{stamp:%b %Y}"
    return f"{stamp.day} {stamp:%b %Y}"


def source_words(publisher: str, published: Any) -> str:
    """A source as a reader cites it: publisher and date, ``"Testmouth Gazette, 14 Mar 2002"`` (the publisher alone if undated).

    >>> source_words("Testmouth Gazette", "2002-03-14"), source_words("Sampleton Echo", "")
    ('Testmouth Gazette, 14 Mar 2002', 'Sampleton Echo')
    """
    when = partial_day(published)
    return f"{publisher}, {when}" if when else str(publisher)


#: Official bodies named in the ``identified_by`` filters, in the filters' own words.
_FILTER_BODIES = {"jury": "jury", "coroner": "coroner"}


def _filter_parts(identified_by: str) -> tuple[list[str], bool]:
    if identified_by not in IDENTIFIED_BY:
        raise ValueError(f"identified_by must be one of {', '.join(IDENTIFIED_BY)}, not {identified_by!r}")
    bodies, explicit = IDENTIFIED_BY[identified_by]
    order = list(_FILTER_BODIES)
    return (
        [_FILTER_BODIES.get(b, b) for b in sorted(bodies, key=lambda b: order.index(b) if b in order else 99)]
        if bodies is not None
        else []
    ), explicit


def filter_words(identified_by: str) -> str:
    """An ``identified_by`` filter in words, for table cells and captions.

    >>> filter_words("jury"), filter_words("jury+coroner:explicit"), filter_words("all")
    ('jury, explicit or general findings', 'jury or coroner, explicit findings only', 'anyone (every credit)')
    """
    bodies, explicit = _filter_parts(identified_by)
    if not bodies:
        return "anyone (every credit)"
    return f"{words(bodies, 'or')}, {'explicit findings only' if explicit else 'explicit or general findings'}"


def filter_title(identified_by: str) -> str:
    """What an ``identified_by`` filter keeps, for a figure's title: ``""`` for ``"all"``.

    >>> filter_title("jury")
    'credited by the jury, explicitly or in general'
    >>> filter_title("jury+coroner:explicit")
    'named in specific terms by the jury or the coroner'
    """
    bodies, explicit = _filter_parts(identified_by)
    if not bodies:
        return ""
    who = words([f"the {b}" for b in bodies], "or")
    return f"named in specific terms by {who}" if explicit else f"credited by {who}, explicitly or in general"


def basis_name(basis: str) -> str:
    """How a basis dates a death, for a table cell: ``"the days he may have died"`` or ``"the day he was found"``.

    >>> basis_name("found")
    'the day he was found'
    """
    return {"death": "the days he may have died", "found": "the day he was found"}.get(basis, value_words(basis))


def combinations_words(combinations: Any) -> str:
    """A ``;``-list of ``basis/identified_by`` combinations in words, grouped by basis; ``"none"`` if empty.

    >>> combinations_words("death/jury:explicit;found/all")
    'On the days of death: jury, explicit findings only. On the days found: anyone (every credit).'
    """
    by_basis: dict[str, list[str]] = {}
    for item in as_list(combinations):
        basis, _, who = item.partition("/")
        by_basis.setdefault(basis, []).append(filter_words(who))
    heads = {"death": "On the days of death", "found": "On the days found"}
    return " ".join(f"{heads.get(b, b)}: {'; '.join(ws)}." for b, ws in by_basis.items()) or "none"


#: Per basis: how the next death is measured, as a title says it, and the table headers.
BASIS_WORDS = {
    "death": {
        "target": "next death",
        "measured": "the days each man may have died",
        "next": "Next death",
        "when": "May have died",
        "days": "Days to it",
    },
    "found": {
        "target": "next discovery of a body",
        "measured": "the day each body was found",
        "next": "Next body found",
        "when": "Found",
        "days": "Days to its discovery",
    },
}


def basis_words(basis: str, key: str) -> str:
    """The words for ``key`` (``target``, ``measured``, ``next``, ``when``, ``days``) on this basis.

    >>> basis_words("found", "target")
    'next discovery of a body'
    """
    if basis not in BASIS_WORDS:
        raise ValueError(f"basis must be one of {', '.join(BASIS_WORDS)}, not {basis!r}")
    return BASIS_WORDS[basis][key]


class Labels:
    """The record's labels, read once from a :class:`Case`: names, bodies, vocabularies, sources.

    Each method takes a code (or a ``;``-list of codes) and returns words; :meth:`column`
    turns one of them into a column of :func:`analysis.tables.reader_table`.
    """

    def __init__(self, case: Case) -> None:
        self.case = case
        v = case.victims
        self._names = dict(zip(v["victim_id"], v["name"]))
        self._found = dict(zip(v["victim_id"], v["found_date"]))
        self._order = list(v.sort_values(["died_earliest", "died_latest"], kind="stable")["victim_id"])
        tables = read_tables(case.data_dir)
        self._terms: dict[tuple[str, str], dict[str, str]] = {}
        for table in tables.values():
            for f in table.fields:
                if f.vocabulary:
                    self._terms[(table.name, f.name)] = {t.value: t.label or value_words(t.value) for t in f.vocabulary}
        s = case.sources
        self._sources = {
            row.source_id: (source_words(row.publisher, row.published), str(row.url), str(row.title))
            for row in each_row(s)
        }
        o = case.opportunities
        self._missed = dict(zip(o["opportunity_id"], o["missed"]))

    # --- victims -------------------------------------------------------------------------------

    def name(self, victim_id: Any) -> str:
        """A victim's full name (``"Alex Testcase"``); any other value is returned as it is."""
        if victim_id is None or (not isinstance(victim_id, str) and pd.isna(victim_id)):
            return MISSING
        return self._names.get(victim_id, str(victim_id))

    def found(self, victim_id: str) -> str:
        """The day a victim's body was found, as a reader writes it (``"4 Mar 1997"``)."""
        return partial_day(self._found.get(victim_id)) or MISSING

    def surname(self, victim_id: str) -> str:
        """The last word of a victim's name (``"Testcase"``)."""
        return self.name(victim_id).split()[-1]

    def names(self, ids: Any, empty: str = "none") -> str:
        """A ``;``-list of victim ids as surnames in death order (``"Testcase, Placeholder and Exemplar"``);
        ``empty`` if none."""
        items = as_list(ids)
        items.sort(key=lambda i: self._order.index(i) if i in self._order else len(self._order))
        return words(self.surname(i) for i in items) or empty

    # --- vocabularies ----------------------------------------------------------------------------

    def term(self, table: str, column: str, value: Any) -> str:
        """A vocabulary value's label (``("opportunities", "unit", "borough")`` -> ``"Borough officers"``)."""
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return MISSING
        return self._terms.get((table, column), {}).get(str(value), value_words(str(value)))

    def terms(self, table: str, column: str, values: Any) -> str:
        """A ``;``-list of vocabulary values as their labels, comma-separated."""
        return ", ".join(self.term(table, column, v) for v in as_list(values)) or MISSING

    def body(self, code: str) -> str:
        """An ``identified_by`` value as its label: ``"jury"`` -> ``"Inquest jury"``."""
        return self.term("opportunities", "identified_by", code)

    def bodies(self, codes: Any) -> str:
        """An ``identified_by`` list as labels: ``"jury;police"`` -> ``"Inquest jury, Met Police"``."""
        return self.terms("opportunities", "identified_by", codes)

    def finding_body(self, code: Any) -> str:
        """A ``findings.body`` value as its label: ``"metropolitan_police"`` -> ``"Met Police"``."""
        return self.term("findings", "body", code)

    def credits(self, code: Any) -> str:
        """An ``official_credits`` value in words: ``"jury:general;police"`` ->
        ``"Inquest jury (general finding), Met Police"``."""
        out = []
        for item in as_list(code):
            body, _, strength = item.partition(":")
            out.append(f"{self.body(body)} ({strength} finding)" if strength else self.body(body))
        return ", ".join(out) or MISSING

    # --- sources ---------------------------------------------------------------------------------

    def source(self, source_id: str) -> str:
        """A source as publisher and date, ``"Testmouth Gazette, 14 Mar 2002"`` (the id itself if unknown)."""
        return self._sources[source_id][0] if source_id in self._sources else source_id

    def sources(self, ids: Any) -> Cell:
        """A ``;``-list of sources: text ``"Testmouth Gazette, 14 Mar 2002; Sampleton Echo, 2 Feb 2002"``, and HTML
        the same with each linked to its address (its title shown on hovering)."""
        items = as_list(ids)
        if not items:
            return Cell(MISSING, MISSING)
        links = []
        for sid in items:
            if sid in self._sources:
                label, url, title = self._sources[sid]
                links.append(
                    f'<a href="{html.escape(url, quote=True)}" title="{html.escape(title, quote=True)}">'
                    f"{html.escape(label)}</a>"
                )
            else:
                links.append(html.escape(sid))
        return Cell("; ".join(self.source(s) for s in items), "; ".join(links))

    # --- opportunities ---------------------------------------------------------------------------

    def missed(self, opportunity_id: str) -> str:
        """What was missed, in the record's words (its ``missed`` field, whole: a cut sentence could
        drop the failing itself), without the closing full stop."""
        text = str(self._missed.get(opportunity_id, "")).strip()
        return text[:-1] if text.endswith(".") else text

    def opportunity(self, opportunity_id: str) -> str:
        """An opportunity as its id and what was missed: ``"op-x-01: The park's camera footage was not collected"``."""
        missed = self.missed(opportunity_id)
        return f"{opportunity_id}: {missed}" if missed else str(opportunity_id)

    def ids(self, ids: Any) -> str:
        """A ``;``-list of ids (opportunities, findings), comma-separated for reading."""
        return ", ".join(as_list(ids)) or MISSING

    # --- table columns ---------------------------------------------------------------------------

    def term_column(self, table: str, column: str, field: str | None = None) -> Callable[[dict], Cell]:
        """A column showing the vocabulary ``table.column`` in words (read from ``field``, default ``column``)."""
        return self.column(field or column, lambda value: self.terms(table, column, value))

    def column(self, column: str, how: Callable[[Any], str | Cell]) -> Callable[[dict], Cell]:
        """A :func:`analysis.tables.reader_table` column showing ``column`` through ``how``
        (e.g. ``labels.column("investigation", labels.name)``)."""

        def cell(record: dict) -> Cell:
            out = how(record[column])
            return out if isinstance(out, Cell) else Cell(out, html.escape(out))

        cell.__name__ = f"{column}_words"
        return cell
