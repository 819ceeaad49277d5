"""The figures. One function per figure; each returns a ``Figure`` with ``alt_text`` set.

Figures are built with :class:`matplotlib.figure.Figure` rather than pyplot, so nothing is
kept in global state and a notebook shows each figure once, where the cell returns it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from textwrap import fill, shorten

import matplotlib.dates as mdates
import matplotlib.ticker as mticker
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from analysis.evidence import credit_strengths
from analysis.gaps import Basis, certainly_arisen_before, gap_table
from analysis.intervals import count_band, intervals_of
from analysis.labels import BASIS_WORDS, Labels, filter_title
from analysis.load import Case, each_row
from analysis.params import TIMELINE_KINDS
from analysis.tables import day_range
from analysis.style import DEATH_HATCH, LIGHT, MARKERS, NEUTRAL, WIDTH_IN, house_style, investigation_colours

ONE_DAY = pd.Timedelta(days=1)
#: Shade of the event that ends the series (the final arrest) on every time axis: pale Okabe-Ito yellow, unlike any band of uncertainty.
ARREST_SHADE = "#F7EF99"
#: Days kept free between two marks on one track of a lane, so that their markers never touch and
#: the id written after the first mark (a track shared by several) ends before the next begins.
TRACK_GAP_DAYS = 30

#: The one date rule for missed opportunities, shared by the timeline, the cumulative chart and the
#: open-windows chart; the predicates behind it are in :mod:`analysis.intervals`.
OPPORTUNITY_DATE_RULE = (
    "an opportunity may have first arisen on any day from its date_earliest to its date_latest, "
    "and its chance closed on a day from its open_until_earliest to its open_until_latest: "
    "the timeline draws when it arose (marker on the earliest day), the cumulative chart "
    "counts it as a band from 'if each arose on its earliest day' to 'on its latest day', and "
    "the open-windows chart draws it from when it arose to when it closed"
)


#: A time figure's default ``start``/``end``: the window the data package names (``case.window_start``,
#: ``case.window_end``), or the whole record if it names none.
CASE_WINDOW = "case"

NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def number_words(n: int) -> str:
    """``n`` in words up to ten, else in digits: ``number_words(4) == "four"``."""
    return NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else str(n)


def _window(case: Case, start: str | None, end: str | None) -> tuple[str | None, str | None]:
    """``start``/``end`` with :data:`CASE_WINDOW` replaced by the data package's window."""
    return (
        case.info.window_start if start == CASE_WINDOW else start,
        case.info.window_end if end == CASE_WINDOW else end,
    )


def _finish(fig: Figure, title: str, alt: str, case: Case) -> Figure:
    """Add the title and the case's source line, reserve room for the latter, and attach the alt text."""
    # About nine bold 12-point characters fit in an inch: wrap a longer title rather than cut it off.
    fig.suptitle(fill(title, width=int(fig.get_figwidth() * 9)), x=0.01, ha="left", fontsize=12, fontweight="bold")
    footer = FOOTER_IN / fig.get_figheight()
    # The layout rectangle is (left, bottom, width, height): from the footer up to the top edge, so
    # the title keeps its own room above the axes.
    engine = fig.get_layout_engine()
    if isinstance(engine, ConstrainedLayoutEngine):  # every figure here is drawn with layout="constrained"
        engine.set(rect=(0, footer, 1, 1 - footer))
    fig.text(0.01, 0.3 * footer, case.info.source_line, fontsize=7, color=NEUTRAL, ha="left", va="bottom")
    fig.alt_text = alt  # type: ignore[attr-defined]  # read by analysis.save
    return fig


FOOTER_IN = 0.28  #: inches kept free at the bottom of every figure for the source line


def _legend_below(fig: Figure, handles: list, fontsize: float, **kw) -> None:
    """A legend under the axes, above the source line: a figure legend, which the layout makes room for.

    A legend anchored below the axes moves when the layout shrinks them, so a single layout pass
    can leave it past the figure's edge; a figure legend stays put. Its padding from the bottom
    edge, in font sizes, is the source line's strip.
    """
    fig.legend(
        handles=handles, loc="outside lower center", fontsize=fontsize, borderaxespad=FOOTER_IN * 72 / fontsize, **kw
    )


def _lanes(case: Case) -> list[str]:
    return case.investigations


def pack_tracks(
    starts: Sequence[pd.Timestamp], ends: Sequence[pd.Timestamp], gap_days: int = TRACK_GAP_DAYS
) -> list[int]:
    """Give each interval a track (0, 1, ...) so that no two on one track overlap or come within ``gap_days``.

    Intervals are placed in the order given, each on the lowest free track, so marks that share a
    date are stacked rather than drawn over one another.

    >>> d = pd.Timestamp
    >>> pack_tracks([d("2001-03-01"), d("2001-03-01"), d("2001-05-14")], [d("2001-03-01"), d("2001-03-12"), d("2001-05-14")])
    [0, 1, 0]
    """
    track_ends: list[pd.Timestamp] = []
    tracks = []
    for start, end in zip(starts, ends):
        free = [i for i, last in enumerate(track_ends) if (start - last).days > gap_days]
        track = free[0] if free else len(track_ends)
        if track == len(track_ends):
            track_ends.append(end)
        else:
            track_ends[track] = end
        tracks.append(track)
    return tracks


