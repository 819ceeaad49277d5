"""Text-fragment links (``URL#:~:text=...``): the encoding checked by hand against the spec, and
the links tried in headless Chromium on a page served on 127.0.0.1 (live pages cannot be fetched
in CI): the browser must scroll the quoted passage into view and select nothing else."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading

import pytest

from analysis.fragments import decode_term, encode_term, text_fragment


@pytest.mark.parametrize(
    "text, encoded",
    [
        ("Barking", "Barking"),
        ("two words", "two%20words"),
        ("a-b", "a%2Db"),  # '-' ends a prefix in the directive: always encoded
        ("a,b", "a%2Cb"),  # ',' separates textStart and textEnd
        ("a&b", "a%26b"),  # '&' separates directives
        ("Port’s", "Port%E2%80%99s"),  # a curly apostrophe, as UTF-8 bytes
        ("Port's", "Port's"),  # a straight one is allowed as is
        ("“fundamental”", "%E2%80%9Cfundamental%E2%80%9D"),
        ("50%", "50%25"),
        ("#1", "%231"),
        ('"quoted"', "%22quoted%22"),
        ("£800", "%C2%A3800"),
        ("end.", "end."),
        ("(PA)", "(PA)"),
        ("a:b;c=d?e@f_g~h!i$j*k+l/m", "a:b;c=d?e@f_g~h!i$j*k+l/m"),
    ],
)
def test_terms_are_encoded_as_the_spec_requires(text, encoded):
    assert encode_term(text) == encoded
    assert decode_term(encoded) == text


def test_a_short_passage_is_the_whole_text_start():
    assert text_fragment("https://example.org/p", "found dead on  August 28") == (
        "https://example.org/p#:~:text=found%20dead%20on%20August%2028"
    )


def test_a_long_passage_is_given_by_its_first_and_last_words():
    quote = "Anthony Walgate, 23, was found propped up against a wall outside Port's block of flats on Cooke Street"
    assert text_fragment("https://example.org/p", quote) == (
        "https://example.org/p#:~:text=Anthony%20Walgate%2C%2023%2C%20was,flats%20on%20Cooke%20Street"
    )


def test_an_existing_fragment_is_kept_and_an_empty_quote_adds_none():
    assert text_fragment("https://example.org/p#top", "word") == "https://example.org/p#top:~:text=word"
    assert text_fragment("https://example.org/p", "  ") == "https://example.org/p"


# --- in Chromium --------------------------------------------------------------------------

FILLER = "<p>" + "Filler text that is not the passage. " * 40 + "</p>\n"
PAGE = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Fragment test</title></head><body>
<h1>A page</h1>
{FILLER * 30}
<p id="short">The body was found on 19 June 2014, near Port’s flat – Barking &amp; Dagenham.</p>
{FILLER * 30}
<p id="long">Jurors returned a conclusion that Port's first victim, a 23-year-old fashion student, was unlawfully
killed in June 2014, and that <a href="#x">failings</a> probably contributed to later deaths.</p>
{FILLER * 30}
</body></html>"""


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The test page on an ephemeral port of 127.0.0.1, for the module's duration."""
    root = tmp_path_factory.mktemp("fragment-page")
    (root / "page.html").write_text(PAGE, encoding="utf-8")
    handler = functools.partial(QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/page.html"
    server.shutdown()
    server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def chromium_page():
    if os.environ.get("PORT_SKIP_BROWSER") == "1":
        pytest.skip("PORT_SKIP_BROWSER=1: browser tests skipped on request")
    executable = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not executable:
        pytest.fail("Chromium is needed: `apt-get install -y chromium` (or set CHROMIUM=...)", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=["--no-sandbox", "--no-first-run"])
        yield browser
        browser.close()


def landing(browser, url: str) -> dict:
    """Open ``url`` in a fresh page; return where it scrolled and which paragraphs are in view."""
    page = browser.new_page(viewport={"width": 1000, "height": 700})
    try:
        page.goto(url, wait_until="load")
        page.wait_for_timeout(600)  # the fragment is applied after load
        return page.evaluate("""() => {
            const inView = id => { const r = document.getElementById(id).getBoundingClientRect();
                                   return r.bottom > 0 && r.top < window.innerHeight; };
            return {y: window.scrollY, short: inView('short'), long: inView('long')};
        }""")
    finally:
        page.close()


@pytest.mark.browser
def test_chromium_scrolls_to_a_short_passage_with_special_characters(chromium_page, served):
    at = landing(chromium_page, text_fragment(served, "near Port’s flat – Barking & Dagenham."))
    assert at["y"] > 1000 and at["short"] and not at["long"], at


@pytest.mark.browser
def test_chromium_scrolls_to_a_long_passage_across_a_link_and_a_line_break(chromium_page, served):
    quote = (
        "Jurors returned a conclusion that Port's first victim, a 23-year-old fashion student, was unlawfully "
        "killed in June 2014, and that failings probably contributed to later deaths."
    )
    at = landing(chromium_page, text_fragment(served, quote))
    assert at["long"] and not at["short"], at


@pytest.mark.browser
def test_chromium_stays_at_the_top_when_the_passage_is_not_on_the_page(chromium_page, served):
    """The control: a passage the page does not hold moves nothing (so the two tests above can fail)."""
    at = landing(chromium_page, text_fragment(served, "a sentence that is nowhere on this page"))
    assert at["y"] == 0 and not at["short"] and not at["long"], at
