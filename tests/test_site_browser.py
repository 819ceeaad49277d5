"""The built site in a real browser: Debian's Chromium driven by Playwright, checked by axe-core.

One browser for the whole module. Every page must load with no console error and no request to
another host, and axe-core must find no serious or critical violation; the search and the
timeline must work. Without Chromium these tests FAIL and say how to install it, unless the user
opts out with PORT_SKIP_BROWSER=1 (see the README).
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading

import pytest

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-default-apps",
    "--disable-sync",
    "--no-default-browser-check",
]
INSTALL = (
    "Chromium is needed for the browser tests: on Debian or Ubuntu run `sudo apt-get install -y chromium` "
    "(or set CHROMIUM=/path/to/chromium). To run the other tests without them, set PORT_SKIP_BROWSER=1."
)


def chromium() -> str:
    given = os.environ.get("CHROMIUM")
    for candidate in ([given] if given else []) + ["chromium", "chromium-browser", "google-chrome"]:
        found = shutil.which(candidate)
        if found:
            return found
    return ""


@pytest.fixture(scope="module")
def browser():
    if os.environ.get("PORT_SKIP_BROWSER") == "1":
        pytest.skip("PORT_SKIP_BROWSER=1: browser tests skipped on request")
    executable = chromium()
    if not executable:
        pytest.fail(INSTALL, pytrace=False)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is not installed: run `make setup`", pytrace=False)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Watch:
    """A page that records console errors, uncaught exceptions and requests to other hosts."""

    def __init__(self, browser, allowed: tuple[str, ...] = ("file:", "data:")):
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.problems: list[str] = []
        self.allowed = allowed
        self.page.on(
            "console", lambda m: self.problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None
        )
        self.page.on("pageerror", lambda e: self.problems.append(f"uncaught: {e}"))
        self.page.on(
            "request",
            lambda r: (
                None if r.url.startswith(self.allowed) else self.problems.append(f"request to another host: {r.url}")
            ),
        )

    def visit(self, url: str) -> list[str]:
        self.problems.clear()
        self.page.goto(url, wait_until="load")
        if url.split("?")[0].endswith("/timeline.html"):
            self.page.wait_for_selector(".tl-slide", state="attached", timeout=15000)
        return self.problems


def serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    # preload=False: axe would otherwise re-fetch every style sheet with XHR, which file:// refuses
    # (a console error of axe's own making, not the page's).
    results = Axe().run(page, options={"resultTypes": ["violations"], "preload": False})
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_every_page_loads_cleanly_and_passes_axe(browser, built_site):
    watch = Watch(browser)
    pages = sorted(built_site.rglob("*.html"))
    assert len(pages) >= 45
    # The 161 event and finding pages share two templates: every one is loaded, axe runs on five of each.
    sampled = {p for folder in ("events", "findings") for p in sorted((built_site / folder).glob("*.html"))[5:]}
    failures = []
    for path in pages:
        problems = list(watch.visit(path.as_uri()))
        problems += [] if path in sampled else serious_violations(watch.page)
        failures += [f"{path.relative_to(built_site)}: {p}" for p in problems]
    watch.page.close()
    assert failures == [], "\n".join(failures)


def test_search_finds_a_phrase_from_the_record(browser, built_site):
    watch = Watch(browser)
    # op-w-02's text in opportunities.csv: "...was not brought to the attention of the officer classifying the death."
    phrase = "brought to the attention of the officer classifying the death"
    assert watch.visit((built_site / "search.html").as_uri()) == []
    watch.page.fill("#search-q", phrase)
    watch.page.click("#search-form button")
    links = watch.page.eval_on_selector_all("#search-results a", "els => els.map(e => e.getAttribute('href'))")
    assert "opportunities/op-w-02.html" in links
    assert "exact phrase" in watch.page.inner_text("#search-status")
    # and a query in the address works too, from file://
    watch.visit((built_site / "search.html").as_uri() + "?q=Sleepyboys")
    assert "record/events.html#ev-w-03" in watch.page.eval_on_selector_all(
        "#search-results a", "els => els.map(e => e.getAttribute('href'))"
    )
    assert watch.problems == []
    watch.page.close()


def test_timeline_shows_one_slide_per_exported_event(browser, built_site):
    import json

    data = json.loads((built_site / "timeline.json").read_text(encoding="utf-8"))
    watch = Watch(browser)
    assert watch.visit((built_site / "timeline.html").as_uri()) == []
    ids = watch.page.eval_on_selector_all(".tl-slide:not(.tl-slide-titleslide)", "els => els.map(e => e.id)")
    assert len(ids) == len(data["events"]) == 101
    assert sorted(ids) == sorted(e["unique_id"] for e in data["events"])
    assert watch.page.locator(".tl-slide-titleslide").count() == 1
    watch.page.close()


def test_site_works_from_a_local_web_server(browser, built_site):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(built_site))
    handler.log_message = lambda *a, **k: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}/"
    try:
        watch = Watch(browser, allowed=(base, "data:"))
        for page in (
            "index.html",
            "timeline.html",
            "opportunities/op-w-01.html",
            "notebooks/02-gaps-to-next-death.html",
        ):
            assert watch.visit(base + page) == [], page
        watch.visit(base + "search.html?q=gurgling")
        assert "opportunities/op-w-02.html" in watch.page.eval_on_selector_all(
            "#search-results a", "els => els.map(e => e.getAttribute('href'))"
        )
        watch.page.close()
    finally:
        server.shutdown()
        server.server_close()


def test_an_opportunity_page_prints_without_navigation_and_with_its_source_urls(browser, built_site, tmp_path):
    """Chromium's print rendering: the navigation and search are gone, each source's address follows its link."""
    from analysis.load import load_case
    from conftest import DATA

    watch = Watch(browser)
    assert watch.visit((built_site / "opportunities" / "op-w-01.html").as_uri()) == []
    watch.page.emulate_media(media="print")
    hidden = watch.page.evaluate("""() => ['header.site', 'nav', '.skip', 'footer.site .links']
        .map(s => [s, getComputedStyle(document.querySelector(s)).display])""")
    assert all(display == "none" for _, display in hidden), hidden
    after = watch.page.evaluate("""() => [...document.querySelectorAll('ol.sources li > a:first-child')]
        .map(a => getComputedStyle(a, '::after').content)""")
    urls = (
        load_case(DATA)
        .sources.set_index("source_id")
        .loc[load_case(DATA).opportunities.set_index("opportunity_id").at["op-w-01", "source_ids"], "url"]
        .tolist()
    )
    assert after == [f'" <{u}>"' for u in urls]
    pdf = tmp_path / "op-w-01.pdf"
    watch.page.pdf(path=str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 10_000
    # a victim's page: his chronology's rows are not split across pages
    watch.page.emulate_media(media="screen")
    assert watch.visit((built_site / "victims" / "walgate.html").as_uri()) == []
    watch.page.emulate_media(media="print")
    assert watch.page.evaluate("getComputedStyle(document.querySelector('tbody tr')).breakInside") == "avoid"
    assert watch.page.evaluate("getComputedStyle(document.querySelector('nav')).display") == "none"
    watch.page.close()
