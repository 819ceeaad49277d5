"""The TimelineJS export and the static site, checked without a browser (tests/test_site_browser.py drives one)."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import jsonschema
import pytest

from analysis.load import load_case
from analysis.publish.site import SiteError, build_site
from analysis.publish.timelinejs import timeline
from conftest import DATA, ROOT

pytestmark = pytest.mark.publish

SCHEMA = json.loads((Path(__file__).parent / "timelinejs.schema.json").read_text(encoding="utf-8"))


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "analysis", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def case():
    return load_case(DATA)


@pytest.fixture(scope="module")
def export(case):
    return timeline(case)


# --- the TimelineJS export ----------------------------------------------------------------


def test_export_validates_against_the_timelinejs_schema(export):
    jsonschema.validate(export, SCHEMA)


@pytest.mark.parametrize(
    "broken",
    [
        {"events": [{"start_date": {"year": 2014, "month": 13}}]},  # month out of 1-12
        {"events": [{"start_date": {"month": 6, "day": 1}}]},  # no year
        {"events": [{"text": {"headline": "no start date"}}]},  # event without start_date
        {"events": [], "eras": [{"start_date": {"year": 2014}}]},  # era without end_date
        {"events": [{"start_date": {"year": 2014}, "headline": "typo"}]},  # property not in the format
        {"slides": []},  # no events
    ],
)
def test_schema_refuses_documents_outside_the_format(broken):
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, SCHEMA)


def test_one_slide_per_event_with_the_event_id(case, export):
    ids = [e["unique_id"] for e in export["events"]]
    assert ids == case.events["event_id"].tolist()
    assert len(set(ids)) == len(ids) == 101


def test_dates_at_the_precision_known(export):
    by_id = {e["unique_id"]: e for e in export["events"]}
    # ev-w-01: Port's arrest, recorded as December 2012 with the day unknown (hand-checked in events.csv).
    assert by_id["ev-w-01"]["start_date"] == {"year": 2012, "month": 12, "day": 1}
    assert by_id["ev-w-01"]["end_date"] == {"year": 2012, "month": 12, "day": 31}
    assert by_id["ev-w-01"]["display_date"] == "December 2012 (day not known)"
    # ev-w-03: Port contacted Walgate on 15 June 2014, a known day: no end date.
    assert by_id["ev-w-03"]["start_date"] == {"year": 2014, "month": 6, "day": 15}
    assert "end_date" not in by_id["ev-w-03"]
    # ev-w-05: Walgate died between 17 and 19 June 2014.
    assert by_id["ev-w-05"]["display_date"] == "between 17 and 19 June 2014"


def test_groups_are_investigations_and_text_is_the_records_words_with_source_links(case, export):
    by_id = {e["unique_id"]: e for e in export["events"]}
    assert by_id["ev-w-03"]["group"] == "Anthony Walgate"
    assert by_id["ev-w-01"]["group"] == "Port, the courts and oversight"  # the case's general_group
    assert {e["group"] for e in export["events"]} == {*case.victims["name"], "Port, the courts and oversight"}
    row = case.events.set_index("event_id").loc["ev-w-03"]
    assert "Port contacted Walgate through a male escort website" in by_id["ev-w-03"]["text"]["text"]
    urls = case.sources.set_index("source_id")["url"]
    for sid in row["source_ids"]:
        assert f'<a href="{urls[sid]}">' in by_id["ev-w-03"]["text"]["text"]


def test_four_investigation_eras_from_the_day_each_body_was_found(export):
    eras = export["eras"]
    assert [e["text"]["headline"] for e in eras] == [
        "Anthony Walgate investigation",
        "Gabriel Kovari investigation",
        "Daniel Whitworth investigation",
        "Jack Taylor investigation",
    ]
    # Bodies found 19 June 2014, 28 August 2014, 20 September 2014, 14 September 2015.
    assert [e["start_date"] for e in eras] == [
        {"year": 2014, "month": 6, "day": 19},
        {"year": 2014, "month": 8, "day": 28},
        {"year": 2014, "month": 9, "day": 20},
        {"year": 2015, "month": 9, "day": 14},
    ]


def test_export_command_writes_the_file_and_standard_output(tmp_path):
    out = tmp_path / "tl.json"
    done = cli("export", "timelinejs", "--out", str(out))
    assert done.returncode == 0, done.stderr
    jsonschema.validate(json.loads(out.read_text(encoding="utf-8")), SCHEMA)
    printed = cli("export", "timelinejs")
    assert json.loads(printed.stdout) == json.loads(out.read_text(encoding="utf-8"))


def test_export_refuses_invalid_data(real_copy):
    path = real_copy / "events.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1] = lines[1].replace("2012-12-31", "2012-11-30", 1)
    path.write_text("".join(lines), encoding="utf-8")
    done = cli("export", "timelinejs", "--data", str(real_copy))
    assert done.returncode == 1
    assert f"{path}:2: date_latest:" in done.stderr and done.stdout == ""


# --- the site -----------------------------------------------------------------------------


class Page(HTMLParser):
    """Links, sources, ids and images of one HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.loads: list[str] = []  # what the page itself fetches: scripts, style sheets, images
        self.ids: set[str] = set()
        self.images: list[dict] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
        if tag in ("script", "img", "iframe", "source") and a.get("src"):
            self.loads.append(a["src"])
        if tag == "link" and a.get("href"):
            self.loads.append(a["href"])
        if tag == "img":
            self.images.append(a)

    def handle_data(self, data):
        self.text.append(data)


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def test_site_has_a_page_per_opportunity_victim_table_and_notebook(built_site, case):
    assert {p.stem for p in (built_site / "opportunities").glob("op-*.html")} == set(
        case.opportunities["opportunity_id"]
    )
    assert len(list((built_site / "opportunities").glob("op-*.html"))) == 29  # opportunities.csv
    assert {p.stem for p in (built_site / "victims").glob("*.html")} - {"index"} == set(case.victims["victim_id"])
    assert {p.stem for p in (built_site / "record").glob("*.html")} == {
        "victims",
        "events",
        "opportunities",
        "findings",
        "sources",
    }
    assert {p.stem for p in (built_site / "notebooks").glob("*.html")} == {
        p.stem for p in (ROOT / "notebooks").glob("*.ipynb")
    }
    for name in ("index", "chronology", "timeline", "search", "figures"):
        assert (built_site / f"{name}.html").exists()


