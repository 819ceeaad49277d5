"""Shared fixtures: the project root, the real data, small hand-made packages, and one regeneration.

The full regeneration (every run of notebooks/runs.yaml, executed once into a temporary folder)
is shared by the stale-output tests and the nbval comparison: each notebook run is executed once
per test run and compared once, also when pytest-xdist spreads the tests over several processes
(`make test` does). It starts in the background as soon as collection shows a test needs it, so
the other tests run while it works.

With ``--reuse-regeneration`` (`make test-core` passes it) the regeneration is kept between test
runs in build/tests/regeneration/, and the batch re-runs only what its own rule calls out of date
there: a run whose notebook, data, library code, parameters or environment changed, or whose
outputs are no longer the bytes it wrote. `make test` and CI regenerate every run afresh.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
KEPT_REGENERATION = ROOT / "build" / "tests" / "regeneration"

HEADERS = {
    "victims": "victim_id,name,age,home_town,died_earliest,died_latest,found_date,found_place,classified_at_time,source_ids,notes",
    "events": "event_id,date_earliest,date_latest,kind,victim_id,summary,source_ids,notes",
    "opportunities": "opportunity_id,date_earliest,date_latest,open_until_earliest,open_until_latest,investigation,actor,category,unit,missed,would_have,identified_by,source_ids,notes",
    "findings": "finding_id,date,body,victim_id,kind,summary,opportunity_ids,link,source_ids,notes",
    "sources": "source_id,title,publisher,published,url,kind,origin,read_at,notes",
    "citations": "row_id,fields,source_id,quote,derived_from,rule,assumption",
}


def write_package(folder: Path, **tables: list[dict]) -> Path:
    """Write a data package into ``folder``: the real descriptor plus the given rows per table.

    Tables not given get one harmless row (or the four-victim default for ``victims``). When
    ``findings`` is not given, each official credit in the given opportunities (``jury``,
    ``coroner``, ...) gets the explicit finding the loader requires for it (:func:`credit_findings`).
    """
    folder.mkdir(parents=True, exist_ok=True)
    # The real descriptor, but its series ends at the package's own latest arrest: the real
    # case's event id is not among hand-made rows.
    descriptor = json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))
    descriptor.get("case", {}).pop("series_end_event", None)
    # Hand-made rows carry no citations unless a test gives them, so the basis of every field is
    # counted, not required (a test that wants it required sets the switch itself).
    descriptor["citations"] = {"complete": False}
    (folder / "datapackage.json").write_text(
        json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    defaults = {
        "sources": [
            {
                "source_id": "src-a",
                "title": "A report",
                "publisher": "Publisher",
                "published": "2021-12-10",
                "url": "https://example.org/a",
                "kind": "press",
            }
        ],
        "victims": [
            victim("walgate", "2014-06-17", "2014-06-19", "2014-06-19"),
            victim("kovari", "2014-08-25", "2014-08-28", "2014-08-28"),
            victim("whitworth", "2014-09-18", "2014-09-20", "2014-09-20"),
            victim("taylor", "2015-09-13", "2015-09-14", "2015-09-14"),
        ],
        "events": [
            {
                "event_id": "ev-x-01",
                "date_earliest": "2015-10-15",
                "date_latest": "2015-10-15",
                "kind": "arrest",
                "summary": "Port arrested.",
                "source_ids": "src-a",
            }
        ],
        "opportunities": [],
        "findings": credit_findings(tables.get("opportunities", [])),
        "citations": [],
    }
    for name, header in HEADERS.items():
        rows = tables.get(name, defaults[name])
        with open(folder / f"{name}.csv", "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, header.split(","), lineterminator="\n")
            writer.writeheader()
            for row in rows:
                writer.writerow({k: row.get(k, "") for k in header.split(",")})
    return folder


#: A finding body for each official credit, for :func:`credit_findings`.
CREDIT_BODY = {
    "jury": "inquest_jury",
    "coroner": "coroner",
    "iopc": "iopc",
    "court": "high_court",
    "hmicfrs": "hmicfrs",
}


def credit_findings(opportunities: list[dict]) -> list[dict]:
    """One explicit finding per (opportunity, official credit), so hand-made credits load."""
    rows = []
    for opp in opportunities:
        for credit in dict.fromkeys((opp.get("identified_by") or "").split(";")):
            if credit in CREDIT_BODY:
                rows.append(
                    {
                        "finding_id": f"fd-{credit}-{opp['opportunity_id']}",
                        "date": "2021-12-10",
                        "body": CREDIT_BODY[credit],
                        "kind": "failing",
                        "summary": "A failing.",
                        "opportunity_ids": opp["opportunity_id"],
                        "link": "explicit",
                        "source_ids": "src-a",
                    }
                )
    return rows


def victim(victim_id: str, earliest: str, latest: str, found: str) -> dict:
    return {
        "victim_id": victim_id,
        "name": f"Test {victim_id.title()}",
        "age": "25",
        "died_earliest": earliest,
        "died_latest": latest,
        "found_date": found,
        "found_place": "Barking",
        "source_ids": "src-a",
    }


#: The day the hand-made packages' opportunities close unless told otherwise: the default arrest.
DEFAULT_CLOSE = "2015-10-15"


def opportunity(
    opportunity_id: str,
    earliest: str,
    latest: str,
    investigation: str,
    identified_by: str = "jury",
    category: str = "lines_of_enquiry",
    unit: str = "borough",
    open_until: tuple[str, str] | None = None,
) -> dict:
    """An opportunity row that arose on ``earliest``..``latest`` and closed on ``open_until``
    (default: the default arrest's day, or ``latest`` if that is later)."""
    close = open_until or (max(DEFAULT_CLOSE, earliest), max(DEFAULT_CLOSE, latest))
    return {
        "opportunity_id": opportunity_id,
        "date_earliest": earliest,
        "date_latest": latest,
        "open_until_earliest": close[0],
        "open_until_latest": close[1],
        "investigation": investigation,
        "actor": "borough CID",
        "category": category,
        "unit": unit,
        "missed": "something",
        "would_have": "something else",
        "identified_by": identified_by,
        "source_ids": "src-a",
    }


@pytest.fixture()
def real_copy(tmp_path: Path) -> Path:
    """A writable copy of the committed data directory."""
    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    return target


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reading site built once per session from the committed data, figures and notebooks."""
    from analysis.publish.site import build_site

    out = tmp_path_factory.mktemp("site") / "site"
    build_site(ROOT, out)
    return out


def processes_in(folder: Path) -> set[int]:
    """Ids of the live processes whose working directory lies in ``folder`` (batch workers, kernels)."""
    found = set()
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and Path(os.readlink(proc / "cwd")).is_relative_to(folder):
                found.add(int(proc.name))
        except OSError:  # gone meanwhile, or not ours to read
            pass
    return found


def prune_kept_regeneration(folder: Path) -> None:
    """Remove from a kept regeneration the figures and notebooks no run of runs.yaml writes any more
    (a run renamed or removed since): the batch never deletes a file, and the comparisons with the
    committed folders would report the leftovers as stale."""
    from analysis.batch.manifest import MANIFEST, outputs_of
    from analysis.batch.spec import RUNS_FILE, read_runs

    figures, notebooks = folder / "figures", folder / "notebooks"
    wanted = {path for run in read_runs(ROOT / RUNS_FILE) for path in outputs_of(run, figures, notebooks).values()}
    wanted.add(figures / MANIFEST)
    for kept in (figures, notebooks):
        for path in kept.glob("*") if kept.is_dir() else ():
            if path.is_file() and path not in wanted:
                path.unlink()


class Regeneration:
    """``python -m analysis run --force`` on the committed project, once per test run, into ``shared``;
    with ``reuse``, ``python -m analysis run`` into the kept regeneration instead (only what is out of date).

    With pytest-xdist every worker collects the whole suite: the first one to need the regeneration
    starts it (a lock file in the run's shared temporary folder decides), the others wait for the
    same folder. The worker that started it sees it through before it exits, so nothing is left
    running and no other worker waits in vain.
    """

    def __init__(self, shared: Path, reuse: bool = False) -> None:
        self.control = shared / "regeneration"  # this test run's: who started the batch, its log, its exit
        self.control.mkdir(parents=True, exist_ok=True)
        # The outputs: this run's own folder, or the one kept between runs (then without --force, so
        # the batch re-runs only what changed since the last regeneration there).
        self.folder = KEPT_REGENERATION if reuse else self.control
        self.process: subprocess.Popen | None = None
        import fcntl  # Unix only: imported where used, so the other tests collect anywhere

        with open(self.control / "start.lock", "a+", encoding="utf-8") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if (self.control / "batch.log").exists():
                return  # another worker started it
            if reuse:
                prune_kept_regeneration(self.folder)
            self.log = open(self.control / "batch.log", "w", encoding="utf-8")
            # One batch worker: `make test` runs the tests in two processes beside it, and on two cores
            # that finishes sooner than two batch workers competing with them.
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "analysis",
                    "run",
                    *([] if reuse else ["--force"]),
                    "--jobs",
                    "1",
                    "--root",
                    str(ROOT),
                    "--figures-dir",
                    str(self.folder / "figures"),
                    "--notebooks-dir",
                    str(self.folder / "notebooks"),
                    "--build-dir",
                    str(self.folder / "build"),
                ],
                stdin=subprocess.DEVNULL,
                stdout=self.log,
                stderr=subprocess.STDOUT,
            )
        # Records the exit status as soon as the batch ends: under xdist the process that started it may
        # be busy with tests that do not need it while the others wait for it.
        self.recorder = threading.Thread(target=self._finish, daemon=True)
        self.recorder.start()

    def _finish(self) -> None:
        """In the worker that started the batch: wait for it and record its exit status for the others."""
        code = self.process.wait(timeout=1200)
        self.log.close()
        (self.control / "exit.tmp").write_text(str(code), encoding="utf-8")
        (self.control / "exit.tmp").replace(self.control / "exit")

    def wait(self) -> Path:
        """Wait for the batch; return the folder holding figures/, notebooks/ and build/runs/."""
        deadline = time.monotonic() + 1200
        while not (self.control / "exit").exists():
            assert time.monotonic() < deadline, "the regeneration did not finish"
            time.sleep(0.1)
        code = int((self.control / "exit").read_text(encoding="utf-8"))
        assert code == 0, (self.control / "batch.log").read_text(encoding="utf-8")[-6000:]
        return self.folder

    def close(self, interrupted: bool) -> None:
        """In the process that started the batch: see it through (or stop it, if the tests were interrupted)."""
        if self.process is None:
            return
        if interrupted:
            self.process.kill()
        self.recorder.join(timeout=1200)


_regeneration: Regeneration | None = None


def shared_temp(config: pytest.Config) -> Path:
    """This test run's temporary folder, shared by all pytest-xdist workers (pytest keeps the last three)."""
    base = config._tmp_path_factory.getbasetemp()  # noqa: SLF001  # the session's, before any fixture runs
    return base.parent if hasattr(config, "workerinput") else base


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--reuse-regeneration",
        action="store_true",
        help="keep the regeneration of the committed outputs in build/tests/regeneration/ and re-run only "
        "the runs whose inputs changed since (make test-core); without it every run is regenerated afresh",
    )


def start_regeneration(config: pytest.Config) -> Regeneration:
    return Regeneration(shared_temp(config), reuse=config.getoption("--reuse-regeneration"))


def uses_regeneration(item: pytest.Item) -> bool:
    return "regenerated" in getattr(item, "fixturenames", ())


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the tests that wait for the regeneration last, so the others run while it works."""
    items.sort(key=uses_regeneration)  # stable: the order within each group is kept


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start the regeneration early if any selected test uses it (and not at all otherwise)."""
    global _regeneration
    if _regeneration is None and any(uses_regeneration(item) for item in session.items):
        _regeneration = start_regeneration(session.config)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _regeneration is not None:
        _regeneration.close(interrupted=exitstatus == pytest.ExitCode.INTERRUPTED)


@pytest.fixture(scope="session")
def regenerated(pytestconfig: pytest.Config) -> Path:
    """A folder with every run's outputs regenerated from the committed data, notebooks and code."""
    global _regeneration
    if _regeneration is None:  # e.g. a plugin collected items without the hook above
        _regeneration = start_regeneration(pytestconfig)
    return _regeneration.wait()
