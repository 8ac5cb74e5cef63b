"""Grade one submission for one exercise: a pytest run of one suite -> a Result.

Why: `check` (public suite) and `grade` (hidden suite) are the same engine on
two suites. The pytest session that decides the score runs here, in the
trusted process; the student's module runs in a worker (sandbox/proxy.py).
Student faults never raise out of grade(): they become a Result.
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import os
import sys
import time
from pathlib import Path

import pytest

from nncourse import __version__
from nncourse.course import Course, Exercise
from nncourse.grading.plugin import GRADER_FAULT, GraderPlugin
from nncourse.result import Result, ResultStatus, TestResult, TestStatus
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


def run_suite(path: Path, plugin: GraderPlugin, extra_plugins: tuple = ()) -> None:
    """pytest.main on one suite with our plugin, its own output swallowed.

    Suites of different exercises share file names (test_softmax.py, test_public.py):
    their modules are dropped from sys.modules after the run, so a process that
    grades several exercises never reuses another suite's module.
    """
    root = path if path.is_dir() else path.parent
    args = [str(path), "-q", "-p", "no:cacheprovider", "--import-mode=importlib",
            "--rootdir", str(root), "-c", os.devnull, "-W", "ignore::DeprecationWarning"]
    sink = io.StringIO()
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink), _no_plugin_autoload():
            pytest.main(args, plugins=[plugin, *extra_plugins])
    finally:
        _forget_modules_under(root)


def _forget_modules_under(root: Path) -> None:
    prefix = str(root.resolve()) + os.sep
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if file and os.path.abspath(file).startswith(prefix):
            del sys.modules[name]


@contextlib.contextmanager
def _no_plugin_autoload():
    """Installed pytest plugins (hypothesis, benchmark...) are not ours: skip them (~0.5 s)."""
    old = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
        else:
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = old


def grade(course: Course, ex: Exercise, submission: Submission, *, suite: str = "hidden",
          seed: int = 0, limits: Limits | None = None, session: Session | None = None,
          extra_plugins: tuple = ()) -> Result:
    """Run one suite on one submission. Never raises for anything the student's code does."""
    started = time.monotonic()
    course_limits = course.limits_for(ex)
    plugin = GraderPlugin(
        module_path=str(submission.module_path), module_name=ex.module_name,
        reference_path=str(course.path(ex.solution)) if suite == "hidden" else None,
        thresholds=ex.thresholds, seed=seed, test_timeout=course_limits.test_timeout,
        submission_timeout=course_limits.submission_timeout,
        session=session or Session(str(submission.module_path), ex.module_name, limits),
        require_points=(suite == "hidden"))
    plugin.session.start()  # the worker imports numpy while pytest collects
    try:
        run_suite(suite_path(course, ex, suite), plugin, extra_plugins)
    finally:
        plugin.session.close()
    result = _assemble(course, ex, submission, plugin, suite, time.monotonic() - started)
    from nncourse.notebook import relabel_result  # a module built from a notebook: lines told as cells
    return relabel_result(result, submission.module_path, ex.module)


def _assemble(course, ex, submission, plugin: GraderPlugin, suite: str, duration: float) -> Result:
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
        status=status, message=message, tests=tests, grader_version=grader_version(course, ex),
        suite=suite, duration=round(duration, 3))
