"""One worker process: start it (isolated), talk to it with a deadline, kill it and all it started.

Why: everything about the operating-system side of a worker lives here: the
command line (bubblewrap or the fallback), pipes, output draining with caps,
SIGKILL of the whole group, and naming how a worker died.
"""
from __future__ import annotations

import os
import select
import signal
import struct
import subprocess
import threading
import time
from functools import partial
from pathlib import Path

from nncourse.errors import WorkerDied, WorkerTimeout
from nncourse.sandbox import confine, isolation, protocol
from nncourse.sandbox.cgroup import WorkerCgroup
from nncourse.sandbox.limits import Limits, worker_env

try:
    import fcntl
    import termios
except ImportError:  # Windows: only the portable worker runs there, and it reads no pipe of ours
    fcntl = termios = None

WORKER_SCRIPT = str(Path(__file__).with_name("worker.py"))
_TWO_LENGTHS = struct.Struct("<QQ")  # a frame's size and its header's length
_CHUNK = 65536                       # a read asks for at least this much: a whole small reply at once


def _bytes_waiting(fd: int) -> int:
    """Bytes readable on a pipe right now, without reading them (0 at end of file)."""
    try:
        return _INT.unpack(fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"))[0]
    except OSError:
        return 0


_INT = struct.Struct("i")


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


def death_message(code: int | None) -> str:
    """How the worker ended, for the student: a negative code is the signal that killed it."""
    if code is not None and code < 0:
        what = f"crashed: {_signal_name(-code)}"
        if -code == signal.SIGXCPU:
            what += " (CPU time limit)"
    else:
        what = f"exited with status {code}"
    return f"your code {what} (the Python process running it stopped)"


class WorkerProcess:
    """One worker process with its two channels, its output tails, its scratch folder and its cgroup."""

    def __new__(cls, *args, **kwargs):
        from nncourse.sandbox import portable  # macOS, Windows, or NNCOURSE_PORTABLE=1: a plain child process
        if cls is WorkerProcess and portable.active():
            return portable.PortableWorker(*args, **kwargs)
        return super().__new__(cls)

    def __init__(self, module_path: str, module_name: str, limits: Limits):
        self.limits = limits
        self.isolation = isolation.detect()
        self.scratch = confine.make_scratch(module_path, module_name, self.isolation.uid,
                                            confine.paths_to_stage(self.isolation))
        self.cgroup = WorkerCgroup.create(limits.cgroup_memory_bytes, limits.processes + 8)
        plan = confine.plan_worker(self.isolation, self.scratch, module_name, limits, self.cgroup)
        self.visible_module = plan.visible_module
        req_r, self.req_w = os.pipe()
        self.rep_r, rep_w = os.pipe()
        try:
            self.proc = subprocess.Popen(
                [*plan.argv, str(req_r), str(rep_w)], pass_fds=(req_r, rep_w, *plan.pass_fds),
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                cwd=self.scratch.work if not self.isolation.strong else self.scratch.base,
                env=worker_env(plan.env_home), start_new_session=True, preexec_fn=plan.preexec)
        except BaseException:
            self._release()
            raise
        finally:
            for fd in (req_r, rep_w, *plan.close_after_start):
                os.close(fd)
        self.stdout = OutputTail(self.proc.stdout, limits.output_bytes)
        self.stderr = OutputTail(self.proc.stderr, limits.output_bytes)

    _pending = b""  # bytes read past the last reply: to the proxy, a reply waiting (see reply_waiting)

    def request(self, message: dict, timeout: float) -> dict:
        """Send one request and wait for its reply, at most `timeout` seconds."""
        try:
            protocol.write_frame(self.req_w, message)
        except (BrokenPipeError, OSError):
            raise self._death() from None
        return self._reply(time.monotonic() + timeout)

    def _reply(self, deadline: float):
        """Read and decode one reply frame: its two leading lengths are capped (protocol.check_lengths)
        before the rest is read, and the rest is at most the size they allow."""
        data = self._pending
        if len(data) < 16:
            data = self._fill(data, 16, deadline)
        size, hlen = _TWO_LENGTHS.unpack_from(data)
        protocol.check_lengths(size, hlen, protocol.MAX_HEADER_BYTES, protocol.MAX_REPLY_ARRAY_BYTES)
        end = 8 + size
        if len(data) < end:
            data = self._fill(data, end, deadline)
        self._pending = data[end:]
        return protocol.parse_frame(data, 8, end)

    def _fill(self, data: bytes, need: int, deadline: float) -> bytes:
        """data and what the reply pipe brings until there are `need` bytes (one select and one read
        when the reply is small); at most _CHUNK bytes beyond `need` are read ahead."""
        chunks, have = [data] if data else [], len(data)
        while have < need:
            wait = deadline - time.monotonic()
            if wait <= 0:
                self.kill()
                raise WorkerTimeout(f"timed out after {self._budget_text()}")
            ready, _, _ = select.select([self.rep_r], [], [], wait)
            if not ready:
                continue
            chunk = os.read(self.rep_r, min(max(need - have, _CHUNK), 1 << 20))
            if not chunk:
                raise self._death()
            chunks.append(chunk)
            have += len(chunk)
        return b"".join(chunks)  # one chunk: itself, not a copy

    def reply_waiting(self) -> bool:
        """Bytes from the worker before a request was sent: read ahead already, or in the pipe."""
        return bool(self._pending) or _bytes_waiting(self.rep_r) > 0

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
        return WorkerDied(death_message(code))

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL everything the worker is: its cgroup (every process in it, however detached),
        its process group, and in the weak mode without a cgroup every process of its uid."""
        if self.cgroup is not None:
            if self.isolation.strong and self.proc.poll() is None:
                self.cgroup.kill(spare=self.proc.pid)  # the sandbox first: bwrap reaps its init, then exits
                try:
                    self.proc.wait(timeout=1)
                except subprocess.TimeoutExpired:
                    pass
            self.cgroup.kill()
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if self.cgroup is None and not self.isolation.strong and self.isolation.uid is not None:
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
        self._pending = b""
        self._release()

    def _release(self) -> None:
        if self.cgroup is not None:
            self.cgroup.kill()
            self.cgroup.remove()
            self.cgroup = None
        self.scratch.remove()
