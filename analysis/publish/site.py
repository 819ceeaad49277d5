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
from typing import Any

import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from analysis.atomic import replace_dir
from analysis.batch.lock import reading
from analysis.citation import Record, built_from, cite_as, record
from analysis.evidence import GRADED_TABLES, grades, with_grades
from analysis.gaps import deaths_view, gap_table
from analysis.labels import Labels, as_list
from analysis.load import Case, each_row, load_case
from analysis.plots import BODY_LABELS, number_words
from analysis.publish import reader
from analysis.publish.db import fts_columns
from analysis.publish.rowpages import install as install_row_lookups
from analysis.publish.rowpages import write_pages as write_row_pages
from analysis.publish.timelinejs import display_interval, kind_label, timeline
from analysis.schema import read_descriptor, read_tables

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
TABLES = ("victims", "events", "opportunities", "findings", "sources")
SINGULAR = {
    "victims": "Victim",
    "events": "Event",
    "opportunities": "Missed opportunity",
    "findings": "Finding",
    "sources": "Source",
}

#: Words for column names where the name alone is terse; any other column is shown by its name.
LABELS = {
    "date_earliest": "Earliest date",
    "date_latest": "Latest date",
    "identified_by": "Identified by",
    "next_death": "Next death (id)",
    "next_death_name": "Next death",
    "next_earliest": "Next death: earliest day",
    "next_latest": "Next death: latest day",
    "gap_days_min": "Gap: fewest days",
    "gap_days_max": "Gap: most days",
    "gap_days_mid": "Gap: middle of the range (days)",
    "deaths_while_open": "Other deaths while it stood open (possibly)",
    "days_open_min": "Days it stood open: fewest",
    "days_open_max": "Days it stood open: most",
    "open_until_earliest": "Closed: earliest day",
    "open_until_latest": "Closed: latest day",
    "would_have": "What it would have changed",
    "source_ids": "Sources",
    "opportunity_ids": "Missed opportunities named",
    "victim_id": "Concerning",
    "investigation": "Investigation",
    "died_earliest": "Died: earliest day",
    "died_latest": "Died: latest day",
    "found_date": "Body found",
    "found_place": "Where found",
    "classified_at_time": "Classified at the time as",
    "home_town": "Home town",
}


#: Words for the codes of ``identified_by`` (the figures' own labels) and of ``findings.body``;
#: any other code is shown capitalised. A case's ``labels`` (datapackage.json) take precedence.
WORDS = {
    **BODY_LABELS,
    "inquest_jury": "Inquest jury",
    "mopac": "MOPAC",
    "high_court": "High Court",
    "crown_court": "Crown Court",
    "original_inquest": "Original inquests",
}


def words(code: str, case_labels: dict[str, str] | None = None) -> str:
    """Reader's words for a code of the record: the case's own ``labels``, :data:`WORDS`, else ``kind_label``."""
    return (case_labels or {}).get(code) or WORDS.get(code, kind_label(code))


def label(column: str, series_end: str = "the final arrest") -> str:
    """Reader's words for a column: :data:`LABELS` (``{series_end}`` filled in) or the name with spaces."""
    return LABELS.get(column, column.replace("_", " ").capitalize()).replace("{series_end}", series_end)


def evidence_grades(case: Case) -> dict[str, str]:
    """The evidence grade of each missed opportunity (id -> ``primary``/``corroborated``/``single``),
    from the one rule in :func:`analysis.evidence.grades`."""
    return {str(k): str(v) for k, v in grades(case, "opportunities").items()}


# --- values as HTML -----------------------------------------------------------------------


def _missing(value: Any) -> bool:
    if isinstance(value, list):
        return not value
    if value is None or value is pd.NaT:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def coded_columns(data_dir: Path) -> dict[str, dict[str, bool]]:
    """Per column name, the tables in which it holds codes (a vocabulary or an enum), each with
    whether the codes have labels of their own (a vocabulary) rather than only values (an enum)."""
    out: dict[str, dict[str, bool]] = {}
    for table in read_tables(data_dir).values():
        for f in table.fields:
            if f.vocabulary or f.enum:
                out.setdefault(f.name, {})[table.name] = bool(f.vocabulary)
    return out


#: Columns holding official credits (``body`` or ``body:strength``), shown as
#: "Inquest jury (general finding), Met Police".
CREDIT_COLUMNS = ("identified_by", "official_credits")


