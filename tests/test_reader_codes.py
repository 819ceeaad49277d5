"""No code where a reader looks: the rendered notebooks (and the site's notebook pages) show no
victim id, no ``;``-list and no ``body:strength`` credit, and their tables no snake_case value.

The scan reads what a reader sees: the text of markdown cells and of every output (HTML tables,
markdown, printed lines), not the code cells (folded away on the site) or link addresses.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from analysis.batch.spec import RUNS_FILE, read_runs
from analysis.schema import read_tables
from conftest import DATA, ROOT

PUBLISHED = [run.notebook for run in read_runs(ROOT / RUNS_FILE) if run.publish]
VICTIM_IDS = ("walgate", "kovari", "whitworth", "taylor")  # victims.csv's ids (tests may name the case)
BODIES = ("jury", "coroner", "iopc", "police", "family", "press", "court", "hmicfrs")

#: A ``;``-list as the CSVs write it: two codes joined by ``;`` with no space.
SEMICOLON_LIST = re.compile(r"(?<![\w-])[a-z0-9][a-z0-9_-]*;[a-z0-9][a-z0-9_-]*")
#: An official credit with its strength, as ``gaps.gap_table``'s ``official_credits`` writes it.
CREDIT_CODE = re.compile(rf"\b(?:{'|'.join(BODIES)}):(?:explicit|general)\b")
#: A victim id standing alone (not part of a hyphenated source id such as ``bbc-20211012-walgate``).
VICTIM_ID = re.compile(rf"(?<![\w-])(?:{'|'.join(VICTIM_IDS)})(?![\w-])")
#: The data package's snake_case codes (``police_action``, ``inquest_jury``: enum and vocabulary values),
#: which a table cell should show in words.
CODES = sorted(
    {v for table in read_tables(DATA).values() for f in table.fields for v in (*f.enum, *f.terms) if "_" in v}
)
SNAKE = re.compile(rf"(?<![\w.-])(?:{'|'.join(CODES)})(?![\w-])")


class Visible(HTMLParser):
    """The text a reader sees in an HTML fragment, and separately the text of its table cells."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.cells: list[str] = []
        self._skip = 0  # inside <script>, <style> or a folded code cell
        self._code = 0  # inside <code> or a code listing: what a reader types or copies (a source id, a
        # parameter value, a command), shown as code on purpose
        self._cell = 0

    def handle_starttag(self, tag, attrs):
        classes = dict(attrs).get("class") or ""
        if (
            tag in ("script", "style")
            or (self._skip and tag in ("div", "details"))
            or "jp-InputArea" in classes
            or "input_area" in classes
            or tag == "details"
            or (tag == "section" and "rerun" in classes)  # how to re-run a notebook: the values a reader types
        ):
            self._skip += 1
        if tag == "code" or (tag == "div" and "highlight" in classes) or (self._code and tag == "div"):
            self._code += 1
        if tag in ("td", "th"):
            self._cell += 1

    def handle_endtag(self, tag):
        if self._code and tag in ("code", "div"):
            self._code -= 1
        if self._skip and tag in ("script", "style", "div", "details", "section"):
            self._skip -= 1
        if tag in ("td", "th") and self._cell:
            self._cell -= 1

    def handle_data(self, data):
        if self._skip or self._code or data.strip().startswith(("http://", "https://")):  # an address, as typed
            return
        self.text.append(data)
        if self._cell:
            self.cells.append(data)


def codes_in(fragment: str) -> list[str]:
    """Every code a reader would see in an HTML fragment, as ``"kind: text"``."""
    page = Visible()
    page.feed(fragment)
    found = []
    for text in page.text:
        found += [f"victim id: {m}" for m in VICTIM_ID.findall(text)]
        found += [f";-list: {m}" for m in SEMICOLON_LIST.findall(text)]
        found += [f"credit code: {m}" for m in CREDIT_CODE.findall(text)]
    for text in page.cells:
        found += [f"snake_case in a table: {m}" for m in SNAKE.findall(text)]
    return found


def notebook_fragments(path) -> list[tuple[str, str]]:
    """What a reader sees of an executed notebook, per cell: markdown sources and outputs, as HTML-ish text."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for number, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "markdown":
            # Backticked names are the library's own (shown as code to developers), not data codes.
            out.append((f"cell {number}", re.sub(r"`[^`]*`", "", "".join(cell["source"]))))
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            shown = data.get("text/html") or data.get("text/markdown") or output.get("text") or ""
            out.append((f"cell {number} output", "".join(shown)))
    return out


def test_the_scan_finds_each_kind_of_code():
    found = codes_in(
        "<p>Deaths: kovari;whitworth</p><table><tr><td>jury:explicit;police</td>"
        "<td>walgate</td><td>police_action</td></tr></table>"
    )
    assert "victim id: walgate" in found and ";-list: kovari;whitworth" in found
    assert "credit code: jury:explicit" in found and "snake_case in a table: police_action" in found
    assert (
        codes_in(
            '<p>Anthony Walgate, <a href="https://x/bbc-20211012-walgate">BBC News, 12 Oct 2021</a>; '
            "Kovari, Whitworth and Taylor</p>"
        )
        == []
    )
    # What a reader types or copies is shown as code on purpose: a source id, a parameter value, a listing;
    # the prose after it is still read.
    assert codes_in("<p>Cite <code>bbc-20211012-walgate</code>; run <code>-p investigation walgate</code></p>") == []
    assert codes_in('<div class="highlight"><pre>investigation = "walgate"</pre></div><p>taylor</p>') == [
        "victim id: taylor"
    ]


@pytest.mark.parametrize("notebook", PUBLISHED)
def test_executed_notebook_shows_no_codes(notebook):
    problems = [
        f"{notebook} {where}: {code}"
        for where, fragment in notebook_fragments(ROOT / "notebooks" / notebook)
        for code in codes_in(fragment)
    ]
    assert not problems, f"{len(problems)} codes a reader sees:\n" + "\n".join(problems[:40])


@pytest.mark.parametrize("extra", [[], ["--wide"], ["--basis", "found", "--identified-by", "jury+coroner"]])
def test_cli_table_shows_no_codes(extra):
    import contextlib
    import io
    from html import escape

    from analysis.__main__ import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["gaps", "--data", str(DATA), *extra]) == 0
    text = out.getvalue()
    if "--wide" in extra:  # every column, the lists of deaths in words
        assert "Kovari, Whitworth and Taylor" in text
    assert codes_in(f"<pre>{escape(text)}</pre>") == []


#: Reference pages whose subject is the record's codes themselves: the data dictionary (every field
#: and vocabulary value), the definitions (how a credit code such as jury:explicit reads) and the change
#: log (which rows changed, by id). A reader who opens them comes for the codes.
REFERENCE = ("docs/data-dictionary.html", "definitions.html", "changes.html")


@pytest.mark.publish
def test_site_pages_show_no_codes(built_site):
    problems, scanned = [], 0
    for path in sorted(built_site.rglob("*.html")):
        where = path.relative_to(built_site).as_posix()
        if where in REFERENCE:
            continue
        scanned += 1
        problems += [f"{where}: {code}" for code in codes_in(path.read_text(encoding="utf-8"))]
    assert scanned >= 12  # the notebook pages, victims, chronology, figures and the rest
    assert not problems, f"{len(problems)} codes a reader sees:\n" + "\n".join(problems[:40])
