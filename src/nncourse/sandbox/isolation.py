"""Which isolation a worker gets: bubblewrap where the machine has it, else the weak mode.

Why: rlimits alone cannot hide files, cut the network or catch a process that
detaches itself. bubblewrap gives the worker its own user, PID, network and
mount namespaces with a read-only view of just the Python it needs; when it is
missing or cannot create namespaces, the weak mode says so loudly and hidden
grading refuses it unless the instructor allows it (require_strong). Either
way, a grader running as root never lets student code run as root: it drops
to an unprivileged host uid first (host_uid). How each worker is then confined
is sandbox/confine.py.
"""
from __future__ import annotations

import atexit
import functools
import os
import shutil
import site
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from nncourse.errors import NncourseError

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
    uid: int | None = None          # the host uid student code runs as (None: the grader's own)
    launcher: tuple[str, ...] = ()  # argv prefix that drops to `uid` at exec (when a pre-exec setuid cannot)
    private_mounts: bool = False    # weak mode: a private mount namespace shows Python and caps the scratch

    @property
    def strong(self) -> bool:
        return self.kind == "bubblewrap"

    @property
    def label(self) -> str:
        """What a Result's `isolation` field says."""
        return "strong" if self.strong else WEAK


WEAK = "WEAK ISOLATION"


def host_uid() -> int | None:
    """The unprivileged host uid student code runs as when we are root; None when we are not.

    One uid per grading process (NNCOURSE_SANDBOX_UID_BASE + pid), so the workers of
    two concurrent grading processes never share a uid (kill, /proc, files).
    """
    if os.geteuid() != 0:
        return None
    base = int(os.environ.get("NNCOURSE_SANDBOX_UID_BASE", FALLBACK_UID_BASE))
    return base + os.getpid() % 100000


def python_paths() -> list[str]:
    """Folders the worker must read: the interpreter, its prefixes and site-packages."""
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
             os.path.dirname(os.path.realpath(sys.executable))}
    paths.update(p for p in site.getsitepackages() if os.path.isdir(p))
    paths = sorted(os.path.realpath(p) for p in paths if p and os.path.isdir(p))
    system = ("/usr", "/lib", "/lib64", "/bin", "/etc")
    outer = [p for p in paths if not any(p == s or p.startswith(s + "/") for s in system)]
    return [p for p in outer if not any(p != q and p.startswith(q + "/") for q in outer)]


def reachable_by(path: str, uid: int | None) -> bool:
    """Can `uid` (None: us) traverse to `path` and read it (by the "other" permission bits)?"""
    if uid is None:
        return True
    real = Path(os.path.realpath(path))
    for folder in [*real.parents]:
        if not os.stat(folder).st_mode & 0o001:
            return False
    return bool(os.stat(real).st_mode & 0o004)


