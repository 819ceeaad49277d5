"""The kernel supply: a fresh kernel for every run, started ahead of it, in each batch worker.

Left to itself, papermill starts each run's kernel and waits until it is ready, then waits again
for it to shut down: about a second per run with nothing to do. A worker with a supply starts the
kernel for its next run while the current run executes, and lets a finished kernel shut down while
the next run executes. Every run still gets a kernel process of its own that has executed nothing
before the run's first cell; no kernel is ever reused.

On Linux the kernels are forked from a warm template (:mod:`analysis.batch.fork`) through a kernel
provisioner (:class:`ForkProvisioner`, registered under jupyter_client's public entry point
``jupyter_client.kernel_provisioners``); ``PORT_FORK_KERNELS=0`` turns that off, and a template that
fails falls back to launching kernels the usual way. Both ways give the same results (tested).
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path
from typing import Any

from analysis.batch.fork import Template, TemplateFailed, adopt_orphans, split_command
from analysis.paths import NOTEBOOKS_ENV

KERNEL = "port-inquests"
KERNEL_LOG_ENV = "PORT_KERNEL_LOG"
#: ``0`` launches every kernel the usual way; anything else (or unset) forks them where possible.
FORK_ENV = "PORT_FORK_KERNELS"
#: The name :class:`ForkProvisioner` is registered under (pyproject.toml's entry points).
PROVISIONER = "port-fork-provisioner"
# As nbclient starts a kernel: its history in memory, no database written.
KERNEL_ARGUMENTS = ["--HistoryManager.hist_file=:memory:"]


def kernel_name() -> str:
    """The project's kernel if installed (``make setup`` installs it), else ``python3``."""
    from jupyter_client.kernelspec import KernelSpecManager

    return KERNEL if KERNEL in KernelSpecManager().find_kernel_specs() else "python3"


def resolve_python(executable: str) -> str:
    """The interpreter jupyter_client runs for a kernel spec's ``argv[0]``: ``python``, ``python3`` or
    ``python3.X`` (this interpreter's version) mean this interpreter (``sys.executable``), as in
    ``KernelManager.format_kernel_cmd``; anything else is used as written."""
    if executable in {"python", f"python{sys.version_info[0]}", f"python{sys.version_info[0]}.{sys.version_info[1]}"}:
        return sys.executable
    return executable


def forking_wanted() -> bool:
    return os.environ.get(FORK_ENV, "1") != "0"


@functools.cache
def _provisioner_class() -> type:
    from jupyter_client.provisioning import LocalProvisioner

    class ForkProvisioner(LocalProvisioner):
        """A local provisioner that forks the kernel from the worker's template when it can.

        Any command the template cannot start exactly (another interpreter or other options), no
        template in this process, or a template that fails: the kernel is launched as
        ``LocalProvisioner`` launches it. Either way the kernel's own log goes to the file named by
        ``PORT_KERNEL_LOG`` (start-up warnings, "parent exited" after Ctrl-C), not the terminal.
        """

        async def launch_kernel(self, cmd: list[str], **kwargs: Any):
            log = os.environ.get(KERNEL_LOG_ENV)
            template = _supply.template if _supply is not None else None
            if template is not None and template.serves(cmd):
                cwd = str(kwargs.get("cwd") or os.getcwd())
                try:
                    # As jupyter_client's launcher does on Unix: the kernel watches its parent.
                    env = {**(kwargs.get("env") or os.environ), "JPY_PARENT_PID": str(os.getpid())}
                    kernel = template.fork(cmd, cwd, env, log)
                except TemplateFailed as exc:
                    print(
                        f"warning: {exc}; this worker launches its kernels the usual way from now on",
                        file=sys.stderr,
                        flush=True,
                    )
                    assert _supply is not None  # the template came from it
                    _supply.template = None
                    template.close()
                else:
                    # ForkedKernel is the part of Popen that jupyter_client uses, not a Popen.
                    self.process, self.pid, self.pgid, self.cwd = kernel, kernel.pid, kernel.pid, cwd  # type: ignore[assignment]
                    return self.connection_info
            if not log or "stderr" in kwargs:
                return await super().launch_kernel(cmd, **kwargs)
            with open(log, "ab") as handle:
                return await super().launch_kernel(cmd, stderr=handle, **kwargs)

    return ForkProvisioner


def __getattr__(name: str) -> Any:
    """``ForkProvisioner``, built on first use so that importing this module needs no jupyter_client."""
    if name == "ForkProvisioner":
        return _provisioner_class()
    raise AttributeError(name)


def kernel_manager_class() -> type:
    """A kernel manager on local IPC sockets: nothing listens on the network, and ipykernel
    does not warn about unencrypted TCP on every run."""
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import CaselessStrEnum

    class IPCKernelManager(AsyncKernelManager):
        transport = CaselessStrEnum(["tcp", "ipc"], default_value="ipc", config=True)

    return IPCKernelManager


def use_fork_provisioner() -> bool:
    """Make :class:`ForkProvisioner` this process's default provisioner, if it is registered."""
    from jupyter_client.provisioning.factory import KernelProvisionerFactory

    factory = KernelProvisionerFactory.instance()
    if PROVISIONER not in factory.provisioners:
        return False
    factory.default_provisioner_name = PROVISIONER
    return True


