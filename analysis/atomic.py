"""Atomic file writes: a temporary file beside the target, renamed into place.

Kept free of heavy imports because the batch's no-op path uses it.
"""

from __future__ import annotations

import errno
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path


def write_atomic(path: Path, write: Callable[[Path], object]) -> None:
    """Call ``write(tmp_path)`` then rename the temporary file onto ``path``.

    If ``write`` fails, the temporary file is removed and ``path`` keeps its previous content.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def replace_files(moves: dict[Path, Path]) -> None:
    """Rename each temporary file (a value) onto its target (the key), as one set.

    Each temporary file must lie beside its target (same folder, so a rename cannot fail for
    crossing devices). Before the first rename, every existing target is hard-linked to a backup;
    if any rename fails, the targets already replaced get their previous bytes back and the
    targets that did not exist are removed, so the set is the old one or the new one, never a mix.
    A caller that must also survive Ctrl-C holds interrupts back around the call
    (``analysis.batch.publish.held_interrupts``).
    """
    backups: dict[Path, Path | None] = {}
    done: list[Path] = []
    try:
        for target in moves:
            backup = None
            if target.exists():
                backup = target.with_name(f".{target.name}.previous")
                backup.unlink(missing_ok=True)
                os.link(target, backup)
            backups[target] = backup
        for target, tmp in moves.items():
            done.append(target)  # before the rename: an interrupt right after it must still undo it
            os.replace(tmp, target)
    except BaseException:
        for target in done:
            backup = backups.get(target)
            if backup is not None:
                os.replace(backup, target)
            else:
                target.unlink(missing_ok=True)
        for tmp in moves.values():
            Path(tmp).unlink(missing_ok=True)
        raise
    finally:
        for backup in backups.values():
            if backup is not None:
                backup.unlink(missing_ok=True)


def temporary_beside(target: Path) -> Path:
    """A new empty temporary file in ``target``'s folder, to be renamed onto ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    os.chmod(tmp, 0o644)
    return Path(tmp)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux ``renameat2(RENAME_EXCHANGE)``); False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    if not hasattr(libc, "renameat2"):
        return False
    result = libc.renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    error = ctypes.get_errno()
    if error in (errno.EINVAL, errno.ENOSYS, errno.EXDEV, errno.ENOTSUP):
        return False  # this file system cannot: fall back to two renames
    raise OSError(error, os.strerror(error), str(a))


def replace_dir(new: Path, target: Path) -> None:
    """Put the folder ``new`` at ``target`` and remove the previous ``target`` folder.

    On Linux the two are exchanged in one step, so even a process killed at any moment leaves
    the old folder or the new one at ``target``. Elsewhere the old folder is renamed aside first
    and renamed back if the second rename fails.
    """
    if not target.exists():
        os.rename(new, target)
        return
    if _exchange(new, target):
        shutil.rmtree(new, ignore_errors=True)  # it now holds the previous folder
        return
    old = target.with_name(f".{target.name}-old")
    shutil.rmtree(old, ignore_errors=True)
    os.rename(target, old)
    try:
        os.rename(new, target)
    except BaseException:
        os.rename(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)
