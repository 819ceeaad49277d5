"""The library names no one: no victim, perpetrator, id, date or place of the case lives in analysis/.

The case is the data's (data/ and the ``case`` section of datapackage.json) and the notebooks'; the
library holds only the rules, so another case can use it unchanged (tests/test_fictional_case.py
runs one through every command). The words searched for are read from the data, so a row added
later is covered too.
"""

from __future__ import annotations

import csv
import functools
import re
from pathlib import Path

from conftest import DATA, ROOT

LIBRARY = ROOT / "analysis"
#: Third-party files shipped with the site, not written for this project.
VENDORED = LIBRARY / "publish" / "static" / "vendor"

#: Names and places of the case that the tables hold only inside longer text (the perpetrator is
#: named in summaries, the town in found_place); each is also checked to be in the data below.
NAMED_IN_TEXT = ("Port", "Stephen", "Barking", "Dagenham", "Cooke Street", "St Margaret")


def _rows(table: str) -> list[dict[str, str]]:
    with open(DATA / f"{table}.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def case_words() -> set[str]:
    """Every name, id, place and date of the case, as the data holds them."""
    words: set[str] = set(NAMED_IN_TEXT)
    for v in _rows("victims"):
        words.add(v["victim_id"])
        words.update(part for part in v["name"].split() if len(part) > 2)
        words.update(re.findall(r"\b[A-Z][a-z]{3,}\b", v["home_town"]))
    for table, key in (
        ("events", "event_id"),
        ("opportunities", "opportunity_id"),
        ("findings", "finding_id"),
        ("sources", "source_id"),
    ):
        for row in _rows(table):
            words.add(row[key])
            words.update(re.findall(r"\b\d{4}-\d{2}-\d{2}\b", ",".join(row.values())))
    return words


def library_files() -> list[Path]:
    return sorted(
        p
        for p in LIBRARY.rglob("*")
        if p.is_file()
        and p.suffix in {".py", ".html", ".css", ".js"}
        and VENDORED not in p.parents
        and "__pycache__" not in p.parts
    )


def test_the_words_searched_for_are_the_cases():
    words = case_words()
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(DATA.glob("*.csv")))
    assert {"Port", "Barking", "walgate", "Taylor", "ev-t-12", "op-w-01", "2015-10-12"} <= words
    assert all(w in text for w in NAMED_IN_TEXT)
    assert len(words) > 300  # ids of every table and every date, not a hand-picked few
    assert len(library_files()) > 20


@functools.cache
def _lookup() -> tuple[frozenset[str], frozenset[str]]:
    """The case's words in lower case: those of one token, and those of two ("Cooke Street")."""
    words = {w.lower() for w in case_words() - {"Port"}}
    return frozenset(w for w in words if " " not in w), frozenset(w for w in words if " " in w)


#: A token: letters and digits, joined by hyphens ("op-w-01", "2015-10-12", "port-inquests").
TOKEN = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")


def case_facts_in(text: str) -> list[str]:
    """The case's words found in ``text``. Names and ids match as whole tokens in any case (a
    victim id is a surname in lower case); "Port" only with its capital, so "import", "report"
    and "port-inquests" (the project's name) pass."""
    single, double = _lookup()
    tokens = [m.group(0) for m in TOKEN.finditer(text)]
    found = [t for t in tokens if t.lower() in single or t == "Port"]
    found += [f"{a} {b}" for a, b in zip(tokens, tokens[1:]) if f"{a} {b}".lower() in double]
    return found


def test_the_library_names_no_one_and_no_id_date_or_place_of_the_case():
    found = [
        f"{path.relative_to(ROOT)}:{number}: {word!r}"
        for path in library_files()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        for word in case_facts_in(line)
    ]
    assert not found, "case facts in the library (move them to data/ or a notebook):\n" + "\n".join(found)


def test_the_search_finds_what_it_should():
    assert case_facts_in("Port's final arrest; op-w-01, Walgate, 2015-10-12, North Street") == [
        "Port",
        "op-w-01",
        "Walgate",
        "2015-10-12",
    ]
    assert case_facts_in("by Cooke Street") == ["Cooke Street"]
    assert case_facts_in("import report port-inquests op-w-011 walgates") == []
