"""Batch runs: execute the notebooks named in ``notebooks/runs.yaml`` with papermill.

Each run executes in its own staging folder under ``build/stage/NAME`` (a copy of the notebook
beside links to ``data/``), so the notebook's own relative defaults (``../data``,
``../figures``) work unchanged and nothing reaches ``figures/`` until the run has succeeded.
Then its figures are renamed into place, a *published* run's executed notebook (volatile
metadata removed) replaces the one in ``notebooks/``, and ``figures/manifest.json`` records what
made each figure. A run whose inputs (notebook source, parameters, data, library code) hash as
they did at its last success is skipped, and a batch with nothing to do imports neither pandas
nor papermill.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import signal
import sys
import time
import multiprocessing
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from analysis.atomic import write_atomic
from analysis.kernels import Template, die_with_parent, forkable
from analysis.paths import NOTEBOOKS_ENV

RUNS_FILE = "notebooks/runs.yaml"
MANIFEST = "manifest.json"
KERNEL = "port-inquests"


@dataclass(frozen=True)
class Run:
    """One entry of runs.yaml."""

    name: str
    notebook: str
    figures: tuple[str, ...]
    parameters: dict = field(default_factory=dict)
    publish: bool = False
    tables: tuple[str, ...] = ()  # data tables the run reads; empty means all of them


@dataclass
class Paths:
    root: Path
    figures: Path
    notebooks: Path
    build: Path

    @property
    def source_notebooks(self) -> Path:
        return self.root / "notebooks"


class RunsError(ValueError):
    """runs.yaml is malformed; the message names the file and the run."""


def read_runs(path: Path) -> list[Run]:
    """Parse runs.yaml, expanding each ``matrix:`` into one run per combination.

    Raises :class:`RunsError` naming the file and the run if an entry is malformed, a matrix
    names a parameter the notebook's ``parameters`` cell does not define or lists no values, or
    two runs (or two figures) end up with the same name. All of this happens before any kernel
    starts.
    """
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    runs = []
    for i, entry in enumerate(raw.get("runs", []), start=1):
        try:
            run = Run(name=entry["name"], notebook=entry["notebook"], figures=tuple(entry.get("figures", [])),
                      parameters=dict(entry.get("parameters") or {}), publish=bool(entry.get("publish", False)),
                      tables=tuple(entry.get("tables", [])))
        except (KeyError, TypeError) as exc:
            raise RunsError(f"{path}: run #{i}: missing or malformed {exc} (each run needs name and notebook)") from None
        if "matrix" in entry:
            runs.extend(expand_matrix(run, entry["matrix"], path))
        else:
            runs.append(run)
    names = [r.name for r in runs]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise RunsError(f"{path}: duplicate run names {duplicates} (a matrix's derived names included; rename one)")
    writers: dict[str, str] = {}
    for r in runs:
        for figure in r.figures:
            if figure in writers:
                raise RunsError(f"{path}: runs {writers[figure]!r} and {r.name!r} both write figure {figure!r} "
                                "(in a matrix, put the parameters in the figure name, e.g. gaps-{basis})")
            writers[figure] = r.name
    published = [r.notebook for r in runs if r.publish]
    if len(published) != len(set(published)):
        raise RunsError(f"{path}: a notebook may have only one published run")
    return runs


def slug(value: object) -> str:
    """A parameter value as it appears in derived run and figure names: ``"jury+coroner"`` -> ``"jury-coroner"``.

    >>> slug("jury+coroner"), slug(None), slug("Found")
    ('jury-coroner', 'none', 'found')
    """
    text = "".join(c if c.isalnum() else "-" for c in str(value).lower())
    return "-".join(filter(None, text.split("-")))


def notebook_parameters(notebook: Path) -> set[str]:
    """Names assigned in the notebook's cell tagged ``parameters`` (what papermill can set)."""
    import ast

    nb = json.loads(notebook.read_text(encoding="utf-8"))
    names: set[str] = set()
    for cell in nb["cells"]:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            for node in ast.parse(source).body:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
                names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


