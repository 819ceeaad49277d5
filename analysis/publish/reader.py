"""The site's pages for readers beyond the record's rows: the home page's answers, the definitions,
the glossary and the other reference pages (``docs/*.md``), the README, ``CHANGES.md`` and
``CITATION.cff`` as pages, the figures with their titles, captions and credit, each notebook's
parameters, acronyms linked to the glossary, and search text in plain words.

Kept apart from :mod:`analysis.publish.site` (the build) so each can change without the other;
the build calls :func:`write_reader_pages`, :func:`link_terms` and the helpers below.
"""

from __future__ import annotations

import html
import json
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup

#: Markdown files shown as pages, and where: the front door and the two files a citation names.
TEXT_PAGES = {"README.md": "readme.html", "CHANGES.md": "changes.html", "CITATION.cff": "citation.html"}
#: The two reference pages a reader needs most, also at the site's top level.
DEFINITIONS, GLOSSARY = "definitions.html", "glossary.html"

#: Elements whose text is never turned into a link: links, code, headings, form controls, scripts.
_NO_LINKS = {
    "a",
    "code",
    "pre",
    "script",
    "style",
    "title",
    "textarea",
    "button",
    "label",
    "summary",
    "option",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
}
_GLOSSARY_LINE = re.compile(r"^- \*\*([A-Z][A-Za-z&]+)\*\*:\s*(.+)$", re.M)


# --- Markdown as pages ---------------------------------------------------------------------


def slug(text: str) -> str:
    """A heading's anchor: lower case, words joined by ``-``.

    >>> slug("Certainly and possibly before a death")
    'certainly-and-possibly-before-a-death'
    """
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def site_link(href: str, source: str, page: str) -> str:
    """Where a link written in the project file ``source`` goes from the site page ``page``: the
    README, CHANGES.md, CITATION.cff and the definitions and glossary are pages at the site's top,
    any other ``docs/*.md`` is ``docs/NAME.html``, a data file stays where the site copies it;
    addresses and anchors are kept.

    >>> site_link("../CHANGES.md", "docs/cli.md", "docs/cli.html"), site_link("docs/glossary.md#pnc", "README.md", "readme.html")
    ('../changes.html', 'glossary.html#pnc')
    >>> site_link("cli.md", "docs/record.md", "docs/record.html"), site_link("../data/sources.csv", "docs/record.md", "definitions.html")
    ('cli.html', 'data/sources.csv')
    """
    if re.match(r"^[a-z]+:", href) or href.startswith("#"):
        return href
    path, _, frag = href.partition("#")
    target = posixpath.normpath(posixpath.join(posixpath.dirname(source), path))
    name = posixpath.basename(target)
    if name in TEXT_PAGES:
        target = TEXT_PAGES[name]
    elif target in ("docs/definitions.md", "docs/glossary.md"):
        target = name[:-3] + ".html"
    elif target.endswith(".md"):
        target = target[:-3] + ".html"
    return posixpath.relpath(target, posixpath.dirname(page) or ".") + (f"#{frag}" if frag else "")


def markdown(text: str, rewrite=None) -> Markup:
    """Markdown as HTML (nbconvert's renderer, which the notebooks' pages use): headings get
    :func:`slug` anchors without the permanent pilcrow, links are passed through ``rewrite``."""
    from nbconvert.filters import markdown2html

    body = markdown2html(text)
    body = re.sub(r'<a class="anchor-link" href="#[^"]*">&#182;</a>', "", body)
    body = re.sub(
        r'(<h[1-6] id=")([^"]*)(")',
        lambda m: m.group(1) + slug(html.unescape(m.group(2)).replace("-", " ")) + m.group(3),
        body,
    )
    # wide tables scroll inside their own box, as the site's other tables do (and say so to a screen reader)
    body = body.replace(
        "<table>", '<div class="scroll" tabindex="0" role="region" aria-label="Table (scrolls sideways)"><table>'
    )
    body = body.replace("</table>", "</table></div>")
    # a code block too wide for the page scrolls, so a keyboard must be able to reach it
    body = body.replace("<pre>", '<pre tabindex="0">')
    if rewrite is not None:
        body = re.sub(
            r'(<a href=")([^"]*)(")',
            lambda m: m.group(1) + html.escape(rewrite(html.unescape(m.group(2)))) + m.group(3),
            body,
        )
    return Markup(body)


def title_of(text: str, default: str) -> str:
    """The first ``# heading`` of a Markdown text."""
    match = re.search(r"^# (.+)$", text, re.M)
    return match.group(1).strip() if match else default


# --- terms linked to the glossary --------------------------------------------------------------


