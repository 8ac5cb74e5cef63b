"""Per-test time budgets from the reference's own time on this machine.

Why: a flat 20 s per test let one looping function cost minutes of a batch and
used up a whole submission's budget. The reference runs each suite once per
grading process (cached in memory); a test then gets max(2 s, 20x the
reference's time), never more than the course's test_timeout or its own
`timeout` marker.
"""
from __future__ import annotations

import atexit
import os
from pathlib import Path

MIN_BUDGET = 2.0  # seconds: a loaded 2-core CI machine needs ~1 s for a call that prints 160 MB (hostile corpus)
FACTOR = 20.0     # a correct solution in another style may be much slower than the reference

_TIMES: dict[tuple, dict[str, float]] = {}
_FAILED: set[tuple] = set()  # keys whose timing_job failed, until for_suite has said None once
_STARTED: dict[tuple, object] = {}  # key -> the reference's worker session, started early (start_reference)


def budget(reference_seconds: float | None, ceiling: float) -> float:
    """The budget of one test: max(MIN_BUDGET, FACTOR x the reference), at most `ceiling`."""
    if reference_seconds is None:
        return ceiling
    return min(ceiling, max(MIN_BUDGET, FACTOR * reference_seconds))


def for_suite(course, ex, suite: Path, test_timeout: float) -> dict[str, float] | None:
    """The reference's times on this suite, or None where the reference is not installed (a student's machine)."""
    if ex.solution is None:  # a student release has no reference
        return None
    solution = course.path(ex.solution)
    if not solution.is_file():
        return None
    try:
        return reference_times(suite, solution, ex.module_name, thresholds=ex.thresholds, test_timeout=test_timeout)
    except Exception:  # noqa: BLE001 - without the reference's times every test keeps the ceiling
        return None


def start_reference(course, ex, suite: Path, test_timeout: float, started=None) -> None:
    """Start the worker that will time the reference on `suite`, if its times are still to be measured.

    Why: a process that grades once (a `check` in the course folder) calls this before it imports
    pytest and the grader, so the worker's NumPy import overlaps those imports. for_suite uses it.
    started: a session already started on this reference and module (cli/early.py), used instead of a
    new one; closed when it is not needed.
    """
    if ex.solution is None or not course.path(ex.solution).is_file():
        return _close(started)
    key = _key(suite, course.path(ex.solution), ex.module_name, test_timeout)
    if key in _TIMES or key in _STARTED:
        return _close(started)
    if started is not None:
        session = started
    else:
        from nncourse.sandbox.proxy import Session
        session = Session(str(course.path(ex.solution)), ex.module_name)
        try:
            session.start()
        except Exception:  # noqa: BLE001 - reference_times starts its own, and fails as it always did
            session.close()
            return
    _STARTED[key] = session
    atexit.register(session.close)  # not used after all (the process stopped early): no worker left behind


def timing_job(course, ex, suite: Path, test_timeout: float, session=None):
    """(plugin arguments, job) that time the reference as the first job of the caller's own pytest
    session (grade(), a collected suite: one session instead of two), or None when the times are known
    or there is no reference. A job that fails leaves the times unknown: for_suite gives None once, as
    when measuring them fails, and measures them again for a later grading. session: the reference's
    worker session (default: one start_reference started, else a per-submission worker)."""
    if ex.solution is None or not course.path(ex.solution).is_file():
        return None
    reference = course.path(ex.solution)
    key = _key(suite, reference, ex.module_name, test_timeout)
    if key in _TIMES:
        return None
    args = dict(module_path=str(reference), module_name=ex.module_name, reference_path=str(reference),
                thresholds=ex.thresholds, test_timeout=test_timeout, require_points=False, budgets={},
                session=_STARTED.pop(key, None) or session)

    def job(loop) -> None:
        from nncourse.result import TestStatus
        plugin = loop.grader
        try:
            plugin.__init__(**args)
            plugin.session.start()
            try:
                loop.run_items()
            finally:
                plugin.session.close()
            _TIMES[key] = {node: seconds for node, (seconds, status) in plugin.timings.items()
                           if status == TestStatus.passed}
        except Exception:  # noqa: BLE001 - as for_suite: no times for this grading (not measured again inside it)
            _FAILED.add(key)
    return args, job


def _close(session) -> None:
    if session is not None:
        session.close()


def close_started() -> None:
    """Close the reference workers start_reference started that no timing used (the command stopped first)."""
    while _STARTED:
        _STARTED.popitem()[1].close()


def reference_times(suite: Path, reference: Path, module_name: str, *, thresholds: dict,
                    test_timeout: float) -> dict[str, float]:
    """{test node id: seconds} of the reference on `suite`, measured once per process.

    Only passing tests are timed: a test the reference does not pass keeps the ceiling.
    """
    from nncourse.grading.runner import run_suite
    from nncourse.grading.plugin import GraderPlugin
    from nncourse.result import TestStatus

    key = _key(suite, reference, module_name, test_timeout)
    if key in _FAILED:  # timing_job failed just now: not again inside the same pytest session
        _FAILED.discard(key)
        raise RuntimeError("the reference could not be timed")
    if key not in _TIMES:
        plugin = GraderPlugin(module_path=str(reference), module_name=module_name,
                              reference_path=str(reference), thresholds=thresholds,
                              test_timeout=test_timeout, require_points=False, budgets={},
                              session=_STARTED.pop(key, None))
        plugin.session.start()
        try:
            run_suite(suite, plugin, [lambda loop: loop.run_items()])
        finally:
            plugin.session.close()
        _TIMES[key] = {node: seconds for node, (seconds, status) in plugin.timings.items()
                       if status == TestStatus.passed}
    return _TIMES[key]


def _key(suite: Path, reference: Path, module_name: str, test_timeout: float) -> tuple:
    return (str(suite), str(reference), _mtime(reference), _mtime(suite), module_name, test_timeout)


def _mtime(path: Path) -> int:
    try:
        files = [path] if path.is_file() else sorted(path.glob("*.py"))
        return max((os.stat(f).st_mtime_ns for f in files), default=0)
    except OSError:
        return 0