def expand_matrix(run: Run, matrix: object, path: Path) -> list[Run]:
    """One run per combination of ``matrix`` values (a mapping of parameter -> list of values).

    Each combination's run is named ``NAME-VALUE1-VALUE2...`` (values as :func:`slug`, in the
    matrix's order) and gets the combination as parameters on top of ``run.parameters``.
    ``{PARAMETER}`` in a figure name or a string parameter is replaced by the value's slug, so
    every combination writes its own figures. Refuses (:class:`RunsError`, naming the run) a
    matrix that is not a mapping of non-empty lists, names a parameter the notebook does not
    define or that ``parameters`` also sets, or is published.
    """
    import itertools

    where = f"{path}: run {run.name!r}: matrix"
    if not isinstance(matrix, dict) or not matrix:
        raise RunsError(f"{where}: must map each swept parameter to a list of values, e.g. {{basis: [death, found]}}")
    if run.publish:
        raise RunsError(f"{where}: a matrix run cannot be published (its combinations would overwrite one notebook)")
    notebook = path.parent / run.notebook
    if not notebook.is_file():
        raise RunsError(f"{where}: notebook {run.notebook} not found in {path.parent}")
    known = notebook_parameters(notebook)
    for name, values in matrix.items():
        if name not in known:
            raise RunsError(f"{where}: {name!r} is not a parameter of {run.notebook} "
                            f"(its parameters cell defines {', '.join(sorted(known))})")
        if name in run.parameters:
            raise RunsError(f"{where}: {name!r} is set in both matrix and parameters (keep it in one)")
        if not isinstance(values, list) or not values:
            raise RunsError(f"{where}: {name!r} needs a non-empty list of values, not {values!r}")
        if len({slug(v) for v in values}) != len(values):
            raise RunsError(f"{where}: {name!r} lists values that give the same name ({values}); list each once")
    runs = []
    for combo in itertools.product(*matrix.values()):
        chosen = dict(zip(matrix, combo))
        fill = {k: slug(v) for k, v in chosen.items()}

        def filled(text: str) -> str:
            try:
                return text.format(**fill)
            except (KeyError, IndexError, ValueError) as exc:
                raise RunsError(f"{where}: {text!r} uses {exc}, which is not a matrix parameter "
                                f"({', '.join(matrix)})") from None

        params = {k: filled(v) if isinstance(v, str) else v for k, v in run.parameters.items()}
        runs.append(Run(name="-".join([run.name, *fill.values()]), notebook=run.notebook,
                        figures=tuple(filled(f) for f in run.figures), parameters={**params, **chosen},
                        publish=False, tables=run.tables))
    return runs


def _sha256(*chunks: bytes) -> str:
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(len(chunk).to_bytes(8, "big") + chunk)
    return digest.hexdigest()


def notebook_source_hash(path: Path) -> str:
    """Hash of a notebook's cells (type, tags, source) and kernel, ignoring outputs and counts."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    cells = [(c["cell_type"], c.get("metadata", {}).get("tags", []), "".join(c["source"]) if isinstance(c["source"], list)
              else c["source"]) for c in nb["cells"]]
    return _sha256(json.dumps([cells, nb.get("metadata", {}).get("kernelspec", {})], sort_keys=True).encode())


def code_hash(root: Path) -> str:
    """Hash of the library's source files that notebooks can import: every module of ``analysis/``
    but ``__main__`` (the command line, which nothing imports) and the ``publish`` package (outputs
    beyond Jupyter), so a new subcommand or a site template does not re-run every notebook."""
    files = sorted(p for p in (root / "analysis").glob("*.py") if p.name != "__main__.py")
    return _sha256(*[p.name.encode() + b"\0" + p.read_bytes() for p in files])


def data_hash(data_dir: Path, tables: tuple[str, ...] = ()) -> str:
    """SHA-256 over the descriptor and the CSVs of ``tables`` (every CSV if empty), names and bytes.

    A run that declares the tables it reads is re-run only when one of those (or the schema)
    changes; the full regeneration test still checks every committed output.
    """
    wanted = [data_dir / f"{t}.csv" for t in tables] if tables else sorted(data_dir.glob("*.csv"))
    missing = [p.name for p in wanted if not p.is_file()]
    if missing:
        raise ValueError(f"{data_dir}: no table file {', '.join(missing)} (check `tables:` in {RUNS_FILE})")
    digest = hashlib.sha256()
    for path in [data_dir / "datapackage.json", *sorted(wanted)]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def run_inputs_hash(run: Run, paths: Paths, data: str, code: str) -> str:
    """Everything a run's outputs depend on, as one hash."""
    spec = json.dumps({"notebook": run.notebook, "parameters": run.parameters, "figures": run.figures,
                       "publish": run.publish, "tables": run.tables}, sort_keys=True)
    return _sha256(spec.encode(), notebook_source_hash(paths.source_notebooks / run.notebook).encode(),
                   data.encode(), code.encode())


