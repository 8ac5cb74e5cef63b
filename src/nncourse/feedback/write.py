"""Write every student's feedback pages from the gradebook: OUT/STUDENT/EXERCISE.html and .md.

Why: after grading, one call produces a folder to hand back (or upload); the
submitted file is taken from the gradebook, so plots can be drawn later on
another machine.
"""
from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from nncourse.course import Course
from nncourse.feedback.figures import Figures, make_figures
from nncourse.feedback.page import Scores, feedback_html, feedback_markdown
from nncourse.gradebook.store import Gradebook


def safe_name(text: str) -> str:
    """A file name from a student id: letters, digits and _.@+- kept, never '.' or '..'."""
    name = re.sub(r"[^A-Za-z0-9_.@+-]", "_", text)[:100] or "_"
    return "_" + name if name.startswith(".") else name


@dataclass
class Written:
    student: str
    exercise: str
    html: Path
    markdown: Path
    plot_bytes: list[int]


def write_feedback(course: Course, book: Gradebook, out: Path, *, exercises: list[str] | None = None,
                   students: list[str] | None = None, plots: bool = True, jobs: int = 1) -> list[Written]:
    """One page pair per (student, exercise) standing; with jobs > 1, pages are made in a process pool."""
    todo = [s for s in book.latest() if not (exercises and s.exercise not in exercises)
            and not (students and s.student not in students)
            and any(e.id == s.exercise for e in course.exercises)]
    if jobs <= 1 or len(todo) < 2:
        return [_one(course, book, s, out, plots) for s in todo]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from functools import partial
    task = partial(_one_in_pool, str(course.root), str(book.path), str(out), plots)
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
        return list(pool.map(task, [(s.student, s.exercise) for s in todo]))


def _one_in_pool(course_root: str, book_path: str, out: str, plots: bool, key: tuple[str, str]) -> Written:
    from nncourse.course import load_course
    course = load_course(course_root, check_files=False)
    with Gradebook(book_path, course) as book:
        [standing] = book.latest(*key)
        return _one(course, book, standing, Path(out), plots)


def _one(course: Course, book: Gradebook, s, out: Path, plots: bool) -> Written:
    ex = next(e for e in course.exercises if e.id == s.exercise)
    result = book.result(s.result_id)
    figures = Figures()
    content = book.submission_content(s.result_id)
    if plots and content is not None:
        with tempfile.TemporaryDirectory(prefix="nncourse-feedback-") as tmp:
            module = Path(tmp) / ex.module
            module.write_bytes(content)
            figures = make_figures(course, ex, result, str(module))
    elif plots:
        figures = make_figures(course, ex, result, None)
    scores = Scores.of(result, ex, s)
    folder = out / safe_name(s.student)
    folder.mkdir(parents=True, exist_ok=True)
    html_path, md_path = folder / f"{ex.id}.html", folder / f"{ex.id}.md"
    html_path.write_text(feedback_html(course, ex, result, figures, scores), encoding="utf-8")
    md_path.write_text(feedback_markdown(course, ex, result, figures, scores), encoding="utf-8")
    return Written(s.student, ex.id, html_path, md_path, [len(p.png) for p in figures.plots])
