"""The record as one SQLite database for Datasette (``make db``, ``make serve``).

:func:`build_database` loads and checks the data package with :func:`analysis.load.load_case`
(invalid data raises :class:`~analysis.problems.DataError` before anything is written), then
writes, with ``sqlite-utils``, to a temporary file renamed into place:

- every table of the package, with its primary key, its foreign keys and its ``;``-lists kept
  as the CSV's text;
- each ``;``-list also as a link table (``event_sources``, ``opportunity_sources``,
  ``finding_opportunities``, ``opportunity_identified_by``, ...) so that SQL can join on it;
- the rules' results as tables, computed by the library and never re-derived in SQL:
  ``gaps_death`` and ``gaps_found`` (:func:`analysis.gaps.gap_table` on each basis) and
  ``deaths`` (:func:`analysis.gaps.deaths_view`). Whatever columns those functions return are
  stored; a column holding lists becomes ``;``-joined text plus a link table;
- full-text search (SQLite FTS5, Porter stemming) on the free-text columns;
- ``citations`` (the basis of each field), numbered in CSV order (``citation_id``), with the
  cited row's id also in the column of its table (``victim_id``, ``event_id``, ``opportunity_id``
  or ``finding_id``, each a foreign key), ``source_id`` a foreign key to ``sources``, and
  full-text search over the quotes and assumptions.

:func:`datasette_metadata` turns ``datapackage.json`` into Datasette's metadata (titles,
descriptions, licence, source, facets, sort orders, label columns) and adds the canned queries.

>>> build_database("data", "build/record.db")            # doctest: +SKIP
PosixPath('build/record.db')
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote

import pandas as pd
import sqlite_utils

from analysis.atomic import replace_files, temporary_beside
from analysis.citation import Record, built_from, cite_as, record
from analysis.gaps import deaths_view, gap_table
from analysis.load import Case, load_case
from analysis.schema import LIST_FIELDS, RECORD_TABLES, Table, read_descriptor, read_tables

#: Datasette names a database after its file (build/NAME.db is served as /NAME); the default NAME
#: is the case's ``database`` in datapackage.json (:func:`default_path`).

#: Computed tables: name -> (what it is, primary key). Their rows come from the library.
COMPUTED = {
    "gaps_death": (
        "Each missed opportunity and the next death, measured to the interval in which he died "
        "(analysis.gaps.gap_table, basis death, every opportunity).",
        "opportunity_id",
    ),
    "gaps_found": (
        "Each missed opportunity and the next death, measured to the day the body was found "
        "(analysis.gaps.gap_table, basis found, every opportunity).",
        "opportunity_id",
    ),
    "deaths": (
        "Per death: the missed opportunities in other investigations that certainly or possibly came "
        "before it (analysis.gaps.deaths_view, every opportunity).",
        "victim_id",
    ),
}

#: Descriptions of the computed columns known today; a column added to the library later is
#: stored anyway and described generically (see :func:`_computed_description`).
COMPUTED_COLUMNS = {
    "opportunity_id": "The missed opportunity (opportunities.opportunity_id).",
    "investigation": "The death being investigated when it was missed (victims.victim_id).",
    "date_earliest": "Earliest day on which the opportunity first arose.",
    "date_latest": "Latest day on which it first arose.",
    "identified_by": "Who identified it as a failing (`;`-separated).",
    "next_death": "The next death, other than the one under investigation, that could have followed it; "
    "empty if none did.",
    "next_death_name": "Name of the next death's victim.",
    "next_earliest": "Start of the next death's interval on this basis.",
    "next_latest": "End of the next death's interval on this basis.",
    "gap_days_min": "Fewest days from the opportunity to the next death (floored at 0); empty if no death followed.",
    "gap_days_max": "Most days from the opportunity to the next death; empty if no death followed.",
    "gap_days_mid": "Middle of the gap range, the point used for plotting.",
    "open_until_earliest": "Earliest day on which the opportunity's chance closed.",
    "open_until_latest": "Latest day on which the opportunity's chance closed.",
    "deaths_while_open": "Other deaths that possibly happened while the opportunity stood open (from when it arose "
    "to when it closed; analysis.intervals.possibly_in_window).",
    "days_open_min": "Fewest days from when the opportunity arose to when its chance closed.",
    "days_open_max": "Most days from when the opportunity arose to when its chance closed.",
    "victim_id": "The victim whose death this row is about.",
    "name": "His full name.",
    "died_earliest": "Earliest date on which he can have died.",
    "died_latest": "Latest date on which he can have died.",
    "n_certainly_before": "How many missed opportunities in other investigations certainly arose before his death "
    "(the latest day each may have arisen is before his earliest possible day of death).",
    "n_possibly_before": "How many possibly arose before it (the earliest day each may have arisen is on or before "
    "his latest possible day of death); includes the certain ones.",
    "certainly_before": "Those certainly before it (`;`-separated; also the link table deaths_certainly_before).",
    "possibly_before": "Those possibly before it (`;`-separated; also the link table deaths_possibly_before).",
}

#: Default facets, sort orders and label columns, per table (only columns that exist are used).
#: A ``;``-list column is never a facet of its own table (it would count whole strings such as
#: ``police;press``): its link table, one row per item, carries the facet instead.
FACETS = {
    "events": ["kind", "victim_id"],
    "opportunities": ["investigation"],
    "findings": ["body", "kind", "victim_id"],
    "sources": ["kind", "publisher"],
    "gaps_death": ["investigation", "next_death"],
    "gaps_found": ["investigation", "next_death"],
    "opportunity_identified_by": ["identified_by"],
    "opportunity_category": ["category"],
    "opportunity_unit": ["unit"],
    "opportunity_sources": ["source_id"],
    "event_sources": ["source_id"],
    "finding_sources": ["source_id"],
    "finding_opportunities": ["opportunity_id"],
    "gaps_death_identified_by": ["identified_by"],
    "gaps_found_identified_by": ["identified_by"],
    "citations": ["source_id", "rule"],
}

#: Column widths for Datasette's pages, so that a sentence column is never squeezed to a few
#: characters beside ids and dates (served inline: the database needs no static folder).
CSS = (
    "td.col-missed, td.col-would_have, td.col-summary, td.col-text, td.col-notes { min-width: 24em; } "
    "td.col-opportunity_id, td.col-event_id, td.col-finding_id, td.col-id, td.col-death { white-space: nowrap; }"
)
SORT = {
    "victims": "died_earliest",
    "events": "date_earliest",
    "opportunities": "date_earliest",
    "findings": "date",
    "gaps_death": "date_earliest",
    "gaps_found": "date_earliest",
    "deaths": "died_earliest",
}
SORT_DESC = {"sources": "published"}
#: Shown instead of the bare id wherever a foreign key points at the table. Events, opportunities
#: and findings keep their ids: their only candidate labels are paragraphs.
LABELS = {"victims": "name", "sources": "title", "deaths": "name"}


def default_path(data_dir: str | Path = "data") -> Path:
    """``build/<the case's database name>.db`` for the package in ``data_dir``."""
    from analysis.schema import read_case_info

    return Path("build") / f"{read_case_info(Path(data_dir)).database}.db"


