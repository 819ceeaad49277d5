"""Time figure regeneration against the floor papermill sets, on a throwaway copy of the project.

Run from the repository root as ``.venv/bin/python benchmarks/bench.py`` (``make bench``).
Everything runs in a temporary copy (analysis/, data/, notebooks/, figures/, tests/ and the
top-level project files, modification times kept, ``.venv`` symlinked to the real one), so the
working tree is never touched. Every command runs the copy's ``.venv/bin/python`` (``-m analysis
run`` for the batch) with the copy as working directory and first on PYTHONPATH, so the batch and
its kernels both run the copied code. ``make`` itself is not called (its stamp is only checked with
``make -q``), so no timing includes make and nothing can trigger a reinstall into the shared .venv.

Measures (each the median, min and max of ``--repeat`` repetitions, wall time of a subprocess):

* floor: the trivial notebook (import pandas and matplotlib, save one small figure) executed
  once per run in runs.yaml by ``analysis.runs.execute`` in forked workers, exactly as
  ``run_batch`` does (same worker count, papermill imported once in the parent, same kernel and
  IPC kernel manager, same staging);
* full: ``analysis run`` with empty figures, notebooks and build directories;
  full/floor is computed per repetition and its median reported;
* no-op: ``analysis run`` again with nothing changed;
* one change: one character of an event summary edited in data/events.csv, then ``analysis run``.

Each repetition runs floor, full, no-op and one change in that order, so compared times are taken
close together. Tests: ``python -m pytest -q -p no:cacheprovider`` timed once (``--skip-tests`` to skip).

Peak RSS is ``ru_maxrss`` of each command's process tree, read with ``os.wait4`` (the per-child
form of ``getrusage(RUSAGE_CHILDREN)``): the largest single process (parent, worker or kernel), not
the sum. Results are printed and written to benchmarks/results.md.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results.md"
COPIED_DIRS = ("analysis", "data", "notebooks", "figures", "tests")
COPIED_FILES = ("pyproject.toml", "Makefile", "requirements.txt", "constraints.txt", "environment.yml", "README.md")
VENV_PYTHON = Path(".venv") / "bin" / "python"
FLOOR_NOTEBOOK = "floor.ipynb"
EDITED_CSV = Path("data") / "events.csv"
MAX_RATIO = 1.3
MAX_NOOP_SECONDS = 1.0
TOP_PACKAGES = 5


@dataclass
class Timed:
    """One finished command."""

    seconds: float
    peak_rss_mib: float
    stdout: str
    returncode: int


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


@dataclass
class Repetition:
    """One repetition of the batch measures; the splits are (notebook seconds, seconds in cells)."""

    floor: Timed
    full: Timed
    noop: Timed
    change: Timed
    reran: str
    floor_split: tuple[float, float]
    full_split: tuple[float, float]


@dataclass
class ImportLine:
    """One line of ``python -X importtime`` output."""

    name: str
    depth: int
    self_us: int
    cumulative_us: int


# --- running commands -------------------------------------------------------------------------


def run_measured(cmd: list[str], cwd: Path, env: dict, check: bool = True) -> Timed:
    """Run ``cmd``; return its wall time and the peak RSS of its largest process.

    ``os.wait4`` gives the rusage of exactly this child and the descendants it reaped, so the RSS
    is attributable to the command alone.
    """
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if check and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} (in {cwd}) exited {proc.returncode}:\n{stdout[-2000:]}{stderr[-4000:]}")
    return Timed(seconds, usage.ru_maxrss / 1024, stdout, proc.returncode)


def child_env(root: Path) -> dict:
    """The environment of every command: the copy first on sys.path.

    Without it the kernels would import ``analysis`` through the editable install, i.e. from the
    real working tree, while the batch parent imports the copy.
    """
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(root), env.get("PYTHONPATH")) if p)
    return env


def progress(message: str) -> None:
    """Report progress on stderr, keeping stdout for the results."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- the project copy --------------------------------------------------------------------------


