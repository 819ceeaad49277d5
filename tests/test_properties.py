"""The interval rules on generated cases: the library against a brute-force oracle, metamorphic
properties, and the loader on generated packages with one corruption each.

The strategies are in tests/strategies.py and the oracle in tests/oracle.py (which imports
nothing of the rules). The ``core`` profile (a fixed seed, a few examples) runs in the core
suite; ``HYPOTHESIS_PROFILE=deep`` (``make test-deep``) runs thousands.
"""

from __future__ import annotations

import ast
import contextlib
import io
import random
import tempfile
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import oracle
from analysis import load_case
from analysis.gaps import BASES, certainly_arisen_before, deaths_view, gap_table
from analysis.intervals import Interval, count_band
from strategies import cases, examples, header, shifted, write_case

HERE = Path(__file__).resolve().parent


@contextlib.contextmanager
def loaded(tables):
    with tempfile.TemporaryDirectory() as folder:
        yield load_case(write_case(Path(folder) / "data", tables))


def ids(cell: str) -> set[str]:
    return set(cell.split(";")) if cell else set()


def gap_results(case, basis: str) -> dict[str, tuple]:
    """What the library says of each opportunity, in a form independent of row order."""
    table = gap_table(case, basis=basis)
    out = {}
    for row in table.itertuples(index=False):
        gap = None if pd.isna(row.gap_days_min) else (int(row.gap_days_min), int(row.gap_days_max))
        out[row.opportunity_id] = (
            None if pd.isna(row.next_death) else row.next_death,
            ids(row.next_deaths),
            gap,
            ids(row.deaths_in_window_certain),
            ids(row.deaths_in_window_possible),
            (int(row.days_open_min), int(row.days_open_max)),
            int(row.deaths_while_open),
        )
    return out


def view_results(case, basis: str) -> dict[str, tuple]:
    view = deaths_view(case, basis=basis)
    return {
        r.victim_id: (
            int(r.n_certainly_before),
            int(r.n_possibly_before),
            frozenset(r.certainly_before),
            frozenset(r.possibly_before),
        )
        for r in view.itertuples(index=False)
    }


# --- the oracle is independent --------------------------------------------------------------------


