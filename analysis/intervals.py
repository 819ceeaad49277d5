"""Every rule over uncertain days, in one place: before, could follow, in a window, gaps, bands.

A date in the record is an *interval of days*: the event happened on one day from ``earliest``
to ``latest``, both included, and nothing says which. Every rule of the analysis is a question
about all the ways those days could fall (every *world*: one day picked from each interval):

- **certainly** means *in every world*; **possibly** means *in at least one world*;
- two things on the **same day** are in unknown order: possibly either way, never certainly.

So, for an opportunity that arose on ``A`` and a death on ``D``:

- ``certainly_before(A, D)``: every day of ``A`` is before every day of ``D``
  (``A.latest < D.earliest``);
- ``could_follow(A, D)`` (= *possibly before*): some day of ``D`` is on or after some day of
  ``A`` (``D.latest >= A.earliest``);
- an opportunity *stood open* from the day it arose (``A``) to the day the chance closed (``C``,
  the record's ``open_until``). A death is **in its window** in a world where
  ``arose <= died <= closed``: ``possibly_in_window`` in some world, ``certainly_in_window`` in
  every world with strict order at both ends (``A.latest < D.earliest`` and
  ``D.latest < C.earliest``).

*In the window* is *before* plus *no later than the close*. Hence, for every pair, certainly in
the window implies certainly before, and possibly in the window implies possibly before; a death
can be certainly before an opportunity closed yet only possibly in its window (when it may have
happened before the opportunity arose), never the other way round.

*Gap to the next death.* In one world, the next death after an opportunity is the first of the
other deaths on or after the day it arose, and the gap is the days between. :func:`gap_range`
gives the shortest and longest gap over every world in which some death follows (``None`` if in
none). When candidate death intervals overlap, the longest gap may run to a different man than
the one whose death could come first.

Worlds in which a chance closed before it arose are impossible and never counted (the loader
refuses an ``open_until`` that starts before ``date_earliest`` or ends before ``date_latest``).

Nothing here knows the case: no names, no ids, no dates. The functions take plain intervals.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

Day = date | datetime | pd.Timestamp


@dataclass(frozen=True, order=True)
class Interval:
    """The days ``earliest`` to ``latest``, both included, on one of which something happened.

    >>> Interval(pd.Timestamp("2001-06-19"), pd.Timestamp("2001-06-26")).days
    8
    """

    earliest: pd.Timestamp
    latest: pd.Timestamp

    def __post_init__(self) -> None:
        object.__setattr__(self, "earliest", _day(self.earliest))
        object.__setattr__(self, "latest", _day(self.latest))
        if self.latest < self.earliest:
            raise ValueError(f"interval runs backwards: {self.earliest:%Y-%m-%d} > {self.latest:%Y-%m-%d}")

    @property
    def days(self) -> int:
        """How many days the interval holds (1 for a day known exactly)."""
        return (self.latest - self.earliest).days + 1

    @classmethod
    def of(cls, earliest: Day, latest: Day | None = None) -> Interval:
        """An interval from two days, or one day when ``latest`` is omitted."""
        return cls(_day(earliest), _day(latest if latest is not None else earliest))


def _day(value: Day) -> pd.Timestamp:
    day = pd.Timestamp(value)
    if pd.isna(day):
        raise ValueError("an interval needs two real days, not a missing date")
    return day.normalize()


def _days(a: pd.Timestamp, b: pd.Timestamp) -> int:
    return int((b - a).days)


# --- order of two intervals ------------------------------------------------------------------


def certainly_before(first: Interval, second: Interval) -> bool:
    """True if ``first`` happened before ``second`` in every world (strictly: not the same day).

    >>> a, b = Interval.of("2001-06-19", "2001-06-26"), Interval.of("2001-06-26")
    >>> certainly_before(a, b), certainly_before(Interval.of("2001-06-19"), b)
    (False, True)
    """
    return first.latest < second.earliest


def could_follow(first: Interval, second: Interval) -> bool:
    """True if ``second`` could have happened on or after ``first`` (*possibly before*, seen from ``first``).

    The same day counts: the order within a day is unknown.

    >>> could_follow(Interval.of("2001-06-20"), Interval.of("2001-06-17", "2001-06-20"))
    True
    """
    return second.latest >= first.earliest


possibly_before = could_follow


# --- a window from the day a chance arose to the day it closed -------------------------------


def possibly_in_window(event: Interval, arose: Interval, closed: Interval) -> bool:
    """True if in some world ``arose <= event <= closed`` (the event fell while the chance stood open).

    >>> possibly_in_window(Interval.of("2001-09-18", "2001-09-20"), Interval.of("2001-09-19"), Interval.of("2002-10-14"))
    True
    """
    return arose.earliest <= event.latest and event.earliest <= closed.latest


def certainly_in_window(event: Interval, arose: Interval, closed: Interval) -> bool:
    """True if in every world ``arose < event < closed`` (strictly inside the window at both ends).

    >>> certainly_in_window(Interval.of("2001-09-18", "2001-09-20"), Interval.of("2001-09-19"), Interval.of("2002-10-14"))
    False
    """
    return arose.latest < event.earliest and event.latest < closed.earliest


def span_range(start: Interval, end: Interval) -> tuple[int, int]:
    """Fewest and most days from a day of ``start`` to a day of ``end`` on or after it.

    Used for how long a chance stood open (from the day it arose to the day it closed). The
    fewest is 0 when the intervals share a day.

    >>> span_range(Interval.of("2001-06-19", "2001-07-31"), Interval.of("2002-03-01", "2002-10-14"))
    (213, 482)
    """
    if end.latest < start.earliest:
        raise ValueError("the end interval lies wholly before the start interval")
    return max(0, _days(start.latest, end.earliest)), _days(start.earliest, end.latest)


# --- the next of several events ---------------------------------------------------------------


def gap_range(start: Interval, candidates: Iterable[Interval]) -> tuple[int, int] | None:
    """Shortest and longest days from ``start`` to the next of ``candidates``, over every world.

    In a world, the next candidate is the first one on or after the day of ``start``. ``None``
    when no candidate could follow ``start`` at all.

    The shortest gap is the least ``candidate.earliest - start.latest`` (0 if they may share a
    day). The longest: on each stretch of days where the same candidates could follow (and the
    same ones *must*, because they cannot have happened before), the gap shrinks as the start
    moves later, so only the first day of each stretch needs trying; there, every candidate
    that may come before the start is put before it and every other at its latest day.

    >>> d = [Interval.of("2001-01-11", "2001-04-13"), Interval.of("2001-01-21", "2001-04-03")]
    >>> gap_range(Interval.of("2001-01-01"), d)  # the first possible is not the longest: 92 days, not 102
    (10, 92)
    """
    start_days = start
    followers = [c for c in candidates if could_follow(start_days, c)]
    if not followers:
        return None
    low = min(max(0, _days(start.latest, c.earliest)) for c in followers)
    trials = {start.earliest}
    for c in followers:
        for edge in (c.earliest, c.latest):
            nxt = edge + pd.Timedelta(days=1)
            if start.earliest < nxt <= start.latest:
                trials.add(nxt)
    high = None
    for day in trials:
        can = [c for c in followers if c.latest >= day]  # may follow a start on `day`
        must = [c for c in can if c.earliest >= day]  # cannot have come before it
        if must:
            value = _days(day, min(c.latest for c in must))
        elif can:
            value = _days(day, max(c.latest for c in can))
        else:
            continue
        high = value if high is None else max(high, value)
    assert high is not None  # start.earliest is always tried, and every follower may follow it
    return low, high


def may_be_next(start: Interval, candidates: Sequence[Interval]) -> list[int]:
    """Indices of the candidates that are the next one after ``start`` in at least one world.

    A candidate on day ``t`` is next after a start on day ``x <= t`` when no other candidate
    must fall in ``x .. t-1``: each other can be put before ``x`` or on or after ``t`` (the same
    day as ``t`` is a tie, and both are next). For each ``t`` the latest possible ``x`` is best.

    >>> may_be_next(Interval.of("2001-09-19"), [Interval.of("2001-09-18", "2001-09-20"), Interval.of("2002-09-13")])
    [0, 1]
    """
    found = []
    for i, c in enumerate(candidates):
        if not could_follow(start, c):
            continue
        day = max(c.earliest, start.earliest)
        while day <= c.latest:
            x = min(start.latest, day)
            if all(o.earliest < x or o.latest >= day for j, o in enumerate(candidates) if j != i):
                found.append(i)
                break
            day += pd.Timedelta(days=1)
    return found


def first_candidate(start: Interval, candidates: Sequence[Interval]) -> int | None:
    """Index of the candidate that could come first after ``start``: the earliest first day of
    those that could follow (ties: earliest last day, then order given); ``None`` if none could.

    >>> first_candidate(Interval.of("2001-06-20"), [Interval.of("2001-06-17", "2001-06-19"), Interval.of("2001-08-25", "2001-08-28")])
    1
    """
    order = sorted((c.earliest, c.latest, i) for i, c in enumerate(candidates) if could_follow(start, c))
    return order[0][2] if order else None


# --- counts that are bands ---------------------------------------------------------------------


def count_band(intervals: Sequence[Interval], days: Iterable[Day]) -> tuple[list[int], list[int]]:
    """For each day: how many of ``intervals`` had certainly and possibly happened by then (inclusive).

    ``certain`` counts those whose latest day is on or before it, ``possible`` those whose
    earliest day is: the lower and upper edges of a cumulative band.

    >>> count_band([Interval.of("2001-06-19", "2001-06-26")], ["2001-06-18", "2001-06-20", "2001-06-26"])
    ([0, 0, 1], [0, 1, 1])
    """
    earliest = sorted(i.earliest for i in intervals)
    latest = sorted(i.latest for i in intervals)
    stamps = [_day(d) for d in days]
    certain = pd.Series(latest, dtype="datetime64[ns]").searchsorted(stamps, side="right")
    possible = pd.Series(earliest, dtype="datetime64[ns]").searchsorted(stamps, side="right")
    return [int(n) for n in certain], [int(n) for n in possible]


def intervals_of(frame: pd.DataFrame, earliest: str, latest: str) -> list[Interval]:
    """The intervals in two columns of a frame, row by row."""
    return [Interval(a, b) for a, b in zip(frame[earliest], frame[latest])]
