"""What a run depends on, as hashes, and ``figures/manifest.json``, which records them.

A run's inputs are its entry in runs.yaml, its notebook's cells, every data table and the
descriptor, and the library's code, recorded per run in the committed manifest; and the
environment (the interpreter's version and every installed library's version), recorded in the
build folder, as it belongs to the machine, not to the outputs. Nothing here imports pandas or papermill: a batch with nothing to
do reads hashes only.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

from analysis.atomic import write_atomic
from analysis.batch.spec import Run

MANIFEST = "manifest.json"
#: Installers, not libraries a notebook imports: their versions come with the interpreter's own venv.
INSTALLERS = ("pip", "setuptools", "wheel", "uv")
#: The project's own distribution: its code is hashed file by file (:func:`code_hash`).
PROJECT_DISTRIBUTION = "port_inquests_analysis"


def _sha256(*chunks: bytes) -> str:
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(len(chunk).to_bytes(8, "big") + chunk)
    return digest.hexdigest()


def notebook_source_hash(path: Path) -> str:
    """Hash of a notebook's cells (type, tags, source) and kernel, ignoring outputs and counts."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    cells = [
        (
            c["cell_type"],
            c.get("metadata", {}).get("tags", []),
            "".join(c["source"]) if isinstance(c["source"], list) else c["source"],
        )
        for c in nb["cells"]
    ]
    return _sha256(json.dumps([cells, nb.get("metadata", {}).get("kernelspec", {})], sort_keys=True).encode())


def code_hash(root: Path) -> str:
    """Hash of the library's source files that notebooks can import: every module directly in
    ``analysis/`` but ``__main__`` (the command line, which nothing imports); the ``publish`` and
    ``batch`` packages (outputs beyond Jupyter, the batch itself) are not notebook inputs, so a new
    subcommand or a site template does not re-run every notebook."""
    files = sorted(p for p in (root / "analysis").glob("*.py") if p.name != "__main__.py")
    return _sha256(*[p.name.encode() + b"\0" + p.read_bytes() for p in files])


def installed_libraries(search_path: list[str] | None = None) -> list[str]:
    """``name==version`` of every distribution installed on ``search_path`` (``sys.path``), sorted.

    Read from the ``NAME-VERSION.dist-info`` folder names (a directory listing per path entry,
    about a millisecond; reading every METADATA file would cost a tenth of a second on each no-op).
    Installers and the project itself are left out.
    """
    found = set()
    for entry in search_path if search_path is not None else sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if name.endswith(".dist-info") and "-" in name:
                dist, version = name[: -len(".dist-info")].split("-", 1)
                dist = dist.lower().replace("-", "_").replace(".", "_")
                if dist not in INSTALLERS and dist != PROJECT_DISTRIBUTION:
                    found.add(f"{dist}=={version}")
    return sorted(found)


def environment() -> dict[str, str]:
    """What the outputs may depend on outside the project: the interpreter and the libraries.

    The interpreter counts by its feature version (3.11), as its patch releases do not change
    behaviour a notebook could show.
    """
    return {
        "python": f"{sys.implementation.name} {sys.version_info.major}.{sys.version_info.minor}",
        "libraries_sha256": _sha256(*[line.encode() for line in installed_libraries()]),
    }


#: In the build folder: the environment the batch last brought this tree's outputs up to date in.
ENVIRONMENT_FILE = "environment.json"


def read_environment(build: Path) -> dict | None:
    """The environment recorded by the last complete batch in this tree, or None if none was."""
    try:
        return json.loads((build / ENVIRONMENT_FILE).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def write_environment(build: Path, env: dict) -> None:
    text = json.dumps(env, indent=2, sort_keys=True) + "\n"
    write_atomic(build / ENVIRONMENT_FILE, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def run_inputs_hash(run: Run, notebooks: Path, data: str, code: str) -> str:
    """Everything a run's outputs depend on within the project, as one hash (the environment is
    recorded in the build folder instead, so the committed manifest is the same on every machine)."""
    spec = json.dumps(
        {"notebook": run.notebook, "parameters": run.parameters, "figures": run.figures, "publish": run.publish},
        sort_keys=True,
    )
    return _sha256(spec.encode(), notebook_source_hash(notebooks / run.notebook).encode(), data.encode(), code.encode())


def read_manifest(figures_dir: Path) -> dict:
    try:
        return json.loads((figures_dir / MANIFEST).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {"runs": {}, "figures": {}}


def outputs_of(run: Run, figures: Path, notebooks: Path) -> dict[str, Path]:
    """The files a run writes, keyed as the manifest records them (``figures/NAME.svg``, ...)."""
    files = {f"figures/{name}{suffix}": figures / f"{name}{suffix}" for name in run.figures for suffix in SUFFIXES}
    if run.publish:
        files[f"notebooks/{run.notebook}"] = notebooks / run.notebook
    return files


#: The files of one figure.
SUFFIXES = (".svg", ".png", ".alt.txt")


def file_hashes(files: dict[str, Path]) -> dict[str, str | None]:
    """SHA-256 of each file, or None where it is missing."""
    return {
        key: hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None for key, path in files.items()
    }


def is_up_to_date(run: Run, manifest: dict, inputs: str, figures: Path, notebooks: Path) -> bool:
    """True if the last success of ``run`` had the same inputs and its outputs are still the bytes it wrote.

    Checking the outputs' hashes as well means a figure overwritten by hand (say, by a one-off
    papermill run with other parameters) is regenerated by the next batch.
    """
    recorded = manifest["runs"].get(run.name, {})
    if recorded.get("inputs_sha256") != inputs:
        return False
    return recorded.get("outputs_sha256") == file_hashes(outputs_of(run, figures, notebooks))


def current_entries(manifest: dict, runs: list[Run]) -> dict:
    """The manifest without the runs and figures that ``runs.yaml`` no longer lists (a renamed run, a
    replaced matrix), which would otherwise stay in it for ever; keys sorted."""
    names, figures = {r.name for r in runs}, {f for r in runs for f in r.figures}
    return {
        "runs": {k: v for k, v in sorted(manifest["runs"].items()) if k in names},
        "figures": {k: v for k, v in sorted(manifest["figures"].items()) if k in figures},
    }


def write_manifest(figures_dir: Path, manifest: dict) -> None:
    text = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    write_atomic(figures_dir / MANIFEST, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def normalise_notebook(nb: dict) -> dict:
    """Drop what changes from run to run or machine to machine (timings, paths, the interpreter's
    version) so an unchanged run rewrites identical bytes on any supported Python."""
    metadata = nb.setdefault("metadata", {})
    metadata.pop("papermill", None)
    metadata.get("language_info", {}).pop("version", None)
    for cell in nb["cells"]:
        meta = cell.get("metadata", {})
        meta.pop("papermill", None)
        meta.pop("execution", None)
    return nb


def dump_notebook(nb: dict) -> str:
    """Serialise as nbformat does (indent 1, sorted keys), so Jupyter's own saves change nothing."""
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
