"""`nncourse doctor`: each layer of the sandbox on this machine, and whether hidden grading would run.

Why: the weak mode is much weaker than bubblewrap; an instructor must see which
layers grading will use, and why, before grading a class, and CI must be able
to fail on a machine where hidden grading would refuse to run.
"""
from __future__ import annotations

import os
import platform
import sys

import click

from nncourse.cli import main


def diagnose() -> list[tuple[str, str]]:
    """(name, value) facts about each layer of the sandbox and the tools it runs on."""
    import numpy

    from nncourse.sandbox import cgroup, isolation, landlock, template
    active = isolation.detect()
    abi = landlock.abi_version()
    return [("isolation", active.kind),
            ("why", active.reason),
            ("namespaces", _namespaces_text(active)),
            ("seccomp", _seccomp_text(active)),
            ("cgroup", cgroup.support().describe()),
            ("landlock", f"ABI {abi}" + (" (used in the weak mode, and by the warmed template's children)" if abi else "") if abi
             else "not offered by this kernel (the weak mode has no file-system isolation)"),
            ("host uid", _uid_text(active)),
            ("workers", template.describe()),
            ("hidden grading", "runs" if active.strong else
             "refused unless --allow-weak-isolation or `allow_weak_isolation: true` in course.yaml"),
            ("python", f"{platform.python_version()} ({sys.executable})"),
            ("numpy", numpy.__version__),
            ("bubblewrap", isolation.bwrap_version() or "not installed (apt-get install bubblewrap)")]


def _namespaces_text(active) -> str:
    if active.strong:
        return "user, PID, network, IPC, mount, UTS (bubblewrap)"
    if active.private_mounts:
        return "a private mount namespace only (the weak mode: same PIDs, network and users as the host)"
    return "none (the weak mode)"


def _seccomp_text(active) -> str:
    """Checked, not assumed: a trial worker's processes (bwrap's init, PID 1, included) must all be filtered."""
    from nncourse.sandbox import seccomp
    if not seccomp.supported():
        return f"none: no filter for this {platform.machine()} machine (new processes allowed up to RLIMIT_NPROC)"
    filtered, total = _trial_filtered()
    where = "every sandbox process, PID 1 included" if active.strong else "the worker"
    if total and filtered == total:
        return f"on {where} ({filtered}/{total} processes checked): no new processes, ptrace, namespaces, mount, bpf"
    return f"NOT on every process ({filtered}/{total} filtered)"


def _trial_filtered() -> tuple[int, int]:
    """(filtered, total) processes of a trial worker, as seen from the host."""
    from nncourse.sandbox import seccomp
    from nncourse.sandbox.proxy import Session
    probe = os.path.join(os.path.dirname(__file__), "..", "sandbox", "protocol.py")
    session = Session(os.path.realpath(probe), "probe")
    try:
        _wait_started(session)
        pids = [session.worker.proc.pid] + _descendants(session.worker.proc.pid)
        inside = pids[1:] if session.worker.isolation.strong else pids  # bwrap's monitor stays outside
        return sum(seccomp.filtered(p) for p in inside), len(inside)
    finally:
        session.close()


def _wait_started(session) -> None:
    """Until the worker answers (its Python is running): the load of a module that exists."""
    try:
        session.ensure_loaded()
    except Exception:  # noqa: BLE001 - the probe module may not import cleanly; the processes are up
        pass


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def _uid_text(active) -> str:
    if active.uid is not None:
        return f"{active.uid} (unprivileged; the grader runs as root and drops to it before the sandbox starts)"
    if os.geteuid() == 0:
        return "0: STUDENT CODE RUNS AS ROOT (this Python is not readable by an unprivileged user)"
    return f"{os.getuid()} (the grader's own, unprivileged)"


@main.command()
def doctor():
    """Show each layer of the sandbox here (namespaces, seccomp, cgroup, Landlock, host uid) and why.

    Set NNCOURSE_ISOLATION=rlimits to see the weak mode. Exit status: 0 when
    hidden grading (grade, validate) would run, 1 when it would refuse (no
    strong isolation on this machine).
    """
    facts = diagnose()
    width = max(len(name) for name, _ in facts)
    for name, value in facts:
        click.echo(f"{name + ':':<{width + 1}} {value}")
    from nncourse.sandbox import isolation
    raise SystemExit(0 if isolation.detect().strong else 1)
