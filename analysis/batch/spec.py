"""``notebooks/runs.yaml``: what the batch runs, read and checked as a schema, and its matrices.

Everything here happens before any kernel starts, and every problem is one :class:`RunsError`
line naming the file, the line, the run and the key, and what to do.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import yaml

RUNS_FILE = "notebooks/runs.yaml"
#: The keys a run may have, and what each holds (for the one-line messages).
KEYS = {
    "name": "a name",
    "notebook": "a notebook file name",
    "figures": "a list of figure names",
    "parameters": "a mapping of parameter to value",
    "publish": "true or false",
    "matrix": "a mapping of parameter to a list of values",
}


@dataclass(frozen=True)
class Run:
    """One run of the batch: a notebook, its parameters and the figures it must write.

    A run depends on every data table (and the descriptor), the notebook, the library and the
    environment; there is no list of tables to keep in step with what a notebook reads.
    """

    name: str
    notebook: str
    figures: tuple[str, ...]
    parameters: dict = field(default_factory=dict)
    publish: bool = False


class RunsError(ValueError):
    """runs.yaml is malformed or missing; the message names the file, the run and the key."""


class RunsMissing(RunsError):
    """There is no runs.yaml where the batch looks for one."""


def _load(path: Path) -> tuple[object, dict[int, dict[str, int]]]:
    """The parsed YAML and, for each run (by position), the 1-based line of each of its keys."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RunsMissing(
            f"{path}: not found: the batch reads {RUNS_FILE} under the project root "
            "(run from the project's folder or pass --root)"
        ) from None
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise RunsError(f"{where}: YAML syntax error: {exc.problem or exc.context} (fix that line)") from None
    except yaml.YAMLError as exc:
        raise RunsError(f"{path}: YAML error: {exc}") from None
    finally:
        loader.dispose()
    lines: dict[int, dict[str, int]] = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == "runs" and isinstance(value, yaml.SequenceNode):
                for i, item in enumerate(value.value):
                    keys = {"": item.start_mark.line + 1}
                    if isinstance(item, yaml.MappingNode):
                        keys.update({k.value: k.start_mark.line + 1 for k, _ in item.value})
                    lines[i] = keys
    return data, lines


