"""The record's identity, read once: its title, its version, where it is published, how to cite it.

The record has one version, the data package's (``data/datapackage.json``: ``version``), which
``CHANGES.md``, ``CITATION.cff``, the README's "How to cite", the site and Datasette all repeat
(``tests/test_citation.py`` holds them to it). The code package's own version (``pyproject.toml``)
is the library's, not the record's, and is only ever shown labelled as such.

Where the record is published is the data package's ``homepage`` (a standard Data Package
property). While it is empty the record has no public address, so a citation names the version
and the commit the copy was built from, never an address that is not there:

>>> cite_as(Record("A record", "0.3.1", "", "2026-12-03"), commit="abc1234")
'A record, version 0.3.1 (2026-12-03), built from commit abc1234'
>>> cite_as(Record("A record", "0.3.1", "https://example.org/record", "2026-12-03"))
'A record, version 0.3.1 (2026-12-03), https://example.org/record'
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from analysis.schema import read_descriptor

#: A CHANGES.md version heading's version and date (the full heading is ``analysis.changes.HEADING``).
_RELEASED = re.compile(r"^## (\d+\.\d+\.\d+) \((\d{4}-\d{2}-\d{2})\)", re.M)


@dataclass(frozen=True)
class Record:
    """What a citation of the record needs."""

    title: str
    version: str  # the data package's version: the record's one version
    homepage: str  # where the record is published; "" while it is not
    released: str  # date of the version's CHANGES.md entry (YYYY-MM-DD), "" if none

    @property
    def year(self) -> str:
        return self.released[:4]


def record(root: str | Path = ".", data: str = "data") -> Record:
    """The record in project ``root``: title, version and homepage from the data package, the
    release date from the CHANGES.md heading of that version (empty if there is none)."""
    root = Path(root)
    package = read_descriptor(root / data)
    version = str(package.get("version", ""))
    released = ""
    changes = root / "CHANGES.md"
    if changes.is_file():
        for label, day in _RELEASED.findall(changes.read_text(encoding="utf-8")):
            if label == version:
                released = day
                break
    return Record(
        title=str(package.get("title", "")),
        version=version,
        homepage=str(package.get("homepage", "") or ""),
        released=released,
    )


def built_from(root: str | Path = ".") -> str:
    """The commit ``root`` is checked out at (12 hex digits), with ``+changes`` when the working tree
    differs from it; ``""`` outside a git checkout."""

    def git(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True)

    head = git("rev-parse", "--short=12", "HEAD")
    if head.returncode != 0:
        return ""
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", ".").stdout.strip()
    return head.stdout.strip() + ("+changes" if dirty else "")


def cite_as(rec: Record, commit: str = "") -> str:
    """The citation in one line: title, version and date, then the address or, while the record has
    none, the commit it was built from (nothing at all if neither is known)."""
    when = f" ({rec.released})" if rec.released else ""
    where = rec.homepage or (f"built from commit {commit}" if commit else "")
    return f"{rec.title}, version {rec.version}{when}" + (f", {where}" if where else "")
