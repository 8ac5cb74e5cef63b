"""The pytest plugin that turns a suite run into TestResults.

Why: graders and public checks are plain pytest files; this plugin gives them
the `student`, `reference`, `rng`, `seed` and `thresholds` fixtures, reads the
`points`/`target`/`timeout` markers, and classifies every outcome: a student
fault is `failed` with a message, a grader fault is `error` with the traceback
kept for the instructor only.
"""
from __future__ import annotations

import contextlib
import importlib.util
import os
import time
import traceback

import numpy as np
import pytest

from nncourse.errors import ModuleLoadError, StudentError, UnusableObject, WorkerDied, WorkerTimeout
from nncourse.grading.budgets import budget
from nncourse.grading.checks import CheckFailed
from nncourse.grading.diagnoses import current_target
from nncourse.sandbox.callbacks import StandIns
from nncourse.result import TestResult, TestStatus
from nncourse.sandbox.proxy import Session, StudentModule

DEFAULT_TEST_TIMEOUT = 20.0
MAX_MESSAGE = 8000  # characters of feedback per test
NOT_IMPORTED = "not graded: your module could not be imported (see above)"
GRADER_FAULT = "the grader itself failed on this test; tell your instructor (your code may be fine)"


def _marker_arg(item, name, default=None):
    marker = item.get_closest_marker(name)
    return marker.args[0] if marker and marker.args else default


_UNSET = object()


class _Marks:
    """What a test's markers tell the plugin, read once per item rather than ~8 times per test and
    submission. Kept on items whose marker lookups runner.py remembers (it drops this when a marker
    is added at run time); worked out afresh for any other item."""

    __slots__ = ("target", "points", "points_arg", "timeout", "uses_reference")

    def __init__(self, item):  # values as written: converted where they are used, so a bad one fails there
        self.target = str(_marker_arg(item, "target", "") or "")
        self.points = item.get_closest_marker("points")
        self.points_arg = _marker_arg(item, "points", 0)
        self.timeout = _marker_arg(item, "timeout", _UNSET)
        self.uses_reference = tuple(n for m in item.iter_markers("uses_reference") for n in m.args)


def _marks(item) -> _Marks:
    marks = getattr(item, "_nncourse_marks", None)
    if marks is None:
        marks = _Marks(item)
        if getattr(item, "_nncourse_remembers_markers", False):
            item._nncourse_marks = marks
    return marks


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
    if isinstance(exc, ModuleLoadError):  # the Result's message says why, once
        return TestStatus.failed, NOT_IMPORTED
    if isinstance(exc, WorkerTimeout):
        return TestStatus.timeout, f"{target}: {exc.message}"
    if isinstance(exc, WorkerDied):
        return TestStatus.failed, f"{target}: {exc.message}"
    if isinstance(exc, UnusableObject):
        return TestStatus.failed, f"{target}: returned an unusable object ({exc})"
    return None


def _not_run(message: str) -> WorkerTimeout:
    """A timeout raised before the test ran (it says why): it does not mark the target as hanging."""
    exc = WorkerTimeout(message)
    exc.not_run = True
    return exc


def _grader_traceback(exc: BaseException) -> str:
    """The traceback of a grader fault without pytest's and pluggy's own frames."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if "_pytest" not in f.filename and "pluggy" not in f.filename]
    return "".join(traceback.format_list(frames) + traceback.format_exception_only(type(exc), exc))


_CODE: dict[str, tuple[tuple, object]] = {}  # reference path -> (its stat, its code)


def _reference_code(spec):
    """The reference's code object, as its loader compiles it, compiled again only when the file changes."""
    path = spec.origin
    st = os.stat(path)
    stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
    kept = _CODE.get(path)
    if kept is None or kept[0] != stamp:
        kept = _CODE[path] = (stamp, spec.loader.get_code(spec.name))
    return kept[1]


