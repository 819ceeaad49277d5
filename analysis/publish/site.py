"""Build the static reading site: the record, its missed opportunities and the notebooks, as plain HTML.

``build_site(root, out)`` reads the record through :func:`analysis.load.load_case` (invalid data
raises :class:`~analysis.problems.DataError`, whose report the command line prints), the rules
through their functions (:func:`analysis.gaps.gap_table`, :func:`analysis.gaps.deaths_view`,
:func:`analysis.docs.headline`), and the committed executed notebooks through nbconvert, which
renders them without executing anything. Pages are Jinja2 templates in ``templates/``; every
link is relative, and every script, style sheet and font is a file of the site, so it works from
``file://`` and from any static host and asks nothing of another host.

Tables and opportunity pages are generic: they show every column the record's frames and the gap
table have, so a new column appears without a change here.

The build writes into a temporary folder beside ``out`` and swaps it in at the end, so a failed
build leaves the previous site whole.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
import shutil
import tempfile
from base64 import b64decode
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from analysis.atomic import replace_dir
from analysis.batch.lock import reading
from analysis.evidence import GRADED_TABLES, grades, with_grades
from analysis.gaps import deaths_view, gap_table
from analysis.load import Case, load_case
from analysis.plots import BODY_LABELS
from analysis.publish.timelinejs import display_interval, kind_label, timeline
from analysis.schema import read_tables

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
TABLES = ("victims", "events", "opportunities", "findings", "sources")
SINGULAR = {"victims": "Victim", "events": "Event", "opportunities": "Missed opportunity", "findings": "Finding",
            "sources": "Source"}

#: Words for column names where the name alone is terse; any other column is shown by its name.
LABELS = {
    "date_earliest": "Earliest date", "date_latest": "Latest date", "identified_by": "Identified by",
    "next_death": "Next death (id)", "next_death_name": "Next death", "next_earliest": "Next death: earliest day",
    "next_latest": "Next death: latest day", "gap_days_min": "Gap: fewest days", "gap_days_max": "Gap: most days",
    "gap_days_mid": "Gap: middle of the range (days)", "deaths_before_arrest": "Other deaths before Port's final arrest",
    "days_to_arrest_min": "Days to Port's final arrest: fewest", "days_to_arrest_max": "Days to Port's final arrest: most",
    "would_have": "What it would have changed", "source_ids": "Sources", "opportunity_ids": "Missed opportunities named",
    "victim_id": "Concerning", "investigation": "Investigation", "died_earliest": "Died: earliest day",
    "died_latest": "Died: latest day", "found_date": "Body found", "found_place": "Where found",
    "classified_at_time": "Classified at the time as", "home_town": "Home town",
}


#: Words for the codes of ``identified_by`` (the figures' own labels) and of ``findings.body``;
#: any other code is shown capitalised.
WORDS = {
    **BODY_LABELS, "inquest_jury": "Inquest jury (2021)", "metropolitan_police": "Met Police", "mopac": "MOPAC",
    "high_court": "High Court", "crown_court": "Crown Court", "original_inquest": "Original inquests (2015)",
}


def words(code: str) -> str:
    """Reader's words for a code of the record: :data:`WORDS`, else ``kind_label``."""
    return WORDS.get(code, kind_label(code))


def label(column: str) -> str:
    """Reader's words for a column: :data:`LABELS` or the name with spaces."""
    return LABELS.get(column, column.replace("_", " ").capitalize())


def evidence_grades(case: Case) -> dict[str, str]:
    """The evidence grade of each missed opportunity (id -> ``primary``/``corroborated``/``single``),
    from the one rule in :func:`analysis.evidence.grades`."""
    return grades(case, "opportunities").to_dict()


# --- values as HTML -----------------------------------------------------------------------


def _missing(value: object) -> bool:
    if isinstance(value, list):
        return not value
    if value is None or value is pd.NaT:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