def _check_entry(entry: object, i: int, lines: dict[str, int], path: Path) -> Run:
    """One entry of ``runs:`` as a :class:`Run`, or a :class:`RunsError` naming the run and the key."""
    name = entry.get("name") if isinstance(entry, dict) else None
    label = f"run {name!r}" if isinstance(name, str) and name else f"run #{i}"
    if not isinstance(entry, dict):
        raise RunsError(
            f"{path}:{lines.get('', '?')}: {label}: each run must be a mapping with name, notebook "
            f"and figures, not {entry!r}"
        )

    def fail(key: str, what: str) -> RunsError:
        return RunsError(f"{path}:{lines.get(key, lines.get('', '?'))}: {label}: key {key!r}: {what}")

    unknown = [k for k in entry if k not in KEYS]
    if unknown:
        hint = (
            " (`tables:` is gone: every run now depends on every table; delete the line)" if "tables" in unknown else ""
        )
        raise fail(unknown[0], f"unknown key (a run has {', '.join(KEYS)}){hint}")
    for key in ("name", "notebook"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise fail(key, f"missing or not {KEYS[key]} (each run needs name and notebook)")
    figures = entry.get("figures", [])
    if not isinstance(figures, list) or not all(isinstance(f, str) and f for f in figures):
        raise fail("figures", f"must be {KEYS['figures']}, e.g. [case-timeline], not {figures!r}")
    parameters = entry.get("parameters") or {}
    if not isinstance(parameters, dict):
        raise fail("parameters", f"must be {KEYS['parameters']}, e.g. {{basis: death}}, not {parameters!r}")
    publish = entry.get("publish", False)
    if not isinstance(publish, bool):
        raise fail("publish", f"must be {KEYS['publish']}, not {publish!r}")
    notebook = path.parent / entry["notebook"]
    if not notebook.is_file():
        raise fail("notebook", f"{entry['notebook']} not found in {path.parent} (check the file name)")
    return Run(
        name=entry["name"],
        notebook=entry["notebook"],
        figures=tuple(figures),
        parameters=dict(parameters),
        publish=publish,
    )


def read_runs(path: Path) -> list[Run]:
    """Parse runs.yaml, checking it as a schema and expanding each ``matrix:`` into one run per combination.

    Raises :class:`RunsError` (:class:`RunsMissing` if there is no file) naming the file, the line,
    the run and the key if an entry is malformed (a string where a list belongs, an unknown key, a
    notebook that does not exist), a matrix names a parameter the notebook's ``parameters`` cell
    does not define or lists no values, or two runs (or two figures) end up with the same name.
    """
    path = Path(path)
    raw, lines = _load(path)
    if raw is None:
        raw = {}
    if not isinstance(raw, dict) or not isinstance(raw.get("runs", []), list):
        found = type(raw.get("runs") if isinstance(raw, dict) else raw).__name__
        raise RunsError(
            f"{path}: the file must be a mapping with a `runs:` list of runs (found a {found} "
            "at the top); see the comment at the top of the project's runs.yaml"
        )
    extra = [k for k in raw if k != "runs"]
    if extra:
        raise RunsError(f"{path}: unknown top-level key {extra[0]!r} (the file holds only `runs:`)")
    runs = []
    for i, entry in enumerate(raw.get("runs") or [], start=1):
        run = _check_entry(entry, i, lines.get(i - 1, {}), path)
        if "matrix" in entry:
            runs.extend(expand_matrix(run, entry["matrix"], path, lines.get(i - 1, {}).get("matrix")))
        else:
            runs.append(run)
    names = [r.name for r in runs]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise RunsError(f"{path}: duplicate run names {duplicates} (a matrix's derived names included; rename one)")
    writers: dict[str, str] = {}
    for r in runs:
        for figure in r.figures:
            if figure in writers:
                raise RunsError(
                    f"{path}: runs {writers[figure]!r} and {r.name!r} both write figure {figure!r} "
                    "(in a matrix, put the parameters in the figure name, e.g. gaps-{basis})"
                )
            writers[figure] = r.name
    published = [r.notebook for r in runs if r.publish]
    if len(published) != len(set(published)):
        twice = sorted({n for n in published if published.count(n) > 1})
        raise RunsError(f"{path}: notebook {twice[0]} has more than one run with publish: true (keep one)")
    return runs


def slug(value: object) -> str:
    """A parameter value as it appears in derived run and figure names: ``"jury+coroner"`` -> ``"jury-coroner"``.

    >>> slug("jury+coroner"), slug(None), slug("Found")
    ('jury-coroner', 'none', 'found')
    """
    text = "".join(c if c.isalnum() else "-" for c in str(value).lower())
    return "-".join(filter(None, text.split("-")))


def notebook_parameters(notebook: Path) -> set[str]:
    """Names assigned in the notebook's cell tagged ``parameters`` (what papermill can set)."""
    import ast

    nb = json.loads(notebook.read_text(encoding="utf-8"))
    names: set[str] = set()
    for cell in nb["cells"]:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            for node in ast.parse(source).body:
                targets = (
                    node.targets
                    if isinstance(node, ast.Assign)
                    else [node.target]
                    if isinstance(node, ast.AnnAssign)
                    else []
                )
                names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


def expand_matrix(run: Run, matrix: object, path: Path, line: int | None = None) -> list[Run]:
    """One run per combination of ``matrix`` values (a mapping of parameter -> list of values).

    Each combination's run is named ``NAME-VALUE1-VALUE2...`` (values as :func:`slug`, in the
    matrix's order) and gets the combination as parameters on top of ``run.parameters``.
    ``{PARAMETER}`` in a figure name or a string parameter is replaced by the value's slug, so
    every combination writes its own figures. Refuses (:class:`RunsError`, naming the run) a
    matrix that is not a mapping of non-empty lists, names a parameter the notebook does not
    define or that ``parameters`` also sets, or is published.
    """
    import itertools

    where = f"{path}:{line}: run {run.name!r}: matrix" if line else f"{path}: run {run.name!r}: matrix"
    if not isinstance(matrix, dict) or not matrix:
        raise RunsError(f"{where}: must map each swept parameter to a list of values, e.g. {{basis: [death, found]}}")
    if run.publish:
        raise RunsError(f"{where}: a matrix run cannot be published (its combinations would overwrite one notebook)")
    known = notebook_parameters(path.parent / run.notebook)
    for name, values in matrix.items():
        if name not in known:
            raise RunsError(
                f"{where}: {name!r} is not a parameter of {run.notebook} "
                f"(its parameters cell defines {', '.join(sorted(known))})"
            )
        if name in run.parameters:
            raise RunsError(f"{where}: {name!r} is set in both matrix and parameters (keep it in one)")
        if not isinstance(values, list) or not values:
            raise RunsError(f"{where}: {name!r} needs a non-empty list of values, not {values!r}")
        if len({slug(v) for v in values}) != len(values):
            raise RunsError(f"{where}: {name!r} lists values that give the same name ({values}); list each once")
    runs = []
    for combo in itertools.product(*matrix.values()):
        chosen = dict(zip(matrix, combo))
        fill = {k: slug(v) for k, v in chosen.items()}

        def filled(text: str, fill: dict[str, str] = fill) -> str:
            try:
                return text.format(**fill)
            except (KeyError, IndexError, ValueError) as exc:
                raise RunsError(
                    f"{where}: {text!r} uses {exc}, which is not a matrix parameter ({', '.join(matrix)})"
                ) from None

        params = {k: filled(v) if isinstance(v, str) else v for k, v in run.parameters.items()}
        runs.append(
            Run(
                name="-".join([run.name, *fill.values()]),
                notebook=run.notebook,
                figures=tuple(filled(f) for f in run.figures),
                parameters={**params, **chosen},
                publish=False,
            )
        )
    return runs
