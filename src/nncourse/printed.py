"""Print debugging: what the student's code printed, per check, capped.

Why: students debug with print(). Their code runs in a worker whose
stdout/stderr the sandbox drains into a capped head-and-tail buffer
(sandbox/process.OutputTail); this pytest plugin notes the buffer's position
before each check and takes what was added by its end, so `check` can show
each check's output apart from our own messages.
"""
from __future__ import annotations

import re
import select
import time

import pytest

HEAD_LINES, TAIL_LINES, MAX_CHARS = 12, 8, 3000
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # terminal escapes and the like, shown as '?'


def _tail_position(tail) -> int:
    return tail.total if tail is not None else 0


def _snapshot(tail) -> tuple[int, bytes, bytes]:
    """(total, head, tail) read while the drain thread is not between its updates (it bumps total first)."""
    for _ in range(50):
        first = (tail.total, bytes(tail.head), bytes(tail.tail))
        time.sleep(0.001)
        if first == (tail.total, bytes(tail.head), bytes(tail.tail)):
            break
    return first


def _bytes_since(tail, start: int) -> bytes:
    """Bytes the stream got since position `start`, as far as the capped buffer kept them."""
    if tail.total == start:  # nothing since (the drain thread bumps total first): no snapshot, no wait
        return b""
    total, head, rest = _snapshot(tail)
    if total == len(head) + len(rest):       # nothing dropped: the whole stream is head + tail
        return (head + rest)[start:]
    kept_from = total - len(rest)             # the tail holds [kept_from, total)
    if start >= kept_from:
        return rest[start - kept_from:]
    lost = kept_from - max(start, len(head))
    early = head[start:] if start < len(head) else b""
    return early + f"\n[... {lost} bytes not kept ...]\n".encode() + rest


def _wait_drained(worker, limit: float = 0.2) -> None:
    """Let the drain threads take what the worker flushed before its last reply (a few ms at most)."""
    end = time.monotonic() + limit
    streams = worker.output_streams() if hasattr(worker, "output_streams") else \
        [s for s in (getattr(worker.proc, "stdout", None), getattr(worker.proc, "stderr", None)) if s]
    while time.monotonic() < end:
        try:
            ready, _, _ = select.select(streams, [], [], 0)
        except (OSError, ValueError):  # Windows pipes: no select; a short grace instead
            time.sleep(0.02)
            return
        if not ready:
            return
        time.sleep(0.005)


class PrintedOutput:
    """pytest plugin: {test name: text the student's code printed during it}."""

    def __init__(self, session):
        self.session = session
        self.by_test: dict[str, str] = {}
        self._mark = None

    def _position(self):
        worker = self.session.worker
        if worker is None:
            return None
        return worker, _tail_position(worker.stdout), _tail_position(worker.stderr)

    def forget(self) -> None:
        """Drop what was noted so far (the session's first job timed the reference, not the student)."""
        self.by_test.clear()

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item):
        self._mark = self._position()

    @pytest.hookimpl(trylast=True)
    def pytest_runtest_teardown(self, item):
        chunks = []
        mark, now = self._mark, self.session.worker
        if mark is not None and mark[0] is not now:  # the worker was replaced during the check
            chunks += self._since(*mark)
            mark = None
        if now is not None:
            _wait_drained(now)
            chunks += self._since(now, 0, 0) if mark is None else self._since(*mark)
        text = "".join(chunks).strip("\n")
        if text.strip():
            self.by_test[item.name] = text

    @staticmethod
    def _since(worker, out_at: int, err_at: int) -> list[str]:
        return [_bytes_since(tail, at).decode("utf-8", "replace")
                for tail, at in ((worker.stdout, out_at), (worker.stderr, err_at)) if tail is not None]


def cap(text: str, head: int = HEAD_LINES, tail: int = TAIL_LINES, chars: int = MAX_CHARS) -> str:
    """The first `head` and last `tail` lines (and at most `chars` characters), with what was left out."""
    lines = text.splitlines()
    if len(lines) > head + tail:
        lines = lines[:head] + [f"[... {len(lines) - head - tail} lines not shown ...]"] + lines[-tail:]
    out = "\n".join(lines)
    if len(out) > chars:
        out = out[:chars // 2] + f"\n[... {len(out) - chars} characters not shown ...]\n" + out[-chars // 2:]
    return out


def render_printed(by_test: dict[str, str]) -> str:
    """A section apart from the report: each check's output behind a '|' gutter."""
    if not by_test:
        return ""
    lines = ["", "--- what your code printed (per check; print() output, not our messages) ---"]
    for name, text in by_test.items():
        lines.append(f"{name}:")
        lines += [f"  | {CONTROL.sub('?', line)}" for line in cap(text).splitlines()]
    return "\n".join(lines)
