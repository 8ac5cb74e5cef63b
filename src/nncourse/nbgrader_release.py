"""The course as an nbgrader course tree: nbgrader_config.py and source/<exercise>/<exercise>.ipynb.

Why: courses on JupyterHub grade with nbgrader. Each exercise becomes one
source notebook: the README as read-only markdown, the stub's API with the
reference code between nbgrader's solution delimiters (nbgrader_cells.py), and
one autograder-test cell per target whose points come from grading that very
notebook's code with the hidden grader (which must score full marks, or the
release stops). A test cell holds no hidden test: it calls
nncourse.nbgrader_bridge.target_score, which grades on the grading side. The
path of the course with the hidden grader goes into nbgrader_config.py (the
grading side's file), never into a notebook.
"""
from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

from nncourse.course import Course, Exercise
from nncourse.errors import CourseError
from nncourse.nbgrader_cells import solution_cells
from nncourse.notebook import module_text

CONFIG = "nbgrader_config.py"
MARK = "# written by `nncourse release --nbgrader`"
SCHEMA = 3


def _meta(grade_id: str, *, grade=False, solution=False, locked=False, points=None) -> dict:
    meta = {"schema_version": SCHEMA, "grade": grade, "solution": solution, "locked": locked,
            "grade_id": re.sub(r"[^A-Za-z0-9_-]", "-", grade_id)}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def _readme_sections(text: str) -> list[str]:
    """The README cut at its level-2 headings: one markdown cell per section."""
    parts = re.split(r"(?m)^(?=## )", text)
    return [p.strip("\n") for p in parts if p.strip()]


def _how_graded(ex: Exercise) -> str:
    return (f"## How this notebook is graded\n\n"
            f"Write your code where a cell says `YOUR CODE HERE` (replace the `raise NotImplementedError()` "
            f"line); keep the `def` lines as they are. Cells of your own are fine: every code cell of this "
            f"notebook becomes your module `{ex.module}` (lines starting with `%` or `!` are left out).\n\n"
            f"The test cells at the end are graded by your instructor with the course's hidden tests; each "
            f"prints what is wrong with one function and shows its points. Before you submit, "
            f"`nncourse check {ex.id} --dir .` runs the public checks on this notebook.")


def test_cell_source(ex: Exercise, target: str) -> str:
    return (f"# Graded by nncourse's hidden tests for {target} (they are not in this notebook).\n"
            f"from nncourse.nbgrader_bridge import target_score\n"
            f"target_score({ex.id!r}, {target!r})")


def notebook_for(course: Course, ex: Exercise, points: dict[str, float]):
    """The source notebook of one exercise (an nbformat node)."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
    cells = []
    readme = course.path(ex.readme).read_text(encoding="utf-8")
    for i, section in enumerate([*_readme_sections(readme), _how_graded(ex)], start=1):
        cells.append(new_markdown_cell(section, metadata=_meta(f"readme-{i}", locked=True)))
    stub = course.path(ex.stub).read_text(encoding="utf-8")
    reference = course.path(ex.solution).read_text(encoding="utf-8")
    for code in solution_cells(stub, reference):
        meta = {} if code.kind == "plain" else _meta(f"answer-{code.name}", solution=True)
        cells.append(new_code_cell(code.source, metadata=meta))
    cells.append(new_markdown_cell("## Tests\n\nEach cell below grades one function or class with the "
                                   "hidden tests and shows its points.", metadata=_meta("tests-heading", locked=True)))
    for target, most in points.items():
        cells.append(new_code_cell(test_cell_source(ex, target),
                                   metadata=_meta(f"test-{target}", grade=True, locked=True, points=most)))
    nb = new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"}})
    nbformat.validate(nb)
    return nb


def target_points(course: Course, ex: Exercise, nb) -> dict[str, float]:
    """Points per target from grading the notebook's own code; CourseError unless it scores full marks."""
    from nncourse.grading.engine import grade
    from nncourse.submission import Submission, sha256_file
    with tempfile.TemporaryDirectory(prefix="nncourse-nbsrc-") as tmp:
        module = Path(tmp) / ex.module
        module.write_text(module_text(nb), encoding="utf-8")
        result = grade(course, ex, Submission(module, sha256_file(module), f"source/{ex.id}/{ex.id}.ipynb"))
    if result.status.value != "graded" or result.score < result.max_score or not result.tests:
        lost = [f"{t.name} ({t.message.splitlines()[0] if t.message else t.status.value})"
                for t in result.tests if t.points < t.max_points][:3]
        raise CourseError(f"{ex.id}: the source notebook's code scores {result.score:g}/{result.max_score:g} "
                          f"with the hidden grader, not full marks ({result.message or '; '.join(lost)}).",
                          "Check that the stub and the reference have the same functions and signatures.")
    return {target: round(sum(t.max_points for t in tests), 6) for target, tests in result.by_target().items()}


