"""Locks: one batch at a time on a project's build folder, figures and manifest; readers of the
figures (the site build) wait while a batch writes them.

The locks are ``flock`` locks, which the operating system frees when their holder exits or dies.
``fcntl`` exists on Unix only and is imported here, where it is used; elsewhere nothing is locked.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

LOCK_FILE = "run.lock"


@contextmanager
def _flock(path: Path, exclusive: bool, waiting: str) -> Iterator[None]:
    """Hold an flock on ``path`` (a file or a folder); print ``waiting`` once if another holds it."""
    try:
        import fcntl
    except ImportError:  # not Unix: no locking
        yield
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
        try:
            fcntl.flock(fd, mode | fcntl.LOCK_NB)
        except BlockingIOError:
            print(waiting, file=sys.stderr, flush=True)
            fcntl.flock(fd, mode)
        yield
    finally:
        os.close(fd)  # frees the lock


@contextmanager
def batch_lock(build: Path, figures: Path) -> Iterator[None]:
    """Hold ``build/run.lock`` and the ``figures`` folder for one batch; a second batch waits.

    The build lock file names its holder, for the one line a waiting batch prints. Locking the
    figures folder as well keeps out a batch with another build folder, and the site build, which
    reads the figures, the manifest and the published notebooks, while they are being replaced.
    """
    build.mkdir(parents=True, exist_ok=True)
    figures.mkdir(parents=True, exist_ok=True)
    path = build / LOCK_FILE
    path.touch()
    holder = path.read_text(encoding="utf-8").strip() or "another batch"
    with ExitStack() as stack:
        stack.enter_context(_flock(path, True, f"waiting for {holder} to finish (it holds {os.path.relpath(path)})"))
        stack.enter_context(
            _flock(figures, True, f"waiting for the batch or site build using {os.path.relpath(figures)}")
        )
        path.write_text(
            f"the batch run by process {os.getpid()}, started {time.strftime('%H:%M:%S')}\n", encoding="utf-8"
        )
        try:
            yield
        finally:
            path.write_text("", encoding="utf-8")


@contextmanager
def reading(figures: Path) -> Iterator[None]:
    """Read ``figures`` (and the notebooks a batch publishes with them) while no batch writes them."""
    if not figures.is_dir():
        yield
        return
    with _flock(figures, False, f"waiting for the batch writing {os.path.relpath(figures)} to finish"):
        yield
