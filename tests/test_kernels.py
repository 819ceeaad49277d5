"""Kernels: a kernel forked from the batch's template is the kernel jupyter_client would launch, and
nothing outlives a killed batch, with forking on and off (``PORT_FORK_KERNELS``); the template's
interpreter is resolved as jupyter_client resolves it, and a forked kernel reports its real exit status."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import processes_in
from test_runs import TINY_NOTEBOOK, tiny_project

LINUX = sys.platform.startswith("linux")

PROBE = """import atexit, json, os, signal, sys, warnings
probe = {"modules before the cell": sorted(m for m in ("pandas", "matplotlib", "analysis") if m not in sys.modules),
         "working directory": os.getcwd(), "python path": sys.path, "argv": sys.argv, "executable": sys.executable,
         "own session": os.getsid(0) == os.getpid(), "MPLBACKEND": os.environ.get("MPLBACKEND"),
         "parent is JPY_PARENT_PID": str(os.getppid()) == os.environ.get("JPY_PARENT_PID"),
         "parent": open(f"/proc/{os.getppid()}/cmdline", "rb").read().decode(errors="replace"),
         "xoptions": {k: repr(v) for k, v in sys._xoptions.items()}, "flags": repr(sys.flags),
         "signals": {s.name: repr(signal.getsignal(s)) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD,
                                                                signal.SIGPIPE, signal.SIGHUP)},
         "environment": dict(os.environ), "umask": os.umask(0o022)}
import pandas as pd
import matplotlib
import matplotlib.figure  # what the template imports (analysis.batch.fork.LIBRARY_IMPORTS)
from pandas._config.config import _registered_options
probe["pandas options"] = {key: repr(pd.get_option(key)) for key in sorted(_registered_options)}
probe["matplotlib settings"] = {key: repr(value) for key, value in sorted(matplotlib.rcParams.items())}
probe["matplotlib backend"] = matplotlib.get_backend()
# After the imports, where both kernels have imported the same modules:
probe["atexit handlers"] = atexit._ncallbacks()
probe["warnings filters"] = [repr(f) for f in warnings.filters]
open(OUT, "w").write(json.dumps(probe))
"""


def probe_in_a_batch(tmp_path: Path, fork: bool) -> dict:
    """Run the probe as the second run of a one-worker batch (the template imports pandas and
    matplotlib after its first fork), kill the batch mid-cell (SIGKILL), check nothing is left."""
    out = tmp_path / f"probe-{fork}.json"
    nb = json.loads(json.dumps(TINY_NOTEBOOK))
    nb["cells"].insert(
        1,
        {
            "cell_type": "code",
            "execution_count": None,
            "id": "probe",
            "metadata": {},
            "outputs": [],
            "source": PROBE.replace("OUT", repr(str(out))) + "import time\ntime.sleep(120)\n",
        },
    )
    root = tiny_project(
        tmp_path / f"fork-{fork}",
        "runs:\n  - {name: first, notebook: tiny.ipynb, figures: [f]}\n"
        "  - {name: probe, notebook: probe.ipynb, figures: []}\n",
    )
    (root / "notebooks" / "probe.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    env = {**os.environ, "PORT_FORK_KERNELS": "1" if fork else "0"}
    batch = subprocess.Popen(
        [sys.executable, "-m", "analysis", "run", "--jobs", "1"],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not out.exists() or not out.read_text(encoding="utf-8").endswith("}"):  # the cell is running
            assert batch.poll() is None and time.monotonic() < deadline, "the run never started"
            time.sleep(0.1)
        assert len(processes_in(root / "build")) >= 2  # the worker and the kernel (and the template)
    finally:
        batch.send_signal(signal.SIGKILL)
        batch.wait()
    deadline = time.monotonic() + 30
    while processes_in(root / "build") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_in(root / "build") == set(), "a worker, template or kernel outlived the killed batch"
    probe = json.loads(out.read_text(encoding="utf-8"))
    # What differs by design: the worker's own folder and process ids, and the test's folder.
    text = re.sub(r"worker-\d+", "worker-N", json.dumps(probe)).replace(str(root), "ROOT")
    text = re.sub(r'"JPY_PARENT_PID": "\d+"', '"JPY_PARENT_PID": "N"', text)
    text = re.sub(r'"-f", "[^"]*"', '"-f", "CONNECTION_FILE"', text)
    probe = json.loads(text)
    probe["environment"].pop("PORT_FORK_KERNELS")  # the switch itself
    return probe


@pytest.mark.batch
@pytest.mark.skipif(not LINUX, reason="kernels are forked from a template on Linux only")
def test_a_forked_kernel_is_a_launched_kernel_and_nothing_outlives_a_killed_batch(tmp_path):
    """Forking on and off, the probe sees the same: every pandas option and matplotlib setting, the
    backend, interpreter flags and -X options, atexit handlers, warnings filters, signal handlers,
    the environment, argv, sys.path, the session and the parent."""
    forked, launched = probe_in_a_batch(tmp_path, fork=True), probe_in_a_batch(tmp_path, fork=False)
    # Proof that the template served the forked kernel: pandas and matplotlib were imported before the cell.
    assert forked.pop("modules before the cell") == ["analysis"]
    assert launched.pop("modules before the cell") == ["analysis", "matplotlib", "pandas"]
    assert "analysis" in forked["parent"] and forked["parent is JPY_PARENT_PID"]  # the worker, as when launched
    # numpy adds its warnings filters as it is imported; the template imported it before the kernel
    # added its own, so they come in another order (none of numpy's matches what the kernel's match).
    assert sorted(forked.pop("warnings filters")) == sorted(launched.pop("warnings filters"))
    differ = {k: (v, launched.get(k)) for k, v in forked.items() if launched.get(k) != v}
    assert forked == launched, differ


FORK_SCRIPT = """
import json, sys
from pathlib import Path
from analysis.batch.fork import Template, adopt_orphans
assert adopt_orphans()
template = Template(sys.executable, [], cwd=Path.cwd())
codes = {}
for args in (["--version"], ["--no-such-flag"]):
    kernel = template.fork([sys.executable, "-m", "ipykernel_launcher", *args], str(Path.cwd()), {"PATH": "/usr/bin"}, None)
    codes[args[0]] = kernel.wait(timeout=60)
