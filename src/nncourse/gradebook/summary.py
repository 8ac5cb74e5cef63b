"""The class as a table: one row per student, one column per exercise, totals.

Why: the terminal summary, the CSV export and the class report read the same
numbers; they are computed once, here, from the gradebook's standings.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from nncourse.course import Course
from nncourse.gradebook.store import Gradebook, Standing


@dataclass
class Row:
    student: str
    name: str
    standings: dict[str, Standing] = field(default_factory=dict)  # exercise id -> standing

    def score(self, exercise: str) -> float | None:
        s = self.standings.get(exercise)
        return s.final_score if s else None

    @property
    def total(self) -> float:
        return round(sum(s.final_score for s in self.standings.values()), 6)

    @property
    def raw_total(self) -> float:
        return round(sum(s.raw_score for s in self.standings.values()), 6)


@dataclass
class ClassSummary:
    exercises: list[str]
    max_points: dict[str, float]
    rows: list[Row]

    @property
    def max_total(self) -> float:
        return round(sum(self.max_points.values()), 6)


def class_summary(book: Gradebook, course: Course | None = None) -> ClassSummary:
    """Everyone on the roster or with a submission; exercises in course order, then any others seen."""
    standings = book.latest()
    names = book.names()
    seen = sorted({s.exercise for s in standings})
    order = [ex.id for ex in course.exercises] if course else []
    exercises = [e for e in order if e in seen] + [e for e in seen if e not in order]
    max_points = {}
    for e in exercises:
        ex = next((x for x in course.exercises if x.id == e), None) if course else None
        max_points[e] = ex.points if ex else max((s.max_score for s in standings if s.exercise == e), default=0.0)
    rows = {sid: Row(sid, names.get(sid, "")) for sid in book.students()}
    for s in standings:
        rows[s.student].standings[s.exercise] = s
    return ClassSummary(exercises, max_points, [rows[k] for k in sorted(rows)])
