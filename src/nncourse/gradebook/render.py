"""The gradebook as text for a terminal: the class table and one student's record.

Why: compute, then render: summary.py holds the numbers, this module lays them
out. A late or adjusted score shows the graded (raw) score next to the final one.
"""
from __future__ import annotations

from nncourse.gradebook.store import Gradebook, Standing
from nncourse.gradebook.summary import ClassSummary


def cell(s: Standing | None) -> str:
    """'72' on time; '72 (80 late 2d)' late; '75* (80)' adjusted; '-' nothing submitted."""
    if s is None:
        return "-"
    text = f"{s.final_score:g}"
    if s.adjustments:
        text += "*"
    notes = []
    if s.final_score != s.raw_score:
        notes.append(f"{s.raw_score:g}")
    if s.days_late:
        notes.append(f"late {s.days_late}d")
    if s.status != "graded":
        notes.append(s.status)
    return text + (f" ({' '.join(notes)})" if notes else "")


def summary_table(summary: ClassSummary) -> str:
    header = ["student", "name", *(f"{e} /{summary.max_points[e]:g}" for e in summary.exercises),
              f"total /{summary.max_total:g}"]
    rows = [[r.student, r.name[:24], *(cell(r.standings.get(e)) for e in summary.exercises),
             f"{r.total:g}" + (f" ({r.raw_total:g})" if r.total != r.raw_total else "")] for r in summary.rows]
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    lines = ["  ".join(str(x).ljust(w) for x, w in zip(line, widths)).rstrip() for line in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    graded = [r.total for r in summary.rows if r.standings]
    mean = sum(graded) / len(graded) if graded else 0.0
    lines += ["", f"{len(summary.rows)} students, {len(graded)} with a submission; mean total {mean:.1f} "
              f"/ {summary.max_total:g}.",
              "A score in parentheses is the graded (raw) score before the late penalty or a manual "
              "adjustment (*)."]
    return "\n".join(lines)


def student_record(book: Gradebook, student: str, max_points: dict[str, float]) -> str:
    standings = book.latest(student)
    if not standings and student not in book.students():
        return ""
    name = book.names().get(student, "")
    lines = [f"{student}" + (f" ({name})" if name else "")]
    for s in standings:
        top = max_points.get(s.exercise, s.max_score)
        lines += ["", f"{s.exercise}: {s.final_score:g} / {top:g}   (graded {s.raw_score:g}, late penalty "
                  f"{s.late_penalty:g}, {s.days_late} day(s) late; status {s.status})",
                  f"  latest of {s.submissions} submission(s), submitted {s.submitted_at:%Y-%m-%d %H:%M} UTC"]
        for a in s.adjustments:
            change = f"set to {a.new_score:g}" if a.new_score is not None else f"{a.delta:+g}"
            lines.append(f"  adjusted {change} by {a.who} on {a.at:%Y-%m-%d %H:%M}: {a.why}")
        extension = book.extension(student, s.exercise)
        if extension:
            lines.append(f"  extension: {extension.total_seconds() / 86400:g} day(s)")
        result = book.result(s.result_id)
        lost = [t for t in result.tests if t.points < t.max_points]
        if result.message:
            lines.append("  " + result.message.splitlines()[0][:160])
        for t in lost[:12]:
            first = t.message.splitlines()[0][:120] if t.message else t.status.value
            lines.append(f"  - {t.target}: {t.name} {t.points:g}/{t.max_points:g}: {first}")
        if len(lost) > 12:
            lines.append(f"  ... and {len(lost) - 12} more tests lost points")
        history = book.history(student, s.exercise)
        if len(history) > 1:
            lines.append("  history: " + ", ".join(f"{h['submitted_at'][:16]} {h['score']:g}" for h in history))
    return "\n".join(lines)
