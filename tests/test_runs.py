"""The batch machinery: incremental runs, what makes a run stale, matrices, failures contained, locks.
(Publishing is tests/test_publish.py; kernels tests/test_kernels.py; runs.yaml's schema and the other
one-line errors tests/test_errors.py; that the committed outputs are current tests/test_outputs.py.)"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from analysis.batch.batch import Paths, out_of_date
from analysis.batch.manifest import environment, write_environment
from analysis.batch.spec import RUNS_FILE, RunsError, read_runs
from conftest import ROOT


def make_project(tmp_path: Path) -> Path:
    """A copy of the project: library, data, notebooks and committed figures."""
    root = tmp_path / "proj"
    for folder in ("analysis", "data", "notebooks", "figures"):
        shutil.copytree(ROOT / folder, root / folder, ignore=shutil.ignore_patterns("__pycache__"))
    return root


@pytest.mark.batch
def test_failed_run_is_reported_and_leaves_its_figures_untouched(tmp_path):
    root = tiny_project(
        tmp_path,
        "runs:\n"
        "  - {name: bad, notebook: bad.ipynb, parameters: {figure: f-bad}, figures: [f-bad]}\n"
        "  - {name: good, notebook: tiny.ipynb, parameters: {figure: f-good}, figures: [f-good]}\n",
    )
    bad = json.loads(json.dumps(TINY_NOTEBOOK))
    # Fail after the figure has been written: nothing of this run may reach figures/.
    bad["cells"].append(
        {
            "cell_type": "code",
            "execution_count": None,
            "id": "x",
            "metadata": {},
            "outputs": [],
            "source": "raise RuntimeError('deliberate failure')",
        }
    )
    (root / "notebooks" / "bad.ipynb").write_text(json.dumps(bad), encoding="utf-8")
    (root / "figures").mkdir()
    (root / "figures" / "f-bad.svg").write_text("the previous figure", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "analysis", "run"], cwd=root, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 1
    assert "bad: FAILED" in done.stderr and str(Path("build") / "runs" / "bad.ipynb") in done.stderr
    assert "good: ok" in done.stdout  # the other run still completed
    assert (root / "figures" / "f-good.svg").read_text(encoding="utf-8") == "death all"
    assert (root / "figures" / "f-bad.svg").read_text(encoding="utf-8") == "the previous figure"
    assert not (root / "figures" / "f-bad.png").exists()
    executed = json.loads((root / "build" / "runs" / "bad.ipynb").read_text(encoding="utf-8"))
    assert any(
        o.get("ename") == "RuntimeError" for c in executed["cells"] if c["cell_type"] == "code" for o in c["outputs"]
    )


def test_second_run_does_no_work(tmp_path):
    root = make_project(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "analysis", "run"], cwd=root, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Nothing to do")


def stale_runs(root: Path, env: dict | None = None) -> list[str]:
    """The runs a batch in the copy ``root`` would execute (in environment ``env``, default this one)."""
    paths = Paths(root=root, figures=root / "figures", notebooks=root / "notebooks", build=root / "build")
    return [r.name for r in out_of_date(read_runs(root / RUNS_FILE), paths, env or environment())]


def test_changing_a_death_date_makes_every_run_stale(tmp_path):
    root = make_project(tmp_path)
    assert stale_runs(root) == []
    victims = root / "data" / "victims.csv"
    victims.write_text(victims.read_text(encoding="utf-8").replace("2014-06-19", "2014-06-20", 1), encoding="utf-8")
    assert stale_runs(root) == [r.name for r in read_runs(root / RUNS_FILE)]


@pytest.mark.parametrize(
    "run, notebook", [("timeline", "01-case-timeline.ipynb"), ("findings", "03-official-findings.ipynb")]
)
def test_a_corrected_source_url_reruns_the_notebooks_that_print_it(tmp_path, run, notebook):
    """Notebooks 01 and 03 print source links: a corrected URL must re-run them (once it did not)."""
    root = make_project(tmp_path)
    sources = root / "data" / "sources.csv"
    shown = (root / "notebooks" / notebook).read_text(encoding="utf-8")
    url = next(row["url"] for row in csv.DictReader(sources.open(encoding="utf-8")) if row["url"] in shown)
    sources.write_text(sources.read_text(encoding="utf-8").replace(url, url + "#corrected", 1), encoding="utf-8")
    assert run in stale_runs(root)


@pytest.mark.parametrize("table", sorted(p.stem for p in (ROOT / "data").glob("*.csv")) + ["datapackage"])
def test_perturbing_any_table_reruns_every_run(tmp_path, table):
    """A run depends on every table: no list to forget a table in."""
    root = make_project(tmp_path)
    path = root / "data" / (f"{table}.csv" if table != "datapackage" else "datapackage.json")
    path.write_bytes(path.read_bytes() + b"\n")
    assert stale_runs(root) == [r.name for r in read_runs(root / RUNS_FILE)]


def test_another_python_or_library_version_reruns_every_run(tmp_path):
    """The environment of the last complete batch is kept in build/; any change re-runs every run."""
    root = make_project(tmp_path)
    runs = [r.name for r in read_runs(root / RUNS_FILE)]
    assert stale_runs(root) == []  # a new clone trusts its committed outputs
    write_environment(root / "build", environment())
    assert stale_runs(root) == []
    assert stale_runs(root, {**environment(), "python": "cpython 3.99"}) == runs
    assert stale_runs(root, {**environment(), "libraries_sha256": "0" * 64}) == runs


@pytest.mark.batch
def test_a_batch_in_another_environment_says_so_and_reruns(tmp_path):
    root = tiny_project(tmp_path, "runs:\n  - {name: tiny, notebook: tiny.ipynb, figures: [f]}\n")
    first = subprocess.run(
        [sys.executable, "-m", "analysis", "run"], cwd=root, capture_output=True, text=True, timeout=600
    )
    assert first.returncode == 0, first.stderr
    recorded = json.loads((root / "build" / "environment.json").read_text(encoding="utf-8"))
    assert recorded == environment()
    write_environment(root / "build", {**recorded, "python": "cpython 3.99"})
    second = subprocess.run(
        [sys.executable, "-m", "analysis", "run"], cwd=root, capture_output=True, text=True, timeout=600
    )
    assert second.returncode == 0, second.stderr
    assert second.stdout.startswith(
        f"The environment changed since the last batch here (python cpython 3.99 -> "
        f"{recorded['python']}): every run re-runs.\nRunning 1 of 1 run(s)"
    )
    assert json.loads((root / "build" / "environment.json").read_text(encoding="utf-8")) == recorded


def test_an_upgraded_library_changes_the_environment(tmp_path):
    from analysis.batch.manifest import installed_libraries

    site = tmp_path / "site-packages"
    (site / "pandas-2.2.3.dist-info").mkdir(parents=True)
    (site / "pip-24.0.dist-info").mkdir()  # installers do not count
    (site / "port_inquests_analysis-0.1.0.dist-info").mkdir()  # nor the project, hashed by its files
    assert installed_libraries([str(site)]) == ["pandas==2.2.3"]
    (site / "pandas-2.2.3.dist-info").rename(site / "pandas-2.3.0.dist-info")
    assert installed_libraries([str(site)]) == ["pandas==2.3.0"]
    assert "pandas==" + __import__("pandas").__version__ in installed_libraries()  # this environment's own


@pytest.mark.batch
def test_invalid_data_stops_the_batch_before_any_kernel(tmp_path):
    root = make_project(tmp_path)
    events = root / "data" / "events.csv"
    lines = events.read_text(encoding="utf-8").splitlines(keepends=True)
    events.write_text(lines[0] + lines[1] + lines[1] + "".join(lines[2:]), encoding="utf-8")
    before = {p.name: p.read_bytes() for p in (root / "figures").iterdir()}
    done = subprocess.run(
        [sys.executable, "-m", "analysis", "run"], cwd=root, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 1
    assert f"{Path('data') / 'events.csv'}:3: event_id:" in done.stderr and "Traceback" not in done.stderr
    assert {p.name: p.read_bytes() for p in (root / "figures").iterdir()} == before


def test_a_figure_overwritten_by_hand_makes_its_run_stale(tmp_path):
    root = make_project(tmp_path)
    assert stale_runs(root) == []
    (root / "figures" / "gaps-to-next-death.png").write_bytes(b"not the committed figure")
    assert stale_runs(root) == ["gaps"]


# --- matrix runs ------------------------------------------------------------------------------

TINY_NOTEBOOK = {
    "cells": [
        {
            "cell_type": "code",
            "execution_count": None,
            "id": "p",
            "metadata": {"tags": ["parameters"]},
            "outputs": [],
            "source": 'figures_dir: str = "../figures"\nbasis: str = "death"\nwho: str = "all"\nfigure: str = "f"',
        },
        {
            "cell_type": "code",
            "execution_count": None,
            "id": "w",
            "metadata": {"tags": []},
            "outputs": [],
            "source": "from pathlib import Path\n"
            "for suffix in ('.svg', '.png', '.alt.txt'):\n"
            "    (Path(figures_dir) / (figure + suffix)).write_text(f'{basis} {who}')",
        },
    ],
    "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
    "nbformat": 4,
    "nbformat_minor": 5,
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
    figures: ["fig-{basis}-{who}"]
"""


