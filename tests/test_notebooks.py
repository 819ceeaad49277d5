"""nbval: re-run each committed notebook and compare its outputs with the committed ones.

The notebooks are run from a copy of the project so that the figures they save land in the
copy, not in the working tree.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from analysis.paths import NOTEBOOKS_ENV
from conftest import ROOT


def test_notebooks_reproduce_their_committed_outputs(tmp_path):
    for folder in ("data", "notebooks", "figures"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    shutil.copyfile(ROOT / "tests" / "nbval-sanitize.cfg", tmp_path / "nbval-sanitize.cfg")
    # Relative path parameters resolve against the notebooks' folder: point it at the copy.
    env = {**os.environ, NOTEBOOKS_ENV: str(tmp_path / "notebooks")}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval", "--nbval-sanitize-with", "nbval-sanitize.cfg",
         "-p", "no:cacheprovider", "-q", "notebooks"],
        cwd=tmp_path, capture_output=True, text=True, timeout=1200, env=env)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and "failed" not in done.stdout
