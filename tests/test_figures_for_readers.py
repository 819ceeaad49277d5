"""Figures a reporter can take: titles that say what the filter keeps, labels that collide with
nothing, no picture published twice under two names."""

from __future__ import annotations

import hashlib
import itertools

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text

from analysis import load_case, plots
from analysis.batch.spec import RUNS_FILE, read_runs
from conftest import DATA, ROOT


@pytest.fixture(scope="module")
def case():
    return load_case(DATA)


def drawn(fig):
    FigureCanvasAgg(fig).draw()
    return fig.canvas.get_renderer()


def overlap(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


@pytest.mark.parametrize(
    "identified_by, words",
    [
        ("jury", "credited by the jury, explicitly or in general"),
        ("jury:explicit", "named in specific terms by the jury"),
        ("jury+coroner", "credited by the jury or the coroner, explicitly or in general"),
    ],
)
def test_titles_say_what_the_filter_keeps(case, identified_by, words):
    for fig in (
        plots.gap_chart(case, identified_by=identified_by),
        plots.open_windows_chart(case, identified_by=identified_by),
    ):
        assert words in fig.get_suptitle().replace("\n", " ")
    assert "named by the jury" not in plots.gap_chart(case, identified_by="jury").get_suptitle()


@pytest.mark.parametrize("basis", ["death", "found"])
def test_open_windows_band_labels_collide_with_nothing(case, basis):
    fig = plots.open_windows_chart(case, basis=basis)
    renderer = drawn(fig)
    ax = fig.axes[0]
    labels = [t for t in ax.texts if t.get_text() in {n.split()[-1] for n in case.victims["name"]}]
    assert len(labels) == 4  # one per death band, by name
    boxes = [Text.get_window_extent(t, renderer) for t in labels]  # the words alone, without the tick
    ticks = [t.arrow_patch.get_window_extent(renderer) for t in labels]
    for a, b in itertools.combinations(boxes, 2):
        assert not overlap(a, b)
    for i, tick in enumerate(ticks):  # a tick down to its band crosses no other name
        assert not any(overlap(tick, box) for j, box in enumerate(boxes) if j != i)
    plot_area = ax.get_window_extent(renderer)
    assert all(box.y0 >= plot_area.y1 for box in boxes)  # above the axes: no band runs through a label
    assert not any(t.get_text() == "Port arrested" for t in ax.texts)  # the arrest band is in the legend


def test_cumulative_chart_legends_clear_of_the_arrest_band(case):
    fig = plots.cumulative_chart(case)
    renderer = drawn(fig)
    for ax in fig.axes:
        spans = [p for p in ax.patches if p.get_x() > 0 and abs(p.get_height() - 1) < 1e-9]  # axvspan: full height
        assert spans, "the arrest band is drawn"
        legend = ax.get_legend().get_window_extent(renderer)
        for span in spans:
            assert not overlap(legend, span.get_window_extent(renderer))


def test_no_picture_is_published_twice_under_two_names():
    names = sorted({f for run in read_runs(ROOT / RUNS_FILE) for f in run.figures})
    digests: dict[str, str] = {}
    for name in names:
        path = ROOT / "figures" / f"{name}.png"
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert digest not in digests, f"{name} is the same picture as {digests[digest]}"
        digests[digest] = name
    listed = {f"{n}.png" for n in names}
    assert {p.name for p in (ROOT / "figures").glob("*.png")} <= listed  # no file left from a removed run
