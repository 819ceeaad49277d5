"""Published whole or not at all: a run's files, the site and the database are the old set or the new
set after any failure or interrupt at any step, never a mix."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import analysis.atomic as atomic
from analysis.batch.publish import Interrupts, publish
from analysis.batch.spec import Run
from conftest import DATA, ROOT

RUN = Run(name="r", notebook="n.ipynb", figures=("f", "g"))
FILES = [f"{name}{suffix}" for name in ("f", "g") for suffix in (".svg", ".png", ".alt.txt")]


def old_and_staged(tmp_path: Path) -> tuple[Path, Path]:
    figures, staged = tmp_path / "figures", tmp_path / "staged"
    figures.mkdir()
    staged.mkdir()
    for name in FILES:
        (figures / name).write_text("old", encoding="utf-8")
        (staged / name).write_text("new", encoding="utf-8")
    return figures, staged


def contents(figures: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(figures.iterdir())}


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupt_inside_publishing_lands_after_the_whole_set(tmp_path, monkeypatch, sig):
    """The signal reaches another thread (as the process pool's helper threads do) halfway through the
    renames; the set is published whole, then the interrupt is raised."""
    figures, staged = old_and_staged(tmp_path)
    other = threading.Thread(target=time.sleep, args=(5,), daemon=True)
    other.start()
    real_replace, calls = os.replace, []

    def replace_then_signal(src, dst):
        real_replace(src, dst)
        calls.append(dst)
        if len(calls) == 3:
            signal.pthread_kill(other.ident, sig)
            time.sleep(0.05)  # long enough for the handler to run, were it not held back

    monkeypatch.setattr(atomic.os, "replace", replace_then_signal)
    with Interrupts() as interrupts:
        with pytest.raises(KeyboardInterrupt):
            with interrupts.held():
                publish(RUN, figures, tmp_path, tmp_path / "none.ipynb", staged)
                assert contents(figures) == {name: "new" for name in FILES}  # reached: not interrupted halfway
        assert interrupts.signal_number == sig
    assert contents(figures) == {name: "new" for name in FILES}


def test_an_interrupt_not_held_back_rolls_the_set_back(tmp_path, monkeypatch):
    """Without the hold, Ctrl-C lands among the renames, and the set goes back to the old one."""
    figures, staged = old_and_staged(tmp_path)
    real_replace, calls = os.replace, []

    def replace_then_interrupt(src, dst):
        real_replace(src, dst)
        calls.append(dst)
        if len(calls) == 3:
            raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "replace", replace_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        publish(RUN, figures, tmp_path, tmp_path / "none.ipynb", staged)
    monkeypatch.undo()
    assert contents(figures) == {name: "old" for name in FILES}


@pytest.mark.parametrize("step", range(1, len(FILES) + 1))
def test_a_failure_at_any_rename_leaves_the_old_set(tmp_path, monkeypatch, step):
    figures, staged = old_and_staged(tmp_path)
    real_replace, calls = os.replace, []

    def failing_replace(src, dst):
        calls.append(dst)
        if len(calls) == step:
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(atomic.os, "replace", failing_replace)
    with pytest.raises(OSError):
        publish(RUN, figures, tmp_path, tmp_path / "none.ipynb", staged)
    monkeypatch.undo()
    assert contents(figures) == {name: "old" for name in FILES}  # nothing new, no temporary or backup file left


def test_a_failure_while_copying_leaves_the_old_set(tmp_path, monkeypatch):
    import shutil

    figures, staged = old_and_staged(tmp_path)
    real_copy, calls = shutil.copyfile, []

    def failing_copy(src, dst):
        calls.append(dst)
        if len(calls) == 4:
            raise OSError(5, "Input/output error")
        return real_copy(src, dst)

    monkeypatch.setattr("analysis.batch.publish.shutil.copyfile", failing_copy)
    with pytest.raises(OSError):
        publish(RUN, figures, tmp_path, tmp_path / "none.ipynb", staged)
    assert contents(figures) == {name: "old" for name in FILES}


@pytest.mark.parametrize("exchange", [True, False])
def test_replacing_a_folder_keeps_the_old_one_when_the_last_step_fails(tmp_path, monkeypatch, exchange):
    target, new = tmp_path / "site", tmp_path / ".site-new"
    target.mkdir()
    new.mkdir()
    (target / "index.html").write_text("old", encoding="utf-8")
    (new / "index.html").write_text("new", encoding="utf-8")
    if not exchange:
        monkeypatch.setattr(atomic, "_exchange", lambda a, b: False)
        real_rename = os.rename

        def rename(src, dst):
            if Path(src) == new:
                raise OSError(18, "Invalid cross-device link")
            real_rename(src, dst)

        monkeypatch.setattr(atomic.os, "rename", rename)
        with pytest.raises(OSError):
            atomic.replace_dir(new, target)
        monkeypatch.undo()
        assert (target / "index.html").read_text(encoding="utf-8") == "old"
        return
    if sys.platform.startswith("linux"):  # one atomic exchange: no moment without a site
        (tmp_path / "a").mkdir()
        (tmp_path / "b").mkdir()
        (tmp_path / "a" / "in-a").touch()
        assert atomic._exchange(tmp_path / "a", tmp_path / "b") and (tmp_path / "b" / "in-a").exists()
    atomic.replace_dir(new, target)
    assert (target / "index.html").read_text(encoding="utf-8") == "new" and not new.exists()


def kill_when(cmd: list[str], appears, cwd: Path) -> None:
    """Start ``cmd``; SIGKILL it as soon as ``appears()`` is true (its build is under way)."""
    process = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not appears():
        assert process.poll() is None, "the build ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.005)
    process.kill()
    process.wait()


@pytest.mark.publish
def test_a_database_build_killed_midway_leaves_the_previous_database_and_metadata(tmp_path):
    out = tmp_path / "x.db"
    build = [sys.executable, "-m", "analysis", "db", "--data", str(DATA), "--out", str(out)]
    subprocess.run(build, cwd=ROOT, check=True, capture_output=True)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    kill_when(build, lambda: any(p.name.startswith(".x.db.") for p in tmp_path.iterdir()), ROOT)
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir() if not p.name.startswith(".")}
    assert after == before


@pytest.mark.publish
def test_a_site_build_killed_midway_leaves_the_previous_site(tmp_path):
    out = tmp_path / "site"
    out.mkdir()
    (out / "index.html").write_text("the previous site", encoding="utf-8")
    build = [sys.executable, "-m", "analysis", "site", "--root", str(ROOT), "--out", str(out)]
    kill_when(
        build,
        lambda: any(p.name.startswith(".site-") and any(p.iterdir()) for p in tmp_path.iterdir() if p.is_dir()),
        ROOT,
    )
    assert [p.name for p in out.iterdir()] == ["index.html"]
    assert (out / "index.html").read_text(encoding="utf-8") == "the previous site"


def test_a_reader_of_the_figures_waits_while_a_batch_holds_them(tmp_path, capsys):
    """The site build reads figures/ under `reading`: while a batch holds its lock, it waits, says so
    in one line, and goes on once the batch is done."""
    from analysis.batch.lock import batch_lock, reading

    figures, read_at = tmp_path / "figures", []

    def reader() -> None:
        with reading(figures):
            read_at.append(time.monotonic())

    with batch_lock(tmp_path / "build", figures):
        thread = threading.Thread(target=reader)
        thread.start()
        time.sleep(0.5)
        assert read_at == []  # still waiting
        released = time.monotonic()
    thread.join(timeout=30)
    assert read_at and read_at[0] >= released
    assert "waiting for the batch writing" in capsys.readouterr().err
