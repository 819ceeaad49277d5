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
import datetime
import io
import json
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from analysis.atomic import write_atomic
from analysis.schema import data_hash

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


def tables_at(
    root: Path, rev: str | None, data: str = "data"
) -> dict[str, tuple[str, list[str], dict[str, dict[str, str]]]]:
    """Each table at ``rev`` (``None``: the working tree) as ``(primary key, fields, {id: row})``."""
    descriptor = _read(root, rev, f"{data}/datapackage.json")
    if descriptor is None:
        return {}
    out = {}
    for resource in json.loads(descriptor)["resources"]:
        key = resource["schema"].get("primaryKey")
        key = key[0] if isinstance(key, list) else key
        text = _read(root, rev, f"{data}/{resource['path']}") or ""
        reader = csv.DictReader(io.StringIO(text, newline=""))
        if key:
            rows = {row[key]: row for row in reader if row.get(key)}
        else:  # no primary key (citations): a row is known by its content, so an edit is a removal and an addition
            key = "(row)"
            rows = {_content_id(row): row for row in reader if any(row.values())}
        out[resource["name"]] = (key, list(reader.fieldnames or []), rows)
    return out


def _content_id(row: dict[str, str]) -> str:
    """An id for a row of a table without a primary key: its first cell and a digest of all of them.

    >>> _content_id({"row_id": "testcase", "fields": "age", "quote": "30"})
    'testcase age #6045982d'
    """
    import hashlib

    cells = list(row.values())
    digest = hashlib.sha256("\x1f".join(c or "" for c in cells).encode("utf-8")).hexdigest()[:8]
    return f"{cells[0]} {cells[1] if len(cells) > 1 else ''} #{digest}".replace("  ", " ")


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
        if (
            rev is not None
            and subprocess.run(
                ["git", "-C", str(root), "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], capture_output=True
            ).returncode
            != 0
        ):
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
    lines += _items(diffs, md)
    if all(d.empty for d in diffs):
        lines.append("No differences in the data tables.")
    return "\n".join(lines).rstrip() + "\n"


def _items(diffs: list[TableDiff], md: bool) -> list[str]:
    """The differences table by table, as text or Markdown lines."""
    lines = []
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
    return lines


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
        problems.append(
            f"{changes}:{newest.line}: newest entry is {newest.label} but data/datapackage.json says {version} "
            "(add an entry for the new version, or bump the version)"
        )
    current = data_sha256(root / "data")
    if newest.data_sha256 != current:
        problems.append(
            f"{changes}:{newest.line}: the data differ from version {newest.label} as recorded "
            f"(data sha256 is now {current}): bump `version` in data/datapackage.json, add a CHANGES.md "
            "entry saying what changed, why and the source, and record the new hash "
            "(`python -m analysis changes --hash` prints it)"
        )
    for before, after in zip(releases, releases[1:]):
        if not after.version < before.version:
            problems.append(
                f"{changes}:{after.line}: {after.label} is not older than {before.label} above it (newest first)"
            )
    cited = citation_version(citation) if citation.is_file() else None
    if cited != version:
        problems.append(f"{citation}: version {cited!r} differs from data/datapackage.json's {version!r}")
    return problems


# --- releasing a version ------------------------------------------------------------------

LEVELS = ("patch", "minor", "major")


class ReleaseError(Exception):
    """A release that cannot be made as asked (the message says what to do instead)."""


@dataclass
class Released:
    """What :func:`release` wrote."""

    old: str  # the version before
    new: str  # the version written
    needed: str  # the smallest bump the changes call for
    data_sha256: str
    base: str  # the commit holding the previous version's data
    entry: str  # the CHANGES.md entry
    written: list[Path] = field(default_factory=list)


def bump(version: str, level: str) -> str:
    """``version`` raised by ``level``.

    >>> bump("0.3.0", "patch"), bump("0.3.1", "minor"), bump("0.3.1", "major")
    ('0.3.1', '0.4.0', '1.0.0')
    """
    match = SEMVER.match(version)
    if not match or level not in LEVELS:
        raise ValueError(f"cannot bump {version!r} by {level!r}")
    major, minor, patch = map(int, match.groups())
    if level == "major":
        return f"{major + 1}.0.0"
    if level == "minor":
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def data_sha256_at(root: Path, rev: str, data: str = "data") -> str | None:
    """:func:`data_sha256` of ``data/`` as committed at ``rev`` (None if it has no descriptor there)."""
    listed = subprocess.run(
        ["git", "-C", str(root), "ls-tree", "--name-only", f"{rev}:{data}"], capture_output=True, text=True
    )
    if listed.returncode != 0:
        return None
    names = [n for n in listed.stdout.split() if n == "datapackage.json" or n.endswith(".csv")]
    if "datapackage.json" not in names:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            blob = subprocess.run(
                ["git", "-C", str(root), "show", f"{rev}:{data}/{name}"], capture_output=True, check=True
            )
            (Path(tmp) / name).write_bytes(blob.stdout)
        return data_sha256(tmp)


def released_revision(root: Path, digest: str, limit: int = 300) -> str | None:
    """The newest commit (of HEAD's history) whose ``data/`` hashes to ``digest``, or None."""
    log = subprocess.run(
        ["git", "-C", str(root), "rev-list", f"--max-count={limit}", "HEAD", "--", "data"],
        capture_output=True,
        text=True,
    )
    if log.returncode != 0:
        return None
    for rev in log.stdout.split():
        if data_sha256_at(root, rev) == digest:
            return rev
    return None


def _needed(diffs: list[TableDiff]) -> tuple[str, str]:
    """The smallest bump the row-level diff calls for, and why, in words. Data that differ in no
    row or field (the descriptor's wording, a property of the package) call for a patch."""
    removed = [f"{d.table}.{f}" for d in diffs for f in d.fields_removed]
    if removed:
        return "major", f"field(s) removed or renamed: {', '.join(removed)}"
    added_fields = [f"{d.table}.{f}" for d in diffs for f in d.fields_added]
    added_rows = sum(len(d.added) for d in diffs)
    if added_fields or added_rows:
        what = ([f"field(s) added: {', '.join(added_fields)}"] if added_fields else []) + (
            [f"{added_rows} row(s) added"] if added_rows else []
        )
        return "minor", "; ".join(what)
    changed = len({(d.table, c[0]) for d in diffs for c in d.changed}) + sum(len(d.removed) for d in diffs)
    if changed:
        return "patch", f"{changed} row(s) corrected or removed"
    return "patch", "the data package's descriptor changed, but no row or field"


def citation_text(text: str, version: str, released: str, homepage: str) -> str:
    """CITATION.cff's text with its ``version``, ``date-released`` and ``url`` (the data package's
    ``homepage``; no ``url`` line while that is empty) set, every other line kept as it was."""
    out, seen_url = [], False
    for line in text.splitlines():
        if re.match(r"^version:", line):
            line = f'version: "{version}"'
        elif re.match(r"^date-released:", line):
            line = f'date-released: "{released}"'
        elif re.match(r"^url:", line):
            seen_url = True
            if not homepage:
                continue
            line = f'url: "{homepage}"'
        out.append(line)
        if line.startswith("version:") and homepage and not seen_url and not re.search(r"^url:", text, re.M):
            out.append(f'url: "{homepage}"')
            seen_url = True
    return "\n".join(out) + "\n"


def release(root: str | Path, level: str, message: str, today: str | None = None) -> Released:
    """Record the data as they are now as a new version: bump ``version`` in ``data/datapackage.json``
    by ``level``, set it (and the release date, and the package's homepage as ``url``) in
    ``CITATION.cff``, and add a ``CHANGES.md`` entry with ``message``, the data hash and every
    changed row (the row-level diff from the commit holding the previous version's data).

    Refuses (:class:`ReleaseError`, nothing written) when the data are already recorded, when the
    version was bumped by hand, when no commit holds the previous version's data, or when ``level``
    is smaller than the diff calls for. The three files are written only once all three are ready.
    """
    root = Path(root)
    if level not in LEVELS:
        raise ReleaseError(f"--release takes one of {', '.join(LEVELS)}, not {level!r}")
    if not message.strip():
        raise ReleaseError('say why in -m "..." (it opens the CHANGES.md entry)')
    changes_md, citation, descriptor = root / "CHANGES.md", root / "CITATION.cff", root / "data" / "datapackage.json"
    for path in (changes_md, citation, descriptor):
        if not path.is_file():
            raise ReleaseError(f"{path}: missing (a release writes it)")
    releases = read_releases(changes_md)
    if not releases:
        raise ReleaseError(f"{changes_md}: no heading '## X.Y.Z (YYYY-MM-DD) — data sha256: HASH' to follow")
    newest = releases[0]
    package_text = descriptor.read_text(encoding="utf-8")
    package = json.loads(package_text)
    current = package.get("version", "")
    if current != newest.label:
        raise ReleaseError(
            f"data/datapackage.json says version {current} but the newest CHANGES.md entry is "
            f"{newest.label}: set it back to {newest.label} and run this again (it bumps the version)"
        )
    if data_sha256(root / "data") == newest.data_sha256:
        raise ReleaseError(
            f"data/ is exactly version {current} as CHANGES.md records it: nothing to release (correct the data first)"
        )
    base = released_revision(root, newest.data_sha256)
    if base is None:
        raise ReleaseError(
            f"no commit of this branch holds the data of version {current} "
            f"(sha256 {newest.data_sha256[:12]}…): release from a checkout that has it in its history"
        )
    diffs = diff_revisions(root, base, None)
    needed, why = _needed(diffs)
    if LEVELS.index(level) < LEVELS.index(needed):
        raise ReleaseError(
            f"the changes call for a {needed} release ({why}); {level} is smaller: run again with --release {needed}"
        )
    new = bump(current, level)
    day = today or datetime.date.today().isoformat()
    new_package = re.sub(r'("version":\s*")[^"]*(")', rf"\g<1>{new}\g<2>", package_text, count=1)
    with tempfile.TemporaryDirectory() as tmp:  # the hash of the data as they will be
        for csv_file in (root / "data").glob("*.csv"):
            shutil.copy2(csv_file, Path(tmp) / csv_file.name)
        (Path(tmp) / "datapackage.json").write_text(new_package, encoding="utf-8")
        digest = data_sha256(tmp)
    items = [line for line in _items(diffs, md=True) if not line.startswith("### ")]
    listed = [line for line in items if line.strip()]
    entry = "\n".join(
        [
            f"## {new} ({day}) — data sha256: {digest}",
            "",
            f"{level.capitalize()}: {message.strip()}",
            "",
            f"Row-level diff from version {current} (data as committed at `{base[:12]}`; "
            f"`python -m analysis changes {base[:12]}` shows it again):",
            "",
            *(listed or ["- no row or field changed: only the data package's descriptor"]),
            "",
            "",
        ]
    )
    text = changes_md.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    at = sum(len(line) for line in lines[: newest.line - 1])
    new_changes = text[:at] + entry + text[at:]
    new_citation = citation_text(citation.read_text(encoding="utf-8"), new, day, package.get("homepage", "") or "")
    for path, content in ((descriptor, new_package), (citation, new_citation), (changes_md, new_changes)):
        write_atomic(path, partial(Path.write_text, data=content, encoding="utf-8"))
    return Released(
        old=current,
        new=new,
        needed=needed,
        data_sha256=digest,
        base=base,
        entry=entry,
        written=[descriptor, citation, changes_md],
    )
