"""Helper library for a sourced record of missed opportunities before a series of deaths.

The library holds the rules; the case (its names, ids, dates and its own words) is in the data
package (``data/``, and its ``case`` section in ``datapackage.json``) and in the notebooks.
The public names are imported lazily so that light commands (``python -m analysis run``
with nothing to do, ``--help``) start without paying for pandas, matplotlib or papermill.

>>> from analysis import load_case
>>> case = load_case("data")            # doctest: +SKIP
>>> case.info.title                     # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "load_case": "analysis.load",
    "Case": "analysis.load",
    "DataError": "analysis.problems",
    "Problem": "analysis.problems",
    "gap_table": "analysis.gaps",
    "deaths_view": "analysis.gaps",
    "save_figure": "analysis.save",
    "save_and_show": "analysis.save",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'analysis' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
