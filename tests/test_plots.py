"""Figures on the real data: marks, labels, titles, alt text; stable bytes; atomic writes."""

from __future__ import annotations

import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PathCollection
from matplotlib.colors import to_rgb
from matplotlib.patches import Polygon, Rectangle
from matplotlib.text import Text

from analysis import load_case, save_figure
from analysis import plots
from analysis.gaps import gap_table
from analysis.style import RC, house_style
from conftest import DATA, opportunity, write_package


@pytest.fixture(scope="module")
def case():
    return load_case(DATA)


@pytest.fixture(scope="module")
def drawn(case) -> dict:
    """Every figure of ``plots.FIGURES`` drawn once from the real data: name -> figure."""
    return {name: draw(case) for name, draw in plots.FIGURES.items()}


def texts(fig) -> list[str]:
    return [t.get_text() for t in fig.texts]


@pytest.mark.parametrize("name", list(plots.FIGURES))
def test_every_figure_has_title_axis_labels_source_and_alt_text(drawn, name):
    fig = drawn[name]
    assert fig.get_suptitle()
    assert "Source: Stephen Port police-failings record; every row cites public sources in data/sources.csv" in texts(
        fig
    )
    for ax in fig.axes:
        assert ax.get_ylabel()
    assert fig.axes[-1].get_xlabel()
    assert len(fig.alt_text) > 80


@pytest.mark.parametrize("name", list(plots.FIGURES))
def test_no_text_is_cut_off_at_the_figure_edge(drawn, name):
    """Laid out as the saved PNG is, every label, legend entry, title and source line lies inside the figure."""
    fig = drawn[name]
    fig.set_dpi(RC["savefig.dpi"])  # at the PNG's resolution, where text extents are what the PNG shows
    canvas = FigureCanvasAgg(fig)
    with house_style():
        # Saving the PNG is this same draw: the layout engine places everything for this renderer,
        # then the artists are drawn where it put them (save_figure's SVG reuses that layout).
        canvas.draw()
    renderer = canvas.get_renderer()
    edge = fig.bbox.padded(1)  # a pixel of slack for antialiasing
    shown = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
    outside = [
        (t.get_text(), t.get_window_extent(renderer))
        for t in shown
        if not (edge.contains(*t.get_window_extent(renderer).min) and edge.contains(*t.get_window_extent(renderer).max))
    ]
    assert outside == []


def opportunity_marks(ax) -> list[tuple[float, float]]:
    """The drawn opportunity triangles, as (x, y) positions."""
    marks = [c for c in ax.collections if isinstance(c, PathCollection) and c.get_gid() == "opportunity-marks"]
    assert len(marks) == 1
    return [tuple(xy) for xy in marks[0].get_offsets()]


def test_timeline_draws_every_opportunity_as_its_own_countable_mark(case):
    fig = plots.timeline(case)  # the default window, as published
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[:4] == [f"{case.victim_name(v)} investigation" for v in ("walgate", "kovari", "whitworth", "taylor")]
    marks = opportunity_marks(ax)
    assert len(marks) == len(case.opportunities) == 29  # opportunities.csv has 29 rows
    assert len(set(marks)) == len(marks)  # no two marks share a position: each can be counted
    legend = [t.get_text() for t in ax.figure.legends[0].get_texts()]
    assert any(t.startswith(f"Missed opportunity ({len(marks)})") for t in legend)
    # Every opportunity id is named once, alone: on its track, or beside its own mark where a track holds
    # several (op-k-03, on 28 Aug 2014 alone, and op-k-06, Dec 2014 - Jan 2015, share one: each is told
    # apart, not listed as "op-k-03, op-k-06").
    named = [t.get_text() for t in ax.get_yticklabels(minor=True) if t.get_text()] + [a.get_text() for a in ax.texts]
    ids = [n for n in named if n.startswith("op-")]
    assert sorted(ids) == sorted(case.opportunities["opportunity_id"])
    beside = {a.get_text(): a.xy for a in ax.texts}
    assert {"op-k-03", "op-k-06"} <= set(beside) and beside["op-k-03"][1] == beside["op-k-06"][1]  # one track
    assert beside["op-k-03"][0] < beside["op-k-06"][0]
    assert len([p for p in ax.patches if p.get_hatch()]) == 4  # the four death spans


def test_timeline_draws_each_opportunity_over_its_interval(case):
    """op-w-06 arose between 19 Jun 2014 and 14 Oct 2015: its line spans those days, not a midpoint."""
    import matplotlib.dates as mdates
    from matplotlib.collections import LineCollection

    ax = plots.timeline(case).axes[0]
    spans = {
        (round(seg[0][0], 3), round(seg[1][0], 3))
        for c in ax.collections
        if isinstance(c, LineCollection)
        for seg in c.get_segments()
    }
    start, end = mdates.date2num(pd.Timestamp("2014-06-19")), mdates.date2num(pd.Timestamp("2015-10-15"))
    assert (round(start, 3), round(end, 3)) in spans