def build_database(data_dir: str | Path = "data", out: str | Path | None = None) -> Path:
    """Check the data package in ``data_dir`` and write the database to ``out`` (default :func:`default_path`).

    The Datasette metadata is written beside it, as ``<out stem>.metadata.json``. Raises
    :class:`~analysis.problems.DataError` (every problem listed) or
    :class:`~analysis.problems.DataMissing` before writing anything, so an existing database
    stays as it was; both files are written to a temporary file and renamed into place.
    Returns ``out``.
    """
    data_dir = Path(data_dir)
    out = default_path(data_dir) if out is None else Path(out)
    case = load_case(data_dir)
    tables = read_tables(data_dir)
    computed = computed_frames(case)
    metadata = datasette_metadata(data_dir, name=out.stem, computed=computed, case=case)

    def write(tmp: Path) -> None:
        db = sqlite_utils.Database(tmp)
        try:
            _fill(db, case, tables, computed)
        finally:
            db.close()

    # Both files are written in full beside their targets, then renamed into place as one set: a
    # failure or a kill while building leaves the previous database and metadata as they were.
    tmp_db, tmp_metadata = temporary_beside(out), temporary_beside(metadata_path(out))
    try:
        tmp_db.unlink()  # sqlite-utils creates the file itself
        write(tmp_db)
        tmp_metadata.write_text(json.dumps(metadata, indent=2) + "\n", encoding="utf-8")
        replace_files({out: tmp_db, metadata_path(out): tmp_metadata})
    finally:
        tmp_db.unlink(missing_ok=True)
        tmp_metadata.unlink(missing_ok=True)
    return out


