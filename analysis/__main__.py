"""Command line: ``python -m analysis {validate,gaps,figures,run,changes,docs,db,export,site} ...``.

Exit codes (docs/batch.md lists every error): 0 success; 1 invalid input (data, runs.yaml, README
markers, committed outputs the site cannot use) or a failed run; 2 a missing or unreadable input;
128 + the signal's number when a batch is stopped (130 for Ctrl-C, 143 for SIGTERM). Every error a
user can cause is one line (or one line per data problem) on standard error, never a traceback.
Heavy libraries are imported inside each command so ``--help`` and a no-op ``run`` stay fast.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_INVALID = 1
EXIT_MISSING = 2

#: ``analysis.gaps.IDENTIFIED_BY``'s keys, spelled out so ``--help`` needs no pandas (a test keeps them equal).
IDENTIFIED_BY_CHOICES = ("jury", "jury:explicit", "jury+coroner", "jury+coroner:explicit", "all")


class UsageError(Exception):
    """A command cannot do what was asked with what it was given; the message says what to do."""

    def __init__(self, message: str, code: int = EXIT_INVALID) -> None:
        super().__init__(message)
        self.code = code


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    from analysis.problems import DataError, DataMissing

    try:
        return args.command(args)
    except DataError as exc:
        print(exc.report(), file=sys.stderr)
        return EXIT_INVALID
    except DataMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_MISSING
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.code
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError, PermissionError) as exc:
        where = exc.filename if exc.filename is not None else "input"
        print(
            f"error: {where}: {exc.strerror or exc} (check the path, or run from the project's folder)", file=sys.stderr
        )
        return EXIT_MISSING
    except Exception as exc:
        # The errors each command documents as a user's to fix, by type name, so the command line
        # imports none of their modules up front.
        if type(exc).__name__ in USER_ERRORS:
            print(f"error: {exc}", file=sys.stderr)
            return USER_ERRORS[type(exc).__name__]
        raise


#: Exceptions whose message is already one line saying what is wrong and what to do, and their exit status.
USER_ERRORS = {
    "RunsError": EXIT_INVALID,
    "RunsMissing": EXIT_MISSING,
    "SiteError": EXIT_INVALID,
    "DocsError": EXIT_INVALID,
    "PublishError": EXIT_INVALID,
}


def _validate(args: argparse.Namespace) -> int:
    from analysis.load import load_case
    from analysis.schema import read_tables

    case = load_case(args.data_dir)
    counts = ", ".join(
        f"{len(getattr(case, t))} {t}" for t in ("victims", "events", "opportunities", "findings", "sources")
    )
    if "citations" not in read_tables(args.data_dir):
        print(f"{args.data_dir}: valid ({counts})")
    else:
        from analysis.evidence import coverage_summary

        print(f"{args.data_dir}: valid ({counts}); {coverage_summary(case)}")
        if args.pages:
            from analysis.citations import quotes_not_on_pages

            problems = quotes_not_on_pages(args.data_dir, args.pages)
            for problem in problems:
                print(problem, file=sys.stderr)
            if problems:
                return 1
            print(f"every quote is on its saved page in {args.pages}")
    return 0


def _gaps(args: argparse.Namespace) -> int:
    from analysis.gaps import gap_table
    from analysis.load import load_case

    case = load_case(args.data)
    if args.investigation is not None and args.investigation not in case.investigations:
        print(
            f"error: --investigation: {args.investigation!r} is not an investigation of {args.data} "
            f"(choose from {', '.join(case.investigations)})",
            file=sys.stderr,
        )
        return EXIT_MISSING
    table = gap_table(case, basis=args.basis, identified_by=args.identified_by, investigation=args.investigation)
    if args.format == "csv":  # a missing value is an empty cell
        table.to_csv(sys.stdout, index=False, lineterminator="\n", date_format="%Y-%m-%d")
    elif args.format == "json":  # dates as YYYY-MM-DD, a missing value as null
        dates = [c for c in table.columns if str(table[c].dtype).startswith("datetime")]
        shown = table.assign(**{c: table[c].dt.strftime("%Y-%m-%d") for c in dates})
        sys.stdout.write(shown.to_json(orient="records", indent=1) + "\n")
    else:
        print(_gap_text(table, case, wide=args.wide))
    return 0


def _gap_text(table, case, wide: bool) -> str:
    """The gap table as aligned text, codes in words (:mod:`analysis.labels`): a missing value is
    "–"; 120 columns unless ``wide`` (every column, under its own name)."""
    from analysis.labels import Labels
    from analysis.tables import MISSING, day, span

    labels = Labels(case)
    words = {
        "investigation": labels.name if wide else labels.surname,
        "next_death": labels.name,
        "identified_by": labels.bodies,
        "official_credits": labels.credits,
        "deaths_in_window_certain": labels.names,
        "deaths_in_window_possible": labels.names,
        "next_deaths": labels.names,
    }
    if wide:
        columns = {c: c for c in table.columns}
    else:
        columns = {
            "opportunity": "opportunity_id",
            "investigation": "investigation",
            "may have arisen": ("date_earliest", "date_latest"),
            "next death": "next_death_name",
            "days to it": ("gap_days_min", "gap_days_max"),
            "deaths while open": "deaths_while_open",
            "days open": ("days_open_min", "days_open_max"),
        }

    def cell(row: dict, spec) -> str:
        if isinstance(spec, tuple):
            return span(row[spec[0]], row[spec[1]])
        value = row[spec]
        if spec in words:
            return words[spec](value)
        if hasattr(value, "strftime") and value == value:
            return day(value) if not wide else value.strftime("%Y-%m-%d")
        return MISSING if value is None or value != value or str(value) in ("<NA>", "NaT", "nan") else str(value)

    rows = [[cell(row, spec) for spec in columns.values()] for row in table.to_dict("records")]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(columns)]
    numeric = [
        any(r[i] != MISSING for r in rows) and all(r[i].replace("–", "").isdigit() or r[i] == MISSING for r in rows)
        for i in range(len(columns))
    ]

    def fmt(cells: list[str]) -> str:
        return "  ".join(c.rjust(w) if num else c.ljust(w) for c, w, num in zip(cells, widths, numeric)).rstrip()

    return "\n".join([fmt(list(columns)), *[fmt(r) for r in rows]])


def _figures(args: argparse.Namespace) -> int:
    from analysis.load import load_case
    from analysis.plots import FIGURES
    from analysis.save import save_figure

    case = load_case(args.data)
    for name, draw in FIGURES.items():
        for path in save_figure(draw(case), name, args.out):
            print(path)
    return 0


def _run(args: argparse.Namespace) -> int:
    from analysis.batch.batch import run_batch

    # A missing or malformed runs.yaml is refused (RunsError, one line) before any kernel starts.
    return run_batch(
        names=args.names,
        force=args.force,
        jobs=args.jobs,
        root=args.root,
        figures_dir=args.figures_dir,
        notebooks_dir=args.notebooks_dir,
        build_dir=args.build_dir,
    )


def _docs(args: argparse.Namespace) -> int:
    from analysis.docs import update_readme

    changed = update_readme(args.readme, args.data, args.dictionary)
    print(
        f"{args.readme} and its data dictionary: "
        f"{'generated sections updated' if changed else 'generated sections already up to date'}"
    )
    return 0


def _db(args: argparse.Namespace) -> int:
    from analysis.publish.db import build_database, metadata_path

    out = build_database(args.data, args.out)  # None: build/<the case's database name>.db
    print(f"{out}: built from {args.data} (Datasette metadata: {metadata_path(out)})")
    return 0


def _changes(args: argparse.Namespace) -> int:
    from analysis.changes import data_sha256, default_old_revision, diff_revisions, release_problems, render

    if not (args.root / "data" / "datapackage.json").is_file():
        raise UsageError(
            f"{args.root}: not a project (no data/datapackage.json); run from the project's folder or pass --root",
            EXIT_MISSING,
        )
    if args.hash:
        print(data_sha256(args.root / "data"))
        return 0
    if args.release:
        return _release(args)
    if args.check:
        problems = release_problems(args.root)
        for problem in problems:
            print(problem, file=sys.stderr)
        if not problems:
            print("data, version, CHANGES.md and CITATION.cff agree")
        return EXIT_INVALID if problems else 0
    old = args.old or default_old_revision(args.root)
    try:
        diffs = diff_revisions(args.root, old, args.new)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_MISSING
    sys.stdout.write(render(diffs, old, args.new, args.format))
    return 0


def _release(args: argparse.Namespace) -> int:
    from analysis.changes import ReleaseError, release

    if args.old or args.new or args.check:
        print(
            "error: --release takes no revisions and no --check: it diffs against the commit holding the last "
            "recorded version's data",
            file=sys.stderr,
        )
        return EXIT_MISSING
    try:
        done = release(args.root, args.release, args.message or "")
    except ReleaseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    print(f"Released data version {done.new} (was {done.old}; the changes call for at least a {done.needed} release).")
    print(f"Wrote {', '.join(str(p) for p in done.written)}; data sha256 {done.data_sha256}.")
    print("The CHANGES.md entry (add the source of each correction to it if the message does not name it):\n")
    print(done.entry.rstrip() + "\n")
    print(
        "Next: `make figures` (figures, notebooks and the README's generated sections, with the new version), "
        "`make test`, then commit data/, CHANGES.md, CITATION.cff, README.md, docs/, figures/ and notebooks/ "
        "together; rebuild what you publish with `make site` and `make db`."
    )
    return 0


def _export(args: argparse.Namespace) -> int:
    import json

    from analysis.load import load_case
    from analysis.publish.timelinejs import timeline, write_timeline

    case = load_case(args.data)
    if args.out is None:
        sys.stdout.write(json.dumps(timeline(case), ensure_ascii=False, indent=1) + "\n")
    else:
        print(write_timeline(case, args.out))
    return 0


def _site(args: argparse.Namespace) -> int:
    from analysis.publish.site import build_site

    pages = build_site(root=args.root, out=args.out, data=args.data)
    print(f"{args.out}: {pages} pages written; open {args.out / 'index.html'}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m analysis",
        description="Check a sourced record of missed opportunities before a series of deaths, compute gaps, "
        "and regenerate figures.",
        epilog="Exit codes: 0 ok, 1 invalid input or a failed run, 2 missing or unreadable input, "
        "130/143 batch stopped by Ctrl-C/SIGTERM (docs/batch.md).",
    )
    sub = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    validate = sub.add_parser("validate", help="check the data package and print a one-line summary")
    validate.add_argument(
        "data_dir",
        nargs="?",
        default="data",
        type=Path,
        metavar="DATA_DIR",
        help="directory holding datapackage.json (default: data)",
    )
    validate.add_argument(
        "--pages", type=Path, metavar="DIR", help="also check every quote against the saved page DIR/SOURCE_ID.txt"
    )
    validate.set_defaults(command=_validate)

    gaps = sub.add_parser("gaps", help="print the gap table: each missed opportunity to the next death")
    gaps.add_argument("--data", default="data", type=Path, metavar="DIR", help="data directory (default: data)")
    gaps.add_argument(
        "--basis",
        choices=("death", "found"),
        default="death",
        help="measure to the death interval (default) or to the day the body was found",
    )
    gaps.add_argument(
        "--identified-by",
        choices=IDENTIFIED_BY_CHOICES,
        default="all",
        help="keep opportunities credited to the jury, the jury or coroner, or all (default); "
        "':explicit' keeps only credits resting on a finding that names the failing",
    )
    gaps.add_argument(
        "--investigation",
        default=None,
        metavar="VICTIM_ID",
        help="keep one investigation's opportunities (a victim_id of the data)",
    )
    gaps.add_argument(
        "--format", choices=("table", "csv", "json"), default="table", help="output format (default: table)"
    )
    gaps.add_argument(
        "--wide", action="store_true", help="table format: show every column (the default table fits 120 columns)"
    )
    gaps.set_defaults(command=_gaps)

    figures = sub.add_parser("figures", help="write every figure (SVG, PNG, alt text) straight from the library")
    figures.add_argument("--data", default="data", type=Path, metavar="DIR", help="data directory (default: data)")
    figures.add_argument(
        "--out", default="figures", type=Path, metavar="DIR", help="output directory (default: figures)"
    )
    figures.set_defaults(command=_figures)

    run = sub.add_parser(
        "run", help="run the notebooks in notebooks/runs.yaml with papermill, skipping up-to-date runs"
    )
    run.add_argument("names", nargs="*", metavar="NAME", help="runs to execute (default: all)")
    run.add_argument("--force", action="store_true", help="run even if the inputs are unchanged")
    run.add_argument("--jobs", type=int, default=None, help="parallel runs (default: number of cores)")
    run.add_argument("--root", type=Path, default=Path("."), help="project root (default: .)")
    run.add_argument("--figures-dir", type=Path, default=None, help="where figures go (default: ROOT/figures)")
    run.add_argument(
        "--notebooks-dir", type=Path, default=None, help="where published notebooks go (default: ROOT/notebooks)"
    )
    run.add_argument(
        "--build-dir", type=Path, default=None, help="executed notebooks and run state (default: ROOT/build)"
    )
    run.set_defaults(command=_run)

    changes = sub.add_parser(
        "changes", help="row-level diff of the data tables between two git revisions; version checks"
    )
    changes.add_argument(
        "old",
        nargs="?",
        default=None,
        metavar="OLD_REV",
        help="older revision (default: the last release tag, else the previous commit)",
    )
    changes.add_argument(
        "new", nargs="?", default=None, metavar="NEW_REV", help="newer revision (default: the working tree)"
    )
    changes.add_argument("--format", choices=("text", "markdown"), default="text", help="output format (default: text)")
    changes.add_argument("--root", type=Path, default=Path("."), help="project root, a git checkout (default: .)")
    changes.add_argument(
        "--hash", action="store_true", help="print the data hash a CHANGES.md heading records, and exit"
    )
    changes.add_argument(
        "--check",
        action="store_true",
        help="check that data, datapackage.json version, CHANGES.md and CITATION.cff agree (exit 1 if not)",
    )
    changes.add_argument(
        "--release",
        choices=("patch", "minor", "major"),
        default=None,
        help="record the data as a new version: bump datapackage.json and CITATION.cff, add a "
        "CHANGES.md entry listing the changed rows (refuses a smaller bump than they call for)",
    )
    changes.add_argument("-m", "--message", default=None, metavar="WHY", help="with --release: why, in a sentence")
    changes.set_defaults(command=_changes)

    docs = sub.add_parser(
        "docs", help="regenerate the README's headline numbers and citation, and docs/data-dictionary.md, from the data"
    )
    docs.add_argument("--readme", default=Path("README.md"), type=Path)
    docs.add_argument("--data", default=Path("data"), type=Path)
    docs.add_argument(
        "--dictionary",
        default=None,
        type=Path,
        metavar="PATH",
        help="where the data dictionary goes (default: docs/data-dictionary.md beside the README)",
    )
    docs.set_defaults(command=_docs)

    db = sub.add_parser("db", help="build the SQLite database for Datasette (and its metadata) from the checked data")
    db.add_argument("--data", default=Path("data"), type=Path, metavar="DIR", help="data directory (default: data)")
    db.add_argument(
        "--out",
        default=None,
        type=Path,
        metavar="PATH",
        help="database file (default: build/NAME.db, NAME the case's database in datapackage.json); "
        "metadata goes beside it",
    )
    db.set_defaults(command=_db)
    export = sub.add_parser("export", help="write the record in another tool's format (timelinejs: TimelineJS JSON)")
    export.add_argument("format", choices=("timelinejs",), help="timelinejs: one TimelineJS slide per event")
    export.add_argument("--data", default=Path("data"), type=Path, metavar="DIR", help="data directory (default: data)")
    export.add_argument("--out", default=None, type=Path, metavar="FILE", help="write here (default: standard output)")
    export.set_defaults(command=_export)

    site = sub.add_parser("site", help="build the static reading site from the data, figures and executed notebooks")
    site.add_argument(
        "--root", default=Path("."), type=Path, help="project root holding data/, figures/, notebooks/ (default: .)"
    )
    site.add_argument("--out", default=Path("site"), type=Path, metavar="DIR", help="output directory (default: site)")
    site.add_argument(
        "--data",
        default=None,
        type=Path,
        metavar="DIR",
        help="data directory of another case (default: ROOT/data); its figures are drawn into the site "
        "and the notebooks, run on ROOT/data, are left out",
    )
    site.set_defaults(command=_site)
    return parser


if __name__ == "__main__":
    sys.exit(main())
