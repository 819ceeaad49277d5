"""The four figures. One function per figure; each returns a ``Figure`` with ``alt_text`` set.

Figures are built with :class:`matplotlib.figure.Figure` rather than pyplot, so nothing is
kept in global state and a notebook shows each figure once, where the cell returns it.
"""

from __future__ import annotations

from collections.abc import Sequence
from textwrap import shorten

import matplotlib.dates as mdates
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from analysis.evidence import credit_strengths
from analysis.gaps import gap_table
from analysis.load import Case
from analysis.style import (DEATH_HATCH, LIGHT, MARKERS, NEUTRAL, SOURCE_LINE, VICTIM_COLOURS,
                            WIDTH_IN, house_style)

TIMELINE_KINDS = ("deaths", "found", "opportunities", "arrests", "court")
PORT_LANE = "Port: arrests, charges, courts"
ONE_DAY = pd.Timedelta(days=1)


def _finish(fig: Figure, title: str, alt: str) -> Figure:
    """Add the title and the source line, reserve room for the latter, and attach the alt text."""
    fig.suptitle(title, x=0.01, ha="left", fontsize=12, fontweight="bold")
    footer = 0.28 / fig.get_figheight()  # inches kept free at the bottom for the source line
    fig.get_layout_engine().set(rect=(0, footer, 1, 1 - footer / 4))
    fig.text(0.01, 0.3 * footer, SOURCE_LINE, fontsize=7, color=NEUTRAL, ha="left", va="bottom")
    fig.alt_text = alt  # type: ignore[attr-defined]  # read by analysis.save
    return fig


def _lanes(case: Case) -> list[str]:
    return list(case.victims.sort_values("died_earliest", kind="stable")["victim_id"])


