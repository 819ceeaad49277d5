"""Resolve the notebooks' relative path parameters the same way wherever a notebook is run from.

The rule: a relative path parameter (``data_dir = "../data"``, ``figures_dir = "../figures"``) is
always relative to the notebooks' folder — whether or not the target exists, and whatever the
working directory. So ``papermill notebooks/02-gaps-to-next-death.ipynb build/out.ipynb`` from
the project root reads the project's ``data/`` and writes inside the project, and a stray
``../data`` beside the clone changes nothing. Only an absolute path points elsewhere.

The notebooks' folder is this project's ``notebooks/``, unless the batch runs a staged copy
(``analysis.batch``), which names its staging folder in :data:`NOTEBOOKS_ENV`.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
#: Set by the batch to the staged notebooks' folder, so staged runs write into their stage.
NOTEBOOKS_ENV = "PORT_NOTEBOOKS_DIR"


def notebooks_dir() -> Path:
    """The folder that relative path parameters are relative to."""
    staged = os.environ.get(NOTEBOOKS_ENV)
    return Path(staged) if staged else PROJECT_NOTEBOOKS


def locate(path: str | Path) -> Path:
    """``path`` if absolute, else the same path under the notebooks' folder (resolved).

    >>> locate("/tmp")
    PosixPath('/tmp')
    >>> locate("../data") == (PROJECT_NOTEBOOKS / "../data").resolve() or NOTEBOOKS_ENV in os.environ
    True
    """
    given = Path(path).expanduser()
    if given.is_absolute():
        return given
    return (notebooks_dir() / given).resolve()
