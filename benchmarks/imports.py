"""Import costs of the batch's parent process, from ``python -X importtime``."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from common import VENV_PYTHON, markdown_table

TOP_PACKAGES = 5


@dataclass
class ImportLine:
    """One line of ``python -X importtime`` output."""

    name: str
    depth: int
    self_us: int
    cumulative_us: int


def import_lines(statement: str, root: Path, env: dict) -> list[ImportLine]:
    """Parse ``python -X importtime -c STATEMENT`` run in the copy."""
    done = subprocess.run(
        [str(root / VENV_PYTHON), "-X", "importtime", "-c", statement],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    lines = []
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( +)(\S+)", line)
        if match:
            lines.append(ImportLine(match[4], (len(match[3]) - 1) // 2, int(match[1]), int(match[2])))
    return lines


def package_costs(tree: list[ImportLine], exclude: str) -> list[tuple[str, float, float]]:
    """The biggest top-level packages of an import tree: (name, cumulative ms, own code ms).

    A package's cumulative time adds up its outermost modules (those not imported from inside the
    same package), so ``import matplotlib.figure`` counts in full; it includes what the package
    imports from other packages, so packages nest. Own code is the sum of its modules' self times.
    """
    cumulative, own, ancestors = {}, {}, []
    for line in reversed(tree):  # reversed, importtime lists every importer before what it imports
        while ancestors and ancestors[-1].depth >= line.depth:
            ancestors.pop()
        package = line.name.split(".")[0]
        if all(a.name.split(".")[0] != package for a in ancestors):
            cumulative[package] = cumulative.get(package, 0) + line.cumulative_us
        own[package] = own.get(package, 0) + line.self_us
        ancestors.append(line)
    ranked = sorted((p for p in cumulative if p != exclude), key=lambda p: (-cumulative[p], p))
    return [(p, cumulative[p] / 1000, own[p] / 1000) for p in ranked[:TOP_PACKAGES]]


def import_cost(module: str, root: Path, env: dict) -> tuple[float, list[tuple[str, float, float]]]:
    """Cumulative import time of ``module`` in ms and its biggest top-level packages."""
    lines = import_lines(f"import {module}", root, env)
    end = next(i for i, line in enumerate(lines) if line.name == module and line.depth == 0)
    start = end
    while start > 0 and lines[start - 1].depth > 0:
        start -= 1
    return lines[end].cumulative_us / 1000, package_costs(lines[start : end + 1], module.split(".")[0])


def import_section(title: str, total_ms: float, packages: list[tuple[str, float, float]]) -> str:
    """One import-cost table."""
    rows = [[name, f"{cumulative:.0f}", f"{own:.0f}"] for name, cumulative, own in packages]
    return (
        f"`{title}`: {total_ms:.0f} ms cumulative. Its {TOP_PACKAGES} costliest top-level packages "
        "(cumulative includes the packages each one imports, so rows nest; own code is the time spent "
        "in the package's own modules):\n\n" + markdown_table(["package", "cumulative ms", "own code ms"], rows)
    )