@dataclass
class Linker:
    """Turns a record value into HTML with links, relative to the page being written."""

    page: str  # the page's path inside the site, e.g. "opportunities/op-w-01.html"
    names: dict[str, str] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)

    def href(self, target: str) -> str:
        """Relative address of ``target`` (a site path, optionally with #fragment) from this page."""
        path, _, frag = target.partition("#")
        rel = posixpath.relpath(path, posixpath.dirname(self.page) or ".")
        return rel + (f"#{frag}" if frag else "")

    def a(self, target: str, text: str) -> Markup:
        return Markup('<a href="{}">{}</a>').format(self.href(target), text)

    def source(self, sid: str) -> Markup:
        return Markup('<a href="{}">{}</a>').format(self.urls[sid], sid)

    def victim(self, vid: str) -> Markup:
        return self.a(f"victims/{vid}.html", self.names.get(vid, vid))

    def value(self, column: str, value: object) -> Markup:
        """One cell: ids become links, dates ISO, lists joined; everything escaped."""
        if _missing(value):
            return Markup("")
        if column == "source_ids":
            return Markup(", ").join(self.source(s) for s in value)
        if column == "opportunity_ids":
            return Markup(", ").join(self.a(f"opportunities/{o}.html", o) for o in value)
        if column in ("victim_id", "investigation", "next_death") and value in self.names:
            return self.victim(value)
        if column == "opportunity_id":
            return self.a(f"opportunities/{value}.html", value)
        if column == "url":
            return Markup('<a href="{}">{}</a>').format(value, value)
        if isinstance(value, pd.Timestamp):
            return Markup("<time datetime=\"{0}\">{0}</time>").format(f"{value:%Y-%m-%d}")
        if isinstance(value, list):
            return Markup("; ").join(map(str, value))
        return Markup.escape(str(value))


# --- notebooks ----------------------------------------------------------------------------


def _figure_for_png(figures: Path) -> dict[str, dict]:
    """sha256 of each committed PNG -> its figure name and alt text (from NAME.alt.txt)."""
    found = {}
    for png in sorted(figures.glob("*.png")):
        alt = png.with_suffix(".alt.txt")
        if not alt.exists():
            raise SiteError(f"{alt}: missing (every figure needs its alt text; run make figures)")
        found[hashlib.sha256(png.read_bytes()).hexdigest()] = {
            "name": png.stem, "alt": alt.read_text(encoding="utf-8").strip()}
    return found


class SiteError(Exception):
    """The site cannot be built from what is committed (the message says what to do)."""


def notebook_page(path: Path, figures: dict[str, dict]) -> tuple[str, Markup, str]:
    """Title, body HTML and plain text (for search) of an executed notebook, without executing it.

    Code is folded in ``<details>``; each image output is matched by its bytes to a committed
    figure, shown from ``figures/`` with that figure's alt text.
    """
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            png = out.get("data", {}).get("image/png")
            if png is None:
                continue
            digest = hashlib.sha256(b64decode(png)).hexdigest()
            if digest not in figures:
                raise SiteError(f"{path}: cell {i}: its image is none of the committed figures "
                                "(the notebook and figures/ disagree: run make figures)")
            out.setdefault("metadata", {})["site_figure"] = figures[digest]
    exporter = HTMLExporter(template_name="site-notebook", extra_template_basedirs=[str(TEMPLATES / "nbconvert")],
                            exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb)
    first = next((c.source for c in nb.cells if c.cell_type == "markdown"), path.stem)
    title = re.sub(r"^#+\s*", "", first.splitlines()[0]).strip()
    text = " ".join(c.source for c in nb.cells if c.cell_type == "markdown")
    return title, Markup(body), text


# --- the build ----------------------------------------------------------------------------


@dataclass
class Site:
    """What the templates share: the record, the rules' tables, and where things are."""

    case: Case
    root: Path
    env: Environment
    out: Path
    pages: list[str] = field(default_factory=list)
    search: list[dict] = field(default_factory=list)

    def write(self, page: str, template: str, **context: object) -> None:
        """Render ``template`` to ``page`` (a path inside the site) with links relative to it."""
        names = dict(zip(self.case.victims["victim_id"], self.case.victims["name"]))
        urls = dict(zip(self.case.sources["source_id"], self.case.sources["url"]))
        link = Linker(page, names, urls)
        depth = page.count("/")
        html_text = self.env.get_template(template).render(
            link=link, root="../" * depth, page=page, **context)
        target = self.out / page
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html_text, encoding="utf-8")
        self.pages.append(page)

    def index(self, title: str, url: str, *texts: object) -> None:
        """Add an entry to the offline search index: its title, address and words."""
        words = " ".join(str(t) for t in texts if not _missing(t) and not isinstance(t, pd.Timestamp))
        self.search.append({"t": title, "u": url, "x": re.sub(r"\s+", " ", words)})


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["when"] = lambda row, a="date_earliest", b="date_latest": display_interval(row[a], row[b])
    env.filters["day"] = lambda ts: "" if _missing(ts) else f"{ts.day} {ts:%B %Y}"
    env.filters["kind"] = kind_label
    env.filters["words"] = words
    env.filters["missing"] = _missing
    env.tests["missing"] = _missing
    env.globals["label"] = label
    return env


