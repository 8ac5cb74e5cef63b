"""A Result as Gradescope's results.json (gradescope/autograder_samples docs/specs.md).

Why: Gradescope shows one row per test with its points; we emit one test per
grader test with its score and max_score, the message as output, the
instructor-only detail never. The hidden grader's tests are shown
`after_published` by default (Gradescope then also hides the total until the
instructor publishes), the public checks `visible`; stdout stays hidden.
"""
from __future__ import annotations

import traceback

from nncourse.exports.text import clean
from nncourse.result import Result, TestStatus

VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")


def _test(result: Result, test, number: str, visibility: str) -> dict:
    passed = test.status == TestStatus.passed
    output = clean(test.message)
    if test.diagnosis and not passed:
        output += f"\nLikely cause: {clean(test.diagnosis)}"
    if test.status in (TestStatus.timeout, TestStatus.error):
        output = f"[{test.status.value}] " + output
    return {"name": f"{test.target}: {test.name}", "number": number, "score": float(test.points),
            "max_score": float(test.max_points), "status": "passed" if passed else "failed",
            "output": output.strip(), "output_format": "text", "tags": [test.target],
            "visibility": visibility}


def results_json(graded: Result, *, public: Result | None = None, hidden_visibility: str = "after_published",
                 elapsed: float | None = None) -> dict:
    """Gradescope results for one submission: the hidden grader's tests, then any public checks (0 points)."""
    if hidden_visibility not in VISIBILITIES:
        raise ValueError(f"visibility must be one of {VISIBILITIES}")
    tests = []
    visibility = hidden_visibility if graded.suite == "hidden" else "visible"
    for i, t in enumerate(graded.tests, start=1):
        tests.append(_test(graded, t, f"1.{i}", visibility))
    if public is not None:
        for n, t in enumerate(public.tests, start=1):
            entry = _test(public, t, f"0.{n}", "visible")
            entry["score"], entry["max_score"] = 0.0, 0.0  # an informational check: the grade is the hidden suite's
            tests.append(entry)
    lines = [f"Score: {graded.score:g} / {graded.max_score:g}"]
    if graded.late_penalty:
        lines.append(f"Raw score {graded.raw_score:g}, late penalty {graded.late_penalty:g}.")
    if graded.message:
        lines.append(clean(graded.message))
    return {
        "score": float(graded.score),
        "execution_time": f"{(elapsed if elapsed is not None else graded.duration):.2f}",
        "output": "\n".join(lines), "output_format": "text", "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": {"exercise": graded.exercise, "raw_score": graded.raw_score,
                       "late_penalty": graded.late_penalty, "grader_version": graded.grader_version,
                       "submission_sha256": graded.submission_sha256, "status": graded.status.value},
    }


def failure_json(what: str, exc: BaseException | None = None) -> dict:
    """The results.json of an autograder that could not grade: 0 points, a visible sentence, a hidden traceback."""
    detail = "".join(traceback.format_exception(exc)) if exc is not None else what
    return {"score": 0.0, "execution_time": "0.00", "stdout_visibility": "hidden", "output_format": "text",
            "output": f"Autograder failed: {clean(what)}\nYour submission was not graded; tell your instructor.",
            "tests": [{"name": "Autograder failed", "score": 0.0, "max_score": 0.0, "status": "failed",
                       "output": clean(detail)[-8000:], "visibility": "hidden"}],
            "extra_data": {"autograder_error": True}}
