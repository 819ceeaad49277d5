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