def metadata_path(db_path: str | Path) -> Path:
    """Where :func:`build_database` writes the Datasette metadata for ``db_path``."""
    db_path = Path(db_path)
    return db_path.with_name(f"{db_path.stem}.metadata.json")


# --- filling the database -----------------------------------------------------------------


def _fill(db: sqlite_utils.Database, case: Case, tables: dict[str, Table], computed: dict[str, pd.DataFrame]) -> None:
    ids: dict[str, set[str]] = {}
    keyed = {name: table for name, table in tables.items() if table.primary_key}
    with db.conn:
        for name, table in keyed.items():
            frame = getattr(case, name)
            ids[name] = set(frame[table.primary_key])
            _record_table(db, table, frame)
        for name, table in keyed.items():
            _record_links(db, table, getattr(case, name), tables)
        for name, frame in computed.items():
            _computed_table(db, name, frame, COMPUTED[name][1], ids, tables)
        if "citations" in tables:
            _citations_table(db, case, tables)
    for name, table in tables.items():
        db.table(name).enable_fts(fts_columns(table), tokenize="porter")
    db.vacuum()


def _citations_table(db: sqlite_utils.Database, case: Case, tables: dict[str, Table]) -> None:
    """``citations`` as in the CSV plus ``citation_id`` and the cited row's id in its own table's column."""
    table = tables["citations"]
    columns: dict[str, type] = {"citation_id": int, **{f.name: str for f in table.fields}}
    columns.update({key: str for key in RECORD_TABLES.values()})
    foreign = [("source_id", "sources", "source_id")] + [(key, name, key) for name, key in RECORD_TABLES.items()]
    db.table("citations").create(columns, pk="citation_id", not_null=["row_id", "fields"], foreign_keys=foreign)
    owner = {rid: RECORD_TABLES[name] for name, key in RECORD_TABLES.items() for rid in getattr(case, name)[key]}
    rows = []
    records = cast(list[dict[str, Any]], case.citations.to_dict(orient="records"))  # the CSV's column names
    for number, c in enumerate(records, start=1):
        row = {"citation_id": number, **{k: (";".join(v) if k == "fields" else _cell(v)) for k, v in c.items()}}
        if c["row_id"] in owner:
            row[owner[c["row_id"]]] = c["row_id"]
        rows.append(row)
    db.table("citations").insert_all(rows, columns=columns)


def computed_frames(case: Case) -> dict[str, pd.DataFrame]:
    """The rules' results stored as tables: both gap tables and the per-death view, from the library."""
    return {
        "gaps_death": gap_table(case, basis="death"),
        "gaps_found": gap_table(case, basis="found"),
        "deaths": deaths_view(case),
    }


