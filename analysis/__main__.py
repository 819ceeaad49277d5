"""Command line: ``python -m analysis {validate,gaps,figures,run,docs,export,site} ...``.

Exit codes: 0 success; 1 invalid data or a failed run; 2 a missing or unreadable input.
Heavy libraries are imported inside each command so ``--help`` and a no-op ``run`` stay fast.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_INVALID = 1
EXIT_MISSING = 2


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


def _validate(args: argparse.Namespace) -> int:
    from analysis.load import load_case

    case = load_case(args.data_dir)
    counts = ", ".join(f"{len(getattr(case, t))} {t}" for t in ("victims", "events", "opportunities", "findings", "sources"))
    print(f"{args.data_dir}: valid ({counts})")
    return 0


def _gaps(args: argparse.Namespace) -> int:
    from analysis.gaps import gap_table
    from analysis.load import load_case

    table = gap_table(load_case(args.data), basis=args.basis, identified_by=args.identified_by,
                      investigation=args.investigation)
    if args.format == "csv":
        table.to_csv(sys.stdout, index=False, lineterminator="\n", date_format="%Y-%m-%d")
    elif args.format == "json":
        sys.stdout.write(table.to_json(orient="records", date_format="iso", date_unit="s", indent=1) + "\n")
    else:
        import pandas as pd

        with pd.option_context("display.max_rows", None, "display.max_columns", None, "display.width", 200):
            print(table.drop(columns=["identified_by", "next_earliest", "next_latest"]).to_string(index=False))
    return 0


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
    from analysis.runs import run_batch

    return run_batch(names=args.names, force=args.force, jobs=args.jobs, root=args.root,
                     figures_dir=args.figures_dir, notebooks_dir=args.notebooks_dir, build_dir=args.build_dir)


def _docs(args: argparse.Namespace) -> int:
    from analysis.docs import update_readme

    changed = update_readme(args.readme, args.data)
    print(f"{args.readme}: {'generated sections updated' if changed else 'generated sections already up to date'}")
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

    pages = build_site(root=args.root, out=args.out)
    print(f"{args.out}: {pages} pages written; open {args.out / 'index.html'}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m analysis",
        description="Check the Stephen Port police-failings record, compute gaps, and regenerate figures.",
        epilog="Exit codes: 0 ok, 1 invalid data or failed run, 2 missing or unreadable input.",
    )
    sub = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    validate = sub.add_parser("validate", help="check the data package and print a one-line summary")
    validate.add_argument("data_dir", nargs="?", default="data", type=Path, metavar="DATA_DIR",
                          help="directory holding datapackage.json (default: data)")
    validate.set_defaults(command=_validate)

    gaps = sub.add_parser("gaps", help="print the gap table: each missed opportunity to the next death")
    gaps.add_argument("--data", default="data", type=Path, metavar="DIR", help="data directory (default: data)")
    gaps.add_argument("--basis", choices=("death", "found"), default="death",
                      help="measure to the death interval (default) or to the day the body was found")
    gaps.add_argument("--identified-by", choices=("jury", "jury+coroner", "all"), default="all",
                      help="keep opportunities the jury named, the jury or coroner named, or all (default)")
    gaps.add_argument("--investigation", choices=("walgate", "kovari", "whitworth", "taylor"), default=None,
                      help="keep one investigation's opportunities")
    gaps.add_argument("--format", choices=("table", "csv", "json"), default="table", help="output format (default: table)")
    gaps.set_defaults(command=_gaps)

    figures = sub.add_parser("figures", help="write every figure (SVG, PNG, alt text) straight from the library")
    figures.add_argument("--data", default="data", type=Path, metavar="DIR", help="data directory (default: data)")
    figures.add_argument("--out", default="figures", type=Path, metavar="DIR", help="output directory (default: figures)")
    figures.set_defaults(command=_figures)

    run = sub.add_parser("run", help="run the notebooks in notebooks/runs.yaml with papermill, skipping up-to-date runs")
    run.add_argument("names", nargs="*", metavar="NAME", help="runs to execute (default: all)")
    run.add_argument("--force", action="store_true", help="run even if the inputs are unchanged")
    run.add_argument("--jobs", type=int, default=None, help="parallel runs (default: number of cores)")
    run.add_argument("--root", type=Path, default=Path("."), help="project root (default: .)")
    run.add_argument("--figures-dir", type=Path, default=None, help="where figures go (default: ROOT/figures)")
    run.add_argument("--notebooks-dir", type=Path, default=None,
                     help="where published notebooks go (default: ROOT/notebooks)")
    run.add_argument("--build-dir", type=Path, default=None, help="executed notebooks and run state (default: ROOT/build)")
    run.set_defaults(command=_run)

    docs = sub.add_parser("docs", help="regenerate the README's data dictionary and headline numbers from the data")
    docs.add_argument("--readme", default=Path("README.md"), type=Path)
    docs.add_argument("--data", default=Path("data"), type=Path)
    docs.set_defaults(command=_docs)

    export = sub.add_parser("export", help="write the record in another tool's format (timelinejs: TimelineJS JSON)")
    export.add_argument("format", choices=("timelinejs",), help="timelinejs: one TimelineJS slide per event")
    export.add_argument("--data", default=Path("data"), type=Path, metavar="DIR", help="data directory (default: data)")
    export.add_argument("--out", default=None, type=Path, metavar="FILE", help="write here (default: standard output)")
    export.set_defaults(command=_export)

    site = sub.add_parser("site", help="build the static reading site from the data, figures and executed notebooks")
    site.add_argument("--root", default=Path("."), type=Path, help="project root holding data/, figures/, notebooks/ (default: .)")
    site.add_argument("--out", default=Path("site"), type=Path, metavar="DIR", help="output directory (default: site)")
    site.set_defaults(command=_site)
    return parser


if __name__ == "__main__":
    sys.exit(main())
