"""What an nbgrader autograder-test cell calls: nncourse's hidden grader on the notebook's code.

Why: a test cell of a notebook from `nncourse release --nbgrader` holds no
hidden test. It calls target_score(exercise, target): the first call of a
kernel grades the notebook's code (its file, in the kernel's folder, which is
where nbgrader runs it during autograde and validate) with nncourse's
sandboxed hidden grader, in a child process whose stdout and stderr are
captured, so nothing reaches the cell's stderr (nbgrader zeroes a cell with
any stderr output). Later calls reuse the Result of the same code. Each call
prints its target's diagnosis to stdout and returns its points, which
nbgrader takes as the cell's partial credit.

The course with the hidden grader is found through NNCOURSE_COURSE, which the
nbgrader_config.py written by the release sets for the grading side.
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

COURSE_ENV = "NNCOURSE_COURSE"
MAX_LINES_PER_TARGET = 12
_RESULTS: dict[tuple[str, str], dict] = {}  # (exercise, sha256 of the module) -> Result as a dict


def target_score(exercise: str, target: str) -> float | None:
    """Grade the notebook once per kernel and code; print `target`'s diagnosis; return its points."""
    grading = bool(os.environ.get("NBGRADER_EXECUTION"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = _result_for(exercise)
        except _NotHere as why:
            print(why)
            return 0.0 if grading else None
    print(describe(result, target))
    return points_of(result, target)


class _NotHere(Exception):
    """This kernel cannot grade: no notebook file or no hidden grader; the message says which."""


def points_of(result: dict, target: str) -> float:
    return round(sum(t["points"] for t in result.get("tests", []) if t["target"] == target), 6)


def describe(result: dict, target: str) -> str:
    """A few lines for the student: the target's points, its failed tests and their messages."""
    tests = [t for t in result.get("tests", []) if t["target"] == target]
    got, most = points_of(result, target), round(sum(t["max_points"] for t in tests), 6)
    lines = [f"{target}: {got:g}/{most:g} points" if tests else f"{target}: not graded"]
    if result.get("message") and (not tests or got < most):
        lines.append(result["message"].strip().splitlines()[0][:300])
    for test in tests:
        if test["status"] != "passed":
            lines.append(f"  {test['status'].upper()} {test['name']}")
            lines += ["    " + line[:300] for line in (test.get("message") or "").strip().splitlines()[:4]]
            if test.get("diagnosis"):
                lines.append(f"    likely cause: {test['diagnosis']}")
    if len(lines) > MAX_LINES_PER_TARGET:
        lines = lines[:MAX_LINES_PER_TARGET] + ["  ..."]
    return "\n".join(lines)


def _notebook_file(exercise: str) -> Path:
    here = Path.cwd()
    named = here / f"{exercise}.ipynb"
    if named.is_file():
        return named
    found = sorted(here.glob("*.ipynb"))
    if len(found) == 1:
        return found[0]
    raise _NotHere(f"nncourse: no {exercise}.ipynb in {here}; this cell grades when nbgrader runs the notebook.")


def _course_root() -> str:
    root = os.environ.get(COURSE_ENV)
    if not root or not (Path(root) / "course.yaml").is_file():
        raise _NotHere("nncourse: this cell is graded by your instructor's autograde; "
                       "`nncourse check` runs the public checks on your notebook now.")
    return root


def _result_for(exercise: str) -> dict:
    from nncourse.course import load_course
    from nncourse.errors import NncourseError
    from nncourse.notebook import module_text, read_notebook
    root = _course_root()
    try:
        course = load_course(root, check_files=False)
        ex = course.exercise(exercise)
        if ex.grader is None:
            raise _NotHere(f"nncourse: {root} has no hidden grader for {exercise} (a student release?).")
        text = module_text(read_notebook(_notebook_file(exercise)))
    except NncourseError as exc:
        raise _NotHere(f"nncourse: {exc}") from None
    key = (exercise, hashlib.sha256(text.encode()).hexdigest())
    if key not in _RESULTS:
        _RESULTS[key] = _grade_in_child(root, ex, text, course.limits_for(ex).submission_timeout)
    return _RESULTS[key]


def _grade_in_child(root: str, ex, text: str, budget: float) -> dict:
    """grade_task in a child process: its output, warnings and the sandbox's, never reach this cell."""
    with tempfile.TemporaryDirectory(prefix="nncourse-nbgrader-") as tmp:
        module = Path(tmp) / ex.module
        module.write_text(text, encoding="utf-8")
        try:
            done = subprocess.run([sys.executable, "-m", "nncourse.nbgrader_bridge", root, ex.id, str(module)],
                                  stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                  timeout=budget + 60, cwd=tmp)
        except subprocess.TimeoutExpired:
            return {"tests": [], "message": "grading did not finish in time; your instructor will look at it"}
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        return {"tests": [], "message": "the grader failed on this notebook; your instructor will look at it"}
    return json.loads(lines[-1])


def _main(argv: list[str]) -> int:
    """Child side: grade one module with the hidden grader; print the Result JSON as the last line."""
    import logging
    logging.disable(logging.CRITICAL)
    warnings.simplefilter("ignore")
    from nncourse.grading.batch import grade_task
    root, exercise, module = argv
    print(grade_task(root, exercise, module))
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
