"""Confine one worker: its scratch folder, its command line and the steps between fork and exec.

Why: each layer is one small function, so a process that starts workers some
other way (a warmed fork-server) can apply the same steps in the same order:

    join the worker's cgroup -> rlimits -> (bubblewrap as root: private mount
    namespace with the Python tree staged where the sandbox uid can reach it)
    -> drop to the unprivileged host uid -> (weak mode: Landlock, then the
    seccomp filter) -> exec.

Under bubblewrap the seccomp filter travels as a file descriptor (`--seccomp`)
and bwrap installs it on every process of the sandbox, its own init included.
"""
from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path

from nncourse.sandbox import isolation, landlock, seccomp
from nncourse.sandbox.cgroup import WorkerCgroup
from nncourse.sandbox.limits import Limits, apply_limits

HERE = Path(__file__).parent
SANDBOX_PACKAGES = ("numpy", "numpy.libs")  # what student code may import beside the standard library
_CLONE_NEWNS, _MS_BIND, _MS_REC, _MS_PRIVATE = 0x00020000, 0x1000, 0x4000, 0x40000
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_REMOUNT = 0x1, 0x2, 0x4, 0x20


@dataclass
class Scratch:
    """One worker's folder on the host: its copy of the submission and of the worker code,
    its writable `work` folder (weak mode) and empty stand-ins for staged mounts."""

    base: str
    submission: str
    code: str
    work: str
    stage: dict[str, str] = field(default_factory=dict)

    def remove(self) -> None:
        shutil.rmtree(self.base, ignore_errors=True)


def make_scratch(module_path: str, module_name: str, uid: int | None, stage: list[str] = (),
                 files: tuple[str, ...] = isolation.WORKER_FILES) -> Scratch:
    """Copy what the worker reads into a fresh folder that only `uid` (and we) can read."""
    import tempfile
    base = tempfile.mkdtemp(prefix="nncourse-worker-")
    os.chmod(base, 0o711)  # traversable, not listable: the uid reaches its own folders only
    sub_dir, code, work = (os.path.join(base, n) for n in ("submission", "code", "work"))
    for folder in (sub_dir, code, work):
        os.mkdir(folder, 0o700)
    submission = os.path.join(sub_dir, f"{module_name}.py")
    shutil.copyfile(module_path, submission)
    for name in files:
        shutil.copyfile(HERE / name, os.path.join(code, name))
    staged = {}
    for i, path in enumerate(stage):
        staged[path] = os.path.join(base, f"stage{i}")
        os.mkdir(staged[path], 0o755)
    if uid is not None:
        for item in (sub_dir, code, work, submission, *(os.path.join(code, n) for n in files)):
            os.chown(item, uid, uid)
    return Scratch(base, submission, code, work, staged)


def paths_to_stage(active: isolation.Isolation) -> list[str]:
    """Python folders bubblewrap, run as the unprivileged uid, could not reach (e.g. pyenv under /root)."""
    if not active.strong or active.uid is None:
        return []
    return [p for p in isolation.python_paths() if not isolation.reachable_by(p, active.uid)]


def weak_mounts(scratch: Scratch, uid: int, scratch_bytes: int) -> None:
    """Weak mode as root: a private mount namespace where the unprivileged uid reaches this Python
    and its scratch is a size-capped tmpfs (no capability kept, nothing unbounded written to disk).

    Each folder on the way to an unreachable Python folder (e.g. /root, 0700) is covered by a small
    read-only tmpfs holding only the path down to it, on which the real folder is bind-mounted.
    """
    libc = ctypes.CDLL(None, use_errno=True)

    def mount(source, target, fstype, flags, data=None) -> None:
        if libc.mount(source and source.encode(), target.encode(), fstype and fstype.encode(), flags,
                      data and data.encode()) != 0:
            raise OSError(ctypes.get_errno(), f"cannot mount on {target}")
    if libc.unshare(_CLONE_NEWNS) != 0:
        raise OSError(ctypes.get_errno(), "cannot create a private mount namespace")
    mount(None, "/", None, _MS_REC | _MS_PRIVATE)
    hidden = [p for p in isolation.python_paths() if not isolation.reachable_by(p, uid)]
    keep = {p: os.open(p, os.O_PATH | os.O_DIRECTORY) for p in hidden}
    covered = set()
    for path in hidden:
        blocker = next(str(a) for a in reversed(Path(path).parents) if not os.stat(a).st_mode & 0o001)
        if blocker not in covered:
            mount("tmpfs", blocker, "tmpfs", 0, "size=1m,mode=0755")
            covered.add(blocker)
        old_umask = os.umask(0o022)
        try:
            os.makedirs(path, mode=0o755, exist_ok=True)
        finally:
            os.umask(old_umask)
        mount(f"/proc/self/fd/{keep[path]}", path, None, _MS_BIND | _MS_REC)
    for blocker in covered:
        mount(None, blocker, None, _MS_REMOUNT | _MS_RDONLY | _MS_BIND)
    mount("tmpfs", scratch.work, "tmpfs", _MS_NOSUID | _MS_NODEV,
          f"size={scratch_bytes},mode=0700,uid={uid},gid={uid}")
    os.chdir(scratch.work)  # the cwd was the folder now covered
    mount("tmpfs", "/dev/shm", "tmpfs", _MS_NOSUID | _MS_NODEV, f"size={scratch_bytes},mode=1777")
    for fd in keep.values():
        os.close(fd)