@dataclass
class Linker:
    """Turns a record value into HTML with links, relative to the page being written; with
    ``labels``, codes become the reader's words (names, credits, vocabulary labels)."""

    page: str  # the page's path inside the site, e.g. "opportunities/ID.html"
    names: dict[str, str] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)
    copies: set[str] = field(default_factory=set)  # sources known only as a copy (read_at == url)
    labels: Labels | None = None
    coded: dict[str, dict[str, bool]] = field(default_factory=dict)  # from :func:`coded_columns`

    def href(self, target: str) -> str:
        """Relative address of ``target`` (a site path, optionally with #fragment) from this page."""
        path, _, frag = target.partition("#")
        rel = posixpath.relpath(path, posixpath.dirname(self.page) or ".")
        return rel + (f"#{frag}" if frag else "")

    def a(self, target: str, text: str) -> Markup:
        return Markup('<a href="{}">{}</a>').format(self.href(target), text)

    def source(self, sid: str) -> Markup:
        if sid in self.copies:
            return Markup('<a href="{}">{}</a> <span class="copy">(a copy)</span>').format(self.urls[sid], sid)
        return Markup('<a href="{}">{}</a>').format(self.urls[sid], sid)

    def victim(self, vid: str) -> Markup:
        return self.a(f"victims/{vid}.html", self.names.get(vid, vid))

    def words(self, column: str, value: Any, table: str | None = None) -> str | None:
        """``value`` of ``column`` in words, if it is a code the labels know; else None.

        Victim ids (alone or in a ``;``-list) become names ("Testcase, Placeholder and Exemplar"),
        credits "Inquest jury (general finding), Met Police", a vocabulary's codes their labels
        and an enum's codes their words. ``table`` says whose column it is; without it a column
        name that holds codes in one table only is read as that table's.
        """
        if self.labels is None or not isinstance(value, (str, list)):
            return None
        items = as_list(value)
        if len(items) > 1 and all(i in self.names for i in items):
            return self.labels.names(items)
        if column in CREDIT_COLUMNS:
            return self.labels.credits(items)
        tables = self.coded.get(column, {})
        if table is None and len(tables) == 1:
            table = next(iter(tables))
        if table not in tables:
            return None
        if tables[table]:
            return self.labels.terms(table, column, items)
        return ", ".join(kind_label(i) for i in items)

    def value(self, column: str, value: Any, table: str | None = None) -> Markup:
        """One cell: ids become links, codes words (see :meth:`words`), dates ISO, lists joined;
        everything escaped. ``table`` names the table the column belongs to, if known."""
        if _missing(value):
            return Markup("")
        if isinstance(value, str) and value in self.names:  # a victim id, in any column
            return self.victim(value)
        if column == "source_ids":
            return Markup(", ").join(self.source(s) for s in value)
        if column == "opportunity_ids":
            return Markup(", ").join(self.a(f"opportunities/{o}.html", o) for o in value)
        if column == "opportunity_id":
            return self.a(f"opportunities/{value}.html", value)
        if column in ("event_id", "finding_id"):
            return self.a(f"{column.removesuffix('_id')}s/{value}.html", value)
        if column == "url":
            if value in {self.urls.get(s) for s in self.copies}:
                return Markup('<span class="copy">only a copy was found:</span> <a href="{}">{}</a>').format(
                    value, value
                )
            return Markup('<a href="{}">{}</a>').format(value, value)
        if isinstance(value, pd.Timestamp):
            return Markup('<time datetime="{0}">{0}</time>').format(f"{value:%Y-%m-%d}")
        said = self.words(column, value, table)
        if said is not None:
            return Markup.escape(said)
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
            "name": png.stem,
            "alt": alt.read_text(encoding="utf-8").strip(),
        }
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
                raise SiteError(
                    f"{path}: cell {i}: its image is none of the committed figures "
                    "(the notebook and figures/ disagree: run make figures)"
                )
            out.setdefault("metadata", {})["site_figure"] = figures[digest]
    exporter = HTMLExporter(
        template_name="site-notebook",
        extra_template_basedirs=[str(TEMPLATES / "nbconvert")],
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
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
    #: The data package, the figures and the executed notebooks the site is built from (the
    #: notebooks are left out when None).
    data_dir: Path = Path("data")
    figures_dir: Path = Path("figures")
    notebooks_dir: Path | None = None
    pages: list[str] = field(default_factory=list)
    search: list[dict] = field(default_factory=list)
    #: Terms linked wherever a page uses them: term -> (target inside the site, its expansion).
    terms: dict[str, tuple[str, str]] = field(default_factory=dict)

    def write(self, page: str, template: str, **context: object) -> None:
        """Render ``template`` to ``page`` (a path inside the site) with links relative to it."""
        names = dict(zip(self.case.victims["victim_id"], self.case.victims["name"]))
        urls = dict(zip(self.case.sources["source_id"], self.case.sources["url"]))
        copies = (
            set(self.case.sources.loc[self.case.sources["read_at"] == self.case.sources["url"], "source_id"])
            if "read_at" in self.case.sources
            else set()
        )
        labels, coded = self.env.globals.get("labels"), self.env.globals.get("coded")  # set by _environment
        link = Linker(
            page,
            names,
            urls,
            copies,
            labels if isinstance(labels, Labels) else None,
            coded if isinstance(coded, dict) else {},
        )
        depth = page.count("/")
        html_text = self.env.get_template(template).render(link=link, root="../" * depth, page=page, **context)
        own = {k: ("../" * depth + v[0], v[1]) for k, v in self.terms.items() if v[0].partition("#")[0] != page}
        html_text = reader.link_terms(html_text, own)
        target = self.out / page
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html_text, encoding="utf-8")
        self.pages.append(page)

    def index(self, title: str, url: str, *texts: object, keys: tuple = ()) -> None:
        """Add an entry to the offline search index: its title, address and words (shown in a result),
        and ``keys`` (ids and codes: found by a search, never shown)."""

        def words(values: tuple) -> str:
            return " ".join(reader.plain(t) for t in values if not _missing(t) and not isinstance(t, pd.Timestamp))

        entry = {"t": title, "u": url, "x": words(texts)}
        if keys:
            entry["k"] = words(keys)
        self.search.append(entry)


