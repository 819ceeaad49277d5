"""Check a notebook's parameters in one place, before anything is drawn or written.

Every notebook's first code cell after its parameters calls :func:`check_parameters` with all of
its parameters. A bad value raises :class:`ParameterError` whose message is one line naming the
parameter, the value given and the values accepted, so ``papermill`` exits non-zero before a
single figure is saved. Lists may be given as lists or as comma-separated strings
(``-p kinds deaths,found``), because that is what ``papermill -p`` passes.

This module belongs to the rules layer: it reads the record's vocabularies and never imports
matplotlib or papermill.

>>> check_parameters(None, basis="found", kinds="deaths, found").kinds
['deaths', 'found']
"""

from __future__ import annotations

import re
from datetime import date, datetime
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from analysis.gaps import BASES, IDENTIFIED_BY
from analysis.load import Case

#: The marks the timeline can draw (``kinds`` of notebook 01).
TIMELINE_KINDS = ("deaths", "found", "opportunities", "arrests", "court")
#: Who can be credited with identifying an opportunity: the ``identified_by`` vocabulary of the schema.
BODIES = ("jury", "coroner", "iopc", "police", "family", "press", "court", "hmicfrs")


class ParameterError(ValueError):
    """A notebook parameter with a value the notebook cannot use; the message is one line."""

    def _render_traceback_(self) -> list[str]:
        # IPython shows this instead of a traceback: the reader needs the one line, not our frames.
        return [f"ParameterError: {self}"]


def _fail(name: str, value: Any, accepted: str) -> ParameterError:
    return ParameterError(f"parameter {name}: {value!r} is not accepted; accepted: {accepted}")


def as_list(name: str, value: Any, allowed: tuple[str, ...], none_ok: bool) -> list[str] | None:
    """A list of strings from a list or a comma-separated string, every item one of ``allowed``.

    >>> as_list("kinds", "deaths,found", TIMELINE_KINDS, none_ok=False)
    ['deaths', 'found']
    """
    accepted = f"a list (or comma-separated string) of {', '.join(allowed)}" + (", or None for all" if none_ok else "")
    if value is None or value == "" or value == []:
        if none_ok:
            return None
        raise _fail(name, value, accepted)
    if isinstance(value, str):
        items = [item.strip() for item in value.split(",")]
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        raise _fail(name, value, accepted)
    bad = [item for item in items if not isinstance(item, str) or item not in allowed]
    if bad:
        raise ParameterError(f"parameter {name}: {', '.join(map(repr, bad))} not accepted; accepted: {accepted}")
    return items


def _choice(name: str, value: Any, allowed: tuple[str, ...], none_ok: bool = False, none_means: str = "") -> str | None:
    if value is None and none_ok:
        return None
    if isinstance(value, str) and value in allowed:
        return value
    raise _fail(name, value, ", ".join(allowed) + (f" (or None {none_means})" if none_ok else ""))


def _date(name: str, value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    raise _fail(name, value, "an ISO date YYYY-MM-DD that exists in the calendar, or None for the whole record")


def _path(name: str, value: Any) -> str:
    if isinstance(value, str) and value.strip():
        return value
    raise _fail(name, value, "a folder path (relative paths are relative to notebooks/)")


def _figure_name(name: str, value: Any) -> str:
    if isinstance(value, str) and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", value):
        return value
    raise _fail(name, value, "a file name without folder or extension, e.g. 'case-timeline'")


def check_parameters(record: Case | Callable[[], Case] | None, **params: Any) -> SimpleNamespace:
    """Check every parameter given; return them normalised (lists as lists, dates as ISO strings) with the case.

    ``record`` is the :class:`Case`, or a function that loads it (called only once every other
    parameter has passed, so a bad ``data_dir`` is reported as a parameter, not as a missing
    folder), or ``None`` when no victim id is to be checked. The case supplies the victim ids for
    ``victim`` and ``investigation`` and is returned as ``.case``. Known names: ``data_dir``,
    ``figures_dir``, ``start``, ``end``, ``kinds``, ``basis``, ``bases``, ``identified_by``,
    ``identified_by_choices``, ``investigation``, ``victim``, ``bodies`` and any ``*_figure``. Raises :class:`ParameterError` (one line) on the
    first bad value, or for a name it does not know.
    """
    out: dict[str, Any] = {}
    deferred = {}
    for name, value in params.items():
        if name.endswith("_dir"):
            out[name] = _path(name, value)
        elif name.endswith("_figure"):
            out[name] = _figure_name(name, value)
        elif name in ("start", "end"):
            out[name] = _date(name, value)
        elif name == "kinds":
            out[name] = as_list(name, value, TIMELINE_KINDS, none_ok=False)
        elif name == "bodies":
            out[name] = as_list(name, value, BODIES, none_ok=True)
        elif name == "basis":
            out[name] = _choice(name, value, BASES)
        elif name == "identified_by":
            out[name] = _choice(name, value, tuple(IDENTIFIED_BY))
        elif name == "bases":
            out[name] = as_list(name, value, BASES, none_ok=False)
        elif name == "identified_by_choices":
            out[name] = as_list(name, value, tuple(IDENTIFIED_BY), none_ok=False)
        elif name in ("victim", "investigation"):
            deferred[name] = value
        else:
            raise ParameterError(
                f"parameter {name}: no such parameter; accepted: data_dir, figures_dir, start, end, "
                "kinds, basis, bases, identified_by, identified_by_choices, investigation, victim, bodies, *_figure"
            )
    if out.get("start") and out.get("end") and out["start"] > out["end"]:
        raise ParameterError(
            f"parameters start, end: the window {out['start']} to {out['end']} is reversed; "
            "accepted: start on or before end"
        )
    case = record() if callable(record) else record
    if deferred and case is None and any(v is not None for v in deferred.values()):
        raise ValueError("check_parameters needs the case to check a victim id")
    victims = tuple(case.victims["victim_id"]) if case is not None else ()
    for name, value in deferred.items():
        out[name] = _choice(name, value, victims, none_ok=True, none_means="for all")
    return SimpleNamespace(case=case, **out)