def read_manifest(figures_dir: Path) -> dict:
    try:
        return json.loads((figures_dir / MANIFEST).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {"runs": {}, "figures": {}}


def outputs_of(run: Run, paths: Paths) -> dict[str, Path]:
    """The files a run writes, keyed as the manifest records them (``figures/NAME.svg``, ...)."""
    files = {f"figures/{name}{suffix}": paths.figures / f"{name}{suffix}"
             for name in run.figures for suffix in (".svg", ".png", ".alt.txt")}
    if run.publish:
        files[f"notebooks/{run.notebook}"] = paths.notebooks / run.notebook
    return files


def file_hashes(files: dict[str, Path]) -> dict[str, str | None]:
    """SHA-256 of each file, or None where it is missing."""
    return {key: hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None for key, path in files.items()}


def is_up_to_date(run: Run, manifest: dict, inputs: str, paths: Paths) -> bool:
    """True if the last success of ``run`` had the same inputs and its outputs are still the bytes it wrote.

    Checking the outputs' hashes as well means a figure overwritten by hand (say, by a one-off
    papermill run with other parameters) is regenerated by the next batch.
    """
    recorded = manifest["runs"].get(run.name, {})
    if recorded.get("inputs_sha256") != inputs:
        return False
    return recorded.get("outputs_sha256") == file_hashes(outputs_of(run, paths))


def normalise_notebook(nb: dict) -> dict:
    """Drop what changes from run to run (timings, paths) so an unchanged run rewrites identical bytes."""
    nb.get("metadata", {}).pop("papermill", None)
    for cell in nb["cells"]:
        meta = cell.get("metadata", {})
        meta.pop("papermill", None)
        meta.pop("execution", None)
    return nb


def dump_notebook(nb: dict) -> str:
    """Serialise as nbformat does (indent 1, sorted keys), so Jupyter's own saves change nothing."""
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


LOCK_FILE = "run.lock"
KERNEL_LOG_ENV = "PORT_KERNEL_LOG"


def _ignore_sigint() -> None:
    """Workers leave Ctrl-C to the batch, which stops them itself (no traceback from each worker)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextmanager
def _sigint_deferred() -> Iterator[None]:
    """Hold back Ctrl-C while files are moved into place; it takes effect right after."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


@contextmanager
def batch_lock(build: Path) -> Iterator[None]:
    """Hold ``build/run.lock`` for one batch; a second batch in the same tree waits for it.

    The lock is an ``fcntl.flock`` on the file, so the operating system frees it when its holder
    exits or dies; the file names the holder, for the one line the waiting batch prints.
    """
    build.mkdir(parents=True, exist_ok=True)
    path = build / LOCK_FILE
    with open(path, "a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another batch"
            print(f"waiting for {holder} to finish (it holds {os.path.relpath(path)})", file=sys.stderr, flush=True)
            fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        handle.truncate()
        handle.write(f"the batch run by process {os.getpid()}, started {time.strftime('%H:%M:%S')}\n")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


def _kernel_name() -> str:
    from jupyter_client.kernelspec import KernelSpecManager

    return KERNEL if KERNEL in KernelSpecManager().find_kernel_specs() else "python3"


def _ipc_kernel_manager() -> type:
    """A kernel manager on local IPC sockets: nothing listens on the network, and ipykernel
    does not warn about unencrypted TCP on every run."""
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import CaselessStrEnum

    class IPCKernelManager(AsyncKernelManager):
        transport = CaselessStrEnum(["tcp", "ipc"], default_value="ipc", config=True)

        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw) -> None:
            # The kernel process's own log (start-up warnings, "parent exited" after Ctrl-C) goes to
            # build/runs/NAME.kernel.log, not the terminal; cell output and errors travel in the notebook.
            log = os.environ.get(KERNEL_LOG_ENV)
            template = _supply.template if _supply is not None else None
            if template is not None and forkable(kernel_cmd):
                kernel = template.fork(kernel_cmd, str(kw.get("cwd") or os.getcwd()), dict(kw.get("env") or os.environ),
                                       log)
                provisioner = self.provisioner
                provisioner.process, provisioner.pid, provisioner.pgid = kernel, kernel.pid, kernel.pid
                provisioner.cwd = kw.get("cwd")
                self._reconcile_connection_info(provisioner.connection_info)
                return
            if not log or "stderr" in kw:
                return await super()._async_launch_kernel(kernel_cmd, **kw)
            with open(log, "ab") as handle:
                return await super()._async_launch_kernel(kernel_cmd, stderr=handle, **kw)

        async def _async_interrupt_kernel(self) -> None:
            # jupyter_client interrupts a kernel before asking it to shut down; an idle kernel then
            # logs "KeyboardInterrupt caught in kernel" on a run that succeeded. A kernel being shut
            # down has nothing to interrupt.
            if self.shutting_down:
                return
            await super()._async_interrupt_kernel()

    return IPCKernelManager


def stage(folder: Path, paths: Paths, run: Run) -> Path:
    """Make ``folder`` a staging folder for ``run``: its notebook in notebooks/, an empty figures/ and
    a link to data/, so the notebook's relative defaults work. Return the staged notebook.

    The folder itself is kept if it exists (a kernel may already be waiting in its notebooks/).
    """
    for name in ("notebooks", "figures"):
        (folder / name).mkdir(parents=True, exist_ok=True)
        for old in (folder / name).iterdir():
            shutil.rmtree(old) if old.is_dir() and not old.is_symlink() else old.unlink()
    if not (folder / "data").exists():
        (folder / "data").symlink_to((paths.root / "data").resolve(), target_is_directory=True)
    staged_nb = folder / "notebooks" / run.notebook
    shutil.copyfile(paths.source_notebooks / run.notebook, staged_nb)
    return staged_nb


# As nbclient starts a kernel: its history in memory, no database written.
KERNEL_ARGUMENTS = ["--HistoryManager.hist_file=:memory:"]


class KernelSupply:
    """Fresh kernels for one batch worker, started before they are needed.

    Left to itself, papermill starts each run's kernel and waits until it is ready, then waits
    again for it to shut down: about a second per run with nothing to do. A worker with a supply
    starts the kernel for its next run while the current run executes, and lets a finished
    kernel shut down while the next run executes. Every run still gets a kernel process of its
    own that has executed nothing before the run's first cell; no kernel is ever reused.

    A kernel's working directory is fixed when it starts, so the worker's runs share one staging
    folder (``build/stage/worker-PID``), which is also the worker's working directory: the local
    sockets of its kernels are named relative to it. Each run's figures are moved out of it when the
    run ends.
    ``pending`` and ``spares`` are counters shared by the workers (runs not yet started, kernels
    started ahead), so no worker starts a kernel ahead that no run will use.
    """

    def __init__(self, kernel: str, paths: Paths, pending, spares) -> None:
        self.kernel, self.pending, self.spares = kernel, pending, spares
        self.folder = paths.build / "stage" / f"worker-{os.getpid()}"
        (self.folder / "notebooks").mkdir(parents=True, exist_ok=True)
        from jupyter_client.kernelspec import KernelSpecManager

        self.manager_class = _ipc_kernel_manager()
        argv = KernelSpecManager().get_kernel_spec(kernel).argv
        # Started now; it imports while the worker gets ready, and forks every kernel of this worker.
        self.template = Template(argv[0], cwd=self.folder) if forkable(argv) else None
        self.spare = None
        self.stopping: list = []
        self.started = 0

    def _start(self):
        from jupyter_core.utils import run_sync

        self.started += 1  # a kernel started ahead and the current one must not share socket names
        # Sockets beside notebooks/, not in it: staging the next run empties notebooks/.
        manager = self.manager_class(kernel_name=self.kernel, ip=f"../kernel-{self.started}-ipc")
        run_sync(manager.start_kernel)(cwd=str(self.folder / "notebooks"), extra_arguments=KERNEL_ARGUMENTS)
        return manager

    def start_ahead(self) -> None:
        """Start a kernel for this worker's first run now, if a run is left for it to serve.

        Called as the worker starts, so the kernel boots while the worker imports papermill.
        """
        with self.pending.get_lock():
            ahead = self.pending.value > self.spares.value
            self.spares.value += ahead
        if ahead:
            self.spare = self._start()

    def take(self):
        """A new kernel for the run about to execute; start the next one if a run will need it."""
        with self.pending.get_lock():  # one lock for both counters
            self.pending.value -= 1
            had_spare = self.spare is not None
            self.spares.value -= had_spare
            start_next = self.pending.value > self.spares.value
            self.spares.value += start_next
        manager = self.spare if had_spare else self._start()
        self.spare = self._start() if start_next else None
        return manager

    def retire(self, manager) -> None:
        """Ask a finished run's kernel to shut down, and reap the ones asked before (they had a run's time)."""
        from jupyter_core.utils import run_sync

        self.reap()
        try:
            run_sync(manager.request_shutdown)()
        except Exception:  # already dead: nothing to ask
            pass
        self.stopping.append(manager)

    def reap(self) -> None:
        from jupyter_core.utils import run_sync

        for manager in self.stopping:
            try:
                run_sync(manager.finish_shutdown)(waittime=2, pollinterval=0.02)  # then terminates, kills
            finally:
                run_sync(manager.cleanup_resources)()
        self.stopping = []

    def close(self) -> None:
        """When the worker exits: stop its kernels at once and wait until they are gone.

        Their runs are over and every output is in (figures are written inside cells), so there is
        nothing left for a graceful exit to do, and the batch would otherwise wait for the last
        one; a kernel started ahead that no run took has run nothing at all.
        """
        import signal

        from jupyter_core.utils import run_sync

        if self.spare is not None:
            self.stopping.append(self.spare)
            self.spare = None
        for manager in self.stopping:
            try:
                run_sync(manager.signal_kernel)(signal.SIGKILL)
            except Exception:  # already gone
                pass
        self.reap()
        if self.template is not None:
            self.template.close()


_supply: KernelSupply | None = None  # set in each batch worker by _start_worker


def _start_worker(kernel: str, paths: Paths, pending, spares) -> None:
    """Pool initializer: give this worker process a kernel supply, closed when the worker exits."""
    from multiprocessing.util import Finalize

    global _supply
    # Killed with the batch, even by SIGKILL: otherwise a killed batch leaves its workers waiting for
    # work for ever, each holding a kernel.
    die_with_parent()
    _ignore_sigint()  # Ctrl-C is the batch's to handle: it stops the workers and says what was left
    _supply = KernelSupply(kernel, paths, pending, spares)
    # Kernels inherit these when they start, ahead of the run they will serve: relative parameters
    # resolve inside the worker's stage, and the kernels' own log goes to a file, not the terminal.
    os.environ[NOTEBOOKS_ENV] = str(_supply.folder / "notebooks")
    (paths.build / "runs").mkdir(parents=True, exist_ok=True)
    os.environ[KERNEL_LOG_ENV] = str(paths.build / "runs" / f"worker-{os.getpid()}.kernel.log")
    os.chdir(_supply.folder / "notebooks")
    Finalize(None, _supply.close, exitpriority=10)
    _supply.start_ahead()
    import papermill  # noqa: F401  # while the first kernel boots, rather than in the batch before it forks


def execute(run: Run, paths: Paths, kernel: str) -> tuple[Path, Path]:
    """Execute one run in a staging folder; return (executed notebook, staged figures dir).

    In a batch worker (see :class:`KernelSupply`) the kernel was started ahead; elsewhere papermill
    starts and stops the run's kernel itself, in a staging folder of the run's own.
    """
    import papermill

    executed = paths.build / "runs" / f"{run.name}.ipynb"
    executed.parent.mkdir(parents=True, exist_ok=True)
    # request_save_on_cell_execute=False: papermill writes the executed notebook once, at the end (or
    # when a cell fails), instead of serialising and validating it twice per cell.
    options = dict(parameters=run.parameters or None, kernel_name=kernel, progress_bar=False, log_output=False,
                   report_mode=False, kernel_manager_class=_ipc_kernel_manager(), request_save_on_cell_execute=False)
    if _supply is None:
        folder = paths.build / "stage" / run.name
        shutil.rmtree(folder, ignore_errors=True)
        staged_nb = stage(folder, paths, run)
        os.environ[NOTEBOOKS_ENV] = str(folder / "notebooks")  # relative parameters resolve inside the stage
        os.environ[KERNEL_LOG_ENV] = str(executed.with_suffix(".kernel.log"))
        papermill.execute_notebook(str(staged_nb), str(executed), cwd=str(folder / "notebooks"), **options)
        return executed, folder / "figures"
    staged_nb = stage(_supply.folder, paths, run)
    manager = _supply.take()
    try:
        papermill.execute_notebook(str(staged_nb), str(executed), cwd=str(_supply.folder / "notebooks"),
                                   km=manager, **options)
    finally:
        _supply.retire(manager)
        # The next run of this worker stages in the same folder: keep this run's figures apart.
        figures = paths.build / "stage" / "figures" / run.name
        shutil.rmtree(figures, ignore_errors=True)
        figures.parent.mkdir(parents=True, exist_ok=True)
        os.replace(_supply.folder / "figures", figures)
    return executed, figures


def publish(run: Run, paths: Paths, executed: Path, staged_figures: Path, data: str) -> dict:
    """Move a successful run's outputs into place; return its manifest entries for figures."""
    missing = [n for n in run.figures if not (staged_figures / f"{n}.svg").exists()]
    if missing:
        raise RuntimeError(f"run {run.name!r} did not write figures {missing} that runs.yaml expects")
    entries = {}
    paths.figures.mkdir(parents=True, exist_ok=True)
    for name in run.figures:
        for suffix in (".svg", ".png", ".alt.txt"):
            os.replace(staged_figures / f"{name}{suffix}", paths.figures / f"{name}{suffix}")
        entries[name] = {"run": run.name, "notebook": f"notebooks/{run.notebook}", "parameters": run.parameters,
                         "data_sha256": data,
                         "alt_text": (paths.figures / f"{name}.alt.txt").read_text(encoding="utf-8").strip()}
    if run.publish:
        nb = normalise_notebook(json.loads(executed.read_text(encoding="utf-8")))
        write_atomic(paths.notebooks / run.notebook, lambda tmp: tmp.write_text(dump_notebook(nb), encoding="utf-8"))
    return entries


def run_batch(names: list[str] | None = None, force: bool = False, jobs: int | None = None, root: Path = Path("."),
              figures_dir: Path | None = None, notebooks_dir: Path | None = None, build_dir: Path | None = None) -> int:
    """Run the selected runs (all by default) that are out of date; return the exit code."""
    root = Path(root).resolve()
    paths = Paths(root=root, figures=Path(figures_dir or root / "figures").resolve(),
                  notebooks=Path(notebooks_dir or root / "notebooks").resolve(),
                  build=Path(build_dir or root / "build").resolve())
    runs = read_runs(root / RUNS_FILE)
    unknown = sorted(set(names or []) - {r.name for r in runs})
    if unknown:
        print(f"error: no run named {', '.join(unknown)} in {RUNS_FILE} (have: {', '.join(r.name for r in runs)})",
              file=sys.stderr)
        return 2
    try:
        with batch_lock(paths.build):
            return _run_selected(runs, names, force, jobs, root, paths)
    except KeyboardInterrupt:  # before any run started, or while waiting for the lock
        print("interrupted: no run had started; figures/, notebooks/ and the manifest were left as they were",
              file=sys.stderr)
        return 130


def _current_entries(manifest: dict, runs: list[Run]) -> dict:
    """The manifest without the runs and figures that ``runs.yaml`` no longer lists (a renamed run, a
    replaced matrix), which would otherwise stay in it for ever; keys sorted."""
    names, figures = {r.name for r in runs}, {f for r in runs for f in r.figures}
    return {"runs": {k: v for k, v in sorted(manifest["runs"].items()) if k in names},
            "figures": {k: v for k, v in sorted(manifest["figures"].items()) if k in figures}}


def _write_manifest(paths: Paths, manifest: dict) -> None:
    write_atomic(paths.figures / MANIFEST,
                 lambda tmp: tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                                            encoding="utf-8"))


