"""A control group per worker: every process and byte of a submission counted, and killed whole.

Why: rlimits are per process (RLIMIT_AS does not see memfd or tmpfs pages,
RLIMIT_NPROC counts a uid, not a submission), and a process that detaches
itself escapes a process-group kill. A cgroup counts all of it (processes and
threads in pids.max; anonymous, memfd, shm and tmpfs pages in the memory
limit; CPU share) and is killed as one: `cgroup.kill` on v2, SIGKILL of each
listed task on v1 (no task can be added meanwhile: the seccomp filter refuses
new processes and pids.max caps them).

Machines differ: pure v2 (controllers enabled), hybrid (v1 controllers and an
empty v2 tree: v1 pids/memory/cpu for limits, a v2 group only for cgroup.kill),
or none we can write to (containers): then `doctor` says so and the rlimits stay.
"""
from __future__ import annotations

import functools
import itertools
import os
import signal
import time
from dataclasses import dataclass, field

V1_CONTROLLERS = ("pids", "memory", "cpu")
_SEQ = itertools.count()


@dataclass(frozen=True)
class CgroupSupport:
    """What this machine offers: kind ("v2", "v1", "none"), the parent folders we create groups in, why."""

    kind: str
    parents: dict = field(default_factory=dict)  # "v2" or controller name -> parent folder
    kill_parent: str | None = None               # a v2 folder usable for cgroup.kill alone (hybrid)
    reason: str = ""

    @property
    def usable(self) -> bool:
        return self.kind != "none"

    def describe(self) -> str:
        if self.kind == "v2":
            return "cgroup v2 (pids, memory, cpu; killed with cgroup.kill)"
        if self.kind == "v1":
            kill = "cgroup.kill of a v2 group" if self.kill_parent else "SIGKILL of every listed task"
            return f"cgroup v1 ({', '.join(self.parents)}; killed by {kill})"
        return f"none: {self.reason}; per-process rlimits only"


def _mounts() -> list[tuple[str, str, set[str]]]:
    """(mount point, fstype, super options) of the cgroup file systems."""
    found = []
    try:
        with open("/proc/self/mountinfo") as info:
            for line in info:
                left, right = line.split(" - ", 1)
                fstype, _source, options = right.split()[:3]
                if fstype in ("cgroup", "cgroup2"):
                    found.append((left.split()[4], fstype, set(options.split(","))))
    except OSError:
        pass
    return found


def _own_paths() -> dict[str, str]:
    """Our cgroup per controller ("" for the v2 tree) from /proc/self/cgroup."""
    paths = {}
    try:
        with open("/proc/self/cgroup") as groups:
            for line in groups:
                _num, controllers, path = line.rstrip("\n").split(":", 2)
                for name in controllers.split(",") if controllers else [""]:
                    paths[name] = path
    except OSError:
        pass
    return paths


def _writable_parent(folder: str, needs: str = "cgroup.procs") -> bool:
    """Can we create (and remove) a group under `folder`, and does a group there offer `needs`?"""
    probe = os.path.join(folder, f"nncourse-probe-{os.getpid()}")
    try:
        os.mkdir(probe)
    except OSError:
        return False
    offered = os.path.exists(os.path.join(probe, needs))
    _rmdir(probe)
    return offered


def remove_stale(parents: list[str]) -> None:
    """Remove empty groups left by a grading process that died (their pid is no longer alive)."""
    for parent in parents:
        try:
            names = os.listdir(parent)
        except OSError:
            continue
        for name in names:
            parts = name.split("-")
            if len(parts) == 3 and parts[0] == "nncourse" and parts[1].isdigit() \
                    and not os.path.exists(f"/proc/{parts[1]}"):
                _rmdir(os.path.join(parent, name))


def remove_stale_of(pids: list[int], wait: float = 1.0) -> None:
    """Remove the groups of these processes, killed just now (their sandboxes' processes leave the
    groups within milliseconds of their death)."""
    have = support()
    if not have.usable:
        return
    parents = [*have.parents.values(), *([have.kill_parent] if have.kill_parent else [])]
    prefixes = tuple(f"nncourse-{pid}-" for pid in pids)
    for parent in parents:
        try:
            names = [n for n in os.listdir(parent) if n.startswith(prefixes)]
        except OSError:
            continue
        for name in names:
            _rmdir(os.path.join(parent, name), wait)


@functools.lru_cache(maxsize=1)
def support() -> CgroupSupport:
    """Look at what is mounted and writable here (once per process)."""
    if os.environ.get("NNCOURSE_CGROUP", "").strip().lower() in ("off", "none", "0"):
        return CgroupSupport("none", reason="switched off by NNCOURSE_CGROUP")
    mounts, own = _mounts(), _own_paths()
    v2 = next((m for m, fstype, _ in mounts if fstype == "cgroup2"), None)
    v2_parent = os.path.join(v2, own.get("", "/").lstrip("/")) if v2 else None
    # On pure v2 our own group usually holds processes, so it cannot hand controllers to children;
    # an instructor can name a delegated, empty one (e.g. systemd-run -p Delegate=yes).
    v2_parent = os.environ.get("NNCOURSE_CGROUP_PARENT") or v2_parent
    if v2_parent and _v2_limits(v2_parent):
        remove_stale([v2_parent])
        return CgroupSupport("v2", {"v2": v2_parent})
    parents = {}
    for mountpoint, fstype, options in mounts:
        for name in V1_CONTROLLERS:
            if fstype == "cgroup" and name in options and name not in parents and name in own:
                parent = os.path.join(mountpoint, own[name].lstrip("/"))
                if _writable_parent(parent):
                    parents[name] = parent
    kill_parent = v2_parent if v2_parent and _writable_parent(v2_parent, "cgroup.kill") else None
    if "pids" in parents and "memory" in parents:
        remove_stale([*parents.values(), *([kill_parent] if kill_parent else [])])
        return CgroupSupport("v1", parents, kill_parent)
    why = "no cgroup file system is mounted" if not mounts else \
        "no writable cgroup with the pids and memory controllers (a container without cgroup delegation? " \
        "on cgroup v2, set NNCOURSE_CGROUP_PARENT to a delegated, empty group)"
    return CgroupSupport("none", reason=why)


