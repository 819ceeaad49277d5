"""Outputs for readers beyond Jupyter: the static site (``site``) and the TimelineJS export (``timelinejs``).

Each module reads the record through :func:`analysis.load.load_case` and the rules through their
own functions (for example :func:`analysis.gaps.gap_table`); none re-derives a rule.
"""
