"""Time set-up, the tests and figure regeneration against the floor papermill sets.

Run from the repository root as ``.venv/bin/python benchmarks/bench.py`` (``make bench``). One
module per measure, this one gathers them and writes benchmarks/results.md:

* ``batch.py``: floor, full, no-op and one change, ``--repeat`` times (median, min, max);
* ``suite.py``: the core tests (three times as `make test-core` runs them, three times regenerating every
  run) and the whole suite once;
* ``setup_time.py``: a fresh set-up the project's way (uv) and with plain pip, once each;
* ``imports.py``: import costs of the batch's parent process;
* ``common.py``: running a command with its time and peak RSS, the throwaway copy, tables.

Everything runs in a temporary copy (analysis/, data/, notebooks/, figures/, tests/ and the
top-level project files, modification times kept, ``.venv`` symlinked to the real one), so the
working tree is never touched. Every command runs the copy's ``.venv/bin/python`` with the copy as
working directory and first on PYTHONPATH, so the batch and its kernels both run the copied code.
``make`` is called only for the fresh set-up, in its own new folder; elsewhere its stamp is only
checked with ``make -q``, so nothing can trigger a reinstall into the shared .venv.

Peak RSS is ``ru_maxrss`` of each command's process tree, read with ``os.wait4``: the largest
single process (parent, worker or kernel), not the sum.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from batch import Repetition, count_runs, breakdown_section, floor_batch, run_repetition, worker_count
from common import Timed, child_env, copy_project, machine, make_stamp_status, markdown_table, progress, REPO
from imports import import_cost, import_section
from setup_time import time_pip_setup, time_project_setup
from suite import CORE, CORE_OPTIONS, PARALLEL, run_tests

RESULTS = REPO / "benchmarks" / "results.md"
MAX_RATIO = 1.15
MAX_NOOP_SECONDS = 0.3
MAX_CORE_TESTS_SECONDS = 20
MAX_SETUP_SECONDS = 20
OPTIONS = " ".join(CORE_OPTIONS)


@dataclass
class Row:
    """One line of the results table."""

    name: str
    seconds: list[float]
    peak_rss_mib: float
    ratio: float | None = None
    target: str = ""
    met: bool | None = None
    note: str = ""


# --- report -------------------------------------------------------------------------------------


def results_table(rows: list[Row]) -> str:
    """The table of measures with their targets."""
    cells = []
    for row in rows:
        ratio = "-" if row.ratio is None else f"{row.ratio:.3f}"
        if not row.seconds:
            cells.append([row.name, "-", "-", "-", "-", ratio, "-", row.target or "-", "skipped", row.note])
            continue
        status = "-" if row.met is None else ("met" if row.met else "MISSED")
        cells.append(
            [
                row.name,
                f"{statistics.median(row.seconds):.2f}",
                f"{min(row.seconds):.2f}",
                f"{max(row.seconds):.2f}",
                str(len(row.seconds)),
                ratio,
                f"{row.peak_rss_mib:.0f}",
                row.target or "-",
                status,
                row.note,
            ]
        )
    header = ["measure", "median s", "min s", "max s", "n", "ratio", "peak RSS MiB", "target", "status", "note"]
    return markdown_table(header, cells)


def report(
    rows: list[Row], sections: list[tuple[str, str]], notes: list[str], machine_rows: list[tuple[str, str]]
) -> str:
    """The whole markdown report."""
    return (
        "\n\n".join(
            [
                "# Benchmark: set-up, tests, and figure regeneration against the papermill floor",
                "Written by `make bench` (`benchmarks/bench.py`); re-run it to refresh.",
                "## Machine",
                markdown_table(["item", "value"], [list(pair) for pair in machine_rows]),
                "## Results",
                results_table(rows),
                *[part for title, body in sections for part in (f"## {title}", body)],
                "## Method",
                "\n".join(f"- {note}" for note in notes),
            ]
        )
        + "\n"
    )


# --- main ---------------------------------------------------------------------------------------


def batch_rows(runs: int, repetitions: list[Repetition]) -> list[Row]:
    """The batch lines of the results table, with each target checked."""
    seconds = lambda name: [getattr(r, name).seconds for r in repetitions]  # noqa: E731
    peak = lambda name: max(getattr(r, name).peak_rss_mib for r in repetitions)  # noqa: E731
    ratios = [r.full.seconds / r.floor.seconds for r in repetitions]
    change_ratios = [r.change.seconds / r.full.seconds for r in repetitions]
    launched_ratios = [r.launched.seconds / r.floor.seconds for r in repetitions]
    ratio, change_ratio = statistics.median(ratios), statistics.median(change_ratios)
    noop = statistics.median(seconds("noop"))
    listed = lambda values: ", ".join(f"{v:.3f}" for v in values)  # noqa: E731
    reran = ", ".join(sorted({r.reran for r in repetitions}))
    return [
        Row("floor", seconds("floor"), peak("floor"), note=f"{runs} trivial notebooks, {worker_count(runs)} workers"),
        Row(
            "full",
            seconds("full"),
            peak("full"),
            ratio=ratio,
            target=f"full/floor <= {MAX_RATIO}",
            met=ratio <= MAX_RATIO,
            note=f"ratio full/floor; per repetition {listed(ratios)}",
        ),
        Row(
            "no-op",
            seconds("noop"),
            peak("noop"),
            target=f"<= {MAX_NOOP_SECONDS} s",
            met=noop <= MAX_NOOP_SECONDS,
            note="whole command, nothing to do",
        ),
        Row(
            "one-change",
            seconds("change"),
            peak("change"),
            ratio=change_ratio,
            # No target since every run depends on every table (docs/batch.md): a corrected row re-runs
            # the whole batch, so this is a full run by design and its ratio is 1 give or take the noise.
            note=f"ratio one-change/full; per repetition {listed(change_ratios)}; re-ran {reran} runs "
            "(every run reads every table, so a correction re-runs all of them: no target)",
        ),
        Row(
            "full, no fork",
            seconds("launched"),
            peak("launched"),
            ratio=statistics.median(launched_ratios),
            note="what forking kernels saves: full with PORT_FORK_KERNELS=0 (every kernel launched the usual way), "
            f"ratio to the floor; per repetition {listed(launched_ratios)}",
        ),
    ]


def timed_row(
    name: str,
    timed: Timed | None,
    note: str,
    limit: float | None = None,
    ratio: float | None = None,
    ratio_note: str = "",
) -> Row:
    """A line for a measure taken once (or skipped, when ``timed`` is None)."""
    if timed is None:
        return Row(name, [], 0.0, note=note)
    target = f"<= {limit:.0f} s" if limit is not None else ""
    met = timed.seconds <= limit if limit is not None else None
    return Row(
        name, [timed.seconds], timed.peak_rss_mib, ratio=ratio, target=target, met=met, note=f"{ratio_note}{note}"
    )


def measure(root: Path, workdir: Path, args: argparse.Namespace) -> tuple[list[Row], list[tuple[str, str]]]:
    """Run every measurement; return the table rows and the other sections."""
    env, runs = child_env(root), count_runs(root)
    repetitions = [run_repetition(root, workdir, k, runs, env) for k in range(1, args.repeat + 1)]
    rows, failed = batch_rows(runs, repetitions), []
    # The core suite has a target of its own: median of three, since one run moves with the machine's load.
    # As `make test-core` runs it, the first of the three regenerates every run (the copy has no kept
    # regeneration yet) and the next two reuse it; beside it, three runs that each regenerate everything,
    # which is what the first `make test-core` after a change to the library or the data costs.
    for name, core, reuse, limit, times in (
        ("tests (core)", True, True, MAX_CORE_TESTS_SECONDS, 3),
        ("tests (core), regenerating", True, False, None, 3),
        ("tests (all)", False, False, None, 1),
    ):
        if args.skip_tests:
            rows.append(timed_row(name, None, "skipped (--skip-tests)"))
            continue
        progress(f"{name} (pytest, {'once' if times == 1 else f'{times} times'})")
        timings, outcomes = [], []
        for _ in range(times):
            timed, outcome, failures = run_tests(root, env, core, reuse)
            timings.append(timed)
            outcomes.append(outcome)
            failed += [f for f in failures if f not in failed]
        seconds = [t.seconds for t in timings]
        median = statistics.median(seconds)
        rows.append(
            Row(
                name,
                seconds,
                max(t.peak_rss_mib for t in timings),
                target=f"<= {limit:.0f} s" if limit is not None else "",
                met=median <= limit if limit is not None else None,
                note="; ".join(dict.fromkeys(outcomes)),
            )
        )
    if args.skip_setup:
        rows += [
            timed_row("set-up (uv)", None, "skipped (--skip-setup)"),
            timed_row("set-up (pip)", None, "skipped (--skip-setup)"),
        ]
    else:
        progress("fresh set-up, the project's way (make setup, uv)")
        uv = time_project_setup(workdir)
        progress("fresh set-up, plain pip")
        pip = time_pip_setup(workdir)
        rows += [
            timed_row(
                "set-up (uv)",
                uv,
                "`make setup` in a new folder: venv, uv, pins, kernel",
                MAX_SETUP_SECONDS,
                ratio=uv.seconds / pip.seconds,
                ratio_note="ratio uv/pip; ",
            ),
            timed_row(
                "set-up (pip)", pip, "`python -m venv` + `pip install -r requirements.txt -c constraints.txt -e .`"
            ),
        ]
    progress("import times")
    imports = "\n\n".join(
        [
            import_section("import papermill", *import_cost("papermill", root, env)),
            import_section("import analysis.batch.batch", *import_cost("analysis.batch.batch", root, env)),
        ]
    )
    sections = [
        ("Where the batch time goes", breakdown_section(repetitions)),
        ("Import costs (`python -X importtime`, one run each)", imports),
    ]
    if failed:
        sections.append(("Tests not passing in the copy", "\n".join(f"- {test}" for test in failed)))
    return rows, sections


def method_notes(stamp: str, repeat: int) -> list[str]:
    """How the numbers were obtained, for the report."""
    return [
        f"Batch measures are the wall time of a subprocess; median, min and max of {repeat} repetitions. Each "
        "repetition runs floor, full, no-op and one change in that order; a ratio is the median of the "
        "per-repetition ratios, so it pairs times taken close together. Tests and set-up: once each.",
        "All commands run in a temporary copy of the project (mtimes kept, `.venv` symlinked); "
        f"{stamp}. `analysis run` is called directly as `.venv/bin/python -m analysis run` with the copy "
        "as working directory, not through make.",
        "PYTHONPATH starts with the copy so kernels import the copied `analysis`, not the editable install.",
        "floor: a notebook that imports pandas and matplotlib and saves one 2x2-inch PNG, executed once per run "
        "in runs.yaml through `analysis.batch.batch.execute` (same staging, kernel, IPC kernel manager, papermill "
        "options) in forked workers with papermill imported once in the parent, as `run_batch` does; papermill "
        "starts, awaits and shuts down each kernel itself. The batch starts each worker's next kernel while the "
        "current run executes (`analysis.batch.supply.KernelSupply`): that overlap is part of what full measures.",
        "full: `analysis run` into new, empty figures, notebooks and build directories (no manifest).",
        "no-op: `analysis run` again on the state the full run left. one-change: then the first letter of "
        "the first summary in data/events.csv is changed and `analysis run` brings that state up to date; "
        "the file is restored afterwards.",
        f"tests: `.venv/bin/python -m pytest -q -p no:cacheprovider {' '.join(PARALLEL)}` in the copy (as `make test` "
        f'runs it, in parallel processes), with `-m "{CORE}" {OPTIONS}` for the '
        "core tests (`make test-core`; three times, median: the first regenerates every run into the copy's "
        "build/tests/regeneration/, the next two reuse it), once more three times without "
        f"`{OPTIONS}` (every run regenerated each time), and without marks for all "
        "(`make test`; once); the "
        "copy's committed figures/ and notebooks/ are the working tree's, so stale-output tests report on those.",
        "set-up: each in a new folder with only Makefile, pins, pyproject.toml, README.md and analysis/, a new "
        "empty virtual environment and empty caches, both installers on their default index (this machine's pip "
        "settings switched off for both). uv: `make setup` (pip installs uv, uv installs the pins with bytecode "
        "compiled, the kernel is registered). pip: `python -m venv` then one `pip install` (bytecode compiled by "
        "default). Download speed counts in both.",
        "peak RSS: `ru_maxrss` of the command's process tree from `os.wait4`, i.e. the largest single process "
        "(batch parent, worker or kernel), maximum over repetitions; not the sum over processes.",
    ]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="repetitions of the batch measures (default: 5)")
    parser.add_argument("--skip-tests", action="store_true", help="do not time the test suite")
    parser.add_argument("--skip-setup", action="store_true", help="do not time the fresh set-ups (they download)")
    parser.add_argument("--floor-batch", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--runs", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    """Benchmark on a temporary copy, print the results and write benchmarks/results.md."""
    args = parse_args(argv)
    if args.floor_batch:
        floor_batch(args.floor_batch, args.runs)
        return 0
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        workdir = Path(tmp)
        root = copy_project(workdir)
        stamp = make_stamp_status(root)
        progress(f"copy in {root}; {stamp}")
        try:
            rows, sections = measure(root, workdir, args)
        except RuntimeError as exc:  # a command failed, e.g. the data does not validate
            print(f"bench: {exc}", file=sys.stderr)
            return 1
    notes = method_notes(stamp, args.repeat) + [f"Benchmark run time: {time.perf_counter() - started:.0f} s."]
    text = report(rows, sections, notes, machine())
    RESULTS.write_text(text, encoding="utf-8")
    print(text, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
