"""The data package passes the official Frictionless validator, and the README documents it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from analysis.docs import (
    BEGIN,
    DICTIONARY,
    END,
    HEADLINE_BEGIN,
    HEADLINE_END,
    data_dictionary,
    generated_block,
    headline,
)
from conftest import DATA, ROOT


def frictionless() -> str:
    return str(Path(sys.executable).with_name("frictionless"))


def test_frictionless_validates_the_package():
    done = subprocess.run(
        [frictionless(), "validate", str(DATA / "datapackage.json")], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]


def test_frictionless_catches_a_broken_copy(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    events = data / "events.csv"
    lines = events.read_text(encoding="utf-8").splitlines(keepends=True)
    events.write_text(lines[0] + lines[1] + lines[1] + "".join(lines[2:]), encoding="utf-8")  # duplicate primary key
    done = subprocess.run(
        [frictionless(), "validate", str(data / "datapackage.json")], capture_output=True, text=True, timeout=600
    )
    assert done.returncode != 0
    assert "primary-key" in done.stdout


def test_data_dictionary_is_generated_from_the_schema():
    dictionary = (ROOT / DICTIONARY).read_text(encoding="utf-8")
    assert generated_block(dictionary, BEGIN, END) == data_dictionary(DATA), (
        "docs/data-dictionary.md is stale: run `make docs`"
    )
    for field in ("victim_id", "date_earliest", "identified_by", "opportunity_ids", "source_ids"):
        assert f"| `{field}` |" in dictionary
    assert "](docs/data-dictionary.md)" in (ROOT / "README.md").read_text(
        encoding="utf-8"
    )  # linked from the front door


def test_readme_headline_numbers_are_generated_from_the_data():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert generated_block(readme, HEADLINE_BEGIN, HEADLINE_END) == headline(DATA), (
        "README headline is stale: run `make docs`"
    )