def bwrap_args(submission: str | None, module_name: str, code_dir: str, scratch_bytes: int,
               seccomp_fd: int | None, staged: dict[str, str] | None = None,
               code_files: tuple[str, ...] = WORKER_FILES, slots: str | None = None) -> list[str]:
    """The bwrap command line up to (not including) the program to run inside.

    staged: host path -> a stand-in path the sandbox uid can reach (see confine.stage_mounts).
    submission None and slots: the warmed template's sandbox (sandbox/template.py), whose
    children each get a folder on the size-capped tmpfs `slots` instead.
    """
    staged = staged or {}
    args = ["bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
            "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID)]
    if seccomp_fd is not None:  # bwrap installs it on its init (PID 1) and on the worker
        args += ["--seccomp", str(seccomp_fd)]
    args += ["--ro-bind", "/usr", "/usr"]
    # Only the few /etc files a Python process reads.
    for name in ETC_FILES:
        args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    for folder in ("/lib", "/lib64", "/bin", "/sbin"):
        args += ["--ro-bind-try", folder, folder]
    for folder in python_paths():
        args += ["--ro-bind", staged.get(folder, folder), folder]
    # Size-capped tmpfs for every writable folder (bwrap's default tmpfs may take half the RAM),
    # and / and /dev read-only: nothing written inside is unbounded or reaches the host.
    cap = str(scratch_bytes)
    args += ["--proc", "/proc", "--dev", "/dev", "--size", cap, "--tmpfs", "/dev/shm",
             "--size", cap, "--tmpfs", "/tmp", "--size", cap, "--tmpfs", slots or INSIDE_WORK]
    if submission is not None:
        args += ["--ro-bind", submission, f"{INSIDE_SUBMISSION}/{module_name}.py"]
    for name in code_files:
        args += ["--ro-bind", os.path.join(code_dir, name), f"{INSIDE_CODE}/{name}"]
    args += ["--remount-ro", "/", "--remount-ro", "/dev", "--chdir", slots or INSIDE_WORK]
    return args


@functools.lru_cache(maxsize=1)
def detect() -> Isolation:
    """bubblewrap if it runs a trial sandbox here (confined as a worker is); else the fallback, with why."""
    forced = os.environ.get("NNCOURSE_ISOLATION", "").strip().lower()
    if forced in ("rlimits", "none", "off"):
        return _fallback("bubblewrap switched off by NNCOURSE_ISOLATION")
    if shutil.which("bwrap") is None:
        return _fallback("bubblewrap (bwrap) is not installed: apt-get install bubblewrap")
    from nncourse.sandbox import confine
    uid = host_uid()
    trial = Isolation("bubblewrap", "trial", uid)
    early = _EARLY.pop(os.getpid(), None)
    try:
        done = early.wait() if early is not None and early.uid == uid else confine.trial_run(trial)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return _fallback(f"bubblewrap failed to start: {exc}")
    if done.returncode == confine.NOT_FILTERED:
        return _fallback(f"{bwrap_version()} does not put its own init (PID 1) under the seccomp filter; "
                         "use a current bubblewrap")
    if done.returncode != 0:
        why = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no message"]
        return _fallback(f"bubblewrap cannot create its namespaces here ({why[0]})")
    who = f"uid {SANDBOX_UID} inside, unprivileged uid {uid} outside" if uid is not None \
        else f"uid {SANDBOX_UID} inside, the grader's own uid ({os.getuid()}) outside"
    return Isolation("bubblewrap", "bubblewrap: own user, PID, network, IPC and mount namespaces; "
                     f"read-only view of Python only; seccomp on every process; student code runs as {who}", uid)


_EARLY: dict = {}  # pid -> its confine.Trial started by start_detection, for detect() to wait for


def start_detection() -> None:
    """Start detect()'s trial sandbox now; detect() waits for it later (a `check` imports meanwhile).

    The trial and its verdict are detect()'s own: only the wait moves. Nothing is started where
    detect() would not run one (portable mode, bubblewrap off or missing) or has answered already.
    """
    cache = getattr(detect, "cache_info", None)
    if (os.getpid() in _EARLY or (cache is not None and cache().currsize)
            or os.environ.get("NNCOURSE_PORTABLE", "").strip() == "1" or not sys.platform.startswith("linux")
            or os.environ.get("NNCOURSE_ISOLATION", "").strip().lower() in ("rlimits", "none", "off")
            or shutil.which("bwrap") is None):
        return
    from nncourse.sandbox import confine
    try:
        _EARLY[os.getpid()] = confine.Trial(Isolation("bubblewrap", "trial", host_uid()))
    except Exception:  # noqa: BLE001 - detect() runs its own trial, and fails or falls back as it always did
        return
    atexit.register(_collect_early)


def _collect_early() -> None:
    """A trial nobody waited for (the process stopped first): reaped, its scratch removed."""
    early = _EARLY.pop(os.getpid(), None)
    if early is not None:
        try:
            early.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            pass


# A forked grading process (the batch's pool) must not share its parent's answer: the
# host uid is derived from the pid, and kill_uid in one process would kill the other's worker.
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


def weak_layers() -> str:
    """What still confines a worker in the weak mode, in words."""
    from nncourse.sandbox import landlock, seccomp
    abi = landlock.abi_version()
    files = (f"Landlock ABI {abi}: it reads only Python, NumPy and its own files, writes only its scratch"
             + (", no TCP" if abi >= 4 else "")) if abi else "no Landlock: no file-system or network isolation"
    procs = "seccomp: no new processes" if seccomp.supported() else "no seccomp filter"
    return f"{files}; {procs}"


def _fallback(why: str) -> Isolation:
    uid = host_uid()
    if uid is not None:
        if all(reachable_by(p, uid) for p in python_paths()):
            return Isolation("rlimits", f"{WEAK}: {why}; using rlimits, a new session and "
                             f"an unprivileged uid ({weak_layers()})", uid)
        mounted = Isolation("rlimits", "trial", uid, private_mounts=True)
        if _trial_ok(mounted):
            return Isolation("rlimits", f"{WEAK}: {why}; using rlimits, a new session, an unprivileged uid "
                             f"and a private mount namespace that shows it this Python and caps its scratch "
                             f"({weak_layers()})", uid, private_mounts=True)
        if shutil.which("setpriv") and _starts_python(setpriv_launcher(uid)):
            return Isolation("rlimits", f"{WEAK}: {why}; using rlimits, a new session and "
                             f"an unprivileged uid that keeps CAP_DAC_READ_SEARCH, as this Python is not "
                             f"readable by others ({weak_layers()})", uid, setpriv_launcher(uid))
    who = "as root: this Python is not readable by an unprivileged user" if os.geteuid() == 0 \
        else "as the current user"
    return Isolation("rlimits", f"{WEAK}: {why}; using rlimits and a new session, "
                     f"student code runs {who} ({weak_layers()})", None)


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


def _trial_ok(trial: Isolation) -> bool:
    from nncourse.sandbox import confine
    try:
        return confine.trial_run(trial).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


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
    """SIGKILL every process of `uid` (what a weak-mode worker without a cgroup may have left).

    procps `kill -1` run as `uid` (it reaches no Python under /root); Python where it is missing.
    """
    script = "import os, signal\ntry:\n    os.kill(-1, signal.SIGKILL)\nexcept OSError:\n    pass\n"
    kill = shutil.which("kill")
    killer = [kill, "-s", "KILL", "--", "-1"] if kill and not launcher else [sys.executable, "-I", "-S", "-c", script]
    subprocess.run([*launcher, *killer],
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




class WeakIsolationRefused(NncourseError):
    """Hidden grading was asked for on a machine that offers only the weak mode, and nobody allowed it."""


def require_strong(allow_weak: bool) -> Isolation:
    """The isolation hidden grading will use; refuses the weak mode unless the instructor allowed it.

    Why: secure by default. In the weak mode student code shares the machine's
    file system view (narrowed by Landlock where the kernel has it) and network;
    an instructor must choose that knowingly (--allow-weak-isolation or
    `allow_weak_isolation: true` in course.yaml), and every Result then says so.
    """
    active = detect()
    if active.strong or allow_weak:
        return active
    raise WeakIsolationRefused(
        f"hidden grading needs strong isolation (bubblewrap), and this machine offers only the weak mode: "
        f"{active.reason.removeprefix(WEAK + ': ')}.",
        "Run `nncourse doctor` to see why; to grade anyway, pass --allow-weak-isolation or set "
        "`allow_weak_isolation: true` in course.yaml.")
