"""Hypothesis strategies that build whole valid cases, and the profiles that run them.

:func:`cases` draws a case as in-memory tables (``{table: [row dict, ...]}``, every value a string
as in the CSV files) that the loader accepts: 1 to 8 victims with death intervals and found
dates, 0 to 40 opportunities with when they arose and when they closed, the investigation each
was missed in and its credits, findings naming the officially credited ones, an arrest, a few
other events and sources. :func:`write_case` writes one as a data-package folder (the real
descriptor beside the CSV files).

Profiles: ``core`` (the default; a fixed seed, few examples, fit for the core suite) and
``deep`` (thousands of examples; ``HYPOTHESIS_PROFILE=deep`` or ``make test-deep``).
"""

from __future__ import annotations

import csv
import json
import os
from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
DESCRIPTOR = json.loads((ROOT / "data" / "datapackage.json").read_text(encoding="utf-8"))

settings.register_profile(
    "core",
    max_examples=12,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "deep",
    max_examples=2000,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "core"))

DEEP = os.environ.get("HYPOTHESIS_PROFILE") == "deep"


def examples(core: int, deep: int):
    """Settings for one property: ``core`` examples in the core profile, ``deep`` in the deep one."""
    return settings(max_examples=deep if DEEP else core)


BASE = date(2014, 1, 1)
OFFICIAL = {"jury": "inquest_jury", "coroner": "coroner", "iopc": "iopc", "court": "high_court", "hmicfrs": "hmicfrs"}
OTHER_CREDITS = ("police", "family", "press")


def _fields(table: str) -> list[dict]:
    return next(r for r in DESCRIPTOR["resources"] if r["name"] == table)["schema"]["fields"]


def header(table: str) -> list[str]:
    """The columns of a table, in the descriptor's order."""
    return [f["name"] for f in _fields(table)]


def vocabulary(table: str, column: str) -> list[str]:
    """The allowed values of a column: its enum or its vocabulary."""
    spec = next(f for f in _fields(table) if f["name"] == column)
    return list(spec.get("constraints", {}).get("enum") or [t["value"] for t in spec.get("vocabulary", [])])


def iso(offset: int) -> str:
    return (BASE + timedelta(days=offset)).isoformat()


@st.composite
def interval(draw, low: int, high: int, width: int) -> tuple[int, int]:
    """Two day offsets ``a <= b`` with ``low <= a <= high`` and ``b - a <= width``."""
    a = draw(st.integers(low, high))
    return a, a + draw(st.integers(0, width))


