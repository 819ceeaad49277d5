"""Kernels forked from a warm template: a new kernel process for every run, without paying each time
for Python's start-up and the imports of ipykernel, IPython, pandas and matplotlib.

A batch worker starts one template process (this file, run by the kernel's own interpreter). The
template imports what a kernel imports before it runs any code, and, from the second kernel on, the
libraries the notebooks import first, as they would be imported inside a kernel. For each kernel
the worker asks for, it forks a child that becomes the kernel (``ipykernel_launcher`` with the
kernel's arguments, working directory, environment and log file) and answers with the child's
process id. The child is a new process: nothing any notebook ran exists in it, and its execution
count starts at 1.

Only Linux: the template and its kernels are tied to the worker with ``PR_SET_PDEATHSIG``, so that
nothing outlives a batch that is killed. Elsewhere, or for a kernel command that is not
``PYTHON ... -m ipykernel_launcher ...``, kernels are launched the usual way.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

#: What the template imports before its first fork: what a kernel imports before it runs any code.
KERNEL_IMPORTS = ("ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell", "IPython.core.interactiveshell")
#: What it imports when a second kernel is asked for (started ahead, while the first run executes), for
#: that kernel and the ones after it: the libraries every notebook of the project imports first. A
#: worker with a single run does not pay for them.
LIBRARY_IMPORTS = ("pandas", "matplotlib", "matplotlib.figure")

LAUNCHER = "ipykernel_launcher"
LINUX = sys.platform.startswith("linux")  # PR_SET_PDEATHSIG, and /proc for a forked kernel's state
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"  # what ipykernel sets when MPLBACKEND is unset


def die_with_parent(sig: int = signal.SIGKILL) -> None:
    """Ask Linux to send ``sig`` to this process when its parent dies; exit now if it already has."""
    if not LINUX:
        return
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, sig)
    if os.getppid() == 1:
        os._exit(1)


def forkable(kernel_cmd: list[str]) -> bool:
    """Whether a template can start this kernel command: ``PYTHON [-X...] -m ipykernel_launcher ARGS`` on Linux."""
    if not LINUX or LAUNCHER not in kernel_cmd:
        return False
    at = kernel_cmd.index(LAUNCHER)
    return at >= 2 and kernel_cmd[at - 1] == "-m" and all(a.startswith("-X") for a in kernel_cmd[1:at - 1])


class ForkedKernel:
    """The part of ``subprocess.Popen`` that jupyter_client uses, for a kernel forked by the template.

    The kernel is the template's child, not ours, so its exit status is not ours to collect: it
    counts as exited once its process is gone (the template reaps it at once).
    """

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                with open(f"/proc/{self.pid}/stat", encoding="ascii") as fh:
                    state = fh.read().rsplit(")", 1)[1].split()[0]
                if state in ("Z", "X"):
                    self.returncode = 0
            except FileNotFoundError:  # reaped by the template: gone
                self.returncode = 0
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired([str(self.pid)], timeout)
            time.sleep(0.02)
        return self.returncode

    def send_signal(self, sig: int) -> None:
        if self.poll() is None:
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                pass

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


class Template:
    """The worker's side of a template process: start it once, then ask it for kernels."""

    def __init__(self, python: str, cwd: Path) -> None:
        # Run by path, not as ``-m analysis.kernels``: the kernels must not inherit the analysis package
        # already imported from wherever the batch runs, but import it as a new kernel would.
        code = f"import runpy; runpy.run_path({os.path.abspath(__file__)!r}, run_name='__main__')"
        self.process = subprocess.Popen([python, "-c", code], cwd=cwd, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True, bufsize=1)

    def fork(self, kernel_cmd: list[str], cwd: str, env: dict[str, str], log: str | None) -> ForkedKernel:
        """A new kernel running ``kernel_cmd`` in ``cwd`` with ``env``, its stdout and stderr going to ``log``."""
        at = kernel_cmd.index(LAUNCHER)
        request = {"args": kernel_cmd[at + 1:], "cwd": cwd, "env": env, "log": log}
        self.process.stdin.write(json.dumps(request) + "\n")
        answer = self.process.stdout.readline()
        if not answer:
            raise RuntimeError(f"the kernel template exited (status {self.process.wait()})")
        return ForkedKernel(int(answer))

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def _reap(*_: object) -> None:
    """Collect the template's exited kernels, so none stays a zombie."""
    while True:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _become_kernel(request: dict) -> None:
    """In the forked child: turn into ``python -m ipykernel_launcher ARGS`` as its request describes."""
    import runpy

    die_with_parent()
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    os.setsid()  # as jupyter_client starts kernels: its own process group, which it signals
    os.chdir(request["cwd"])
    sys.path[0] = os.getcwd()  # as ``python -m`` sets it
    os.environ.clear()
    os.environ.update(request["env"])
    # ipykernel read JPY_PARENT_PID when the template imported it: passed on explicitly, so the kernel
    # exits when its parent (the template) goes, as one launched by jupyter_client does.
    parent = f"--IPKernelApp.parent_handle={os.getppid()}"
    null = os.open(os.devnull, os.O_RDWR)
    out = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644) if request["log"] else null
    os.dup2(null, 0)
    os.dup2(out, 1)
    os.dup2(out, 2)
    sys.argv = [LAUNCHER, *request["args"], parent]
    try:
        runpy.run_module(LAUNCHER, run_name="__main__", alter_sys=True)
    finally:
        os._exit(0)


class _KernelShell:
    """Stands for the kernel's IPython shell while the template imports: it has a kernel."""

    kernel = True


def _import_as_in_a_kernel(names: tuple[str, ...]) -> None:
    """Import ``names`` as they would be imported inside a kernel.

    Some libraries settle defaults as they are imported by asking where they run: pandas picks its
    display width by whether ``get_ipython()`` returns a shell with a kernel and its display
    encoding from ``sys.stdout``, and matplotlib reads ``MPLBACKEND``, which ipykernel sets before
    any code runs. They are answered here as a kernel would answer them; ``tests/test_runs.py``
    compares every pandas option and matplotlib setting in a forked kernel with those of a kernel
    started anew.
    """
    import builtins
    import importlib
    import io

    from ipykernel.iostream import OutStream

    os.environ.setdefault("MPLBACKEND", INLINE_BACKEND)
    had = hasattr(builtins, "get_ipython")
    builtins.get_ipython = _KernelShell  # type: ignore[attr-defined]  # called: returns a shell with a kernel
    stdout = sys.stdout
    # In a kernel, sys.stdout is ipykernel's OutStream; pandas takes its display encoding from it.
    sys.stdout = io.TextIOWrapper(io.BytesIO(), encoding=OutStream.encoding)
    try:
        for name in names:
            importlib.import_module(name)
    finally:
        sys.stdout = stdout
        if not had:
            del builtins.get_ipython


def serve() -> None:
    """The template process: import, then fork a kernel for each request read from stdin."""
    die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the batch's; kernels set their own handler
    _import_as_in_a_kernel(KERNEL_IMPORTS)
    signal.signal(signal.SIGCHLD, _reap)
    for number, line in enumerate(sys.stdin, start=1):
        if number == 2:  # a worker with more than one run: worth importing for the kernels to come
            _import_as_in_a_kernel(LIBRARY_IMPORTS)
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            sys.stdin.close()
            _become_kernel(request)
        print(pid, flush=True)


if __name__ == "__main__":
    serve()
