"""The batch machinery: incremental runs, matrices, failures contained, locks, kernels that start new and
die with the batch. (That the committed outputs are current is tests/test_outputs.py.)"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from analysis.runs import RUNS_FILE, Paths, code_hash, data_hash, read_manifest, read_runs, run_inputs_hash
from conftest import ROOT, processes_in

def make_project(tmp_path: Path) -> Path:
    """A copy of the project: library, data, notebooks and committed figures."""
    root = tmp_path / "proj"
    for folder in ("analysis", "data", "notebooks", "figures"):
        shutil.copytree(ROOT / folder, root / folder, ignore=shutil.ignore_patterns("__pycache__"))
    return root


def test_failed_run_is_reported_and_leaves_its_figures_untouched(tmp_path):
    root = tiny_project(tmp_path, "runs:\n"
                        "  - {name: bad, notebook: bad.ipynb, parameters: {figure: f-bad}, figures: [f-bad]}\n"
                        "  - {name: good, notebook: tiny.ipynb, parameters: {figure: f-good}, figures: [f-good]}\n")
    bad = json.loads(json.dumps(TINY_NOTEBOOK))
    # Fail after the figure has been written: nothing of this run may reach figures/.
    bad["cells"].append({"cell_type": "code", "execution_count": None, "id": "x", "metadata": {}, "outputs": [],
                         "source": "raise RuntimeError('deliberate failure')"})
    (root / "notebooks" / "bad.ipynb").write_text(json.dumps(bad), encoding="utf-8")
    (root / "figures").mkdir()
    (root / "figures" / "f-bad.svg").write_text("the previous figure", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "analysis", "run"], cwd=root, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 1
    assert "bad: FAILED" in done.stderr and str(Path("build") / "runs" / "bad.ipynb") in done.stderr
    assert "good: ok" in done.stdout  # the other run still completed
    assert (root / "figures" / "f-good.svg").read_text(encoding="utf-8") == "death all"
    assert (root / "figures" / "f-bad.svg").read_text(encoding="utf-8") == "the previous figure"
    assert not (root / "figures" / "f-bad.png").exists()
    executed = json.loads((root / "build" / "runs" / "bad.ipynb").read_text(encoding="utf-8"))
    assert any(o.get("ename") == "RuntimeError" for c in executed["cells"] if c["cell_type"] == "code"
               for o in c["outputs"])


def test_second_run_does_no_work(tmp_path):
    root = make_project(tmp_path)
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
    root = make_project(tmp_path)
    assert stale_runs(root) == []
    victims = root / "data" / "victims.csv"
    victims.write_text(victims.read_text(encoding="utf-8").replace("2014-06-19", "2014-06-20", 1), encoding="utf-8")
    assert stale_runs(root) == [r.name for r in read_runs(root / RUNS_FILE)]  # every notebook reads the victims


def test_changing_a_finding_reruns_only_the_runs_that_read_findings(tmp_path):
    root = make_project(tmp_path)
    findings = root / "data" / "findings.csv"
    text = findings.read_text(encoding="utf-8")
    findings.write_text(text.replace("unlawfully killed", "unlawfully  killed", 1), encoding="utf-8")
    # The timeline reads no findings; the gap runs do (official credits), as do notebooks 03-06.
    runs = [r.name for r in read_runs(root / RUNS_FILE)]
    assert stale_runs(root) == [name for name in runs if name != "timeline"]
    assert "gaps-sweep-found-jury" in runs and len(runs) == 11


def test_invalid_data_stops_the_batch_before_any_kernel(tmp_path):
    root = make_project(tmp_path)
    events = root / "data" / "events.csv"
    lines = events.read_text(encoding="utf-8").splitlines(keepends=True)
    events.write_text(lines[0] + lines[1] + lines[1] + "".join(lines[2:]), encoding="utf-8")
    before = {p.name: p.read_bytes() for p in (root / "figures").iterdir()}
    done = subprocess.run([sys.executable, "-m", "analysis", "run"], cwd=root, capture_output=True, text=True, timeout=600)
    assert done.returncode == 1
    assert f"{Path('data') / 'events.csv'}:3: event_id:" in done.stderr and "Traceback" not in done.stderr
    assert {p.name: p.read_bytes() for p in (root / "figures").iterdir()} == before


def test_a_figure_overwritten_by_hand_makes_its_run_stale(tmp_path):
    root = make_project(tmp_path)
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


# --- matrix runs ------------------------------------------------------------------------------

TINY_NOTEBOOK = {
    "cells": [
        {"cell_type": "code", "execution_count": None, "id": "p", "metadata": {"tags": ["parameters"]}, "outputs": [],
         "source": 'figures_dir: str = "../figures"\nbasis: str = "death"\nwho: str = "all"\nfigure: str = "f"'},
        {"cell_type": "code", "execution_count": None, "id": "w", "metadata": {"tags": []}, "outputs": [],
         "source": "from pathlib import Path\n"
                   "for suffix in ('.svg', '.png', '.alt.txt'):\n"
                   "    (Path(figures_dir) / (figure + suffix)).write_text(f'{basis} {who}')"},
    ],
    "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
    "nbformat": 4, "nbformat_minor": 5,
}


def tiny_project(tmp_path: Path, runs_yaml: str) -> Path:
    """A project with the real data, no library code, and one tiny notebook that writes its figure."""
    root = tmp_path / "proj"
    shutil.copytree(ROOT / "data", root / "data")
    (root / "analysis").mkdir()
    (root / "notebooks").mkdir()
    (root / "notebooks" / "tiny.ipynb").write_text(json.dumps(TINY_NOTEBOOK), encoding="utf-8")
    (root / RUNS_FILE).write_text(runs_yaml, encoding="utf-8")
    return root


MATRIX = """runs:
  - name: sweep
    notebook: tiny.ipynb
    matrix:
      basis: [death, found]
      who: [jury+coroner, all]
    parameters: {figure: "fig-{basis}-{who}"}
    tables: [victims]
    figures: ["fig-{basis}-{who}"]
