"""How a worker is isolated: bubblewrap where the machine has it, else rlimits + an unprivileged uid.

Why: rlimits alone cannot hide files, cut the network or catch a process that
detaches itself. bubblewrap gives the worker its own user, PID, network and
mount namespaces with a read-only view of just the Python it needs; when it is
missing or cannot create namespaces, the fallback says so loudly.
"""
from __future__ import annotations

import functools
import os
import shutil
import site
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

SANDBOX_UID = 65534          # "nobody" inside the bubblewrap sandbox
FALLBACK_UID_BASE = 200000   # + pid of the trusted process: one uid per concurrently grading process
INSIDE_WORK = "/work"        # the worker's writable scratch folder (cwd, HOME, TMPDIR)
INSIDE_CODE = "/opt/nncourse"
INSIDE_SUBMISSION = "/submission"
WORKER_FILES = ("worker.py", "protocol.py")


@dataclass(frozen=True)
class Isolation:
    """Which isolation is active, and why (shown by `nncourse doctor`)."""

    kind: str      # "bubblewrap" | "rlimits"
    reason: str
    uid: int | None = None

    @property
    def strong(self) -> bool:
        return self.kind == "bubblewrap"


def _python_paths() -> list[str]:
    """Folders the worker must read: the interpreter, its prefixes and site-packages."""
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
             os.path.dirname(os.path.realpath(sys.executable))}
    paths.update(p for p in site.getsitepackages() if os.path.isdir(p))
    paths = sorted(os.path.realpath(p) for p in paths if p and os.path.isdir(p))
    system = ("/usr", "/lib", "/lib64", "/bin", "/etc")
    return [p for p in paths if not any(p == s or p.startswith(s + "/") for s in system)]


def bwrap_prefix(scratch: str, module_file: str, module_name: str) -> list[str]:
    """The bwrap command line up to (not including) the program to run inside."""
    here = Path(__file__).parent
    args = ["bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
            "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID)]
    for folder in ("/usr", "/etc"):
        args += ["--ro-bind", folder, folder]
    for folder in ("/lib", "/lib64", "/bin", "/sbin"):
        args += ["--ro-bind-try", folder, folder]
    for folder in _python_paths():
        args += ["--ro-bind", folder, folder]
    args += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
             "--bind", scratch, INSIDE_WORK, "--chdir", INSIDE_WORK,
             "--ro-bind", module_file, f"{INSIDE_SUBMISSION}/{module_name}.py"]
    for name in WORKER_FILES:
        args += ["--ro-bind", str(here / name), f"{INSIDE_CODE}/{name}"]
    return args


@functools.lru_cache(maxsize=1)
def detect() -> Isolation:
    """bubblewrap if it runs a trial sandbox here; else the rlimits fallback, with the reason."""
    forced = os.environ.get("NNCOURSE_ISOLATION", "").strip().lower()
    if forced in ("rlimits", "none", "off"):
        return _fallback("bubblewrap switched off by NNCOURSE_ISOLATION")
    if shutil.which("bwrap") is None:
        return _fallback("bubblewrap (bwrap) is not installed: apt-get install bubblewrap")
    probe = bwrap_prefix("/tmp", os.path.realpath(__file__), "probe") + [
        os.path.realpath(sys.executable), "-I", "-S", "-c", "pass"]
    try:
        done = subprocess.run(probe, capture_output=True, timeout=20, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return _fallback(f"bubblewrap failed to start: {exc}")
    if done.returncode != 0:
        why = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no message"]
        return _fallback(f"bubblewrap cannot create its namespaces here ({why[0]})")
    return Isolation("bubblewrap", "bubblewrap: own user, PID, network, IPC and mount namespaces; "
                     "read-only view of Python only; student code runs as uid 65534", SANDBOX_UID)


def _python_reachable_by_others() -> bool:
    """Can an unprivileged uid traverse to and run this interpreter?"""
    path = Path(os.path.realpath(sys.executable))
    for folder in [*path.parents]:
        if not os.stat(folder).st_mode & 0o001:
            return False
    return bool(os.stat(path).st_mode & 0o001)


def _fallback(why: str) -> Isolation:
    if os.geteuid() == 0 and _python_reachable_by_others():
        uid = FALLBACK_UID_BASE + os.getpid() % 100000
        return Isolation("rlimits", f"WEAK ISOLATION: {why}; using rlimits, a new session and "
                         f"an unprivileged uid (no network or file-system isolation)", uid)
    who = "as root: this Python is not readable by an unprivileged user" if os.geteuid() == 0 \
        else "as the current user"
    return Isolation("rlimits", f"WEAK ISOLATION: {why}; using rlimits and a new session only, "
                     f"student code runs {who} (no network or file-system isolation)", None)


def drop_privileges(uid: int) -> None:
    """In the child before exec: become `uid` with no supplementary groups."""
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)


def kill_uid(uid: int) -> None:
    """SIGKILL every process of `uid` (what a fallback worker may have detached)."""
    script = "import os, signal\ntry:\n    os.kill(-1, signal.SIGKILL)\nexcept OSError:\n    pass\n"
    subprocess.run([sys.executable, "-I", "-S", "-c", script], preexec_fn=lambda: drop_privileges(uid),
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=10, check=False)


def process_headroom(limit: int) -> int:
    """RLIMIT_NPROC for a worker whose processes count against the caller's uid (bubblewrap as root)."""
    mine = 0
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and proc.stat().st_uid == os.getuid():
                mine += len(os.listdir(proc / "task"))  # threads count against RLIMIT_NPROC too
        except OSError:
            continue
    return mine + limit