def test_table_pages_list_every_row_with_its_sources_as_links(built_site, case):
    urls = case.sources.set_index("source_id")["url"]
    for name, key in (
        ("victims", "victim_id"),
        ("events", "event_id"),
        ("opportunities", "opportunity_id"),
        ("findings", "finding_id"),
        ("sources", "source_id"),
    ):
        frame = getattr(case, name)
        page = parse(built_site / "record" / f"{name}.html")
        assert set(frame[key]) <= page.ids, name
        if "source_ids" in frame:
            cited = {urls[s] for ids in frame["source_ids"] for s in ids}
            assert cited <= set(page.links), name
        html = (built_site / "record" / f"{name}.html").read_text(encoding="utf-8")
        assert html.count("<tr id=") == len(frame), name
        for column in frame.columns:  # every column, whatever the schema adds
            assert f'<th scope="col">{column}</th>' in html, (name, column)


def test_opportunity_page_says_what_the_record_and_the_gap_table_say(built_site, case):
    html = (built_site / "opportunities" / "op-w-01.html").read_text(encoding="utf-8")
    text = " ".join("".join(parse(built_site / "opportunities" / "op-w-01.html").text).split())
    # op-w-01 arose on 19 June 2014 and closed 'nearly a week' later (20-26 June); Kovari died 25-28 August 2014:
    # 19 Jun -> 25 Aug = 11 + 31 + 25 = 67 to 70 days (counted by hand). It stood open 1 to 7 days.
    assert "19 June 2014" in text and "When the chance closed" in text
    assert "between 20 and 26 June 2014" in text
    assert "Gabriel Kovari, 67 to 70 days later" in text
    assert "0 possibly; the opportunity stood open for 1 to 7 days" in text
    assert "did not enter the investigation for nearly a week" in text
    assert "Met Police (see its basis below) Press (see its basis below)" in text  # identified_by police;press
    for sid in case.opportunities.set_index("opportunity_id").at["op-w-01", "source_ids"]:
        assert f'id="src-{sid}"' in html
    # a finding naming op-w-... appears on that opportunity's page
    named = case.findings.explode("opportunity_ids").dropna(subset=["opportunity_ids"]).iloc[0]
    other = (built_site / "opportunities" / f"{named['opportunity_ids']}.html").read_text(encoding="utf-8")
    assert named["finding_id"] in other
    assert 'id="evidence"' in html  # where the evidence grade goes