def timeline(case: Case, start: str | None = "2014-06-01", end: str | None = "2015-10-31",
             kinds: Sequence[str] = TIMELINE_KINDS) -> Figure:
    """The case on one time axis: a lane per investigation, and one for Port's arrests and courts.

    Deaths are hatched spans over the days they may have happened; ``kinds`` picks which marks
    to draw from :data:`TIMELINE_KINDS`; ``start``/``end`` (ISO dates, or ``None`` for the
    whole record) set the window.
    """
    unknown = set(kinds) - set(TIMELINE_KINDS)
    if unknown:
        raise ValueError(f"unknown kinds {sorted(unknown)}; choose from {', '.join(TIMELINE_KINDS)}")
    lanes = _lanes(case)
    y = {v: len(lanes) - i for i, v in enumerate(lanes)}
    y_port = 0
    ev = case.events
    lo = pd.Timestamp(start) if start else min(ev["date_earliest"].min(), case.victims["died_earliest"].min())
    hi = pd.Timestamp(end) if end else max(ev["date_latest"].max(), case.victims["found_date"].max())
    inside = lambda s: (s >= lo) & (s <= hi)  # noqa: E731
    handles = []
    with house_style():
        fig = Figure(figsize=(WIDTH_IN, 4.6), layout="constrained")
        ax = fig.add_subplot()
        for v in lanes:
            ax.axhline(y[v], color=LIGHT, lw=0.6, zorder=0)
        ax.axhline(y_port, color=LIGHT, lw=0.6, zorder=0)
        victims = case.victims.set_index("victim_id")
        if "deaths" in kinds:
            for v in lanes:
                d0, d1 = victims.at[v, "died_earliest"], victims.at[v, "died_latest"]
                if d1 >= lo and d0 <= hi:
                    ax.barh(y[v], (d1 + ONE_DAY - d0).days, left=d0, height=0.5, color="white",
                            edgecolor=VICTIM_COLOURS[v], hatch=DEATH_HATCH, lw=1.2, zorder=2)
            handles.append(Patch(facecolor="white", edgecolor=NEUTRAL, hatch=DEATH_HATCH, label="Death (days it may have happened)"))
        if "found" in kinds:
            found = victims[inside(victims["found_date"])]
            ax.scatter(found["found_date"], [y[v] for v in found.index], marker=MARKERS["found"], s=70,
                       color="black", zorder=4)
            handles.append(Line2D([], [], ls="", marker=MARKERS["found"], color="black", ms=8, label="Body found"))
        if "opportunities" in kinds:
            opps = case.opportunities
            opps = opps[inside(opps["date_earliest"])]
            mid = opps["date_earliest"] + (opps["date_latest"] - opps["date_earliest"]) / 2
            colours = [VICTIM_COLOURS[v] for v in opps["investigation"]]
            ax.scatter(mid, [y[v] + 0.28 for v in opps["investigation"]], marker=MARKERS["opportunity"], s=42,
                       facecolor=colours, edgecolor="black", lw=0.6, zorder=5)
            handles.append(Line2D([], [], ls="", marker=MARKERS["opportunity"], mfc=LIGHT, mec="black", ms=7,
                                  label=f"Missed opportunity ({len(opps)})"))
        for kind, marks, label in (("arrests", ("arrest",), "Arrest"),
                                   ("court", ("charge", "court", "release"), "Charge, court or release")):
            if kind not in kinds:
                continue
            rows = ev[ev["kind"].isin(marks) & inside(ev["date_earliest"])]
            marker = MARKERS["arrest"] if kind == "arrests" else MARKERS["court"]
            ax.scatter(rows["date_earliest"], [y_port] * len(rows), marker=marker, s=40,
                       facecolor="white" if kind == "court" else "black", edgecolor="black", zorder=4)
            handles.append(Line2D([], [], ls="", marker=marker, mfc="white" if kind == "court" else "black",
                                  mec="black", ms=7, label=label))
        ax.set_yticks([y[v] for v in lanes] + [y_port],
                      [f"{case.victim_name(v)} investigation" for v in lanes] + [PORT_LANE])
        for tick, v in zip(ax.get_yticklabels(), lanes):
            tick.set_color(VICTIM_COLOURS[v])
        ax.set_ylim(-0.7, len(lanes) + 0.8)
        ax.set_xlim(lo - 7 * ONE_DAY, hi + 7 * ONE_DAY)
        ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 4, 7, 10)))
        ax.xaxis.set_minor_locator(mdates.MonthLocator())
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
        ax.set_xlabel("Date")
        ax.set_ylabel("Investigation")
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=3, fontsize=8)
        n_opps = int(inside(case.opportunities["date_earliest"]).sum())
        alt = (f"Timeline from {lo:%d %B %Y} to {hi:%d %B %Y} with one lane per police investigation "
               f"({', '.join(case.victim_name(v) for v in lanes)}) and one for Port's arrests and court dates. "
               f"Hatched spans show the days in which each man may have died, crosses when his body was found, "
               f"and {n_opps} triangles the missed opportunities in each investigation.")
        return _finish(fig, "Four deaths, four investigations: the missed opportunities in time", alt)


