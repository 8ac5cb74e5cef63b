"""`nncourse demo`'s pipeline: generate a class, grade, record, apply the late policy, write every output.

Why: the README's main command is the whole instructor workflow in one call;
it lives here, as a library function, so the CLI only prints and a test can
run it on a small class.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from nncourse.course import Course, Exercise


@dataclass
class DemoOutcome:
    folder: Path
    summary_text: str = ""
    files: dict[str, str] = field(default_factory=dict)   # what -> where (with a note)
    timings: dict[str, float] = field(default_factory=dict)
    plot_bytes: list[int] = field(default_factory=list)


def _grade_and_record(course: Course, book, exercises: list[Exercise], hands, out: Path, jobs: int,
                      say: Callable[[str], None], outcome: DemoOutcome) -> None:
    from nncourse.grading.batch import grade_many
    for ex in exercises:
        mine = [h for h in hands if h.exercise == ex.id]
        t0 = time.monotonic()
        results = grade_many(str(course.root), ex.id, [str(h.path) for h in mine], jobs=jobs,
                             out_dir=out / "results")
        for hand, result in zip(mine, results):
            book.record(result.model_copy(update={"student": hand.student}), student=hand.student,
                        submitted_at=hand.submitted_at, submission_path=hand.path)
        outcome.timings[f"grade {ex.id}"] = time.monotonic() - t0
        say(f"Graded {len(mine)} submissions of {ex.id} in {outcome.timings[f'grade {ex.id}']:.0f} s.")


def _extensions_and_adjustment(book, extensions, say: Callable[[str], None]) -> None:
    for sid, eid, extension in extensions:
        book.extend(sid, eid, extension)
        say(f"Extension: {sid} has {extension.days} more days on {eid} (rescored).")
    victim = next((s for s in book.latest() if 0 < s.raw_score < s.max_score and not s.days_late), None)
    if victim:
        book.adjust(victim.student, victim.exercise, delta=2, who="demo",
                    why="manual regrade: partial credit for a correct idea")
        say(f"Adjustment: {victim.student} {victim.exercise} +2 points (the graded score is kept).")


def _write_outputs(course: Course, book, out: Path, jobs: int, plots: bool, outcome: DemoOutcome) -> None:
    from nncourse.exports.gradescope_files import write_gradescope
    from nncourse.exports import csv_export
    from nncourse.feedback.class_report import write_class_report
    from nncourse.feedback.write import write_feedback
    exports = out / "exports"
    exports.mkdir(parents=True, exist_ok=True)
    (exports / "grades.csv").write_text(csv_export.class_csv(book, course), encoding="utf-8")
    (exports / "nbgrader-grades.csv").write_text(csv_export.nbgrader_csv(book, course), encoding="utf-8")
    n_gs = write_gradescope(book, out / "gradescope", "after_published")
    t0 = time.monotonic()
    written = write_feedback(course, book, out / "feedback", plots=plots, jobs=jobs)
    outcome.timings["feedback"] = time.monotonic() - t0
    pages = write_class_report(book, course, out / "report", "../feedback")
    outcome.plot_bytes = [b for w in written for b in w.plot_bytes]
    largest = max(outcome.plot_bytes, default=0) / 1024
    sample = next((w for w in written if w.plot_bytes), written[0] if written else None)
    outcome.files = {
        "gradebook": f"{out / 'gradebook.db'}   (nncourse gradebook --gradebook {out / 'gradebook.db'})",
        "CSV": str(exports / "grades.csv"),
        "nbgrader CSV": str(exports / "nbgrader-grades.csv"),
        "Gradescope": f"{out / 'gradescope'}/EXERCISE/STUDENT/results.json ({n_gs} files)",
        "feedback pages": f"{out / 'feedback'}/STUDENT/EXERCISE.html and .md ({len(written)} pages, "
                          f"{len(outcome.plot_bytes)} plots, largest {largest:.0f} KB)"
                          + (f"; e.g. {sample.html}" if sample else ""),
        "class report": f"{pages[0]} (and {len(pages) - 1} exercise pages)"}


def run_demo(course: Course, folder: Path, *, exercises: list[Exercise], students: int = 40, jobs: int = 2,
             plots: bool = True, say: Callable[[str], None] = print) -> DemoOutcome:
    """Generate, grade, record, rescore, adjust, then write the CSV, Gradescope, feedback and report."""
    from nncourse.gradebook import Gradebook, Student
    from nncourse.gradebook.render import summary_table
    from nncourse.gradebook.summary import class_summary
    from nncourse.sample_class import make_class, prepare
    prepare(folder)
    started = time.monotonic()
    outcome = DemoOutcome(folder)
    roster, hands, extensions = make_class(course, folder, exercises, students)
    say(f"Generated {len(roster)} students and {len(hands)} submissions of "
        f"{', '.join(e.id for e in exercises)} in {folder / 'submissions'}.")
    with Gradebook(folder / "gradebook.db", course) as book:
        book.add_students([Student(r["id"], r["name"], r["email"]) for r in roster])
        _grade_and_record(course, book, exercises, hands, folder, jobs, say, outcome)
        _extensions_and_adjustment(book, extensions, say)
        outcome.summary_text = summary_table(class_summary(book, course))
        _write_outputs(course, book, folder, jobs, plots, outcome)
    outcome.timings["total"] = time.monotonic() - started
    return outcome