def course_id_for(course: Course) -> str:
    """nbgrader's course id (its gradebook is keyed by it): the course title as a slug."""
    return re.sub(r"[^a-z0-9]+", "-", course.title.lower()).strip("-")[:40] or "nncourse"


def _chain() -> list[str]:
    """nbgrader's autograde chain (of the installed nbgrader) with nncourse's two preprocessors, as dotted names."""
    from nncourse.nbgrader_preprocessors import autograde_preprocessors
    return [f"{cls.__module__}.{cls.__qualname__}" for cls in autograde_preprocessors()]


def config_text(course: Course, course_id: str) -> str:
    budget = int(max(course.limits_for(ex).submission_timeout for ex in course.exercises)) + 120
    return f'''{MARK}: nbgrader's settings for this course.
# The kernel's test cells call nncourse's hidden grader, found through NNCOURSE_COURSE:
# the course folder below (the instructors' copy, with solutions and grader), unless the
# environment already names one. Nothing of it goes into the notebooks.
import os

os.environ.setdefault("NNCOURSE_COURSE", {str(course.root.resolve())!r})

c = get_config()  # noqa: F821 - provided by nbgrader when it reads this file
c.CourseDirectory.course_id = {course_id!r}
# The first test cell of a notebook grades all of it: allow the course's whole time budget.
# A student's endless loop is stopped by nncourse's per-test timeout long before this.
c.Execute.timeout = {budget}
c.Execute.interrupt_on_timeout = True
# Autograde runs no student code in its kernel: only the test cells run there, and they grade
# the notebook's code in nncourse's sandbox (see nncourse/nbgrader_preprocessors.py). Named, not
# imported here: without nncourse on the grading side autograde stops instead of running them.
c.Autograde.autograde_preprocessors = {_chain()!r}
'''


def build_nbgrader_release(course: Course, dest: str | Path, exercises: list[str] | None = None,
                           progress=None) -> list[Path]:
    """Write the nbgrader course tree of `course` into `dest`; returns the files written (relative)."""
    dest = Path(dest).resolve()
    _check_dest(course, dest)
    chosen = [course.exercise(e) for e in exercises] if exercises else list(course.exercises)
    missing = [ex.id for ex in chosen if ex.solution is None or ex.grader is None]
    if missing:
        raise CourseError(f"{', '.join(missing)}: no solution or hidden grader here (a student release?).",
                          "Run this on the instructors' course folder.")
    import nbformat
    written = []
    dest.mkdir(parents=True, exist_ok=True)
    for ex in chosen:
        if progress:
            progress(ex)
        draft = notebook_for(course, ex, {})
        nb = notebook_for(course, ex, target_points(course, ex, draft))
        folder = dest / "source" / ex.id
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        nbformat.write(nb, str(folder / f"{ex.id}.ipynb"))
        written.append(Path("source", ex.id, f"{ex.id}.ipynb"))
    (dest / CONFIG).write_text(config_text(course, course_id_for(course)), encoding="utf-8")
    written.append(Path(CONFIG))
    return sorted(written)


def _check_dest(course: Course, dest: Path) -> None:
    config = dest / CONFIG
    if config.is_file() and config.read_text(encoding="utf-8", errors="replace").startswith(MARK):
        return  # an earlier nbgrader release: its source notebooks are replaced, its gradebook kept
    root = course.root.resolve()
    if dest == root or root in dest.parents and dest.relative_to(root).parts[0] != "build":
        raise CourseError(f"{dest}: inside the course folder; an nbgrader tree goes somewhere else.",
                          "Pass --nbgrader to an empty folder outside the course (or under build/).")
    if dest.exists() and any(dest.iterdir()):
        raise CourseError(f"{dest}: not empty and not an earlier nbgrader release; nothing was written.",
                          "Pass --nbgrader to an empty or new folder.")
