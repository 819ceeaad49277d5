"""The chronology as TimelineJS JSON: one slide per row of ``events.csv``.

The format is Knight Lab's documented TimelineJS3 JSON (``events``, ``title``, ``eras``; slides
with ``start_date``/``end_date`` date objects, ``text``, ``group``, ``unique_id``), checked in the
tests against ``tests/timelinejs.schema.json``. Choices:

- a day known exactly is a ``start_date`` to the day and no ``end_date``; an interval runs from
  its earliest to its latest day (both to the day), and ``display_date`` says in words what is
  known ("December 2001", "between 17 and 19 March 2001");
- ``unique_id`` is the ``event_id``; ``group`` is the investigation (the victim's name), or the
  case's ``general_group`` (datapackage.json) for events that concern no one investigation;
- the headline says what happened: the first sentence of the event's ``summary`` (its first
  clause, or failing that its words cut at a word boundary with "…", when longer than
  :data:`HEADLINE_CHARS`); the text is the whole
  ``summary`` and the ``notes`` (escaped, so no markup from the data reaches the page), and the
  sources are links;
- one era per investigation, from the day his body was found to the last day of the last missed
  opportunity in that investigation (the span in which the record says police missed chances).

>>> date_object(pd.Timestamp("2001-03-19"))
{'year': 2001, 'month': 3, 'day': 19}
"""

from __future__ import annotations

import calendar
import html
import json
import re
from pathlib import Path

import pandas as pd

from analysis.atomic import write_atomic
from analysis.load import Case, each_row


def date_object(day: pd.Timestamp, display: str | None = None) -> dict:
    """A TimelineJS date object for one calendar day (numbers, as the format documents)."""
    out: dict = {"year": int(day.year), "month": int(day.month), "day": int(day.day)}
    if display:
        out["display_date"] = display
    return out


def display_interval(earliest: pd.Timestamp, latest: pd.Timestamp) -> str:
    """Human words for a date interval: one day, a whole month, or 'between ... and ...'.

    >>> display_interval(pd.Timestamp("2001-12-01"), pd.Timestamp("2001-12-31"))
    'December 2001 (day not known)'
    >>> display_interval(pd.Timestamp("2001-03-17"), pd.Timestamp("2001-03-19"))
    'between 17 and 19 March 2001'
    """
    if earliest == latest:
        return f"{earliest.day} {earliest:%B %Y}"
    last_day = calendar.monthrange(latest.year, latest.month)[1]
    if earliest.day == 1 and latest.day == last_day:
        if (earliest.year, earliest.month) == (latest.year, latest.month):
            return f"{earliest:%B %Y} (day not known)"
        return f"between {earliest:%B %Y} and {latest:%B %Y} (days not known)"
    if earliest.year != latest.year:
        return f"between {earliest.day} {earliest:%B %Y} and {latest.day} {latest:%B %Y}"
    if earliest.month != latest.month:
        return f"between {earliest.day} {earliest:%B} and {latest.day} {latest:%B %Y}"
    return f"between {earliest.day} and {latest.day} {latest:%B %Y}"


#: The longest headline a slide shows whole; a longer first sentence is shortened at a word boundary.
HEADLINE_CHARS = 90


def headline(summary: str, limit: int = HEADLINE_CHARS) -> str:
    """What happened, as a slide's headline: the summary's first sentence, at most ``limit`` characters.

    >>> headline("The suspect was arrested at his flat. The case was dropped.")
    'The suspect was arrested at his flat'
    >>> headline("Exemplar went to stay at the suspect's flat in Testmouth and met a neighbour", limit=45)
    "Exemplar went to stay at the suspect's flat…"
    """
    first = re.split(r"(?<=[A-Za-z0-9)'])\.\s+(?=[A-Z])", summary.strip(), maxsplit=1)[0].rstrip(".")
    if len(first) <= limit:
        return first
    clause = first.split("; ", 1)[0]  # a whole clause, if it is short enough
    if len(clause) <= limit:
        return clause
    return first[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def kind_label(kind: str) -> str:
    """The record's kind code as words: ``"police_action"`` -> ``"Police action"``."""
    return kind.replace("_", " ").capitalize()


def source_links(case: Case, source_ids: list[str]) -> str:
    """An HTML list of links to the cited sources (title, publisher, date), escaped."""
    sources = case.sources.set_index("source_id")
    items = []
    for sid in source_ids:
        s = sources.loc[sid]
        when = f", {s['published']}" if isinstance(s["published"], str) and s["published"] else ""
        copy = "; a copy: the publisher's own page was not found" if s.get("read_at") == s["url"] else ""
        items.append(
            f'<li><a href="{html.escape(str(s["url"]))}">{html.escape(str(s["title"]))}</a> '
            f"({html.escape(str(s['publisher']))}{html.escape(when)}{copy})</li>"
        )
    return "<ul>" + "".join(items) + "</ul>"


def investigation_eras(case: Case) -> list[dict]:
    """One era per investigation: body found -> last day of its last missed opportunity."""
    eras = []
    opps = case.opportunities
    for v in each_row(case.victims.sort_values("died_earliest", kind="stable")):  # case.investigations' order
        own = opps[opps["investigation"] == v.victim_id]
        start = v.found_date
        end = max([start, *own["date_latest"]])
        eras.append(
            {
                "start_date": date_object(start),
                "end_date": date_object(end),
                "text": {
                    "headline": html.escape(f"{v.name} investigation"),
                    "text": html.escape(
                        f"From the day his body was found ({start.day} {start:%B %Y}) to the last day "
                        f"of the last of its {len(own)} recorded missed opportunities "
                        f"({end.day} {end:%B %Y})."
                    ),
                },
            }
        )
    return eras


def timeline(case: Case) -> dict:
    """The TimelineJS document for the record: a title slide, one slide per event, an era per investigation."""
    names = dict(zip(case.victims["victim_id"], case.victims["name"]))
    general = case.info.general_group
    events = []
    for e in each_row(case.events):
        text = f"<p>{html.escape(e.summary)}</p>"
        if isinstance(e.notes, str) and e.notes:
            text += f"<p><em>Note:</em> {html.escape(e.notes)}</p>"
        text += "<p>Sources:</p>" + source_links(case, e.source_ids)
        slide = {
            "unique_id": e.event_id,
            "start_date": date_object(e.date_earliest),
            "display_date": display_interval(e.date_earliest, e.date_latest),
            "text": {"headline": html.escape(headline(e.summary)), "text": text},
            "group": names.get(e.victim_id, general) if isinstance(e.victim_id, str) else general,
            "autolink": False,
        }
        if e.date_latest != e.date_earliest:
            slide["end_date"] = date_object(e.date_latest)
        events.append(slide)
    return {
        "title": {
            "text": {
                "headline": html.escape(case.info.title),
                "text": html.escape(
                    f"{len(events)} dated events from the record, each with its public sources. Data: CC BY 4.0."
                ),
            }
        },
        "events": events,
        "eras": investigation_eras(case),
        "scale": "human",
    }


def write_timeline(case: Case, out: Path) -> Path:
    """Write :func:`timeline` as UTF-8 JSON to ``out`` (atomically); return the path."""
    text = json.dumps(timeline(case), ensure_ascii=False, indent=1) + "\n"
    write_atomic(out, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return out