def fts_columns(table: Table) -> list[str]:
    """Free-text columns of a package table: strings with no enum, pattern, key or list role."""
    keys = {table.primary_key, *table.foreign_keys, "row_id", "derived_from"}
    return [
        f.name
        for f in table.fields
        if f.type == "string"
        and not f.enum
        and f.pattern is None
        and f.name not in keys
        and f.name not in LIST_FIELDS
        and f.name != "url"
    ]


def link_table_name(table: Table, field: str) -> str:
    """``events`` + ``source_ids`` -> ``event_sources``; ``opportunities`` + ``identified_by`` ->
    ``opportunity_identified_by``."""
    assert table.primary_key is not None  # only tables with a primary key get link tables
    return f"{table.primary_key.removesuffix('_id')}_{LIST_FIELDS[field] or field}"


_SQL_TYPES = {"date": str, "integer": int, "string": str}


def _record_table(db: sqlite_utils.Database, table: Table, frame: pd.DataFrame) -> None:
    columns = {f.name: _SQL_TYPES.get(f.type, str) for f in table.fields}
    db.table(table.name).create(
        columns,
        pk=table.primary_key,
        not_null=[f.name for f in table.fields if f.required],
        foreign_keys=[
            (column, target, target_column) for column, (target, target_column) in table.foreign_keys.items()
        ],
    )
    db.table(table.name).insert_all(
        {str(name): (";".join(value) or None if name in LIST_FIELDS else _cell(value)) for name, value in row.items()}
        for row in frame.to_dict(orient="records")
    )


def _record_links(db: sqlite_utils.Database, table: Table, frame: pd.DataFrame, tables: dict[str, Table]) -> None:
    for field in table.field_names:
        if field not in LIST_FIELDS:
            continue
        target = LIST_FIELDS[field]
        item = tables[target].primary_key if target else field
        assert table.primary_key is not None and item is not None  # keyed tables, lists of keys or words
        _link_table(
            db,
            link_table_name(table, field),
            table.name,
            table.primary_key,
            item,
            (target, item) if target else None,
            zip(frame[table.primary_key], frame[field]),
        )


def _link_table(
    db: sqlite_utils.Database,
    name: str,
    owner: str,
    key: str,
    item: str,
    target: tuple[str, str] | None,
    pairs: Iterable[tuple[Any, Any]],
) -> None:
    """One row per (``key``, list item); ``target`` is the (table, column) the items refer to, if any."""
    foreign = [(key, owner, key)] + ([(item, *target)] if target else [])
    db.table(name).create({key: str, item: str}, pk=(key, item), not_null=[key, item], foreign_keys=foreign)
    db.table(name).insert_all(
        {key: _cell(owner_id), item: _cell(value)} for owner_id, values in pairs for value in _as_list(values)
    )


def _computed_table(
    db: sqlite_utils.Database,
    name: str,
    frame: pd.DataFrame,
    pk: str,
    ids: dict[str, set[str]],
    tables: dict[str, Table],
) -> None:
    """Store one result of the library as it comes: every column, lists as text plus link tables.

    A column of strings all of which are ids of one package table gets a foreign key to it (so
    ``next_death`` links to ``victims``); list columns are judged the same way, item by item.
    """
    lists = list_columns(frame)
    columns = {c: (str if c in lists else _sql_type(frame[c])) for c in frame.columns}
    foreign = []
    for column in frame.columns:
        target = _target(_items(frame[column]), ids)
        if column not in lists and target:
            target_pk = tables[target].primary_key
            assert target_pk is not None  # ids holds only tables with a primary key
            foreign.append((column, target, target_pk))
    db.table(name).create(columns, pk=pk, foreign_keys=foreign, not_null=[pk])
    records = []
    for row in frame.to_dict(orient="records"):
        records.append({str(c): (";".join(map(str, _as_list(v))) if c in lists else _cell(v)) for c, v in row.items()})
    db.table(name).insert_all(records)
    for column in lists:
        target = _target(_items(frame[column]), ids)
        target_key = tables[target].primary_key if target else None
        item = target_key if target_key and target_key != pk else column
        _link_table(
            db,
            f"{name}_{column}",
            name,
            pk,
            item,
            (target, target_key) if target and target_key else None,
            zip(frame[pk], frame[column]),
        )


