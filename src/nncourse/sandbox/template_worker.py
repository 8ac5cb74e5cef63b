"""One submission's worker as a child of the warmed template, with the interface of process.WorkerProcess.

Why: proxy.Session and everything above it stay as they are. Here the child is
asked for, told apart from every other process by the kernel (SCM_CREDENTIALS
give its host pid; a pidfd then signals it and nothing else), moved into its own
cgroup before it may go on, given its submission, and waited for until it says
it is confined; a child that exits first ran no student code (SandboxFailed).
"""
from __future__ import annotations

import functools
import os
import signal
import socket
import struct
import types

from nncourse.errors import SandboxError, WorkerDied
from nncourse.sandbox import isolation
from nncourse.sandbox.cgroup import WorkerCgroup
from nncourse.sandbox.limits import Limits
from nncourse.sandbox.process import OutputTail, WorkerProcess, death_message
from nncourse.sandbox.template_sandbox import SLOTS, START_TIMEOUT

CONFINE_FAILED = 121              # template_server.CONFINE_FAILED
_LEN = struct.Struct("<Q")


class SandboxFailed(SandboxError):
    """A confinement step failed in the child: no student code ran (fail closed)."""


class TemplateWorker(WorkerProcess):
    """A forked child of the template, with the interface of a per-submission worker (proxy.Session's).

    Made in two steps so the slow one can run ahead (template.start_worker keeps a spare):
    `forked()` asks the template for a child, learns its host pid and moves it into its own
    cgroup (a cgroup migration takes milliseconds of kernel time); the child then waits,
    running only the template's code, with no submission. `begin(source)` sends it its
    submission and waits until it says it is confined.
    """

    def __init__(self, module_path: str, module_name: str, limits: Limits):
        with open(module_path, "rb") as f:
            source = f.read()
        self._fork(module_name, limits)
        self.begin(source)

    @classmethod
    def forked(cls, module_name: str, limits: Limits) -> "TemplateWorker":
        """A child in its own cgroup, waiting for its submission (no student code has run in it)."""
        worker = cls.__new__(cls)
        worker._fork(module_name, limits)
        return worker

    def _fork(self, module_name: str, limits: Limits) -> None:
        self.limits = limits
        self.module_name = module_name
        self.isolation = isolation.detect()
        self.req_w = self.rep_r = -1
        self.cgroup = None
        self.pidfd = -1
        self.status: int | None = None
        self.slot = None
        self.proc = None
        self._go_sock = None
        from nncourse.sandbox.template import get_template
        self.template = get_template(limits)
        self.cgroup = WorkerCgroup.create(limits.cgroup_memory_bytes, limits.processes + 8)
        req_r, self.req_w = os.pipe()
        self.rep_r, rep_w = os.pipe()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        go, go_child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        go.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        try:
            reply = self.template.fork({"module": module_name, "rlimits": _rlimits(limits, self.isolation)},
                                       [req_r, rep_w, out_w, err_w, go_child.fileno()])
        except BaseException:
            for fd in (req_r, rep_w, out_w, err_w, out_r, err_r):
                os.close(fd)
            go.close()
            go_child.close()
            self.close()
            raise
        for fd in (req_r, rep_w, out_w, err_w):
            os.close(fd)
        go_child.close()
        self._go_sock = go
        self.slot = str(reply["slot"])
        self.visible_module = f"{SLOTS}/{self.slot}/submission/{module_name}.py"
        self._streams = [os.fdopen(out_r, "rb"), os.fdopen(err_r, "rb")]
        self.stdout = OutputTail(self._streams[0], limits.output_bytes)
        self.stderr = OutputTail(self._streams[1], limits.output_bytes)
        try:
            self._admit(go)
        except BaseException:
            self.kill()
            raise

    def _admit(self, go: socket.socket) -> None:
        """Learn the child's host pid from the kernel and move it into its cgroup (SandboxFailed if not)."""
        go.settimeout(START_TIMEOUT)
        try:
            _data, ancillary, _flags, _addr = go.recvmsg(1, socket.CMSG_SPACE(12))
            creds = [d for level, kind, d in ancillary
                     if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS and len(d) >= 12]
            if not creds:
                raise SandboxFailed(self._failed("it did not say who it is"))
            host_pid = struct.unpack("3i", creds[0][:12])[0]
            self.proc = types.SimpleNamespace(pid=host_pid)  # as a per-submission worker's Popen, for tests
            self.pidfd = os.pidfd_open(host_pid)
            if self.cgroup is not None:
                self.cgroup.add(host_pid)  # raises OSError: fail closed
        except (OSError, socket.timeout) as exc:
            raise SandboxFailed(self._failed(str(exc))) from None

    def waiting(self) -> bool:
        """Forked, admitted and still waiting for a submission (a spare that may be used)."""
        return self._go_sock is not None and self.status is None and not self.template.exited(self.slot)

    def begin(self, source: bytes) -> None:
        """Send the child its submission and wait until it says it is confined (or exits: SandboxFailed)."""
        go, self._go_sock = self._go_sock, None
        self.template.wait_reaped(START_TIMEOUT)  # the last child's slot and cgroup are gone first
        try:
            try:
                go.sendall(_LEN.pack(len(source)) + source)
                ack = go.recv(1)
            except (OSError, socket.timeout) as exc:
                raise SandboxFailed(self._failed(str(exc))) from None
            if ack != b"A":
                raise SandboxFailed(self._failed("it exited before running your code"))
        except BaseException:
            self.kill()
            raise
        finally:
            go.close()

    def _failed(self, why: str) -> str:
        status = self.template.wait_exit(self.slot, 2.0) if self.slot else None
        self.status = status
        detail = self.stderr.text().strip().splitlines()[-1:] if hasattr(self, "stderr") else []
        return ("the sandbox failed to confine your code, so none of it ran (tell your instructor): "
                f"{why}{'; ' + detail[0] if detail else ''}")

    def _death(self) -> WorkerDied:
        if self.status is None and not self._handed_over:
            self.status = self.template.wait_exit(self.slot, 5.0)
        self.kill()
        if self.status is None:
            return WorkerDied(death_message(-signal.SIGKILL))
        return WorkerDied(death_message(os.waitstatus_to_exitcode(self.status)))

    def alive(self) -> bool:
        return self.status is None and self.slot is not None and not self.template.exited(self.slot) \
            and self.req_w != -1

    reap_later = False     # set by template.start_worker: kill() does not wait for the reaping
    _handed_over = False   # the template's thread cleans up after this child once it is reaped

    def kill(self) -> None:
        """SIGKILL the child (by pidfd: never another process) and its cgroup, then wait for the template
        to reap it; or, with reap_later, leave the reaping and the cgroup's removal to the template's
        thread (the template's next child waits for them before it gets its submission: begin)."""
        if self.pidfd != -1:
            try:
                signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
            except OSError:
                pass
        if self.status is None and self.slot is not None and not self._handed_over:
            if self.reap_later:
                cgroup, pidfd, self.cgroup, self.pidfd = self.cgroup, self.pidfd, None, -1
                self._handed_over = True
                self.template.after_exit(self.slot, functools.partial(_clean_up, cgroup, pidfd))
            else:  # reaped: its cgroup is empty by then
                self.status = self.template.wait_exit(self.slot, 5.0)
        if self.cgroup is not None:
            self.cgroup.kill()
        self.close()

    def _release(self) -> None:
        if getattr(self, "_go_sock", None) is not None:
            self._go_sock.close()
            self._go_sock = None
        if self.pidfd != -1:
            try:
                signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
            except OSError:
                pass
        if self.cgroup is not None:
            self.cgroup.kill()
            self.cgroup.remove()
            self.cgroup = None
        if self.pidfd != -1:
            os.close(self.pidfd)
            self.pidfd = -1

    def output_streams(self) -> list:
        """The child's stdout and stderr pipes (printed.py waits until their drain threads took all)."""
        return list(getattr(self, "_streams", []))

    def memory_peak(self) -> int | None:
        return self.cgroup.memory_peak() if self.cgroup is not None else None


def _clean_up(cgroup: WorkerCgroup | None, pidfd: int) -> None:
    """After a killed child is reaped: its cgroup emptied and removed, its pidfd closed."""
    if cgroup is not None:
        cgroup.kill()
        cgroup.remove()
    if pidfd != -1:
        os.close(pidfd)


def _rlimits(limits: Limits, active: isolation.Isolation) -> dict:
    """The worker's rlimits (limits.apply_limits), for the child to set on itself."""
    nproc = limits.processes if active.uid is not None else isolation.process_headroom(limits.processes)
    return {"nproc": nproc, "cpu": limits.cpu_seconds, "as": limits.memory_bytes, "fsize": limits.file_bytes,
            "nofile": limits.open_files, "core": 0}
