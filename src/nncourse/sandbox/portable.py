"""The portable worker: a plain child process with a wall clock, for macOS and Windows laptops.

Why: the Linux sandbox (bubblewrap, rlimits, seccomp through prctl,
preexec_fn) cannot run on most students' laptops. A student's own machine
needs no protection from their own code, only a child process (so a crash or
an endless loop does not take `check` down) and a time limit. This worker
speaks the same protocol as sandbox/process.WorkerProcess, over the child's
stdin (requests) and a duplicate of its stdout (replies); what the student
prints goes to the child's stderr. Reading uses a thread and a queue instead
of select(), which Windows pipes do not support. Linux uses it when
NNCOURSE_PORTABLE=1 (the tests force it there).
"""
from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from nncourse.errors import WorkerDied, WorkerTimeout
from nncourse.sandbox import protocol

NOTE = ("portable mode: your code runs in a plain child process with a time limit; the Linux sandbox "
        "is not used on this system (the instructor's grading uses it).")
HERE = Path(__file__).resolve().parent
WORKER_FILES = ("worker.py", "protocol.py")

# Runs in the child: protocol on private copies of stdin/stdout, the student's prints to stderr.
BOOT = r"""
import os, sys
sys.path.insert(0, sys.argv[1])
req, rep = os.dup(0), os.dup(1)
os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
os.dup2(2, 1)
if os.name == "nt":
    import msvcrt
    for fd in (req, rep):
        msvcrt.setmode(fd, os.O_BINARY)
import worker
worker.serve(req, rep)  # request ids echoed, replies bounded: the same loop as in the sandbox
"""


def active() -> bool:
    """True off Linux, or when NNCOURSE_PORTABLE=1 forces it."""
    forced = os.environ.get("NNCOURSE_PORTABLE", "").strip()
    return forced == "1" or not sys.platform.startswith("linux")


class _NoOutput:
    """The second output stream: the portable worker sends everything printed through one."""

    total, head, tail = 0, b"", b""

    def text(self) -> str:
        return ""


class PortableWorker:
    """Same interface as WorkerProcess: request(), alive(), kill(), close(), stdout/stderr tails."""

    def __init__(self, module_path: str, module_name: str, limits):
        from nncourse.sandbox.isolation import Isolation
        from nncourse.sandbox.process import OutputTail
        self.limits = limits
        self.isolation = Isolation("portable", NOTE)
        self.scratch = tempfile.mkdtemp(prefix="nncourse-worker-")
        code = Path(self.scratch, ".worker")
        code.mkdir()
        for name in WORKER_FILES:
            shutil.copyfile(HERE / name, code / name)
        module = Path(self.scratch, "submission", f"{module_name}.py")
        module.parent.mkdir()
        shutil.copyfile(module_path, module)
        self.visible_module = str(module)
        kwargs = {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP} if os.name == "nt" \
            else {"start_new_session": True}
        self.proc = subprocess.Popen([sys.executable, "-B", "-c", BOOT, str(code)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=self.scratch,
                                     env=_env(self.scratch), **kwargs)
        self.stdout = OutputTail(self.proc.stderr, limits.output_bytes)
        self.stderr = _NoOutput()
        self.replies: queue.Queue = queue.Queue()
        threading.Thread(target=self._read_replies, daemon=True).start()

    def output_streams(self) -> list:
        """The pipes that carry what the student printed (for printed.py's drain wait)."""
        return [self.proc.stderr]

    def _read_replies(self) -> None:
        fd = self.proc.stdout.fileno()
        while True:
            try:
                self.replies.put(protocol.read_frame(fd))
            except (EOFError, OSError, ValueError) as exc:
                self.replies.put(EOFError(str(exc)))
                return
            except protocol.ProtocolError as exc:
                self.replies.put(exc)
                return

    def _send(self, message: dict) -> None:
        try:
            protocol.write_frame(self.proc.stdin.fileno(), message)
        except (OSError, ValueError):
            pass  # the child is gone: the reader reports it

    def request(self, message: dict, timeout: float) -> dict:
        """Send one request and wait for its reply, at most `timeout` seconds of wall time."""
        threading.Thread(target=self._send, args=(message,), daemon=True).start()
        try:
            reply = self.replies.get(timeout=max(timeout, 0.0))
        except queue.Empty:
            self.kill()
            raise WorkerTimeout("timed out after its time budget (an endless loop, or far too slow?)") from None
        if isinstance(reply, protocol.ProtocolError):
            raise reply
        if isinstance(reply, EOFError):
            raise self._death()
        return reply

    def _death(self) -> WorkerDied:
        try:
            code = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        self.kill()
        if code is not None and code < 0:
            try:
                what = f"crashed: {signal.Signals(-code).name}"
            except ValueError:
                what = f"crashed: signal {-code}"
        else:
            what = f"exited with status {code}"
        return WorkerDied(f"your code {what} (the Python process running it stopped)")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        if self.proc.poll() is None:
            try:
                if os.name == "nt":
                    self.proc.kill()
                else:
                    os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError, OSError):
                pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        self.close()

    def close(self) -> None:
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except (OSError, ValueError):
                pass
        shutil.rmtree(self.scratch, ignore_errors=True)


def _env(scratch: str) -> dict[str, str]:
    """The student's own environment (their machine), with the settings the worker needs."""
    env = dict(os.environ)
    env.update({"PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0", "PYTHONIOENCODING": "utf-8",
                "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
                "MKL_NUM_THREADS": "1", "TMPDIR": scratch})
    return env