def gap_chart(case: Case, basis: str = "death", identified_by: str = "all",
              investigation: str | None = None) -> Figure:
    """One bar per missed opportunity, from its date to the next death, grouped by investigation.

    The bar runs to the middle of the possible gap; the whisker spans the whole range that the
    two date intervals allow; the label gives the range in days.
    """
    gaps = gap_table(case, basis=basis, identified_by=identified_by, investigation=investigation)
    order = {v: i for i, v in enumerate(_lanes(case))}
    gaps = gaps.assign(_lane=gaps["investigation"].map(order)).sort_values(["_lane", "date_earliest", "opportunity_id"], kind="stable")
    missed = case.opportunities.set_index("opportunity_id")["missed"]
    with house_style():
        fig = Figure(figsize=(WIDTH_IN, max(3.2, 1.6 + 0.27 * len(gaps))), layout="constrained")
        ax = fig.add_subplot()
        ys = list(range(len(gaps)))[::-1]
        top = float(gaps["gap_days_max"].max()) if gaps["gap_days_max"].notna().any() else 1.0
        followed = [(yy, row) for yy, row in zip(ys, gaps.itertuples(index=False)) if not pd.isna(row.next_death)]
        for yy, row in zip(ys, gaps.itertuples(index=False)):
            if pd.isna(row.next_death):
                ax.text(0, yy, " no later death", va="center", fontsize=7, color=NEUTRAL)
        if followed:
            # One bar call and one errorbar call for all rows: far cheaper to draw than one per row.
            y = [yy for yy, _ in followed]
            mid = [float(r.gap_days_mid) for _, r in followed]
            ax.barh(y, mid, height=0.62, color=[VICTIM_COLOURS[r.investigation] for _, r in followed],
                    edgecolor="black", lw=0.4)
            ax.errorbar(mid, y, xerr=[[m - float(r.gap_days_min) for m, (_, r) in zip(mid, followed)],
                                      [float(r.gap_days_max) - m for m, (_, r) in zip(mid, followed)]],
                        fmt="none", ecolor="black", elinewidth=0.8, capsize=2)
        for yy, row in followed:
            days = f"{row.gap_days_min}" if row.gap_days_min == row.gap_days_max else f"{row.gap_days_min}–{row.gap_days_max}"
            ax.text(float(row.gap_days_max) + top * 0.01, yy, f"{days} days to {row.next_death_name.split()[-1]}",
                    va="center", fontsize=7)
        labels = [f"{row.opportunity_id}: {shorten(str(missed[row.opportunity_id]), 52, placeholder='…')}"
                  for row in gaps.itertuples(index=False)]
        ax.set_yticks(ys, labels, fontsize=7)
        for tick, v in zip(ax.get_yticklabels(), gaps["investigation"]):
            tick.set_color(VICTIM_COLOURS[v])
        ax.set_xlim(0, top * 1.22)
        ax.set_ylim(-0.8, len(gaps) + 0.2)
        basis_words = "the days each man may have died" if basis == "death" else "the day each body was found"
        ax.set_xlabel("Days from the missed opportunity to the next death\n"
                      f"(to {basis_words}; bar: middle of the range; whisker: the full range)")
        ax.set_ylabel("Missed opportunity")
        # "best" avoids the bars and their text labels (a fixed corner covered a label once the jury set shrank).
        ax.legend(handles=[Patch(facecolor=VICTIM_COLOURS[v], edgecolor="black", label=f"{case.victim_name(v)} investigation")
                           for v in _lanes(case) if v in set(gaps["investigation"])],
                  loc="best", bbox_to_anchor=(0, 0, 1, 0.93), fontsize=7)
        shown = gaps.dropna(subset=["gap_days_min"])
        alt = (f"Horizontal bar chart of {len(gaps)} missed opportunities, grouped by investigation. Each bar is the number "
               f"of days from the opportunity to the next death, measured to {basis_words}. "
               f"{len(shown)} were followed by another death; the gaps range from {shown['gap_days_min'].min()} "
               f"to {shown['gap_days_max'].max()} days." if len(shown) else "No opportunity was followed by another death.")
        title = "each missed opportunity to the next death" if basis == "death" else "each missed opportunity to the next body found"
        scope = {"jury": " named by the jury", "jury+coroner": " named by the jury or coroner"}.get(identified_by, "")
        if investigation:
            scope += f" ({case.victim_name(investigation)} investigation)"
        return _finish(fig, f"How long the police had: {title.replace('opportunity', 'opportunity' + scope, 1)}", alt)


#: Column labels for the ``identified_by`` vocabulary, in the schema's order.
BODY_LABELS = {"jury": "Inquest jury", "coroner": "Coroner", "iopc": "IPCC/IOPC", "police": "Met Police",
               "family": "Families", "press": "Press", "court": "Courts", "hmicfrs": "HMICFRS"}


