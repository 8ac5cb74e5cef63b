"""The gradebook as JSON: every student's standing per exercise with its full Result.

Why: a script (an LMS upload, a dashboard) reads one document with the raw,
late and final scores, the adjustments and the Result they came from.
"""
from __future__ import annotations

import json

from nncourse.course import Course
from nncourse.gradebook import Gradebook
from nncourse.gradebook.summary import class_summary


def class_json(book: Gradebook, course: Course | None = None) -> str:
    summary = class_summary(book, course)
    students = []
    for row in summary.rows:
        exercises = {}
        for e, s in row.standings.items():
            exercises[e] = {
                "submitted_at": s.submitted_at.isoformat(), "submissions": s.submissions, "status": s.status,
                "raw_score": s.raw_score, "late_penalty": s.late_penalty, "days_late": s.days_late,
                "score": s.final_score, "max_score": summary.max_points.get(e, s.max_score),
                "adjustments": [{"who": a.who, "at": a.at.isoformat(), "why": a.why, "delta": a.delta,
                                 "new_score": a.new_score} for a in s.adjustments],
                "result": json.loads(book.result(s.result_id).to_json())}
        students.append({"student": row.student, "name": row.name, "total": row.total,
                         "raw_total": row.raw_total, "exercises": exercises})
    return json.dumps({"exercises": summary.exercises, "max_points": summary.max_points,
                       "max_total": summary.max_total, "students": students}, indent=1)
