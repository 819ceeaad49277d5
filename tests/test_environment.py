"""The pip pins, the full constraints and the conda environment describe one environment."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import yaml

from conftest import ROOT

# conda-forge spells a few packages differently from the Python package index.
CONDA_NAMES = {"pyyaml": "pyyaml"}


def pins(lines: list[str]) -> dict[str, str]:
    found = {}
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        name, version = re.split(r"==?", line, maxsplit=1)
        found[name.strip().lower().replace("_", "-")] = version.strip()
    return found


def test_requirements_match_environment_yml():
    requirements = pins((ROOT / "requirements.txt").read_text().splitlines())
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    conda = pins([d for d in env["dependencies"] if isinstance(d, str) and "=" in d and not d.startswith("python")])
    # A package conda-forge lacks (or lags on) is pinned in the pip: section instead, at the same version.
    from_pip = pins([d for d in pip_section if "==" in d])
    assert not set(conda) & set(from_pip)
    assert "conda-forge" in env["channels"]
    assert "python=3.11" in env["dependencies"]
    assert {**conda, **from_pip} == {CONDA_NAMES.get(k, k): v for k, v in requirements.items()}
    assert "-e ." in pip_section


def test_constraints_pin_every_requirement_at_the_same_version():
    requirements = pins((ROOT / "requirements.txt").read_text().splitlines())
    constraints = pins((ROOT / "constraints.txt").read_text().splitlines())
    assert {k: constraints.get(k) for k in requirements} == requirements


def test_the_makefile_accepts_the_pythons_pyproject_declares():
    accepted = re.search(r"^PYTHONS := (.+)$", (ROOT / "Makefile").read_text(), re.M).group(1).split()
    low, high = re.search(r'requires-python = ">=3\.(\d+),<3\.(\d+)"', (ROOT / "pyproject.toml").read_text()).groups()
    assert accepted == [f"3.{minor}" for minor in range(int(low), int(high))]


@pytest.mark.parametrize(
    "python, says",
    [
        ("fake-python3.10", "is Python 3.10"),
        ("/nonexistent/python3.11", "was not found or does not run"),
    ],
)
def test_a_wrong_or_missing_python_stops_the_set_up_with_one_line(tmp_path, python, says):
    for name in ("Makefile", "requirements.txt", "constraints.txt", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    fake = tmp_path / "fake-python3.10"
    fake.write_text("#!/bin/sh\necho 3.10\n", encoding="utf-8")  # answers the version question as Python 3.10 would
    fake.chmod(0o755)
    done = subprocess.run(
        ["make", "setup", f"PYTHON={tmp_path / python if python.startswith('fake') else python}"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    ours = [line for line in done.stderr.splitlines() if not line.startswith("make")]
    assert len(ours) == 1 and ours[0].startswith("Python 3.11 to 3.14 is needed") and says in ours[0], done.stderr
    assert not (tmp_path / ".venv").exists()  # stopped before creating anything
