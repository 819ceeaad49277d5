"""A slow, obviously correct oracle for the interval rules: enumerate every day of every interval.

It must NOT import ``analysis.gaps`` or ``analysis.intervals`` (a shared mistake would pass both;
tests/test_properties.py checks the import). It reads plain rows (``dict`` of ISO date strings, as
the strategies in tests/strategies.py build them) and answers by trying days, nothing cleverer:

- a *world* picks one day from each interval;
- *certainly* = in every world, *possibly* = in some world;
- an opportunity that arose on day ``x`` is followed by a death on day ``t`` when ``t >= x``
  (the same day counts: the order within a day is unknown); it is *before* the death when
  ``x < t``;
- a death on ``t`` is *in the window* of an opportunity that arose on ``x`` and closed on ``y``
  (worlds with ``x <= y`` only) when ``x <= t <= y``; *certainly* needs ``x < t < y`` in every world;
- the *next death* in a world is the first other death on or after ``x``; ``gap`` is its day
  minus ``x``. A gap ``t - x`` with man ``D`` next is achievable when every other man can be put
  on a day before ``x`` or on or after ``t`` (tried day by day).
"""

from __future__ import annotations

from datetime import date, timedelta

ONE = timedelta(days=1)


def days(earliest: str | date, latest: str | date) -> list[date]:
    """Every day from ``earliest`` to ``latest``, both included."""
    first = earliest if isinstance(earliest, date) else date.fromisoformat(earliest)
    last = latest if isinstance(latest, date) else date.fromisoformat(latest)
    out = []
    while first <= last:
        out.append(first)
        first += ONE
    return out


def death_days(victim: dict, basis: str) -> list[date]:
    """The days a man may have died (``death``) or the day he was found (``found``)."""
    if basis == "death":
        return days(victim["died_earliest"], victim["died_latest"])
    return days(victim["found_date"], victim["found_date"])


def arose_days(opportunity: dict) -> list[date]:
    return days(opportunity["date_earliest"], opportunity["date_latest"])


def closed_days(opportunity: dict) -> list[date]:
    return days(opportunity["open_until_earliest"], opportunity["open_until_latest"])


def others(victims: list[dict], opportunity: dict) -> list[dict]:
    return [v for v in victims if v["victim_id"] != opportunity["investigation"]]


# --- next death and the gap ---------------------------------------------------------------------


def next_gaps(opportunity: dict, victims: list[dict], basis: str) -> dict[str, set[int]]:
    """For each man who is the next death in some world, every gap (days) with which he is next."""
    men = {v["victim_id"]: death_days(v, basis) for v in others(victims, opportunity)}
    found: dict[str, set[int]] = {}
    for x in arose_days(opportunity):
        for man, his_days in men.items():
            for t in his_days:
                if t < x:
                    continue
                if all(any(e < x or e >= t for e in other_days) for other, other_days in men.items() if other != man):
                    found.setdefault(man, set()).add((t - x).days)
    return found


def gap(opportunity: dict, victims: list[dict], basis: str) -> tuple[int, int] | None:
    """Shortest and longest gap to the next death over every world; None if no death can follow."""
    every = set().union(*next_gaps(opportunity, victims, basis).values()) if victims else set()
    return (min(every), max(every)) if every else None


def could_follow(opportunity: dict, victim: dict, basis: str) -> bool:
    return any(t >= x for x in arose_days(opportunity) for t in death_days(victim, basis))


def next_death(opportunity: dict, victims: list[dict], basis: str) -> str | None:
    """The man whose death could come first: among those that could follow, the earliest first
    day, then the earliest last day, then the id."""
    can = [v for v in others(victims, opportunity) if could_follow(opportunity, v, basis)]
    if not can:
        return None

    def key(v):
        d = death_days(v, basis)
        return (d[0], d[-1], v["victim_id"])

    return min(can, key=key)["victim_id"]


# --- windows, and before each death --------------------------------------------------------------


def in_window(opportunity: dict, victim: dict, basis: str) -> tuple[bool, bool]:
    """(certainly, possibly) in the window from when the opportunity arose to when it closed."""
    worlds = [
        (x, y, t)
        for x in arose_days(opportunity)
        for y in closed_days(opportunity)
        if x <= y
        for t in death_days(victim, basis)
    ]
    return all(x < t < y for x, y, t in worlds), any(x <= t <= y for x, y, t in worlds)


def before(opportunity: dict, victim: dict, basis: str) -> tuple[bool, bool]:
    """(certainly, possibly) arose before the death."""
    pairs = [(x, t) for x in arose_days(opportunity) for t in death_days(victim, basis)]
    return all(x < t for x, t in pairs), any(x <= t for x, t in pairs)


def days_open(opportunity: dict) -> tuple[int, int]:
    """Fewest and most days from when it arose to when it closed (worlds with arose <= closed)."""
    spans = [(y - x).days for x in arose_days(opportunity) for y in closed_days(opportunity) if x <= y]
    return min(spans), max(spans)


def before_counts(victims: list[dict], opportunities: list[dict], basis: str) -> dict[str, tuple[int, int]]:
    """Per man: how many opportunities in other investigations certainly and possibly arose before his death."""
    out = {}
    for v in victims:
        mine = [before(o, v, basis) for o in opportunities if o["investigation"] != v["victim_id"]]
        out[v["victim_id"]] = (sum(c for c, _ in mine), sum(p for _, p in mine))
    return out


def certainly_before_event(opportunities: list[dict], earliest: str, latest: str) -> int:
    """How many opportunities certainly arose before an event on ``earliest``..``latest``."""
    event = days(earliest, latest)
    return sum(all(x < r for x in arose_days(o) for r in event) for o in opportunities)


# --- cumulative bands ------------------------------------------------------------------------------


def band(intervals: list[tuple[str, str]], day: date) -> tuple[int, int]:
    """(fewest, most) of the intervals that had happened by ``day`` (inclusive), over every world."""
    certain = sum(all(d <= day for d in days(a, b)) for a, b in intervals)
    possible = sum(any(d <= day for d in days(a, b)) for a, b in intervals)
    return certain, possible
