"""The library names no one: no victim, perpetrator, id, date or place of the case lives in analysis/.

The case is the data's (data/ and the ``case`` section of datapackage.json) and the notebooks'; the
library holds only the rules, so another case can use it unchanged (tests/test_fictional_case.py
runs one through every command). The words searched for are read from the data, so a row added
later is covered too.
"""

from __future__ import annotations

import csv
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
    for table, key in (("events", "event_id"), ("opportunities", "opportunity_id"), ("findings", "finding_id"),
                       ("sources", "source_id")):
        for row in _rows(table):
            words.add(row[key])
            words.update(re.findall(r"\b\d{4}-\d{2}-\d{2}\b", ",".join(row.values())))
    return words


def library_files() -> list[Path]:
    return sorted(p for p in LIBRARY.rglob("*") if p.is_file() and p.suffix in {".py", ".html", ".css", ".js"}
                  and VENDORED not in p.parents and "__pycache__" not in p.parts)


def test_the_words_searched_for_are_the_cases():
    words = case_words()
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(DATA.glob("*.csv")))
    assert {"Port", "Barking", "walgate", "Taylor", "ev-t-12", "op-w-01", "2015-10-12"} <= words
    assert all(w in text for w in NAMED_IN_TEXT)
    assert len(words) > 300  # ids of every table and every date, not a hand-picked few
    assert len(library_files()) > 20


def test_the_library_names_no_one_and_no_id_date_or_place_of_the_case():
    words = sorted(case_words(), key=len, reverse=True)
    # Names are matched as whole words in any case (a victim id is a surname in lower case);
    # "Port" only with its capital, so "import" and "port-inquests" (the project's name) pass.
    pattern = re.compile("|".join(rf"(?<![\w-]){re.escape(w)}(?![\w])" for w in words if w != "Port")
                         + r"|\bPort\b", re.IGNORECASE)
    found = []
    for path in library_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for match in pattern.finditer(line):
                if match.group(0).lower() == "port" and match.group(0) != "Port":
                    continue
                found.append(f"{path.relative_to(ROOT)}:{number}: {match.group(0)!r}")
    assert not found, "case facts in the library (move them to data/ or a notebook):\n" + "\n".join(found)