def _environment(case: Case | None = None) -> Environment:
    info = case.info if case is not None else None
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = lambda row, a="date_earliest", b="date_latest": display_interval(row[a], row[b])
    env.filters["day"] = lambda ts: "" if _missing(ts) else f"{ts.day} {ts:%B %Y}"
    env.filters["kind"] = kind_label
    env.filters["words"] = lambda code: words(code, info.labels if info else None)
    env.filters["missing"] = _missing
    env.tests["missing"] = _missing
    env.globals["label"] = lambda column: label(column, info.series_end_label if info else "the final arrest")
    env.globals["case"] = info
    if case is not None:
        labels = Labels(case)
        env.globals["labels"] = labels  # the record's codes in words (analysis.labels), for every page
        env.globals["coded"] = coded_columns(case.data_dir)
        env.globals["n_investigations"] = number_words(len(case.investigations))
        env.globals["example_ids"] = [*case.opportunities["opportunity_id"][:1], *case.events["event_id"][2:3]]
    return env


def _readme_section(readme: str, heading: str) -> Markup:
    """The Markdown under ``## heading`` in the README, as HTML (so the site and README agree)."""
    from nbconvert.filters import markdown2html

    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", readme, flags=re.M | re.S)
    if not match:
        raise SiteError(f"README.md: no section '## {heading}' (the home page reuses it)")
    return Markup(markdown2html(match.group(1).strip()))