def _mark_series_end(case: Case, ax, label: bool) -> None:
    """Shade the days of the event that ends the series (an interval) on a time axis; label it above the panel."""
    arrest = case.series_end_event
    ax.axvspan(arrest["date_earliest"], arrest["date_latest"] + ONE_DAY, color=ARREST_SHADE, lw=0, zorder=0)
    if label:
        ax.annotate(
            f"{case.info.series_end_caption},\n{day_range(arrest['date_earliest'], arrest['date_latest'])}",
            (arrest["date_earliest"], 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(-3, 2),
            textcoords="offset points",
            ha="right",
            va="bottom",
            fontsize=7,
            color=NEUTRAL,
            annotation_clip=False,
        )


def _clip(days: pd.Series, lower: Any = None, upper: Any = None) -> pd.Series:
    """``days.clip(lower, upper)`` for a column of dates (pandas' stubs type the bounds as numbers only)."""
    return days.clip(lower=lower, upper=upper)


def _time_axis(ax) -> None:
    ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 4, 7, 10)))
    ax.xaxis.set_minor_locator(mdates.MonthLocator())
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))


def timeline(
    case: Case, start: str | None = CASE_WINDOW, end: str | None = CASE_WINDOW, kinds: Sequence[str] = TIMELINE_KINDS
) -> Figure:
    """The case on one time axis: a lane per investigation, and one for the arrests, charges and courts.

    Deaths are hatched spans over the days they may have happened. Each missed opportunity is its
    own mark: a line over the days on which it may have arisen, with a triangle on the earliest
    (see :data:`OPPORTUNITY_DATE_RULE`); opportunities of one lane sit on separate tracks, labelled
    with their ids, so every row is counted once. ``kinds`` picks which marks to draw from
    :data:`TIMELINE_KINDS`; ``start``/``end`` (ISO dates, ``None`` for the whole record, or
    :data:`CASE_WINDOW`, the default) set the window. The event that ends the series is shaded.
    """
    start, end = _window(case, start, end)
    hue = investigation_colours(case.investigations)
    unknown = set(kinds) - set(TIMELINE_KINDS)
    if unknown:
        raise ValueError(f"unknown kinds {sorted(unknown)}; choose from {', '.join(TIMELINE_KINDS)}")
    lanes = _lanes(case)
    ev = case.events
    lo = pd.Timestamp(start if start else min(ev["date_earliest"].min(), case.victims["died_earliest"].min()))
    hi = pd.Timestamp(end if end else max(ev["date_latest"].max(), case.victims["found_date"].max()))
    overlaps = lambda a, b: (b >= lo) & (a <= hi)  # noqa: E731  # interval [a, b] meets the window

    opps = case.opportunities
    opps = opps[overlaps(opps["date_earliest"], opps["date_latest"])] if "opportunities" in kinds else opps.iloc[0:0]
    proc_kinds = {"arrests": ("arrest",), "court": ("charge", "court", "release")}
    proc_marks = [k for kind in ("arrests", "court") if kind in kinds for k in proc_kinds[kind]]
    proc = ev[ev["kind"].isin(proc_marks) & overlaps(ev["date_earliest"], ev["date_latest"])]
    proc = proc.sort_values(["date_earliest", "date_latest", "event_id"], kind="stable")

    # Lay the lanes out from the top: each lane has its baseline (death, body found) and above it one
    # track per group of opportunities that do not touch in time.
    step, lane_gap = 0.42, 0.75
    y, ticks, minor, lane_of = 0.0, [], [], {}
    track_y: dict[str, float] = {}
    shared: set[str] = set()
    for v in lanes:
        own = opps[opps["investigation"] == v].sort_values(
            ["date_earliest", "date_latest", "opportunity_id"], kind="stable"
        )
        tracks = pack_tracks(list(own["date_earliest"]), list(own["date_latest"]))
        n = max(tracks, default=-1) + 1
        top = y
        for oid, t in zip(own["opportunity_id"], tracks):
            track_y[oid] = top - (n - 1 - t) * step
        base = top - n * step
        lane_of[v] = base
        ticks.append(base)
        for t in range(n):
            on_track = [o for o, tt in zip(own["opportunity_id"], tracks) if tt == t]
            # A track holding several opportunities gets no axis label: each is labelled beside its own mark.
            minor.append((top - (n - 1 - t) * step, on_track[0] if len(on_track) == 1 else ""))
            shared.update(on_track if len(on_track) > 1 else [])
        y = base - lane_gap - step
    proc_tracks = pack_tracks(list(proc["date_earliest"]), list(proc["date_latest"]))
    n_proc = max(proc_tracks, default=0) + 1
    proc_base = y - (n_proc - 1) * step
    proc_y = [proc_base + t * step for t in proc_tracks]

    handles: list[Artist] = []
    with house_style():
        height = 1.9 + 0.2 * (len(track_y) + len(lanes) + n_proc) + 0.25 * len(lanes)
        fig = Figure(figsize=(WIDTH_IN, max(4.6, height)), layout="constrained")
        ax = fig.add_subplot()
        _mark_series_end(case, ax, label=True)
        for v in lanes:
            ax.axhline(lane_of[v], color=LIGHT, lw=0.6, zorder=0)
        victims = case.victims.set_index("victim_id")
        died = {r.victim_id: (r.died_earliest, r.died_latest) for r in each_row(case.victims)}
        if "deaths" in kinds:
            for v in lanes:
                d0, d1 = died[v]
                if d1 >= lo and d0 <= hi:
                    ax.barh(
                        lane_of[v],
                        (d1 + ONE_DAY - d0).days,
                        left=d0,
                        height=0.32,
                        color="white",
                        edgecolor=hue[v],
                        hatch=DEATH_HATCH,
                        lw=1.2,
                        zorder=2,
                    )
            handles.append(
                Patch(
                    facecolor="white", edgecolor=NEUTRAL, hatch=DEATH_HATCH, label="Death (days it may have happened)"
                )
            )
        if "found" in kinds:
            found = victims[(victims["found_date"] >= lo) & (victims["found_date"] <= hi)]
            ax.scatter(
                found["found_date"],
                [lane_of[v] for v in found.index],
                marker=MARKERS["found"],
                s=60,
                color="black",
                zorder=4,
            )
            handles.append(Line2D([], [], ls="", marker=MARKERS["found"], color="black", ms=8, label="Body found"))
        if len(opps):
            ys = [track_y[o] for o in opps["opportunity_id"]]
            colours = [hue[v] for v in opps["investigation"]]
            first = _clip(opps["date_earliest"], lower=lo)
            last = _clip(opps["date_latest"], upper=hi) + ONE_DAY
            ax.hlines(ys, first, last, colors=colours, lw=2.4, zorder=3)
            ax.scatter(
                first,
                ys,
                marker=MARKERS["opportunity"],
                s=36,
                facecolor=colours,
                edgecolor="black",
                lw=0.6,
                zorder=5,
                gid="opportunity-marks",
            )
            for oid, yy, last_day in zip(opps["opportunity_id"], ys, last):
                if oid in shared:
                    ax.annotate(
                        oid,
                        (last_day, yy),
                        xytext=(4, 0),
                        textcoords="offset points",
                        ha="left",
                        va="center",
                        fontsize=6,
                        color=NEUTRAL,
                    )
        if "opportunities" in kinds:
            handles.append(
                Line2D(
                    [0, 1],
                    [0, 0],
                    color=NEUTRAL,
                    lw=2.4,
                    marker=MARKERS["opportunity"],
                    mfc=LIGHT,
                    mec="black",
                    ms=7,
                    markevery=[0],
                    label=f"Missed opportunity ({len(opps)}): from the earliest to the latest day it may have arisen",
                )
            )
        for kind, marks, label in (
            ("arrests", ("arrest",), "Arrest"),
            ("court", ("charge", "court", "release"), "Charge, court or release"),
        ):
            if kind not in kinds:
                continue
            pick = proc["kind"].isin(marks).to_numpy()
            rows = proc[pick]
            ry = [yy for yy, keep in zip(proc_y, pick) if keep]
            ax.hlines(
                ry,
                _clip(rows["date_earliest"], lower=lo),
                _clip(rows["date_latest"], upper=hi) + ONE_DAY,
                colors="black",
                lw=1.2,
                zorder=3,
            )
            marker = MARKERS["arrest"] if kind == "arrests" else MARKERS["court"]
            ax.scatter(
                _clip(rows["date_earliest"], lower=lo),
                ry,
                marker=marker,
                s=36,
                facecolor="white" if kind == "court" else "black",
                edgecolor="black",
                zorder=4,
            )
            handles.append(
                Line2D(
                    [],
                    [],
                    ls="",
                    marker=marker,
                    mfc="white" if kind == "court" else "black",
                    mec="black",
                    ms=7,
                    label=label,
                )
            )
        handles.append(Patch(facecolor=ARREST_SHADE, label=f"{case.info.series_end_title} (days it may have happened)"))
        ax.set_yticks(
            ticks + [proc_base], [f"{case.victim_name(v)} investigation" for v in lanes] + [case.info.proceedings_lane]
        )
        for tick, v in zip(ax.get_yticklabels(), lanes):
            tick.set_color(hue[v])
        ax.set_yticks([m for m, _ in minor], [label for _, label in minor], minor=True, fontsize=6, color=NEUTRAL)
        ax.tick_params(axis="y", which="minor", length=2)
        ax.set_ylim(proc_base - 0.6, 0.45)
        ax.set_xlim(lo - 7 * ONE_DAY, hi + 7 * ONE_DAY)  # type: ignore[arg-type]  # dates: matplotlib converts them
        _time_axis(ax)
        ax.set_xlabel("Date")
        ax.set_ylabel("Investigation (small labels: the opportunities on each track)")
        _legend_below(fig, handles, ncol=2, fontsize=8)
        arrest = case.series_end_event
        alt = (
            f"Timeline from {lo:%d %B %Y} to {hi:%d %B %Y} with one lane per police investigation "
            f"({', '.join(case.victim_name(v) for v in lanes)}) and one for the arrests, charges and court dates. "
            f"Hatched spans show the days in which each man may have died, crosses when his body was found, "
            f"and {len(opps)} lines, each starting with a triangle, the days on which each missed opportunity may "
            f"have arisen, one per row of the record, each on its own track labelled with its id. A shaded band "
            f"marks {case.info.series_end_label}, {day_range(arrest['date_earliest'], arrest['date_latest'])}."
        )
        count = number_words(len(lanes))
        return _finish(
            fig, f"{count.capitalize()} deaths, {count} investigations: every missed opportunity in time", alt, case
        )


