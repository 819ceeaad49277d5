"""What changed in the data between two versions, and whether the recorded version is current.

``diff_revisions`` compares the data tables at two git revisions (or a revision and the
working tree) row by row, matching rows on each table's primary key: rows added, rows removed,
and for each changed row the field, its old value and its new value. ``python -m analysis
changes`` prints it as text or Markdown.

Versions (the README's "Versions and corrections"): ``datapackage.json`` carries a semantic
``version``; ``CHANGES.md`` lists every version newest first under headings of the form
``## 0.2.0 (2026-11-29) — data sha256: <hash>``, where the hash is :func:`data_sha256` of
``data/`` at that version; ``CITATION.cff`` carries the same version. :func:`release_problems`
says what disagrees, so a test fails when the data change without a new version and entry.
Bump rules: *major* when a field is renamed or removed, *minor* when rows or fields are added,
*patch* for corrections (:func:`required_bump` reads them off a diff).
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from analysis.batch.manifest import data_hash

#: A CHANGES.md version heading: version, date, data hash.
HEADING = re.compile(r"^## (\d+)\.(\d+)\.(\d+) \((\d{4}-\d{2}-\d{2})\) — data sha256: ([0-9a-f]{64})\s*$")
SEMVER = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")


@dataclass
class TableDiff:
    """Row-level differences of one table: ids added and removed, and changed cells."""

    table: str
    key: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[tuple[str, str, str, str]] = field(default_factory=list)  # (id, field, old, new)
    fields_added: list[str] = field(default_factory=list)
    fields_removed: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.fields_added or self.fields_removed)


# --- reading the tables at a revision -----------------------------------------------------


def _git_show(root: Path, rev: str, path: str) -> str | None:
    """Text of ``path`` at ``rev``, or None if the file does not exist there."""
    done = subprocess.run(["git", "-C", str(root), "show", f"{rev}:{path}"], capture_output=True)
    if done.returncode != 0:
        return None
    return done.stdout.decode("utf-8-sig")


def _read(root: Path, rev: str | None, path: str) -> str | None:
    if rev is None:
        file = root / path
        return file.read_text(encoding="utf-8-sig") if file.is_file() else None
    return _git_show(root, rev, path)


def tables_at(root: Path, rev: str | None, data: str = "data") -> dict[str, tuple[str, list[str], dict[str, dict[str, str]]]]:
    """Each table at ``rev`` (``None``: the working tree) as ``(primary key, fields, {id: row})``."""
    descriptor = _read(root, rev, f"{data}/datapackage.json")
    if descriptor is None:
        return {}
    out = {}
    for resource in json.loads(descriptor)["resources"]:
        key = resource["schema"]["primaryKey"]
        key = key[0] if isinstance(key, list) else key
        text = _read(root, rev, f"{data}/{resource['path']}") or ""
        reader = csv.DictReader(io.StringIO(text, newline=""))
        rows = {row[key]: row for row in reader if row.get(key)}
        out[resource["name"]] = (key, list(reader.fieldnames or []), rows)
    return out


def diff_tables(old: dict, new: dict) -> list[TableDiff]:
    """Row-level differences between two results of :func:`tables_at`, table by table."""
    diffs = []
    for name in list(new) + [n for n in old if n not in new]:
        okey, ofields, orows = old.get(name, (None, [], {}))
        nkey, nfields, nrows = new.get(name, (None, [], {}))
        d = TableDiff(name, nkey or okey or "")
        d.fields_added = [f for f in nfields if f not in ofields]
        d.fields_removed = [f for f in ofields if f not in nfields]
        d.added = [i for i in nrows if i not in orows]
        d.removed = [i for i in orows if i not in nrows]
        for i in nrows:
            if i in orows:
                for f in dict.fromkeys(nfields + ofields):
                    before, after = orows[i].get(f) or "", nrows[i].get(f) or ""
                    if before != after:
                        d.changed.append((i, f, before, after))
        diffs.append(d)
    return diffs


def default_old_revision(root: Path) -> str:
    """The last release tag if there is one, else the previous commit (else ``HEAD``)."""
    tag = subprocess.run(["git", "-C", str(root), "describe", "--tags", "--abbrev=0"], capture_output=True, text=True)
    if tag.returncode == 0 and tag.stdout.strip():
        return tag.stdout.strip()
    parent = subprocess.run(["git", "-C", str(root), "rev-parse", "--verify", "--quiet", "HEAD~1"], capture_output=True)
    return "HEAD~1" if parent.returncode == 0 else "HEAD"


def diff_revisions(root: str | Path = ".", old: str | None = None, new: str | None = None) -> list[TableDiff]:
    """Differences in ``data/`` from revision ``old`` (default :func:`default_old_revision`) to ``new`` (default the working tree)."""
    root = Path(root)
    old = old or default_old_revision(root)
    for rev in (old, new):
        if rev is not None and subprocess.run(["git", "-C", str(root), "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"],
                                              capture_output=True).returncode != 0:
            raise ValueError(f"{rev!r} is not a git revision in {root} (give a commit, tag or branch)")
    return diff_tables(tables_at(root, old), tables_at(root, new))


def required_bump(diffs: list[TableDiff]) -> str | None:
    """The smallest semantic-version bump the differences call for: ``major``, ``minor``, ``patch`` or None."""
    if any(d.fields_removed for d in diffs):
        return "major"
    if any(d.fields_added or d.added for d in diffs):
        return "minor"
    if any(d.removed or d.changed for d in diffs):
        return "patch"
    return None


# --- rendering ----------------------------------------------------------------------------


def _short(value: str, width: int = 160) -> str:
    value = value.replace("\n", " ")
    return value if len(value) <= width else value[: width - 1] + "…"


def _pair(before: str, after: str, width: int = 160) -> tuple[str, str]:
    """Both values clipped to ``width``, starting a little before the first character that differs.

    >>> _pair("x" * 300 + "old", "x" * 300 + "new", width=30)
    ('…xxxxxxxxxxxxxxxxxxxxold', '…xxxxxxxxxxxxxxxxxxxxnew')
    """
    common = 0
    for a, b in zip(before, after):
        if a != b:
            break
        common += 1
    start = max(0, common - 20)
    lead = "…" if start else ""
    return _short(lead + before[start:], width), _short(lead + after[start:], width)


def render(diffs: list[TableDiff], old: str, new: str | None, fmt: str = "text") -> str:
    """The differences as plain text or Markdown (``fmt="markdown"``)."""
    target = new or "the working tree"
    md = fmt == "markdown"
    lines = [f"## Data changes from {old} to {target}" if md else f"Data changes from {old} to {target}", ""]
    bump = required_bump(diffs)
    lines += [f"Smallest version bump these call for: {bump or 'none'}.", ""]
    for d in diffs:
        if d.empty:
            continue
        counts = f"{len(d.added)} added, {len(d.removed)} removed, {len({c[0] for c in d.changed})} changed"
        lines.append(f"### `{d.table}.csv`: {counts}" if md else f"{d.table}.csv: {counts}")
        if d.fields_added:
            lines.append(("- fields added: " if md else "  fields added: ") + ", ".join(d.fields_added))
        if d.fields_removed:
            lines.append(("- fields removed: " if md else "  fields removed: ") + ", ".join(d.fields_removed))
        for i in d.added:
            lines.append(f"- added `{i}`" if md else f"  + {i}")
        for i in d.removed:
            lines.append(f"- removed `{i}`" if md else f"  - {i}")
        for i, f, before, after in d.changed:
            before, after = _pair(before, after)
            if md:
                lines.append(f"- `{i}` `{f}`: {_short(before) or '(empty)'} → {_short(after) or '(empty)'}")
            else:
                lines.append(f"  ~ {i}: {f}: {_short(before)!r} -> {_short(after)!r}")
        lines.append("")
    if all(d.empty for d in diffs):
        lines.append("No differences in the data tables.")
    return "\n".join(lines).rstrip() + "\n"


# --- versions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Release:
    """One CHANGES.md heading."""

    version: tuple[int, int, int]
    date: str
    data_sha256: str
    line: int

    @property
    def label(self) -> str:
        return ".".join(map(str, self.version))


def data_sha256(data_dir: str | Path = "data") -> str:
    """The hash a CHANGES.md heading records for ``data_dir``: the descriptor and every CSV, names and bytes."""
    return data_hash(Path(data_dir))


def read_releases(changes_md: str | Path) -> list[Release]:
    """The version headings of CHANGES.md, in file order (newest first)."""
    out = []
    for number, line in enumerate(Path(changes_md).read_text(encoding="utf-8").splitlines(), start=1):
        match = HEADING.match(line)
        if match:
            major, minor, patch, day, digest = match.groups()
            out.append(Release((int(major), int(minor), int(patch)), day, digest, number))
    return out


def citation_version(citation_cff: str | Path) -> str | None:
    """The ``version:`` of CITATION.cff (quotes removed), or None."""
    for line in Path(citation_cff).read_text(encoding="utf-8").splitlines():
        match = re.match(r"^version:\s*['\"]?([^'\"\s]+)['\"]?\s*$", line)
        if match:
            return match.group(1)
    return None


def release_problems(root: str | Path = ".") -> list[str]:
    """Why the data, the package version, CHANGES.md and CITATION.cff disagree (empty if they agree).

    The newest CHANGES.md heading must carry the package's version and the hash of ``data/`` as
    it is; versions must decrease down the file; CITATION.cff must carry the same version.
    """
    root = Path(root)
    changes, citation = root / "CHANGES.md", root / "CITATION.cff"
    version = json.loads((root / "data" / "datapackage.json").read_text(encoding="utf-8")).get("version", "")
    problems = []
    if not SEMVER.match(version):
        problems.append(f"data/datapackage.json: version {version!r} is not MAJOR.MINOR.PATCH")
    if not changes.is_file():
        return problems + [f"{changes}: missing (record each data version there, newest first)"]
    releases = read_releases(changes)
    if not releases:
        return problems + [f"{changes}: no heading '## X.Y.Z (YYYY-MM-DD) — data sha256: HASH' found"]
    newest = releases[0]
    if newest.label != version:
        problems.append(f"{changes}:{newest.line}: newest entry is {newest.label} but data/datapackage.json says {version} "
                        "(add an entry for the new version, or bump the version)")
    current = data_sha256(root / "data")
    if newest.data_sha256 != current:
        problems.append(f"{changes}:{newest.line}: the data differ from version {newest.label} as recorded "
                        f"(data sha256 is now {current}): bump `version` in data/datapackage.json, add a CHANGES.md "
                        "entry saying what changed, why and the source, and record the new hash "
                        "(`python -m analysis changes --hash` prints it)")
    for before, after in zip(releases, releases[1:]):
        if not after.version < before.version:
            problems.append(f"{changes}:{after.line}: {after.label} is not older than {before.label} above it "
                            "(newest first)")
    cited = citation_version(citation) if citation.is_file() else None
    if cited != version:
        problems.append(f"{citation}: version {cited!r} differs from data/datapackage.json's {version!r}")
    return problems
