"""What every measure shares: running a command with its time and peak memory, the throwaway
copy of the project, progress messages, markdown tables and the machine description."""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COPIED_DIRS = ("analysis", "data", "notebooks", "figures", "tests", "docs")
COPIED_FILES = (
    "pyproject.toml",
    "Makefile",
    "requirements.txt",
    "constraints.txt",
    "environment.yml",
    "README.md",
    "CHANGES.md",
    "CITATION.cff",
)
VENV_PYTHON = Path(".venv") / "bin" / "python"


@dataclass
class Timed:
    """One finished command."""

    seconds: float
    peak_rss_mib: float
    stdout: str
    returncode: int


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
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as under make, which unexports it (see the Makefile)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(root), env.get("PYTHONPATH")) if p)
    return env


def progress(message: str) -> None:
    """Report progress on stderr, keeping stdout for the results."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- the project copy --------------------------------------------------------------------------


def copy_project(workdir: Path) -> Path:
    """Copy the project and its git history into ``workdir/project`` (mtimes kept) with ``.venv`` linked
    to the real one."""
    root = workdir / "project"
    for name in COPIED_DIRS:
        shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    for name in COPIED_FILES:
        shutil.copy2(REPO / name, root / name)
    # The history too: the release tests clone the project, and the site names the commit it was built from.
    shutil.copytree(REPO / ".git", root / ".git", symlinks=True)
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


# --- machine and report -------------------------------------------------------------------------


def machine() -> list[tuple[str, str]]:
    """Cores, CPU model, memory, Python version and date."""
    cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    meminfo = re.search(r"^MemTotal:\s*(\d+) kB", Path("/proc/meminfo").read_text(encoding="utf-8"), re.M)
    return [
        ("nproc", str(len(os.sched_getaffinity(0)))),
        ("CPU", model.group(1).strip() if model else platform.machine()),
        ("memory", f"{int(meminfo.group(1)) / 1024**2:.1f} GiB" if meminfo else "unknown"),
        ("Python", platform.python_version()),
        ("date", datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")),
    ]


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    """A column-aligned markdown table."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    line = lambda cells: "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    return "\n".join([line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, rows)])