def test_every_time_panel_shades_ports_final_arrest(case):
    import matplotlib.dates as mdates

    arrest = (mdates.date2num(pd.Timestamp("2015-10-12")), mdates.date2num(pd.Timestamp("2015-10-19")))
    for fig in (plots.timeline(case), plots.cumulative_chart(case)):
        for ax in fig.axes:
            shaded = [p for p in ax.patches if isinstance(p, Polygon) or isinstance(p, Rectangle)]
            xs = [
                (round(p.get_x(), 3), round(p.get_x() + p.get_width(), 3))
                for p in shaded
                if isinstance(p, Rectangle) and p.get_facecolor()[:3] == to_rgb(plots.ARREST_SHADE)
            ]
            xs += [
                (round(min(p.get_xy()[:, 0]), 3), round(max(p.get_xy()[:, 0]), 3))
                for p in shaded
                if isinstance(p, Polygon) and p.get_facecolor()[:3] == to_rgb(plots.ARREST_SHADE)
            ]
            assert (round(arrest[0], 3), round(arrest[1], 3)) in xs, fig.get_suptitle()


def test_timeline_kinds_choose_the_marks(case):
    fig = plots.timeline(case, kinds=["deaths"])
    assert len([p for p in fig.axes[0].patches if p.get_hatch()]) == 4
    assert not [c for c in fig.axes[0].collections if isinstance(c, PathCollection)]
    with pytest.raises(ValueError, match="unknown kinds"):
        plots.timeline(case, kinds=["ghosts"])


def test_gap_bars_float_from_the_shortest_to_the_longest_gap(case):
    gaps = gap_table(case)
    ax = plots.gap_chart(case).axes[0]
    followed = gaps.dropna(subset=["next_death"])
    bars = sorted((round(p.get_x()), round(p.get_x() + p.get_width())) for p in ax.patches)
    assert bars == sorted(zip(followed["gap_days_min"].astype(int), followed["gap_days_max"].astype(int)))
    # Hand-checked: op-k-06 (PinkNews, Dec 2014 - Jan 2015) to Taylor's death (13 Sep 2015) is 225-286 days,
    # a bar that starts at 225, not at zero.
    assert (225, 286) in bars
    labels = [t.get_text() for t in ax.texts]
    assert "225–286 days to Taylor" in labels
    assert labels.count(" no later death") == int(gaps["next_death"].isna().sum())
    exact = followed[followed["gap_days_min"] == followed["gap_days_max"]]
    diamonds = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert sum(len(c.get_offsets()) for c in diamonds) == len(exact)


@pytest.mark.parametrize("basis, words", [("death", "next death"), ("found", "next discovery of a body")])
def test_gap_chart_title_and_axis_name_the_same_basis(case, basis, words):
    fig = plots.gap_chart(case, basis=basis)
    assert fig.get_suptitle().endswith(words)
    assert f"to the {words}" in fig.axes[0].get_xlabel()
    other = "next body found" if basis == "death" else "next death"
    assert other not in fig.get_suptitle() + fig.axes[0].get_xlabel()


def test_findings_matrix_fills_one_square_per_attribution(case):
    from analysis.evidence import official_credits

    fig = plots.findings_matrix(case)
    ax = fig.axes[0]
    squares = [
        (tuple(face[:3]) != (1.0, 1.0, 1.0), bool(c.get_hatch()), len(c.get_offsets()))
        for c in ax.collections
        for face in c.get_facecolor()[:1]
    ]
    filled = sum(n for is_filled, _, n in squares if is_filled)
    hatched = sum(n for _, is_hatched, n in squares if is_hatched)
    empty = sum(n for is_filled, is_hatched, n in squares if not is_filled and not is_hatched)
    bodies = {b for ids in case.opportunities["identified_by"] for b in ids}
    credits = official_credits(case)
    assert hatched == int((credits["strength"] == "general").sum()) > 0
    assert filled + hatched == sum(len(ids) for ids in case.opportunities["identified_by"])
    assert filled + hatched + empty == len(case.opportunities) * len(bodies)
    assert len(ax.get_yticklabels()) == len(case.opportunities)