def findings_matrix(case: Case, bodies: Sequence[str] | None = None, investigation: str | None = None) -> Figure:
    """Missed opportunities (rows) against the bodies that identified each one (columns).

    A filled square is an attribution that names the failing: an official body's finding that
    names it explicitly, or a police, family or press attribution. A hatched square is an
    official body credited only through a general finding that covers it (``findings.link``).
    """
    bodies = list(bodies) if bodies else [b for b in BODY_LABELS if case.opportunities["identified_by"].map(lambda n: b in n).any()]
    strengths = credit_strengths(case)
    order = {v: i for i, v in enumerate(_lanes(case))}
    opps = case.opportunities
    if investigation:
        opps = opps[opps["investigation"] == investigation]
    opps = opps.assign(_lane=opps["investigation"].map(order)).sort_values(["_lane", "date_earliest", "opportunity_id"], kind="stable")
    with house_style():
        fig = Figure(figsize=(WIDTH_IN, 1.9 + 0.24 * max(len(opps), 1)), layout="constrained")
        ax = fig.add_subplot()
        ys = list(range(len(opps)))[::-1]
        cells = [(x, yy, body in row.identified_by, strengths.get(row.opportunity_id, {}).get(body) == "general", row.investigation)
                 for yy, row in zip(ys, opps.itertuples(index=False)) for x, body in enumerate(bodies)]
        empty = [(x, yy) for x, yy, hit, _, _ in cells if not hit]
        filled = [(x, yy, v) for x, yy, hit, general, v in cells if hit and not general]
        general = [(x, yy, v) for x, yy, hit, is_general, v in cells if hit and is_general]
        # One scatter call per kind of square (empty, filled, hatched) rather than one per cell keeps drawing cheap.
        if empty:
            ax.scatter(*zip(*empty), marker="s", s=70, facecolor="white", edgecolor=LIGHT, lw=0.6)
        if filled:
            xs, fy, owners = zip(*filled)
            ax.scatter(xs, fy, marker="s", s=70, facecolor=[VICTIM_COLOURS[v] for v in owners], edgecolor="black", lw=0.6)
        if general:
            xs, gy, owners = zip(*general)
            ax.scatter(xs, gy, marker="s", s=70, facecolor="white", edgecolor=[VICTIM_COLOURS[v] for v in owners],
                       lw=1.0, hatch="/////")
        counts = {b: int(opps["identified_by"].map(lambda named, b=b: b in named).sum()) for b in bodies}
        ax.set_xticks(range(len(bodies)), [f"{BODY_LABELS.get(b, b)}\n({counts[b]})" for b in bodies])
        ax.xaxis.tick_top()
        ax.set_yticks(ys, [f"{r.opportunity_id}: {shorten(str(r.missed), 60, placeholder='…')}" for r in opps.itertuples(index=False)],
                      fontsize=7)
        for tick, v in zip(ax.get_yticklabels(), opps["investigation"]):
            tick.set_color(VICTIM_COLOURS[v])
        ax.set_xlim(-0.6, len(bodies) - 0.4)
        ax.set_ylim(-0.7, len(opps) - 0.3)
        ax.set_xlabel("Who identified it (number of opportunities)")
        ax.set_ylabel("Missed opportunity")
        ax.legend(handles=[Patch(facecolor=NEUTRAL, edgecolor="black", label="names the failing"),
                           Patch(facecolor="white", edgecolor=NEUTRAL, hatch="/////",
                                 label="official body, general finding only")],
                  loc="upper center", bbox_to_anchor=(0.5, -0.06), ncol=2, frameon=False, fontsize=7)
        listed = ", ".join(f"{BODY_LABELS.get(b, b)} {counts[b]}" for b in bodies)
        alt = (f"Grid of {len(opps)} missed opportunities (rows, grouped by investigation) against who identified them "
               f"(columns). A filled square means that body identified it in terms that name the failing; a hatched square "
               f"({len(general)} of them) means an official body is credited only through a general finding that covers it. "
               f"Counts: {listed}.")
        return _finish(fig, "Who identified each missed opportunity", alt)


