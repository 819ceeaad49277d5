"""The Datasette database: tables equal the CSVs, keys link, search finds, canned queries return
hand-checked rows, the metadata says what the data package says, and bad data writes nothing.

Expected values were checked by hand against data/*.csv (the dates are quoted beside them), not
copied from the code under test.
"""

from __future__ import annotations

import asyncio
import csv
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pandas as pd
import pytest
from datasette.app import Datasette

from analysis.publish.db import build_database, metadata_path
from conftest import DATA, ROOT

pytestmark = pytest.mark.publish

DB = "port-inquests"


def csv_rows(table: str, data: Path = DATA) -> list[dict]:
    with open(data / f"{table}.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_database(DATA, tmp_path_factory.mktemp("db") / f"{DB}.db")


@pytest.fixture(scope="module")
def get(built: Path):
    """GET a path with Datasette's own test client; returns the httpx response."""
    metadata = json.loads(metadata_path(built).read_text(encoding="utf-8"))
    ds = Datasette([str(built)], immutables=[], metadata=metadata)

    def fetch(path: str):
        response = asyncio.run(ds.client.get(path))
        assert response.status_code == 200, (path, response.status_code, response.text[:500])
        return response

    return fetch


def rows(get, path: str) -> list[dict]:
    sep = "&" if "?" in path else "?"
    return get(f"{path}{sep}_shape=array&_size=max").json()


# --- tables -------------------------------------------------------------------------------


@pytest.mark.parametrize("table", ["victims", "events", "opportunities", "findings", "sources"])
def test_every_table_has_the_csv_rows(get, table):
    expected = csv_rows(table)
    got = rows(get, f"/{DB}/{table}.json")
    key = next(iter(expected[0]))
    assert sorted(r[key] for r in got) == sorted(r[key] for r in expected)
    by_key = {r[key]: r for r in got}
    for row in expected:  # every cell as the CSV has it (empty cells are NULL)
        assert {k: (None if v == "" else v) for k, v in row.items()} == {
            k: (str(v) if isinstance(v, int) else v) for k, v in by_key[row[key]].items()
        }


@pytest.mark.parametrize(
    ("link", "table", "column"),
    [
        ("victim_sources", "victims", "source_ids"),
        ("event_sources", "events", "source_ids"),
        ("opportunity_sources", "opportunities", "source_ids"),
        ("finding_sources", "findings", "source_ids"),
        ("finding_opportunities", "findings", "opportunity_ids"),
        ("opportunity_identified_by", "opportunities", "identified_by"),
    ],
)
def test_link_tables_hold_every_list_item(get, link, table, column):
    expected = sum(len(r[column].split(";")) for r in csv_rows(table) if r[column])
    assert get(f"/{DB}/{link}.json?_size=0").json()["filtered_table_rows_count"] == expected


def test_finding_opportunities_pairs(get):
    # findings.csv: fd-pfd-02 names op-w-04;op-w-05, fd-jury-failing-linking op-k-03;op-d-05 (the
    # Taylor-investigation failings were dropped: the jury was asked only about the first three).
    got = rows(get, f"/{DB}/finding_opportunities.json?finding_id__in=fd-pfd-02,fd-jury-failing-linking")
    assert {(r["finding_id"], r["opportunity_id"]) for r in got} == {
        ("fd-pfd-02", "op-w-04"),
        ("fd-pfd-02", "op-w-05"),
        ("fd-jury-failing-linking", "op-k-03"),
        ("fd-jury-failing-linking", "op-d-05"),
    }


def test_foreign_key_shows_its_label(get):
    # events.csv: ev-d-01 concerns whitworth; victims.csv: whitworth is Daniel Whitworth.
    [row] = rows(get, f"/{DB}/events.json?event_id=ev-d-01&_labels=on")
    assert row["victim_id"] == {"value": "whitworth", "label": "Daniel Whitworth"}
    html = get(f"/{DB}/events?event_id=ev-d-01").text
    assert re.search(
        r'<td class="col-victim_id[^"]*"><a href="/port-inquests/victims/whitworth">Daniel Whitworth</a>', html
    )


def test_gap_tables_for_both_bases(get):
    # op-k-05 (Kovari investigation, 2014-08-28): next death Whitworth, died 2014-09-18..20,
    # found 2014-09-20. Death basis: 21..23 days; found basis: 23..23 days.
    [death] = rows(get, f"/{DB}/gaps_death.json?opportunity_id=op-k-05&_labels=on")
    [found] = rows(get, f"/{DB}/gaps_found.json?opportunity_id=op-k-05")
    assert death["next_death"] == {"value": "whitworth", "label": "Daniel Whitworth"}
    assert (death["gap_days_min"], death["gap_days_max"]) == (21, 23)
    assert (found["next_death"], found["gap_days_min"], found["gap_days_max"]) == ("whitworth", 23, 23)
    # Taylor's was the last death: no next death, and an empty gap rather than zero.
    [taylor] = rows(get, f"/{DB}/gaps_death.json?opportunity_id=op-t-01")
    assert taylor["next_death"] is None and taylor["gap_days_min"] is None
    for table in ("gaps_death", "gaps_found"):
        assert get(f"/{DB}/{table}.json?_size=0").json()["filtered_table_rows_count"] == len(csv_rows("opportunities"))


def test_full_text_search_finds_a_known_phrase(get):
    # opportunities.csv: only op-w-02 says "time of death" (its would_have column).
    found = rows(get, f"/{DB}/opportunities.json?_search=%22time+of+death%22&_searchmode=raw")
    assert [r["opportunity_id"] for r in found] == ["op-w-02"]
    # events.csv: ev-w-02 is the British Transport Police finding Port at Barking station.
    found = rows(get, f"/{DB}/events.json?_search=%22Barking+station%22&_searchmode=raw")
    assert "ev-w-02" in [r["event_id"] for r in found]
    assert all("barking station" in (r["summary"] + (r["notes"] or "")).lower() for r in found)


# --- canned queries -----------------------------------------------------------------------


def test_missed_before_each_death(get):
    got = rows(get, f"/{DB}/missed_before_each_death.json")
    by_death: dict[str, dict[str, set]] = {}
    for r in got:
        slot = by_death.setdefault(r["death"], {"certainly": set(), "possibly": set()})
        if r["certainly_before"] == "yes":
            slot["certainly"].add(r["opportunity_id"])
        if r["possibly_before"] == "yes":
            slot["possibly"].add(r["opportunity_id"])
    # Walgate died first (2014-06-17..19): nothing in another investigation came before.
    assert "walgate" not in by_death
    # Kovari died 2014-08-25..28: the Walgate opportunities that arose by 31 Jul (all but op-w-07, which may
    # have arisen as late as 14 Oct 2015, and op-w-09, March-April 2015) certainly; op-w-07 possibly too.
    early = {"op-w-01", "op-w-02", "op-w-03", "op-w-04", "op-w-05", "op-w-06", "op-w-08"}
    assert by_death["kovari"]["certainly"] == early
    assert by_death["kovari"]["possibly"] == early | {"op-w-07"}
    # Whitworth died 2014-09-18..20: also op-k-03 and op-k-05 (28 Aug) certainly; op-k-01, op-k-02 (28 Aug -
    # 20 Sep), op-k-04 (28 Aug - 31 Dec) and op-k-07 (28 Aug 2014 - 19 Jun 2015) possibly; op-k-06 (arose from
    # 1 Dec) not at all.
    assert by_death["whitworth"]["certainly"] == early | {"op-k-03", "op-k-05"}
    assert by_death["whitworth"]["possibly"] == early | {"op-w-07"} | {f"op-k-0{i}" for i in (1, 2, 3, 4, 5, 7)}
    # Taylor died 2015-09-13: certainly all but op-w-07 (may have arisen until 14 Oct 2015); possibly every
    # Walgate, Kovari and Whitworth opportunity.
    everything = {r["opportunity_id"] for r in csv_rows("opportunities") if r["investigation"] != "taylor"}
    assert by_death["taylor"]["possibly"] == everything
    assert by_death["taylor"]["certainly"] == everything - {"op-w-07"}
    assert len(got) == 8 + 14 + 24  # 24: the 29 opportunities less the 5 in the Taylor investigation


def test_findings_that_name_an_opportunity(get):
    got = rows(get, f"/{DB}/findings_naming_opportunities.json")
    expected = {
        (r["finding_id"], o)
        for r in csv_rows("findings")
        if r["opportunity_ids"]
        for o in r["opportunity_ids"].split(";")
    }
    assert {(r["finding_id"], r["opportunity_id"]) for r in got} == expected and len(got) == 13
    # fd-jury-whitworth-failing-04 names op-d-01, missed in the Whitworth investigation.
    [row] = [r for r in got if r["finding_id"] == "fd-jury-whitworth-failing-04"]
    assert (row["opportunity_id"], row["investigation"], row["body"]) == ("op-d-01", "whitworth", "inquest_jury")


def test_everything_about_one_victim(get):
    got = rows(get, f"/{DB}/about_victim.json?victim=whitworth")
    parts: dict[str, list[str]] = {}
    for r in got:
        parts.setdefault(r["part"], []).append(r["id"])
    assert parts["death"] == ["whitworth"]
    # events.csv: ev-d-01..ev-d-10 and ev-d-12 have victim_id whitworth.
    assert sorted(parts["event"]) == sorted([f"ev-d-{i:02d}" for i in range(1, 11)] + ["ev-d-12"])
    assert sorted(parts["opportunity missed in his investigation"]) == [f"op-d-0{i}" for i in range(1, 9)]
    # findings.csv: seven have victim_id whitworth; three others name a Whitworth opportunity.
    assert set(parts["finding"]) == {
        "fd-jury-whitworth-conclusion",
        "fd-jury-whitworth-contribution",
        "fd-orig-whitworth-conclusion",
        "fd-jury-whitworth-failing-01",
        "fd-jury-whitworth-failing-02",
        "fd-jury-whitworth-failing-03",
        "fd-jury-whitworth-failing-04",
        "fd-jury-failing-linking",
        "fd-pfd-01",
        "fd-pfd-05",
    }
    assert len(parts["opportunity missed before his death"]) == 14
    # A full name, in any case, finds the same rows.
    assert rows(get, f"/{DB}/about_victim.json?victim=daniel+WHITWORTH") == got


# --- metadata -----------------------------------------------------------------------------


def test_metadata_carries_licence_and_descriptions(get):
    package = json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))
    meta = get("/-/metadata.json").json()
    assert meta["title"] == package["title"]
    assert meta["license"] == "Creative Commons Attribution 4.0"
    assert meta["license_url"] == "https://creativecommons.org/licenses/by/4.0/"
    tables = meta["databases"][DB]["tables"]
    assert tables["opportunities"]["description"] == package["resources"][2]["description"]
    assert tables["opportunities"]["columns"]["would_have"].startswith("What doing it would have revealed")
    assert tables["opportunities"]["facets"] == ["investigation"]  # the ;-lists are faceted on their link tables
    assert tables["victims"]["label_column"] == "name"
    assert "next_death" in tables["gaps_found"]["columns"]
    # and Datasette shows them: the licence on every page, a column's description on its table.
    assert "Creative Commons Attribution 4.0" in get(f"/{DB}").text
    assert "gap analysis" in get(f"/{DB}").text
    assert "What doing it would have revealed" in get(f"/{DB}/opportunities").text
    facets = get(f"/{DB}/findings.json?_size=0").json()["facet_results"]
    assert set(facets) == {"body", "kind", "victim_id"}


