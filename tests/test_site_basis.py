"""The site shows each field's basis: quotes with their publisher and a link at the passage,
derivations linked to the other row, assumptions labelled; copies said to be copies; jury credits
with their strength, the grade of the finding behind them and the note on the jury's record.
Expected texts are the rows of data/citations.csv and data/sources.csv, read by hand."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from analysis.fragments import text_fragment

pytestmark = pytest.mark.publish


def page(site: Path, path: str) -> str:
    return html.unescape((site / path).read_text(encoding="utf-8"))


def text(site: Path, path: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page(site, path)).split())


def test_a_quote_is_shown_in_quotation_marks_with_its_publisher_and_a_link_at_the_passage(built_site):
    quote = "Anthony was alive on Tuesday 17 June and was in touch with some friends and went to Barking that evening"
    assert f"“{quote}” — BBC News ( bbc-20211012-walgate ): open the publisher's page at the passage" in text(
        built_site, "victims/walgate.html"
    )
    href = text_fragment("https://www.bbc.co.uk/news/uk-england-london-58889736", quote)
    assert href == (
        "https://www.bbc.co.uk/news/uk-england-london-58889736#:~:text="
        "Anthony%20was%20alive%20on,to%20Barking%20that%20evening"
    )
    assert f'<a href="{href}">open the publisher\'s page at the passage</a>' in page(built_site, "victims/walgate.html")


def test_a_derivation_links_the_other_row_and_an_assumption_is_labelled(built_site):
    finding = page(built_site, "findings/fd-jury-general-basic.html")
    assert 'Derived: the same as <code>date_earliest</code> of <a href="../events/ev-f-07.html">ev-f-07</a>.' in finding
    taylor = text(built_site, "victims/taylor.html")
    assert "Assumption (the project's own, not a source's): Death on 13 September 2015 assumed" in taylor


def test_a_row_resting_only_on_a_copy_says_so(built_site):
    finding = text(built_site, "findings/fd-jury-general-basic.html")
    assert "This row rests only on copies of pages" in finding
    assert "only a copy of this page was found, at kerontrack.blogg.se; not the publisher's own page" in finding


def test_an_ip_address_is_never_shown_as_a_host(built_site):
    for path in built_site.rglob("*.html"):
        shown = re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8"))
        assert not re.search(r"copy (read )?at \d+\.\d+\.\d+\.\d+", shown), path


def test_jury_credits_show_strength_the_finding_grade_and_the_note(built_site):
    opp = text(built_site, "opportunities/op-w-04.html")
    # citations.csv: fd-jury-walgate-failing-01's summary is quoted from one publisher (BBC News): single
    assert "Inquest jury: explicit , resting on fd-jury-walgate-failing-01 (graded single)" in opp
    assert "The inquest jury's own written record of its conclusions was not found" in opp
    for table in ("record/opportunities.html", "record/findings.html", "findings/fd-jury-general-basic.html"):
        assert "written record of its conclusions was not found" in text(built_site, table), table


def test_chronology_and_tables_link_each_row_to_its_page(built_site):
    chronology = page(built_site, "chronology.html")
    assert '<a href="events/ev-f-07.html"><code>ev-f-07</code></a>' in chronology
    assert '<th scope="row"><a href="../events/ev-f-07.html">ev-f-07</a></th>' in page(built_site, "record/events.html")
    assert '<a href="../findings/fd-a-01.html">fd-a-01</a>' in page(built_site, "record/findings.html")
    assert len(list((built_site / "events").glob("*.html"))) == 101
    assert len(list((built_site / "findings").glob("*.html"))) == 60


def test_a_source_link_goes_to_the_publisher_and_names_the_copy_read(built_site):
    # bbc-20180319-damning: read on the eng-news.ru mirror; the BBC's own address is known (sources.csv notes)
    ev = page(built_site, "events/ev-w-16.html")
    assert '<a href="http://www.bbc.co.uk/news/uk-england-london-43450163">' in ev
    assert "copy read at eng-news.ru</a>" in ev
    # bbc-20211112-coroner: only a copy on a bare IP address was found; the page says so and names no host
    t22 = text(built_site, "events/ev-t-22.html")
    assert "(a copy at a bare IP address: the publisher's own page was not found)" in t22