def copy_project(workdir: Path) -> Path:
    """Copy the project into ``workdir/project`` (mtimes kept) with ``.venv`` linked to the real one."""
    root = workdir / "project"
    for name in COPIED_DIRS:
        shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    for name in COPIED_FILES:
        shutil.copy2(REPO / name, root / name)
    (root / ".venv").symlink_to(REPO / ".venv", target_is_directory=True)
    return root


def make_stamp_status(root: Path) -> str:
    """Say whether ``make`` in the copy would reinstall .venv (``make -q`` runs no recipe)."""
    try:
        done = subprocess.run(["make", "-q", ".venv/.ready"], cwd=root, capture_output=True)
    except FileNotFoundError:
        return "make not installed; stamp not checked"
    if done.returncode == 0:
        return "make in the copy finds .venv/.ready up to date (would not reinstall)"
    return "make in the copy finds .venv/.ready out of date (WOULD reinstall into the shared .venv)"


def count_runs(root: Path) -> int:
    """Number of runs listed in the copy's notebooks/runs.yaml."""
    import yaml

    return len(yaml.safe_load((root / "notebooks" / "runs.yaml").read_text(encoding="utf-8"))["runs"])


def analysis_run(root: Path, state: Path) -> list[str]:
    """The ``analysis run`` command writing figures, notebooks and build state under ``state``."""
    return [str(root / VENV_PYTHON), "-m", "analysis", "run", "--figures-dir", str(state / "figures"),
            "--notebooks-dir", str(state / "notebooks"), "--build-dir", str(state / "build")]


# --- floor ---------------------------------------------------------------------------------------


def write_floor_project(folder: Path) -> None:
    """A project root holding only the trivial notebook and the data/ folder that staging links."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "port-inquests", "display_name": "Stephen Port inquests (.venv)",
                                 "language": "python"}
    parameters = nbformat.v4.new_code_cell('figures_dir = "../figures"  # where the figure is written')
    parameters.metadata["tags"] = ["parameters"]
    nb.cells = [parameters,
                nbformat.v4.new_code_cell("import matplotlib.pyplot as plt\nimport pandas as pd"),
                nbformat.v4.new_code_cell("fig, ax = plt.subplots(figsize=(2, 2))\npd.Series([1, 3, 2]).plot(ax=ax)\n"
                                          'fig.savefig(f"{figures_dir}/floor.png")')]
    (folder / "notebooks").mkdir(parents=True)
    (folder / "data").mkdir()
    nbformat.write(nb, folder / "notebooks" / FLOOR_NOTEBOOK)


def worker_count(runs: int) -> int:
    """Workers ``run_batch`` uses by default for this many runs."""
    return max(1, min(os.cpu_count() or 1, runs))


def floor_batch(root: Path, count: int) -> None:
    """Execute ``count`` runs of the trivial notebook the way ``analysis.runs.run_batch`` does.

    This is the body of the floor subprocess (``--floor-batch``).
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from analysis.runs import Paths, Run, _kernel_name, execute

    paths = Paths(root=root, figures=root / "figures", notebooks=root / "notebooks", build=root / "build")
    runs = [Run(name=f"floor-{i}", notebook=FLOOR_NOTEBOOK, figures=("floor",)) for i in range(1, count + 1)]
    kernel = _kernel_name()
    import papermill  # noqa: F401  # once in the parent, inherited by the forked workers, as run_batch does

    with ProcessPoolExecutor(max_workers=worker_count(count), mp_context=multiprocessing.get_context("fork")) as pool:
        for future in as_completed([pool.submit(execute, run, paths, kernel) for run in runs]):
            _, staged = future.result()
            if not (staged / "floor.png").exists():
                raise RuntimeError(f"floor notebook wrote no figure in {staged}")