def gap_chart(
    case: Case, basis: Basis = "death", identified_by: str = "all", investigation: str | None = None
) -> Figure:
    """One floating bar per missed opportunity: from the shortest to the longest possible gap to the next death.

    The two dates are intervals, so the gap is a range of days (``gap_days_min`` to
    ``gap_days_max``); the bar spans exactly that range and never starts at zero unless the
    shortest possible gap is zero. A gap known to the day is a diamond. The label gives the range.
    """
    gaps = gap_table(case, basis=basis, identified_by=identified_by, investigation=investigation)
    order = {v: i for i, v in enumerate(_lanes(case))}
    hue = investigation_colours(case.investigations)
    gaps = gaps.assign(_lane=gaps["investigation"].map(order)).sort_values(
        ["_lane", "date_earliest", "opportunity_id"], kind="stable"
    )
    missed = case.opportunities.set_index("opportunity_id")["missed"]
    target = BASIS_WORDS[basis]["target"]  # gap_table has refused an unknown basis
    with house_style():
        fig = Figure(figsize=(WIDTH_IN, max(3.2, 1.6 + 0.27 * len(gaps))), layout="constrained")
        ax = fig.add_subplot()
        ys = list(range(len(gaps)))[::-1]
        top = float(gaps["gap_days_max"].max()) if gaps["gap_days_max"].notna().any() else 1.0
        followed = [(yy, row) for yy, row in zip(ys, each_row(gaps)) if not pd.isna(row.next_death)]
        for yy, row in zip(ys, each_row(gaps)):
            if pd.isna(row.next_death):
                ax.text(0, yy, " no later death", va="center", fontsize=7, color=NEUTRAL)
        if followed:
            # One bar call for all rows: far cheaper to draw than one per row.
            ax.barh(
                [yy for yy, _ in followed],
                [int(r.gap_days_max) - int(r.gap_days_min) for _, r in followed],
                left=[int(r.gap_days_min) for _, r in followed],
                height=0.62,
                color=[hue[r.investigation] for _, r in followed],
                edgecolor="black",
                lw=0.4,
            )
            exact = [(yy, r) for yy, r in followed if r.gap_days_min == r.gap_days_max]
            if exact:
                ax.scatter(
                    [int(r.gap_days_min) for _, r in exact],
                    [yy for yy, _ in exact],
                    marker="D",
                    s=30,
                    facecolor=[hue[r.investigation] for _, r in exact],
                    edgecolor="black",
                    lw=0.6,
                    zorder=3,
                )
        for yy, row in followed:
            days = (
                f"{row.gap_days_min}"
                if row.gap_days_min == row.gap_days_max
                else f"{row.gap_days_min}–{row.gap_days_max}"
            )
            # Offset in points, so the label clears a diamond as well as a bar's end.
            nexts = "/".join(name.split()[-1] for name in row.next_deaths_names.split(" or "))
            ax.annotate(
                f"{days} days to {nexts}",
                (float(row.gap_days_max), yy),
                xytext=(7, 0),
                textcoords="offset points",
                va="center",
                fontsize=7,
            )
        labels = [
            f"{row.opportunity_id}: {shorten(str(missed[row.opportunity_id]), 52, placeholder='…')}"
            for row in each_row(gaps)
        ]
        ax.set_yticks(ys, labels, fontsize=7)
        for tick, v in zip(ax.get_yticklabels(), gaps["investigation"]):
            tick.set_color(hue[v])
        # Room on the right for the longest bar's label, and no tick past the end of the axis.
        ax.set_xlim(0, top * 1.55)
        ax.set_xticks([t for t in ax.get_xticks() if 0 <= t <= top * 1.5])
        ax.set_ylim(-0.8, len(gaps) + 0.2)
        basis_words = "the days each man may have died" if basis == "death" else "the day each body was found"
        ax.set_xlabel(
            f"Days from the missed opportunity to the {target}\n"
            "(bar: shortest to longest gap the dates allow; diamond: known to the day)"
        )
        ax.set_ylabel("Missed opportunity")
        if followed:
            # Below the axes, where it can cover no bar or label whichever opportunities are shown.
            _legend_below(
                fig,
                [
                    Patch(facecolor=hue[v], edgecolor="black", label=f"{case.victim_name(v)} investigation")
                    for v in _lanes(case)
                    if v in {r.investigation for _, r in followed}
                ],
                ncol=3,
                fontsize=7,
            )
        shown = gaps.dropna(subset=["gap_days_min"])
        alt = (
            f"Range chart of {len(gaps)} missed opportunities, grouped by investigation. Each bar floats from the "
            f"shortest to the longest possible number of days from the opportunity to the {target}, measured to "
            f"{basis_words}, and is labelled with that range. "
            f"{len(shown)} were followed by another death; the gaps range from {shown['gap_days_min'].min()} "
            f"to {shown['gap_days_max'].max()} days."
            if len(shown)
            else "No opportunity was followed by another death."
        )
        scope = f" {filter_title(identified_by)}," if filter_title(identified_by) else ""
        if investigation:
            scope += f" ({case.victim_name(investigation)} investigation)"
        return _finish(fig, f"How long the police had: each missed opportunity{scope} to the {target}", alt, case)