def test_the_oracle_imports_nothing_of_the_rules():
    tree = ast.parse((HERE / "oracle.py").read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not any(name.startswith("analysis") for name in imported), imported


# --- the library agrees with the oracle ---------------------------------------------------------------


@examples(core=6, deep=2000)
@given(cases())
def test_the_library_agrees_with_the_oracle(tables):
    victims, opportunities = tables["victims"], tables["opportunities"]
    with loaded(tables) as case:
        for basis in BASES:
            library = gap_results(case, basis)
            assert set(library) == {o["opportunity_id"] for o in opportunities}
            for o in opportunities:
                nxt, may, gap, certain, possible, open_days, while_open = library[o["opportunity_id"]]
                assert nxt == oracle.next_death(o, victims, basis), (basis, o)
                assert may == set(oracle.next_gaps(o, victims, basis)), (basis, o)
                assert gap == oracle.gap(o, victims, basis), (basis, o)
                windows = {v["victim_id"]: oracle.in_window(o, v, basis) for v in oracle.others(victims, o)}
                assert certain == {v for v, (c, _) in windows.items() if c}, (basis, o)
                assert possible == {v for v, (_, p) in windows.items() if p}, (basis, o)
                assert while_open == len(possible)
                assert open_days == oracle.days_open(o)
            view = view_results(case, basis)
            for victim_id, (certain_n, possible_n) in oracle.before_counts(victims, opportunities, basis).items():
                assert view[victim_id][:2] == (certain_n, possible_n), (basis, victim_id)


@examples(core=2, deep=300)
@given(cases(max_opportunities=20))
def test_cumulative_bands_and_the_count_before_the_series_end_agree_with_the_oracle(tables):
    arose = [(o["date_earliest"], o["date_latest"]) for o in tables["opportunities"]]
    died = [(v["died_earliest"], v["died_latest"]) for v in tables["victims"]]
    every_day = oracle.days("2013-12-25", "2014-07-10")
    for pairs in (arose, died):
        low, high = count_band([Interval.of(a, b) for a, b in pairs], every_day)
        assert list(zip(low, high)) == [oracle.band(pairs, d) for d in every_day]
    end = tables["events"][0]
    with loaded(tables) as case:
        assert certainly_arisen_before(case, case.series_end_event) == oracle.certainly_before_event(
            tables["opportunities"], end["date_earliest"], end["date_latest"]
        )


@examples(core=2, deep=500)
@given(cases())
def test_in_the_window_implies_before(tables):
    """Certainly in an opportunity's window implies certainly arisen before that death; possibly, possibly."""
    with loaded(tables) as case:
        for basis in BASES:
            view = view_results(case, basis)
            for opp, (_, _, _, certain, possible, _, _) in gap_results(case, basis).items():
                for victim_id in certain:
                    assert opp in view[victim_id][2]
                for victim_id in possible:
                    assert opp in view[victim_id][3]


# --- metamorphic properties ----------------------------------------------------------------------------


@examples(core=3, deep=500)
@given(
    cases(max_opportunities=15),
    st.integers(-400, 400),
    st.randoms(use_true_random=False),
    st.integers(-200, 400),
    st.integers(0, 30),
    st.sampled_from(["press", "court", "police_action", "inquest", "report"]),
)
def test_shifting_dates_reordering_rows_or_adding_an_unrelated_event_changes_nothing(
    tables, days, rnd, start, width, kind
):
    """Three metamorphic properties on one case: every date moved by the same number of days; the
    rows of every table in another order; one more event that is not an arrest."""
    reordered = {name: rnd.sample(rows, len(rows)) for name, rows in tables.items()}
    more = {name: list(rows) for name, rows in tables.items()}
    more["events"] = more["events"] + [
        {
            "event_id": "ev-x-99",
            "date_earliest": date.fromordinal(date(2014, 1, 1).toordinal() + start).isoformat(),
            "date_latest": date.fromordinal(date(2014, 1, 1).toordinal() + start + width).isoformat(),
            "kind": kind,
            "summary": "Unrelated.",
            "source_ids": tables["sources"][0]["source_id"],
        }
    ]
    with loaded(tables) as case:
        expected = {basis: (gap_results(case, basis), view_results(case, basis)) for basis in BASES}
    for variant in (shifted(tables, days), reordered, more):
        with loaded(variant) as other:
            for basis in BASES:
                assert (gap_results(other, basis), view_results(other, basis)) == expected[basis]


@st.composite
def narrowed(draw, tables):
    """``tables`` with one interval (an opportunity's arising or a death) narrowed to a sub-interval."""
    choices = [("opportunities", i) for i in range(len(tables["opportunities"]))]
    choices += [("victims", i) for i in range(len(tables["victims"]))]
    table, index = draw(st.sampled_from(choices))
    row = dict(tables[table][index])
    start, end = ("date_earliest", "date_latest") if table == "opportunities" else ("died_earliest", "died_latest")
    a, b = date.fromisoformat(row[start]).toordinal(), date.fromisoformat(row[end]).toordinal()
    top = min(b, date.fromisoformat(row["open_until_earliest"]).toordinal()) if table == "opportunities" else b
    new_a = draw(st.integers(a, top))
    new_b = draw(st.integers(new_a, b))
    row[start], row[end] = date.fromordinal(new_a).isoformat(), date.fromordinal(new_b).isoformat()
    out = {name: list(rows) for name, rows in tables.items()}
    out[table][index] = row
    return out


@examples(core=3, deep=500)
@given(st.data())
def test_narrowing_an_interval_never_widens_a_range(data):
    tables = data.draw(cases(max_opportunities=15))
    narrow = data.draw(narrowed(tables))
    with loaded(tables) as case, loaded(narrow) as sharper:
        for basis in BASES:
            before, after = gap_results(case, basis), gap_results(sharper, basis)
            for opp, (_, may, gap, certain, possible, _, _) in before.items():
                _, may2, gap2, certain2, possible2, _, _ = after[opp]
                if gap2 is not None:
                    assert gap is not None and gap[0] <= gap2[0] <= gap2[1] <= gap[1], (opp, gap, gap2)
                assert may2 <= may and certain <= certain2 and possible2 <= possible
            view, view2 = view_results(case, basis), view_results(sharper, basis)
            for victim_id, (c, p, _, _) in view.items():
                assert c <= view2[victim_id][0] and view2[victim_id][1] <= p


# --- the loader on generated packages -------------------------------------------------------------------


@examples(core=2, deep=500)
@given(cases())
def test_every_generated_package_loads(tables):
    with loaded(tables) as case:
        assert len(case.opportunities) == len(tables["opportunities"])
        assert len(case.victims) == len(tables["victims"])


def corrupt(tables: dict, kind: str, rnd: random.Random) -> tuple[dict, str, int, str]:
    """One corruption of ``kind``: returns (tables, file, CSV line, column) where it was made."""
    out = {name: [dict(r) for r in rows] for name, rows in tables.items()}
    pick = lambda name: rnd.randrange(len(out[name]))  # noqa: E731
    if kind == "bad type":
        i = pick("victims")
        out["victims"][i]["age"] = "twenty"
        return out, "victims.csv", i + 2, "age"
    if kind == "impossible date":
        table, column = rnd.choice(
            [("victims", "died_earliest"), ("events", "date_latest"), ("findings", "date")]
            + ([("opportunities", "open_until_latest")] if out["opportunities"] else [])
        )
        if not out[table]:
            table, column = "victims", "died_earliest"
        i = pick(table)
        out[table][i][column] = "2014-02-30"
        return out, f"{table}.csv", i + 2, column
    if kind == "reversed interval":
        if out["opportunities"] and rnd.random() < 0.5:
            i = pick("opportunities")
            row = out["opportunities"][i]
            row["open_until_earliest"], row["open_until_latest"] = row["open_until_latest"], row["open_until_earliest"]
            if row["open_until_earliest"] == row["open_until_latest"]:  # a one-day close: make it run backwards
                row["open_until_earliest"] = shifted({"events": [{"date_earliest": row["open_until_latest"]}]}, 1)[
                    "events"
                ][0]["date_earliest"]
            return out, "opportunities.csv", i + 2, "open_until_latest"
        i = pick("events")
        row = out["events"][i]
        row["date_earliest"] = shifted({"events": [{"date_earliest": row["date_latest"]}]}, 1)["events"][0][
            "date_earliest"
        ]
        return out, "events.csv", i + 2, "date_latest"
    if kind == "dangling reference":
        if out["opportunities"]:
            i = pick("opportunities")
            out["opportunities"][i]["investigation"] = "nobody-at-all"
            return out, "opportunities.csv", i + 2, "investigation"
        i = pick("victims")
        out["victims"][i]["source_ids"] = "no-such-source"
        return out, "victims.csv", i + 2, "source_ids"
    if kind == "unknown vocabulary value":
        if out["opportunities"]:
            i = pick("opportunities")
            out["opportunities"][i]["category"] = "astrology"
            return out, "opportunities.csv", i + 2, "category"
        i = pick("sources")
        out["sources"][i]["kind"] = "rumour"
        return out, "sources.csv", i + 2, "kind"
    if kind == "duplicate id":
        table = rnd.choice([t for t in ("victims", "events", "sources") if len(out[t]) >= 2] or ["events"])
        key = header(table)[0]
        if len(out[table]) < 2:
            out[table].append(dict(out[table][0]))
        i = rnd.randrange(1, len(out[table]))
        out[table][i][key] = out[table][0][key]
        return out, f"{table}.csv", i + 2, key
    raise ValueError(kind)


KINDS = (
    "bad type",
    "impossible date",
    "reversed interval",
    "dangling reference",
    "unknown vocabulary value",
    "duplicate id",
)


@examples(core=4, deep=600)
@given(cases(max_opportunities=10), st.sampled_from(KINDS), st.randoms(use_true_random=False))
def test_a_single_corruption_is_refused_with_file_line_column(tables, kind, rnd):
    from analysis.__main__ import main

    bad, file, line, column = corrupt(tables, kind, rnd)
    with tempfile.TemporaryDirectory() as folder:
        path = write_case(Path(folder) / "data", bad)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["validate", str(path)])
        text = out.getvalue() + err.getvalue()
        assert code != 0, kind
        assert "Traceback" not in text
        expected = f"{path / file}:{line}: {column}: "
        assert any(ln.startswith(expected) for ln in text.splitlines()), (kind, expected, text)


