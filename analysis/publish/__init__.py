"""Outputs for readers beyond Jupyter: each module reads the record through ``analysis.load`` and
the rules through their own functions (``analysis.gaps``), never re-deriving a rule.

- ``db``: the SQLite database that Datasette serves (``make db``, ``make serve``).
"""