@st.composite
def cases(
    draw, max_victims: int = 8, max_opportunities: int = 40, span: int = 120, width: int = 6, close_width: int = 6
) -> dict[str, list[dict]]:
    """A whole valid case. Dates fall within ``span`` days (so intervals meet, touch and overlap
    often); every interval holds at most ``width`` + 1 days (``close_width`` + 1 for when a chance
    closed), which keeps the oracle's day-by-day enumeration quick."""
    n_sources = draw(st.integers(1, 3))
    sources = [
        {
            "source_id": f"src-{i}",
            "title": f"Report {i}",
            "publisher": f"Publisher {i}",
            "published": iso(span + 10),
            "url": f"https://example.org/{i}",
            "kind": draw(st.sampled_from(vocabulary("sources", "kind"))),
        }
        for i in range(1, n_sources + 1)
    ]
    cite = st.lists(st.sampled_from([s["source_id"] for s in sources]), min_size=1, max_size=2, unique=True).map(
        ";".join
    )

    victims = []
    for i in range(1, draw(st.integers(1, max_victims)) + 1):
        a, b = draw(interval(0, span, width))
        found = b + draw(st.integers(0, 3))
        victims.append(
            {
                "victim_id": f"victim-{i}",
                "name": f"Fictional Person {i}",
                "age": str(draw(st.integers(16, 90))),
                "died_earliest": iso(a),
                "died_latest": iso(b),
                "found_date": iso(found),
                "found_place": "a fictional place",
                "source_ids": draw(cite),
            }
        )
    ids = [v["victim_id"] for v in victims]

    opportunities, credited = [], []
    for i in range(1, draw(st.integers(0, max_opportunities)) + 1):
        a, b = draw(interval(0, span, width))
        c = draw(st.integers(a, a + span // 2))
        d = max(c, b) + draw(st.integers(0, close_width))
        if d - c > close_width:  # keep the closing interval short: start it later
            c = d - close_width
        c = max(c, a)
        credits = draw(
            st.lists(st.sampled_from(list(OFFICIAL) + list(OTHER_CREDITS)), min_size=1, max_size=3, unique=True)
        )
        opp_id = f"op-x-{i:02d}"
        credited += [(opp_id, credit) for credit in credits if credit in OFFICIAL]
        opportunities.append(
            {
                "opportunity_id": opp_id,
                "date_earliest": iso(a),
                "date_latest": iso(b),
                "open_until_earliest": iso(c),
                "open_until_latest": iso(d),
                "investigation": draw(st.sampled_from(ids)),
                "actor": "a fictional unit",
                "category": draw(st.sampled_from(vocabulary("opportunities", "category"))),
                "unit": draw(st.sampled_from(vocabulary("opportunities", "unit"))),
                "missed": "something missed",
                "would_have": "something else",
                "identified_by": ";".join(credits),
                "source_ids": draw(cite),
            }
        )

    findings = []
    for k, (opp_id, credit) in enumerate(credited, start=1):
        findings.append(
            {
                "finding_id": f"fd-{k}",
                "date": iso(span + 5),
                "body": OFFICIAL[credit],
                "kind": "failing",
                "summary": "A failing.",
                "opportunity_ids": opp_id,
                "link": draw(st.sampled_from(["explicit", "general"])),
                "source_ids": draw(cite),
            }
        )
    if draw(st.booleans()):
        findings.append(
            {
                "finding_id": "fd-other",
                "date": iso(span + 6),
                "body": "metropolitan_police",
                "kind": "response",
                "summary": "A response.",
                "source_ids": draw(cite),
            }
        )

    r0, r1 = draw(interval(span // 2, span + 30, 7))
    events = [
        {
            "event_id": "ev-x-01",
            "date_earliest": iso(r0),
            "date_latest": iso(r1),
            "kind": "arrest",
            "summary": "The series ends.",
            "source_ids": draw(cite),
        }
    ]
    for k in range(2, draw(st.integers(1, 4)) + 1):
        a, b = draw(interval(0, span, width))
        kind = draw(st.sampled_from([x for x in vocabulary("events", "kind") if x != "arrest"]))
        events.append(
            {
                "event_id": f"ev-x-{k:02d}",
                "date_earliest": iso(a),
                "date_latest": iso(b),
                "kind": kind,
                "victim_id": draw(st.sampled_from(ids + [""])),
                "summary": "Something happened.",
                "source_ids": draw(cite),
            }
        )
    return {
        "victims": victims,
        "events": events,
        "opportunities": opportunities,
        "findings": findings,
        "sources": sources,
    }


def descriptor_for(tables: dict[str, list[dict]]) -> dict:
    """The real descriptor, with any pattern that pins the victim ids to this case's own loosened,
    so a generated case with other ids (and more or fewer victims) is valid."""
    out = json.loads(json.dumps(DESCRIPTOR))
    out.get("case", {}).pop("series_end_event", None)  # the real case's event id is not among generated rows
    out["citations"] = {"complete": False}  # generated rows carry no citations: their bases are counted, not required
    for resource in out["resources"]:
        for field in resource["schema"]["fields"]:
            if field["name"] == "victim_id" and "pattern" in field.get("constraints", {}):
                field["constraints"]["pattern"] = "^[a-z][a-z0-9-]*$"
    return out


def write_case(folder: Path, tables: dict[str, list[dict]]) -> Path:
    """Write ``tables`` as a data package in ``folder`` (created); return the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "datapackage.json").write_text(json.dumps(descriptor_for(tables), indent=2), encoding="utf-8")
    # A generated case quotes no page: its citations table is there, with no rows.
    for table, rows in {"citations": [], **tables}.items():
        columns = header(table)
        with open(folder / f"{table}.csv", "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, columns, lineterminator="\n")
            writer.writeheader()
            for row in rows:
                writer.writerow({c: row.get(c, "") for c in columns})
    return folder


def shifted(tables: dict[str, list[dict]], days: int) -> dict[str, list[dict]]:
    """A copy of ``tables`` with every date moved by ``days``."""
    date_columns = {t: [f["name"] for f in _fields(t) if f["type"] == "date"] for t in tables}
    out = {}
    for table, rows in tables.items():
        out[table] = []
        for row in rows:
            row = dict(row)
            for column in date_columns[table]:
                if row.get(column):
                    row[column] = (date.fromisoformat(row[column]) + timedelta(days=days)).isoformat()
            out[table].append(row)
    return out
