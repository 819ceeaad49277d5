"""Every error a user can cause ends in one line naming the file, the key or the value and what to do,
with the documented exit status (docs/batch.md), through the command line; runs.yaml is checked as a
schema before any kernel starts."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from conftest import DATA, ROOT
from test_cli import cli, cli_process
from test_runs import TINY_NOTEBOOK

INVALID, MISSING = 1, 2


def one_line(done) -> str:
    """The single line of standard error (no traceback), checked."""
    assert "Traceback" not in done.stderr, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


def project(tmp_path: Path, runs_yaml: str | None) -> Path:
    """A project with the real data and a tiny notebook; runs.yaml as given (none if None)."""
    root = tmp_path / "proj"
    shutil.copytree(DATA, root / "data")
    (root / "notebooks").mkdir()
    (root / "notebooks" / "tiny.ipynb").write_text(json.dumps(TINY_NOTEBOOK), encoding="utf-8")
    if runs_yaml is not None:
        (root / "notebooks" / "runs.yaml").write_text(runs_yaml, encoding="utf-8")
    return root


@pytest.mark.parametrize(
    "runs_yaml, code, expected",
    [
        (None, MISSING, "notebooks/runs.yaml: not found: the batch reads notebooks/runs.yaml under the project root"),
        ("runs:\n  - name: a\n    notebook: [tiny.ipynb\n", INVALID, "notebooks/runs.yaml:4:1: YAML syntax error"),
        (
            "- name: a\n  notebook: tiny.ipynb\n",
            INVALID,
            "notebooks/runs.yaml: the file must be a mapping with a `runs:` list of runs (found a list at the top)",
        ),
        (
            "runs:\n  - name: a\n    notebook: missing.ipynb\n",
            INVALID,
            "notebooks/runs.yaml:3: run 'a': key 'notebook': missing.ipynb not found in",
        ),
        (
            "runs:\n  - name: a\n    notebook: tiny.ipynb\n    figures: case-timeline\n",
            INVALID,
            "notebooks/runs.yaml:4: run 'a': key 'figures': must be a list of figure names, e.g. [case-timeline], "
            "not 'case-timeline'",
        ),
        (
            "runs:\n  - name: a\n    notebook: tiny.ipynb\n    tables: [victims]\n",
            INVALID,
            "notebooks/runs.yaml:4: run 'a': key 'tables': unknown key",
        ),
        (
            "runs:\n  - name: a\n    notebook: tiny.ipynb\n    parameters: [basis]\n",
            INVALID,
            "notebooks/runs.yaml:4: run 'a': key 'parameters': must be a mapping of parameter to value",
        ),
        (
            "runs:\n  - name: a\n    notebook: tiny.ipynb\n    publish: yes please\n",
            INVALID,
            "notebooks/runs.yaml:4: run 'a': key 'publish': must be true or false, not 'yes please'",
        ),
        (
            "runs:\n  - notebook: tiny.ipynb\n",
            INVALID,
            "notebooks/runs.yaml:2: run #1: key 'name': missing or not a name (each run needs name and notebook)",
        ),
        ("runs:\n  - tiny.ipynb\n", INVALID, "notebooks/runs.yaml:2: run #1: each run must be a mapping"),
        ("run:\n  - name: a\n", INVALID, "notebooks/runs.yaml: unknown top-level key 'run'"),
    ],
)
def test_a_bad_runs_yaml_is_one_line_naming_the_run_and_the_key(tmp_path, runs_yaml, code, expected):
    root = project(tmp_path, runs_yaml)
    done = cli("run", "--root", str(root))
    assert done.returncode == code
    line = one_line(done)
    assert line.startswith(f"error: {root}/") and expected in line.replace(f"{root}/", "")
    assert not (root / "build").exists() and not (root / "figures").exists()  # refused before anything started


def test_run_without_runs_yaml_in_a_real_process(tmp_path):
    done = cli_process("run", "--root", str(project(tmp_path, None)))
    assert done.returncode == MISSING and "runs.yaml: not found" in one_line(done)


def without_arrest(tmp_path: Path) -> Path:
    """The real record less its arrest events (and the passages that cite them), with the descriptor
    naming no series-ending event, so the loader's fallback rule (an arrest must exist) is what fails."""
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    events = (data / "events.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    gone = {line.split(",", 1)[0] for line in events[1:] if ",arrest," in line}
    (data / "events.csv").write_text(
        events[0] + "".join(e for e in events[1:] if e.split(",", 1)[0] not in gone), encoding="utf-8"
    )
    with open(data / "citations.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    with open(data / "citations.csv", "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(
            r for r in rows if r[0] not in gone and r[4].split(".", 1)[0] not in gone
        )
    descriptor = json.loads((data / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["case"].pop("series_end_event")
    descriptor["citations"] = {"complete": False}  # the fields derived from an arrest lose their basis with it
    (data / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    return data


@pytest.mark.parametrize(
    "command", [["validate", "DATA"], ["gaps", "--data", "DATA"], ["db", "--data", "DATA", "--out", "OUT/x.db"]]
)
def test_data_without_the_event_that_ends_the_series_is_invalid_everywhere(tmp_path, command):
    """validate and the rules agree: without the final arrest, every command refuses the data alike."""
    data = without_arrest(tmp_path)
    done = cli(*[a.replace("DATA", str(data)).replace("OUT", str(tmp_path)) for a in command])
    assert done.returncode == INVALID and "Traceback" not in done.stderr
    assert done.stderr.splitlines() == [
        "1 problem in the data package:",
        f"{data / 'events.csv'}:1: kind: no event of kind 'arrest': the gap analysis "
        "counts to the event that ends the series (the final arrest); add it, with its source",
    ]


def site_root(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    for name in ("data", "figures", "notebooks"):
        shutil.copytree(ROOT / name, root / name)
    shutil.copyfile(ROOT / "README.md", root / "README.md")
    for name in ("CHANGES.md", "CITATION.cff"):
        shutil.copyfile(ROOT / name, root / name)
    return root


@pytest.mark.publish
def test_site_with_a_missing_alt_text_is_one_line_and_keeps_the_old_site(tmp_path):
    root = site_root(tmp_path)
    (root / "figures" / "gaps-to-next-death.alt.txt").unlink()
    out = tmp_path / "site"
    out.mkdir()
    (out / "index.html").write_text("the previous site", encoding="utf-8")
    done = cli("site", "--root", str(root), "--out", str(out))
    assert done.returncode == INVALID
    assert one_line(done) == (
        f"error: {root / 'figures' / 'gaps-to-next-death.alt.txt'}: missing (every figure "
        "needs its alt text; run make figures)"
    )
    assert (out / "index.html").read_text(encoding="utf-8") == "the previous site"


def test_site_on_data_without_the_arrest_is_one_problem_line(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    shutil.move(without_arrest(tmp_path), root / "data")
    done = cli("site", "--root", str(root), "--out", str(tmp_path / "site"))
    assert done.returncode == INVALID and "no event of kind 'arrest'" in done.stderr and "Traceback" not in done.stderr


def test_docs_on_a_readme_without_markers(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# A README with no generated sections\n", encoding="utf-8")
    done = cli("docs", "--readme", str(readme), "--data", str(DATA))
    assert done.returncode == INVALID
    line = one_line(done)
    assert (
        line.startswith(f"error: {readme}: marker <!-- ")
        and "not found: `make docs` writes its section between the two marker lines" in line
    )
    assert readme.read_text(encoding="utf-8") == "# A README with no generated sections\n"


def test_docs_on_a_missing_readme(tmp_path):
    done = cli("docs", "--readme", str(tmp_path / "nope.md"), "--data", str(DATA))
    assert done.returncode == MISSING
    assert one_line(done).startswith(f"error: {tmp_path / 'nope.md'}: No such file or directory")


@pytest.mark.parametrize("flag", ["--check", "--hash"])
def test_changes_outside_a_project(tmp_path, flag):
    done = cli_process("changes", flag, cwd=tmp_path)
    assert done.returncode == MISSING
    assert one_line(done) == (
        "error: .: not a project (no data/datapackage.json); run from the project's folder or pass --root"
    )


@pytest.mark.batch
def test_a_run_that_did_not_write_every_file_is_named_and_not_published(tmp_path):
    """The batch names each missing file of a figure and publishes nothing of that run."""
    root = project(tmp_path, "runs:\n  - {name: half, notebook: half.ipynb, figures: [f]}\n")
    half = json.loads(json.dumps(TINY_NOTEBOOK))
    half["cells"][1]["source"] = half["cells"][1]["source"].replace("('.svg', '.png', '.alt.txt')", "('.svg',)")
    (root / "notebooks" / "half.ipynb").write_text(json.dumps(half), encoding="utf-8")
    (root / "figures").mkdir()
    (root / "figures" / "f.svg").write_text("the previous figure", encoding="utf-8")
    done = cli_process("run", cwd=root)
    assert done.returncode == INVALID
    assert (
        "half: FAILED" in done.stderr
        and "PublishError: run 'half' did not write f.png, f.alt.txt, which runs.yaml expects" in done.stderr
        and "Traceback" not in done.stderr
    )
    assert (root / "figures" / "f.svg").read_text(encoding="utf-8") == "the previous figure"
