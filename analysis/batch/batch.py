"""The batch: execute the runs of ``notebooks/runs.yaml`` that are out of date, with papermill, in
parallel worker processes, and publish each one whole (``python -m analysis run``, ``make figures``).

A run whose inputs (:mod:`analysis.batch.manifest`) hash as they did at its last success, in the
same environment, with its outputs still the bytes it wrote, is skipped; a batch with nothing to do
imports neither pandas nor papermill. Each run executes in a staging folder and is published whole
or not at all (:mod:`analysis.batch.publish`); Ctrl-C and SIGTERM stop the workers and publish
nothing more, never half a run.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from analysis.batch.lock import batch_lock
from analysis.batch.manifest import (
    code_hash,
    current_entries,
    environment,
    file_hashes,
    is_up_to_date,
    outputs_of,
    read_environment,
    read_manifest,
    run_inputs_hash,
    write_environment,
    write_manifest,
)
from analysis.batch.publish import Interrupts, publish, stage
from analysis.batch.spec import RUNS_FILE, Run, read_runs
from analysis.batch.supply import KERNEL_LOG_ENV, kernel_manager_class, kernel_name, start_worker, supply
from analysis.paths import NOTEBOOKS_ENV
from analysis.schema import data_hash


@dataclass
class Paths:
    root: Path
    figures: Path
    notebooks: Path
    build: Path

    @property
    def source_notebooks(self) -> Path:
        return self.root / "notebooks"

    @property
    def data(self) -> Path:
        return self.root / "data"


def execute(run: Run, paths: Paths, kernel: str) -> tuple[Path, Path]:
    """Execute one run in a staging folder; return (executed notebook, staged figures dir).

    In a batch worker (see :class:`~analysis.batch.supply.KernelSupply`) the kernel was started
    ahead; elsewhere papermill starts and stops the run's kernel itself, in a staging folder of the
    run's own.
    """
    import papermill

    executed = paths.build / "runs" / f"{run.name}.ipynb"
    executed.parent.mkdir(parents=True, exist_ok=True)
    # request_save_on_cell_execute=False: papermill writes the executed notebook once, at the end (or
    # when a cell fails), instead of serialising and validating it twice per cell.
    options = dict(
        parameters=run.parameters or None,
        kernel_name=kernel,
        progress_bar=False,
        log_output=False,
        report_mode=False,
        kernel_manager_class=kernel_manager_class(),
        request_save_on_cell_execute=False,
    )
    worker = supply()
    if worker is None:
        folder = paths.build / "stage" / run.name
        shutil.rmtree(folder, ignore_errors=True)
        staged_nb = stage(folder, paths.source_notebooks, paths.data, run)
        os.environ[NOTEBOOKS_ENV] = str(folder / "notebooks")  # relative parameters resolve inside the stage
        os.environ[KERNEL_LOG_ENV] = str(executed.with_suffix(".kernel.log"))
        papermill.execute_notebook(str(staged_nb), str(executed), cwd=str(folder / "notebooks"), **options)
        return executed, folder / "figures"
    staged_nb = stage(worker.folder, paths.source_notebooks, paths.data, run)
    manager = worker.take()
    try:
        papermill.execute_notebook(
            str(staged_nb), str(executed), cwd=str(worker.folder / "notebooks"), km=manager, **options
        )
    finally:
        worker.retire(manager)
        # The next run of this worker stages in the same folder: keep this run's figures apart.
        figures = paths.build / "stage" / "figures" / run.name
        shutil.rmtree(figures, ignore_errors=True)
        figures.parent.mkdir(parents=True, exist_ok=True)
        os.replace(worker.folder / "figures", figures)
    return executed, figures


def run_batch(
    names: list[str] | None = None,
    force: bool = False,
    jobs: int | None = None,
    root: Path = Path("."),
    figures_dir: Path | None = None,
    notebooks_dir: Path | None = None,
    build_dir: Path | None = None,
) -> int:
    """Run the selected runs (all by default) that are out of date; return the exit code.

    Raises :class:`~analysis.batch.spec.RunsError` for a missing or malformed runs.yaml, before
    anything is written.
    """
    root = Path(root).resolve()
    paths = Paths(
        root=root,
        figures=Path(figures_dir or root / "figures").resolve(),
        notebooks=Path(notebooks_dir or root / "notebooks").resolve(),
        build=Path(build_dir or root / "build").resolve(),
    )
    runs = read_runs(root / RUNS_FILE)
    unknown = sorted(set(names or []) - {r.name for r in runs})
    if unknown:
        print(
            f"error: no run named {', '.join(unknown)} in {RUNS_FILE} (have: {', '.join(r.name for r in runs)})",
            file=sys.stderr,
        )
        return 2
    with Interrupts() as interrupts:
        try:
            with batch_lock(paths.build, paths.figures):
                return _run_selected(runs, names, force, jobs, paths, interrupts)
        except KeyboardInterrupt:  # before any run started, or while waiting for the lock
            print(
                "interrupted: no run had started; figures/, notebooks/ and the manifest were left as they were",
                file=sys.stderr,
            )
            return 128 + (interrupts.signal_number or 2)


def inputs_of(runs: list[Run], paths: Paths) -> dict[str, str]:
    """Each run's inputs hash (:func:`~analysis.batch.manifest.run_inputs_hash`), by name."""
    code, data = code_hash(paths.root), data_hash(paths.data)
    return {r.name: run_inputs_hash(r, paths.source_notebooks, data, code) for r in runs}