def cumulative_chart(case: Case, start: str | None = "2014-06-01", end: str | None = "2015-10-31") -> Figure:
    """Missed opportunities and deaths accumulating over time, up to Port's final arrest.

    Opportunities count from the day they opened; deaths are a band from "if each died on his
    earliest possible day" to "on his latest".
    """
    lo = pd.Timestamp(start) if start else case.opportunities["date_earliest"].min()
    hi = pd.Timestamp(end) if end else case.final_arrest
    days = pd.date_range(lo, hi, freq="D")
    opps = case.opportunities["date_earliest"].sort_values()
    n_opps = opps.searchsorted(days, side="right")
    v = case.victims
    early = v["died_earliest"].sort_values().searchsorted(days, side="right")
    late = v["died_latest"].sort_values().searchsorted(days, side="right")
    arrest = case.final_arrest
    with house_style():
        fig = Figure(figsize=(WIDTH_IN, 5.2), layout="constrained")
        top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(3, 2))
        top.step(days, n_opps, where="post", color="black", lw=1.6)
        top.set_ylabel("Missed opportunities\n(cumulative)")
        bottom.fill_between(days, late, early, step="post", color=LIGHT, hatch=DEATH_HATCH, edgecolor=NEUTRAL, lw=0,
                            label="uncertain: between earliest and latest possible day")
        bottom.step(days, early, where="post", color="black", lw=1.2, ls="--", label="if each died on his earliest possible day")
        bottom.step(days, late, where="post", color="black", lw=1.2, label="if each died on his latest possible day")
        bottom.set_ylabel("Deaths\n(cumulative)")
        bottom.set_yticks(range(0, len(v) + 1))
        bottom.legend(loc="lower left", bbox_to_anchor=(0.33, 0.04), fontsize=7)
        for ax in (top, bottom):
            if lo <= arrest <= hi:
                ax.axvline(arrest, color=NEUTRAL, lw=0.8, ls=":")
        if lo <= arrest <= hi:
            top.annotate("Port arrested", (arrest, 0), xytext=(-4, 4), textcoords="offset points", ha="right",
                         fontsize=7, color=NEUTRAL)
        for row in v.itertuples(index=False):
            if lo <= row.died_earliest <= hi:
                bottom.annotate(row.name.split()[-1], (row.died_earliest, 0), xytext=(2, 2), textcoords="offset points",
                                fontsize=7, rotation=90, color=VICTIM_COLOURS.get(row.victim_id, NEUTRAL), va="bottom")
        bottom.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 4, 7, 10)))
        bottom.xaxis.set_minor_locator(mdates.MonthLocator())
        bottom.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
        bottom.set_xlabel("Date")
        before = int((opps <= arrest).sum())
        alt = (f"Two stacked step charts from {lo:%B %Y} to {hi:%B %Y}. Top: missed opportunities accumulate to "
               f"{int(n_opps[-1])} by the end of the window ({before} before Port's arrest on {arrest:%d %B %Y}). "
               f"Bottom: deaths accumulate to {int(late[-1])}, drawn as a band between each man's earliest and latest "
               f"possible day of death.")
        return _finish(fig, "Missed opportunities kept accumulating while the deaths went on", alt)


#: Every figure the project publishes, by file name: the CLI and the notebooks share this.
FIGURES = {
    "case-timeline": timeline,
    "gaps-to-next-death": gap_chart,
    "findings-matrix": findings_matrix,
    "opportunities-and-deaths-over-time": cumulative_chart,
}


# --- open windows, and kinds of failing (issue #11) -----------------------------------------


def _finish_below_title(fig: Figure, title: str, alt: str) -> Figure:
    """:func:`_finish`, then keep the axes below the title: ``_finish``'s layout rectangle
    (left, bottom, width, height) is ``1 - footer/4`` high from ``footer`` up, so its top passes
    the figure's edge and the title overlaps the axes. (Integrator: drop this if ``_finish`` is fixed.)"""
    fig = _finish(fig, title, alt)
    footer = 0.28 / fig.get_figheight()
    fig.get_layout_engine().set(rect=(0, footer, 1, 1 - footer))
    return fig


