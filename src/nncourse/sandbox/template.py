"""The trusted side of the warmed template: one sandbox per grading process, one forked child per submission.

Why: starting bubblewrap, Python and NumPy per submission was half the CPU of
grading exercise2. Here each grading process starts ONE bubblewrap sandbox
(lazily, again if it dies; it dies with us: --die-with-parent, started from a
thread that lives as long as the process) running template_server.py, which
has imported NumPy and forks a child per submission. The trust argument is
that of the per-submission worker, layer for layer, plus what keeps children
apart from each other and from the template:
  - the sandbox is the worker's (namespaces, read-only Python, seccomp on
    every process) but its filter allows fork, for the template only;
  - every child is in its OWN cgroup (created here, the child moved in by its
    host pid, which the kernel tells us through SCM_CREDENTIALS, before it may
    go on), with the worker's limits, killed and removed after the submission;
  - every child stacks a stricter filter (no new processes; kill, tgkill and
    rt_(tg)sigqueueinfo to itself only) and a Landlock domain of its own (read
    the Python tree and its own submission, write its own slot's work folder;
    no ptrace or signal out of it), keeps only its four fds, and its template
    is not dumpable (no /proc/<ppid>/mem);
  - the template never runs student code and never holds submission bytes:
    a child reads its own, so nothing of one student is inherited by the next;
  - a child that fails a step exits before student code: SandboxFailed.
Where any layer is missing (no bubblewrap, no Landlock, no seccomp filter for
this machine, the portable worker) or NNCOURSE_NO_TEMPLATE=1, the
per-submission worker (process.WorkerProcess) is used; `nncourse doctor` says which.
"""
from __future__ import annotations

import atexit
import json
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import types

from nncourse.errors import SandboxError, WorkerDied, WorkerTimeout
from nncourse.sandbox import confine, isolation, landlock, seccomp
from nncourse.sandbox.cgroup import WorkerCgroup
from nncourse.sandbox.limits import Limits, worker_env
from nncourse.sandbox.process import OutputTail, WorkerProcess, death_message

FILES = ("template_server.py", "worker.py", "protocol.py", "landlock.py", "seccomp.py")
SLOTS = "/slots"                  # inside the sandbox: one folder per child on a size-capped tmpfs
CONFINE_FAILED = 121              # template_server.CONFINE_FAILED
START_TIMEOUT = 30.0
_LEN = struct.Struct("<Q")


class SandboxFailed(SandboxError):
    """A confinement step failed in the child: no student code ran (fail closed)."""


class TemplateUnavailable(Exception):
    """The template did not take a request (it died meanwhile): start it again."""


class TemplateStartFailed(TemplateUnavailable):
    """The template could not be started: this process grades with the per-submission worker."""


def unavailable_reason() -> str | None:
    """Why the template is not used here, or None when it is."""
    from nncourse.sandbox import portable
    if os.environ.get("NNCOURSE_NO_TEMPLATE", "").strip().lower() not in ("", "0", "no", "off", "false"):
        return "switched off by NNCOURSE_NO_TEMPLATE"
    if portable.active():
        return "the portable worker is in use"
    if not isolation.detect().strong:
        return "no bubblewrap strong mode"
    if landlock.abi_version() < 1:
        return "no Landlock in this kernel"
    if not seccomp.supported():
        return "no seccomp filter for this machine"
    if not hasattr(os, "pidfd_open"):
        return "no pidfd_open (Python >= 3.9 on Linux >= 5.3)"
    if _BROKEN.get(os.getpid()):
        return f"the template failed to start: {_BROKEN[os.getpid()]}"
    return None


def describe() -> str:
    """What `nncourse doctor` prints."""
    why = unavailable_reason()
    if why is None:
        return ("warmed template: one sandbox per grading process with NumPy imported, a forked child per "
                "submission in its own cgroup, slot, Landlock domain and stricter seccomp filter")
    return f"per-submission worker (a fresh sandbox and Python per submission): {why}"


def start_worker(module_path: str, module_name: str, limits: Limits) -> WorkerProcess:
    """A child of this process's template, or a per-submission worker where the template cannot run.

    A template that died between two submissions is started again (get_template); one that
    cannot start leaves this process to per-submission workers, which confine just as much.
    """
    for _attempt in range(2):
        if unavailable_reason() is not None:
            break
        try:
            return TemplateWorker(module_path, module_name, limits)
        except TemplateStartFailed as exc:
            _BROKEN[os.getpid()] = str(exc)
        except TemplateUnavailable:
            continue
    return WorkerProcess(module_path, module_name, limits)


# -- the template: one per grading process (and per scratch size) ----------------------------------
_TEMPLATES: dict[tuple[int, int], "Template"] = {}
_BROKEN: dict[int, str] = {}
_LOCK = threading.Lock()


def get_template(limits: Limits) -> "Template":
    key = (os.getpid(), limits.scratch_bytes)
    with _LOCK:
        template = _TEMPLATES.get(key)
        if template is None or not template.alive():
            if template is not None:
                template.close()
            if not _TEMPLATES:
                atexit.register(close_templates)
            template = _TEMPLATES[key] = Template(limits.scratch_bytes)
        return template


