"""The pip pins, the full constraints and the conda environment describe one environment."""

from __future__ import annotations

import re

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
