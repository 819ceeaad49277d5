"""Reader labels: ids and codes become the words a reader uses, all read from the data."""

from __future__ import annotations

import pytest

from analysis import load_case
from analysis.labels import Labels, combinations_words, filter_title, filter_words, partial_day, source_words, words
from conftest import DATA, write_package


@pytest.fixture(scope="module")
def labels():
    return Labels(load_case(DATA))


def test_lists_read_as_a_sentence():
    assert words(["Kovari"]) == "Kovari"
    assert words(["Kovari", "Taylor"]) == "Kovari and Taylor"
    assert words(["jury", "coroner"], "or") == "jury or coroner"


def test_victims_by_name_in_death_order(labels):
    # Checked against victims.csv by hand: Gabriel Kovari died in Aug 2014, Daniel Whitworth in Sep 2014,
    # Jack Taylor in Sep 2015.
    assert labels.name("walgate") == "Anthony Walgate"
    assert labels.names("taylor;kovari;whitworth") == "Kovari, Whitworth and Taylor"
    assert labels.names(["whitworth"]) == "Whitworth"
    assert labels.names("") == "none"
    assert labels.name("Jack Taylor") == "Jack Taylor"  # a name passes through


def test_credits_in_words(labels):
    assert labels.credits("jury:general;police") == "Inquest jury (general finding), Met Police"
    assert labels.credits("jury:explicit;coroner:general;family;press") == (
        "Inquest jury (explicit finding), Coroner (general finding), Families, Press"
    )
    assert labels.bodies(["iopc", "hmicfrs"]) == "IPCC/IOPC, HMICFRS"
    assert labels.finding_body("metropolitan_police") == "Met Police"


def test_vocabulary_values_in_words(labels):
    assert labels.term("opportunities", "unit", "homicide_command") == "Homicide command"
    assert labels.terms("opportunities", "category", "forensic_examination;linking_deaths") == (
        "Forensic examination, Linking the deaths"
    )
    assert labels.term("events", "kind", "police_action") == "police action"  # no label: the code in words


def test_labels_come_from_the_data_package(tmp_path):
    folder = write_package(tmp_path / "data")
    descriptor = (folder / "datapackage.json").read_text(encoding="utf-8")
    (folder / "datapackage.json").write_text(
        descriptor.replace('"label": "Inquest jury"', '"label": "The jury"'), encoding="utf-8"
    )
    assert Labels(load_case(folder)).credits("jury:explicit") == "The jury (explicit finding)"


def test_sources_by_publisher_and_date_linked(labels):
    # sources.csv: bbc-20211012-walgate is BBC News, published 2021-10-12, at bbc.co.uk/news/uk-england-london-58889736.
    cell = labels.sources("bbc-20211012-walgate")
    assert cell.text == "BBC News, 12 Oct 2021"
    assert cell.html.startswith('<a href="https://www.bbc.co.uk/news/uk-england-london-58889736"')
    assert ">BBC News, 12 Oct 2021</a>" in cell.html
    assert source_words("ITV News", "2021-10") == "ITV News, Oct 2021"
    assert partial_day("") == ""


def test_opportunity_with_its_id_and_what_was_missed(labels):
    text = labels.opportunity("op-w-06")
    assert text.startswith("op-w-06: Port's laptop, seized after the death, was not examined promptly")
    assert not text.endswith(".")


def test_filters_in_words():
    assert filter_words("jury:explicit") == "jury, explicit findings only"
    assert filter_words("jury+coroner") == "jury or coroner, explicit or general findings"
    assert filter_title("jury") == "credited by the jury, explicitly or in general"
    assert filter_title("all") == ""
    assert combinations_words("death/jury+coroner:explicit;found/all") == (
        "On the days of death: jury or coroner, explicit findings only. On the days found: anyone (every credit)."
    )
    with pytest.raises(ValueError, match="identified_by must be one of"):
        filter_words("jury:vague")
