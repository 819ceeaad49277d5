"""Committed outputs are what the committed data, notebooks and library produce: the manifest's
input hashes match today's inputs, and the session's regeneration (tests/conftest.py) reproduces
every committed figure and notebook byte for byte, each run in a kernel of its own."""

from __future__ import annotations

import json

from analysis.batch.manifest import code_hash, read_manifest, run_inputs_hash
from analysis.schema import data_hash
from analysis.batch.spec import RUNS_FILE, read_runs
from conftest import ROOT, processes_in

STALE = "committed outputs are stale: run `make figures` and commit figures/ and notebooks/"


def test_manifest_matches_current_inputs():
    """Fast check: every run's recorded input hash equals the hash of today's notebook, data and code."""
    manifest = read_manifest(ROOT / "figures")
    code, data = code_hash(ROOT), data_hash(ROOT / "data")
    for run in read_runs(ROOT / RUNS_FILE):
        recorded = manifest["runs"].get(run.name, {}).get("inputs_sha256")
        assert recorded == run_inputs_hash(run, ROOT / "notebooks", data, code), f"run {run.name!r}: {STALE}"
        for name in run.figures:
            assert manifest["figures"][name]["data_sha256"] == data


def test_regenerated_figures_equal_committed(regenerated):
    committed = sorted(p.name for p in (ROOT / "figures").iterdir())
    assert sorted(p.name for p in (regenerated / "figures").iterdir()) == committed
    for name in committed:
        assert (regenerated / "figures" / name).read_bytes() == (ROOT / "figures" / name).read_bytes(), (
            f"{name}: {STALE}"
        )


def test_regenerated_notebooks_equal_committed(regenerated):
    for run in read_runs(ROOT / RUNS_FILE):
        if run.publish:
            fresh = (regenerated / "notebooks" / run.notebook).read_bytes()
            assert fresh == (ROOT / "notebooks" / run.notebook).read_bytes(), f"{run.notebook}: {STALE}"


def test_published_notebooks_ran_top_to_bottom():
    for run in read_runs(ROOT / RUNS_FILE):
        if not run.publish:
            continue
        nb = json.loads((ROOT / "notebooks" / run.notebook).read_text(encoding="utf-8"))
        counts = [c["execution_count"] for c in nb["cells"] if c["cell_type"] == "code"]
        assert counts == list(range(1, len(counts) + 1)), run.notebook
        assert "papermill" not in nb["metadata"]
        errors = [
            o for c in nb["cells"] if c["cell_type"] == "code" for o in c["outputs"] if o["output_type"] == "error"
        ]
        assert not errors


def test_each_run_had_a_fresh_kernel_and_none_is_left(regenerated):
    """Kernels started ahead of their run (analysis.batch.supply.KernelSupply) are never shared or reused:
    in every executed run, counting starts at 1 and goes up by one per cell (a kernel that had run
    anything before would count on from there); and once the batch is over, no process of ours
    still has its working directory in the batch's folders (a kernel left behind would)."""
    for run in read_runs(ROOT / RUNS_FILE):
        nb = json.loads((regenerated / "build" / "runs" / f"{run.name}.ipynb").read_text(encoding="utf-8"))
        counts = [c["execution_count"] for c in nb["cells"] if c["cell_type"] == "code"]
        assert counts == list(range(1, len(counts) + 1)), run.name
    left = processes_in(regenerated)
    assert not left, f"processes still running in {regenerated}: {left}"


def test_a_kept_regeneration_loses_the_files_no_run_writes_any_more(tmp_path):
    """make test-core keeps its regeneration between runs; a figure or notebook of a run since renamed
    or removed is deleted from it before the batch, so it cannot show up as a stale committed output."""
    from conftest import prune_kept_regeneration

    kept = {"figures/case-timeline.svg", "figures/manifest.json", "notebooks/02-gaps-to-next-death.ipynb"}
    gone = {"figures/a-renamed-figure.svg", "figures/a-renamed-figure.alt.txt", "notebooks/old-notebook.ipynb"}
    for name in kept | gone:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x", encoding="utf-8")
    prune_kept_regeneration(tmp_path)
    assert {str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()} == kept