def test_row_fields_and_record_tables_show_codes_in_words(built_site):
    """The opportunity pages' fields and the record tables read as words (issue 20 item 1)."""
    text = " ".join("".join(parse(built_site / "opportunities" / "op-w-06.html").text).split())
    # op-w-06 (opportunities.csv): category forensic_examination, unit borough, identified_by
    # jury;police;family;press, the jury's credit explicit (fd-jury-walgate-failing-04). It stood open from
    # 19 Jun-31 Jul 2014 to 1 Mar-14 Oct 2015: Kovari (Aug 2014) and Whitworth (Sep 2014) died certainly
    # inside that window, Taylor (Sep 2015) possibly.
    assert "Forensic examination" in text and "Borough officers" in text
    assert "Inquest jury (explicit finding), Met Police, Families, Press" in text
    assert "Kovari and Whitworth" in text and "Kovari, Whitworth and Taylor" in text
    events = (built_site / "record" / "events.html").read_text(encoding="utf-8")
    # ev-w-02: British Transport Police found Port at Barking station (kind police_action)
    assert re.search(r'<tr id="ev-w-02">(?:(?!</tr>).)*<td class="c-kind">Police action</td>', events, re.S)
    findings = (built_site / "record" / "findings.html").read_text(encoding="utf-8")
    assert re.search(
        r'<tr id="fd-jury-walgate-failing-04">(?:(?!</tr>).)*<td class="c-body">Inquest jury</td>', findings, re.S
    )


def test_every_internal_link_resolves_to_a_file_and_anchor(built_site):
    cache: dict[Path, Page] = {}
    broken = []
    for path in pages(built_site):
        for href in parse(path).links:
            parts = urlsplit(href)
            if parts.scheme or href.startswith("//"):
                continue
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            if not target.exists():
                broken.append(f"{path.relative_to(built_site)}: {href}")
            elif parts.fragment and target.suffix == ".html":
                ids = cache.setdefault(target, parse(target)).ids
                if parts.fragment not in ids:
                    broken.append(f"{path.relative_to(built_site)}: {href} (no such id)")
    assert broken == []


def test_no_page_loads_anything_from_another_host(built_site):
    for path in pages(built_site):
        for src in parse(path).loads:
            assert not re.match(r"^([a-z]+:)?//", src) or src.startswith("data:"), (path, src)
    assert not re.search(r"https?://", (built_site / "assets" / "site.css").read_text(encoding="utf-8"))


def test_every_figure_has_its_alt_text(built_site):
    shown = 0
    for path in (built_site / "notebooks").glob("*.html"):
        for img in parse(path).images:
            name = Path(img["src"]).stem
            assert img["alt"] == (ROOT / "figures" / f"{name}.alt.txt").read_text(encoding="utf-8").strip()
            shown += 1
    import nbformat

    images = sum(
        "image/png" in o.get("data", {})
        for nb in (ROOT / "notebooks").glob("*.ipynb")
        for c in nbformat.read(nb, as_version=4).cells
        for o in c.get("outputs", [])
    )
    # timeline and cumulative chart (01), gap chart (02), findings matrix (03), category, unit and open windows (05)
    assert shown == images == 7
    gallery = parse(built_site / "figures.html").images
    assert {Path(i["src"]).stem for i in gallery} == {p.stem for p in (ROOT / "figures").glob("*.png")}
    for img in gallery:
        assert img["alt"] == (ROOT / "figures" / f"{Path(img['src']).stem}.alt.txt").read_text(encoding="utf-8").strip()


def test_notebook_code_is_folded(built_site):
    import nbformat

    for nb in (ROOT / "notebooks").glob("*.ipynb"):
        code_cells = sum(c.cell_type == "code" for c in nbformat.read(nb, as_version=4).cells)
        html = (built_site / "notebooks" / f"{nb.stem}.html").read_text(encoding="utf-8")
        assert html.count('<details class="code">') == code_cells


def test_home_shows_the_readme_headline_licences_and_corrections(built_site):
    from analysis.docs import HEADLINE_BEGIN, HEADLINE_END, generated_block

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    text = " ".join("".join(parse(built_site / "index.html").text).split())
    for line in generated_block(readme, HEADLINE_BEGIN, HEADLINE_END).split(HEADLINE_END)[0].splitlines():
        plain = re.sub(r"[`*]", "", line.removeprefix("- ")).strip()
        if plain:
            assert plain in text
    assert "CC BY 4.0" in text and "MIT" in text and "Cite as" in text
    assert "How to report a correction" in text


