"""Fresh set-up: the project's way (``make setup``: uv, bytecode compiled) against plain pip.

Each is timed once, from nothing: a new folder holding only what set-up reads (Makefile, pins,
pyproject.toml, README.md and analysis/ for the editable install), a new empty virtual environment,
new empty caches, and both installers pointed at the same index: their default one. This machine's
own pip configuration (local wheel folders, extra indexes) is switched off for both, so neither
reads packages the other cannot.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from common import REPO, Timed, run_measured

SETUP_FILES = ("Makefile", "requirements.txt", "constraints.txt", "pyproject.toml", "README.md")
PIP_LOCAL_SETTINGS = (
    "PIP_FIND_LINKS",
    "PIP_INDEX_URL",
    "PIP_EXTRA_INDEX_URL",
    "PIP_NO_INDEX",
    "UV_INDEX_URL",
    "UV_EXTRA_INDEX_URL",
    "UV_DEFAULT_INDEX",
    "UV_INDEX",
    "UV_FIND_LINKS",
)


def base_python() -> str:
    """The interpreter a new user starts from: python3.11 on PATH, else the one under this venv."""
    return shutil.which("python3.11") or getattr(sys, "_base_executable", sys.executable)


def fresh_folder(folder: Path) -> Path:
    """A folder with only the files set-up reads."""
    folder.mkdir(parents=True)
    for name in SETUP_FILES:
        shutil.copy2(REPO / name, folder / name)
    shutil.copytree(REPO / "analysis", folder / "analysis", ignore=shutil.ignore_patterns("__pycache__"))
    return folder


def setup_env(caches: Path) -> dict:
    """Environment for both installers: default index, empty caches, no local pip settings."""
    env = {k: v for k, v in os.environ.items() if k not in PIP_LOCAL_SETTINGS and k != "VIRTUAL_ENV"}
    env.update(
        PIP_CONFIG_FILE=os.devnull,
        UV_NO_CONFIG="1",
        PIP_NO_CACHE_DIR="1",
        UV_CACHE_DIR=str(caches / "uv"),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )
    return env


def time_project_setup(workdir: Path) -> Timed:
    """``make setup`` in a fresh folder: venv, uv from the index, the pins with uv, the kernel."""
    folder = fresh_folder(workdir / "setup-uv")
    return run_measured(["make", "setup", f"PYTHON={base_python()}"], folder, setup_env(workdir / "caches-uv"))


def time_pip_setup(workdir: Path) -> Timed:
    """Plain pip in a fresh folder: ``python -m venv`` then ``pip install -r requirements.txt -c constraints.txt -e .``
    (pip compiles bytecode by default, as the project's way does)."""
    folder = fresh_folder(workdir / "setup-pip")
    env = setup_env(workdir / "caches-pip")
    venv = run_measured([base_python(), "-m", "venv", ".venv"], folder, env)
    install = run_measured(
        [
            str(folder / ".venv" / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "-r",
            "requirements.txt",
            "-c",
            "constraints.txt",
            "-e",
            ".",
        ],
        folder,
        env,
    )
    return Timed(venv.seconds + install.seconds, max(venv.peak_rss_mib, install.peak_rss_mib), install.stdout, 0)