def open_windows_chart(case: Case, basis: str = "death", identified_by: str = "all",
                       investigation: str | None = None) -> Figure:
    """Each missed opportunity as the window it stood open in, from its earliest date to Port's
    final arrest, against the four deaths.

    A thick bar (with a dot at its start, so a one-day interval still shows) is the opportunity's
    own interval; the thin line continues to the arrest. Hatched bands are the days each man may
    have died (``basis="death"``) or the day he was found (``"found"``); the grey band is the
    arrest. The label at the right counts the deaths certainly and possibly in the window
    (:func:`analysis.gaps.deaths_in_window`).
    """
    from analysis.gaps import death_windows

    gaps = gap_table(case, basis=basis, identified_by=identified_by, investigation=investigation)
    order = {v: i for i, v in enumerate(_lanes(case))}
    gaps = gaps.assign(_lane=gaps["investigation"].map(order)).sort_values(
        ["_lane", "date_earliest", "date_latest", "opportunity_id"], kind="stable")
    missed = case.opportunities.set_index("opportunity_id")["missed"]
    arrest = case.final_arrest_event
    deaths = death_windows(case, basis)
    lo, hi = pd.Timestamp("2014-06-01"), arrest["date_latest"] + 20 * ONE_DAY
    with house_style():
        fig = Figure(figsize=(WIDTH_IN, max(3.4, 2.0 + 0.27 * len(gaps))), layout="constrained")
        ax = fig.add_subplot()
        ys = list(range(len(gaps)))[::-1]
        # Band labels sit in two staggered rows above the opportunities, inside the axes, so that
        # neighbouring deaths (Kovari and Whitworth, three weeks apart) do not collide.
        top = len(gaps)
        for i, d in enumerate(deaths.sort_values("earliest", kind="stable").itertuples(index=False)):
            ax.axvspan(d.earliest, d.latest + ONE_DAY, facecolor=(VICTIM_COLOURS[d.victim_id], 0.35),
                       edgecolor=VICTIM_COLOURS[d.victim_id], hatch=DEATH_HATCH, lw=0.8, zorder=0)
            ax.text(d.earliest, top - 0.2 + 0.6 * (i % 2), f" {d.name.split()[-1]} died" if basis == "death"
                    else f" {d.name.split()[-1]} found", fontsize=7, va="center", ha="left",
                    color=VICTIM_COLOURS[d.victim_id], fontweight="bold")
        ax.axvspan(arrest["date_earliest"], arrest["date_latest"] + ONE_DAY, color=LIGHT, lw=0, zorder=0)
        ax.text(arrest["date_latest"] + ONE_DAY, top - 0.2, "Port arrested ", fontsize=7, va="center", ha="right",
                color=NEUTRAL)
        colours = [VICTIM_COLOURS[v] for v in gaps["investigation"]]
        start = list(gaps["date_earliest"])
        own_end = [e + ONE_DAY for e in gaps["date_latest"]]
        # One call per series: thin windows, thick own intervals, start dots.
        ax.hlines(ys, start, [arrest["date_latest"] + ONE_DAY] * len(gaps), colors=colours, lw=1.0, zorder=2)
        ax.hlines(ys, start, own_end, colors=colours, lw=5.0, zorder=3)
        ax.scatter(start, ys, marker="o", s=18, facecolor=colours, edgecolor="black", lw=0.6, zorder=4)
        for yy, row in zip(ys, gaps.itertuples(index=False)):
            certain = len(row.deaths_in_window_certain.split(";")) if row.deaths_in_window_certain else 0
            possible = len(row.deaths_in_window_possible.split(";")) if row.deaths_in_window_possible else 0
            label = "no later death" if possible == 0 else f"{certain} certain, {possible} possible"
            ax.text(hi, yy, f" {label}", va="center", fontsize=7, color="black" if possible else NEUTRAL)
        labels = [f"{row.opportunity_id}: {shorten(str(missed[row.opportunity_id]), 46, placeholder='…')}"
                  for row in gaps.itertuples(index=False)]
        ax.set_yticks(ys, labels, fontsize=7)
        for tick, v in zip(ax.get_yticklabels(), gaps["investigation"]):
            tick.set_color(VICTIM_COLOURS[v])
        ax.set_ylim(-0.8, len(gaps) + 0.8)
        ax.set_xlim(lo, hi)
        ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 4, 7, 10)))
        ax.xaxis.set_minor_locator(mdates.MonthLocator())
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
        band = "the days each man may have died" if basis == "death" else "the day each body was found"
        ax.set_xlabel(f"Date (hatched: {band}; grey: Port's final arrest)")
        ax.set_ylabel("Missed opportunity")
        ax.legend(handles=[Line2D([], [], color=NEUTRAL, lw=5, marker="o", mfc=NEUTRAL, mec="black",
                                  label="the opportunity's own dates (dot: earliest)"),
                           Line2D([], [], color=NEUTRAL, lw=1, label="left open until Port's arrest"),
                           Patch(facecolor="white", edgecolor=NEUTRAL, hatch=DEATH_HATCH, label="death")],
                  loc="upper center", bbox_to_anchor=(0.45, -0.09), ncol=3, fontsize=7)
        n_open = int((gaps["deaths_in_window_possible"] != "").sum())
        n_three = int(gaps["deaths_in_window_possible"].map(lambda s: len(s.split(";")) if s else 0).eq(3).sum())
        alt = (f"Chart of {len(gaps)} missed opportunities, one row each, grouped by investigation. Each is a line from "
               f"its earliest date to Port's final arrest in October 2015, with its own dates drawn thicker, over "
               f"hatched bands for {band}. {n_open} of them stood open while at least one later death may have "
               f"happened; {n_three} while all three later deaths may have happened. The label at the right of each "
               f"row counts the deaths certainly and possibly inside its window.")
        scope = {"jury": " (named by the jury)", "jury+coroner": " (named by the jury or coroner)"}.get(identified_by, "")
        if investigation:
            scope += f" ({case.victim_name(investigation)} investigation)"
        return _finish_below_title(fig, f"Missed opportunities{scope} stayed open while the later deaths happened", alt)


