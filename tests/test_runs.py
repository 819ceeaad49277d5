"""Batch runs: committed outputs are current, regeneration is byte-identical, failures are contained."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from analysis.runs import RUNS_FILE, Paths, code_hash, data_hash, read_manifest, read_runs, run_inputs_hash
from conftest import ROOT

STALE = "committed outputs are stale: run `make figures` and commit figures/ and notebooks/"


def test_manifest_matches_current_inputs():
    """Fast check: every run's recorded input hash equals the hash of today's notebook, data and code."""
    paths = Paths(root=ROOT, figures=ROOT / "figures", notebooks=ROOT / "notebooks", build=ROOT / "build")
    manifest = read_manifest(paths.figures)
    code = code_hash(ROOT)
    for run in read_runs(ROOT / RUNS_FILE):
        data = data_hash(ROOT / "data", run.tables)
        recorded = manifest["runs"].get(run.name, {}).get("inputs_sha256")
        assert recorded == run_inputs_hash(run, paths, data, code), f"run {run.name!r}: {STALE}"
        for name in run.figures:
            assert manifest["figures"][name]["data_sha256"] == data


def test_regenerated_figures_equal_committed(regenerated):
    committed = sorted(p.name for p in (ROOT / "figures").iterdir())
    assert sorted(p.name for p in (regenerated / "figures").iterdir()) == committed
    for name in committed:
        assert (regenerated / "figures" / name).read_bytes() == (ROOT / "figures" / name).read_bytes(), f"{name}: {STALE}"


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
        errors = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c["outputs"] if o["output_type"] == "error"]
        assert not errors


def make_project(tmp_path: Path, bad_cell: str | None) -> Path:
    """A copy of the project whose gap notebook optionally fails part-way."""
    root = tmp_path / "proj"
    for folder in ("analysis", "data", "notebooks", "figures"):
        shutil.copytree(ROOT / folder, root / folder, ignore=shutil.ignore_patterns("__pycache__"))
    if bad_cell:
        path = root / "notebooks" / "02-gaps-to-next-death.ipynb"
        nb = json.loads(path.read_text(encoding="utf-8"))
        # Fail after the gap chart has been saved: nothing of this run may reach figures/.
        nb["cells"].append({"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                            "source": bad_cell})
        path.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    return root


def test_failed_run_is_reported_and_leaves_its_figures_untouched(tmp_path):
    root = make_project(tmp_path, bad_cell="raise RuntimeError('deliberate failure')")
    before = (root / "figures" / "gaps-to-next-death.svg").read_bytes()
    (root / "figures" / "gaps-to-next-death.svg").write_bytes(before + b"<!-- sentinel -->")
    done = subprocess.run([sys.executable, "-m", "analysis", "run", "gaps", "overview", "--force"], cwd=root,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 1
    assert "gaps: FAILED" in done.stderr and str(Path("build") / "runs" / "gaps.ipynb") in done.stderr
    assert "overview: ok" in done.stdout  # the other run still completed
    assert (root / "figures" / "gaps-to-next-death.svg").read_bytes() == before + b"<!-- sentinel -->"
    executed = json.loads((root / "build" / "runs" / "gaps.ipynb").read_text(encoding="utf-8"))
    assert any(o.get("ename") == "RuntimeError" for c in executed["cells"] if c["cell_type"] == "code"
               for o in c["outputs"])


def test_second_run_does_no_work(tmp_path):
    root = make_project(tmp_path, bad_cell=None)
    done = subprocess.run([sys.executable, "-m", "analysis", "run"], cwd=root, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Nothing to do")


def stale_runs(root: Path) -> list[str]:
    paths = Paths(root=root, figures=root / "figures", notebooks=root / "notebooks", build=root / "build")
    manifest = read_manifest(paths.figures)
    code = code_hash(root)
    return [r.name for r in read_runs(root / RUNS_FILE)
            if manifest["runs"][r.name]["inputs_sha256"] != run_inputs_hash(r, paths, data_hash(root / "data", r.tables), code)]


def test_changing_a_death_date_makes_every_run_stale(tmp_path):
    root = make_project(tmp_path, bad_cell=None)
    assert stale_runs(root) == []
    victims = root / "data" / "victims.csv"
    victims.write_text(victims.read_text(encoding="utf-8").replace("2014-06-19", "2014-06-20", 1), encoding="utf-8")
    assert stale_runs(root) == [r.name for r in read_runs(root / RUNS_FILE)]  # every notebook reads the victims


def test_changing_a_finding_reruns_only_the_runs_that_read_findings(tmp_path):
    root = make_project(tmp_path, bad_cell=None)
    findings = root / "data" / "findings.csv"
    text = findings.read_text(encoding="utf-8")
    findings.write_text(text.replace("unlawfully killed", "unlawfully  killed", 1), encoding="utf-8")
    assert stale_runs(root) == ["findings", "overview"]


def test_invalid_data_stops_the_batch_before_any_kernel(tmp_path):
    root = make_project(tmp_path, bad_cell=None)
    events = root / "data" / "events.csv"
    lines = events.read_text(encoding="utf-8").splitlines(keepends=True)
    events.write_text(lines[0] + lines[1] + lines[1] + "".join(lines[2:]), encoding="utf-8")
    before = {p.name: p.read_bytes() for p in (root / "figures").iterdir()}
    done = subprocess.run([sys.executable, "-m", "analysis", "run"], cwd=root, capture_output=True, text=True, timeout=600)
    assert done.returncode == 1
    assert f"{Path('data') / 'events.csv'}:3: event_id:" in done.stderr and "Traceback" not in done.stderr
    assert {p.name: p.read_bytes() for p in (root / "figures").iterdir()} == before


def test_a_figure_overwritten_by_hand_makes_its_run_stale(tmp_path):
    root = make_project(tmp_path, bad_cell=None)
    assert stale_runs(root) == []
    paths = Paths(root=root, figures=root / "figures", notebooks=root / "notebooks", build=root / "build")
    manifest = read_manifest(paths.figures)
    runs = {r.name: r for r in read_runs(root / RUNS_FILE)}

    def up_to_date(name: str) -> bool:
        from analysis.runs import is_up_to_date

        run = runs[name]
        return is_up_to_date(run, manifest, run_inputs_hash(run, paths, data_hash(root / "data", run.tables),
                                                            code_hash(root)), paths)

    assert up_to_date("gaps")
    (root / "figures" / "gaps-to-next-death.png").write_bytes(b"not the committed figure")
    assert not up_to_date("gaps")
    assert up_to_date("timeline")


def test_each_run_had_a_fresh_kernel_and_none_is_left(regenerated):
    """Kernels started ahead of their run (analysis.runs.KernelSupply) are never shared or reused:
    in every executed run, counting starts at 1 and goes up by one per cell (a kernel that had run
    anything before would count on from there); and once the batch is over, no process of ours
    still has its working directory in the batch's folders (a kernel left behind would)."""
    for run in read_runs(ROOT / RUNS_FILE):
        nb = json.loads((regenerated / "build" / "runs" / f"{run.name}.ipynb").read_text(encoding="utf-8"))
        counts = [c["execution_count"] for c in nb["cells"] if c["cell_type"] == "code"]
        assert counts == list(range(1, len(counts) + 1)), run.name
    left = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if str(regenerated) in os.readlink(proc / "cwd"):
                left.append(proc.name)
        except OSError:  # not ours, or gone
            continue
    assert not left, f"processes still running in {regenerated}: {left}"
