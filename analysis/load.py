"""Load the data package into typed pandas frames, refusing bad data with every problem listed.

Frictionless checks types and keys; this loader checks the same schema (so it can report the
CSV's own line numbers without a traceback) and what Frictionless cannot: that list references
resolve, that intervals are ordered, that no body is found before its death could have happened,
and that every row cites a source.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.citations import check_citations
from analysis.problems import DataError, DataMissing, Problem
from analysis.schema import (
    INTERVALS,
    LATER_INTERVALS,
    LIST_FIELDS,
    OFFICIAL_CREDITS,
    PARTIAL_DATES,
    RECORD_TABLES,
    CaseInfo,
    Field,
    Table,
    citations_complete,
    read_case_info,
    read_tables,
)

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")

Row = dict[str, object]

#: Columns of ``citations.csv`` (a package that does not declare the table gets an empty frame of them).
CITATION_COLUMNS = ["row_id", "fields", "source_id", "quote", "derived_from", "rule", "assumption"]


def _no_citations() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in CITATION_COLUMNS})


@dataclass(frozen=True)
class Case:
    """The whole record, one typed frame per table (see the README's data dictionary).

    Dates are ``datetime64`` columns, enumerations are categoricals and ``;``-lists are
    Python lists; rows keep the order of the CSV files.
    """

    victims: pd.DataFrame
    events: pd.DataFrame
    opportunities: pd.DataFrame
    findings: pd.DataFrame
    sources: pd.DataFrame
    data_dir: Path
    #: One row per (record row, passage): the basis of its fields (``fields`` is a list).
    citations: pd.DataFrame = field(default_factory=_no_citations)
    #: The case's own words and the event that ends the series (``datapackage.json``'s ``case``).
    info: CaseInfo = field(default_factory=CaseInfo)

    def victim_name(self, victim_id: str) -> str:
        """Full name for a victim id (the ``name`` of that ``victims`` row)."""
        return str(self.victims.set_index("victim_id").at[victim_id, "name"])

    @property
    def investigations(self) -> list[str]:
        """The victim ids in the order of the deaths (earliest possible day, then the CSV's order):
        the order of the lanes, colours and choices everywhere."""
        return list(self.victims.sort_values("died_earliest", kind="stable")["victim_id"])

    @property
    def series_end_event(self) -> pd.Series:
        """The events row that ends the series: ``info.series_end_event``, or else the arrest with the
        latest ``date_latest``."""
        if self.info.series_end_event is not None:
            return self.events[self.events["event_id"] == self.info.series_end_event].iloc[0]
        arrests = self.events[self.events["kind"] == "arrest"]
        if arrests.empty:
            raise ValueError(
                "the events table has no arrest and datapackage.json names no case.series_end_event; "
                "the gap analysis needs the event that ends the series"
            )
        return arrests.loc[arrests["date_latest"].idxmax()]  # type: ignore[call-overload]  # a row label

    @property
    def series_end(self) -> pd.Timestamp:
        """Latest possible date of the event that ends the series."""
        return self.series_end_event["date_latest"]


def each_row(frame: pd.DataFrame) -> Iterator[Any]:
    """The rows of ``frame`` as named tuples (``row.victim_id``), without the index.

    The same as ``frame.itertuples(index=False)``; typed ``Any`` because the schema, not pandas,
    knows each cell's type (pandas' stubs type every cell as any scalar at all).
    """
    return frame.itertuples(index=False)


def load_case(data_dir: str | Path = "data") -> Case:
    """Read and check every table of the package in ``data_dir``.

    Returns a :class:`Case`. Raises :class:`DataError` listing every problem as
    ``FILE:LINE: COLUMN: what is wrong (how to fix)``, or :class:`DataMissing` if the directory,
    the descriptor or a table file cannot be read.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise DataMissing(f"{data_dir}: not a directory (pass the project's data/ directory)")
    tables = read_tables(data_dir)
    problems: list[Problem] = []
    parsed = {name: _read_table(data_dir, table, problems) for name, table in tables.items()}
    unusable = {name for name, rows in parsed.items() if rows is None}
    rows = {name: found or [] for name, found in parsed.items()}
    _check_keys(data_dir, tables, rows, problems, skip_targets=unusable)
    _check_rules(data_dir, tables, rows, problems)
    if not unusable & {"findings", "opportunities"}:
        _check_credits(data_dir, tables, rows, problems)
    if "citations" in tables and not unusable & {"citations", *RECORD_TABLES}:
        check_citations(data_dir, tables, rows, problems, complete=citations_complete(data_dir))
    info = read_case_info(data_dir)
    _check_case_info(data_dir, info, rows, problems)
    if "events" not in unusable and info.series_end_event is None:  # else _check_case_info checks the named event
        _check_series_end(data_dir, tables, rows, problems)
    if problems:
        raise DataError(problems)
    frames = {name: _frame(tables[name], rows[name]) for name in tables}
    return Case(data_dir=data_dir, info=info, **frames)


# --- reading one file ---------------------------------------------------------------------


def _read_table(data_dir: Path, table: Table, problems: list[Problem]) -> list[tuple[int, Row]] | None:
    """Parse one CSV into (line, typed row) pairs, adding a Problem for each bad cell.

    Returns None when the file as a whole is unusable (encoding, empty, wrong header), so that
    references into it are not reported again row by row.
    """
    path = data_dir / table.path
    where = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataMissing(f"{path}: not found (the descriptor lists it as table '{table.name}')") from None
    except OSError as exc:
        raise DataMissing(f"{path}: cannot be read: {exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.append(
            Problem(where, line, "(encoding)", f"byte 0x{raw[exc.start]:02x} is not UTF-8 (re-save the file as UTF-8)")
        )
        return None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if not header or not any(h.strip() for h in header):
        problems.append(
            Problem(where, 1, "(header)", f"file is empty (it needs the header row: {','.join(table.field_names)})")
        )
        return None
    missing = [n for n in table.field_names if n not in header]
    extra = [h for h in header if h not in table.field_names]
    for name in missing:
        problems.append(
            Problem(where, 1, name, "column missing from the header (add it; it may be empty where optional)")
        )
    for name in extra:
        problems.append(
            Problem(where, 1, name or "(blank)", "column not in datapackage.json (remove it, or add it to the schema)")
        )
    if missing or extra:
        return None
    fields = {f.name: f for f in table.fields}
    out: list[tuple[int, Row]] = []
    end_of_previous = reader.line_num
    for cells in reader:
        line, end_of_previous = end_of_previous + 1, reader.line_num
        if not cells or all(not c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            problems.append(
                Problem(
                    where,
                    line,
                    "(row)",
                    f"has {len(cells)} fields but the header has {len(header)} (quote any cell that contains a comma)",
                )
            )
            continue
        row: Row = {}
        for name, cell in zip(header, cells):
            value, error = _parse_cell(fields[name], cell)
            if error:
                problems.append(Problem(where, line, name, error))
            row[name] = value
        out.append((line, row))
    return out


def _parse_cell(spec: Field, cell: str) -> tuple[object, str | None]:
    """Typed value of one cell, or an error message saying how to fix it."""
    text = cell.strip()
    if text != cell:
        return None, f"{cell!r} has leading or trailing spaces (remove them)"
    if text == "":
        return None, ("is required (fill it in)" if spec.required else None)
    if spec.vocabulary:
        unknown = [item for item in text.split(";") if item not in spec.terms]
        if unknown:
            return None, (
                f"{', '.join(map(repr, unknown))} {'is' if len(unknown) == 1 else 'are'} not in the vocabulary "
                f"({', '.join(spec.terms)}; `;` between two; see datapackage.json)"
            )
    if spec.enum and text not in spec.enum:
        return None, f"{text!r} is not one of {', '.join(spec.enum)}"
    if spec.pattern and not spec.pattern.fullmatch(text):
        return None, f"{text!r} does not match the pattern {spec.pattern.pattern} (see datapackage.json)"
    if spec.name in PARTIAL_DATES:
        error = partial_date_error(text)
        if error:
            return None, error
    if spec.type == "date":
        if not _ISO_DATE.fullmatch(text):
            return None, f"{text!r} is not a date (write YYYY-MM-DD; an uncertain day is an earliest..latest interval)"
        try:
            return date.fromisoformat(text), None
        except ValueError:
            return None, f"{text!r} is not a real calendar date (check the month and day)"
    if spec.type == "integer":
        if not re.fullmatch(r"-?\d+", text):
            return None, f"{text!r} is not a whole number"
        number = int(text)
        if spec.minimum is not None and number < spec.minimum or spec.maximum is not None and number > spec.maximum:
            return None, f"{number} is outside {spec.minimum}..{spec.maximum}"
        return number, None
    if spec.name in LIST_FIELDS:
        items = text.split(";")
        if len(set(items)) != len(items):
            return None, f"{text!r} lists an id twice (list each once)"
        return items, None
    return text, None


def partial_date_error(text: str) -> str | None:
    """Why ``text`` is not a real ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` date, or None if it is one.

    >>> partial_date_error("2014-02"), partial_date_error("2014-13-45")
    (None, "'2014-13-45' is not a real calendar date: month 13 does not exist (write YYYY, YYYY-MM or YYYY-MM-DD)")
    >>> partial_date_error("2015-02-29")
    "'2015-02-29' is not a real calendar date: 2015-02 has no day 29 (write YYYY, YYYY-MM or YYYY-MM-DD)"
    """
    match = _PARTIAL_DATE.fullmatch(text)
    hint = "(write YYYY, YYYY-MM or YYYY-MM-DD)"
    if not match:
        return f"{text!r} is not a date {hint}"
    year, month, day = (int(g) if g else None for g in match.groups())
    if year == 0:
        return f"{text!r} is not a real calendar date: there is no year 0 {hint}"
    if month is not None and not 1 <= month <= 12:
        return f"{text!r} is not a real calendar date: month {month} does not exist {hint}"
    if day is not None:
        try:
            date(year, month, day)  # type: ignore[arg-type]
        except ValueError:
            return f"{text!r} is not a real calendar date: {year:04d}-{month:02d} has no day {day} {hint}"
    return None


# --- checks across rows and tables --------------------------------------------------------


def _check_keys(
    data_dir: Path, tables: dict[str, Table], rows: dict, problems: list[Problem], skip_targets: set[str]
) -> None:
    """Unique primary keys, foreign keys, and list references that resolve (into usable tables)."""
    keys: dict[str, set] = {}
    for name, table in tables.items():
        seen: dict[object, int] = {}
        where = str(data_dir / table.path)
        for line, row in rows[name] if table.primary_key else []:
            assert table.primary_key is not None  # the loop runs only for a table with one
            key = row[table.primary_key]
            if key is None:
                continue
            if key in seen:
                problems.append(
                    Problem(
                        where,
                        line,
                        table.primary_key,
                        f"{key!r} duplicates line {seen[key]} (ids must be unique; rename one)",
                    )
                )
            else:
                seen[key] = line
        keys[name] = set(seen)
    for name, table in tables.items():
        where = str(data_dir / table.path)
        refs: dict[str, tuple[str, str | None]] = dict(table.foreign_keys)
        refs.update({f: (target, None) for f, target in LIST_FIELDS.items() if target and f in table.field_names})
        for column, (target, _) in refs.items():
            if target in skip_targets:
                continue
            for line, row in rows[name]:
                value = row.get(column)
                for item in value if isinstance(value, list) else [value] if value else []:
                    if item not in keys.get(target, set()):
                        problems.append(
                            Problem(
                                where,
                                line,
                                column,
                                f"{item!r} is not a {tables[target].primary_key} in {tables[target].path} "
                                f"(add it there or correct the id)",
                            )
                        )


def _check_rules(data_dir: Path, tables: dict[str, Table], rows: dict, problems: list[Problem]) -> None:
    """Ordered intervals, bodies found no earlier than death, a source on every row."""
    for name, table in tables.items():
        where = str(data_dir / table.path)
        start, end = INTERVALS.get(name, ("", ""))
        for line, row in rows[name]:
            if start and row[start] and row[end] and row[start] > row[end]:
                problems.append(
                    Problem(
                        where,
                        line,
                        end,
                        f"{row[end]} is before {start} {row[start]} (an interval runs earliest..latest; swap them)",
                    )
                )
            if name in LATER_INTERVALS and start:
                _check_later_interval(where, line, row, (start, end), LATER_INTERVALS[name], problems)
            if "source_ids" in row and row.get("source_ids") == []:
                problems.append(Problem(where, line, "source_ids", "cites no source (every row needs one)"))
            if name == "victims" and row["found_date"]:
                if row["died_earliest"] and row["found_date"] < row["died_earliest"]:
                    problems.append(
                        Problem(
                            where,
                            line,
                            "found_date",
                            f"{row['found_date']} is before died_earliest {row['died_earliest']} "
                            "(a body cannot be found before the death; check both dates)",
                        )
                    )
                elif row["died_latest"] and row["died_latest"] > row["found_date"]:
                    problems.append(
                        Problem(
                            where,
                            line,
                            "died_latest",
                            f"{row['died_latest']} is after found_date {row['found_date']} "
                            "(he cannot have died after he was found; set died_latest <= found_date)",
                        )
                    )


def _check_later_interval(
    where: str,
    line: int,
    row: dict[str, Any],  # parsed cells: these interval columns hold dates or None
    first: tuple[str, str],
    later: tuple[str, str],
    problems: list[Problem],
) -> None:
    """A second interval (when a chance closed) that is ordered and cannot end before the first (when it arose) did."""
    start, end = first
    close_start, close_end = later
    if row.get(close_start) and row.get(close_end) and row[close_start] > row[close_end]:
        problems.append(
            Problem(
                where,
                line,
                close_end,
                f"{row[close_end]} is before {close_start} {row[close_start]} "
                "(an interval runs earliest..latest; swap them)",
            )
        )
        return
    if row.get(close_start) and row.get(start) and row[close_start] < row[start]:
        problems.append(
            Problem(
                where,
                line,
                close_start,
                f"{row[close_start]} is before {start} {row[start]} (a chance cannot close before "
                f"it arose; check both dates)",
            )
        )
    elif row.get(close_end) and row.get(end) and row[close_end] < row[end]:
        problems.append(
            Problem(
                where,
                line,
                close_end,
                f"{row[close_end]} is before {end} {row[end]} (a chance cannot close before it "
                f"arose: narrow {end} to {row[close_end]} at the latest, or correct {close_end})",
            )
        )


#: The event that ends the series: the gap analysis counts to it (today, an events row of this kind).
SERIES_END_KIND = "arrest"


def _check_series_end(data_dir: Path, tables: dict[str, Table], rows: dict, problems: list[Problem]) -> None:
    """The event that ends the series exists, so ``validate`` and the rules that count to it agree.

    One small rule, easy to re-point when the case's metadata names that event instead.
    """
    if not any(row.get("kind") == SERIES_END_KIND for _, row in rows["events"]):
        problems.append(
            Problem(
                str(data_dir / tables["events"].path),
                1,
                "kind",
                f"no event of kind {SERIES_END_KIND!r}: the gap analysis counts to the event that "
                "ends the series (the final arrest); add it, with its source",
            )
        )


def _check_credits(data_dir: Path, tables: dict[str, Table], rows: dict, problems: list[Problem]) -> None:
    """Official credits and findings agree; a finding that names opportunities says how (``link``).

    An opportunity lists an official body (see ``OFFICIAL_CREDITS``) in ``identified_by`` if and
    only if a finding of that body lists the opportunity in ``opportunity_ids``.
    """
    if "link" not in tables["findings"].field_names:
        return
    findings_file = str(data_dir / tables["findings"].path)
    already = {p.line for p in problems if p.file == findings_file and p.column == "link"}  # a bad cell, reported once
    named: dict[tuple[str, str], int] = {}
    for line, row in rows["findings"]:
        ids = row.get("opportunity_ids") or []
        if line in already:
            pass
        elif ids and not row.get("link"):
            problems.append(
                Problem(
                    findings_file,
                    line,
                    "link",
                    "is required when opportunity_ids is filled (explicit if the finding names "
                    "that failing in specific terms, general if it only covers it)",
                )
            )
        elif row.get("link") and not ids:
            problems.append(
                Problem(
                    findings_file,
                    line,
                    "link",
                    f"{row['link']!r} but the finding names no opportunity (empty it, or fill opportunity_ids)",
                )
            )
        credit = OFFICIAL_CREDITS.get(str(row.get("body")))
        if credit is not None:
            for opp in ids:
                named.setdefault((opp, credit), line)
    opps_file = str(data_dir / tables["opportunities"].path)
    credited: set[tuple[str, str]] = set()
    unreadable: set[object] = set()  # ids whose identified_by was already reported as bad: do not cascade
    for line, row in rows["opportunities"]:
        opp = row.get("opportunity_id")
        if row.get("identified_by") is None:
            unreadable.add(opp)
        for credit in row.get("identified_by") or []:
            if credit in OFFICIAL_CREDITS.values():
                credited.add((opp, credit))
                if (opp, credit) not in named:
                    bodies = ", ".join(sorted(b for b, c in OFFICIAL_CREDITS.items() if c == credit))
                    problems.append(
                        Problem(
                            opps_file,
                            line,
                            "identified_by",
                            f"credits {credit!r} but no finding of {bodies} names {opp} "
                            "(add it to that finding's opportunity_ids, or remove the credit)",
                        )
                    )
    for (opp, credit), line in sorted(named.items(), key=lambda item: item[1]):
        if (opp, credit) not in credited and opp not in unreadable:
            problems.append(
                Problem(
                    findings_file,
                    line,
                    "opportunity_ids",
                    f"names {opp} but that opportunity's identified_by lacks {credit!r} "
                    "(add the credit there, or remove the opportunity here)",
                )
            )


def _check_case_info(data_dir: Path, info: CaseInfo, rows: dict, problems: list[Problem]) -> None:
    """The ``case`` section's event that ends the series is a row of ``events``; its window is two real days in order."""
    where = str(data_dir / "datapackage.json")
    if info.series_end_event is not None and rows.get("events"):
        if info.series_end_event not in {row.get("event_id") for _, row in rows["events"]}:
            problems.append(
                Problem(
                    where,
                    1,
                    "case.series_end_event",
                    f"{info.series_end_event!r} is not an event_id in events.csv (name the event that "
                    "ends the series, or remove the key to use the latest arrest)",
                )
            )
    ends: dict[str, date | None] = {}
    for key in ("window_start", "window_end"):
        text = getattr(info, key)
        if text is None:
            continue
        try:
            ends[key] = date.fromisoformat(text) if _ISO_DATE.fullmatch(text) else None
        except ValueError:
            ends[key] = None
        if ends[key] is None:
            problems.append(
                Problem(where, 1, f"case.{key}", f"{text!r} is not a real date (write YYYY-MM-DD, or null)")
            )
    first, last = ends.get("window_start"), ends.get("window_end")
    if first is not None and last is not None and first > last:
        problems.append(Problem(where, 1, "case.window_end", "is before case.window_start (swap them)"))


# --- typed frames -------------------------------------------------------------------------


def _frame(table: Table, rows: list[tuple[int, Row]]) -> pd.DataFrame:
    data = {f.name: [row[f.name] for _, row in rows] for f in table.fields}
    frame = pd.DataFrame(data, columns=table.field_names)
    for spec in table.fields:
        column = frame[spec.name]
        if spec.type == "date":
            frame[spec.name] = pd.to_datetime(column).astype("datetime64[s]")
        elif spec.type == "integer":
            frame[spec.name] = column.astype("Int64")
        elif spec.enum:
            frame[spec.name] = pd.Categorical(column, categories=list(spec.enum))
        elif spec.name in LIST_FIELDS:
            frame[spec.name] = [value if isinstance(value, list) else [] for value in column]
    return frame
