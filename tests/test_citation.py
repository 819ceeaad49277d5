"""One version for the record: the data package's, repeated by CHANGES.md, CITATION.cff, the
README's "How to cite", the site and Datasette; and a citation that never points at an address
the record does not have."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from analysis.changes import read_releases
from analysis.citation import Record, cite_as, record
from conftest import DATA, ROOT

PACKAGE = json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))
VERSION = PACKAGE["version"]
CODE_VERSION = re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(encoding="utf-8"), re.M).group(1)


def test_changes_citation_and_readme_give_the_data_packages_version():
    assert read_releases(ROOT / "CHANGES.md")[0].label == VERSION
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["version"] == VERSION
    cite = (ROOT / "README.md").read_text(encoding="utf-8").split("## How to cite", 1)[1].split("\n## ", 1)[0]
    assert f"version {VERSION}" in cite


def test_the_homepage_field_is_read_by_the_citation_file():
    assert "homepage" in PACKAGE  # where the record is published; empty while it is not
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff.get("url", "") == PACKAGE["homepage"]


def test_a_citation_without_an_address_names_the_commit_and_never_a_missing_address():
    rec = Record("T", "1.2.3", "", "2026-12-03")
    assert cite_as(rec, "abc123def456") == "T, version 1.2.3 (2026-12-03), built from commit abc123def456"
    assert (
        cite_as(Record("T", "1.2.3", "https://example.org/t", "2026-12-03"), "abc")
        == "T, version 1.2.3 (2026-12-03), https://example.org/t"
    )
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "with the repository address" not in readme
    assert record(ROOT).released == read_releases(ROOT / "CHANGES.md")[0].date


@pytest.mark.publish
def test_the_site_gives_the_records_version_and_labels_the_codes(built_site):
    home = built_site.joinpath("index.html").read_text(encoding="utf-8")
    text = " ".join(re.sub(r"<[^>]+>", " ", home).split())
    assert f"version {VERSION}" in text
    assert f"The analysis code has its own version ({CODE_VERSION}), which is not the record's" in text
    # every page's footer gives the record's version and the commit the site was built from
    for page in ("opportunities/op-w-01.html", "victims/taylor.html", "figures.html", "glossary.html"):
        footer = built_site.joinpath(page).read_text(encoding="utf-8").split('<footer class="site">', 1)[1]
        assert f"The record, version {VERSION}" in footer, page
        assert re.search(r"built from commit <code>[0-9a-f]{12}", footer), page
    # the code's version appears only labelled as the code's
    for path in built_site.rglob("*.html"):
        page = path.read_text(encoding="utf-8")
        for m in re.finditer(re.escape(CODE_VERSION), page):
            context = page[max(0, m.start() - 60) : m.end()]
            assert "code" in context or "version" not in context, (path, context)
    assert "repository address" not in text


@pytest.mark.publish
def test_datasette_metadata_gives_the_records_version():
    from analysis.publish.db import datasette_metadata

    meta = datasette_metadata(DATA)
    assert meta["description"].startswith(f"Version {VERSION} of the record.")
    assert f"version {VERSION}" in meta["about"]
    assert ("about_url" in meta) == bool(PACKAGE["homepage"])
    for table in meta["databases"]["port-inquests"]["tables"].values():
        assert "`" not in table.get("description", "")
        assert not any("`" in d for d in table.get("columns", {}).values())


def test_the_readme_is_a_front_door_linking_every_reference_page():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 150
    headings = re.findall(r"^## (.+)$", readme, re.M)
    for wanted in (
        "Headline results",
        "Two commands",
        "Ways in",
        "How to cite",
        "How to report or correct a fact",
        "Licences",
        "Anonymity and ethics",
    ):
        assert wanted in headings, wanted
    # the two commands come first, before any reference
    assert (
        readme.index("## Two commands")
        < readme.index("## Headline results")
        < readme.index("## Ways in")
        < readme.index("## Reference")
    )
    for way in ("make site", "make serve", "make lab", "papermill", "python -m analysis"):
        assert way in readme.split("## Ways in", 1)[1].split("\n## ", 1)[0], way
    for doc in (ROOT / "docs").glob("*.md"):  # every reference page is linked from the front door
        assert f"](docs/{doc.name})" in readme, doc.name
