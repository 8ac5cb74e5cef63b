"""Resource limits and the clean environment of a student worker.

Why: a submission may loop, eat memory, fork or write huge files; the kernel's
rlimits stop that inside the child, the trusted side adds the wall clock.
"""
from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Per-worker limits; wall-clock budgets are enforced by the proxy."""

    call_timeout: float = 20.0          # seconds of wall time per call when no test deadline is set
    load_timeout: float = 20.0          # seconds to import the student's module
    cpu_seconds: int = 600              # RLIMIT_CPU for the worker's whole life
    memory_bytes: int = 4 * 1024**3     # RLIMIT_AS (address space of each process)
    cgroup_memory_bytes: int = 2 * 1024**3  # the worker's cgroup: every page it holds (memfd, shm, tmpfs too)
    file_bytes: int = 64 * 1024**2      # RLIMIT_FSIZE
    scratch_bytes: int = 128 * 1024**2  # size of each writable tmpfs (/work, /tmp, /dev/shm) under bubblewrap
    open_files: int = 256               # RLIMIT_NOFILE
    output_bytes: int = 64 * 1024       # stdout/stderr tail kept per stream
    processes: int = 64                 # processes and threads the worker may have (RLIMIT_NPROC, pids.max)


def apply_limits(limits: Limits, nproc: int | None = None) -> None:
    """Run in the child between fork and exec: set rlimits (best effort per limit)."""
    import resource
    wanted = [(resource.RLIMIT_NPROC, nproc)] if nproc else []
    wanted += [
        (resource.RLIMIT_CPU, limits.cpu_seconds),
        (resource.RLIMIT_AS, limits.memory_bytes),
        (resource.RLIMIT_FSIZE, limits.file_bytes),
        (resource.RLIMIT_NOFILE, limits.open_files),
        (resource.RLIMIT_CORE, 0),
    ]
    for which, value in wanted:
        try:
            soft, hard = resource.getrlimit(which)
            cap = value if hard == resource.RLIM_INFINITY else min(value, hard)
            resource.setrlimit(which, (cap, cap))
        except (ValueError, OSError):
            pass
    os.umask(0o077)


def worker_env(scratch: str) -> dict[str, str]:
    """An explicit environment: nothing of the grader's leaks into student code."""
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": scratch,
        "TMPDIR": scratch,
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "MPLBACKEND": "Agg",
    }
    # Some processors need these for a correct OpenBLAS (see the machine notes).
    for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if key in os.environ:
            env[key] = os.environ[key]
    return env
