"""The batch behind ``python -m analysis run`` (``make figures``), by concern:

- :mod:`~analysis.batch.spec`: ``notebooks/runs.yaml`` checked as a schema, and its matrices;
- :mod:`~analysis.batch.manifest`: what a run depends on, as hashes, and ``figures/manifest.json``;
- :mod:`~analysis.batch.supply` and :mod:`~analysis.batch.fork`: a fresh kernel for every run,
  started ahead, forked from a warm template on Linux;
- :mod:`~analysis.batch.publish`: staging a run and publishing its outputs whole or not at all;
- :mod:`~analysis.batch.lock`: one batch at a time; readers wait while a batch writes;
- :mod:`~analysis.batch.batch`: the batch itself.

Importing this package imports none of them (the command line's ``--help`` stays fast).
"""