#: Column labels for the ``identified_by`` vocabulary, in the schema's order.
BODY_LABELS = {
    "jury": "Inquest jury",
    "coroner": "Coroner",
    "iopc": "IPCC/IOPC",
    "police": "Police",
    "family": "Families",
    "press": "Press",
    "court": "Courts",
    "hmicfrs": "HMICFRS",
}


def findings_matrix(case: Case, bodies: Sequence[str] | None = None, investigation: str | None = None) -> Figure:
    """Missed opportunities (rows) against the bodies that identified each one (columns).

    A filled square is an attribution that names the failing: an official body's finding that
    names it explicitly, or a police, family or press attribution. A hatched square is an
    official body credited only through a general finding that covers it (``findings.link``).
    """
    bodies = (
        list(bodies)
        if bodies
        else [b for b in BODY_LABELS if case.opportunities["identified_by"].map(lambda n, b=b: b in n).any()]
    )
    strengths = credit_strengths(case)
    order = {v: i for i, v in enumerate(_lanes(case))}
    hue = investigation_colours(case.investigations)
    opps = case.opportunities
    if investigation:
        opps = opps[opps["investigation"] == investigation]
    opps = opps.assign(_lane=opps["investigation"].map(order)).sort_values(
        ["_lane", "date_earliest", "opportunity_id"], kind="stable"
    )
    with house_style():
        fig = Figure(figsize=(WIDTH_IN, 1.9 + 0.24 * max(len(opps), 1)), layout="constrained")
        ax = fig.add_subplot()
        ys = list(range(len(opps)))[::-1]
        cells = [
            (
                x,
                yy,
                body in row.identified_by,
                strengths.get(row.opportunity_id, {}).get(body) == "general",
                row.investigation,
            )
            for yy, row in zip(ys, each_row(opps))
            for x, body in enumerate(bodies)
        ]
        empty = [(x, yy) for x, yy, hit, _, _ in cells if not hit]
        filled = [(x, yy, v) for x, yy, hit, general, v in cells if hit and not general]
        general = [(x, yy, v) for x, yy, hit, is_general, v in cells if hit and is_general]
        # One scatter call per kind of square (empty, filled, hatched) rather than one per cell keeps drawing cheap.
        if empty:
            ex, ey = zip(*empty)
            ax.scatter(ex, ey, marker="s", s=70, facecolor="white", edgecolor=LIGHT, lw=0.6)
        if filled:
            xs, fy, owners = zip(*filled)
            ax.scatter(xs, fy, marker="s", s=70, facecolor=[hue[v] for v in owners], edgecolor="black", lw=0.6)
        if general:
            xs, gy, owners = zip(*general)
            ax.scatter(
                xs, gy, marker="s", s=70, facecolor="white", edgecolor=[hue[v] for v in owners], lw=1.0, hatch="/////"
            )
        counts = {b: int(opps["identified_by"].map(lambda named, b=b: b in named).sum()) for b in bodies}
        words = Labels(case)  # the identified_by vocabulary's labels, from the data package
        ax.set_xticks(range(len(bodies)), [f"{words.body(b)}\n({counts[b]})" for b in bodies])
        ax.xaxis.tick_top()
        ax.set_yticks(
            ys,
            [f"{r.opportunity_id}: {shorten(str(r.missed), 60, placeholder='…')}" for r in each_row(opps)],
            fontsize=7,
        )
        for tick, v in zip(ax.get_yticklabels(), opps["investigation"]):
            tick.set_color(hue[v])
        ax.set_xlim(-0.6, len(bodies) - 0.4)
        ax.set_ylim(-0.7, len(opps) - 0.3)
        ax.set_xlabel("Who identified it (number of opportunities)")
        ax.set_ylabel("Missed opportunity")
        _legend_below(
            fig,
            [
                Patch(facecolor=NEUTRAL, edgecolor="black", label="names the failing"),
                Patch(facecolor="white", edgecolor=NEUTRAL, hatch="/////", label="official body, general finding only"),
            ],
            ncol=2,
            fontsize=7,
        )
        listed = ", ".join(f"{words.body(b)} {counts[b]}" for b in bodies)
        alt = (
            f"Grid of {len(opps)} missed opportunities (rows, grouped by investigation) against who identified them "
            f"(columns). A filled square means that body identified it in terms that name the failing; a hatched square "
            f"({len(general)} of them) means an official body is credited only through a general finding that covers it. "
            f"Counts: {listed}."
        )
        return _finish(fig, "Who identified each missed opportunity", alt, case)


