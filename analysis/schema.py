"""Read the data package descriptor (``data/datapackage.json``): the one description of the data.

The loader checks rows against this schema, and the README's data dictionary is generated
from it, so the code, the documentation and Frictionless all read the same rules.
"""

from __future__ import annotations

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

#: Column(s) holding a date interval's two ends, per table.
INTERVALS: dict[str, tuple[str, str]] = {
    "victims": ("died_earliest", "died_latest"),
    "events": ("date_earliest", "date_latest"),
    "opportunities": ("date_earliest", "date_latest"),
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
    primary_key: str
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
                vocabulary=tuple(Term(value=t["value"], definition=t["definition"], official=t.get("official", ""),
                                      findings=tuple(t.get("findings", ())), label=t.get("label", ""))
                                 for t in raw.get("vocabulary", ())),
            )
        )
    keys = {
        fk["fields"]: (fk["reference"]["resource"], fk["reference"]["fields"])
        for fk in schema.get("foreignKeys", [])
    }
    primary = schema["primaryKey"]
    return Table(
        name=resource["name"],
        path=resource["path"],
        title=resource.get("title", ""),
        description=resource.get("description", ""),
        fields=tuple(fields),
        primary_key=primary[0] if isinstance(primary, list) else primary,
        foreign_keys=keys,
    )