def _run_selected(runs: list[Run], names: list[str] | None, force: bool, jobs: int | None, root: Path,
                  paths: Paths) -> int:
    """The batch proper, run while holding the lock."""
    selected = [r for r in runs if not names or r.name in names]
    code = code_hash(root)
    data = {r.name: data_hash(root / "data", r.tables) for r in selected}
    manifest = read_manifest(paths.figures)
    inputs = {r.name: run_inputs_hash(r, paths, data[r.name], code) for r in selected}
    todo = [r for r in selected if force or not is_up_to_date(r, manifest, inputs[r.name], paths)]
    # Longest first, so the runs left at the end are short and no worker waits long for the last one;
    # a run's figures are most of its time.
    todo.sort(key=lambda r: len(r.figures), reverse=True)
    if not todo:
        current = _current_entries(manifest, runs)
        if current != manifest:
            _write_manifest(paths, current)
            print("Removed from figures/manifest.json the entries of runs no longer in runs.yaml.")
        print(f"Nothing to do: {len(selected)} run(s) up to date with data, notebooks and library.")
        return 0

    from analysis.load import load_case  # validate once, before any kernel starts

    load_case(root / "data")
    kernel = _kernel_name()
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
    print(f"Running {len(todo)} of {len(selected)} run(s) on {jobs} worker(s); "
          f"{len(selected) - len(todo)} up to date.", flush=True)
    failures, started = [], time.perf_counter()
    # Processes, not threads: papermill changes the working directory of the process it runs in.
    finished: list[Run] = []
    interrupted = False
    context = multiprocessing.get_context("fork")
    kernels = (kernel, paths, context.Value("i", len(todo)), context.Value("i", 0, lock=False))
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_start_worker,
                             initargs=kernels) as pool:
        futures = {pool.submit(execute, r, paths, kernel): r for r in todo}
        try:
            for done, future in enumerate(as_completed(futures), start=1):
                run = futures[future]
                elapsed = time.perf_counter() - started
                try:
                    executed, staged = future.result()
                    with _sigint_deferred():  # a run is published whole or not at all
                        entries = publish(run, paths, executed, staged, data[run.name])
                except Exception as exc:  # one failed run must not stop the others
                    failures.append(run)
                    where = os.path.relpath(paths.build / "runs" / f"{run.name}.ipynb")
                    reason = f"{exc.ename}: {exc.evalue}" if hasattr(exc, "ename") else f"{type(exc).__name__}: {exc}"
                    print(f"[{done}/{len(todo)}] {run.name}: FAILED after {elapsed:.1f} s: {reason.strip()}\n"
                          f"    executed notebook with the error: {where}", file=sys.stderr, flush=True)
                    continue
                manifest["runs"][run.name] = {"inputs_sha256": inputs[run.name], "notebook": f"notebooks/{run.notebook}",
                                              "parameters": run.parameters,
                                              "outputs_sha256": file_hashes(outputs_of(run, paths))}
                manifest["figures"].update(entries)
                finished.append(run)
                print(f"[{done}/{len(todo)}] {run.name}: ok ({', '.join(run.figures) or 'no figures'}) at {elapsed:.1f} s",
                      flush=True)
        except KeyboardInterrupt:
            # Ctrl-C: stop the workers (their kernels exit with them) and publish nothing more. Runs that
            # finished were published whole; the others never reached figures/ or notebooks/.
            interrupted = True
            for process in list(getattr(pool, "_processes", {}).values()):
                process.terminate()
            pool.shutdown(wait=False, cancel_futures=True)
    _write_manifest(paths, _current_entries(manifest, runs))
    shutil.rmtree(paths.build / "stage", ignore_errors=True)
    if interrupted:
        left = [r.name for r in todo if r not in finished and r not in failures]
        print(f"interrupted: {len(finished)} run(s) finished and were published; {', '.join(left) or 'none'} "
              "left as they were (their figures and notebooks untouched)", file=sys.stderr)
        return 130
    if failures:
        print(f"{len(failures)} run(s) failed: {', '.join(r.name for r in failures)}", file=sys.stderr)
        return 1
    return 0