def cumulative_chart(case: Case, start: str | None = CASE_WINDOW, end: str | None = CASE_WINDOW) -> Figure:
    """Missed opportunities and deaths accumulating over time, with the event that ends the series shaded.

    Both counts are bands, because both kinds of date are intervals: the upper edge counts each
    opportunity (death) from its earliest possible day, the lower edge from its latest — the rule
    :data:`OPPORTUNITY_DATE_RULE` that the timeline draws too. ``start``/``end`` as in :func:`timeline`.
    """
    start, end = _window(case, start, end)
    hue = investigation_colours(case.investigations)
    lo = (
        pd.Timestamp(start)
        if start
        else min(case.opportunities["date_earliest"].min(), case.victims["died_earliest"].min())
    )
    hi = pd.Timestamp(end) if end else case.series_end
    days = pd.date_range(lo, hi, freq="D")
    opps = case.opportunities
    arisen = intervals_of(opps, "date_earliest", "date_latest")
    o_late, o_early = count_band(arisen, days)
    v = case.victims
    late, early = count_band(intervals_of(v, "died_earliest", "died_latest"), days)
    arrest = case.series_end
    with house_style():
        fig = Figure(figsize=(WIDTH_IN, 5.6), layout="constrained")
        top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(3, 2))
        for ax, hi_n, lo_n, what in ((top, o_early, o_late, "arose"), (bottom, early, late, "died")):
            _mark_series_end(case, ax, label=ax is top)
            ax.fill_between(
                days,
                lo_n,
                hi_n,
                step="post",
                color=LIGHT,
                hatch=DEATH_HATCH,
                edgecolor=NEUTRAL,
                lw=0,
                label="uncertain: between the two",
            )
            ax.step(
                days,
                hi_n,
                where="post",
                color="black",
                lw=1.2,
                ls="--",
                label=f"if each {what} on its earliest possible day"
                if what == "arose"
                else "if each died on his earliest possible day",
            )
            ax.step(
                days,
                lo_n,
                where="post",
                color="black",
                lw=1.2,
                label=f"if each {what} on its latest possible day"
                if what == "arose"
                else "if each died on his latest possible day",
            )
            # Anchored just left of the arrest band, so the band never runs through the legend.
            ax.legend(
                loc="lower right",
                fontsize=7,
                bbox_transform=ax.get_xaxis_transform(),
                bbox_to_anchor=(mdates.date2num(case.series_end_event["date_earliest"]), 0),
            )
        top.yaxis.set_major_locator(mticker.MaxNLocator(integer=True, steps=[1, 2, 5, 10]))  # counts: whole numbers
        top.set_ylabel("Missed opportunities\n(cumulative)")
        bottom.set_ylabel("Deaths\n(cumulative)")
        bottom.set_yticks(range(0, len(v) + 1))
        bottom.set_ylim(-0.2, len(v) + 0.6)
        # Each name sits left of its step, half a level up: beside the line, never on it.
        for k, row in enumerate(each_row(v.sort_values("died_earliest", kind="stable")), start=1):
            if lo <= row.died_earliest <= hi:
                bottom.annotate(
                    row.name.split()[-1],
                    (row.died_earliest, k - 0.5),
                    xytext=(-4, 0),
                    textcoords="offset points",
                    ha="right",
                    va="center",
                    fontsize=7,
                    color=hue.get(row.victim_id, NEUTRAL),
                )
        _time_axis(bottom)
        bottom.set_xlabel("Date")
        first = certainly_arisen_before(case, case.series_end_event)
        alt = (
            f"Two stacked step charts from {lo:%B %Y} to {hi:%B %Y}, each a band because the dates are intervals. "
            f"Top: missed opportunities accumulate to between {int(o_late[-1])} and {int(o_early[-1])} by the end "
            f"of the window ({first} had certainly arisen before {case.info.series_end_label}, shaded, on "
            f"{day_range(case.series_end_event['date_earliest'], arrest)}). Bottom: deaths accumulate to "
            f"{int(late[-1])}, drawn between each man's earliest and latest possible day of death."
        )
        return _finish(fig, "Missed opportunities kept accumulating while the deaths went on", alt, case)


