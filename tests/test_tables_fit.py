"""Tables fit the page: on the site's notebook pages, in Chromium at 1280 px and at 390 px (a
phone), every table's right edge lies inside its container, or the box around it scrolls and
shows that it does (a shadow at the hidden edge, and for any table of three or more columns a
note); no page scrolls sideways."""

from __future__ import annotations

import pytest

from test_site_browser import browser  # noqa: F401  (the shared Chromium fixture)

pytestmark = pytest.mark.browser

#: For every table: does it fit its container, does its scrolling box scroll, does that box show it?
MEASURE = """
() => {
  const scrollBox = el => { for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const s = getComputedStyle(a); if (s.overflowX === 'auto' || s.overflowX === 'scroll') return a; } return null; };
  const tables = [...document.querySelectorAll('table')].map((t, i) => {
    const box = scrollBox(t);
    const r = t.getBoundingClientRect(), c = (box || t.parentElement).getBoundingClientRect();
    const scrolls = !!box && box.scrollWidth > box.clientWidth + 1;
    const note = box && box.querySelector('.reader-table-hint');
    const hint = !!note && getComputedStyle(note).display !== 'none';
    const shadow = !!box && getComputedStyle(box).backgroundImage.includes('gradient');
    return {i, text: t.innerText.slice(0, 60), fits: r.left >= c.left - 1 && r.right <= c.right + 1, scrolls,
            sign: shadow || hint,
            // a wide table in a box that can scroll says so; one laid out to wrap (no scrolling box) need not
            wide: !!box && t.querySelectorAll('thead th').length >= 3, hint};
  });
  return {tables, sideways: document.scrollingElement.scrollWidth > window.innerWidth};
}
"""


@pytest.mark.parametrize("width", [1280, 390])
def test_notebook_tables_fit_or_scroll_visibly(browser, built_site, width):  # noqa: F811
    page = browser.new_page(viewport={"width": width, "height": 900})
    failures, seen = [], 0
    for path in sorted((built_site / "notebooks").glob("*.html")):
        page.goto(path.as_uri(), wait_until="load")
        found = page.evaluate(MEASURE)
        seen += len(found["tables"])
        name = path.name
        if found["sideways"]:
            failures.append(f"{name}: the page scrolls sideways at {width} px")
        for t in found["tables"]:
            if not t["fits"] and not t["scrolls"]:
                failures.append(f"{name}: table {t['i']} ({t['text']!r}) runs past its container")
            if t["scrolls"] and not t["sign"]:
                failures.append(f"{name}: table {t['i']} ({t['text']!r}) scrolls with no visible sign")
            if t["wide"] and not t["hint"]:
                failures.append(f"{name}: wide table {t['i']} ({t['text']!r}) has no note that it may scroll")
    page.close()
    assert seen >= 20  # the six notebooks' reader tables
    assert failures == [], "\n".join(failures)