def out_of_date(runs: list[Run], paths: Paths, env: dict) -> list[Run]:
    """The runs a batch in environment ``env`` must execute: all of them if the last complete batch in
    this tree ran in another environment, else those whose inputs or outputs changed since their
    last success. A tree with no recorded environment (a new clone) trusts its committed outputs,
    which the stale-output tests regenerate byte for byte on every tested Python."""
    recorded = read_environment(paths.build)
    if recorded is not None and recorded != env:
        return list(runs)
    manifest, inputs = read_manifest(paths.figures), inputs_of(runs, paths)
    return [r for r in runs if not is_up_to_date(r, manifest, inputs[r.name], paths.figures, paths.notebooks)]


def _pool_context() -> multiprocessing.context.BaseContext:
    """Fork on Linux (fast: the workers inherit the imports). Elsewhere spawn: macOS's system
    libraries are not safe to fork once pandas (which the batch's validation imports) has loaded them."""
    return multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")


def _clean_old_logs(build: Path) -> None:
    """Remove the kernel logs of earlier batches' workers (each worker writes one, named by its id)."""
    for log in (build / "runs").glob("worker-*.kernel.log"):
        log.unlink(missing_ok=True)


def _run_selected(
    runs: list[Run], names: list[str] | None, force: bool, jobs: int | None, paths: Paths, interrupts: Interrupts
) -> int:
    """The batch proper, run while holding the lock."""
    selected = [r for r in runs if not names or r.name in names]
    env, recorded = environment(), read_environment(paths.build)
    if recorded is not None and recorded != env:
        print(
            f"The environment changed since the last batch here ({_changed(recorded, env)}): every run re-runs.",
            flush=True,
        )
    manifest = read_manifest(paths.figures)
    data, inputs = data_hash(paths.data), inputs_of(selected, paths)
    todo = list(selected) if force else out_of_date(selected, paths, env)
    # Longest first, so the runs left at the end are short and no worker waits long for the last one;
    # a run's figures are most of its time.
    todo.sort(key=lambda r: len(r.figures), reverse=True)
    if not todo:
        if recorded is None:  # a new tree: its committed outputs are taken as made here (tests check that)
            write_environment(paths.build, env)
        current = current_entries(manifest, runs)
        if current != manifest:
            write_manifest(paths.figures, current)
            print("Removed from figures/manifest.json the entries of runs no longer in runs.yaml.")
        print(f"Nothing to do: {len(selected)} run(s) up to date with data, notebooks, library and environment.")
        return 0

    from analysis.load import load_case  # validate once, before any kernel starts

    load_case(paths.data)
    kernel = kernel_name()
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
    _clean_old_logs(paths.build)
    print(
        f"Running {len(todo)} of {len(selected)} run(s) on {jobs} worker(s); {len(selected) - len(todo)} up to date.",
        flush=True,
    )
    failures, finished, started = [], [], time.perf_counter()
    interrupted = False
    context = _pool_context()
    worker_ids = context.Array("i", jobs)
    initargs = (kernel, paths.build, context.Value("i", len(todo)), context.Value("i", 0, lock=False), worker_ids)
    # Processes, not threads: papermill changes the working directory of the process it runs in.
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=start_worker, initargs=initargs)
    try:
        futures = {pool.submit(execute, r, paths, kernel): r for r in todo}
        for done, future in enumerate(as_completed(futures), start=1):
            run = futures[future]
            elapsed = time.perf_counter() - started
            try:
                executed, staged = future.result()
                with interrupts.held():  # a run is published whole or not at all
                    alt_texts = publish(run, paths.figures, paths.notebooks, executed, staged)
                    _record(manifest, run, inputs[run.name], data, alt_texts, paths)
            except KeyboardInterrupt:
                raise
            except Exception as exc:  # one failed run must not stop the others
                failures.append(run)
                where = os.path.relpath(paths.build / "runs" / f"{run.name}.ipynb")
                # nbclient's CellExecutionError carries the kernel's ename and evalue.
                reason = (
                    f"{exc.ename}: {cast(Any, exc).evalue}" if hasattr(exc, "ename") else f"{type(exc).__name__}: {exc}"
                )
                print(
                    f"[{done}/{len(todo)}] {run.name}: FAILED after {elapsed:.1f} s: {reason.strip()}\n"
                    f"    executed notebook with the error: {where}",
                    file=sys.stderr,
                    flush=True,
                )
                continue
            finished.append(run)
            print(
                f"[{done}/{len(todo)}] {run.name}: ok ({', '.join(run.figures) or 'no figures'}) at {elapsed:.1f} s",
                flush=True,
            )
        pool.shutdown(wait=True)
    except KeyboardInterrupt:
        # Ctrl-C or SIGTERM: stop the workers (their kernels exit with them) and publish nothing more.
        # Runs that finished were published whole; the others never reached figures/ or notebooks/.
        interrupted = True
        for pid in [p for p in worker_ids[:] if p]:
            try:
                os.kill(pid, 15)
            except ProcessLookupError:
                pass
        pool.shutdown(wait=False, cancel_futures=True)
    with interrupts.held():
        write_manifest(paths.figures, current_entries(manifest, runs))
        if not interrupted and not failures and len(finished) == len(todo) and (recorded is None or not names):
            # Every selected run is now up to date here; after an environment change, only a whole batch is.
            write_environment(paths.build, env)
    shutil.rmtree(paths.build / "stage", ignore_errors=True)
    if interrupted:
        left = [r.name for r in todo if r not in finished and r not in failures]
        print(
            f"interrupted: {len(finished)} run(s) finished and were published; {', '.join(left) or 'none'} "
            "left as they were (their figures and notebooks untouched)",
            file=sys.stderr,
        )
        return 128 + (interrupts.signal_number or 2)
    if failures:
        print(f"{len(failures)} run(s) failed: {', '.join(r.name for r in failures)}", file=sys.stderr)
        return 1
    return 0


def _changed(old: dict, new: dict) -> str:
    """What differs between two environments, in words: ``python cpython 3.11 -> cpython 3.12``."""
    return "; ".join(
        f"{key} {old.get(key)} -> {new.get(key)}" if key == "python" else "installed libraries"
        for key in sorted(set(old) | set(new))
        if old.get(key) != new.get(key)
    )


def _record(manifest: dict, run: Run, inputs: str, data: str, alt_texts: dict[str, str], paths: Paths) -> None:
    """Enter a published run and its figures in the manifest (written when the batch ends)."""
    manifest["runs"][run.name] = {
        "inputs_sha256": inputs,
        "notebook": f"notebooks/{run.notebook}",
        "parameters": run.parameters,
        "outputs_sha256": file_hashes(outputs_of(run, paths.figures, paths.notebooks)),
    }
    for name, alt in alt_texts.items():
        manifest["figures"][name] = {
            "run": run.name,
            "notebook": f"notebooks/{run.notebook}",
            "parameters": run.parameters,
            "data_sha256": data,
            "alt_text": alt,
        }
