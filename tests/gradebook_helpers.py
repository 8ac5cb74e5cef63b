"""Results made by hand for gradebook, export and report tests (no grading run needed)."""
from __future__ import annotations

from nncourse.result import Result, ResultStatus, TestResult, TestStatus


def make_result(exercise: str = "exercise2", points: tuple[float, ...] = (2, 3, 0), max_each: float = 3,
                student: str | None = None, diagnosis: str | None = None, status: str = "graded",
                sha: str = "ab" * 32, message: str = "") -> Result:
    """A Result whose tests score `points` out of `max_each` each; failures carry a message."""
    tests = [TestResult(name=f"test_{i}", target=f"func{i % 2}", points=p, max_points=max_each,
                        status=TestStatus.passed if p == max_each else TestStatus.failed,
                        message="" if p == max_each else f"func{i % 2}([1.0]): expected 1.0, got 0.5",
                        diagnosis=None if p == max_each else diagnosis)
             for i, p in enumerate(points)]
    return Result(exercise=exercise, student=student, submission_sha256=sha, submission=f"{student}/x.py",
                  score=float(sum(points)), max_score=float(max_each * len(points)),
                  status=ResultStatus(status), tests=tests, grader_version="v1", message=message)
