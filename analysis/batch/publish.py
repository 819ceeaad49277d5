"""Staging a run, and publishing its outputs whole or not at all.

Each run executes in a staging folder (a copy of its notebook beside a link to ``data/``), so the
notebook's relative defaults (``../data``, ``../figures``) work unchanged and nothing reaches
``figures/`` until the run has succeeded. Then every file it must write is checked, copied beside
its target and renamed into place as one set, with Ctrl-C and SIGTERM held back meanwhile.
"""

from __future__ import annotations

import json
import shutil
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

from analysis.atomic import replace_files, temporary_beside
from analysis.batch.manifest import SUFFIXES, dump_notebook, normalise_notebook
from analysis.batch.spec import Run


class PublishError(RuntimeError):
    """A run did not write every file runs.yaml says it must; nothing of it was published."""


def stage(folder: Path, source_notebooks: Path, data: Path, run: Run) -> Path:
    """Make ``folder`` a staging folder for ``run``: its notebook in notebooks/, an empty figures/ and
    a link to ``data``, so the notebook's relative defaults work. Return the staged notebook.

    The folder itself is kept if it exists (a kernel may already be waiting in its notebooks/).
    """
    for name in ("notebooks", "figures"):
        (folder / name).mkdir(parents=True, exist_ok=True)
        for old in (folder / name).iterdir():
            shutil.rmtree(old) if old.is_dir() and not old.is_symlink() else old.unlink()
    if not (folder / "data").exists():
        (folder / "data").symlink_to(data.resolve(), target_is_directory=True)
    staged_nb = folder / "notebooks" / run.notebook
    shutil.copyfile(source_notebooks / run.notebook, staged_nb)
    return staged_nb


class Interrupts:
    """Ctrl-C (SIGINT) and SIGTERM as ``KeyboardInterrupt`` in the main thread, except inside
    :meth:`held`, where they wait until the block ends.

    Python runs signal handlers in the main thread whichever thread the signal reached (the
    process pool's helper threads included), so a flag read by the handler holds them back
    reliably, where blocking the signal in one thread would not. ``signal_number`` says which
    signal stopped the batch (for its exit status, 128 + the number).
    """

    def __init__(self) -> None:
        self.holding = False
        self.pending: int | None = None
        self.signal_number: int | None = None
        self._previous: dict[int, Callable[[int, FrameType | None], Any] | int | None] = {}

    def __enter__(self) -> Interrupts:
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)

    def _handle(self, number: int, frame: object) -> None:
        self.signal_number = self.signal_number or number
        if self.holding:
            self.pending = number
            return
        raise KeyboardInterrupt

    @contextmanager
    def held(self) -> Iterator[None]:
        """Hold interrupts back for the block; one that arrived meanwhile is raised when it ends."""
        self.holding = True
        try:
            yield
        finally:
            self.holding = False
            if self.pending is not None:
                self.pending = None
                raise KeyboardInterrupt


def missing_outputs(run: Run, executed: Path, staged_figures: Path) -> list[str]:
    """The files ``run`` had to write and did not (figure files, and the executed notebook)."""
    missing = [
        f"{name}{suffix}"
        for name in run.figures
        for suffix in SUFFIXES
        if not (staged_figures / f"{name}{suffix}").is_file()
    ]
    if run.publish and not executed.is_file():
        missing.append(executed.name)
    return missing


def publish(run: Run, figures: Path, notebooks: Path, executed: Path, staged_figures: Path) -> dict[str, str]:
    """Move a successful run's outputs into place as one set; return each figure's alt text.

    Every file the run must write is checked first (:class:`PublishError` names the missing ones,
    and nothing is moved); each is then copied beside its target (``--figures-dir`` may be on
    another device than the staging folder) and all are renamed into place by
    :func:`~analysis.atomic.replace_files`: a failure on the way leaves the previous set.
    """
    missing = missing_outputs(run, executed, staged_figures)
    if missing:
        raise PublishError(
            f"run {run.name!r} did not write {', '.join(missing)}, which runs.yaml expects "
            f"(figures: {list(run.figures)}); nothing of it was published"
        )
    moves: dict[Path, Path] = {}
    try:
        for name in run.figures:
            for suffix in SUFFIXES:
                target = figures / f"{name}{suffix}"
                moves[target] = temporary_beside(target)
                shutil.copyfile(staged_figures / f"{name}{suffix}", moves[target])
        if run.publish:
            target = notebooks / run.notebook
            moves[target] = temporary_beside(target)
            nb = normalise_notebook(json.loads(executed.read_text(encoding="utf-8")))
            moves[target].write_text(dump_notebook(nb), encoding="utf-8")
        replace_files(moves)
    finally:
        for tmp in moves.values():
            tmp.unlink(missing_ok=True)
    return {name: (figures / f"{name}.alt.txt").read_text(encoding="utf-8").strip() for name in run.figures}
