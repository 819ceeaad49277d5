"""Row-level data diffs between git revisions, and the version / CHANGES.md / CITATION.cff agreement."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from analysis.__main__ import main
from analysis.changes import data_sha256, diff_revisions, read_releases, release_problems, render, required_bump
from conftest import DATA, ROOT, write_package


def git(root: Path, *args: str) -> str:
    done = subprocess.run(
        [
            "git",
            "-C",
            str(root),
            "-c",
            "user.name=Test",
            "-c",
            "user.email=test@example.org",
            "-c",
            "commit.gpgsign=false",
            *args,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def rewrite(path: Path, edit) -> None:
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    fields = list(rows[0]) if rows else []
    rows, fields = edit(rows, fields)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture()
def repo(tmp_path):
    """A git repository with a hand-made package committed once; returns (root, first commit)."""
    root = tmp_path / "repo"
    write_package(
        root / "data",
        events=[
            {
                "event_id": "ev-x-01",
                "date_earliest": "2015-10-15",
                "date_latest": "2015-10-18",
                "kind": "arrest",
                "summary": "Port arrested.",
                "source_ids": "src-a",
            },
            {
                "event_id": "ev-x-02",
                "date_earliest": "2015-10-18",
                "date_latest": "2015-10-18",
                "kind": "charge",
                "summary": "Port charged.",
                "source_ids": "src-a",
            },
        ],
    )
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "first")
    return root, git(root, "rev-parse", "HEAD")


def correct(root: Path) -> None:
    """Narrow ev-x-01 to one day, remove ev-x-02, add ev-x-03 and a source."""

    def events(rows, fields):
        rows = [r for r in rows if r["event_id"] != "ev-x-02"]
        rows[0]["date_earliest"] = "2015-10-18"
        rows.append({**rows[0], "event_id": "ev-x-03", "kind": "court", "summary": "Port in court."})
        return rows, fields

    rewrite(root / "data" / "events.csv", events)
    rewrite(
        root / "data" / "sources.csv",
        lambda rows, fields: (rows + [{**rows[0], "source_id": "src-b", "url": "https://example.org/b"}], fields),
    )


def test_diff_lists_rows_added_removed_and_changed_fields(repo):
    root, first = repo
    correct(root)
    diffs = {d.table: d for d in diff_revisions(root, first)}  # against the working tree
    events = diffs["events"]
    assert (events.added, events.removed) == (["ev-x-03"], ["ev-x-02"])
    assert events.changed == [("ev-x-01", "date_earliest", "2015-10-15", "2015-10-18")]
    assert diffs["sources"].added == ["src-b"] and diffs["victims"].empty
    assert required_bump(list(diffs.values())) == "minor"  # rows were added


def test_diff_between_two_commits_and_its_rendering(repo):
    root, first = repo
    correct(root)
    git(root, "commit", "-qam", "second")
    diffs = diff_revisions(root, first, "HEAD")
    text = render(diffs, first[:7], "HEAD")
    assert "events.csv: 1 added, 1 removed, 1 changed" in text
    assert "  ~ ev-x-01: date_earliest: '2015-10-15' -> '2015-10-18'" in text
    assert "  + ev-x-03" in text and "  - ev-x-02" in text
    markdown = render(diffs, first[:7], "HEAD", "markdown")
    assert "### `events.csv`: 1 added, 1 removed, 1 changed" in markdown
    assert "- `ev-x-01` `date_earliest`: 2015-10-15 → 2015-10-18" in markdown
    # With no OLD_REV the previous commit is the default.
    assert main(["changes", "--root", str(root)]) == 0


def test_bump_rules():
    from analysis.changes import TableDiff

    assert required_bump([TableDiff("t", "id", changed=[("a", "f", "1", "2")])]) == "patch"
    assert required_bump([TableDiff("t", "id", fields_added=["origin"])]) == "minor"
    assert required_bump([TableDiff("t", "id", fields_removed=["notes"], added=["x"])]) == "major"
    assert required_bump([TableDiff("t", "id")]) is None


def test_a_removed_field_is_reported(repo):
    root, first = repo
    rewrite(
        root / "data" / "events.csv",
        lambda rows, fields: (
            [{k: v for k, v in r.items() if k != "notes"} for r in rows],
            [f for f in fields if f != "notes"],
        ),
    )
    events = {d.table: d for d in diff_revisions(root, first)}["events"]
    assert events.fields_removed == ["notes"] and required_bump([events]) == "major"


def test_unknown_revision_is_refused(repo, capsys):
    root, _ = repo
    assert main(["changes", "no-such-rev", "--root", str(root)]) == 2
    assert "not a git revision" in capsys.readouterr().err


# --- versions -------------------------------------------------------------------------------


def release_copy(tmp_path: Path) -> Path:
    root = tmp_path / "release"
    shutil.copytree(DATA, root / "data")
    for name in ("CHANGES.md", "CITATION.cff"):
        shutil.copyfile(ROOT / name, root / name)
    return root


def test_the_committed_data_match_the_last_recorded_version():
    assert release_problems(ROOT) == []


def test_changed_data_without_a_new_version_fail(tmp_path):
    root = release_copy(tmp_path)
    rewrite(root / "data" / "events.csv", lambda rows, fields: (rows[:-1], fields))
    problems = release_problems(root)
    assert len(problems) == 1 and "the data differ from version" in problems[0]


def test_a_new_version_needs_its_entry_and_citation(tmp_path):
    root = release_copy(tmp_path)
    descriptor = root / "data" / "datapackage.json"
    version = read_releases(root / "CHANGES.md")[0].label
    descriptor.write_text(
        descriptor.read_text(encoding="utf-8").replace(f'"version": "{version}"', '"version": "9.0.0"'),
        encoding="utf-8",
    )
    problems = release_problems(root)
    assert any("newest entry is" in p and "says 9.0.0" in p for p in problems)
    assert any("CITATION.cff" in p for p in problems)
    # Recording the version with the new hash, and citing it, settles it.
    text = (root / "CHANGES.md").read_text(encoding="utf-8")
    head, rest = text.split("\n## ", 1)
    entry = f"## 9.0.0 (2026-12-01) — data sha256: {data_sha256(root / 'data')}\n\n- test entry\n\n"
    (root / "CHANGES.md").write_text(head + "\n" + entry + "## " + rest, encoding="utf-8")
    cff = root / "CITATION.cff"
    cff.write_text(
        cff.read_text(encoding="utf-8").replace(f'version: "{version}"', 'version: "9.0.0"'), encoding="utf-8"
    )
    assert release_problems(root) == []


def test_versions_run_newest_first(tmp_path):
    root = release_copy(tmp_path)
    text = (root / "CHANGES.md").read_text(encoding="utf-8")
    (root / "CHANGES.md").write_text(
        text + "\n## 99.0.0 (2020-01-01) — data sha256: " + "0" * 64 + "\n", encoding="utf-8"
    )
    assert any("is not older than" in p for p in release_problems(root))


def test_citation_cff_is_valid_and_matches_the_package():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    import json

    package = json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0"
    assert cff["version"] == package["version"]
    assert cff["title"] == package["title"]
    assert cff["message"] and cff["authors"] and cff["license"]
    assert str(cff["date-released"]) == read_releases(ROOT / "CHANGES.md")[0].date
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"version {package['version']}" in readme  # the README's "how to cite" gives the version


# --- a correction in one step: changes --release --------------------------------------------


@pytest.fixture()
def clone(tmp_path):
    """A throwaway clone of the committed project (its history included, for the diff)."""
    target = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(target)], check=True, capture_output=True)
    return target


def correct_one_date(root: Path) -> None:
    """ev-k-02 (Port invites a neighbour round, 24 August 2014) given as the interval 24-25 August."""

    def events(rows, fields):
        row = next(r for r in rows if r["event_id"] == "ev-k-02")
        assert (row["date_earliest"], row["date_latest"]) == ("2014-08-24", "2014-08-24")
        row["date_latest"] = "2014-08-25"
        return rows, fields

    rewrite(root / "data" / "events.csv", events)


def test_release_records_a_one_date_correction(clone, capsys):
    before = json.loads((clone / "data" / "datapackage.json").read_text(encoding="utf-8"))["version"]
    correct_one_date(clone)
    assert release_problems(clone) != []  # a correction alone fails the checks
    assert main(["changes", "--release", "patch", "-m", "ev-k-02: the day is not certain.", "--root", str(clone)]) == 0
    printed = capsys.readouterr().out
    major, minor, patch = map(int, before.split("."))
    after = f"{major}.{minor}.{patch + 1}"
    assert f"Released data version {after} (was {before}" in printed and "Next: `make figures`" in printed
    assert json.loads((clone / "data" / "datapackage.json").read_text(encoding="utf-8"))["version"] == after
    assert yaml.safe_load((clone / "CITATION.cff").read_text(encoding="utf-8"))["version"] == after
    newest = read_releases(clone / "CHANGES.md")[0]
    assert (newest.label, newest.data_sha256) == (after, data_sha256(clone / "data"))
    entry = (clone / "CHANGES.md").read_text(encoding="utf-8").split("\n## ")[1]
    assert "Patch: ev-k-02: the day is not certain." in entry
    assert "- `ev-k-02` `date_latest`: 2014-08-24 → 2014-08-25" in entry
    # data, version, CHANGES.md and CITATION.cff agree again (the README's citation follows with make docs)
    assert [p for p in release_problems(clone)] == []


def test_release_refuses_a_smaller_bump_than_the_diff_calls_for(clone, capsys):
    def add_row(rows, fields):
        return rows + [{**rows[-1], "event_id": "ev-x-99"}], fields

    rewrite(clone / "data" / "events.csv", add_row)
    saved = {p: (clone / p).read_bytes() for p in ("CHANGES.md", "CITATION.cff", "data/datapackage.json")}
    assert main(["changes", "--release", "patch", "-m", "a new event", "--root", str(clone)]) == 1
    err = capsys.readouterr().err
    assert "call for a minor release (1 row(s) added); patch is smaller: run again with --release minor" in err
    assert {p: (clone / p).read_bytes() for p in saved} == saved  # nothing written
    assert main(["changes", "--release", "minor", "-m", "a new event", "--root", str(clone)]) == 0
    assert release_problems(clone) == []


def test_release_refuses_when_nothing_changed(clone, capsys):
    assert main(["changes", "--release", "patch", "-m", "nothing", "--root", str(clone)]) == 1
    assert "nothing to release" in capsys.readouterr().err


@pytest.mark.release
def test_a_one_date_correction_then_release_then_make_figures_passes_the_change_checks(clone):
    """What a maintainer does: correct, release, regenerate (`make figures` runs these two commands)."""
    import sys

    from analysis.docs import CITE_BEGIN, CITE_END, HEADLINE_BEGIN, HEADLINE_END, generated_block, headline, how_to_cite

    correct_one_date(clone)
    assert main(["changes", "--release", "patch", "-m", "ev-k-02: the day is not certain.", "--root", str(clone)]) == 0
    for command in (
        ["run", "--root", str(clone)],
        ["docs", "--readme", str(clone / "README.md"), "--data", str(clone / "data")],
    ):
        done = subprocess.run(
            [sys.executable, "-m", "analysis", *command], cwd=clone, capture_output=True, text=True, timeout=1200
        )
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert release_problems(clone) == []
    readme = (clone / "README.md").read_text(encoding="utf-8")
    assert generated_block(readme, CITE_BEGIN, CITE_END) == how_to_cite(clone)
    assert generated_block(readme, HEADLINE_BEGIN, HEADLINE_END) == headline(clone / "data")
    manifest = json.loads((clone / "figures" / "manifest.json").read_text(encoding="utf-8"))
    assert {f["data_sha256"] for f in manifest["figures"].values()} - {None}  # regenerated from the new data
    again = subprocess.run(
        [sys.executable, "-m", "analysis", "run", "--root", str(clone)],
        cwd=clone,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert again.returncode == 0 and "nothing to do" in (again.stdout + again.stderr).lower(), (
        again.stdout + again.stderr
    )