def list_columns(frame: pd.DataFrame) -> list[str]:
    """Columns of a computed frame that hold lists (stored as ``;``-text plus a link table)."""
    return [c for c in frame.columns if frame[c].map(lambda v: isinstance(v, (list, tuple))).any()]


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else []


def _items(series: pd.Series) -> list[Any]:
    out: list[Any] = []
    for value in series:
        if isinstance(value, (list, tuple)):
            out.extend(value)
        elif _cell(value) is not None:
            out.append(value)
    return out


def _target(items: list[Any], ids: dict[str, set[str]]) -> str | None:
    """The one package table whose primary keys include every item, if there is exactly one."""
    if not items or not all(isinstance(i, str) for i in items):
        return None
    found = [name for name, keys in ids.items() if keys.issuperset(items)]
    return found[0] if len(found) == 1 else None


def _sql_type(series: pd.Series) -> type:
    if pd.api.types.is_bool_dtype(series) or pd.api.types.is_integer_dtype(series):
        return int
    if pd.api.types.is_float_dtype(series):
        return float
    return str


def _cell(value: Any) -> Any:
    """A value SQLite stores: dates as ISO text, missing values as NULL, numpy scalars as Python's."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp | datetime):
        return value.date().isoformat() if value == pd.Timestamp(value).normalize() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalar
        return _cell(value.item())
    return value


# --- Datasette metadata -------------------------------------------------------------------


def datasette_metadata(
    data_dir: str | Path = "data",
    name: str | None = None,
    computed: dict[str, pd.DataFrame] | None = None,
    case: Case | None = None,
) -> dict:
    """Datasette's metadata for the database, from ``datapackage.json`` plus the canned queries.

    Package title, description, licence and source; per table its title, description, column
    descriptions, default facets, sort order and label column; the link and computed tables
    described too. ``computed`` is :func:`computed_frames` of the record (computed here from
    ``data_dir`` if not given), so that every column the library returns is described.
    """
    case = case if case is not None else load_case(data_dir)
    if computed is None:
        computed = computed_frames(case)
    name = name or case.info.database
    package = read_descriptor(Path(data_dir))
    tables = read_tables(Path(data_dir))
    licence = (package.get("licenses") or [{}])[0]
    rec = (
        record(Path(data_dir).parent, Path(data_dir).name)
        if (Path(data_dir).parent / "CHANGES.md").is_file()
        else Record(package.get("title", ""), str(package.get("version", "")), package.get("homepage", "") or "", "")
    )
    meta: dict[str, Any] = {
        "title": package.get("title", ""),
        "description": f"Version {rec.version} of the record. " + package.get("description", ""),
        "about": f"cite as: {cite_as(rec, built_from(Path(data_dir).parent))}",
        **({"about_url": rec.homepage} if rec.homepage else {}),
        "extra_css_urls": ["data:text/css," + quote(CSS)],
        "license": licence.get("title") or licence.get("name", ""),
        "license_url": licence.get("path", ""),
        "source": (package.get("sources") or [{}])[0].get("title", ""),
        "source_url": f"/{name}/sources",
    }
    described: dict[str, dict[str, Any]] = {}
    for table in tables.values():
        described[table.name] = {
            "title": table.title,
            "description": table.description,
            "columns": {f.name: f.description for f in table.fields if f.description},
        }
        if table.name == "citations":
            described["citations"]["columns"].update(
                citation_id="Number of the citation, in the order of citations.csv.",
                **{
                    key: f"The cited row, when it is one of {name} ({name}.{key}); the same id as row_id."
                    for name, key in RECORD_TABLES.items()
                },
            )
        for field in table.field_names if table.primary_key else []:
            if field in LIST_FIELDS:
                target = LIST_FIELDS[field]
                item = tables[target].primary_key if target else field
                described[link_table_name(table, field)] = {
                    "title": f"{table.title}: {field} as a link table",
                    "description": f"One row per item of the `;`-list {table.name}.{field}, so SQL can join on it.",
                    "columns": {
                        table.primary_key: f"The {table.name} row ({table.name}.{table.primary_key}).",
                        item: (
                            f"One of its {target} ({target}.{item})."
                            if target
                            else "One of the bodies that identified it as a failing."
                        ),
                    },
                }
    for table_name, frame in computed.items():
        description, pk = COMPUTED[table_name]
        described[table_name] = {
            "title": table_name.replace("_", " "),
            "description": description,
            "columns": {
                c: COMPUTED_COLUMNS.get(c, _UNDESCRIBED).replace("{series_end}", case.info.series_end_label)
                for c in frame.columns
            },
        }
        for column in list_columns(frame):
            described[f"{table_name}_{column}"] = {
                "title": f"{table_name}: {column} as a link table",
                "description": f"One row per item of the list {table_name}.{column}, so SQL can join on it.",
            }
    for described_table, spec in described.items():
        spec.update(_presentation(described_table))
        spec["description"] = plain_text(spec.get("description", ""))
        if "columns" in spec:
            spec["columns"] = {c: plain_text(d) for c, d in spec["columns"].items()}
    meta["databases"] = {
        name: {
            "title": "The record, its link tables and the gap analysis",
            "description": (
                f"The data package's tables ({', '.join(tables)}), each `;`-list also as a link table, and the "
                "results of the library's rules: the gap from each missed opportunity to the next death on both "
                "bases (gaps_death, gaps_found) and, per death, the opportunities missed before it (deaths). "
                "Start with the queries."
            ),
            "tables": described,
            "queries": canned_queries(list(case.victims["victim_id"])),
        }
    }
    return meta


_UNDESCRIBED = "Computed by the library (analysis.gaps); see the definitions (docs/definitions.md)."


def plain_text(text: str) -> str:
    """A description as Datasette shows it, plain text: no Markdown code marks.

    >>> plain_text("`;`-separated `source_id`s")
    ';-separated source_ids'
    """
    return text.replace("`", "")


def _presentation(table: str) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    if table in FACETS:
        spec["facets"] = FACETS[table]
    if table in SORT:
        spec["sort"] = SORT[table]
    if table in SORT_DESC:
        spec["sort_desc"] = SORT_DESC[table]
    if table in LABELS:
        spec["label_column"] = LABELS[table]
    return spec


def canned_queries(victim_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The canned queries: plain SQL over the stored tables, no rule re-derived (``victim_ids`` are
    named in the help of the query about one victim)."""
    return {
        "missed_before_each_death": {
            "title": "Missed opportunities before each death",
            "description": (
                "For each death, every missed opportunity in another investigation that certainly or possibly "
                "came before it. Which ones did is the library's rule (analysis.gaps.deaths_view), stored in "
                "the deaths_certainly_before and deaths_possibly_before tables; this query only joins them "
                "to the opportunities."
            ),
            "sql": _MISSED_BEFORE_EACH_DEATH,
        },
        "findings_naming_opportunities": {
            "title": "Findings that name a missed opportunity",
            "description": "Each official finding next to each missed opportunity it names (findings.opportunity_ids).",
            "sql": _FINDINGS_NAMING_OPPORTUNITIES,
        },
        "about_victim": {
            "title": "Everything about one victim",
            "description": (
                f"Type a victim_id ({', '.join(victim_ids)}) or a full name: his death, the events "
                "about him, the opportunities missed in his investigation, the findings about him or naming "
                "those opportunities, and the opportunities in earlier investigations missed before his death."
            ),
            "sql": _ABOUT_VICTIM,
        },
    }