def close_templates() -> None:
    for key, template in list(_TEMPLATES.items()):
        if key[0] == os.getpid():
            template.close()
        del _TEMPLATES[key]


class Template:
    """One bubblewrap sandbox running template_server.py, and the thread that reads its control socket."""

    def __init__(self, scratch_bytes: int):
        self.active = isolation.detect()
        self.ctrl, inside = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._cond = threading.Condition()
        self._replies: dict[int, dict] = {}
        self._exits: dict[str, int] = {}
        self._tag = 0
        self._dead = ""
        self.proc: subprocess.Popen | None = None
        self.scratch = None
        started = threading.Event()
        failure: list[BaseException] = []
        # bubblewrap's --die-with-parent follows the thread that started it: a thread that lives as
        # long as this process starts it (and then waits for it), not whichever thread grades now.
        keeper = threading.Thread(target=self._keep, args=(inside, scratch_bytes, started, failure),
                                  name="nncourse-template", daemon=True)
        keeper.start()
        started.wait()
        inside.close()
        if failure:
            self.close()
            raise TemplateStartFailed(str(failure[0]))
        try:
            self.ctrl.send(json.dumps({"slots": SLOTS, "landlock": self._rules()}).encode())
            ready, _, _ = select.select([self.ctrl], [], [], START_TIMEOUT)
            hello = json.loads(self.ctrl.recv(65536) or b"{}") if ready else {}
        except (OSError, ValueError) as exc:
            hello = {"error": str(exc)}
        if "ready" not in hello:
            self.close()
            raise TemplateStartFailed(f"no answer from the template ({self.stderr.text().strip()[-300:]})")
        self.scratch.remove()  # bound into the sandbox by now; nothing is left if we are killed later
        threading.Thread(target=self._dispatch, name="nncourse-template-ctrl", daemon=True).start()

    @staticmethod
    def _rules() -> list[tuple[str, int]]:
        read, run = landlock.READ, landlock.READ | landlock.EXECUTE
        return [*confine.python_rules(), (isolation.INSIDE_CODE, read | run)]

    def _keep(self, inside: socket.socket, scratch_bytes: int, started: threading.Event, failure: list) -> None:
        try:
            self._start(inside, scratch_bytes)
        except BaseException as exc:  # noqa: BLE001 - handed to __init__
            failure.append(exc)
            started.set()
            return
        started.set()
        self.proc.wait()
        with self._cond:
            self._dead = self._dead or f"the template sandbox exited with status {self.proc.returncode}"
            self._cond.notify_all()

    def _start(self, inside: socket.socket, scratch_bytes: int) -> None:
        active = self.active
        limits = Limits(cpu_seconds=10**7)  # its own CPU only: each child's is counted in the child
        self.scratch = confine.make_scratch(os.path.join(confine.HERE, "template_server.py"), "template",
                                            active.uid, confine.paths_to_stage(active), files=FILES)
        # No cgroup of its own: it runs no student code (each child is moved into its own before
        # any), and a group would outlive a grading process killed with SIGKILL.
        fd = seccomp.program_fd(seccomp.build(allow_fork=True))
        python = os.path.realpath(sys.executable)
        argv = isolation.bwrap_args(None, "template", self.scratch.code, scratch_bytes + 16 * 1024**2, fd,
                                    self.scratch.stage, code_files=FILES, slots=SLOTS)
        argv += [python, "-I", "-B", f"{isolation.INSIDE_CODE}/template_server.py", str(inside.fileno())]
        nproc = limits.processes if active.uid is not None else isolation.process_headroom(limits.processes)
        try:
            self.proc = subprocess.Popen(
                argv, pass_fds=(inside.fileno(), fd), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, cwd=self.scratch.base, env=worker_env(SLOTS), start_new_session=True,
                preexec_fn=confine.preexec_steps(active, limits, None, self.scratch, nproc, None))
        finally:
            os.close(fd)
        self.stdout = OutputTail(self.proc.stdout, 16 * 1024)
        self.stderr = OutputTail(self.proc.stderr, 16 * 1024)

    def _dispatch(self) -> None:
        while True:
            try:
                data = self.ctrl.recv(65536)
                message = json.loads(data) if data else None
            except (OSError, ValueError):
                message = None
            with self._cond:
                if not isinstance(message, dict):
                    self._dead = self._dead or "the template sandbox closed its control channel"
                    self._cond.notify_all()
                    return
                if "exit" in message:
                    self._exits[str(message["exit"])] = int(message.get("status", 0))
                elif "tag" in message:
                    self._replies[int(message["tag"])] = message
                self._cond.notify_all()

    def alive(self) -> bool:
        return not self._dead and self.proc is not None and self.proc.poll() is None

    def fork(self, request: dict, fds: list[int], timeout: float = 10.0) -> dict:
        """Ask for a child with these fds; its {"slot", "pid" (inside)} reply."""
        with self._cond:
            self._tag += 1
            tag = self._tag
        try:
            socket.send_fds(self.ctrl, [json.dumps({**request, "tag": tag}).encode()], fds)
        except OSError as exc:
            raise TemplateUnavailable(f"the template did not take a request: {exc}") from None
        deadline = time.monotonic() + timeout
        with self._cond:
            while tag not in self._replies:
                left = deadline - time.monotonic()
                if self._dead or left <= 0:
                    raise TemplateUnavailable(self._dead or "the template did not answer")
                self._cond.wait(left)
            reply = self._replies.pop(tag)
        if "error" in reply:
            raise TemplateUnavailable(str(reply["error"]))
        return reply

    def wait_exit(self, slot: str, timeout: float) -> int | None:
        """The child's wait status once the template has reaped it (None: not within timeout, or no template)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while slot not in self._exits:
                left = deadline - time.monotonic()
                if self._dead or left <= 0:
                    return None
                self._cond.wait(left)
            return self._exits.pop(slot)

    def exited(self, slot: str) -> bool:
        with self._cond:
            return slot in self._exits or bool(self._dead)

    def close(self) -> None:
        with self._cond:
            self._dead = self._dead or "closed"
            self._cond.notify_all()
        try:
            self.ctrl.close()
        except OSError:
            pass
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.proc.kill()  # bwrap's monitor: the sandbox's init dies with it, and every child with that
                self.proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                pass
        if self.scratch is not None:
            self.scratch.remove()


# -- one submission: a child of the template ------------------------------------------------------------
class TemplateWorker(WorkerProcess):
    """A forked child of the template, with the interface of a per-submission worker (proxy.Session's)."""

    def __init__(self, module_path: str, module_name: str, limits: Limits):
        self.limits = limits
        self.isolation = isolation.detect()
        self.req_w = self.rep_r = -1
        self.cgroup = None
        self.pidfd = -1
        self.status: int | None = None
        self.slot = None
        self.proc = None
        with open(module_path, "rb") as f:
            source = f.read()
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
        self.slot = str(reply["slot"])
        self.visible_module = f"{SLOTS}/{self.slot}/submission/{module_name}.py"
        self._streams = [os.fdopen(out_r, "rb"), os.fdopen(err_r, "rb")]
        self.stdout = OutputTail(self._streams[0], limits.output_bytes)
        self.stderr = OutputTail(self._streams[1], limits.output_bytes)
        try:
            self._go(go, source)
        except BaseException:
            self.kill()
            raise
        finally:
            go.close()

    def _go(self, go: socket.socket, source: bytes) -> None:
        """Learn the child's host pid from the kernel, move it into its cgroup, send its submission,
        and wait until it says it is confined (or exits: SandboxFailed)."""
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
            go.sendall(_LEN.pack(len(source)) + source)
            ack = go.recv(1)
        except (OSError, socket.timeout) as exc:
            raise SandboxFailed(self._failed(str(exc))) from None
        if ack != b"A":
            raise SandboxFailed(self._failed("it exited before running your code"))

    def _failed(self, why: str) -> str:
        status = self.template.wait_exit(self.slot, 2.0) if self.slot else None
        self.status = status
        detail = self.stderr.text().strip().splitlines()[-1:] if hasattr(self, "stderr") else []
        return ("the sandbox failed to confine your code, so none of it ran (tell your instructor): "
                f"{why}{'; ' + detail[0] if detail else ''}")

    def _death(self) -> WorkerDied:
        if self.status is None:
            self.status = self.template.wait_exit(self.slot, 5.0)
        self.kill()
        if self.status is None:
            return WorkerDied(death_message(-signal.SIGKILL))
        return WorkerDied(death_message(os.waitstatus_to_exitcode(self.status)))

    def alive(self) -> bool:
        return self.status is None and self.slot is not None and not self.template.exited(self.slot) \
            and self.req_w != -1

    def _budget_text(self) -> str:
        return "its time budget (an endless loop, or far too slow?)"

    def kill(self) -> None:
        """SIGKILL the child (by pidfd: never another process) and its cgroup; wait for the template to reap it."""
        if self.pidfd != -1:
            try:
                signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
            except OSError:
                pass
        if self.status is None and self.slot is not None:  # reaped: its cgroup is empty by then
            self.status = self.template.wait_exit(self.slot, 5.0)
        if self.cgroup is not None:
            self.cgroup.kill()
        self.close()

    def close(self) -> None:
        for fd in (self.req_w, self.rep_r):
            try:
                if fd != -1:
                    os.close(fd)
            except OSError:
                pass
        self.req_w = self.rep_r = -1
        self._release()

    def _release(self) -> None:
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


def _rlimits(limits: Limits, active: isolation.Isolation) -> dict:
    """The worker's rlimits (limits.apply_limits), for the child to set on itself."""
    nproc = limits.processes if active.uid is not None else isolation.process_headroom(limits.processes)
    return {"nproc": nproc, "cpu": limits.cpu_seconds, "as": limits.memory_bytes, "fsize": limits.file_bytes,
            "nofile": limits.open_files, "core": 0}