template.close()
print(json.dumps(codes))
"""


@pytest.mark.batch
@pytest.mark.skipif(not LINUX, reason="kernels are forked from a template on Linux only")
def test_a_forked_kernel_reports_its_real_exit_status(tmp_path):
    forked = json.loads(
        subprocess.run(
            [sys.executable, "-c", FORK_SCRIPT], cwd=tmp_path, capture_output=True, text=True, timeout=120, check=True
        ).stdout
    )
    launched = {
        arg: subprocess.run(
            [sys.executable, "-m", "ipykernel_launcher", arg], capture_output=True, timeout=60
        ).returncode
        for arg in ("--version", "--no-such-flag")
    }
    assert launched["--no-such-flag"] != 0 and launched["--version"] == 0  # the launched kernel's own statuses
    assert forked == launched


def test_the_template_runs_the_interpreter_jupyter_client_would():
    """``python`` in a kernel spec means this interpreter to jupyter_client, not whatever is on PATH."""
    from jupyter_client.manager import KernelManager

    from analysis.batch.fork import split_command
    from analysis.batch.supply import resolve_python

    manager = KernelManager()
    for argv0 in ("python", f"python{sys.version_info[0]}", "/opt/other/bin/python3"):
        manager.kernel_spec.argv = [
            argv0,
            "-Xfrozen_modules=off",
            "-m",
            "ipykernel_launcher",
            "-f",
            "{connection_file}",
        ]
        formatted = manager.format_kernel_cmd()
        assert resolve_python(argv0) == formatted[0]
        python, options, args = split_command(formatted)
        assert options == ["-Xfrozen_modules=off"] and args[0] == "-f"  # the spec's options reach the template


def test_a_template_that_does_not_answer_is_given_up(tmp_path):
    from analysis.batch.fork import Template, TemplateFailed

    silent = Template.__new__(Template)
    silent.python, silent.options = sys.executable, []
    silent.process = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        with pytest.raises(TemplateFailed, match="did not answer within 0.5 s"):
            silent.fork([sys.executable, "-m", "ipykernel_launcher"], str(tmp_path), {}, None, timeout=0.5)
    finally:
        silent.close()
    dead = Template(sys.executable, ["-c", "pass", "-c"], cwd=tmp_path)  # exits at once
    dead.process.wait()
    try:
        with pytest.raises(TemplateFailed):
            dead.fork([sys.executable, "-m", "ipykernel_launcher"], str(tmp_path), {}, None, timeout=5)
    finally:
        dead.close()


FALLBACK_SCRIPT = """
import subprocess, sys
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_core.utils import run_sync
from analysis.batch import fork, supply

assert supply.use_fork_provisioner()
argv = KernelSpecManager().get_kernel_spec(supply.kernel_name()).argv
python, options, _ = fork.split_command([supply.resolve_python(argv[0]), *argv[1:]])
silent = fork.Template.__new__(fork.Template)  # alive, but never answers
silent.python, silent.options = python, options
silent.process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
fork.ANSWER_TIMEOUT = 1

class Worker:
    template = silent

supply._supply = Worker()
manager = supply.kernel_manager_class()(kernel_name=supply.kernel_name())
run_sync(manager.start_kernel)()
try:
    launched = type(manager.provisioner.process).__name__
    alive = run_sync(manager.is_alive)()
    print(launched, alive, supply._supply.template, silent.process.poll() is not None)
finally:
    run_sync(manager.shutdown_kernel)(now=True)
"""


@pytest.mark.batch
@pytest.mark.skipif(not LINUX, reason="kernels are forked from a template on Linux only")
def test_a_template_that_fails_falls_back_to_launching_kernels(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", FALLBACK_SCRIPT], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["Popen", "True", "None", "True"]  # launched, alive; template given up and stopped
    assert (
        "warning: the kernel template did not answer within 1 s; this worker launches its kernels the usual way "
        "from now on"
    ) in done.stderr