class KernelSupply:
    """Fresh kernels for one batch worker, started before they are needed.

    A kernel's working directory is fixed when it starts, so the worker's runs share one staging
    folder (``build/stage/worker-PID``), which is also the worker's working directory: the local
    sockets of its kernels are named relative to it. Each run's figures are moved out of it when the
    run ends. ``pending`` and ``spares`` are counters shared by the workers (runs not yet started,
    kernels started ahead), so no worker starts a kernel ahead that no run will use.
    """

    def __init__(self, kernel: str, build: Path, pending, spares) -> None:
        self.kernel, self.pending, self.spares = kernel, pending, spares
        self.folder = build / "stage" / f"worker-{os.getpid()}"
        (self.folder / "notebooks").mkdir(parents=True, exist_ok=True)
        from jupyter_client.kernelspec import KernelSpecManager

        self.manager_class = kernel_manager_class()
        argv = KernelSpecManager().get_kernel_spec(kernel).argv
        parts = split_command([resolve_python(argv[0]), *argv[1:]])
        self.template: Template | None = None
        # Started now; it imports while the worker gets ready, and forks every kernel of this worker.
        # The provisioner also sends every kernel's own log to a file, forked or launched.
        registered = use_fork_provisioner()
        if parts is not None and registered and forking_wanted() and adopt_orphans():
            self.template = Template(parts[0], parts[1], cwd=self.folder)
        self.spare = None
        self.stopping: list = []
        self.started = 0

    def _start(self):
        from jupyter_core.utils import run_sync

        self.started += 1  # a kernel started ahead and the current one must not share socket names
        # Sockets beside notebooks/, not in it: staging the next run empties notebooks/.
        manager = self.manager_class(kernel_name=self.kernel, ip=f"../kernel-{self.started}-ipc")
        run_sync(manager.start_kernel)(cwd=str(self.folder / "notebooks"), extra_arguments=KERNEL_ARGUMENTS)
        return manager

    def start_ahead(self) -> None:
        """Start a kernel for this worker's first run now, if a run is left for it to serve.

        Called as the worker starts, so the kernel boots while the worker imports papermill.
        """
        with self.pending.get_lock():
            ahead = self.pending.value > self.spares.value
            self.spares.value += ahead
        if ahead:
            self.spare = self._start()

    def take(self):
        """A new kernel for the run about to execute; start the next one if a run will need it."""
        with self.pending.get_lock():  # one lock for both counters
            self.pending.value -= 1
            had_spare = self.spare is not None
            self.spares.value -= had_spare
            start_next = self.pending.value > self.spares.value
            self.spares.value += start_next
        manager = self.spare if had_spare else self._start()
        self.spare = self._start() if start_next else None
        return manager

    def retire(self, manager) -> None:
        """Ask a finished run's kernel to shut down, and reap the ones asked before (they had a run's time)."""
        from jupyter_core.utils import run_sync

        self.reap()
        try:
            run_sync(manager.request_shutdown)()
        except Exception:  # already dead: nothing to ask
            pass
        self.stopping.append(manager)

    def reap(self) -> None:
        from jupyter_core.utils import run_sync

        for manager in self.stopping:
            try:
                run_sync(manager.finish_shutdown)(waittime=2, pollinterval=0.02)  # then terminates, kills
            finally:
                run_sync(manager.cleanup_resources)()
        self.stopping = []

    def close(self) -> None:
        """When the worker exits: stop its kernels at once and wait until they are gone.

        Their runs are over and every output is in (figures are written inside cells), so there is
        nothing left for a graceful exit to do, and the batch would otherwise wait for the last
        one; a kernel started ahead that no run took has run nothing at all.
        """
        import signal

        from jupyter_core.utils import run_sync

        if self.spare is not None:
            self.stopping.append(self.spare)
            self.spare = None
        for manager in self.stopping:
            try:
                run_sync(manager.signal_kernel)(signal.SIGKILL)
            except Exception:  # already gone
                pass
        self.reap()
        if self.template is not None:
            self.template.close()


_supply: KernelSupply | None = None  # set in each batch worker by start_worker


def supply() -> KernelSupply | None:
    """This worker's kernel supply, or None outside a batch worker."""
    return _supply


def start_worker(kernel: str, build: Path, pending, spares, worker_ids) -> None:
    """Pool initializer: give this worker process a kernel supply, closed when the worker exits.

    ``worker_ids`` is a shared array where the worker writes its process id, so the batch can stop
    its workers on Ctrl-C without reading the pool's private state.
    """
    import signal
    from multiprocessing.util import Finalize

    from analysis.batch.fork import die_with_parent

    global _supply
    with worker_ids.get_lock():
        slot = list(worker_ids).index(0) if 0 in list(worker_ids) else None
        if slot is not None:
            worker_ids[slot] = os.getpid()
    # Killed with the batch, even by SIGKILL: otherwise a killed batch leaves its workers waiting for
    # work for ever, each holding a kernel.
    die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the batch's: it stops the workers itself
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _supply = KernelSupply(kernel, build, pending, spares)
    # Kernels inherit these when they start, ahead of the run they will serve: relative parameters
    # resolve inside the worker's stage, and the kernels' own log goes to a file, not the terminal.
    os.environ[NOTEBOOKS_ENV] = str(_supply.folder / "notebooks")
    (build / "runs").mkdir(parents=True, exist_ok=True)
    os.environ[KERNEL_LOG_ENV] = str(build / "runs" / f"worker-{os.getpid()}.kernel.log")
    os.chdir(_supply.folder / "notebooks")
    Finalize(None, _supply.close, exitpriority=10)
    _supply.start_ahead()
    import papermill  # noqa: F401  # while the first kernel boots, rather than in the batch before it starts it