"""


def test_matrix_expands_to_named_runs_with_their_parameters(tmp_path):
    root = tiny_project(tmp_path, MATRIX)
    runs = read_runs(root / RUNS_FILE)
    assert [r.name for r in runs] == ["sweep-death-jury-coroner", "sweep-death-all",
                                      "sweep-found-jury-coroner", "sweep-found-all"]
    first = runs[0]
    assert first.parameters == {"figure": "fig-death-jury-coroner", "basis": "death", "who": "jury+coroner"}
    assert first.figures == ("fig-death-jury-coroner",)
    assert all(r.tables == ("victims",) and not r.publish for r in runs)


@pytest.mark.parametrize("matrix, parameters, figures, message", [
    ("{basis: [death], colour: [red]}", "{}", '["f-{basis}"]',
     "run 'sweep': matrix: 'colour' is not a parameter of tiny.ipynb (its parameters cell defines basis, figure, figures_dir, who)"),
    ("{basis: []}", "{}", '["f-{basis}"]', "run 'sweep': matrix: 'basis' needs a non-empty list of values"),
    ("{basis: death}", "{}", '["f-{basis}"]', "run 'sweep': matrix: 'basis' needs a non-empty list of values"),
    ("[basis]", "{}", '["f-{basis}"]', "run 'sweep': matrix: must map each swept parameter to a list of values"),
    ("{basis: [death, found]}", "{basis: death}", '["f-{basis}"]', "'basis' is set in both matrix and parameters"),
    ("{basis: [death, found]}", "{}", '["f"]', "runs 'sweep-death' and 'sweep-found' both write figure 'f'"),
    ("{basis: [death, found]}", "{}", '["f-{colour}"]', "run 'sweep': matrix: 'f-{colour}' uses 'colour'"),
    ("{who: [jury+coroner, jury coroner]}", "{}", '["f-{who}"]', "'who' lists values that give the same name"),
])
def test_malformed_matrix_is_refused_naming_the_run(tmp_path, matrix, parameters, figures, message):
    from analysis.runs import RunsError

    root = tiny_project(tmp_path, f"runs:\n  - name: sweep\n    notebook: tiny.ipynb\n    matrix: {matrix}\n"
                                  f"    parameters: {parameters}\n    figures: {figures}\n")
    with pytest.raises(RunsError) as caught:
        read_runs(root / RUNS_FILE)
    assert message in str(caught.value) and str(root / RUNS_FILE) in str(caught.value)


def test_derived_name_clashing_with_another_run_is_refused_before_any_kernel(tmp_path):
    root = tiny_project(tmp_path, MATRIX + "  - name: sweep-death-all\n    notebook: tiny.ipynb\n    figures: [other]\n")
    done = subprocess.run([sys.executable, "-m", "analysis", "run"], cwd=root, capture_output=True, text=True, timeout=600)
    assert done.returncode == 1
    assert "duplicate run names ['sweep-death-all']" in done.stderr and "Traceback" not in done.stderr
    assert not (root / "build").exists()  # nothing was staged: no kernel started


def test_published_matrix_is_refused(tmp_path):
    from analysis.runs import RunsError

    root = tiny_project(tmp_path, MATRIX.replace("    tables:", "    publish: true\n    tables:"))
    with pytest.raises(RunsError, match="run 'sweep': matrix: a matrix run cannot be published"):
        read_runs(root / RUNS_FILE)


def test_each_combination_is_incremental_on_its_own(tmp_path):
    deaths = MATRIX.replace("basis: [death, found]", "basis: [death]")
    root = tiny_project(tmp_path, deaths.replace("who: [jury+coroner, all]", "who: [all]"))
    first = subprocess.run([sys.executable, "-m", "analysis", "run"], cwd=root, capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stderr
    assert "Running 1 of 1 run(s)" in first.stdout
    assert (root / "figures" / "fig-death-all.svg").read_text() == "death all"
    # A new value adds a combination; the unchanged one is skipped.
    (root / RUNS_FILE).write_text(deaths, encoding="utf-8")
    second = subprocess.run([sys.executable, "-m", "analysis", "run"], cwd=root, capture_output=True, text=True, timeout=600)
    assert second.returncode == 0, second.stderr
    assert "Running 1 of 2 run(s) on" in second.stdout and "1 up to date" in second.stdout
    assert "sweep-death-jury-coroner: ok" in second.stdout and "sweep-death-all: ok" not in second.stdout
    assert (root / "figures" / "fig-death-jury-coroner.svg").read_text() == "death jury+coroner"
    third = subprocess.run([sys.executable, "-m", "analysis", "run"], cwd=root, capture_output=True, text=True, timeout=600)
    assert third.stdout.startswith("Nothing to do: 2 run(s) up to date")


def test_a_second_batch_waits_for_the_first_and_the_lock_dies_with_its_holder(tmp_path):
    import select
    import signal

    root = make_project(tmp_path)
    (root / "build").mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl, sys, time\n"
         "f = open(sys.argv[1], 'a+'); fcntl.flock(f, fcntl.LOCK_EX); f.truncate(0)\n"
         "f.write('the batch run by process 4242'); f.flush(); print('locked', flush=True); time.sleep(600)",
         str(root / "build" / "run.lock")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        batch = subprocess.Popen([sys.executable, "-m", "analysis", "run"], cwd=root, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
        ready, _, _ = select.select([batch.stderr], [], [], 120)
        assert ready, "the second batch neither waited nor said so"
        line = batch.stderr.readline()
        assert line.startswith("waiting for the batch run by process 4242") and "run.lock" in line
        assert batch.poll() is None  # still waiting: it did not run alongside
    finally:
        holder.send_signal(signal.SIGKILL)  # the holder dies without unlocking: the OS frees the lock
        holder.wait()
    out, err = batch.communicate(timeout=300)
    assert batch.returncode == 0, err
    assert out.startswith("Nothing to do")


def test_a_run_removed_from_runs_yaml_leaves_the_manifest(tmp_path):
    deaths = MATRIX.replace("basis: [death, found]", "basis: [death]")
    root = tiny_project(tmp_path, deaths)
    first = subprocess.run([sys.executable, "-m", "analysis", "run"], cwd=root, capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stderr
    (root / RUNS_FILE).write_text(deaths.replace("who: [jury+coroner, all]", "who: [all]"), encoding="utf-8")
    second = subprocess.run([sys.executable, "-m", "analysis", "run"], cwd=root, capture_output=True, text=True, timeout=600)
    assert second.returncode == 0, second.stderr
    assert "Removed from figures/manifest.json" in second.stdout and "Nothing to do: 1 run(s)" in second.stdout
    manifest = json.loads((root / "figures" / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(manifest["runs"]) == ["sweep-death-all"]
    assert sorted(manifest["figures"]) == ["fig-death-all"]


def test_the_command_line_and_publishers_are_not_notebook_inputs(tmp_path):
    root = make_project(tmp_path)
    assert stale_runs(root) == []
    (root / "analysis" / "__main__.py").write_text("# a new subcommand\n", encoding="utf-8")
    (root / "analysis" / "publish" / "site.py").write_text("# a new page\n", encoding="utf-8")
    assert stale_runs(root) == []
    with (root / "analysis" / "gaps.py").open("a", encoding="utf-8") as f:
        f.write("\n# a changed rule\n")
    assert stale_runs(root) == [r.name for r in read_runs(root / RUNS_FILE)]
PROBE = """import json, os, sys
probe = {"modules before the cell": sorted(m for m in ("pandas", "matplotlib", "analysis") if m not in sys.modules),
         "working directory": os.getcwd(), "python path": sys.path, "argv0": os.path.basename(sys.argv[0]),
         "own session": os.getsid(0) == os.getpid(), "MPLBACKEND": os.environ.get("MPLBACKEND"),
         "parent": open(f"/proc/{os.getppid()}/cmdline", "rb").read().decode(errors="replace")}
