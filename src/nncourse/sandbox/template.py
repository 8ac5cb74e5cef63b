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
import multiprocessing.util
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

    The child is the spare forked ahead for this module and these limits when there is one
    (see _Spares), and the next spare is forked now, while this submission is graded. A
    template that died between two submissions is started again (get_template); one that
    cannot start leaves this process to per-submission workers, which confine just as much.
    """
    with open(module_path, "rb") as f:
        source = f.read()
    for _attempt in range(2):
        if unavailable_reason() is not None:
            break
        try:
            spare = _SPARES.take(module_name, limits)
            _SPARES.fork_ahead(module_name, limits)
            if spare is not None:
                try:
                    spare.begin(source)
                    spare.reap_later = True
                    return spare
                except SandboxFailed:
                    pass  # forked under other conditions, perhaps: a child forked now says what fails
            worker = TemplateWorker.forked(module_name, limits)
            worker.begin(source)
            worker.reap_later = True
            return worker
        except TemplateStartFailed as exc:
            _BROKEN[os.getpid()] = str(exc)
        except TemplateUnavailable:
            continue
    return WorkerProcess(module_path, module_name, limits)


class _Spares:
    """At most one child per (process, module, limits) forked ahead, waiting for its submission.

    Why: forking a child, creating its cgroup and moving it in (a cgroup migration waits
    for the kernel for milliseconds) took ~25 ms of wall time per submission, while the
    grading process idled. The spare is made in a thread while the previous submission is
    graded. A spare has run only the template's code and holds no submission; it is in its
    own cgroup already, and confines itself only once it has its submission (begin), as a
    child forked on demand does. A spare that failed or died is dropped (the caller forks
    one itself and gets that one's error); the last one is killed when the process ends.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._ahead: dict[tuple, tuple[threading.Thread, list]] = {}

    @staticmethod
    def _key(module_name: str, limits: Limits) -> tuple:
        from nncourse.sandbox import template_worker
        rlimits = template_worker._rlimits(limits, isolation.detect())
        return os.getpid(), module_name, repr(limits), repr(sorted(rlimits.items()))

    def fork_ahead(self, module_name: str, limits: Limits) -> None:
        key = self._key(module_name, limits)
        with self._lock:
            if key in self._ahead:
                return
            others = [self._ahead.pop(k) for k in list(self._ahead) if k[0] == key[0]]  # another exercise now
            box: list = []
            thread = threading.Thread(target=self._fork, args=(module_name, limits, box),
                                      name="nncourse-spare", daemon=True)
            self._ahead[key] = (thread, box)
        thread.start()
        self._kill(others)

    @staticmethod
    def _kill(entries: list) -> None:
        for thread, box in entries:
            thread.join()
            for spare in box:
                spare.kill()

    @staticmethod
    def _fork(module_name: str, limits: Limits, box: list) -> None:
        try:
            box.append(TemplateWorker.forked(module_name, limits))
        except BaseException:  # noqa: BLE001 - no spare: the next submission forks its own child
            pass

    def take(self, module_name: str, limits: Limits) -> "TemplateWorker | None":
        with self._lock:
            entry = self._ahead.pop(self._key(module_name, limits), None)
        if entry is None:
            return None
        thread, box = entry
        thread.join()
        spare = box[0] if box else None
        if spare is not None and not spare.waiting():
            spare.kill()
            spare = None
        return spare

    def discard(self) -> None:
        """Kill this process's spares (its templates are closing)."""
        with self._lock:
            mine = [k for k in self._ahead if k[0] == os.getpid()]
            entries = [self._ahead.pop(k) for k in mine]
        self._kill(entries)


_SPARES = _Spares()


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
                # A pool's grading process ends through multiprocessing, which runs no atexit hooks.
                multiprocessing.util.Finalize(None, close_templates, exitpriority=10)
            template = _TEMPLATES[key] = Template(limits.scratch_bytes)
        return template


def close_templates() -> None:
    _SPARES.discard()
    for key, template in list(_TEMPLATES.items()):
        if key[0] == os.getpid():
            template.close()
        del _TEMPLATES[key]
