"""The pytest plugin that turns a suite run into TestResults.

Why: graders and public checks are plain pytest files; this plugin gives them
the `student`, `reference`, `rng`, `seed` and `thresholds` fixtures, reads the
`points`/`target`/`timeout` markers, and classifies every outcome: a student
fault is `failed` with a message, a grader fault is `error` with the traceback
kept for the instructor only.
"""
from __future__ import annotations

import importlib.util
import time
import traceback

import numpy as np
import pytest

from nncourse.errors import ModuleLoadError, StudentError, UnusableObject, WorkerDied, WorkerTimeout
from nncourse.grading.checks import CheckFailed
from nncourse.grading.diagnoses import current_target
from nncourse.result import TestResult, TestStatus
from nncourse.sandbox.proxy import Session, StudentModule

DEFAULT_TEST_TIMEOUT = 20.0
MAX_MESSAGE = 8000  # characters of feedback per test
GRADER_FAULT = "the grader itself failed on this test; tell your instructor (your code may be fine)"


def _marker_arg(item, name, default=None):
    marker = item.get_closest_marker(name)
    return marker.args[0] if marker and marker.args else default


def student_message(exc: BaseException, target: str) -> tuple[TestStatus, str] | None:
    """The status and feedback for an exception caused by the student's code, or None."""
    if isinstance(exc, CheckFailed):
        return TestStatus.failed, str(exc)
    if isinstance(exc, StudentError):
        if exc.is_a("NotImplementedError"):
            return TestStatus.failed, f"{target}: not implemented yet"
        if exc.is_a("AttributeError") and "module" in exc.message and "has no attribute" in exc.message:
            return TestStatus.failed, f"{target}: missing from your module ({exc.message})"
        tail = exc.traceback.strip().splitlines()[-6:]
        return TestStatus.failed, (f"{target} raised {exc.type_name}: {exc.message}\n"
                                   + "\n".join(tail))
    if isinstance(exc, ModuleLoadError):
        return TestStatus.failed, f"{target}: not graded: {exc.message}"
    if isinstance(exc, WorkerTimeout):
        return TestStatus.timeout, f"{target}: {exc.message}"
    if isinstance(exc, WorkerDied):
        return TestStatus.failed, f"{target}: {exc.message}"
    if isinstance(exc, UnusableObject):
        return TestStatus.failed, f"{target}: returned an unusable object ({exc})"
    return None


def _grader_traceback(exc: BaseException) -> str:
    """The traceback of a grader fault without pytest's and pluggy's own frames."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if "_pytest" not in f.filename and "pluggy" not in f.filename]
    return "".join(traceback.format_list(frames) + traceback.format_exception_only(type(exc), exc))


class GraderPlugin:
    """One instance per suite run: configured with the student's module and the exercise."""

    def __init__(self, *, module_path: str, module_name: str, reference_path: str | None = None,
                 thresholds: dict | None = None, seed: int = 0, test_timeout: float = DEFAULT_TEST_TIMEOUT,
                 submission_timeout: float | None = None, session: Session | None = None,
                 require_points: bool = True):
        self.session = session or Session(module_path, module_name)
        self.reference_path = reference_path
        self.thresholds_value = dict(thresholds or {})
        self.seed_value = seed
        self.test_timeout = test_timeout
        self.submission_deadline = (time.monotonic() + submission_timeout) if submission_timeout else None
        self.require_points = require_points
        self.results: list[TestResult] = []
        self.collection_errors: list[str] = []
        self._reference = None

    # -- pytest hooks ---------------------------------------------------------------
    def pytest_configure(self, config):
        for line in ("points(n): points this test is worth",
                     "target(name): the API name the test grades",
                     "timeout(seconds): wall-clock budget of this test"):
            config.addinivalue_line("markers", line)

    def pytest_collectreport(self, report):
        if report.failed:
            self.collection_errors.append(str(report.longrepr)[-4000:])

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item):
        budget = float(_marker_arg(item, "timeout", self.test_timeout))
        self.session.deadline = time.monotonic() + budget
        if self.submission_deadline is not None:
            self.session.deadline = min(self.session.deadline, self.submission_deadline)
        target_token = current_target.set(str(_marker_arg(item, "target", "") or ""))  # diagnoses hook
        try:
            yield
        finally:
            self.session.deadline = None
            current_target.reset(target_token)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        if call.when == "call" or (call.when == "setup" and report.outcome != "passed"):
            self.results.append(self._to_result(item, call, report))

    def pytest_runtest_setup(self, item):
        if self.submission_deadline is not None and time.monotonic() > self.submission_deadline:
            raise WorkerTimeout("not run: the submission's total time budget was used up")

    def pytest_sessionfinish(self, session):
        self.session.close()

    # -- classification ----------------------------------------------------------------
    def _to_result(self, item, call, report) -> TestResult:
        target = str(_marker_arg(item, "target", "") or "")
        max_points = float(_marker_arg(item, "points", 0) or 0)
        base = dict(name=item.name, target=target or item.name, max_points=max_points,
                    duration=round(call.duration, 4))
        if not target or (self.require_points and item.get_closest_marker("points") is None):
            return TestResult(**base, points=0.0, status=TestStatus.error,
                              message=GRADER_FAULT, instructor_detail="test lacks a target or points marker")
        if report.passed:
            return TestResult(**base, points=max_points, status=TestStatus.passed)
        exc = call.excinfo.value if call.excinfo else None
        classified = student_message(exc, target) if exc is not None else None
        if classified is not None:
            status, message = classified  # bounded: student code chooses much of this text
            return TestResult(**base, points=0.0, status=status, message=message[:MAX_MESSAGE],
                              diagnosis=getattr(exc, "diagnosis", None),  # diagnoses hook
                              diagnosis_names=list(getattr(exc, "diagnosis_names", None) or []))
        detail = _grader_traceback(exc) if exc else str(report.longrepr)
        return TestResult(**base, points=0.0, status=TestStatus.error, message=GRADER_FAULT,
                          instructor_detail=detail[-8000:])

    # -- fixtures -----------------------------------------------------------------------
    @pytest.fixture
    def student(self):
        return StudentModule(self.session)

    @pytest.fixture
    def reference(self):
        if self.reference_path is None:
            pytest.fail("the reference is not available in this suite", pytrace=False)
        if self._reference is None:
            spec = importlib.util.spec_from_file_location("nncourse_reference_module", self.reference_path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            self._reference = module
        return self._reference

    @pytest.fixture
    def seed(self):
        return self.seed_value

    @pytest.fixture
    def rng(self):
        return np.random.default_rng(self.seed_value)

    @pytest.fixture
    def thresholds(self):
        return dict(self.thresholds_value)