# -- the steps between fork and exec (each runs in the child) ---------------------------------------------
def stage_mounts(staged: dict[str, str]) -> None:
    """A private mount namespace in which each staged host folder is bind-mounted on its stand-in.

    Why: bubblewrap runs as the unprivileged uid and resolves its sources with that
    uid's rights; a Python under /root (0700) would be out of its reach. The mounts
    exist only in this worker's namespace; on the host the stand-ins stay empty.
    """
    if not staged:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(_CLONE_NEWNS) != 0 or libc.mount(None, b"/", None, _MS_REC | _MS_PRIVATE, None) != 0:
        raise OSError(ctypes.get_errno(), "cannot create a private mount namespace")
    for source, target in staged.items():
        if libc.mount(source.encode(), target.encode(), None, _MS_BIND | _MS_REC, None) != 0:
            raise OSError(ctypes.get_errno(), f"cannot stage {source}")


def landlock_rules(scratch: Scratch) -> list[tuple[str, int]]:
    """What a weak-mode worker may touch: the Python tree and NumPy (read), its own files, its scratch."""
    return python_rules() + [(scratch.submission, landlock.READ), (scratch.code, landlock.READ),
                             (scratch.work, landlock.READ | landlock.WRITE)]


def python_rules() -> list[tuple[str, int]]:
    """Landlock rules of every worker: the Python tree and NumPy (read, run), a few /etc and /dev files.

    Also what a warmed template's child gets, plus its own slot (sandbox/template_server.py).
    """
    read, run = landlock.READ, landlock.READ | landlock.EXECUTE
    rules = [(p, run) for p in ("/usr", "/lib", "/lib64", "/bin")]
    rules += [(f"/etc/{n}", read) for n in isolation.ETC_FILES]
    rules += [("/dev/null", read | landlock.WRITE_FILE), ("/dev/urandom", read), ("/dev/zero", read),
              ("/sys/devices/system/cpu", read), ("/proc/self", read)]
    python = os.path.realpath(sys.executable)
    rules.append((os.path.dirname(python), run))
    venv_cfg = os.path.join(sys.prefix, "pyvenv.cfg")
    if sys.prefix != sys.base_prefix and os.path.isfile(venv_cfg):  # a venv's python reads it at start-up
        rules.append((venv_cfg, read))
    libdir = sysconfig.get_config_var("LIBDIR") or ""
    ldlib = sysconfig.get_config_var("LDLIBRARY") or ""
    if libdir and os.path.isdir(libdir):
        rules += [(os.path.join(libdir, n), run) for n in os.listdir(libdir) if ldlib and n.startswith(ldlib)]
    site_dirs = {os.path.realpath(p) for p in (sysconfig.get_path("purelib"), sysconfig.get_path("platlib"))}
    for stdlib in {os.path.realpath(sysconfig.get_path(k)) for k in ("stdlib", "platstdlib")}:
        rules.append((stdlib, landlock.READ_DIR))
        for name in os.listdir(stdlib):  # everything in the standard library but the site-packages in it
            if os.path.join(stdlib, name) not in site_dirs:
                rules.append((os.path.join(stdlib, name), run))
    for site_dir in site_dirs:
        rules.append((site_dir, landlock.READ_DIR))  # names only: the import system lists it
        rules += [(os.path.join(site_dir, pkg), run) for pkg in SANDBOX_PACKAGES]
    return rules


def drop_to(uid: int | None) -> None:
    if uid is not None:
        isolation.drop_privileges(uid)


