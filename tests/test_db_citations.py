"""Datasette serves citations: every CSV row, its foreign keys, and full-text search over the quotes."""

from __future__ import annotations

import asyncio
import csv
import json
import sqlite3
from pathlib import Path

import pytest
from datasette.app import Datasette

from analysis.publish.db import build_database, metadata_path
from conftest import DATA

pytestmark = pytest.mark.publish
DB = "port-inquests"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_database(DATA, tmp_path_factory.mktemp("db") / f"{DB}.db")


def test_citations_keep_every_row_in_order_with_the_cited_row_in_its_table_column(built):
    expected = list(csv.DictReader(open(DATA / "citations.csv", encoding="utf-8")))
    with sqlite3.connect(built) as db:
        got = db.execute(
            "select citation_id, row_id, fields, quote, victim_id, event_id, finding_id "
            "from citations order by citation_id"
        ).fetchall()
        keys = {(r[2], r[3], r[4]) for r in db.execute("pragma foreign_key_list(citations)")}
    assert [(g[1], g[2], g[3] or "") for g in got] == [(e["row_id"], e["fields"], e["quote"]) for e in expected]
    assert got[0][0] == 1 and got[0][4] == "walgate" and got[0][5] is None
    fd = next(g for g in got if g[1] == "fd-jury-general-basic")
    assert fd[6] == "fd-jury-general-basic" and fd[4] is None
    assert {
        ("sources", "source_id", "source_id"),
        ("victims", "victim_id", "victim_id"),
        ("events", "event_id", "event_id"),
        ("opportunities", "opportunity_id", "opportunity_id"),
        ("findings", "finding_id", "finding_id"),
    } <= keys


def test_datasette_searches_the_quotes(built):
    metadata = json.loads(metadata_path(built).read_text(encoding="utf-8"))
    ds = Datasette([str(built)], immutables=[], metadata=metadata)
    response = asyncio.run(ds.client.get(f"/{DB}/citations.json?_search=ambulance&_shape=array"))
    assert response.status_code == 200, response.text[:300]
    found = response.json()
    # citations.csv: one passage mentions the ambulance, ITV's account of the 999 call, quoted for Walgate's
    # death and discovery and for the 999-call event (ev-w-06).
    assert sorted((r["row_id"], r["source_id"]) for r in found) == [
        ("ev-w-06", "itv-20211007-paramedic"),
        ("walgate", "itv-20211007-paramedic"),
    ]
    described = metadata["databases"][DB]["tables"]["citations"]
    assert described["columns"]["quote"].startswith("With source_id: one contiguous run")  # plain text: no backticks
    assert "citation_id" in described["columns"]