def _v2_limits(parent: str) -> bool:
    """Pure v2 with the pids and memory controllers, enabled (or enableable) for our children."""
    try:
        with open(os.path.join(parent, "cgroup.controllers")) as f:
            available = set(f.read().split())
        if not {"pids", "memory"} <= available:
            return False
        wanted = " ".join(f"+{c}" for c in ("pids", "memory", "cpu") if c in available)
        with open(os.path.join(parent, "cgroup.subtree_control"), "w") as f:
            f.write(wanted)
    except OSError:
        return False
    return _writable_parent(parent)


def _write(folder: str, name: str, value) -> bool:
    try:
        with open(os.path.join(folder, name), "w") as f:
            f.write(str(value))
        return True
    except OSError:
        return False


def _rmdir(folder: str, wait: float = 0.0) -> bool:
    deadline = time.monotonic() + wait
    while True:
        try:
            os.rmdir(folder)
            return True
        except FileNotFoundError:
            return True
        except OSError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)


class WorkerCgroup:
    """The groups of one worker (one per hierarchy), with its limits; join() in the child before exec."""

    def __init__(self, folders: dict[str, str], kill_folder: str | None):
        self.folders, self.kill_folder = folders, kill_folder

    @classmethod
    def create(cls, memory_bytes: int, processes: int, cpus: float = 1.0) -> "WorkerCgroup | None":
        """New groups with these limits, or None where the machine offers none (or creating failed)."""
        have = support()
        if not have.usable:
            return None
        name = f"nncourse-{os.getpid()}-{next(_SEQ)}"
        folders = {}
        try:
            for key, parent in have.parents.items():
                folders[key] = os.path.join(parent, name)
                os.mkdir(folders[key])
            kill_folder = None
            if have.kill_parent:
                kill_folder = os.path.join(have.kill_parent, name)
                os.mkdir(kill_folder)
        except OSError:
            cls(folders, None).remove()
            return None
        group = cls(folders, kill_folder)
        if not group._limit(memory_bytes, processes, cpus):
            group.remove()
            return None
        return group

    def _limit(self, memory_bytes: int, processes: int, cpus: float) -> bool:
        period = 100_000
        quota = int(period * cpus)
        if "v2" in self.folders:
            v2 = self.folders["v2"]
            _write(v2, "memory.swap.max", 0)
            _write(v2, "cpu.max", f"{quota} {period}")
            return _write(v2, "memory.max", memory_bytes) and _write(v2, "pids.max", processes)
        if "cpu" in self.folders:
            _write(self.folders["cpu"], "cpu.cfs_period_us", period)
            _write(self.folders["cpu"], "cpu.cfs_quota_us", quota)
        memory = self.folders["memory"]
        ok = _write(memory, "memory.limit_in_bytes", memory_bytes)
        _write(memory, "memory.memsw.limit_in_bytes", memory_bytes)  # no swapping around the limit
        return ok and _write(self.folders["pids"], "pids.max", processes)

    def join(self) -> None:
        """Move the calling process into every group (in the child between fork and exec)."""
        self.add(os.getpid())

    def add(self, pid: int) -> None:
        """Move process `pid` into every group (a warmed template's child, by its host pid); raises OSError."""
        for folder in [*self.folders.values(), *([self.kill_folder] if self.kill_folder else [])]:
            with open(os.path.join(folder, "cgroup.procs"), "w") as f:
                f.write(str(pid))

    def pids(self) -> list[int]:
        folder = self.folders.get("v2") or self.folders.get("pids")
        try:
            with open(os.path.join(folder, "cgroup.procs")) as f:
                return [int(p) for p in f.read().split()]
        except (OSError, ValueError):
            return []

    def kill(self, spare: int | None = None) -> None:
        """SIGKILL every process in the group (but `spare`), until it is empty (or 2 s have passed).

        spare: bubblewrap's monitor, outside the sandbox: killed last, it reaps the
        sandbox's init itself instead of leaving a zombie to the host's PID 1.
        """
        kill_file = None if spare else self.folders.get("v2") or self.kill_folder
        deadline, pause = time.monotonic() + 2.0, 0.001  # killed processes leave the group within ~1 ms
        while True:
            if kill_file:
                _write(kill_file, "cgroup.kill", 1)
            left = [p for p in self.pids() if p != spare]
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            if not left or time.monotonic() > deadline:
                return
            time.sleep(pause)
            pause = min(2 * pause, 0.01)

    def memory_peak(self) -> int | None:
        """The group's memory high-water mark in bytes (for benchmarks and doctor)."""
        for folder, name in ((self.folders.get("v2"), "memory.peak"),
                             (self.folders.get("memory"), "memory.max_usage_in_bytes")):
            if folder:
                try:
                    with open(os.path.join(folder, name)) as f:
                        return int(f.read())
                except (OSError, ValueError):
                    pass
        return None

    def remove(self) -> None:
        for folder in [*self.folders.values(), *([self.kill_folder] if self.kill_folder else [])]:
            _rmdir(folder, wait=2.0)
        self.folders, self.kill_folder = {}, None


os.register_at_fork(after_in_child=support.cache_clear)
