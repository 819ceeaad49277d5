"""Figures on the real data: marks, labels, titles, alt text; stable bytes; atomic writes."""

from __future__ import annotations

import pytest
import pandas as pd
from matplotlib.collections import PathCollection

from analysis import load_case, save_figure
from analysis import plots
from analysis.gaps import gap_table
from analysis.style import SOURCE_LINE
from conftest import DATA


@pytest.fixture(scope="module")
def case():
    return load_case(DATA)


def texts(fig) -> list[str]:
    return [t.get_text() for t in fig.texts]


@pytest.mark.parametrize("name", list(plots.FIGURES))
def test_every_figure_has_title_axis_labels_source_and_alt_text(case, name):
    fig = plots.FIGURES[name](case)
    assert fig.get_suptitle()
    assert SOURCE_LINE in texts(fig)
    for ax in fig.axes:
        assert ax.get_ylabel()
    assert fig.axes[-1].get_xlabel()
    assert len(fig.alt_text) > 80


def test_timeline_marks(case):
    fig = plots.timeline(case, start=None, end=None)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[:4] == [f"{case.victim_name(v)} investigation" for v in ("walgate", "kovari", "whitworth", "taylor")]
    death_spans = [p for p in ax.patches]
    assert len(death_spans) == 4
    scatter = [c for c in ax.collections if isinstance(c, PathCollection)]
    sizes = {len(c.get_offsets()) for c in scatter}
    assert len(case.opportunities) in sizes and 4 in sizes  # every opportunity, every body found
    assert f"Missed opportunity ({len(case.opportunities)})" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_timeline_kinds_choose_the_marks(case):
    fig = plots.timeline(case, kinds=["deaths"])
    assert len(fig.axes[0].patches) == 4
    assert not [c for c in fig.axes[0].collections if isinstance(c, PathCollection)]
    with pytest.raises(ValueError, match="unknown kinds"):
        plots.timeline(case, kinds=["ghosts"])


def test_gap_chart_has_a_bar_per_opportunity_with_a_later_death(case):
    gaps = gap_table(case)
    fig = plots.gap_chart(case)
    ax = fig.axes[0]
    assert len(ax.patches) == int(gaps["next_death"].notna().sum())
    assert len(ax.get_yticklabels()) == len(gaps)
    widths = sorted(round(p.get_width(), 6) for p in ax.patches)
    assert widths == sorted(round(float(x), 6) for x in gaps["gap_days_mid"].dropna())
    labels = [t.get_text() for t in ax.texts]
    assert labels.count(" no later death") == int(gaps["next_death"].isna().sum())


def test_findings_matrix_fills_one_square_per_attribution(case):
    from analysis.evidence import official_credits

    fig = plots.findings_matrix(case)
    ax = fig.axes[0]
    squares = [(tuple(face[:3]) != (1.0, 1.0, 1.0), bool(c.get_hatch()), len(c.get_offsets()))
               for c in ax.collections for face in c.get_facecolor()[:1]]
    filled = sum(n for is_filled, _, n in squares if is_filled)
    hatched = sum(n for _, is_hatched, n in squares if is_hatched)
    empty = sum(n for is_filled, is_hatched, n in squares if not is_filled and not is_hatched)
    bodies = {b for ids in case.opportunities["identified_by"] for b in ids}
    credits = official_credits(case)
    assert hatched == int((credits["strength"] == "general").sum()) > 0
    assert filled + hatched == sum(len(ids) for ids in case.opportunities["identified_by"])
    assert filled + hatched + empty == len(case.opportunities) * len(bodies)
    assert len(ax.get_yticklabels()) == len(case.opportunities)


def test_cumulative_chart_ends_at_all_opportunities_and_four_deaths(case):
    fig = plots.cumulative_chart(case, start=None, end=None)
    top, bottom = fig.axes
    assert top.lines[0].get_ydata()[-1] == int((case.opportunities["date_earliest"] <= case.final_arrest).sum())
    assert max(line.get_ydata()[-1] for line in bottom.lines if len(line.get_ydata()) > 2) == 4


def test_same_data_same_bytes(case, tmp_path):
    first = save_figure(plots.gap_chart(case), "g", tmp_path / "a")
    second = save_figure(plots.gap_chart(load_case(DATA)), "g", tmp_path / "b")
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes(), a.name
    svg = first[0].read_text(encoding="utf-8")
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
    assert [len(c.get_segments()) for c in lines] == [len(gaps), len(gaps)]  # window, own interval
    dots = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert sum(len(c.get_offsets()) for c in dots) == len(gaps)  # a visible dot even for a one-day interval
    assert len(ax.get_yticklabels()) == len(gaps)
    labels = [t.get_text().strip() for t in ax.texts]
    assert labels.count("no later death") == int((gaps["deaths_in_window_possible"] == "").sum())
    assert "3 certain, 3 possible" in labels
    # Each window's thin line ends at Port's final arrest (latest day, drawn to the end of that day).
    import matplotlib.dates as mdates
    ends = {round(seg[1][0], 6) for seg in lines[0].get_segments()}
    assert ends == {round(mdates.date2num(case.final_arrest + pd.Timedelta(days=1)), 6)}
    assert len(plots.open_windows_chart(case, identified_by="jury").axes[0].get_yticklabels()) == int(
        case.opportunities["identified_by"].map(lambda b: "jury" in b).sum())


@pytest.mark.parametrize("column", ["category", "unit"])
def test_kinds_chart_has_a_square_per_opportunity_and_value(case, column):
    fig = plots.kinds_chart(case, column)
    ax = fig.axes[0]
    squares = sum(len(c.get_offsets()) for c in ax.collections if isinstance(c, PathCollection))
    assert squares == sum(len(values) for values in case.opportunities[column])
    ids = sorted(t.get_text() for t in ax.texts)
    assert ids == sorted(o.removeprefix("op-") for o, values in zip(case.opportunities["opportunity_id"],
                                                                      case.opportunities[column]) for _ in values)