def test_search_index_holds_every_row(built_site, case):
    raw = (built_site / "search-index.js").read_text(encoding="utf-8")
    index = json.loads(raw.removeprefix("window.SEARCH_INDEX = ").rstrip().rstrip(";"))
    urls = {e["u"] for e in index}
    assert {f"opportunities/{o}.html" for o in case.opportunities["opportunity_id"]} <= urls
    assert {f"record/events.html#{e}" for e in case.events["event_id"]} <= urls


def test_build_refuses_invalid_data_and_keeps_the_previous_site(tmp_path, real_copy):
    project = tmp_path / "project"
    project.mkdir()
    for folder in ("figures", "notebooks"):
        shutil.copytree(ROOT / folder, project / folder)
    shutil.copy(ROOT / "README.md", project / "README.md")
    real_copy.rename(project / "data")
    out = tmp_path / "site"
    out.mkdir()
    (out / "index.html").write_text("previous build", encoding="utf-8")
    path = project / "data" / "opportunities.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1] = lines[1].replace("op-w-01,2014-06-19", "op-w-01,2014-06-31", 1)
    path.write_text("".join(lines), encoding="utf-8")
    done = cli("site", "--root", str(project), "--out", str(out))
    assert done.returncode == 1
    assert f"{path}:2: date_earliest: '2014-06-31' is not a real calendar date" in done.stderr
    assert (out / "index.html").read_text(encoding="utf-8") == "previous build"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".site")] == []


def test_build_refuses_a_notebook_whose_image_is_not_a_committed_figure(tmp_path):
    project = tmp_path / "project"
    for folder in ("figures", "notebooks", "data"):
        shutil.copytree(ROOT / folder, project / folder)
    shutil.copy(ROOT / "README.md", project / "README.md")
    png = project / "figures" / "case-timeline.png"
    png.write_bytes(png.read_bytes() + b"\0")
    with pytest.raises(SiteError, match="01-case-timeline.ipynb: cell .*run make figures"):
        build_site(project, tmp_path / "site")
    assert not (tmp_path / "site").exists()


# --- pages for readers: definitions, glossary, reference, figures, notebooks' parameters ------------


def text_of(path: Path) -> str:
    return " ".join("".join(parse(path).text).split())


def test_definitions_glossary_and_reference_pages(built_site):
    definitions = text_of(built_site / "definitions.html")
    for words in (
        "Certainly and possibly before a death",
        "the latest day it may have arisen is before the earliest day",
        "found: to the day his body was found",
        "Evidence grades",
        "corroborated",
        "strength",
        "general",
    ):
        assert words in definitions, words
    glossary = parse(built_site / "glossary.html")
    # expansions checked by hand
    for term, words in (
        ("pnc", "Police National Computer"),
        ("pnd", "Police National Database"),
        ("btp", "British Transport Police"),
        ("dci", "Detective Chief Inspector"),
        ("npcc", "National Police Chiefs' Council"),
        ("mopac", "Mayor's Office for Policing and Crime"),
        ("hmicfrs", "Inspectorate of Constabulary and Fire & Rescue Services"),
        ("pfd", "Prevention of Future Deaths"),
        ("fme", "Forensic Medical Examiner"),
        ("bcu", "Basic Command Unit"),
        ("mit", "Murder Investigation Team"),
    ):
        assert term in glossary.ids and words in " ".join(glossary.text), term
    for name in ("changes", "citation", "readme"):
        assert (built_site / f"{name}.html").exists()
    assert "0.1.0 (2026-11-26)" in text_of(built_site / "changes.html")
    assert "cff-version: 1.2.0" in text_of(built_site / "citation.html")
    docs = {p.stem for p in (ROOT / "docs").glob("*.md")} - {"definitions", "glossary"}
    assert docs and {p.stem for p in (built_site / "docs").glob("*.html")} == docs | {"index"}


def test_acronyms_link_to_the_glossary_where_they_are_used(built_site):
    html = (built_site / "opportunities" / "op-w-05.html").read_text(encoding="utf-8")
    # op-w-05: "Within the borough, the acting DCI's email of ..." (opportunities.csv)
    assert '<a class="term" href="../glossary.html#dci" title="Detective Chief Inspector">DCI</a>' in html
    events = (built_site / "record" / "events.html").read_text(encoding="utf-8")
    assert 'href="../glossary.html#btp"' in events


