"""Grade one submission for one exercise: a pytest run of one suite -> a Result.

Why: `check` (public suite) and `grade` (hidden suite) are the same engine on
two suites. The pytest session that decides the score runs here, in the
trusted process; the student's module runs in a worker (sandbox/proxy.py).
Student faults never raise out of grade(): they become a Result.
"""
from __future__ import annotations

import atexit
import contextlib
import functools
import hashlib
import os
import threading
import time
from pathlib import Path

from nncourse import __version__
from nncourse.course import Course, Exercise
from nncourse.grading import budgets
from nncourse.grading.plugin import GRADER_FAULT, GraderPlugin
from nncourse.grading.runner import CollectedSuite, RunLoop, run_suite
from nncourse.result import Result, ResultStatus, TestResult, TestStatus
from nncourse.sandbox import isolation
from nncourse.sandbox.limits import Limits
from nncourse.sandbox.proxy import Session
from nncourse.submission import Submission

SUITES = ("public", "hidden")


def grader_version(course: Course, ex: Exercise) -> str:
    """A short hash of everything that decides a hidden score: suite, reference, thresholds, engine."""
    digest = hashlib.sha256(f"{__version__}|{course.version}|{ex.model_dump_json()}".encode())
    if ex.grader is None or ex.solution is None:  # a student release: only the public checks exist
        files = [course.path(ex.public_checks)]
    else:
        files = [*sorted(course.path(ex.grader).glob("*.py")), course.path(ex.solution)]
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def suite_path(course: Course, ex: Exercise, suite: str) -> Path:
    return course.path(ex.public_checks if suite == "public" else ex.grader)


def _plugin_args(course: Course, ex: Exercise, module_path: str, suite: str, seed: int,
                 session: Session, times: dict | None = None) -> dict:
    """The GraderPlugin's arguments; times: the reference's times if the caller knows them already."""
    course_limits = course.limits_for(ex)
    return dict(module_path=module_path, module_name=ex.module_name,
                reference_path=str(course.path(ex.solution)) if suite == "hidden" else None,
                thresholds=ex.thresholds, seed=seed, test_timeout=course_limits.test_timeout,
                submission_timeout=course_limits.submission_timeout, session=session,
                require_points=(suite == "hidden"),
                budgets=times if times is not None else
                budgets.for_suite(course, ex, suite_path(course, ex, suite), course_limits.test_timeout))


def new_session(module_path: str, module_name: str, limits: Limits | None, warm: bool = False) -> Session:
    """The sandboxed worker session of one submission.

    The one place a grading process makes workers. warm (a grading process that
    grades many): a child of this process's warmed template (sandbox/template.py)
    where it can run; else (a student's single `check`, where starting a template
    would cost more than it saves) a per-submission worker.
    """
    session = Session(module_path, module_name, limits)
    if warm:
        _use_template(session)
    return session


def _use_template(session: Session) -> None:
    """The session's workers are children of this process's template, where it can run (deciding may
    run bubblewrap's trial sandbox once per process: ~25 ms)."""
    from nncourse.sandbox import template
    if template.unavailable_reason() is None:
        session.worker_factory = template.start_worker