_MISSED_BEFORE_EACH_DEATH = """\
select
  d.victim_id as death,
  d.name,
  case when d.died_earliest = d.died_latest then d.died_earliest
       else d.died_earliest || ' to ' || d.died_latest end as died,
  o.opportunity_id,
  case when c.opportunity_id is null then 'no' else 'yes' end as certainly_before,
  case when p.opportunity_id is null then 'no' else 'yes' end as possibly_before,
  o.investigation,
  case when o.date_earliest = o.date_latest then o.date_earliest
       else o.date_earliest || ' to ' || o.date_latest end as arose,
  o.missed
from deaths as d
join opportunities as o
  on o.opportunity_id in (
    select opportunity_id from deaths_possibly_before where victim_id = d.victim_id
    union
    select opportunity_id from deaths_certainly_before where victim_id = d.victim_id
  )
left join deaths_certainly_before as c on c.victim_id = d.victim_id and c.opportunity_id = o.opportunity_id
left join deaths_possibly_before as p on p.victim_id = d.victim_id and p.opportunity_id = o.opportunity_id
order by d.died_earliest, d.victim_id, certainly_before desc, o.date_earliest, o.date_latest, o.opportunity_id"""

_FINDINGS_NAMING_OPPORTUNITIES = """\
select
  f.finding_id,
  f.date,
  f.body,
  f.kind,
  f.victim_id,
  f.summary,
  o.opportunity_id,
  o.investigation,
  o.missed
from finding_opportunities as fo
join findings as f on f.finding_id = fo.finding_id
join opportunities as o on o.opportunity_id = fo.opportunity_id
order by f.date, f.finding_id, o.date_earliest, o.opportunity_id"""