def run_floor(root: Path, folder: Path, count: int, env: dict) -> Timed:
    """Time one floor batch in its own subprocess, started like ``analysis run``."""
    write_floor_project(folder)
    cmd = [str(root / VENV_PYTHON), str(Path(__file__).resolve()), "--floor-batch", str(folder), "--runs", str(count)]
    return run_measured(cmd, root, env)


# --- full, no-op, one change, tests -------------------------------------------------------------


def run_full(root: Path, state: Path, env: dict) -> Timed:
    """Time ``analysis run`` from nothing: new, empty figures, notebooks and build directories."""
    for name in ("figures", "notebooks", "build"):
        (state / name).mkdir(parents=True)
    timed = run_measured(analysis_run(root, state), root, env)
    if not (state / "figures" / "manifest.json").exists():
        raise RuntimeError(f"full run wrote no manifest:\n{timed.stdout}")
    return timed


def run_noop(root: Path, state: Path, env: dict) -> Timed:
    """Time ``analysis run`` on an up-to-date state; fail if it did any work."""
    timed = run_measured(analysis_run(root, state), root, env)
    if not timed.stdout.startswith("Nothing to do"):
        raise RuntimeError(f"no-op run did work:\n{timed.stdout}")
    return timed


def summary_letter_offset(text: str) -> int:
    """Offset in events.csv of the first letter of the first event's summary."""
    summary = next(csv.DictReader(io.StringIO(text)))["summary"]
    letter = next(i for i, ch in enumerate(summary) if ch.isalpha())
    return text.index(summary[:letter + 20], text.index("\n")) + letter


def edited(text: str) -> str:
    """``text`` with the first letter of the first event summary replaced by another letter."""
    offset = summary_letter_offset(text)
    new = "y" if text[offset].lower() == "x" else "x"
    return text[:offset] + (new.upper() if text[offset].isupper() else new) + text[offset + 1:]


def run_one_change(root: Path, state: Path, env: dict) -> tuple[Timed, str]:
    """Edit one character of data/events.csv, time bringing ``state`` up to date, restore the file.

    Returns the timing and the runs the batch re-executed ("X of Y").
    """
    path = root / EDITED_CSV
    original = path.read_bytes()
    try:
        path.write_text(edited(original.decode("utf-8")), encoding="utf-8")
        timed = run_measured(analysis_run(root, state), root, env)
    finally:
        path.write_bytes(original)
    match = re.search(r"Running (\d+ of \d+) run", timed.stdout)
    return timed, match.group(1) if match else "0 of ?"


def run_tests(root: Path, env: dict) -> tuple[Timed, str, list[str]]:
    """Time the test suite once in the copy; return the timing, pytest's outcome counts and the
    ids of the tests that failed or errored."""
    timed = run_measured([str(root / VENV_PYTHON), "-m", "pytest", "-q", "-p", "no:cacheprovider"], root, env,
                         check=False)
    lines = [line for line in timed.stdout.splitlines() if line.strip()]
    outcome = re.sub(r"\s+in [\d.]+s.*$", "", lines[-1].strip("= ")) if lines else "no output"
    failed = [f"{kind} {test}" for kind, test in re.findall(r"^(FAILED|ERROR) (\S+)", timed.stdout, re.M)]
    return timed, f"pytest exit {timed.returncode}: {outcome}", failed


# --- where the time goes --------------------------------------------------------------------------


def notebook_seconds(runs_dir: Path) -> tuple[float, float]:
    """Seconds papermill recorded for the executed notebooks in ``runs_dir``: (whole notebooks,
    inside cells). The difference is kernel start-up, shutdown and papermill's own work."""
    total = cells = 0.0
    for path in runs_dir.glob("*.ipynb"):
        nb = json.loads(path.read_text(encoding="utf-8"))
        total += nb["metadata"]["papermill"]["duration"]
        cells += sum(c["metadata"].get("papermill", {}).get("duration") or 0 for c in nb["cells"])
    return total, cells