#: Every figure the project publishes, by file name: the CLI and the notebooks share this.
FIGURES: dict[str, Callable[[Case], Figure]] = {
    "case-timeline": timeline,
    "gaps-to-next-death": gap_chart,
    "findings-matrix": findings_matrix,
    "opportunities-and-deaths-over-time": cumulative_chart,
}


# --- open windows, and kinds of failing (issue #11) -----------------------------------------


def open_windows_chart(
    case: Case, basis: Basis = "death", identified_by: str = "all", investigation: str | None = None
) -> Figure:
    """Each missed opportunity as the window it stood open in, from the day it arose to the day its
    chance closed (``open_until``), against the deaths.

    A thick bar (with a dot at its start, so a one-day interval still shows) is the interval in
    which it arose; the thin line continues to the last day on which it may have closed
    (``open_until_latest``). Hatched bands are the days each man may
    have died (``basis="death"``) or the day he was found (``"found"``); the grey band is the
    arrest. The label at the right counts the deaths certainly and possibly in the window
    (:func:`analysis.gaps.deaths_in_window`).
    """
    from analysis.gaps import death_windows

    gaps = gap_table(case, basis=basis, identified_by=identified_by, investigation=investigation)
    order = {v: i for i, v in enumerate(_lanes(case))}
    gaps = gaps.assign(_lane=gaps["investigation"].map(order)).sort_values(
        ["_lane", "date_earliest", "date_latest", "opportunity_id"], kind="stable"
    )
    hue = investigation_colours(case.investigations)
    missed = case.opportunities.set_index("opportunity_id")["missed"]
    arrest = case.series_end_event
    deaths = death_windows(case, basis)
    first_day = min(case.opportunities["date_earliest"].min(), deaths["earliest"].min())
    lo = pd.Timestamp(case.info.window_start) if case.info.window_start else first_day - 14 * ONE_DAY
    hi = arrest["date_latest"] + 20 * ONE_DAY
    with house_style():
        fig = Figure(figsize=(WIDTH_IN, max(3.4, 2.0 + 0.27 * len(gaps))), layout="constrained")
        ax = fig.add_subplot()
        ys = list(range(len(gaps)))[::-1]
        # Each death band is labelled with the man's name above the axes, clear of every band, in two
        # staggered rows with a tick down to his band (deaths weeks apart do not collide); the arrest
        # band is in the legend, so no label runs into it.
        for i, d in enumerate(each_row(deaths.sort_values("earliest", kind="stable"))):
            ax.axvspan(
                d.earliest,
                d.latest + ONE_DAY,
                facecolor=(hue[d.victim_id], 0.35),
                edgecolor=hue[d.victim_id],
                hatch=DEATH_HATCH,
                lw=0.8,
                zorder=0,
            )
            _band_label(ax, d.earliest, d.name.split()[-1], row=i % 2, color=hue[d.victim_id])
        ax.axvspan(arrest["date_earliest"], arrest["date_latest"] + ONE_DAY, color=LIGHT, lw=0, zorder=0)
        colours = [hue[v] for v in gaps["investigation"]]
        start = list(gaps["date_earliest"])
        own_end = [e + ONE_DAY for e in gaps["date_latest"]]
        # One call per series: thin windows, thick own intervals, start dots.
        # Open for certain until the first day it may have closed (solid), then dotted over the days it may have.
        ax.hlines(ys, start, list(gaps["open_until_earliest"]), colors=colours, lw=1.0, zorder=2)
        ax.hlines(
            ys,
            list(gaps["open_until_earliest"]),
            [e + ONE_DAY for e in gaps["open_until_latest"]],
            colors=colours,
            lw=1.0,
            linestyles=":",
            zorder=2,
        )
        ax.hlines(ys, start, own_end, colors=colours, lw=5.0, zorder=3)
        ax.scatter(start, ys, marker="o", s=18, facecolor=colours, edgecolor="black", lw=0.6, zorder=4)
        for yy, row in zip(ys, each_row(gaps)):
            certain = len(row.deaths_in_window_certain.split(";")) if row.deaths_in_window_certain else 0
            possible = len(row.deaths_in_window_possible.split(";")) if row.deaths_in_window_possible else 0
            if possible:
                label = f"{certain} certain, {possible} possible"
            else:  # a later death that came only after the chance had closed is not one "while open"
                label = "no later death while open" if isinstance(row.next_death, str) else "no later death"
            ax.text(hi, yy, f" {label}", va="center", fontsize=7, color="black" if possible else NEUTRAL)
        labels = [
            f"{row.opportunity_id}: {shorten(str(missed[row.opportunity_id]), 46, placeholder='…')}"
            for row in each_row(gaps)
        ]
        ax.set_yticks(ys, labels, fontsize=7)
        for tick, v in zip(ax.get_yticklabels(), gaps["investigation"]):
            tick.set_color(hue[v])
        ax.set_ylim(-0.8, len(gaps) - 0.2)  # the band labels are above the axes: no room kept for them inside
        ax.set_xlim(lo, hi)  # type: ignore[arg-type]  # dates: matplotlib converts them
        ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 4, 7, 10)))
        ax.xaxis.set_minor_locator(mdates.MonthLocator())
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
        band = "the days each man may have died" if basis == "death" else "the day each body was found"
        ax.set_xlabel(f"Date (hatched: {band}; grey: {case.info.series_end_label})")
        ax.set_ylabel("Missed opportunity")
        _legend_below(
            fig,
            [
                Line2D(
                    [],
                    [],
                    color=NEUTRAL,
                    lw=5,
                    marker="o",
                    mfc=NEUTRAL,
                    mec="black",
                    label="the days it may have arisen (dot: earliest)",
                ),
                Line2D([], [], color=NEUTRAL, lw=1, label="left open until the chance closed"),
                Line2D([], [], color=NEUTRAL, lw=1, ls=":", label="the days it may have closed"),
                Patch(
                    facecolor="white",
                    edgecolor=NEUTRAL,
                    hatch=DEATH_HATCH,
                    label="death (named above)" if basis == "death" else "body found (named above)",
                ),
                Patch(facecolor=LIGHT, label=case.info.series_end_title),
            ],
            ncol=3,
            fontsize=7,
        )
        n_open = int((gaps["deaths_in_window_possible"] != "").sum())
        counts = gaps["deaths_in_window_possible"].map(lambda s: len(s.split(";")) if s else 0)
        most = int(counts.max()) if len(counts) else 0
        n_most = int(counts.eq(most).sum())
        alt = (
            f"Chart of {len(gaps)} missed opportunities, one row each, grouped by investigation. Each is a line from "
            f"the earliest day it may have arisen to the last day on which its chance may have closed, with the "
            f"days on which it arose drawn thicker, over "
            f"hatched bands for {band}. {n_open} of them stood open while at least one later death may have "
            f"happened; {n_most} while {most} later deaths may have happened, the most for any row. The label at the right of each "
            f"row counts the deaths certainly and possibly inside its window."
        )
        scope = f" ({filter_title(identified_by)})" if filter_title(identified_by) else ""
        if investigation:
            scope += f" ({case.victim_name(investigation)} investigation)"
        return _finish(fig, f"Missed opportunities{scope} stayed open while the later deaths happened", alt, case)


