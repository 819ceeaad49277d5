"""Resolve the notebooks' relative path parameters wherever a notebook is run from.

Notebook parameters such as ``data_dir = "../data"`` are written relative to ``notebooks/``,
which is the working directory in JupyterLab and in the batch. Run from elsewhere (for example
``papermill notebooks/02-gaps-to-next-death.ipynb out.ipynb`` from the project root), the same
path is looked up relative to this project's ``notebooks/`` folder instead.
"""

from __future__ import annotations

from pathlib import Path

PROJECT_NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def locate(path: str | Path) -> Path:
    """``path`` itself if it exists (or is absolute), else the same path under the project's notebooks/.

    >>> locate("/tmp")
    PosixPath('/tmp')
    """
    given = Path(path)
    if given.is_absolute() or given.exists():
        return given
    candidate = PROJECT_NOTEBOOKS / given
    return candidate.resolve() if candidate.exists() else given
