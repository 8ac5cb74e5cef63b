"""The warmed template's sandbox: one bubblewrap sandbox running template_server.py, and its control channel.

Why: sandbox/template.py decides when a template is used; this module starts it
(from a thread that lives as long as the process: bubblewrap's --die-with-parent
follows the thread that started it), sends it its configuration, asks it for
children and reads how each one ended.
"""
from __future__ import annotations

import json
import os
import select
import socket
import subprocess
import sys
import threading
import time

from nncourse.sandbox import confine, isolation, landlock, seccomp
from nncourse.sandbox.limits import Limits, worker_env
from nncourse.sandbox.process import OutputTail

FILES = ("template_server.py", "worker.py", "protocol.py", "landlock.py", "seccomp.py")
SLOTS = "/slots"                  # inside the sandbox: one folder per child on a size-capped tmpfs
START_TIMEOUT = 30.0


class TemplateUnavailable(Exception):
    """The template did not take a request (it died meanwhile): start it again."""


class TemplateStartFailed(TemplateUnavailable):
    """The template could not be started: this process grades with the per-submission worker."""


class Template:
    """One bubblewrap sandbox running template_server.py, and the thread that reads its control socket."""

    def __init__(self, scratch_bytes: int):
        self.active = isolation.detect()
        self.ctrl, inside = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._cond = threading.Condition()
        self._replies: dict[int, dict] = {}
        self._exits: dict[str, int] = {}
        self._after: dict[str, object] = {}  # slot -> what to do once that child is reaped (after_exit)
        self._finishing = 0
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
        # Its own CPU only (each child's is counted in the child); files: the Landlock rules it opens once.
        limits = Limits(cpu_seconds=10**7, open_files=4096)
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
            then = None
            with self._cond:
                if not isinstance(message, dict):
                    self._dead = self._dead or "the template sandbox closed its control channel"
                    self._cond.notify_all()
                    break
                if "exit" in message:
                    slot = str(message["exit"])
                    then = self._after.pop(slot, None)
                    if then is None:
                        self._exits[slot] = int(message.get("status", 0))
                    else:
                        self._finishing += 1
                elif "tag" in message:
                    self._replies[int(message["tag"])] = message
                self._cond.notify_all()
            if then is not None:
                self._finish(then)
        self._finish_all()

    def after_exit(self, slot: str, then) -> None:
        """Call then() once the child of `slot` is reaped and its slot removed (at once if it is, or if
        the template is gone): a killed child is cleaned up while the grading process goes on."""
        with self._cond:
            if slot not in self._exits and not self._dead:
                self._after[slot] = then
                return
            self._exits.pop(slot, None)
            self._finishing += 1
        self._finish(then)

    def _finish(self, then) -> None:
        try:
            then()
        finally:
            with self._cond:
                self._finishing -= 1
                self._cond.notify_all()

    def _finish_all(self) -> None:
        """The template is gone, and its children with it: clean up after every one still waited for."""
        with self._cond:
            pending, self._after = list(self._after.values()), {}
            self._finishing += len(pending)
        for then in pending:
            self._finish(then)

    def wait_reaped(self, timeout: float) -> bool:
        """Wait until every child killed so far is reaped, its slot removed and its cgroup gone."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._after or self._finishing:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

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
        self.wait_reaped(5.0)
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
        self._finish_all()
        if self.scratch is not None:
            self.scratch.remove()