class GraderPlugin:
    """One instance per suite run: configured with the student's module and the exercise."""

    def __init__(self, *, module_path: str, module_name: str, reference_path: str | None = None,
                 thresholds: dict | None = None, seed: int = 0, test_timeout: float = DEFAULT_TEST_TIMEOUT,
                 submission_timeout: float | None = None, session: Session | None = None,
                 require_points: bool = True, budgets: dict[str, float] | None = None):
        self.session = session or Session(module_path, module_name)
        self.reference_path = reference_path
        self.thresholds_value = dict(thresholds or {})
        self.seed_value = seed
        self.test_timeout = test_timeout
        self.submission_deadline = (time.monotonic() + submission_timeout) if submission_timeout else None
        self.require_points = require_points
        self.results: list[TestResult] = []
        self.reference_times = budgets  # {node id: the reference's seconds}; None: every test gets the ceiling
        self.budgets: dict[str, float] = {}  # node id -> the budget the test had
        self.timings: dict[str, tuple[float, TestStatus]] = {}
        self.collection_errors: list[str] = []
        self._reference = None

    # -- pytest hooks ---------------------------------------------------------------
    def pytest_configure(self, config):
        for line in ("points(n): points this test is worth",
                     "target(name): the API name the test grades",
                     "timeout(seconds): wall-clock budget of this test",
                     "uses_reference(*names): lower-level names of the student's module the reference "
                     "answers for during this test (a str, or callbacks.Method for a method)"):
            config.addinivalue_line("markers", line)

    def pytest_collectreport(self, report):
        if report.failed:
            self.collection_errors.append(str(report.longrepr)[-4000:])

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item):
        with self.running(item):
            yield

    @contextlib.contextmanager
    def running(self, item):
        """Around a test's call (pytest's protocol and the lean loop alike): its budget, the submission's
        deadline, the target the diagnoses report on, the reference's stand-ins."""
        marks = _marks(item)
        ceiling = float(self.test_timeout if marks.timeout is _UNSET else marks.timeout)
        times = self.reference_times
        nodeid = item.nodeid
        self.budgets[nodeid] = spent = budget(times.get(nodeid) if times is not None else None, ceiling)
        self.session.deadline = time.monotonic() + spent
        if self.submission_deadline is not None:
            self.session.deadline = min(self.session.deadline, self.submission_deadline)
        target_token = current_target.set(marks.target)  # diagnoses hook
        try:
            with self._stand_ins(item):
                yield
        finally:
            self.session.deadline = None
            current_target.reset(target_token)

    def _stand_ins(self, item):
        """The reference answers for the names of the test's `uses_reference` markers, and for functions
        that timed out before (without a reference, those fail at once); never for the test's target."""
        marks = _marks(item)
        reference = self._reference_module() if self.reference_path else None
        if not marks.uses_reference and not self.session.hung:  # the common case: nothing stands in
            return contextlib.nullcontext()
        target = marks.target
        declared = {getattr(n, "name", n): n for n in marks.uses_reference} if reference is not None else {}
        refused = {}
        for name, why in self.session.hung.items():
            if reference is not None and "." not in name:
                declared.setdefault(name, name)
            elif name not in declared:
                refused[name] = f"{name} {why}"
        declared.pop(target, None)
        refused.pop(target, None)
        if not declared and not refused:
            return contextlib.nullcontext()
        return self.session.using_reference(StandIns(reference, declared.values(), refused))

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        if call.when == "call" or (call.when == "setup" and report.outcome != "passed"):
            self.record(item, call.duration, report.passed, call.excinfo.value if call.excinfo else None,
                        report.longrepr)

    def record(self, item, duration: float, passed: bool, exc: BaseException | None, longrepr=None) -> None:
        """The TestResult of a test's call, or of its failed setup (pytest's reports and the lean loop)."""
        result = self._to_result(item, duration, passed, exc, longrepr)
        self.results.append(result)
        self.timings[item.nodeid] = (duration, result.status)

    def pytest_runtest_setup(self, item):
        self.check_can_run(item)

    def check_can_run(self, item) -> None:
        """Raises (a setup failure) when the test must not run: time used up, or its target hung before."""
        if self.submission_deadline is not None and time.monotonic() > self.submission_deadline:
            raise _not_run("not run: the submission's total time budget was used up")
        target = _marks(item).target
        if target in self.session.hung:
            raise _not_run(self.session.hung[target])

    def pytest_sessionfinish(self, session):
        self.session.close()

    # -- classification ----------------------------------------------------------------
    def _to_result(self, item, duration: float, passed: bool, exc: BaseException | None, longrepr) -> TestResult:
        marks = _marks(item)
        target, max_points = marks.target, float(marks.points_arg or 0)
        base = dict(name=item.name, target=target or item.name, max_points=max_points,
                    duration=round(duration, 4))
        if not target or (self.require_points and marks.points is None):
            return TestResult(**base, points=0.0, status=TestStatus.error,
                              message=GRADER_FAULT, instructor_detail="test lacks a target or points marker")
        if passed:
            return TestResult(**base, points=max_points, status=TestStatus.passed)
        if isinstance(exc, WorkerTimeout) and not getattr(exc, "not_run", False):
            spent = self.budgets.get(item.nodeid, self.test_timeout)
            self.session.hung.setdefault(target, f"timed out in an earlier test (budget {spent:.2g} s), not run again")
            exc = WorkerTimeout(f"timed out: this test's budget of {spent:.2g} s was used up (an endless loop, "
                                "or far too slow?); its later tests are not run")
        classified = student_message(exc, target) if exc is not None else None
        if classified is not None:
            status, message = classified  # bounded: student code chooses much of this text
            return TestResult(**base, points=0.0, status=status, message=message[:MAX_MESSAGE],
                              diagnosis=getattr(exc, "diagnosis", None),  # diagnoses hook
                              diagnosis_names=list(getattr(exc, "diagnosis_names", None) or []))
        detail = _grader_traceback(exc) if exc else str(longrepr)
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
        return self._reference_module()

    def _reference_module(self):
        """A fresh module of the reference for each submission, run from code compiled once per process."""
        if self._reference is None:
            spec = importlib.util.spec_from_file_location("nncourse_reference_module", self.reference_path)
            module = importlib.util.module_from_spec(spec)
            exec(_reference_code(spec), module.__dict__)  # noqa: S102 - what spec.loader.exec_module does
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