_ABOUT_VICTIM = """\
with v as (
  select * from victims
  where victim_id = lower(trim(:victim)) or lower(name) = lower(trim(:victim))
),
about as (
  select 1 as part_order, 'death' as part, v.victim_id as id, v.died_earliest as date_earliest,
    v.died_latest as date_latest, 'died; found ' || v.found_date as kind,
    v.found_place || '. Classified at the time: ' || coalesce(v.classified_at_time, 'not recorded') as text,
    v.source_ids
  from v
  union all
  select 2, 'event', e.event_id, e.date_earliest, e.date_latest, e.kind, e.summary, e.source_ids
  from events as e join v on e.victim_id = v.victim_id
  union all
  select 3, 'opportunity missed in his investigation', o.opportunity_id, o.date_earliest, o.date_latest,
    'identified by ' || o.identified_by, o.missed, o.source_ids
  from opportunities as o join v on o.investigation = v.victim_id
  union all
  select 4, 'finding', f.finding_id, f.date, f.date, f.body || ': ' || f.kind, f.summary, f.source_ids
  from findings as f, v
  where f.victim_id = v.victim_id
     or f.finding_id in (
       select fo.finding_id from finding_opportunities as fo
       join opportunities as o on o.opportunity_id = fo.opportunity_id
       where o.investigation = v.victim_id)
  union all
  select 5, 'opportunity missed before his death', o.opportunity_id, o.date_earliest, o.date_latest,
    case when exists (select 1 from deaths_certainly_before as c
                      where c.victim_id = p.victim_id and c.opportunity_id = p.opportunity_id)
         then 'certainly before' else 'possibly before' end
      || ' (' || o.investigation || ' investigation)',
    o.missed, o.source_ids
  from (select victim_id, opportunity_id from deaths_possibly_before
        union
        select victim_id, opportunity_id from deaths_certainly_before) as p
  join v on p.victim_id = v.victim_id
  join opportunities as o on o.opportunity_id = p.opportunity_id
)
select part, id, date_earliest, date_latest, kind, text, source_ids
from about
order by part_order, date_earliest, date_latest, id"""