def breakdown_section(repetitions: list[Repetition]) -> str:
    """Table splitting the floor's and the full batch's time into notebook cells and the rest."""
    rows = []
    for name in ("floor", "full"):
        wall = statistics.median(getattr(r, name).seconds for r in repetitions)
        total, cells = (statistics.median(values) for values in zip(*[getattr(r, f"{name}_split") for r in repetitions]))
        rows.append([name, f"{wall:.2f}", f"{total:.2f}", f"{cells:.2f}", f"{total - cells:.2f}"])
    return ("Sums over all runs of a batch (per-run times from papermill's metadata), medians over repetitions; "
            "runs overlap, so the sums exceed the wall time. Outside cells: kernel start-up and shutdown, "
            "papermill's own work.\n\n"
            + markdown_table(["batch", "wall s", "notebooks s", "in cells s", "outside cells s"], rows))


# --- import costs -------------------------------------------------------------------------------


def import_lines(statement: str, root: Path, env: dict) -> list[ImportLine]:
    """Parse ``python -X importtime -c STATEMENT`` run in the copy."""
    done = subprocess.run([str(root / VENV_PYTHON), "-X", "importtime", "-c", statement], cwd=root, env=env,
                          capture_output=True, text=True, check=True)
    lines = []
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( +)(\S+)", line)
        if match:
            lines.append(ImportLine(match[4], (len(match[3]) - 1) // 2, int(match[1]), int(match[2])))
    return lines


def package_costs(tree: list[ImportLine], exclude: str) -> list[tuple[str, float, float]]:
    """The biggest top-level packages of an import tree: (name, cumulative ms, own code ms).

    A package's cumulative time adds up its outermost modules (those not imported from inside the
    same package), so ``import matplotlib.figure`` counts in full; it includes what the package
    imports from other packages, so packages nest. Own code is the sum of its modules' self times.
    """
    cumulative, own, ancestors = {}, {}, []
    for line in reversed(tree):  # reversed, importtime lists every importer before what it imports
        while ancestors and ancestors[-1].depth >= line.depth:
            ancestors.pop()
        package = line.name.split(".")[0]
        if all(a.name.split(".")[0] != package for a in ancestors):
            cumulative[package] = cumulative.get(package, 0) + line.cumulative_us
        own[package] = own.get(package, 0) + line.self_us
        ancestors.append(line)
    ranked = sorted((p for p in cumulative if p != exclude), key=lambda p: (-cumulative[p], p))
    return [(p, cumulative[p] / 1000, own[p] / 1000) for p in ranked[:TOP_PACKAGES]]


def import_cost(module: str, root: Path, env: dict) -> tuple[float, list[tuple[str, float, float]]]:
    """Cumulative import time of ``module`` in ms and its biggest top-level packages."""
    lines = import_lines(f"import {module}", root, env)
    end = next(i for i, line in enumerate(lines) if line.name == module and line.depth == 0)
    start = end
    while start > 0 and lines[start - 1].depth > 0:
        start -= 1
    return lines[end].cumulative_us / 1000, package_costs(lines[start:end + 1], module.split(".")[0])


# --- machine and report -------------------------------------------------------------------------


def machine() -> list[tuple[str, str]]:
    """Cores, CPU model, memory, Python version and date."""
    cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    meminfo = re.search(r"^MemTotal:\s*(\d+) kB", Path("/proc/meminfo").read_text(encoding="utf-8"), re.M)
    return [("nproc", str(len(os.sched_getaffinity(0)))),
            ("CPU", model.group(1).strip() if model else platform.machine()),
            ("memory", f"{int(meminfo.group(1)) / 1024 ** 2:.1f} GiB" if meminfo else "unknown"),
            ("Python", platform.python_version()),
            ("date", datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))]


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    """A column-aligned markdown table."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    line = lambda cells: "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    return "\n".join([line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, rows)])


def results_table(rows: list[Row]) -> str:
    """The table of measures with their targets."""
    cells = []
    for row in rows:
        ratio = "-" if row.ratio is None else f"{row.ratio:.3f}"
        if not row.seconds:
            cells.append([row.name, "-", "-", "-", "-", ratio, "-", row.target or "-", "skipped", row.note])
            continue
        status = "-" if row.met is None else ("met" if row.met else "MISSED")
        cells.append([row.name, f"{statistics.median(row.seconds):.2f}", f"{min(row.seconds):.2f}",
                      f"{max(row.seconds):.2f}", str(len(row.seconds)), ratio, f"{row.peak_rss_mib:.0f}",
                      row.target or "-", status, row.note])
    header = ["measure", "median s", "min s", "max s", "n", "ratio", "peak RSS MiB", "target", "status", "note"]
    return markdown_table(header, cells)


def import_section(title: str, total_ms: float, packages: list[tuple[str, float, float]]) -> str:
    """One import-cost table."""
    rows = [[name, f"{cumulative:.0f}", f"{own:.0f}"] for name, cumulative, own in packages]
    return (f"`{title}`: {total_ms:.0f} ms cumulative. Its {TOP_PACKAGES} costliest top-level packages "
            "(cumulative includes the packages each one imports, so rows nest; own code is the time spent "
            "in the package's own modules):\n\n" + markdown_table(["package", "cumulative ms", "own code ms"], rows))


def report(rows: list[Row], sections: list[tuple[str, str]], notes: list[str],
           machine_rows: list[tuple[str, str]]) -> str:
    """The whole markdown report."""
    return "\n\n".join([
        "# Benchmark: figure regeneration against the papermill floor",
        "Written by `make bench` (`benchmarks/bench.py`); re-run it to refresh.",
        "## Machine",
        markdown_table(["item", "value"], [list(pair) for pair in machine_rows]),
        "## Results",
        results_table(rows),
        *[part for title, body in sections for part in (f"## {title}", body)],
        "## Method",
        "\n".join(f"- {note}" for note in notes),
    ]) + "\n"


# --- main ---------------------------------------------------------------------------------------


def run_repetition(root: Path, workdir: Path, k: int, runs: int, env: dict) -> Repetition:
    """Floor, full, no-op and one change, in that order, so the times compared are taken close together."""
    progress(f"repetition {k}: floor ({runs} trivial notebooks)")
    floor_root, state = workdir / f"floor-{k}", workdir / f"state-{k}"
    floor = run_floor(root, floor_root, runs, env)
    progress(f"repetition {k}: full")
    full = run_full(root, state, env)
    full_split = notebook_seconds(state / "build" / "runs")  # before the one change re-executes the runs
    progress(f"repetition {k}: no-op, one change")
    noop = run_noop(root, state, env)
    change, reran = run_one_change(root, state, env)
    return Repetition(floor, full, noop, change, reran, notebook_seconds(floor_root / "build" / "runs"), full_split)


def table_rows(runs: int, repetitions: list[Repetition], tests: Timed | None, outcome: str) -> list[Row]:
    """The results table, with each target checked."""
    seconds = lambda name: [getattr(r, name).seconds for r in repetitions]  # noqa: E731
    peak = lambda name: max(getattr(r, name).peak_rss_mib for r in repetitions)  # noqa: E731
    ratios = [r.full.seconds / r.floor.seconds for r in repetitions]
    change_ratios = [r.change.seconds / r.full.seconds for r in repetitions]
    ratio, change_ratio = statistics.median(ratios), statistics.median(change_ratios)
    noop = statistics.median(seconds("noop"))
    listed = lambda values: ", ".join(f"{v:.3f}" for v in values)  # noqa: E731
    reran = ", ".join(sorted({r.reran for r in repetitions}))
    return [
        Row("floor", seconds("floor"), peak("floor"), note=f"{runs} trivial notebooks, {worker_count(runs)} workers"),
        Row("full", seconds("full"), peak("full"), ratio=ratio, target=f"full/floor <= {MAX_RATIO}",
            met=ratio <= MAX_RATIO, note=f"ratio full/floor; per repetition {listed(ratios)}"),
        Row("no-op", seconds("noop"), peak("noop"), target=f"<= {MAX_NOOP_SECONDS:.0f} s",
            met=noop <= MAX_NOOP_SECONDS, note="whole command, nothing to do"),
        Row("one-change", seconds("change"), peak("change"), ratio=change_ratio, target="one-change/full <= 1",
            met=change_ratio <= 1, note=f"ratio one-change/full; per repetition {listed(change_ratios)}; "
                                        f"re-ran {reran} runs"),
        Row("tests", [tests.seconds] if tests else [], tests.peak_rss_mib if tests else 0.0, note=outcome),
    ]


def measure(root: Path, workdir: Path, repeat: int, skip_tests: bool) -> tuple[list[Row], list[tuple[str, str]]]:
    """Run every measurement on the copy at ``root``; return the table rows and the other sections."""
    env, runs = child_env(root), count_runs(root)
    repetitions = [run_repetition(root, workdir, k, runs, env) for k in range(1, repeat + 1)]
    tests, outcome, failed = None, "skipped (--skip-tests)", []
    if not skip_tests:
        progress("tests (pytest, once)")
        tests, outcome, failed = run_tests(root, env)
    progress("import times")
    imports = "\n\n".join([import_section("import papermill", *import_cost("papermill", root, env)),
                            import_section("import analysis.runs", *import_cost("analysis.runs", root, env))])
    sections = [("Where the batch time goes", breakdown_section(repetitions)),
                ("Import costs (`python -X importtime`, one run each)", imports)]
    if failed:
        sections.append(("Tests not passing in the copy", "\n".join(f"- {test}" for test in failed)))
    return table_rows(runs, repetitions, tests, outcome), sections


def method_notes(stamp: str, repeat: int) -> list[str]:
    """How the numbers were obtained, for the report."""
    return [
        f"Each measure is the wall time of a subprocess; median, min and max of {repeat} repetitions "
        "(tests: once). Each repetition runs floor, full, no-op and one change in that order; a ratio is the "
        "median of the per-repetition ratios, so it pairs times taken close together.",
        "All commands run in a temporary copy of the project (mtimes kept, `.venv` symlinked); "
        f"{stamp}. `analysis run` is called directly as `.venv/bin/python -m analysis run` with the copy "
        "as working directory, not through make.",
        "PYTHONPATH starts with the copy so kernels import the copied `analysis`, not the editable install.",
        "floor: a notebook that imports pandas and matplotlib and saves one 2x2-inch PNG, executed once per run "
        "in runs.yaml through `analysis.runs.execute` (same staging, kernel, IPC kernel manager, papermill "
        "options) in forked workers with papermill imported once in the parent. Its parent also imports "
        "`analysis.runs` (see its import cost), as the full batch does.",
        "full: `analysis run` into new, empty figures, notebooks and build directories (no manifest).",
        "no-op: `analysis run` again on the state the full run left. one-change: then the first letter of "
        "the first summary in data/events.csv is changed and `analysis run` brings that state up to date; "
        "the file is restored afterwards.",
        "tests: `.venv/bin/python -m pytest -q -p no:cacheprovider` in the copy (the copy's committed "
        "figures/ and notebooks/ are the working tree's, so stale-output tests report on those).",
        "peak RSS: `ru_maxrss` of the command's process tree from `os.wait4`, i.e. the largest single process "
        "(batch parent, worker or kernel), maximum over repetitions; not the sum over processes.",
    ]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="repetitions per measure (default: 3)")
    parser.add_argument("--skip-tests", action="store_true", help="do not time the test suite")
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
            rows, sections = measure(root, workdir, args.repeat, args.skip_tests)
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
