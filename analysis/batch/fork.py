"""Kernels forked from a warm template: a new kernel process for every run, without paying each time
for Python's start-up and the imports of ipykernel, IPython, pandas and matplotlib.

A batch worker starts one template process (this file, run by the kernel's own interpreter with the
kernel spec's own interpreter options, such as ``-Xfrozen_modules=off``). The template imports what
a kernel imports before it runs any code, and, from the second kernel on, the libraries the
notebooks import first, as they would be imported inside a kernel. For each kernel the worker asks
for, it forks twice: the grandchild becomes the kernel (``ipykernel_launcher`` with the kernel's
arguments, working directory, environment and log file), and, as the middle process exits at once,
the worker adopts it (the worker is a "child subreaper"). So the kernel is the worker's own child,
as a kernel jupyter_client launches is: the worker collects its real exit status, and its process
id cannot be reused while the worker still holds it. The kernel exits as ``python -m`` would, running
its ``atexit`` handlers. Nothing any notebook ran exists in it, and its execution count starts at 1.

Only Linux (``PR_SET_CHILD_SUBREAPER``, ``PR_SET_PDEATHSIG``). This file imports nothing but the
standard library until the template runs: it is run by path, in the kernel's interpreter.
"""

from __future__ import annotations

import json
import os
import select
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
LINUX = sys.platform.startswith("linux")
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"  # what ipykernel sets when MPLBACKEND is unset
#: Seconds the worker waits for the template to answer a request before launching the usual way.
ANSWER_TIMEOUT = 30.0
_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36


class TemplateFailed(RuntimeError):
    """The template did not answer in time, exited, or answered nonsense; launch the usual way."""


def _prctl(option: int, value: int) -> bool:
    import ctypes

    return ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0) == 0


def die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when its parent dies; exit now if it already has."""
    if not LINUX:
        return
    _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() == 1:
        os._exit(1)


def adopt_orphans() -> bool:
    """Make this process adopt its descendants' orphans (Linux ``PR_SET_CHILD_SUBREAPER``)."""
    return LINUX and _prctl(_PR_SET_CHILD_SUBREAPER, 1)


def split_command(kernel_cmd: list[str]) -> tuple[str, list[str], list[str]] | None:
    """``(python, interpreter options, launcher arguments)`` of ``PYTHON [OPTIONS] -m ipykernel_launcher ARGS``,
    or None for any other command (which the template cannot start).

    >>> split_command(["/v/python", "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f", "c.json"])
    ('/v/python', ['-Xfrozen_modules=off'], ['-f', 'c.json'])
    >>> split_command(["/v/python", "-c", "x", "-m", "ipykernel_launcher"]) is None
    True
    """
    if LAUNCHER not in kernel_cmd:
        return None
    at = kernel_cmd.index(LAUNCHER)
    options = kernel_cmd[1 : at - 1]
    if at < 2 or kernel_cmd[at - 1] != "-m" or "-c" in options or "-m" in options:
        return None
    return kernel_cmd[0], options, kernel_cmd[at + 1 :]