def _readme_section(readme: str, heading: str) -> Markup:
    """The Markdown under ``## heading`` in the README, as HTML (so the site and README agree)."""
    from nbconvert.filters import markdown2html

    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", readme, flags=re.M | re.S)
    if not match:
        raise SiteError(f"README.md: no section '## {heading}' (the home page reuses it)")
    return Markup(markdown2html(match.group(1).strip()))


def _paragraph(readme: str, starts: str) -> Markup:
    from nbconvert.filters import markdown2html

    para = next((p for p in readme.split("\n\n") if p.startswith(starts)), None)
    if para is None:
        raise SiteError(f"README.md: no paragraph starting {starts!r} (the home page reuses it)")
    return Markup(markdown2html(para))


def build_site(root: str | Path = ".", out: str | Path = "site") -> int:
    """Build the whole site from ``root``'s data/, figures/ and notebooks/ into ``out``; return the page count.

    Raises DataError (invalid data), DataMissing, or SiteError (committed outputs disagree).
    """
    root, out = Path(root), Path(out)
    case = load_case(root / "data")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        site = Site(case=case, root=root, env=_environment(), out=tmp)
        with reading(root / "figures"):  # a batch publishing meanwhile is waited for: one consistent set
            _build(site)
        replace_dir(tmp, out)  # the old site or the new one at ``out``, whatever happens
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return len(site.pages)


def _build(site: Site) -> None:
    """Write every page and file of the site into ``site.out``."""
    _copy_files(site)
    notebooks = _notebooks(site)
    _tables(site)
    _opportunities(site)
    _victims(site)
    _chronology_and_timeline(site)
    _figures(site)
    site.write("search.html", "search.html")
    (site.out / "search-index.js").write_text(
        "window.SEARCH_INDEX = " + json.dumps(site.search, ensure_ascii=False) + ";\n", encoding="utf-8")
    _home(site, notebooks)


def _copy_files(site: Site) -> None:
    """Style sheets, scripts and TimelineJS; the data package; the committed figures; the
    corrections log and citation file that the home page links to."""
    shutil.copytree(STATIC, site.out / "assets")
    for name in ("CHANGES.md", "CITATION.cff"):
        if (site.root / name).exists():
            shutil.copy2(site.root / name, site.out / name)
    (site.out / "assets" / "pygments.css").write_text(_pygments_css(), encoding="utf-8")
    shutil.copytree(site.root / "data", site.out / "data", ignore=shutil.ignore_patterns(".*"))
    (site.out / "figures").mkdir()
    for f in sorted((site.root / "figures").iterdir()):
        if f.suffix in (".png", ".svg", ".txt", ".json"):
            shutil.copy2(f, site.out / "figures" / f.name)


def _notebooks(site: Site) -> list[dict]:
    """One page per committed executed notebook (and the .ipynb beside it)."""
    alt = _figure_for_png(site.root / "figures")
    notebooks = []
    for nb in sorted((site.root / "notebooks").glob("*.ipynb")):
        title, body, text = notebook_page(nb, alt)
        page = f"notebooks/{nb.stem}.html"
        site.write(page, "notebook.html", title=title, body=body, ipynb=nb.name)
        (site.out / "notebooks" / nb.name).write_bytes(nb.read_bytes())
        site.index(f"Notebook: {title}", page, title, text)
        notebooks.append({"page": page, "title": title, "file": nb.name})
    return notebooks


def _tables(site: Site) -> None:
    """One page per table: every row, every column, each row addressable by its id."""
    schema = read_tables(site.root / "data")
    for name in TABLES:
        frame, spec = getattr(site.case, name), schema[name]
        if name in GRADED_TABLES:  # what each row stands on, by the library's one rule
            frame = with_grades(site.case, name).rename(columns={"grade": "evidence_grade"})
        site.write(f"record/{name}.html", "table.html", name=name, spec=spec, frame=frame,
                   columns=list(frame.columns), key=spec.primary_key)
        for row in frame.to_dict("records"):
            rid = row[spec.primary_key]
            url = f"opportunities/{rid}.html" if name == "opportunities" else f"record/{name}.html#{rid}"
            site.index(f"{SINGULAR.get(name, name)} {rid}", url, *row.values())


