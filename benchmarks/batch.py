"""The batch measures: the floor papermill sets, a full regeneration, a no-op and one data change."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import statistics
from dataclasses import dataclass
from pathlib import Path

from common import VENV_PYTHON, Timed, markdown_table, progress, run_measured

FLOOR_NOTEBOOK = "floor.ipynb"
EDITED_CSV = Path("data") / "events.csv"


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
    launched: Timed  # full, with every kernel launched the usual way (PORT_FORK_KERNELS=0)


def count_runs(root: Path) -> int:
    """Number of runs in the copy's notebooks/runs.yaml, a matrix counted as its combinations."""
    from analysis.batch.spec import RUNS_FILE, read_runs

    return len(read_runs(root / RUNS_FILE))


def analysis_run(root: Path, state: Path) -> list[str]:
    """The ``analysis run`` command writing figures, notebooks and build state under ``state``."""
    return [
        str(root / VENV_PYTHON),
        "-m",
        "analysis",
        "run",
        "--figures-dir",
        str(state / "figures"),
        "--notebooks-dir",
        str(state / "notebooks"),
        "--build-dir",
        str(state / "build"),
    ]


# --- floor ---------------------------------------------------------------------------------------


def write_floor_project(folder: Path) -> None:
    """A project root holding only the trivial notebook and the data/ folder that staging links."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "port-inquests",
        "display_name": "Stephen Port inquests (.venv)",
        "language": "python",
    }
    parameters = nbformat.v4.new_code_cell('figures_dir = "../figures"  # where the figure is written')
    parameters.metadata["tags"] = ["parameters"]
    nb.cells = [
        parameters,
        nbformat.v4.new_code_cell("import matplotlib.pyplot as plt\nimport pandas as pd"),
        nbformat.v4.new_code_cell(
            "fig, ax = plt.subplots(figsize=(2, 2))\npd.Series([1, 3, 2]).plot(ax=ax)\n"
            'fig.savefig(f"{figures_dir}/floor.png")'
        ),
    ]
    (folder / "notebooks").mkdir(parents=True)
    (folder / "data").mkdir()
    nbformat.write(nb, folder / "notebooks" / FLOOR_NOTEBOOK)


def worker_count(runs: int) -> int:
    """Workers ``run_batch`` uses by default for this many runs."""
    return max(1, min(os.cpu_count() or 1, runs))


def floor_batch(root: Path, count: int) -> None:
    """Execute ``count`` runs of the trivial notebook through ``analysis.batch.batch.execute`` in forked workers.

    Same staging, kernel, kernel manager class, papermill options and worker count as
    ``run_batch``, but without its kernel supply: papermill starts each run's kernel, waits for it
    and shuts it down, as papermill alone does. This is the body of the floor subprocess
    (``--floor-batch``).
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from analysis.batch.batch import Paths, execute
    from analysis.batch.spec import Run
    from analysis.batch.supply import kernel_name

    paths = Paths(root=root, figures=root / "figures", notebooks=root / "notebooks", build=root / "build")
    runs = [Run(name=f"floor-{i}", notebook=FLOOR_NOTEBOOK, figures=("floor",)) for i in range(1, count + 1)]
    kernel = kernel_name()
    import papermill  # noqa: F401  # once in the parent, inherited by the forked workers, as run_batch does

    with ProcessPoolExecutor(max_workers=worker_count(count), mp_context=multiprocessing.get_context("fork")) as pool:
        for future in as_completed([pool.submit(execute, run, paths, kernel) for run in runs]):
            _, staged = future.result()
            if not (staged / "floor.png").exists():
                raise RuntimeError(f"floor notebook wrote no figure in {staged}")


def run_floor(root: Path, folder: Path, count: int, env: dict) -> Timed:
    """Time one floor batch in its own subprocess, started like ``analysis run``."""
    write_floor_project(folder)
    cmd = [
        str(root / VENV_PYTHON),
        str(Path(__file__).with_name("bench.py")),
        "--floor-batch",
        str(folder),
        "--runs",
        str(count),
    ]
    return run_measured(cmd, root, env)


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
    return text.index(summary[: letter + 20], text.index("\n")) + letter


def edited(text: str) -> str:
    """``text`` with the first letter of the first event summary replaced by another letter."""
    offset = summary_letter_offset(text)
    new = "y" if text[offset].lower() == "x" else "x"
    return text[:offset] + (new.upper() if text[offset].isupper() else new) + text[offset + 1 :]


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
        total, cells = (
            statistics.median(values) for values in zip(*[getattr(r, f"{name}_split") for r in repetitions])
        )
        rows.append([name, f"{wall:.2f}", f"{total:.2f}", f"{cells:.2f}", f"{total - cells:.2f}"])
    return (
        "Sums over all runs of a batch (per-run times from papermill's metadata), medians over repetitions; "
        "runs overlap, so the sums exceed the wall time. Outside cells: kernel start-up and shutdown, "
        "papermill's own work.\n\n"
        + markdown_table(["batch", "wall s", "notebooks s", "in cells s", "outside cells s"], rows)
    )


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
    progress(f"repetition {k}: full, kernels launched the usual way (PORT_FORK_KERNELS=0)")
    launched = run_full(root, workdir / f"launched-{k}", {**env, "PORT_FORK_KERNELS": "0"})
    return Repetition(
        floor, full, noop, change, reran, notebook_seconds(floor_root / "build" / "runs"), full_split, launched
    )
