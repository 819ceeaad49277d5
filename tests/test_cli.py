"""The command line: exit codes, messages on stderr, no tracebacks, and the gap table formats."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

from analysis.__main__ import main
from conftest import DATA, ROOT


def cli_process(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """``python -m analysis ARGS`` in a process of its own: the real entry point and exit status."""
    return subprocess.run(
        [sys.executable, "-m", "analysis", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """The same command run in this process through the function ``python -m analysis`` exits with.

    Spares a Python start-up per call; the tests using :func:`cli_process` keep the real process honest.
    """
    out, err, before = io.StringIO(), io.StringIO(), os.getcwd()
    os.chdir(cwd)
    try:
        with redirect_stdout(out), redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse: --help, or a bad argument
                code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    finally:
        os.chdir(before)
    return subprocess.CompletedProcess(["python", "-m", "analysis", *args], code, out.getvalue(), err.getvalue())


def test_validate_ok_prints_one_line():
    done = cli("validate", str(DATA))
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("\n") == 1 and "valid" in done.stdout


def test_validate_invalid_exits_1_with_file_line_column(real_copy):
    path = real_copy / "events.csv"
    text = path.read_text(encoding="utf-8").splitlines(keepends=True)
    cells = text[1].split(",")
    cells[1] = "2014-02-30"
    path.write_text(text[0] + ",".join(cells) + "".join(text[2:]), encoding="utf-8")
    done = cli_process("validate", str(real_copy))
    assert done.returncode == 1
    assert f"{path}:2: date_earliest: '2014-02-30' is not a real calendar date" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_validate_missing_directory_exits_2(tmp_path):
    done = cli("validate", str(tmp_path / "absent"))
    assert done.returncode == 2
    assert "not a directory" in done.stderr and "Traceback" not in done.stderr


def test_validate_missing_descriptor_exits_2(tmp_path):
    done = cli("validate", str(tmp_path))
    assert done.returncode == 2
    assert "datapackage.json: not found" in done.stderr


def test_help():
    done = cli("-h")
    assert done.returncode == 0 and "validate" in done.stdout and "gaps" in done.stdout


def test_gaps_csv_has_one_row_per_opportunity():
    from analysis import load_case

    done = cli("gaps", "--format", "csv")
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    # The order the table promises: earliest day the opportunity may have arisen, then latest, then id,
    # read here from the CSV itself (ISO dates sort as text), not from the library.
    with open(DATA / "opportunities.csv", encoding="utf-8", newline="") as fh:
        expected = sorted(csv.DictReader(fh), key=lambda r: (r["date_earliest"], r["date_latest"], r["opportunity_id"]))
    assert [r["opportunity_id"] for r in rows] == [r["opportunity_id"] for r in expected]
    dates = [(r["date_earliest"], r["date_latest"]) for r in rows]
    assert dates == sorted(dates) and len(set(dates)) > 1  # the printed dates themselves ascend
    assert len(rows) == len(load_case(DATA).opportunities)
    taylor = [r for r in rows if r["investigation"] == "taylor"]
    assert taylor and all(r["next_death"] == "" and r["gap_days_min"] == "" for r in taylor)


def test_gaps_json_and_filters():
    done = cli("gaps", "--format", "json", "--basis", "found", "--investigation", "walgate")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert rows and {r["investigation"] for r in rows} == {"walgate"}


def test_gaps_rejects_unknown_basis():
    done = cli("gaps", "--basis", "guess")
    assert done.returncode == 2 and "invalid choice" in done.stderr


def test_gaps_table_fits_120_columns_and_shows_missing_values_one_way():
    done = cli("gaps")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert max(len(line) for line in lines) <= 120
    assert not any(word in done.stdout for word in ("NaN", "None", "<NA>", "NaT"))
    taylor = [line for line in lines if line.startswith("op-t-01")][0]
    assert "–" in taylor  # no next death: a dash
    assert "20–30 Jun 2014" in done.stdout  # op-w-04's interval, as a reader writes it
    wide = cli("gaps", "--wide")
    assert "gap_days_mid" in wide.stdout.splitlines()[0] and "NaN" not in wide.stdout and "<NA>" not in wide.stdout


def test_gaps_json_dates_are_plain_days():
    rows = json.loads(cli("gaps", "--format", "json").stdout)
    assert rows[0]["date_earliest"] == "2014-06-19" and rows[0]["next_earliest"] == "2014-08-25"
    assert rows[-1]["next_earliest"] is None and rows[-1]["gap_days_min"] is None
