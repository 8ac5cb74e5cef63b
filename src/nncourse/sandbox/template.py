"""The trusted side of the warmed template: one sandbox per grading process, one forked child per submission.

Why: starting bubblewrap, Python and NumPy per submission was half the CPU of
grading exercise2. Here each grading process starts ONE bubblewrap sandbox
(lazily, again if it dies; it dies with us: --die-with-parent, started from a
thread that lives as long as the process) running template_server.py, which
has imported NumPy and forks a child per submission. The trust argument is
that of the per-submission worker, layer for layer, plus what keeps children
apart from each other and from the template:
  - the sandbox is the worker's (namespaces, read-only Python, seccomp on
    every process) but its filter allows fork, for the template only;
  - every child is in its OWN cgroup (created here, the child moved in by its
    host pid, which the kernel tells us through SCM_CREDENTIALS, before it may
    go on), with the worker's limits, killed and removed after the submission;
  - every child stacks a stricter filter (no new processes; kill, tgkill and
    rt_(tg)sigqueueinfo to itself only) and a Landlock domain of its own (read
    the Python tree and its own submission, write its own slot's work folder;
    no ptrace or signal out of it), keeps only its four fds, and its template
    is not dumpable (no /proc/<ppid>/mem);
  - the template never runs student code and never holds submission bytes:
    a child reads its own, so nothing of one student is inherited by the next;
  - a child that fails a step exits before student code: SandboxFailed.
Where any layer is missing (no bubblewrap, no Landlock, no seccomp filter for
this machine, the portable worker) or NNCOURSE_NO_TEMPLATE=1, the
per-submission worker (process.WorkerProcess) is used; `nncourse doctor` says which.
Here: when a template is used, and one per process. template_sandbox.py starts
it, template_worker.py is one child, template_server.py runs inside.
"""
from __future__ import annotations

import atexit
import os
import threading

from nncourse.sandbox import isolation, landlock, seccomp
from nncourse.sandbox.limits import Limits
from nncourse.sandbox.process import WorkerProcess
from nncourse.sandbox.template_sandbox import SLOTS, Template, TemplateStartFailed, TemplateUnavailable  # noqa: F401
from nncourse.sandbox.template_worker import SandboxFailed, TemplateWorker  # noqa: F401


def unavailable_reason() -> str | None:
    """Why the template is not used here, or None when it is."""
    from nncourse.sandbox import portable
    if os.environ.get("NNCOURSE_NO_TEMPLATE", "").strip().lower() not in ("", "0", "no", "off", "false"):
        return "switched off by NNCOURSE_NO_TEMPLATE"
    if portable.active():
        return "the portable worker is in use"
    if not isolation.detect().strong:
        return "no bubblewrap strong mode"
    if landlock.abi_version() < 1:
        return "no Landlock in this kernel"
    if not seccomp.supported():
        return "no seccomp filter for this machine"
    if not hasattr(os, "pidfd_open"):
        return "no pidfd_open (Python >= 3.9 on Linux >= 5.3)"
    if _BROKEN.get(os.getpid()):
        return f"the template failed to start: {_BROKEN[os.getpid()]}"
    return None


def describe() -> str:
    """What `nncourse doctor` prints."""
    why = unavailable_reason()
    if why is None:
        return ("warmed template: one sandbox per grading process with NumPy imported, a forked child per "
                "submission in its own cgroup, slot, Landlock domain and stricter seccomp filter")
    return f"per-submission worker (a fresh sandbox and Python per submission): {why}"


def start_worker(module_path: str, module_name: str, limits: Limits) -> WorkerProcess:
    """A child of this process's template, or a per-submission worker where the template cannot run.

    A template that died between two submissions is started again (get_template); one that
    cannot start leaves this process to per-submission workers, which confine just as much.
    """
    for _attempt in range(2):
        if unavailable_reason() is not None:
            break
        try:
            return TemplateWorker(module_path, module_name, limits)
        except TemplateStartFailed as exc:
            _BROKEN[os.getpid()] = str(exc)
        except TemplateUnavailable:
            continue
    return WorkerProcess(module_path, module_name, limits)


# -- the template: one per grading process (and per scratch size) ----------------------------------
_TEMPLATES: dict[tuple[int, int], "Template"] = {}
_BROKEN: dict[int, str] = {}
_LOCK = threading.Lock()


def get_template(limits: Limits) -> "Template":
    key = (os.getpid(), limits.scratch_bytes)
    with _LOCK:
        template = _TEMPLATES.get(key)
        if template is None or not template.alive():
            if template is not None:
                template.close()
            if not _TEMPLATES:
                atexit.register(close_templates)
            template = _TEMPLATES[key] = Template(limits.scratch_bytes)
        return template


def close_templates() -> None:
    for key, template in list(_TEMPLATES.items()):
        if key[0] == os.getpid():
            template.close()
        del _TEMPLATES[key]
