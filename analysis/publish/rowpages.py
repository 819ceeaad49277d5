"""What each field of the record stands on, for the site: the basis of every field, the sources'
links (to the publisher's page, or saying it is a copy), the credits with their strength, and
one page per event and per finding.

Everything here reads the record through :class:`~analysis.load.Case` and the rules through
:mod:`analysis.evidence`; links at a passage come from :func:`analysis.fragments.text_fragment`.
:func:`install` puts the lookups in the templates' globals (``bases``, ``source_link``,
``credits_of``, ``grade_of_row``), so the existing pages show them with a one-line include.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit


from analysis.citations import needed_fields
from analysis.evidence import GRADED_TABLES, JURY_RECORD_NOTE, credits_with_grades, grades, is_blank
from analysis.fragments import text_fragment
from analysis.load import Case, each_row

#: What readers are told wherever a jury credit is shown (the jury's written record was not found).
JURY_NOTE = JURY_RECORD_NOTE

#: Reader's words for the rules of a derivation.
RULE_WORDS = {
    "equal": "the same as",
    "day_before": "the day before",
    "day_after": "the day after",
    "start_of_month": "the first day of the month of",
    "end_of_month": "the last day of the month of",
}


@dataclass(frozen=True)
class SourceLink:
    """Where a source's link goes and what it is called."""

    href: str  # the publisher's own page, or the only copy found
    publisher: str
    title: str
    copy_only: bool  # only a copy was found: the link opens a copy, and says so
    read_at: str  # the copy read, when it differs from href ("" otherwise)
    read_host: str  # its host, shown as "copy read at HOST"


def host(url: str) -> str:
    """The host of ``url``, or ``"a bare IP address"`` for an IP.

    >>> host("http://34.80.245.248/x"), host("https://www.bbc.co.uk/news")
    ('a bare IP address', 'www.bbc.co.uk')
    """
    name = urlsplit(url).hostname or url
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return name
    return "a bare IP address"


def source_links(case: Case) -> dict[str, SourceLink]:
    """Every source's link: ``url`` is the publisher's page unless ``read_at`` equals it (copy only)."""
    out = {}
    for s in case.sources.to_dict("records"):
        url, read = s["url"], s.get("read_at")
        read = read if isinstance(read, str) and read else ""
        copy_only = read == url
        out[s["source_id"]] = SourceLink(
            href=url,
            publisher=str(s["publisher"]),
            title=str(s["title"]),
            copy_only=copy_only,
            read_at="" if copy_only else read,
            read_host=host(read or url),
        )
    return out


def row_pages(case: Case) -> dict[str, str]:
    """The site page of every record row, by its id (victims, events, opportunities, findings)."""
    folder = {"victims": "victims", "events": "events", "opportunities": "opportunities", "findings": "findings"}
    return {rid: f"{folder[t]}/{rid}.html" for t, key in GRADED_TABLES.items() for rid in getattr(case, t)[key]}


def field_bases(case: Case) -> dict[str, dict[str, list[dict]]]:
    """Per row id, per field: its bases as dicts for the templates, strongest kind first.

    A quote: ``kind="quote"``, ``quote``, ``source_id``, ``publisher``, ``href`` (the publisher's
    page at the passage, a text fragment), ``copy_only``, ``copy_href``/``copy_host`` (the copy read
    at the passage, if any). A derivation: ``kind="derived"``, ``row_id``, ``field``, ``rule``
    (in words), ``page``, ``label`` (the row as a reader names it). An assumption: ``kind="assumption"``, ``reason``.
    """
    links, pages = source_links(case), row_pages(case)
    names = dict(zip(case.victims["victim_id"], case.victims["name"]))  # a victim's row by his name
    order = {"quote": 0, "derived": 1, "assumption": 2}
    out: dict[str, dict[str, list[dict]]] = {}
    for c in each_row(case.citations):
        if isinstance(c.quote, str) and c.quote:
            link = links[c.source_id]
            basis = {
                "kind": "quote",
                "quote": c.quote,
                "source_id": c.source_id,
                "publisher": link.publisher,
                "href": text_fragment(link.href, c.quote),
                "copy_only": link.copy_only,
                "copy_href": text_fragment(link.read_at, c.quote) if link.read_at else "",
                "copy_host": link.read_host,
            }
        elif isinstance(c.derived_from, str) and c.derived_from:
            rid, _, fld = c.derived_from.rpartition(".")
            basis = {
                "kind": "derived",
                "row_id": rid,
                "label": names.get(rid, rid),
                "field": fld,
                "rule": RULE_WORDS.get(c.rule, c.rule),
                "page": pages.get(rid, ""),
            }
        else:
            basis = {"kind": "assumption", "reason": c.assumption}
        for f in c.fields:
            out.setdefault(c.row_id, {}).setdefault(f, []).append(basis)
    for per_field in out.values():
        for found in per_field.values():
            found.sort(key=lambda b: order[b["kind"]])
    return out


def fields_to_show(case: Case, table: str, row: dict) -> list[str]:
    """The fields of ``row`` that need a basis, in the table's column order (credits last)."""
    clean = {k: (None if is_blank(v) else v) for k, v in row.items()}
    return needed_fields(table, clean, list(getattr(case, table).columns))


def credits(case: Case) -> dict[str, list[dict]]:
    """Per opportunity: its official credits with ``credit``, ``strength``, ``findings`` (id, grade, page)."""
    out: dict[str, list[dict]] = {}
    for c in each_row(credits_with_grades(case)):
        found = [
            {"id": f, "grade": g, "page": f"findings/{f}.html"}
            for f, g in (pair.split(": ") for pair in c.finding_grades.split("; "))
        ]
        out.setdefault(c.opportunity_id, []).append({"credit": c.credit, "strength": c.strength, "findings": found})
    return out


def rests_on_copies(case: Case) -> set[str]:
    """Ids of rows every one of whose sources is known only as a copy (the site says so on them)."""
    links = source_links(case)
    out = set()
    for table, key in GRADED_TABLES.items():
        for rid, ids in zip(getattr(case, table)[key], getattr(case, table)["source_ids"]):
            if ids and all(links[s].copy_only for s in ids):
                out.add(rid)
    return out


def install(site) -> None:
    """Make the lookups available to every template (``site`` is :class:`analysis.publish.site.Site`)."""
    case = site.case
    bases, links, pages, by_opp = field_bases(case), source_links(case), row_pages(case), credits(case)
    row_grades = {t: grades(case, t).to_dict() for t in GRADED_TABLES}
    copies = rests_on_copies(case)
    site.env.globals.update(
        bases_of=lambda rid: bases.get(rid, {}),
        source_link=lambda sid: links[sid],
        page_of=lambda rid: pages.get(rid),
        credits_of=lambda oid: by_opp.get(oid, []),
        grade_of_row=lambda table, rid: row_grades[table].get(rid, ""),
        rests_on_copies=lambda rid: rid in copies,
        jury_note=JURY_NOTE,
        fields_to_show=lambda table, row: fields_to_show(case, table, row),
    )


def write_pages(site) -> None:
    """One page per event and per finding, with every field's basis, its sources and its links."""
    case = site.case
    sources = case.sources.set_index("source_id")
    names = dict(zip(case.victims["victim_id"], case.victims["name"]))
    for table, key, template in (("events", "event_id", "event.html"), ("findings", "finding_id", "finding.html")):
        for row in getattr(case, table).to_dict("records"):
            site.write(
                f"{table}/{row[key]}.html",
                template,
                row=row,
                victim_name=names.get(row["victim_id"]),
                sources=sources.loc[row["source_ids"]].reset_index(),
            )