# --- bad data -----------------------------------------------------------------------------


def _corrupt(data: Path) -> Path:
    path = data / "events.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    cells = lines[1].split(",")
    cells[1] = "2014-02-30"
    path.write_text(lines[0] + ",".join(cells) + "".join(lines[2:]), encoding="utf-8")
    return path


def test_corrupt_data_exits_1_with_the_report_and_leaves_the_db(real_copy, tmp_path, built):
    (tmp_path / "build").mkdir()
    out = tmp_path / "build" / f"{DB}.db"
    shutil.copyfile(built, out)
    shutil.copyfile(metadata_path(built), metadata_path(out))
    before = out.read_bytes(), metadata_path(out).read_bytes()
    events = _corrupt(real_copy)
    done = subprocess.run(
        [sys.executable, "-m", "analysis", "db", "--data", str(real_copy), "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1
    assert f"{events}:2: date_earliest: '2014-02-30' is not a real calendar date" in done.stderr
    assert "Traceback" not in done.stderr
    assert (out.read_bytes(), metadata_path(out).read_bytes()) == before
    assert sorted(p.name for p in out.parent.iterdir()) == [f"{DB}.db", f"{DB}.metadata.json"]  # no temp file left


IN_PROJECT_VENV = Path(sys.prefix).resolve() == (ROOT / ".venv").resolve()
needs_make = pytest.mark.skipif(
    not IN_PROJECT_VENV or shutil.which("make") is None,
    reason="the make targets use the project's .venv (conda users: not applicable)",
)


@needs_make
def test_make_db_refuses_corrupt_data(real_copy, tmp_path):
    out = tmp_path / f"{DB}.db"
    out.write_bytes(b"an earlier database")
    events = _corrupt(real_copy)
    done = subprocess.run(
        ["make", "--no-print-directory", "db", f"DATA={real_copy}", f"DB={out}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode != 0  # the command exits 1; make itself reports a failed recipe as 2
    assert f"{events}:2: date_earliest:" in done.stderr
    assert out.read_bytes() == b"an earlier database"


# --- a real server ------------------------------------------------------------------------


def _wait_until_serving(base: str, server: subprocess.Popen) -> None:
    for _ in range(240):  # at most about 60 s (make serve builds the database first)
        if server.poll() is not None:
            pytest.fail(f"the server exited early: {server.stdout.read().decode(errors='replace')}")
        try:
            _get_json(f"{base}/-/versions.json")
            return
        except OSError:
            time.sleep(0.25)
    pytest.fail(f"nothing answered at {base} within 60 s")


def _stop(server: subprocess.Popen) -> str:
    """SIGTERM to the process group this test started (make and its datasette), SIGKILL to what
    is left after 15 s; returns what it printed."""

    def group_alive() -> bool:
        server.poll()  # reap the leader once it exits
        try:
            os.killpg(server.pid, 0)
        except ProcessLookupError:
            return False
        return True

    for sig in (signal.SIGTERM, signal.SIGKILL):
        if not group_alive():
            break
        try:
            os.killpg(server.pid, sig)
        except ProcessLookupError:
            break
        for _ in range(150):
            if not group_alive():
                break
            time.sleep(0.1)
    server.wait(timeout=15)
    with server.stdout:
        return server.stdout.read().decode(errors="replace")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get_json(url: str) -> object:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


@pytest.mark.server
def test_real_datasette_serves_json_over_http(built):
    port = _free_port()
    datasette = Path(sys.executable).with_name("datasette")
    server = subprocess.Popen(
        [
            str(datasette),
            "serve",
            "-i",
            str(built),
            "--metadata",
            str(metadata_path(built)),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_serving(base, server)
        victims = _get_json(f"{base}/{DB}/victims.json?_shape=array&_sort=died_earliest")
        assert [v["victim_id"] for v in victims] == ["walgate", "kovari", "whitworth", "taylor"]
        meta = _get_json(f"{base}/-/metadata.json")
        assert meta["license"] == "Creative Commons Attribution 4.0"
    finally:
        _stop(server)
    assert server.returncode is not None


@pytest.mark.server
@needs_make
def test_make_serve_builds_prints_the_url_and_serves(tmp_path):
    port = _free_port()
    db = tmp_path / f"{DB}.db"
    server = subprocess.Popen(
        ["make", "--no-print-directory", "serve", f"DB={db}", f"PORT={port}"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_serving(base, server)
        assert db.exists() and metadata_path(db).exists()
        deaths = _get_json(f"{base}/{DB}/deaths.json?_shape=array")
        # opportunities.csv: op-w-01..06 and op-w-08 arose by 31 Jul 2014, before Kovari's death (25-28 Aug), so 7
        # certainly came before it; op-w-07 (may have arisen until Oct 2015) possibly, 8 in all; op-w-09 (2015) not.
        kovari = next(d for d in deaths if d["victim_id"] == "kovari")
        assert (kovari["n_certainly_before"], kovari["n_possibly_before"]) == (7, 8)
    finally:
        printed = _stop(server)
    assert server.returncode is not None
    assert f"Datasette is serving the record at http://127.0.0.1:{port}/{DB}" in printed


# --- the examples in docs/datasette.md ----------------------------------------------------------------


def readme_urls() -> list[str]:
    section = (ROOT / "docs" / "datasette.md").read_text(encoding="utf-8")
    return re.findall(r"^\| http://127\.0\.0\.1:8001(/\S*) \|", section, re.M)


def test_readme_example_urls_work(get):
    urls = readme_urls()
    assert len(urls) >= 8
    for path in urls:
        get(path)


@pytest.mark.parametrize(
    ("path", "count"),
    [
        # opportunities.csv: identified_by names the jury on op-w-04, op-w-06, op-k-03, op-d-01,
        # op-d-05, op-d-08.
        ("/port-inquests/opportunities?identified_by__contains=jury", 6),
        # events.csv: 8 rows mention GHB.
        ("/port-inquests/events?_search=GHB", 8),
        # op-k-01..05 and op-k-07 may have arisen on 28 Aug 2014, before Whitworth's death; op-k-06 (Dec 2014) precedes Taylor's.
        ("/port-inquests/gaps_death?next_death=whitworth", 6),
        ("/port-inquests/findings_naming_opportunities", 13),
    ],
)
def test_readme_example_counts(get, path, count):
    assert path in readme_urls()
    table, _, query = path.partition("?")
    assert len(rows(get, f"{table}.json?{query}" if query else f"{table}.json")) == count


def test_readme_sql_example_lists_the_jury_opportunities_with_sources(get):
    section = (ROOT / "docs" / "datasette.md").read_text(encoding="utf-8")
    [sql] = re.findall(r"```sql\n(.*?)```", section, re.S)
    got = rows(get, f"/{DB}.json?sql={urllib.parse.quote(sql)}")
    jury = {
        r["opportunity_id"]: r["source_ids"].split(";")
        for r in csv_rows("opportunities")
        if "jury" in r["identified_by"].split(";")
    }
    assert sorted((r["opportunity_id"], r["url"]) for r in got) == sorted(
        (o, s["url"]) for o, ids in jury.items() for s in csv_rows("sources") if s["source_id"] in ids
    )


def test_columns_the_library_adds_are_stored_lists_as_text_and_link_tables(monkeypatch, tmp_path):
    """Whatever columns gap_table returns are stored: a new list column becomes `;`-text plus a
    link table, with a foreign key when its items are ids of one table."""
    import analysis.publish.db as publish_db
    from analysis.gaps import deaths_view, gap_table

    def wider(case, basis="death", **kwargs):
        table = gap_table(case, basis=basis, **kwargs)
        table["later_deaths_open"] = [[] if pd.isna(v) else [v] for v in table["next_death"]]
        table["a_number"] = 7
        return table

    def deaths_plus(case, **kwargs):
        view = deaths_view(case, **kwargs)
        view["others"] = [[v for v in view["victim_id"] if v != own] for own in view["victim_id"]]
        return view

    monkeypatch.setattr(publish_db, "gap_table", wider)
    monkeypatch.setattr(publish_db, "deaths_view", deaths_plus)
    out = build_database(DATA, tmp_path / f"{DB}.db")
    metadata = json.loads(metadata_path(out).read_text(encoding="utf-8"))
    ds = Datasette([str(out)], metadata=metadata)
    got = asyncio.run(ds.client.get(f"/{DB}/gaps_found.json?opportunity_id=op-k-05&_shape=array")).json()
    assert got[0]["later_deaths_open"] == "whitworth" and got[0]["a_number"] == 7
    links = asyncio.run(
        ds.client.get(f"/{DB}/gaps_found_later_deaths_open.json?_shape=array&_size=max&_labels=on")
    ).json()
    # 24 opportunities were followed by a death (the 29 less the 5 Taylor ones), one row each.
    assert len(links) == 24
    assert {"opportunity_id", "victim_id"} == set(links[0])
    assert {"value": "whitworth", "label": "Daniel Whitworth"} in [r["victim_id"] for r in links]
    assert "later_deaths_open" in metadata["databases"][DB]["tables"]["gaps_found"]["columns"]
    # A list of victim ids in a table keyed by victim_id: the item column keeps the list's name.
    others = asyncio.run(ds.client.get(f"/{DB}/deaths_others.json?victim_id=kovari&_shape=array&_labels=on")).json()
    assert sorted(r["others"]["label"] for r in others) == ["Anthony Walgate", "Daniel Whitworth", "Jack Taylor"]
