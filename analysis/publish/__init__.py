"""Outputs for readers beyond Jupyter.

- ``db``: the SQLite database that Datasette serves (``make db``, ``make serve``).
- ``site``: the static reading site (``make site``).
- ``timelinejs``: the TimelineJS export (``python -m analysis export timelinejs``).

Each module reads the record through :func:`analysis.load.load_case` and the rules through their
own functions (for example :func:`analysis.gaps.gap_table`); none re-derives a rule.
"""
