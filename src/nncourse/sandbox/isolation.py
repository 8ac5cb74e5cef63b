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
ETC_FILES = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "passwd", "group", "nsswitch.conf",
             "alternatives")


@dataclass(frozen=True)
class Isolation:
    """Which isolation is active, and why (shown by `nncourse doctor`)."""

    kind: str      # "bubblewrap" | "rlimits"
    reason: str
    uid: int | None = None
    launcher: tuple[str, ...] = ()  # argv prefix that drops to `uid` at exec (when a pre-exec setuid cannot)

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


def bwrap_prefix(module_file: str, module_name: str, scratch_bytes: int = 128 * 1024**2) -> list[str]:
    """The bwrap command line up to (not including) the program to run inside."""
    here = Path(__file__).parent
    args = ["bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
            "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID)]
    args += ["--ro-bind", "/usr", "/usr"]
    # Only the few /etc files a Python process reads: the sandbox's uid 65534 maps to the
    # caller's uid outside, so a root-only file such as /etc/shadow must simply not be there.
    for name in ETC_FILES:
        args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    for folder in ("/lib", "/lib64", "/bin", "/sbin"):
        args += ["--ro-bind-try", folder, folder]
    for folder in _python_paths():
        args += ["--ro-bind", folder, folder]
    # Size-capped tmpfs for every writable folder: the RLIMIT_FSIZE cap is per file, and
    # bwrap's default tmpfs may take half the RAM; nothing the worker writes reaches the host.
    args += ["--proc", "/proc", "--dev", "/dev", "--size", str(scratch_bytes), "--tmpfs", "/tmp",
             "--size", str(scratch_bytes), "--tmpfs", INSIDE_WORK, "--chdir", INSIDE_WORK,
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
    probe = bwrap_prefix(os.path.realpath(__file__), "probe") + [
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


# A forked grading process (the batch's pool) must not share its parent's answer: the
# fallback uid is derived from the pid, and kill_uid in one process would kill the other's worker.
if hasattr(os, "register_at_fork"):  # not on Windows, where only the portable worker runs
    os.register_at_fork(after_in_child=detect.cache_clear)


def bwrap_version() -> str | None:
    """`bubblewrap 0.8.0` as bwrap reports it, or None where it is not installed."""
    if shutil.which("bwrap") is None:
        return None
    try:
        done = subprocess.run(["bwrap", "--version"], capture_output=True, text=True, timeout=10,
                              stdin=subprocess.DEVNULL, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"installed, but `bwrap --version` failed ({exc})"
    return (done.stdout.strip() or done.stderr.strip() or "installed, version unknown").splitlines()[0]


def _python_reachable_by_others() -> bool:
    """Can an unprivileged uid traverse to and run this interpreter?"""
    path = Path(os.path.realpath(sys.executable))
    for folder in [*path.parents]:
        if not os.stat(folder).st_mode & 0o001:
            return False
    return bool(os.stat(path).st_mode & 0o001)


def _fallback(why: str) -> Isolation:
    if os.geteuid() == 0:
        uid = FALLBACK_UID_BASE + os.getpid() % 100000
        if _python_reachable_by_others():
            return Isolation("rlimits", f"WEAK ISOLATION: {why}; using rlimits, a new session and "
                             f"an unprivileged uid (no network or file-system isolation)", uid)
        if shutil.which("setpriv") and _starts_python(setpriv_launcher(uid)):
            return Isolation("rlimits", f"WEAK ISOLATION: {why}; using rlimits, a new session and "
                             f"an unprivileged uid that keeps CAP_DAC_READ_SEARCH, as this Python is not "
                             f"readable by others: it may read every file but write none of root's "
                             f"(no network or file-system isolation)", uid, setpriv_launcher(uid))
    who = "as root: this Python is not readable by an unprivileged user" if os.geteuid() == 0 \
        else "as the current user"
    return Isolation("rlimits", f"WEAK ISOLATION: {why}; using rlimits and a new session only, "
                     f"student code runs {who} (no network or file-system isolation)", None)


def setpriv_launcher(uid: int) -> tuple[str, ...]:
    """`setpriv` becoming `uid` but keeping only CAP_DAC_READ_SEARCH (to reach a Python under /root).

    Why: as root with a Python that others cannot traverse to (pyenv in /root),
    the fallback used to run student code as root: able to write the grader,
    kill the grading process, fork without RLIMIT_NPROC and escape kill_uid.
    Reading everything is what the fallback allows anyway; writing, signalling
    and ptracing root's processes is not. No new privileges after that.
    """
    caps = "-all,+dac_read_search"
    return (shutil.which("setpriv") or "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
            f"--inh-caps={caps}", f"--ambient-caps={caps}", f"--bounding-set={caps}", "--no-new-privs", "--")


def _starts_python(launcher: tuple[str, ...]) -> bool:
    """Can this launcher start our Python (setpriv may lack the capabilities it needs in a container)?"""
    try:
        return subprocess.run([*launcher, sys.executable, "-I", "-S", "-c", "pass"], capture_output=True,
                              timeout=20, stdin=subprocess.DEVNULL, check=False).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def drop_privileges(uid: int) -> None:
    """In the child before exec: become `uid` with no supplementary groups."""
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)


def kill_uid(uid: int, launcher: tuple[str, ...] = ()) -> None:
    """SIGKILL every process of `uid` (what a fallback worker may have detached)."""
    script = "import os, signal\ntry:\n    os.kill(-1, signal.SIGKILL)\nexcept OSError:\n    pass\n"
    subprocess.run([*launcher, sys.executable, "-I", "-S", "-c", script],
                   preexec_fn=None if launcher else lambda: drop_privileges(uid),
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