class ForkedKernel:
    """The part of ``subprocess.Popen`` that jupyter_client uses, for a kernel forked by the template
    and adopted by this process: its real exit status, collected with ``waitpid``."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:  # collected elsewhere: gone, status unknown
                self.returncode = -1
                return self.returncode
            if pid == self.pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                assert timeout is not None  # a deadline is set only from a timeout
                raise subprocess.TimeoutExpired([str(self.pid)], timeout)
            time.sleep(0.02)
        assert self.returncode is not None  # the loop ends once poll() has set it
        return self.returncode

    def send_signal(self, sig: int) -> None:
        if self.poll() is None:  # not yet collected: the process id is still this kernel's
            os.kill(self.pid, sig)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


class Template:
    """The worker's side of a template process: start it once, then ask it for kernels.

    ``python`` and ``options`` are the interpreter and its options from the kernel spec, resolved as
    jupyter_client resolves them; the template forks only commands with exactly these.
    """

    def __init__(self, python: str, options: list[str], cwd: Path) -> None:
        self.python, self.options = python, list(options)
        # Run by path, not as ``-m analysis.batch.fork``: the kernels must not inherit the analysis
        # package already imported from wherever the batch runs, but import it as a new kernel would.
        code = f"import runpy; runpy.run_path({os.path.abspath(__file__)!r}, run_name='__main__')"
        self.process = subprocess.Popen(
            [python, *options, "-c", code], cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1
        )

    def serves(self, kernel_cmd: list[str]) -> bool:
        """Whether this template can start ``kernel_cmd``: same interpreter, same options, alive."""
        parts = split_command(kernel_cmd)
        return (
            parts is not None and parts[0] == self.python and parts[1] == self.options and self.process.poll() is None
        )

    def fork(
        self, kernel_cmd: list[str], cwd: str, env: dict[str, str], log: str | None, timeout: float | None = None
    ) -> ForkedKernel:
        """A new kernel running ``kernel_cmd`` in ``cwd`` with ``env``, its stdout and stderr going to ``log``.

        Raises :class:`TemplateFailed` if the template does not answer within ``timeout`` seconds,
        has exited, or answers anything but a process id of ours (``timeout`` defaults to
        :data:`ANSWER_TIMEOUT`).
        """
        timeout = ANSWER_TIMEOUT if timeout is None else timeout
        parts = split_command(kernel_cmd)
        assert parts is not None
        request = {"args": parts[2], "cwd": cwd, "env": env, "log": log, "parent": os.getpid()}
        assert self.process.stdin is not None and self.process.stdout is not None  # opened with PIPE
        try:
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise TemplateFailed(f"the kernel template is gone ({exc})") from None
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        if not ready:
            raise TemplateFailed(f"the kernel template did not answer within {timeout:g} s")
        answer = self.process.stdout.readline()
        if not answer.strip().isdigit():
            raise TemplateFailed(
                f"the kernel template exited (status {self.process.poll()})"
                if not answer
                else f"the kernel template answered {answer.strip()!r}"
            )
        kernel = ForkedKernel(int(answer))
        if kernel.poll() == -1:  # not adopted by this process: it is not ours to track
            raise TemplateFailed("the forked kernel was not adopted by the worker (no child subreaper)")
        return kernel

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            assert stream is not None  # opened with PIPE
            try:
                stream.close()
            except OSError:  # a request still buffered for a template that is gone
                pass


def _become_kernel(request: dict, middle: int) -> None:
    """In the forked grandchild: once adopted by the worker, turn into ``python -m ipykernel_launcher ARGS``.

    Returns only by raising ``SystemExit`` with the kernel's exit status, which the template's
    script lets end the process as ``python -m`` would end it (``atexit`` handlers included).
    """
    import runpy

    while os.getppid() == middle:  # the middle process exits at once; then the worker adopts this one
        time.sleep(0.001)
    die_with_parent()
    if os.getppid() != request["parent"]:
        os._exit(70)  # adopted by someone else (no subreaper): the worker refuses it, see Template.fork
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    os.setsid()  # as jupyter_client starts kernels: its own process group, which it signals
    os.chdir(request["cwd"])
    sys.path[0] = os.getcwd()  # as ``python -m`` sets it
    os.environ.clear()
    os.environ.update(request["env"])
    # ipykernel read JPY_PARENT_PID into its default when the template imported it: set again from the
    # kernel's own environment, so the kernel exits when its parent (the worker) goes, as one launched
    # by jupyter_client does, and its argv is the same.
    from ipykernel.kernelapp import IPKernelApp

    IPKernelApp.parent_handle.default_value = int(os.environ.get("JPY_PARENT_PID") or 0)
    null = os.open(os.devnull, os.O_RDWR)
    out = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644) if request["log"] else null
    os.dup2(null, 0)
    os.dup2(out, 1)
    os.dup2(out, 2)
    sys.argv = [LAUNCHER, *request["args"]]
    runpy.run_module(LAUNCHER, run_name="__main__", alter_sys=True)
    sys.exit(0)


class _KernelShell:
    """Stands for the kernel's IPython shell while the template imports: it has a kernel."""

    kernel = True


def _import_as_in_a_kernel(names: tuple[str, ...]) -> None:
    """Import ``names`` as they would be imported inside a kernel.

    Some libraries settle defaults as they are imported by asking where they run: pandas picks its
    display width by whether ``get_ipython()`` returns a shell with a kernel and its display
    encoding from ``sys.stdout``, and matplotlib reads ``MPLBACKEND``, which ipykernel sets before
    any code runs. They are answered here as a kernel would answer them; ``tests/test_kernels.py``
    compares a forked kernel with a kernel launched the usual way (pandas options, matplotlib
    settings, interpreter flags and options, atexit handlers, warnings filters, environment).
    """
    import builtins
    import importlib
    import io

    from ipykernel.iostream import OutStream

    had_backend = "MPLBACKEND" in os.environ
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
            del builtins.get_ipython  # type: ignore[attr-defined]  # set above; builtins' stubs lack it
        if not had_backend:
            del os.environ["MPLBACKEND"]  # the kernel's environment is the request's, set after the fork


def serve() -> None:
    """The template process: import, then fork a kernel for each request read from stdin."""
    die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the batch's; kernels get the default back
    _import_as_in_a_kernel(KERNEL_IMPORTS)
    for number, line in enumerate(sys.stdin, start=1):
        if number == 2:  # a worker with more than one run: worth importing for the kernels to come
            _import_as_in_a_kernel(LIBRARY_IMPORTS)
        request = json.loads(line)
        read_end, write_end = os.pipe()
        middle = os.fork()
        if middle == 0:  # the middle process: fork the kernel, say its id, exit so the worker adopts it
            os.close(read_end)
            me = os.getpid()
            kernel = os.fork()
            if kernel == 0:
                os.close(write_end)
                sys.stdin.close()
                _become_kernel(request, me)
            os.write(write_end, str(kernel).encode())
            os._exit(0)
        os.close(write_end)
        with os.fdopen(read_end, "rb") as answer:
            kernel_pid = answer.read().decode()
        os.waitpid(middle, 0)
        print(kernel_pid, flush=True)


if __name__ == "__main__":
    serve()