def _opportunities(site: Site) -> None:
    """One page per missed opportunity, from its row and its rows of the gap table (both bases)."""
    case = site.case
    gaps, gaps_found = gap_table(case), gap_table(case, basis="found")
    opportunity_grades = evidence_grades(case)
    own_columns = set(case.opportunities.columns)
    sources = case.sources.set_index("source_id")
    for row in case.opportunities.to_dict("records"):
        oid = row["opportunity_id"]
        gap = gaps.loc[gaps["opportunity_id"] == oid].iloc[0].to_dict()
        found = gaps_found.loc[gaps_found["opportunity_id"] == oid].iloc[0].to_dict()
        naming = case.findings[case.findings["opportunity_ids"].map(lambda ids, o=oid: o in ids)]
        site.write(f"opportunities/{oid}.html", "opportunity.html", row=row, gap=gap, found=found,
                   extra={k: v for k, v in gap.items() if k not in own_columns},
                   extra_found={k: v for k, v in found.items() if k not in own_columns},
                   findings=naming, sources=sources.loc[row["source_ids"]].reset_index(),
                   grade=opportunity_grades[oid],
                   victim_name=case.victim_name(row["investigation"]))
    site.write("opportunities/index.html", "opportunities.html", gaps=gaps,
               opps=case.opportunities.set_index("opportunity_id"))


def _victims(site: Site) -> None:
    """One page per victim: his chronology, the opportunities in his investigation, the findings."""
    case = site.case
    gaps = gap_table(case)
    view = deaths_view(case).set_index("victim_id")
    sources = case.sources.set_index("source_id")
    for v in case.victims.to_dict("records"):
        vid = v["victim_id"]
        events = case.events[case.events["victim_id"] == vid].sort_values(["date_earliest", "date_latest"], kind="stable")
        findings = case.findings[case.findings["victim_id"] == vid].sort_values("date", kind="stable")
        site.write(f"victims/{vid}.html", "victim.html", v=v, events=events, gaps=gaps[gaps["investigation"] == vid],
                   opps=case.opportunities.set_index("opportunity_id"), findings=findings,
                   sources=sources.loc[v["source_ids"]].reset_index(),
                   before=view.loc[vid].to_dict() if vid in view.index else None)
    site.write("victims/index.html", "victims.html", victims=case.victims)


def _chronology_and_timeline(site: Site) -> None:
    """Every event as a table, and as TimelineJS slides (the export, also offered as timeline.json)."""
    events = site.case.events.sort_values(["date_earliest", "date_latest"], kind="stable")
    site.write("chronology.html", "chronology.html", events=events)
    data = timeline(site.case)
    (site.out / "timeline.json").write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    # A script, not a fetch of timeline.json: browsers refuse fetch() from file:// pages.
    (site.out / "timeline-data.js").write_text(
        "window.TIMELINE_DATA = " + json.dumps(data, ensure_ascii=False) + ";\n", encoding="utf-8")
    site.write("timeline.html", "timeline.html", n_events=len(data["events"]))


def _figures(site: Site) -> None:
    """Every committed figure with its alt text, including those of runs whose notebook is not published."""
    figures = []
    for png in sorted((site.root / "figures").glob("*.png")):
        alt = png.with_suffix(".alt.txt").read_text(encoding="utf-8").strip()
        figures.append({"name": png.stem, "alt": alt})
    site.write("figures.html", "figures.html", figures=figures)


def _home(site: Site, notebooks: list[dict]) -> None:
    """The home page: the README's introduction, headline numbers, licences, corrections and ethics."""
    from nbconvert.filters import markdown2html

    from analysis.docs import headline

    readme = (site.root / "README.md").read_text(encoding="utf-8")
    schema = read_tables(site.root / "data")
    site.write("index.html", "index.html", headline=Markup(markdown2html(headline(site.root / "data"))),
               intro=Markup(markdown2html("\n\n".join(readme.split("\n\n")[1:3]))),
               licences=_readme_section(readme, "Licences and citation"),
               correct=_paragraph(readme, "**To add or correct a fact:**"),
               ethics=_readme_section(readme, "Anonymity and ethics"),
               notebooks=notebooks, tables=[(n, schema[n]) for n in TABLES],
               counts={n: len(getattr(site.case, n)) for n in TABLES}, version=_version())


def _version() -> str:
    try:
        return version("port-inquests-analysis")
    except PackageNotFoundError:
        return "unknown"


def _pygments_css() -> str:
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(style="default").get_style_defs(".highlight")