class _Grading:
    """The job of one submission in a collected suite: point the plugin at it, run every item, assemble.

    The plugin pytest collected with is re-initialised for each submission (all it
    knows of a submission is set in its __init__), because pytest's fixtures stay
    bound to that one instance.
    """

    def __init__(self, course: Course, ex: Exercise, submission: Submission, suite: str, seed: int,
                 session: Session | None, limits: Limits | None, started: float | None = None):
        self.course, self.ex, self.submission, self.suite = course, ex, submission, suite
        self.session = session or new_session(str(submission.module_path), ex.module_name, limits,
                                              warm=started is None)
        self.seed = seed
        self.started = started
        self.rebind = started is None  # point the plugin at this submission when the job starts
        self.result: Result | None = None
        self.version: str | None = None  # grader_version, when the caller worked it out already
        self.suite_key: tuple | None = None  # the collected suite's key in _SUITES, if any

    @functools.cached_property
    def args(self) -> dict:
        """The plugin's arguments, budgets included (so worked out after a timing job of the same session).

        In a collected suite, the reference's times found for its first submission serve the next ones
        (for_suite would stat the grader's files again for each: the suite's key holds their content)."""
        known = _TIMES.get(self.suite_key)
        args = _plugin_args(self.course, self.ex, str(self.submission.module_path), self.suite, self.seed,
                            self.session, known)
        if self.suite_key in _SUITES and args["budgets"] is not None:
            _TIMES[self.suite_key] = args["budgets"]
        return args

    def __call__(self, loop: RunLoop) -> None:
        plugin = loop.grader
        if self.started is None:  # a collected suite: this submission starts now
            self.started = time.monotonic()
        if self.rebind:
            plugin.__init__(**self.args)
            plugin.session.start()
        plugin.collection_errors = list(loop.collection_errors)
        try:
            loop.run_items()
        finally:
            plugin.session.close()
        self.result = _assemble(self.course, self.ex, self.submission, plugin, self.suite,
                                time.monotonic() - self.started, self.version)


def grade(course: Course, ex: Exercise, submission: Submission, *, suite: str = "hidden",
          seed: int = 0, limits: Limits | None = None, session: Session | None = None,
          extra_plugins: tuple = ()) -> Result:
    """Run one suite on one submission in a pytest session of its own (a student's `check`).

    Never raises for anything the student's code does.
    """
    job = _Grading(course, ex, submission, suite, seed, session, limits, started=time.monotonic())
    path = suite_path(course, ex, suite)
    timing = budgets.timing_job(course, ex, path, course.limits_for(ex).test_timeout)
    jobs = [job]
    if timing is not None:  # the reference's times first, in this same session (not a session of their own)
        jobs = [_then_forget(timing[1], extra_plugins), job]
        job.rebind = True
    plugin = GraderPlugin(**(timing[0] if timing is not None else job.args))
    try:
        if timing is not None:  # the workers import numpy while pytest collects
            with contextlib.suppress(Exception):  # the timing job starts it again, and copes with failing
                plugin.session.start()
        job.session.start()
        run_suite(path, plugin, jobs, extra_plugins)
    finally:
        plugin.session.close()
        job.session.close()
    result = job.result
    if result is None:  # pytest stopped before its run loop: the Result says the grader failed
        if plugin.session is not job.session:
            errors = plugin.collection_errors
            plugin.__init__(**job.args)
            plugin.collection_errors = errors
        result = _assemble(course, ex, submission, plugin, suite, time.monotonic() - job.started)
    return _as_cells(result, submission, ex)


def _then_forget(timing, extra_plugins: tuple):
    """The timing job, after which the extra plugins forget what they noted (it was not the student's)."""
    def job(loop: RunLoop) -> None:
        timing(loop)
        for extra in extra_plugins:
            if hasattr(extra, "forget"):
                extra.forget()
    return job


def _as_cells(result: Result, submission: Submission, ex: Exercise) -> Result:
    """A module built from a notebook: its lines are told as cells in the messages."""
    from nncourse.notebook import relabel_result
    return relabel_result(result, submission.module_path, ex.module)


_SUITES: dict[tuple, tuple[int, CollectedSuite]] = {}
_TIMES: dict[tuple, dict] = {}  # a key of _SUITES -> the reference's times on that suite
_ONE_AT_A_TIME = threading.RLock()


def grade_collected(course: Course, ex: Exercise, submission: Submission, *, suite: str = "hidden",
                    seed: int = 0, limits: Limits | None = None, session: Session | None = None,
                    version: str | None = None) -> Result:
    """As grade(), in a suite this process collected once and keeps (grading processes, Dask workers).

    One suite is kept per process: another exercise's suite replaces it. version: grader_version(course,
    ex) if the caller has it (it reads and hashes the grader's files: once per submission is enough).
    """
    version = version or grader_version(course, ex)
    with _ONE_AT_A_TIME:  # two pytest sessions must never run at once in one process
        # first: it closes other suites, then times the reference
        collected = collected_suite(course, ex, suite, version)
        job = _Grading(course, ex, submission, suite, seed, session, limits)
        job.version, job.suite_key = version, _suite_key(course, ex, suite, version)
        collected.run(job)
    return _as_cells(job.result, submission, ex)