def _band_label(ax, x: pd.Timestamp, text: str, row: int, color: str) -> None:
    """Label a vertical band above the axes, on ``row`` (0 nearest the axes), its text starting at
    the band with a tick from the text's left end down to it."""
    ax.annotate(
        text,
        (x, 1.0),
        xycoords=("data", "axes fraction"),
        xytext=(0, 3 + 10 * row),
        textcoords="offset points",
        ha="left",
        va="bottom",
        fontsize=7,
        color=color,
        fontweight="bold",
        annotation_clip=False,
        arrowprops={"arrowstyle": "-", "color": color, "lw": 0.8, "shrinkA": 0, "shrinkB": 0, "relpos": (0, 0)},
    )


def kinds_chart(
    case: Case, column: str = "category", identified_by: str = "all", investigation: str | None = None
) -> Figure:
    """Opportunities by ``column`` (``"category"`` or ``"unit"``) and investigation: one square per
    opportunity in each of its values, labelled with its id.

    A filled square is an opportunity with that one value; an open square one that spans two (it
    appears in both rows). Counts are in the row and column labels.
    """
    from analysis.kinds import kind_table

    table = kind_table(case, column, identified_by, investigation)
    hue = investigation_colours(case.investigations)
    multi = case.opportunities.set_index("opportunity_id")[column].map(len).gt(1)
    values = list(dict.fromkeys(table["value"]))
    lanes = list(dict.fromkeys(table["investigation"]))
    per_row = 4  # squares side by side in a cell; more wrap onto another line of the same cell
    lines = {v: max(1, -(-int(table.loc[table["value"] == v, "n"].max()) // per_row)) for v in values}
    y, bottom = {}, 0.0
    for v in reversed(values):  # first value at the top; each value as tall as its fullest cell
        y[v] = bottom + 0.55 * (lines[v] - 1) / 2
        bottom += 0.45 + 0.55 * lines[v]
    with house_style():
        fig = Figure(figsize=(WIDTH_IN, 2.0 + 0.42 * bottom), layout="constrained")
        ax = fig.add_subplot()
        step = 0.8 / per_row
        marks = []
        for row in each_row(table):
            ids = [o for o in row.opportunity_ids.split(";") if o]
            for i, oid in enumerate(ids):
                x = lanes.index(row.investigation) - 0.4 + step * (i % per_row + 0.5)
                marks.append(
                    (x, y[row.value] + 0.55 * ((lines[row.value] - 1) / 2 - i // per_row), oid, row.investigation)
                )
        single = [m for m in marks if not multi[m[2]]]
        double = [m for m in marks if multi[m[2]]]
        if single:
            ax.scatter(
                [m[0] for m in single],
                [m[1] for m in single],
                marker="s",
                s=60,
                facecolor=[hue[m[3]] for m in single],
                edgecolor="black",
                lw=0.6,
            )
        if double:
            ax.scatter(
                [m[0] for m in double],
                [m[1] for m in double],
                marker="s",
                s=60,
                facecolor="white",
                edgecolor=[hue[m[3]] for m in double],
                lw=1.6,
            )
        for x, yy, oid, _ in marks:
            ax.annotate(
                oid.removeprefix("op-"),
                (x, yy),
                xytext=(0, -7),
                textcoords="offset points",
                ha="center",
                va="top",
                fontsize=6,
            )
        totals = table.groupby("value", sort=False)["n"].sum()
        words = Labels(case)
        name = {v: words.term("opportunities", column, v) for v in values}  # the vocabulary's own labels
        ax.set_yticks([y[v] for v in values], [f"{name[v]} ({totals[v]})" for v in values])
        lane_rows = {
            v: len({o for s in table.loc[table["investigation"] == v, "opportunity_ids"] for o in s.split(";") if o})
            for v in lanes
        }
        ax.set_xticks(range(len(lanes)), [f"{case.victim_name(v)}\ninvestigation ({lane_rows[v]})" for v in lanes])
        for tick, v in zip(ax.get_xticklabels(), lanes):
            tick.set_color(hue[v])
        ax.xaxis.tick_top()
        for x in range(len(lanes) - 1):
            ax.axvline(x + 0.5, color=LIGHT, lw=0.6)
        ax.set_xlim(-0.5, len(lanes) - 0.5)
        ax.set_ylim(-0.6, bottom - 0.3)
        what = {"category": "Kind of failing", "unit": "Who held the decision"}[column]
        ax.set_ylabel(what)
        ax.set_xlabel(
            "Investigation (number of opportunities).\nFilled square: an opportunity with this one value; "
            "open square:\none that spans two values and so appears in both rows"
        )
        n_rows = sum(lane_rows.values())
        listed = "; ".join(f"{name[v]} {totals[v]}" for v in values)
        alt = (
            f"Grid of {what.lower()} (rows) against investigation (columns). Each of {n_rows} missed opportunities "
            f"is a square labelled with its id in every row it belongs to ({len(marks)} squares; open squares span "
            f"two rows). Counts: {listed}."
        )
        title = {
            "category": "What kinds of failing, in which investigation",
            "unit": "Whose decisions: the borough, the homicide command, the force",
        }[column]
        if filter_title(identified_by):
            title += f" (missed opportunities {filter_title(identified_by)})"
        return _finish(fig, title, alt, case)


def category_chart(case: Case, identified_by: str = "all", investigation: str | None = None) -> Figure:
    """:func:`kinds_chart` by category."""
    return kinds_chart(case, "category", identified_by, investigation)


def unit_chart(case: Case, identified_by: str = "all", investigation: str | None = None) -> Figure:
    """:func:`kinds_chart` by unit."""
    return kinds_chart(case, "unit", identified_by, investigation)


FIGURES.update(
    {
        "open-windows": open_windows_chart,
        "failings-by-category": category_chart,
        "failings-by-unit": unit_chart,
    }
)
