"""Tables for readers: the tables the notebooks show, as HTML a person can read.

Not DataFrame dumps: a few chosen columns under plain headers, every sentence whole, wrapped and
left-aligned, no index column, dates as "19 Jun 2001" and intervals as "17–19 Jun 2001",
``source_ids`` as their publishers and dates linked to their addresses, codes in words (through
:mod:`analysis.labels`), a missing value as "–", rows in date order. A wide table scrolls inside
its own box, which says so.

>>> day_range(pd.Timestamp("2001-06-17"), pd.Timestamp("2001-06-19"))
'17–19 Jun 2001'
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from analysis.labels import Cell, Labels
from analysis.load import Case

MISSING = "–"
#: Columns a table cell shows as a list of linked sources.
SOURCE_COLUMNS = ("source_ids", "source_id")

#: A column name, the two ends of an interval (dates or numbers), or a function of the row giving
#: the cell (its words: :meth:`analysis.labels.Labels.column`).
Column = str | tuple[str, str] | Callable[[dict], Cell]


def day(value: pd.Timestamp) -> str:
    """A date as a reader writes it: ``"19 Jun 2001"`` (no leading zero); "–" if missing.

    >>> day(pd.Timestamp("2001-06-09"))
    '9 Jun 2001'
    """
    return MISSING if pd.isna(value) else f"{value.day} {value:%b %Y}"


def day_range(earliest: pd.Timestamp, latest: pd.Timestamp) -> str:
    """An interval of days, sharing what both ends share: ``"19 Jun 2001"``, ``"17–19 Jun 2001"``,
    ``"30 Jun – 2 Jul 2001"``, ``"30 Dec 2001 – 2 Jan 2002"``.

    >>> day_range(pd.Timestamp("2001-12-30"), pd.Timestamp("2002-01-02"))
    '30 Dec 2001 – 2 Jan 2002'
    """
    if pd.isna(earliest) or pd.isna(latest):
        return day(earliest if pd.isna(latest) else latest)
    if earliest == latest:
        return day(earliest)
    if (earliest.year, earliest.month) == (latest.year, latest.month):
        return f"{earliest.day}–{latest.day} {latest:%b %Y}"
    if earliest.year == latest.year:
        return f"{earliest.day} {earliest:%b} – {latest.day} {latest:%b %Y}"
    return f"{day(earliest)} – {day(latest)}"


def span(low: Any, high: Any) -> str:
    """Either end-pair as one range: dates as :func:`day_range`, numbers as ``"60–70"`` (``"70"`` if equal).

    >>> span(0, 70), span(23, 23), span(None, None)
    ('0–70', '23', '–')
    """
    if isinstance(low, pd.Timestamp) or isinstance(high, pd.Timestamp):
        return day_range(low, high)
    if pd.isna(low) and pd.isna(high):
        return MISSING
    if pd.isna(low) or pd.isna(high) or low == high:
        return _text(high if pd.isna(low) else low)
    return f"{_text(low)}–{_text(high)}"


#: The box around a reader table: it scrolls sideways when the table is wider than the page, and
#: shows a shadow on the side where more of the table is hidden (the scroll-shadow technique).
_SCROLL_BOX = (
    "max-width:100%;overflow-x:auto;"
    "background:linear-gradient(to right,#fff 30%,rgba(255,255,255,0)),"
    "linear-gradient(to left,#fff 30%,rgba(255,255,255,0)) 100% 0,"
    "radial-gradient(farthest-side at 0 50%,rgba(0,0,0,.3),rgba(0,0,0,0)),"
    "radial-gradient(farthest-side at 100% 50%,rgba(0,0,0,.3),rgba(0,0,0,0)) 100% 0;"
    "background-repeat:no-repeat;background-size:40px 100%,40px 100%,14px 100%,14px 100%;"
    "background-attachment:local,local,scroll,scroll"
)


@dataclass(frozen=True)
class ReaderTable:
    """A table rendered for readers: HTML in Jupyter, aligned plain text elsewhere (and for nbval)."""

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]  # cell text, as shown
    cells_html: tuple[tuple[str, ...], ...]  # the same cells as HTML (links for sources)
    caption: str = ""

    def __len__(self) -> int:
        return len(self.rows)

    def _repr_html_(self) -> str:
        left = "text-align:left;vertical-align:top;white-space:normal;overflow-wrap:break-word;"
        head = "".join(f'<th style="{left}">{html.escape(h)}</th>' for h in self.headers)
        body = "".join(
            "<tr>" + "".join(f'<td style="{left}">{cell}</td>' for cell in row) + "</tr>" for row in self.cells_html
        )
        caption = (
            f'<caption style="text-align:left;caption-side:top">{html.escape(self.caption)}</caption>'
            if self.caption
            else ""
        )
        # Text wraps; a table still wider than its box scrolls inside the box: a shadow at the edge
        # with more to see (the "local" backgrounds cover it once scrolled to that end), and a note,
        # which is the sign left where a sanitiser drops the shadow (JupyterLab's, for an untrusted
        # notebook). Every table of three or more columns scrolls on a phone, so gets the note.
        hint = (
            '<p class="reader-table-hint" style="margin:0 0 .2em;font-size:.85em;color:#555">'
            "If the table runs past the edge, scroll sideways inside it.</p>"
            if len(self.headers) >= 3
            else ""
        )
        return (
            f'<div class="reader-table-box" style="{_SCROLL_BOX}">{hint}'
            f'<table class="reader-table" style="border-collapse:collapse">{caption}'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
        )

    def __repr__(self) -> str:
        lines = [self.caption] if self.caption else []
        for number, row in enumerate(self.rows, start=1):
            lines.append(f"{number}. " + " | ".join(f"{h}: {c}" for h, c in zip(self.headers, row)))
        return "\n".join(lines) if lines else "(no rows)"


def _text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "; ".join(map(str, value)) if value else MISSING
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return MISSING
    if isinstance(value, pd.Timestamp):
        return day(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def reader_table(
    frame: pd.DataFrame,
    columns: Mapping[str, Column],
    case: Case | None = None,
    sort: Sequence[str] | None = None,
    caption: str = "",
) -> ReaderTable:
    """Render ``frame`` for readers.

    ``columns`` maps each header to show to a column of ``frame``, or to a pair
    ``(low, high)`` of columns shown as one range (:func:`span`), or to a function of the row
    returning its :class:`~analysis.labels.Cell` (see :meth:`analysis.labels.Labels.column`).
    ``sort`` orders the rows (by the frame's columns, stable; give the date columns for date
    order). ``case`` supplies the sources, so that a ``source_ids`` column shows each source's
    publisher and date, linked to its address.

    >>> t = reader_table(pd.DataFrame({"d": [pd.Timestamp("2001-06-19")], "n": [None]}), {"Date": "d", "Note": "n"})
    >>> t.rows
    (('19 Jun 2001', '–'),)
    """
    if sort:
        frame = frame.sort_values(list(sort), kind="stable")
    labels = Labels(case) if case is not None else None
    rows, cells = [], []
    for record in frame.to_dict("records"):
        text_row, html_row = [], []
        for spec in columns.values():
            if callable(spec):
                cell = spec(record)
                text_row.append(cell.text)
                html_row.append(cell.html)
            elif isinstance(spec, tuple):
                text = span(record[spec[0]], record[spec[1]])
                text_row.append(text)
                html_row.append(html.escape(text))
            elif spec in SOURCE_COLUMNS:
                value = record[spec]
                ids = [value] if isinstance(value, str) else list(value or [])
                if labels is not None:
                    cell = labels.sources(ids)
                    text_row.append(cell.text)
                    html_row.append(cell.html)
                else:
                    text_row.append("; ".join(ids) or MISSING)
                    html_row.append(html.escape("; ".join(ids) or MISSING))
            else:
                text = _text(record[spec])
                text_row.append(text)
                html_row.append(html.escape(text))
        rows.append(tuple(text_row))
        cells.append(tuple(html_row))
    return ReaderTable(headers=tuple(columns), rows=tuple(rows), cells_html=tuple(cells), caption=caption)


#: The header of the first column of :func:`kinds_table`, per vocabulary.
KIND_HEADERS = {"category": "Kind of failing", "unit": "Whose decision"}


def kinds_table(case: Case, column: str, identified_by: str = "all", investigation: str | None = None) -> ReaderTable:
    """The counts of one vocabulary (``"category"`` or ``"unit"``) per investigation, for readers:
    a row per value in its words, a column per man (``"n: ids"``), and the total.

    The counts are :func:`analysis.kinds.kind_crosstab`'s.
    """
    from analysis.kinds import kind_crosstab

    wide = kind_crosstab(case, column, identified_by=identified_by, investigation=investigation)
    labels = Labels(case)
    per_man: dict[str, Column] = {name: name for name in wide.columns[1:-1]}
    return reader_table(
        wide, {KIND_HEADERS.get(column, column): labels.term_column("opportunities", column), **per_man, "All": "total"}
    )