def test_matrix_expands_to_named_runs_with_their_parameters(tmp_path):
    root = tiny_project(tmp_path, MATRIX)
    runs = read_runs(root / RUNS_FILE)
    assert [r.name for r in runs] == [
        "sweep-death-jury-coroner",
        "sweep-death-all",
        "sweep-found-jury-coroner",
        "sweep-found-all",
    ]
    first = runs[0]
    assert first.parameters == {"figure": "fig-death-jury-coroner", "basis": "death", "who": "jury+coroner"}
    assert first.figures == ("fig-death-jury-coroner",)
    assert not any(r.publish for r in runs)


@pytest.mark.parametrize(
    "matrix, parameters, figures, message",
    [
        (
            "{basis: [death], colour: [red]}",
            "{}",
            '["f-{basis}"]',
            "run 'sweep': matrix: 'colour' is not a parameter of tiny.ipynb (its parameters cell defines basis, figure, figures_dir, who)",
        ),
        ("{basis: []}", "{}", '["f-{basis}"]', "run 'sweep': matrix: 'basis' needs a non-empty list of values"),
        ("{basis: death}", "{}", '["f-{basis}"]', "run 'sweep': matrix: 'basis' needs a non-empty list of values"),
        ("[basis]", "{}", '["f-{basis}"]', "run 'sweep': matrix: must map each swept parameter to a list of values"),
        ("{basis: [death, found]}", "{basis: death}", '["f-{basis}"]', "'basis' is set in both matrix and parameters"),
        ("{basis: [death, found]}", "{}", '["f"]', "runs 'sweep-death' and 'sweep-found' both write figure 'f'"),
        ("{basis: [death, found]}", "{}", '["f-{colour}"]', "run 'sweep': matrix: 'f-{colour}' uses 'colour'"),
        ("{who: [jury+coroner, jury coroner]}", "{}", '["f-{who}"]', "'who' lists values that give the same name"),
    ],
)
def test_malformed_matrix_is_refused_naming_the_run(tmp_path, matrix, parameters, figures, message):
    root = tiny_project(
        tmp_path,
        f"runs:\n  - name: sweep\n    notebook: tiny.ipynb\n    matrix: {matrix}\n"
        f"    parameters: {parameters}\n    figures: {figures}\n",
    )
    with pytest.raises(RunsError) as caught:
        read_runs(root / RUNS_FILE)
    assert message in str(caught.value) and str(root / RUNS_FILE) in str(caught.value)