def kinds_chart(case: Case, column: str = "category", identified_by: str = "all",
                investigation: str | None = None) -> Figure:
    """Opportunities by ``column`` (``"category"`` or ``"unit"``) and investigation: one square per
    opportunity in each of its values, labelled with its id.

    A filled square is an opportunity with that one value; an open square one that spans two (it
    appears in both rows). Counts are in the row and column labels.
    """
    from analysis.kinds import kind_table

    table = kind_table(case, column, identified_by, investigation)
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
        for row in table.itertuples(index=False):
            ids = [o for o in row.opportunity_ids.split(";") if o]
            for i, oid in enumerate(ids):
                x = lanes.index(row.investigation) - 0.4 + step * (i % per_row + 0.5)
                marks.append((x, y[row.value] + 0.55 * ((lines[row.value] - 1) / 2 - i // per_row), oid, row.investigation))
        single = [m for m in marks if not multi[m[2]]]
        double = [m for m in marks if multi[m[2]]]
        if single:
            ax.scatter([m[0] for m in single], [m[1] for m in single], marker="s", s=60,
                       facecolor=[VICTIM_COLOURS[m[3]] for m in single], edgecolor="black", lw=0.6)
        if double:
            ax.scatter([m[0] for m in double], [m[1] for m in double], marker="s", s=60, facecolor="white",
                       edgecolor=[VICTIM_COLOURS[m[3]] for m in double], lw=1.6)
        for x, yy, oid, _ in marks:
            ax.annotate(oid.removeprefix("op-"), (x, yy), xytext=(0, -7), textcoords="offset points", ha="center",
                        va="top", fontsize=6)
        totals = table.groupby("value", sort=False)["n"].sum()
        ax.set_yticks([y[v] for v in values], [f"{v.replace('_', ' ')} ({totals[v]})" for v in values])
        lane_rows = {v: len({o for s in table.loc[table["investigation"] == v, "opportunity_ids"] for o in s.split(";") if o})
                     for v in lanes}
        ax.set_xticks(range(len(lanes)), [f"{case.victim_name(v)}\ninvestigation ({lane_rows[v]})" for v in lanes])
        for tick, v in zip(ax.get_xticklabels(), lanes):
            tick.set_color(VICTIM_COLOURS[v])
        ax.xaxis.tick_top()
        for x in range(len(lanes) - 1):
            ax.axvline(x + 0.5, color=LIGHT, lw=0.6)
        ax.set_xlim(-0.5, len(lanes) - 0.5)
        ax.set_ylim(-0.6, bottom - 0.3)
        what = {"category": "Kind of failing", "unit": "Who held the decision"}[column]
        ax.set_ylabel(what)
        ax.set_xlabel("Investigation (number of opportunities). Filled square: an opportunity with this one value;\n"
                      "open square: one that spans two values and so appears in both rows")
        n_rows = sum(lane_rows.values())
        listed = "; ".join(f"{v.replace('_', ' ')} {totals[v]}" for v in values)
        alt = (f"Grid of {what.lower()} (rows) against investigation (columns). Each of {n_rows} missed opportunities "
               f"is a square labelled with its id in every row it belongs to ({len(marks)} squares; open squares span "
               f"two rows). Counts: {listed}.")
        title = {"category": "What kinds of failing, in which investigation",
                 "unit": "Whose decisions: the borough, the homicide command, the force"}[column]
        return _finish_below_title(fig, title, alt)


def category_chart(case: Case, identified_by: str = "all", investigation: str | None = None) -> Figure:
    """:func:`kinds_chart` by category."""
    return kinds_chart(case, "category", identified_by, investigation)


def unit_chart(case: Case, identified_by: str = "all", investigation: str | None = None) -> Figure:
    """:func:`kinds_chart` by unit."""
    return kinds_chart(case, "unit", identified_by, investigation)


FIGURES.update({
    "open-windows": open_windows_chart,
    "failings-by-category": category_chart,
    "failings-by-unit": unit_chart,
})
