"""One worker process: start it (isolated), talk to it with a deadline, kill it and all it started.

Why: everything about the operating-system side of a worker lives here: the
command line (bubblewrap or the fallback), pipes, output draining with caps,
SIGKILL of the whole group, and naming how a worker died.
"""
from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from functools import partial
from pathlib import Path

from nncourse.errors import WorkerDied, WorkerTimeout
from nncourse.sandbox import isolation, protocol
from nncourse.sandbox.limits import Limits, apply_limits, worker_env

WORKER_SCRIPT = str(Path(__file__).with_name("worker.py"))


class OutputTail:
    """Drains one stream of the worker in a thread, keeping head and tail within a cap."""

    def __init__(self, stream, cap: int):
        self.cap, self.total = cap, 0
        self.head, self.tail = bytearray(), bytearray()
        self.thread = threading.Thread(target=self._drain, args=(stream,), daemon=True)
        self.thread.start()

    def _drain(self, stream):
        for chunk in iter(partial(stream.read1, 65536), b""):
            self.total += len(chunk)
            room = self.cap // 2 - len(self.head)
            if room > 0:
                self.head += chunk[:room]
                chunk = chunk[room:]
            self.tail = (self.tail + chunk)[-(self.cap // 2):]

    def text(self) -> str:
        dropped = self.total - len(self.head) - len(self.tail)
        middle = f"\n[... {dropped} bytes dropped ...]\n" if dropped > 0 else ""
        return (bytes(self.head).decode("utf-8", "replace") + middle
                + bytes(self.tail).decode("utf-8", "replace"))


def _signal_name(num: int) -> str:
    try:
        return signal.Signals(num).name
    except ValueError:
        return f"signal {num}"


class WorkerProcess:
    """One worker process with its two channels, its output tails and its scratch dir."""

    def __new__(cls, *args, **kwargs):
        from nncourse.sandbox import portable  # macOS, Windows, or NNCOURSE_PORTABLE=1: a plain child process
        if cls is WorkerProcess and portable.active():
            return portable.PortableWorker(*args, **kwargs)
        return super().__new__(cls)

    def __init__(self, module_path: str, module_name: str, limits: Limits):
        self.limits = limits
        self.isolation = isolation.detect()
        self.scratch = tempfile.mkdtemp(prefix="nncourse-worker-")
        argv, preexec, self.visible_module = self._plan(module_path, module_name)
        req_r, self.req_w = os.pipe()
        self.rep_r, rep_w = os.pipe()
        argv += [str(req_r), str(rep_w)]
        self.proc = subprocess.Popen(
            argv, pass_fds=(req_r, rep_w), stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=self.scratch,
            env=worker_env(isolation.INSIDE_WORK if self.isolation.strong else self.scratch),
            start_new_session=True, preexec_fn=preexec)
        os.close(req_r)
        os.close(rep_w)
        self.stdout = OutputTail(self.proc.stdout, limits.output_bytes)
        self.stderr = OutputTail(self.proc.stderr, limits.output_bytes)

    def _plan(self, module_path: str, module_name: str):
        """The command, the pre-exec step and the module's path as the worker sees it."""
        python = os.path.realpath(sys.executable)
        if self.isolation.strong:
            argv = isolation.bwrap_prefix(os.path.realpath(module_path), module_name, self.limits.scratch_bytes)
            argv += [python, "-I", "-B", f"{isolation.INSIDE_CODE}/worker.py"]
            nproc = isolation.process_headroom(self.limits.processes)  # the sandbox counts as our uid
            return argv, partial(apply_limits, self.limits, nproc), \
                f"{isolation.INSIDE_SUBMISSION}/{module_name}.py"
        # Fallback: everything the worker reads is copied into its own scratch folder.
        code = Path(self.scratch, ".worker")
        code.mkdir()
        for name in isolation.WORKER_FILES:
            shutil.copyfile(Path(WORKER_SCRIPT).with_name(name), code / name)
        module = Path(self.scratch, "submission", f"{module_name}.py")
        module.parent.mkdir()
        shutil.copyfile(module_path, module)
        uid = self.isolation.uid
        if uid is not None:
            for folder, _dirs, files in os.walk(self.scratch):
                for item in [folder, *(os.path.join(folder, f) for f in files)]:
                    os.chown(item, uid, uid)
        launcher = list(self.isolation.launcher)  # setpriv drops the uid itself: no setuid before exec
        return [*launcher, python, "-I", "-B", str(code / "worker.py")], \
            partial(_fallback_preexec, self.limits, uid, not launcher), str(module)

    def request(self, message: dict, timeout: float) -> dict:
        """Send one request and wait for its reply, at most `timeout` seconds."""
        try:
            protocol.write_frame(self.req_w, message)
        except (BrokenPipeError, OSError):
            raise self._death() from None
        deadline = time.monotonic() + timeout
        return protocol.read_message(lambda n: self._read(n, deadline))  # each length capped before it is read

    def _read(self, n: int, deadline: float) -> bytes:
        chunks, left = [], n
        while left:
            wait = deadline - time.monotonic()
            if wait <= 0:
                self.kill()
                raise WorkerTimeout(f"timed out after {self._budget_text()}")
            ready, _, _ = select.select([self.rep_r], [], [], wait)
            if not ready:
                continue
            chunk = os.read(self.rep_r, min(left, 1 << 20))
            if not chunk:
                raise self._death()
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def _budget_text(self) -> str:
        return "its time budget (an endless loop, or far too slow?)"

    def _death(self) -> WorkerDied:
        try:
            code = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.kill()
            code = self.proc.returncode
        self.kill()
        if code is not None and code > 128 and self.isolation.strong:
            code = 128 - code  # bwrap reports a child killed by signal N as status 128 + N
        if code is not None and code < 0:
            what = f"crashed: {_signal_name(-code)}"
            if -code == signal.SIGXCPU:
                what += " (CPU time limit)"
        else:
            what = f"exited with status {code}"
        return WorkerDied(f"your code {what} (the Python process running it stopped)")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL the worker's whole process group (it ignores nothing), then clean up.

        Under bubblewrap the sandbox's PID 1 dies with bwrap, taking every process
        of its namespace along; in the fallback every process of the worker's uid is killed.
        """
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if not self.isolation.strong and self.isolation.uid is not None:
            isolation.kill_uid(self.isolation.uid, self.isolation.launcher)
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        self.close()

    def close(self) -> None:
        for fd in (self.req_w, self.rep_r):
            try:
                os.close(fd)
            except OSError:
                pass
        self.req_w = self.rep_r = -1
        shutil.rmtree(self.scratch, ignore_errors=True)


def _fallback_preexec(limits: Limits, uid: int | None, setuid: bool = True) -> None:
    """Pre-exec step without bubblewrap: rlimits, then an unprivileged uid when we are root."""
    apply_limits(limits, limits.processes if uid is not None else None)
    if uid is not None and setuid:
        isolation.drop_privileges(uid)