def _suite_key(course: Course, ex: Exercise, suite: str, version: str) -> tuple:
    return (str(course.root), ex.id, suite, version)


def collected_suite(course: Course, ex: Exercise, suite: str, version: str | None = None) -> CollectedSuite:
    key = _suite_key(course, ex, suite, version or grader_version(course, ex))
    kept = _SUITES.get(key)
    if kept is not None and kept[0] == os.getpid() and kept[1].alive():
        return kept[1]
    for other_key, (pid, other) in list(_SUITES.items()):
        if pid == os.getpid():  # a suite inherited through fork belongs to the parent: leave it alone
            other.close()
        del _SUITES[other_key]
        _TIMES.pop(other_key, None)
    path = suite_path(course, ex, suite)
    limits = course.limits_for(ex)
    # The reference is timed as the first job of this same session (not a pytest session of its own),
    # in a child of the template like the submissions after it.
    reference = Session(str(course.path(ex.solution)), ex.module_name) if ex.solution is not None else None
    timing = budgets.timing_job(course, ex, path, limits.test_timeout, session=reference)
    if timing is not None:
        grader = GraderPlugin(**timing[0])
    else:
        placeholder = Session("", ex.module_name)  # never started: each job brings its own
        grader = GraderPlugin(**_plugin_args(course, ex, "", suite, 0, placeholder))
    collected = CollectedSuite(path, grader)
    if not _SUITES:
        atexit.register(close_suites)
    _SUITES[key] = (os.getpid(), collected)
    if timing is not None:
        # while the suite's thread configures pytest and collects, this one chooses and starts the
        # reference's worker (and with it this process's template); the timing job starts it again if
        # this failed
        with contextlib.suppress(Exception):
            if grader.session is reference:
                _use_template(reference)
            grader.session.start()
        try:
            collected.run(timing[1])
        finally:
            grader.session.close()  # the job closed it; not if the pytest session ended before it ran
    return collected


def close_suites() -> None:
    """End this process's pytest sessions (a live one holds up a Dask worker's exit)."""
    for key, (pid, collected) in list(_SUITES.items()):
        if pid == os.getpid():
            collected.close()
        del _SUITES[key]
        _TIMES.pop(key, None)


def _assemble(course, ex, submission, plugin: GraderPlugin, suite: str, duration: float,
              version: str | None = None) -> Result:
    tests = plugin.results
    status, message = ResultStatus.graded, ""
    if plugin.collection_errors or not tests:
        status, message = ResultStatus.error, GRADER_FAULT
        tests = tests + [TestResult(name="collection", target="(grader)", points=0, max_points=0,
                                    status=TestStatus.error, message=GRADER_FAULT,
                                    instructor_detail="\n".join(plugin.collection_errors)[-8000:]
                                    or "no tests were collected")]
    elif any(t.status == TestStatus.timeout for t in tests) and plugin.submission_deadline \
            and time.monotonic() > plugin.submission_deadline:
        status, message = ResultStatus.timeout, "grading stopped: the submission used up its total time budget"
    if plugin.session.load_error is not None:
        message = plugin.session.load_error.message
    return Result(
        exercise=ex.id, submission_sha256=submission.sha256, submission=submission.name,
        score=round(sum(t.points for t in tests), 6), max_score=round(sum(t.max_points for t in tests), 6),
        status=status, message=message, tests=tests, grader_version=version or grader_version(course, ex),
        suite=suite, duration=round(duration, 3), isolation=_isolation_label())


def _isolation_label() -> str:
    """What confined this grading: the portable worker (a student's laptop) has no sandbox layers to name."""
    from nncourse.sandbox import portable
    return "portable (a plain child process)" if portable.active() else isolation.detect().label
