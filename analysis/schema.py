"""Read the data package descriptor (``data/datapackage.json``): the one description of the data.

The loader checks rows against this schema, and the README's data dictionary is generated
from it, so the code, the documentation and Frictionless all read the same rules.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from analysis.problems import DataMissing

#: Fields holding ``;``-separated lists. Table Schema has no list type, so they are strings
#: with a pattern there, and the loader splits them and resolves the references itself.
LIST_FIELDS: dict[str, str | None] = {
    "source_ids": "sources",
    "opportunity_ids": "opportunities",
    "identified_by": None,
    "category": None,
    "unit": None,
    "fields": None,
}

#: Which ``identified_by`` value each official body's findings stand for. An opportunity lists
#: one of these values if and only if a finding of a matching body names it (the loader checks).
OFFICIAL_CREDITS: dict[str, str] = {
    "inquest_jury": "jury",
    "coroner": "coroner",
    "original_inquest": "coroner",
    "iopc": "iopc",
    "high_court": "court",
    "crown_court": "court",
    "hmicfrs": "hmicfrs",
}

#: String fields holding a partial date (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``), checked as a real calendar date.
PARTIAL_DATES: frozenset[str] = frozenset({"published"})

#: The tables whose rows carry facts, each with its id column (``citations.row_id`` names a row of one of them).
RECORD_TABLES: dict[str, str] = {
    "victims": "victim_id",
    "events": "event_id",
    "opportunities": "opportunity_id",
    "findings": "finding_id",
}

#: The factual fields of each record table: each filled one needs a basis in ``citations.csv``
#: (a quote, a derivation or an assumption). ``kind``, ``category``, ``unit`` and ``link`` are the
#: project's classifications and need none; official credits in ``identified_by`` rest on findings.
#: ``open_until_*`` are counted only where the table has those columns.
FACTUAL_FIELDS: dict[str, tuple[str, ...]] = {
    "victims": ("age", "home_town", "died_earliest", "died_latest", "found_date", "found_place", "classified_at_time"),
    "events": ("date_earliest", "date_latest", "summary"),
    "opportunities": (
        "date_earliest",
        "date_latest",
        "open_until_earliest",
        "open_until_latest",
        "actor",
        "missed",
        "would_have",
    ),
    "findings": ("date", "body", "summary"),
}

#: ``identified_by`` values that are not official (no finding stands behind them): each needs its
#: own basis, cited as the field ``identified_by:<value>``.
CREDIT_FIELDS: tuple[str, ...] = ("police", "family", "press")

#: Column(s) holding a date interval's two ends, per table.
INTERVALS: dict[str, tuple[str, str]] = {
    "victims": ("died_earliest", "died_latest"),
    "events": ("date_earliest", "date_latest"),
    "opportunities": ("date_earliest", "date_latest"),
}

#: Second intervals that follow a table's first one: (table, earliest, latest). An opportunity's
#: chance closed (``open_until``) no earlier than it arose: the loader checks
#: ``open_until_earliest >= date_earliest`` and ``open_until_latest >= date_latest``.
LATER_INTERVALS: dict[str, tuple[str, str]] = {
    "opportunities": ("open_until_earliest", "open_until_latest"),
}


@dataclass(frozen=True)
class Term:
    """One value of a controlled vocabulary: what it means, the official theme it maps to, and
    the ``findings.csv`` rows that state that theme."""

    value: str
    definition: str
    official: str = ""
    findings: tuple[str, ...] = ()
    #: The value in a reader's words ("Inquest jury" for ``jury``); empty if the descriptor gives none.
    label: str = ""


@dataclass(frozen=True)
class Field:
    """One column of a table, as the descriptor defines it."""

    name: str
    type: str
    description: str
    required: bool = False
    unique: bool = False
    enum: tuple[str, ...] = ()
    pattern: re.Pattern[str] | None = None
    minimum: int | None = None
    maximum: int | None = None
    #: Controlled vocabulary of a ``;``-list field (the descriptor's ``vocabulary``): each item
    #: must be one of these. Table Schema's ``enum`` would test the whole cell, so a list field
    #: carries its vocabulary here and a pattern built from it for Frictionless.
    vocabulary: tuple[Term, ...] = ()

    @property
    def terms(self) -> tuple[str, ...]:
        """The allowed values of a vocabulary field, in descriptor order."""
        return tuple(t.value for t in self.vocabulary)


@dataclass(frozen=True)
class Table:
    """One resource of the package: its file, its fields, its keys."""

    name: str
    path: str
    title: str
    description: str
    fields: tuple[Field, ...]
    primary_key: str | None  # None for a table without one (citations: many passages per row)
    foreign_keys: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]


def read_descriptor(data_dir: Path) -> dict:
    """Parse ``datapackage.json`` in ``data_dir``; raise DataMissing if it cannot be read."""
    path = Path(data_dir) / "datapackage.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataMissing(f"{path}: not found (is {data_dir} the project's data directory?)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataMissing(f"{path}: cannot be read: {exc}") from None


def citations_complete(data_dir: Path) -> bool:
    """Whether the package declares every factual field's basis complete (``"citations": {"complete": true}``).

    When true the loader refuses a factual field without a basis and a cited source that carries
    none of its row's fields; when false those gaps are counted (``validate`` prints them), not refused.
    """
    return bool(read_descriptor(data_dir).get("citations", {}).get("complete", False))


@dataclass(frozen=True)
class CaseInfo:
    """What the data package says about its case (the descriptor's ``case`` section): the words the
    figures, the site, the database and the exports use, so the library itself names no one.

    Every field is optional in the descriptor; the defaults are neutral words built from the
    package's own ``title`` and ``name``. ``series_end_event`` is the ``events`` row that ends the
    series (the final arrest, say); without it the arrest with the latest ``date_latest`` is used.
    """

    title: str = "A sourced record of missed opportunities"
    short_name: str = "record"
    #: The ``event_id`` of the event that ends the series (checked by the loader).
    series_end_event: str | None = None
    #: The reader's name for that event, e.g. "the final arrest".
    series_end_label: str = "the final arrest"
    #: Its shortest form, for a label beside a band on a time axis.
    series_end_mark: str = "arrested"
    #: A longer caption above the band.
    series_end_caption: str = "Final arrest"
    #: The timeline lane that holds the arrests, charges and court dates.
    proceedings_lane: str = "Arrests, charges, courts"
    #: The group of events that concern no one investigation (the TimelineJS export).
    general_group: str = "Other events"
    #: What the victims are called as a group, e.g. "The three victims".
    victims_heading: str = "The victims"
    #: One or two sentences that open the home page: what the case is.
    lede: str = ""
    #: The window of days the time figures show by default (ISO dates), or None for the whole record.
    window_start: str | None = None
    window_end: str | None = None
    #: The line under every figure.
    source_line: str = "Source: the record; every row cites public sources in sources.csv"
    #: Datasette's name for the database (and the default file name).
    database: str = "record"
    #: Words for codes of the record (``findings.body``, ``identified_by``) that this case spells its own way.
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def series_end_title(self) -> str:
        """:attr:`series_end_label` with a capital first letter, to start a sentence or a label."""
        return self.series_end_label[:1].upper() + self.series_end_label[1:]


def read_case_info(data_dir: Path) -> CaseInfo:
    """The descriptor's ``case`` section as a :class:`CaseInfo` (defaults where a key is missing).

    An unknown key raises :class:`DataMissing` naming it, so a misspelt key is not silently ignored.
    """
    descriptor = read_descriptor(data_dir)
    raw = descriptor.get("case", {})
    known = set(CaseInfo.__dataclass_fields__)
    unknown = sorted(set(raw) - known)
    if unknown:
        raise DataMissing(
            f"{Path(data_dir) / 'datapackage.json'}: case: unknown key {', '.join(map(repr, unknown))} "
            f"(known: {', '.join(sorted(known))})"
        )
    title = descriptor.get("title") or CaseInfo.title
    defaults = {
        "title": title,
        "short_name": descriptor.get("name") or CaseInfo.short_name,
        "source_line": f"Source: {title}; every row cites public sources in sources.csv",
        "database": descriptor.get("name") or CaseInfo.database,
    }
    return CaseInfo(**{**defaults, **raw})


def data_hash(data_dir: Path) -> str:
    """SHA-256 over the descriptor and every CSV of ``data_dir``, names and bytes.

    The record's own fingerprint: CHANGES.md records it for each data version, and every batch run
    depends on it (a notebook's outputs can show any table: notebook 01 prints source links).
    """
    data_dir = Path(data_dir)
    digest = hashlib.sha256()
    for path in [data_dir / "datapackage.json", *sorted(data_dir.glob("*.csv"))]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def read_tables(data_dir: Path) -> dict[str, Table]:
    """The package's tables, by resource name, in descriptor order."""
    return {t.name: t for t in map(_table, read_descriptor(data_dir)["resources"])}


def _table(resource: dict) -> Table:
    schema = resource["schema"]
    fields = []
    for raw in schema["fields"]:
        cons = raw.get("constraints", {})
        fields.append(
            Field(
                name=raw["name"],
                type=raw["type"],
                description=raw.get("description", ""),
                required=bool(cons.get("required")),
                unique=bool(cons.get("unique")),
                enum=tuple(cons.get("enum", ())),
                pattern=re.compile(cons["pattern"]) if "pattern" in cons else None,
                minimum=cons.get("minimum"),
                maximum=cons.get("maximum"),
                vocabulary=tuple(
                    Term(
                        value=t["value"],
                        definition=t["definition"],
                        official=t.get("official", ""),
                        findings=tuple(t.get("findings", ())),
                        label=t.get("label", ""),
                    )
                    for t in raw.get("vocabulary", ())
                ),
            )
        )
    keys = {
        fk["fields"]: (fk["reference"]["resource"], fk["reference"]["fields"]) for fk in schema.get("foreignKeys", [])
    }
    primary = schema.get("primaryKey")
    return Table(
        name=resource["name"],
        path=resource["path"],
        title=resource.get("title", ""),
        description=resource.get("description", ""),
        fields=tuple(fields),
        primary_key=primary[0] if isinstance(primary, list) else primary or None,
        foreign_keys=keys,
    )
