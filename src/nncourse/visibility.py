"""What a student is shown of a hidden-suite Result: the instructor's `feedback` choice, as Gradescope's visibility.

Why: hidden tests are hidden so that a score cannot be fitted to them; how much
of them a student may see is a course decision (course.yaml `feedback`, an
exercise may override it), applied in one place to the one Result schema:
- `full`: every test with its message (inputs, expected, got);
- `summary`: one line per target: its points and the named diagnosis, no inputs or values;
- `none`: the score only (and, when nothing could be graded, why).
`instructor_detail` (grader tracebacks) is never shown, whatever the level.
"""
from __future__ import annotations

import os

from nncourse.reports.sanitize import clean, display_name
from nncourse.result import Result, ResultStatus, TestResult, TestStatus

LEVELS = ("full", "summary", "none")
_WORST_FIRST = (TestStatus.error, TestStatus.timeout, TestStatus.failed)


def for_student(result: Result, level: str = "full") -> Result:
    """A copy of `result` holding what a student may see at this feedback level."""
    if level not in LEVELS:
        raise ValueError(f"feedback level {level!r}: use one of {', '.join(LEVELS)}")
    shown = result.model_copy(deep=True, update={
        "submission": display_name(os.path.basename(result.submission.rstrip("/"))),  # not the grader's path
        "message": clean(result.message)})
    if level == "full":
        shown.tests = [t.model_copy(update={"instructor_detail": "", "message": clean(t.message)})
                       for t in result.tests]
    elif level == "summary":
        shown.tests = [_summary(target, tests) for target, tests in result.by_target().items()]
    else:
        shown.tests = []
        if result.status != ResultStatus.error:  # an unreadable submission still says why
            shown.message = ""
    return shown


def _summary(target: str, tests: list[TestResult]) -> TestResult:
    """One test per target: points, how many tests passed, and the first diagnosis of a failure."""
    passed = sum(t.status == TestStatus.passed for t in tests)
    status = next((s for s in _WORST_FIRST if any(t.status == s for t in tests)), TestStatus.passed)
    diagnosis = next((t.diagnosis for t in tests if t.status != TestStatus.passed and t.diagnosis), None)
    message = f"{passed} of {len(tests)} hidden tests passed"
    if diagnosis:
        message += f"; likely cause: {clean(diagnosis)}"
    return TestResult(name=target, target=target, points=round(sum(t.points for t in tests), 6),
                      max_points=round(sum(t.max_points for t in tests), 6), status=status, message=message,
                      duration=round(sum(t.duration for t in tests), 3),
                      diagnosis=clean(diagnosis) if diagnosis else None)