def test_cumulative_chart_counts_by_the_timelines_date_rule(tmp_path):
    """On a hand-made case where the two edges disagree, the counts are the ones worked out by hand:
    an opportunity counts on the upper edge from its earliest day, on the lower from its latest."""
    data = write_package(
        tmp_path / "data",
        opportunities=[
            opportunity("op-x-01", "2014-07-01", "2014-07-01", "walgate"),
            opportunity("op-x-02", "2014-08-01", "2014-09-30", "walgate"),
            opportunity("op-x-03", "2015-10-10", "2015-10-20", "walgate"),  # may have arisen after the arrest (15 Oct)
        ],
    )
    fig = plots.cumulative_chart(load_case(data), start=None, end=None)
    top, _ = fig.axes
    lower, upper = sorted((line for line in top.lines if len(line.get_ydata()) > 2), key=lambda ln: ln.get_ydata()[-1])
    days = list(pd.to_datetime(lower.get_xdata()))
    # from the first death (the default victims: Walgate died 17-19 Jun 2014) to the arrest
    assert (days[0], days[-1]) == (pd.Timestamp("2014-06-17"), pd.Timestamp("2015-10-15"))
    on = days.index(pd.Timestamp("2014-08-15"))  # op-x-02 may have arisen by then, or not yet
    assert (lower.get_ydata()[on], upper.get_ydata()[on]) == (1, 2)
    assert (lower.get_ydata()[-1], upper.get_ydata()[-1]) == (2, 3)


def test_same_data_same_bytes(tmp_path):
    first = save_figure(plots.gap_chart(load_case(DATA)), "gaps-to-next-death", tmp_path / "first")
    second = save_figure(plots.gap_chart(load_case(DATA)), "gaps-to-next-death", tmp_path / "second")
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes(), a.name
    svg = next(p for p in first if p.suffix == ".svg").read_text(encoding="utf-8")
    assert "<dc:date>" not in svg and "Matplotlib v" not in svg


def test_failed_write_leaves_previous_figure_intact(case, tmp_path, monkeypatch):
    paths = save_figure(plots.findings_matrix(case), "m", tmp_path)
    before = {p: p.read_bytes() for p in paths}
    fig = plots.findings_matrix(case)

    def broken(path, **kwargs):
        with open(path, "wb") as fh:
            fh.write(b"<svg half-written")
        raise OSError("disk full")

    monkeypatch.setattr(fig, "savefig", broken)
    with pytest.raises(OSError, match="disk full"):
        save_figure(fig, "m", tmp_path)
    assert {p: p.read_bytes() for p in paths} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in paths)  # no temp files left


def test_figure_without_alt_text_is_refused(tmp_path):
    from matplotlib.figure import Figure

    with pytest.raises(ValueError, match="alt text"):
        save_figure(Figure(), "x", tmp_path)


def test_open_windows_draws_every_opportunity_as_its_window(case):
    from matplotlib.collections import LineCollection

    gaps = gap_table(case)
    fig = plots.open_windows_chart(case)
    ax = fig.axes[0]
    lines = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert [len(c.get_segments()) for c in lines] == [len(gaps)] * 3  # open for certain, may have closed, arose
    dots = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert sum(len(c.get_offsets()) for c in dots) == len(gaps)  # a visible dot even for a one-day interval
    assert len(ax.get_yticklabels()) == len(gaps)
    labels = [t.get_text().strip() for t in ax.texts]
    none_open = gaps["deaths_in_window_possible"] == ""
    assert labels.count("no later death") == int((none_open & gaps["next_death"].isna()).sum())  # the 5 Taylor rows
    # op-w-01 closed within a week (20-26 Jun 2014), before Kovari's death: a later death, none while it was open
    assert labels.count("no later death while open") == int((none_open & gaps["next_death"].notna()).sum()) == 1
    assert "3 certain, 3 possible" in labels
    # Each window's thin line ends where its chance closed (open_until_latest, drawn to the end of that day),
    # row by row in the chart's order.
    import matplotlib.dates as mdates

    closes = case.opportunities.set_index("opportunity_id")["open_until_latest"]
    row_of = {round(y): t.get_text().split(":")[0] for y, t in zip(ax.get_yticks(), ax.get_yticklabels())}
    ends = {row_of[round(seg[1][1])]: round(seg[1][0], 6) for seg in lines[1].get_segments()}
    assert ends == {i: round(mdates.date2num(closes[i] + pd.Timedelta(days=1)), 6) for i in closes.index}
    assert len(plots.open_windows_chart(case, identified_by="jury").axes[0].get_yticklabels()) == int(
        case.opportunities["identified_by"].map(lambda b: "jury" in b).sum()
    )


@pytest.mark.parametrize("column", ["category", "unit"])
def test_kinds_chart_has_a_square_per_opportunity_and_value(case, column):
    fig = plots.kinds_chart(case, column)
    ax = fig.axes[0]
    squares = sum(len(c.get_offsets()) for c in ax.collections if isinstance(c, PathCollection))
    assert squares == sum(len(values) for values in case.opportunities[column])
    ids = sorted(t.get_text() for t in ax.texts)
    assert ids == sorted(
        o.removeprefix("op-")
        for o, values in zip(case.opportunities["opportunity_id"], case.opportunities[column])
        for _ in values
    )
