"""`nncourse doctor`: how student code would be isolated on this machine, and with what.

Why: the fallback isolation is much weaker than bubblewrap; an instructor must
see which one grading will use, and why, before grading a class.
"""
from __future__ import annotations

import platform
import sys

import click

from nncourse.cli import main


def diagnose() -> list[tuple[str, str]]:
    """(name, value) facts about the sandbox and the tools it runs on."""
    import numpy

    from nncourse.sandbox import isolation
    active = isolation.detect()
    processes = "refused (a seccomp filter in the worker)" if _seccomp_works() \
        else f"allowed up to RLIMIT_NPROC (no seccomp filter on this {platform.machine()} machine)"
    return [("isolation", active.kind),
            ("why", active.reason),
            ("student uid", _uid_text(active)),
            ("new processes", processes),
            ("python", f"{platform.python_version()} ({sys.executable})"),
            ("numpy", numpy.__version__),
            ("bubblewrap", isolation.bwrap_version() or "not installed (apt-get install bubblewrap)")]


def _seccomp_works() -> bool:
    """Does the worker's filter install here? Tried in a throwaway process (it cannot be removed)."""
    import subprocess
    probe = "import sys\nfrom nncourse.sandbox.worker import forbid_new_processes\nsys.exit(not forbid_new_processes())"
    return subprocess.run([sys.executable, "-c", probe], capture_output=True, check=False).returncode == 0


def _uid_text(active) -> str:
    import os
    if active.strong:
        return f"{active.uid} inside the sandbox, the grader's own uid ({os.getuid()}) outside it"
    return "unchanged: the grader's own" if active.uid is None else str(active.uid)


@main.command()
def doctor():
    """Show which isolation grading uses here and why, and the Python, NumPy and bubblewrap versions.

    Set NNCOURSE_ISOLATION=rlimits to force the weaker fallback. Exit status: 0.
    """
    facts = diagnose()
    width = max(len(name) for name, _ in facts)
    for name, value in facts:
        click.echo(f"{name + ':':<{width + 1}} {value}")