def build_site(root: str | Path = ".", out: str | Path = "site", data: str | Path | None = None) -> int:
    """Build the whole site from ``root``'s data/, figures/ and notebooks/ into ``out``; return the page count.

    ``data`` builds it for another data package (another case): its figures are then drawn by the
    library into the site, and no notebook page is written (the notebooks were run on ``root``'s data).
    Raises DataError (invalid data), DataMissing, or SiteError (committed outputs disagree).
    """
    root, out = Path(root), Path(out)
    own = data is None or Path(data).resolve() == (root / "data").resolve()
    data_dir = root / "data" if data is None else Path(data)
    case = load_case(data_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        site = Site(
            case=case,
            root=root,
            env=_environment(case),
            out=tmp,
            data_dir=data_dir,
            figures_dir=root / "figures" if own else tmp / "figures",
            notebooks_dir=root / "notebooks" if own else None,
        )
        if not own:
            _draw_figures(case, site.figures_dir)
        _record_globals(site)
        with reading(root / "figures"):  # a batch publishing meanwhile is waited for: one consistent set
            _build(site)
        replace_dir(tmp, out)  # the old site or the new one at ``out``, whatever happens
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return len(site.pages)


def _draw_figures(case: Case, folder: Path) -> None:
    """Every figure of :data:`analysis.plots.FIGURES`, drawn from ``case`` into ``folder``."""
    from analysis.plots import FIGURES
    from analysis.save import save_figure

    for name, draw in FIGURES.items():
        save_figure(draw(case), name, folder)


def _build(site: Site) -> None:
    """Write every page and file of the site into ``site.out``."""
    _copy_files(site)
    install_row_lookups(site)  # each field's basis, sources' links, credits: globals of every template
    notebooks = _notebooks(site)
    _tables(site)
    _opportunities(site)
    _victims(site)
    write_row_pages(site)  # one page per event and per finding
    _chronology_and_timeline(site)
    _figures(site)
    reader_pages(site)
    site.write("search.html", "search.html")
    (site.out / "search-index.js").write_text(
        "window.SEARCH_INDEX = " + json.dumps(site.search, ensure_ascii=False) + ";\n", encoding="utf-8"
    )
    _home(site, notebooks)


def _copy_files(site: Site) -> None:
    """Style sheets, scripts and TimelineJS; the data package; the committed figures; the
    corrections log and citation file that the home page links to."""
    shutil.copytree(STATIC, site.out / "assets")
    for name in ("CHANGES.md", "CITATION.cff") if site.notebooks_dir is not None else ():  # the project's own case only
        if (site.root / name).exists():
            shutil.copy2(site.root / name, site.out / name)
    (site.out / "assets" / "pygments.css").write_text(_pygments_css(), encoding="utf-8")
    shutil.copytree(site.data_dir, site.out / "data", ignore=shutil.ignore_patterns(".*"))
    if site.figures_dir == site.out / "figures":
        return  # drawn there already
    (site.out / "figures").mkdir()
    for f in sorted(site.figures_dir.iterdir()):
        if f.suffix in (".png", ".svg", ".txt", ".json"):
            shutil.copy2(f, site.out / "figures" / f.name)


def _notebooks(site: Site) -> list[dict]:
    """One page per committed executed notebook (and the .ipynb beside it)."""
    if site.notebooks_dir is None:
        return []
    alt = _figure_for_png(site.figures_dir)
    notebooks = []
    for nb in sorted(site.notebooks_dir.glob("*.ipynb")):
        title, body, text = notebook_page(nb, alt)
        page = f"notebooks/{nb.stem}.html"
        declared, injected = reader.notebook_parameters(nb)
        site.write(
            page,
            "notebook.html",
            title=title,
            body=body,
            ipynb=nb.name,
            declared=declared,
            injected=injected,
            example=_rerun_example(nb.name, declared),
        )
        (site.out / "notebooks" / nb.name).write_bytes(nb.read_bytes())
        site.index(f"Notebook: {title}", page, title, text)
        notebooks.append({"page": page, "title": title, "file": nb.name})
    return notebooks


def _rerun_example(name: str, declared: list[tuple[str, str, str]]) -> str:
    """A papermill command that re-runs notebook ``name`` with its first parameter changed, writing
    under build/ (never over the committed notebook or figures)."""
    stem = Path(name).stem
    command = f".venv/bin/papermill notebooks/{name} build/{stem}-rerun.ipynb -p figures_dir ../build/figures"
    other = next(
        ((n, v) for n, v, _ in declared if n not in ("data_dir", "figures_dir") and not n.endswith("_figure")), None
    )
    if other:
        command += f" -p {other[0]} VALUE"
    return command


def _tables(site: Site) -> None:
    """One page per table: every row, every column, each row addressable by its id."""
    schema = read_tables(site.data_dir)
    for name in TABLES:
        frame, spec = getattr(site.case, name), schema[name]
        if name in GRADED_TABLES:  # what each row stands on, by the library's one rule
            frame = with_grades(site.case, name).rename(columns={"grade": "evidence_grade"})
        site.write(
            f"record/{name}.html",
            "table.html",
            name=name,
            spec=spec,
            frame=frame,
            columns=list(frame.columns),
            key=spec.primary_key,
        )
        for row in frame.to_dict("records"):
            rid = row[spec.primary_key]
            url = f"opportunities/{rid}.html" if name == "opportunities" else f"record/{name}.html#{rid}"
            free = fts_columns(spec)  # the sentences a result shows; ids and codes are only searched
            site.index(
                f"{SINGULAR.get(name, name)} {rid}",
                url,
                *(row[c] for c in free if c in row),
                keys=tuple(v for c, v in row.items() if c not in free),
            )


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
        site.write(
            f"opportunities/{oid}.html",
            "opportunity.html",
            row=row,
            gap=gap,
            found=found,
            extra={k: v for k, v in gap.items() if k not in own_columns},
            extra_found={k: v for k, v in found.items() if k not in own_columns},
            findings=naming,
            sources=sources.loc[row["source_ids"]].reset_index(),
            grade=opportunity_grades[oid],
            victim_name=case.victim_name(row["investigation"]),
        )
    site.write(
        "opportunities/index.html", "opportunities.html", gaps=gaps, opps=case.opportunities.set_index("opportunity_id")
    )


def _victims(site: Site) -> None:
    """One page per victim: his chronology, the opportunities in his investigation, the findings."""
    case = site.case
    gaps = gap_table(case)
    view = deaths_view(case).set_index("victim_id")
    sources = case.sources.set_index("source_id")
    for v in case.victims.to_dict("records"):
        vid = v["victim_id"]
        events = case.events[case.events["victim_id"] == vid].sort_values(
            ["date_earliest", "date_latest"], kind="stable"
        )
        findings = case.findings[case.findings["victim_id"] == vid].sort_values("date", kind="stable")
        site.write(
            f"victims/{vid}.html",
            "victim.html",
            v=v,
            events=events,
            gaps=gaps[gaps["investigation"] == vid],
            opps=case.opportunities.set_index("opportunity_id"),
            findings=findings,
            sources=sources.loc[v["source_ids"]].reset_index(),
            before=view.loc[vid].to_dict() if vid in view.index else None,
        )
    site.write("victims/index.html", "victims.html", victims=case.victims)


def _chronology_and_timeline(site: Site) -> None:
    """Every event as a table, and as TimelineJS slides (the export, also offered as timeline.json)."""
    events = site.case.events.sort_values(["date_earliest", "date_latest"], kind="stable")
    site.write("chronology.html", "chronology.html", events=events)
    data = timeline(site.case)
    (site.out / "timeline.json").write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    # A script, not a fetch of timeline.json: browsers refuse fetch() from file:// pages.
    (site.out / "timeline-data.js").write_text(
        "window.TIMELINE_DATA = " + json.dumps(data, ensure_ascii=False) + ";\n", encoding="utf-8"
    )
    site.write("timeline.html", "timeline.html", n_events=len(data["events"]))


def _figures(site: Site) -> None:
    """Every committed figure with its title, its alt text as a visible caption, the notebook that
    draws it and a credit line (including runs whose notebook is not published)."""
    site.write("figures.html", "figures.html", figures=reader.figures(site.figures_dir))


def _record_globals(site: Site) -> None:
    """What every page may show of the record's identity: its version (the data package's), the
    citation, the commit the site is built from, and the code's version labelled as such; and the
    terms every page links (the glossary's acronyms, the README)."""
    own = site.notebooks_dir is not None  # another case's site cites its own data package, not this project
    rec = record(site.root) if own else record(site.data_dir.parent, site.data_dir.name)
    commit = built_from(site.root)
    site.env.globals.update(
        record=rec, commit=commit, cite=cite_as(rec, commit), code_version=_version(), credit=_credit(rec, commit)
    )
    if not own:  # the project's glossary, definitions and README speak of its own case
        return
    site.terms = {
        term: (f"{reader.GLOSSARY}#{reader.slug(term)}", words) for term, words in reader.glossary(site.root).items()
    }
    if (site.root / "README.md").is_file():
        site.terms["README"] = ("readme.html", "The project's README, as a page of this site")
    if (site.root / "docs" / "definitions.md").is_file():  # the record's own terms, defined once
        for phrase, anchor in DEFINED.items():
            for spelled in (phrase, phrase.capitalize()):
                site.terms[spelled] = (f"{reader.DEFINITIONS}#{anchor}", f"What “{phrase}” means here")


#: Phrases of the record's own vocabulary, linked to their definition wherever a page uses them.
DEFINED = {
    "certainly before": "certainly-and-possibly-before-a-death",
    "possibly before": "certainly-and-possibly-before-a-death",
    "evidence grade": "evidence-grades-what-each-row-stands-on",
    "next death": "the-gap-to-the-next-death",
}


def _credit(rec: Record, commit: str) -> str:
    """The line a figure is credited with: the record's name, version and address (or commit)."""
    return f"Source: {cite_as(rec, commit)}. CC BY 4.0."


def reader_pages(site: Site) -> None:
    """The reference pages (every ``docs/*.md``: the definitions and the glossary at the site's top,
    the others under ``docs/``), and the README, CHANGES.md and CITATION.cff as pages. Another case's
    site has none of them: they are this project's own, and speak of its case."""
    if site.notebooks_dir is None:
        site.write("docs/index.html", "docs.html", docs=[])
        return
    sources = sorted((site.root / "docs").glob("*.md")) if (site.root / "docs").is_dir() else []
    listed = []
    for path in sources:
        source = f"docs/{path.name}"
        page = reader.site_link(source, "", "")
        text = path.read_text(encoding="utf-8")
        title = reader.title_of(text, path.stem)
        body = reader.markdown(text, lambda h, s=source, p=page: reader.site_link(h, s, p))
        if path.name == "glossary.md":  # each term addressable: glossary.html#pnc
            body = Markup(
                re.sub(
                    r"<li><strong>([A-Za-z&]+)</strong>",
                    lambda m: f'<li id="{reader.slug(m.group(1))}"><strong>{m.group(1)}</strong>',
                    body,
                )
            )
        site.write(page, "doc.html", title=title, body=body, source=source)
        site.index(title, page, title, reader.plain(text))
        listed.append({"page": page, "title": title, "source": source})
    site.write("docs/index.html", "docs.html", docs=listed)
    for name, page in reader.TEXT_PAGES.items():
        path = site.root / name
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        if name.endswith(".md"):
            body = reader.markdown(text, lambda h, s=name, p=page: reader.site_link(h, s, p))
            title = reader.title_of(text, name)
        else:
            body = Markup('<pre class="file">{}</pre>').format(text)
            title = f"How to cite the record: {name}"
        site.write(
            page,
            "doc.html",
            title=title,
            body=body,
            source=name,
            download=name if (site.out / name).is_file() else None,
        )


def _home(site: Site, notebooks: list[dict]) -> None:
    """The home page, for readers: the answers a reporter comes for first (the jury's conclusions,
    how many missed opportunities came before each death), the picture that tells the story, where
    to go next, then every headline number, how to cite, corrections and the anonymity rules."""
    from nbconvert.filters import markdown2html

    from analysis.docs import headline

    readme = (site.root / "README.md").read_text(encoding="utf-8")
    schema = read_tables(site.data_dir)
    case = site.case
    jury = case.findings[
        (case.findings["body"] == "inquest_jury") & case.findings["kind"].isin(["conclusion", "contribution"])
    ].sort_values(["kind", "date"], kind="stable")
    gaps = gap_table(case)
    per_investigation = [
        {"victim_id": v.victim_id, "name": v.name, "n": int((gaps["investigation"] == v.victim_id).sum())}
        for v in each_row(case.victims)
    ]
    story = next((f for f in reader.figures(site.figures_dir) if f.name == "open-windows"), None)
    if site.notebooks_dir is not None:
        intro = None
        ethics, licences = _readme_section(readme, "Anonymity and ethics"), _readme_section(readme, "Licences")
    else:  # another case: the README speaks of the project's own, so its own descriptor speaks here
        intro, licences, _, ethics = _other_case_home(site.data_dir)
    site.write(
        "index.html",
        "index.html",
        headline=Markup(markdown2html(headline(site.data_dir))),
        conclusions=jury[jury["kind"] == "conclusion"],
        contributions=jury[jury["kind"] == "contribution"],
        before=deaths_view(case),
        per_investigation=per_investigation,
        story=story,
        intro=intro,
        ethics=ethics,
        licences=licences,
        notebooks=notebooks,
        tables=[(n, schema[n]) for n in TABLES],
        counts={n: len(getattr(site.case, n)) for n in TABLES},
    )


def _other_case_home(data_dir: Path) -> tuple[Markup, Markup, Markup, Markup]:
    """The home page's introduction, licences, corrections and ethics for a case other than the
    project's own, from its descriptor and the rules every record here follows."""
    descriptor = read_descriptor(data_dir)
    licence = (descriptor.get("licenses") or [{}])[0]
    intro = Markup("<p>{}</p>").format(descriptor.get("description", ""))
    licences = Markup("<p>Data: {} (see <code>data/datapackage.json</code>). Code: MIT.</p>").format(
        licence.get("title") or licence.get("name") or "see the data package"
    )
    ethics = Markup(
        "<p>Every row cites public sources. Surviving victims of sexual offences are never named or "
        "identified; officers, witnesses and relatives appear by role, never by name.</p>"
    )
    return intro, licences, Markup(""), ethics


def _version() -> str:
    """The code package's version (the library's, not the record's)."""
    try:
        return version("port-inquests-analysis")
    except PackageNotFoundError:
        return "unknown"


def _pygments_css() -> str:
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(style="default").get_style_defs(".highlight")
