"""The path rule: a relative path parameter is relative to notebooks/, whatever the working directory."""

from __future__ import annotations

from pathlib import Path

from analysis.paths import NOTEBOOKS_ENV, locate
from conftest import ROOT


def test_relative_paths_resolve_against_notebooks_from_anywhere(tmp_path, monkeypatch):
    monkeypatch.delenv(NOTEBOOKS_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    assert locate("../data") == ROOT / "data"
    # A target that does not exist yet still lands inside the project, not beside the working directory.
    assert locate("../build/my-figures") == ROOT / "build" / "my-figures"


def test_a_stray_data_folder_beside_the_working_directory_changes_nothing(tmp_path, monkeypatch):
    monkeypatch.delenv(NOTEBOOKS_ENV, raising=False)
    (tmp_path / "data").mkdir()
    (tmp_path / "clone").mkdir()
    monkeypatch.chdir(tmp_path / "clone")
    assert Path("../data").resolve() == (tmp_path / "data").resolve()  # the trap is really there
    assert locate("../data") == ROOT / "data"


def test_absolute_paths_are_kept(tmp_path):
    assert locate(tmp_path / "x") == tmp_path / "x"


def test_a_staged_run_resolves_inside_its_stage(tmp_path, monkeypatch):
    monkeypatch.setenv(NOTEBOOKS_ENV, str(tmp_path / "stage" / "notebooks"))
    assert locate("../figures") == (tmp_path / "stage" / "figures").resolve()