def test_no_page_refers_a_reader_to_a_file_the_site_does_not_hold(built_site):
    unlinked = []
    for path in pages(built_site):
        html = path.read_text(encoding="utf-8").split("<main", 1)[-1].split("</main>", 1)[0]
        plain = re.sub(r'<a [^>]*href="[^"]*readme\.html"[^>]*>[^<]*README</a>', "", html)  # a README the site holds
        plain = re.sub(r"<(code|pre)[^>]*>.*?</\1>", "", plain, flags=re.S)
        if re.search(r"\bREADME\b", re.sub(r"<[^>]+>", " ", plain)):
            unlinked.append(str(path.relative_to(built_site)))
    assert unlinked == []
    assert "with the repository address" not in text_of(built_site / "index.html")


def test_home_page_leads_with_the_answers_and_the_picture(built_site):
    text = text_of(built_site / "index.html")
    order = [
        text.index(s)
        for s in (
            "The answers first",
            "unlawfully killed",
            "How many chances were missed before each death",
            "The picture",
            "Where to go next",
            "Every headline number",
        )
    ]
    assert order == sorted(order)
    # deaths_view, checked by hand against opportunities.csv: 7 certainly and 8 possibly before Kovari's death (op-w-01
    # to 06 and 08 arose by 31 Jul 2014; op-w-07 may have arisen until Oct 2015); 23 and 24 before Taylor's (the 24 in
    # other investigations, all but op-w-07 certainly)
    html = (built_site / "index.html").read_text(encoding="utf-8")
    assert "Gabriel Kovari</a></th><td>between 25 and 28 August 2014</td><td>7</td><td>8</td>" in html
    assert "Jack Taylor</a></th><td>13 September 2015</td><td>23</td><td>24</td>" in html
    page = parse(built_site / "index.html")
    [story] = [i for i in page.images if i["src"] == "figures/open-windows.png"]
    alt = (ROOT / "figures" / "open-windows.alt.txt").read_text(encoding="utf-8").strip()
    assert story["alt"] == alt and alt in text  # the caption is visible
    assert "notebooks/05-kinds-of-failings.html" in page.links


def test_figures_page_shows_title_caption_and_credit(built_site):
    from analysis.citation import record

    text = text_of(built_site / "figures.html")
    rec = record(ROOT)
    for png in (ROOT / "figures").glob("*.png"):
        alt = " ".join(png.with_suffix(".alt.txt").read_text(encoding="utf-8").split())
        assert alt in text, png.stem
    assert "Missed opportunities stayed open while the later deaths happened" in text  # open-windows' drawn title
    assert text.count(f"Source: {rec.title}, version {rec.version}") == len(list((ROOT / "figures").glob("*.png")))


def test_each_notebook_page_says_which_parameters_produced_it(built_site):
    text = text_of(built_site / "notebooks" / "02-gaps-to-next-death.html")
    assert "Which parameters produced this page, and how to re-run it" in text
    assert "basis" in text and "identified_by" in text
    assert ".venv/bin/papermill notebooks/02-gaps-to-next-death.ipynb build/02-gaps-to-next-death-rerun.ipynb" in text


def test_search_index_holds_plain_words(built_site):
    raw = (built_site / "search-index.js").read_text(encoding="utf-8")
    index = json.loads(raw.removeprefix("window.SEARCH_INDEX = ").rstrip().rstrip(";"))
    for entry in index:
        assert "['" not in entry["x"] and "`" not in entry["x"] and "**" not in entry["x"], entry["u"]


def test_slides_are_headed_by_what_happened_not_the_kind(case, export):
    by_id = {e["unique_id"]: e for e in export["events"]}
    # ev-w-01 (events.csv): "Port was arrested on suspicion of drugging and raping a man at his flat; the complainant ..."
    assert (
        by_id["ev-w-01"]["text"]["headline"]
        == "Port was arrested on suspicion of drugging and raping a man at his flat"
    )
    # ev-k-01: "Kovari went to stay at Port's flat in Barking." is short: the headline is the sentence.
    assert by_id["ev-k-01"]["text"]["headline"] == html.escape("Kovari went to stay at Port's flat in Barking")
    # ev-w-05: "Walgate died at Port's flat after Port gave him an excessive, fatal quantity of GHB. The pathologist ..."
    assert by_id["ev-w-05"]["text"]["headline"] == html.escape(
        "Walgate died at Port's flat after Port gave him an excessive, fatal quantity of GHB"
    )
    headlines = [e["text"]["headline"] for e in export["events"]]
    assert "Police action" not in headlines and len(set(headlines)) == len(headlines)