@pytest.mark.parametrize("kind", KINDS)
def test_each_corruption_kind_on_a_fixed_case(tmp_path, kind):
    """Every kind at least once, whatever the random profile draws."""
    tables = _fixed_case()
    bad, file, line, column = corrupt(tables, kind, random.Random(0))
    from analysis.__main__ import main

    path = write_case(tmp_path / "data", bad)
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        assert main(["validate", str(path)]) != 0
    assert any(ln.startswith(f"{path / file}:{line}: {column}: ") for ln in err.getvalue().splitlines()), err.getvalue()


def _fixed_case() -> dict:
    rows = {
        "sources": [
            {"source_id": "src-1", "title": "T", "publisher": "P", "url": "https://example.org/1", "kind": "press"}
        ],
        "victims": [
            {
                "victim_id": f"victim-{i}",
                "name": f"Fictional Person {i}",
                "age": "30",
                "died_earliest": f"2014-0{i}-01",
                "died_latest": f"2014-0{i}-03",
                "found_date": f"2014-0{i}-04",
                "found_place": "x",
                "source_ids": "src-1",
            }
            for i in (1, 2, 3)
        ],
        "events": [
            {
                "event_id": "ev-x-01",
                "date_earliest": "2014-06-01",
                "date_latest": "2014-06-05",
                "kind": "arrest",
                "summary": "s",
                "source_ids": "src-1",
            }
        ],
        "opportunities": [
            {
                "opportunity_id": f"op-x-0{i}",
                "date_earliest": f"2014-0{i}-02",
                "date_latest": f"2014-0{i}-05",
                "open_until_earliest": "2014-06-01",
                "open_until_latest": "2014-06-05",
                "investigation": f"victim-{i}",
                "actor": "a",
                "category": "classification",
                "unit": "borough",
                "missed": "m",
                "would_have": "w",
                "identified_by": "press",
                "source_ids": "src-1",
            }
            for i in (1, 2)
        ],
        "findings": [],
    }
    return rows
