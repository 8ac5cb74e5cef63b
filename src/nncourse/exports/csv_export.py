"""The class as CSV: our layout (one row per student) and nbgrader's grades.csv layout.

Why: spreadsheets and LMS imports read CSV. Ours has one column per exercise
(final score) next to its raw score and totals; nbgrader's has one row per
student and assignment with the columns of its CsvExportPlugin, so scripts
written for `nbgrader export` read ours unchanged.
"""
from __future__ import annotations

import csv
import io

from nncourse.course import Course
from nncourse.gradebook import Gradebook
from nncourse.gradebook.summary import class_summary

# nbgrader/plugins/export.py CsvExportPlugin, in its order
NBGRADER_COLUMNS = ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name", "email",
                    "raw_score", "late_submission_penalty", "score", "max_score"]


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def class_csv(book: Gradebook, course: Course | None = None) -> str:
    """student_id, name, email, then per exercise its final score and raw score, then totals."""
    summary = class_summary(book, course)
    emails = {s.id: s.email for s in book.roster()}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    header = ["student_id", "name", "email"]
    for e in summary.exercises:
        header += [e, f"{e}_raw", f"{e}_days_late"]
    writer.writerow(header + ["total", "total_raw", "max_total"])
    for row in summary.rows:
        line = [row.student, row.name, emails.get(row.student, "")]
        for e in summary.exercises:
            s = row.standings.get(e)
            line += [_num(s.final_score if s else None), _num(s.raw_score if s else None),
                     str(s.days_late) if s else ""]
        writer.writerow(line + [_num(row.total), _num(row.raw_total), _num(summary.max_total)])
    return out.getvalue()


def nbgrader_csv(book: Gradebook, course: Course | None = None) -> str:
    """nbgrader's grades.csv: one row per (exercise, student); no submission scores 0 with no timestamp."""
    summary = class_summary(book, course)
    roster = {s.id: s for s in book.roster()}
    deadlines = {ex.id: ex.deadline for ex in course.exercises} if course else {}
    out = io.StringIO()
    writer = csv.DictWriter(out, NBGRADER_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for e in summary.exercises:
        due = deadlines.get(e)
        for row in summary.rows:
            s = row.standings.get(e)
            student = roster.get(row.student)
            first, _, last = (student.name if student else "").rpartition(" ")
            if not first:
                first, last = last, ""
            writer.writerow({
                "assignment": e, "duedate": due.isoformat() if due else "",
                "timestamp": s.submitted_at.isoformat() if s else "", "student_id": row.student,
                "last_name": last, "first_name": first, "email": student.email if student else "",
                "raw_score": _num(s.raw_score if s else 0.0),
                "late_submission_penalty": _num(s.late_penalty if s else 0.0),
                "score": _num(s.final_score if s else 0.0), "max_score": _num(summary.max_points[e])})
    return out.getvalue()