def glossary(root: Path) -> dict[str, str]:
    """Each acronym of ``docs/glossary.md`` and its expansion (the words before the first full stop
    or colon of its line)."""
    path = root / "docs" / "glossary.md"
    if not path.is_file():
        return {}
    return {
        term: re.split(r"[.:,(]", line, maxsplit=1)[0].strip()
        for term, line in _GLOSSARY_LINE.findall(path.read_text(encoding="utf-8"))
    }


def link_terms(page_html: str, targets: dict[str, tuple[str, str]]) -> str:
    """``page_html`` with each whole-word use of a term in ``targets`` (term -> (href, title)) inside
    ``<main>`` made a link, except in links, code, headings' scripts and the like."""
    if not targets or "<main" not in page_html:
        return page_html
    head, _, rest = page_html.partition("<main")
    main, _, tail = rest.partition("</main>")
    pattern = re.compile(
        r"(?<![\w/#.-])(" + "|".join(map(re.escape, sorted(targets, key=len, reverse=True))) + r")(?![\w-])"
    )
    out: list[str] = []
    stack: list[str] = []  # open elements whose text gets no links
    for piece in re.split(r"(<[^>]+>)", main):
        if piece.startswith("<"):
            match = re.match(r"<(/?)([a-zA-Z0-9]+)", piece)
            if match and not piece.endswith("/>"):
                name = match.group(2).lower()
                if match.group(1):
                    if name in stack:
                        del stack[len(stack) - 1 - stack[::-1].index(name) :]
                elif name in _NO_LINKS:
                    stack.append(name)
            out.append(piece)
        elif stack or not piece.strip():
            out.append(piece)
        else:
            out.append(
                pattern.sub(
                    lambda m: (
                        f'<a class="term" href="{html.escape(targets[m.group(1)][0])}" title="{html.escape(targets[m.group(1)][1])}">{m.group(1)}</a>'
                    ),
                    piece,
                )
            )
    return head + "<main" + "".join(out) + "</main>" + tail


# --- plain words for the search index ------------------------------------------------------------


def plain(value: object) -> str:
    """A value as the words a search result shows: lists joined with commas, Markdown and HTML
    reduced to their text, spaces collapsed."""
    if isinstance(value, (list, tuple)):
        return ", ".join(plain(v) for v in value)
    text = str(value)
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links and images: their words
    text = re.sub(r"^#+\s*|[`*_]{1,3}(?=\S)|(?<=\S)[`*_]{1,3}", "", text, flags=re.M)
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


# --- figures and notebooks --------------------------------------------------------------------


@dataclass(frozen=True)
class FigureInfo:
    """A committed figure as a reader sees it."""

    name: str
    title: str
    alt: str
    notebook: str  # the notebook's stem that draws it, "" if unknown
    parameters: dict


def figure_title(svg: Path) -> str:
    """The figure's title as drawn: the bold 12-point text of its SVG (every figure's suptitle,
    ``analysis.plots``), its lines joined; "" if none is found."""
    if not svg.is_file():
        return ""
    lines = re.findall(
        r'<text style="font-weight: 700; font-size: 12px[^"]*"[^>]*>([^<]*)</text>', svg.read_text(encoding="utf-8")
    )
    return html.unescape(" ".join(line.strip() for line in lines))


def figures(folder: Path) -> list[FigureInfo]:
    """Every figure in ``folder`` (the committed ``figures/``, or those drawn for another case): its
    name, title (the manifest's ``title`` if it has one, else the one drawn), alt text, and the
    notebook and parameters of the run that drew it."""
    manifest = {}
    if (folder / "manifest.json").is_file():
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8")).get("figures", {})
    out = []
    for png in sorted(folder.glob("*.png")):
        entry = manifest.get(png.stem, {})
        alt = png.with_suffix(".alt.txt").read_text(encoding="utf-8").strip()
        out.append(
            FigureInfo(
                name=png.stem,
                title=entry.get("title") or figure_title(png.with_suffix(".svg")) or png.stem,
                alt=alt,
                notebook=Path(entry.get("notebook", "")).stem,
                parameters=dict(entry.get("parameters", {})),
            )
        )
    return out


def notebook_parameters(path: Path) -> tuple[list[tuple[str, str, str]], dict]:
    """The parameters cell of a notebook as (name, value, comment) lines, and the parameters
    papermill injected into the committed run (empty when the run kept the defaults)."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    declared = []
    for cell in nb.cells:
        if cell.cell_type == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            for line in cell.source.splitlines():
                match = re.match(r"^([A-Za-z_]\w*)\s*(?::[^=]+)?=\s*(.*?)\s*(?:#\s*(.*))?$", line)
                if match:
                    comment = re.sub(r"^type:\s*\S+\s*", "", match.group(3) or "")
                    declared.append((match.group(1), match.group(2), comment))
    injected = dict(nb.metadata.get("papermill", {}).get("parameters", {}) or {})
    return declared, injected