def preexec_steps(active: isolation.Isolation, limits: Limits, cgroup: WorkerCgroup | None,
                  scratch: Scratch, nproc: int | None, rules: list | None):
    """The function Popen runs in the child: every confinement step, in order."""
    setuid = active.uid is not None and not active.launcher

    def confine_child() -> None:
        if cgroup is not None:
            cgroup.join()
        apply_limits(limits, nproc)
        if active.strong:
            stage_mounts(scratch.stage)
        elif active.private_mounts:
            weak_mounts(scratch, active.uid, limits.scratch_bytes)
        if not active.strong and rules is not None:
            landlock.restrict(rules)
        if setuid:
            drop_to(active.uid)
        if not active.strong and seccomp.supported() and not seccomp.install(seccomp.build(self_pid=os.getpid())):
            raise OSError("the seccomp filter could not be installed")  # fail closed: no worker at all
    return confine_child


@dataclass
class Plan:
    """How to start one worker: argv, fds to pass, the pre-exec step, the module's path as it sees it."""

    argv: list[str]
    pass_fds: tuple[int, ...]
    preexec: object
    visible_module: str
    env_home: str
    close_after_start: tuple[int, ...] = ()


def plan_worker(active: isolation.Isolation, scratch: Scratch, module_name: str, limits: Limits,
                cgroup: WorkerCgroup | None, program: list[str] | None = None) -> Plan:
    """The command line and pre-exec step of one worker (or of `program`, for the trial run)."""
    python = os.path.realpath(sys.executable)
    nproc = limits.processes if active.uid is not None else isolation.process_headroom(limits.processes)
    if active.strong:
        fd = seccomp.program_fd(seccomp.build()) if seccomp.supported() else None
        argv = isolation.bwrap_args(scratch.submission, module_name, scratch.code, limits.scratch_bytes, fd,
                                    scratch.stage)
        argv += program or [python, "-I", "-B", f"{isolation.INSIDE_CODE}/worker.py"]
        fds = (fd,) if fd is not None else ()
        return Plan(argv, fds, preexec_steps(active, limits, cgroup, scratch, nproc, None),
                    f"{isolation.INSIDE_SUBMISSION}/{module_name}.py", isolation.INSIDE_WORK, fds)
    rules = landlock_rules(scratch) if landlock.abi_version() >= 1 else None
    argv = [*active.launcher, *(program or [python, "-I", "-B", os.path.join(scratch.code, "worker.py")])]
    return Plan(argv, (), preexec_steps(active, limits, cgroup, scratch, nproc, rules),
                scratch.submission, scratch.work)


# Inside the trial sandbox: is PID 1 (bwrap's init, or the program itself) under the filter? Exit 3 if not.
PID1_FILTERED = ("import sys\nwith open('/proc/1/status') as f:\n"
                 "    sys.exit(0 if any(l.split() == ['Seccomp:', '2'] for l in f) else 3)")
NOT_FILTERED = 3


def trial_run(active: isolation.Isolation) -> subprocess.CompletedProcess:
    """Start `python -c pass` confined exactly as a worker would be (isolation.detect's probe)."""
    return Trial(active).wait()


class Trial:
    """trial_run in two steps: started here, waited for in wait() (a `check` imports in between)."""

    def __init__(self, active: isolation.Isolation):
        self.uid = active.uid
        limits = Limits()
        self.scratch = make_scratch(os.path.realpath(__file__), "probe", active.uid, paths_to_stage(active))
        try:
            plan = plan_worker(active, self.scratch, "probe", limits, None,
                               [os.path.realpath(sys.executable), "-I", "-S", "-c",
                                PID1_FILTERED if active.strong and seccomp.supported() else "pass"])
            try:
                self.proc = subprocess.Popen(plan.argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                             stderr=subprocess.PIPE, pass_fds=plan.pass_fds,
                                             preexec_fn=plan.preexec, cwd=self.scratch.base)
            finally:
                for fd in plan.close_after_start:
                    os.close(fd)
        except BaseException:
            self.scratch.remove()
            raise

    def wait(self, timeout: float = 20) -> subprocess.CompletedProcess:
        """Its outcome, as subprocess.run gives it (TimeoutExpired after killing it); the scratch is removed."""
        try:
            with self.proc:
                try:
                    out, err = self.proc.communicate(timeout=timeout)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.communicate()
                    raise
            return subprocess.CompletedProcess(self.proc.args, self.proc.returncode, out, err)
        finally:
            self.scratch.remove()