import pandas as pd
import matplotlib
from pandas._config.config import _registered_options
probe["pandas options"] = {key: repr(pd.get_option(key)) for key in sorted(_registered_options)}
probe["matplotlib settings"] = {key: repr(value) for key, value in sorted(matplotlib.rcParams.items())}
probe["matplotlib backend"] = matplotlib.get_backend()
open(OUT, "w").write(json.dumps(probe))
"""


def run_probe_in_a_new_kernel(tmp_path: Path, out: Path) -> dict:
    """The probe, run by papermill in a kernel that jupyter_client launches as usual."""
    import papermill

    from analysis.runs import _kernel_name

    folder = tmp_path / "launched" / "notebooks"
    folder.mkdir(parents=True)
    nb = json.loads(json.dumps(TINY_NOTEBOOK))
    nb["cells"][1:] = [{"cell_type": "code", "execution_count": None, "id": "probe", "metadata": {}, "outputs": [],
                        "source": PROBE.replace("OUT", repr(str(out)))}]
    (folder / "probe.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    papermill.execute_notebook(str(folder / "probe.ipynb"), str(folder / "out.ipynb"), cwd=str(folder),
                               kernel_name=_kernel_name(), progress_bar=False)
    return json.loads(out.read_text(encoding="utf-8"))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="kernels are forked from a template on Linux only")
def test_a_forked_kernel_starts_as_a_new_kernel_would_and_nothing_outlives_a_killed_batch(tmp_path):
    """A kernel the batch forks from its template shows a notebook what a kernel that jupyter_client
    starts anew shows it: every pandas option and matplotlib setting, the backend, its own session,
    the launcher's argv and path, though the template imported pandas and matplotlib already.
    Killing the batch (SIGKILL, mid-cell) takes its worker, the template and the kernel with it."""
    import signal

    out = tmp_path / "probe.json"
    nb = json.loads(json.dumps(TINY_NOTEBOOK))
    nb["cells"].insert(1, {"cell_type": "code", "execution_count": None, "id": "probe", "metadata": {}, "outputs": [],
                           "source": PROBE.replace("OUT", repr(str(out))) + "import time\ntime.sleep(120)\n"})
    # The template imports pandas and matplotlib after its first fork: the probe is the second run.
    root = tiny_project(tmp_path, "runs:\n  - {name: first, notebook: tiny.ipynb, figures: [f]}\n"
                                  "  - {name: probe, notebook: probe.ipynb, figures: []}\n")
    (root / "notebooks" / "probe.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    batch = subprocess.Popen([sys.executable, "-m", "analysis", "run", "--jobs", "1"], cwd=root,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not out.exists() or not out.read_text(encoding="utf-8").endswith("}"):  # the cell is running
            assert batch.poll() is None and time.monotonic() < deadline, "the run never started"
            time.sleep(0.1)
        assert len(processes_in(root / "build")) >= 3  # the worker, its template and the kernel
    finally:
        batch.send_signal(signal.SIGKILL)
        batch.wait()
    deadline = time.monotonic() + 30
    while processes_in(root / "build") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_in(root / "build") == set()
    forked = json.loads(out.read_text(encoding="utf-8"))
    assert "kernels.py" in forked.pop("parent")  # forked by the template, not launched the usual way
    stage = forked.pop("working directory")
    assert stage.startswith(str(root / "build" / "stage" / "worker-")) and stage.endswith("/notebooks")
    launched = run_probe_in_a_new_kernel(tmp_path, tmp_path / "launched.json")
    assert "kernels.py" not in launched.pop("parent")  # launched by jupyter_client from this process
    launched.pop("working directory")
    assert forked.pop("modules before the cell") == ["analysis"]  # the template imported pandas and matplotlib
    assert launched.pop("modules before the cell") == ["analysis", "matplotlib", "pandas"]
    path = forked.pop("python path")
    assert path == launched.pop("python path") and not [entry for entry in path if str(tmp_path) in entry]
    differ = {section: {k: (v, launched[section].get(k)) for k, v in values.items() if launched[section].get(k) != v}
              for section, values in forked.items() if isinstance(values, dict)}
    assert forked == launched, differ  # every pandas option and matplotlib setting, the backend, argv, session