def test_derived_name_clashing_with_another_run_is_refused_before_any_kernel(tmp_path):
    root = tiny_project(
        tmp_path, MATRIX + "  - name: sweep-death-all\n    notebook: tiny.ipynb\n    figures: [other]\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "analysis", "run"], cwd=root, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 1
    assert "duplicate run names ['sweep-death-all']" in done.stderr and "Traceback" not in done.stderr
    assert not (root / "build").exists()  # nothing was staged: no kernel started


def test_published_matrix_is_refused(tmp_path):
    root = tiny_project(tmp_path, MATRIX.replace("    figures:", "    publish: true\n    figures:"))
    with pytest.raises(RunsError, match="run 'sweep': matrix: a matrix run cannot be published"):
        read_runs(root / RUNS_FILE)


@pytest.mark.batch
def test_each_combination_is_incremental_on_its_own(tmp_path):
    deaths = MATRIX.replace("basis: [death, found]", "basis: [death]")
    root = tiny_project(tmp_path, deaths.replace("who: [jury+coroner, all]", "who: [all]"))
    first = subprocess.run(
        [sys.executable, "-m", "analysis", "run"], cwd=root, capture_output=True, text=True, timeout=600
    )
    assert first.returncode == 0, first.stderr
    assert "Running 1 of 1 run(s)" in first.stdout
    assert (root / "figures" / "fig-death-all.svg").read_text() == "death all"
    # A new value adds a combination; the unchanged one is skipped.
    (root / RUNS_FILE).write_text(deaths, encoding="utf-8")
    second = subprocess.run(
        [sys.executable, "-m", "analysis", "run"], cwd=root, capture_output=True, text=True, timeout=600
    )
    assert second.returncode == 0, second.stderr
    assert "Running 1 of 2 run(s) on" in second.stdout and "1 up to date" in second.stdout
    assert "sweep-death-jury-coroner: ok" in second.stdout and "sweep-death-all: ok" not in second.stdout
    assert (root / "figures" / "fig-death-jury-coroner.svg").read_text() == "death jury+coroner"
    assert len(list((root / "build" / "runs").glob("worker-*.kernel.log"))) == 1  # the first batch's log is gone
    third = subprocess.run(
        [sys.executable, "-m", "analysis", "run"], cwd=root, capture_output=True, text=True, timeout=600
    )
    assert third.stdout.startswith("Nothing to do: 2 run(s) up to date")


def test_a_second_batch_waits_for_the_first_and_the_lock_dies_with_its_holder(tmp_path):
    import select
    import signal

    root = make_project(tmp_path)
    (root / "build").mkdir()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, sys, time\n"
            "f = open(sys.argv[1], 'a+'); fcntl.flock(f, fcntl.LOCK_EX); f.truncate(0)\n"
            "f.write('the batch run by process 4242'); f.flush(); print('locked', flush=True); time.sleep(600)",
            str(root / "build" / "run.lock"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        batch = subprocess.Popen(
            [sys.executable, "-m", "analysis", "run"],
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
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


@pytest.mark.batch
def test_a_run_removed_from_runs_yaml_leaves_the_manifest(tmp_path):
    deaths = MATRIX.replace("basis: [death, found]", "basis: [death]")
    root = tiny_project(tmp_path, deaths)
    first = subprocess.run(
        [sys.executable, "-m", "analysis", "run"], cwd=root, capture_output=True, text=True, timeout=600
    )
    assert first.returncode == 0, first.stderr
    (root / RUNS_FILE).write_text(deaths.replace("who: [jury+coroner, all]", "who: [all]"), encoding="utf-8")
    second = subprocess.run(
        [sys.executable, "-m", "analysis", "run"], cwd=root, capture_output=True, text=True, timeout=600
    )
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
    (root / "analysis" / "batch" / "batch.py").write_text("# the batch itself\n", encoding="utf-8")
    assert stale_runs(root) == []
    with (root / "analysis" / "gaps.py").open("a", encoding="utf-8") as f:
        f.write("\n# a changed rule\n")
    assert stale_runs(root) == [r.name for r in read_runs(root / RUNS_FILE)]


@pytest.mark.batch
@pytest.mark.parametrize("sig, code", [("SIGTERM", 143), ("SIGINT", 130)])
def test_a_stopped_batch_says_so_publishes_nothing_more_and_leaves_no_process(tmp_path, sig, code):
    import signal

    from conftest import processes_in

    started = tmp_path / "started"
    nb = json.loads(json.dumps(TINY_NOTEBOOK))
    nb["cells"].insert(
        1,
        {
            "cell_type": "code",
            "execution_count": None,
            "id": "slow",
            "metadata": {},
            "outputs": [],
            "source": f"open({str(started)!r}, 'w').close()\nimport time\ntime.sleep(120)",
        },
    )
    root = tiny_project(tmp_path, "runs:\n  - {name: slow, notebook: slow.ipynb, figures: [f]}\n")
    (root / "notebooks" / "slow.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    (root / "figures").mkdir()
    (root / "figures" / "f.svg").write_text("the previous figure", encoding="utf-8")
    batch = subprocess.Popen(
        [sys.executable, "-m", "analysis", "run"], cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 120
    while not started.exists():
        assert batch.poll() is None and time.monotonic() < deadline, "the run never started"
        time.sleep(0.05)
    batch.send_signal(getattr(signal, sig))
    _, err = batch.communicate(timeout=60)
    assert batch.returncode == code
    assert "interrupted: 0 run(s) finished and were published; slow left as they were" in err and "Traceback" not in err
    assert (root / "figures" / "f.svg").read_text(encoding="utf-8") == "the previous figure"
    deadline = time.monotonic() + 30
    while processes_in(root / "build") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_in(root / "build") == set()
