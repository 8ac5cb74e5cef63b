"""The class report for instructors: one HTML page per exercise and one for the course.

Why: after grading, an instructor wants to know what the class got wrong:
the score spread, the functions most often losing points, the most common
named causes (a test's `diagnosis`), who was late and whose submission could
not be graded (errors, timeouts). Numbers come from the gradebook; pages are
offline HTML with embedded PNG histograms.
"""
from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from nncourse.course import Course
from nncourse.feedback import plots
from nncourse.feedback.html import esc, page
from nncourse.feedback.write import safe_name
from nncourse.gradebook.render import cell
from nncourse.gradebook.store import Gradebook, Standing
from nncourse.gradebook.summary import class_summary
from nncourse.result import Result, TestStatus


@dataclass
class ExerciseStats:
    exercise: str
    title: str
    max_points: float
    standings: list[Standing]
    results: dict[int, Result]
    lost_by_target: Counter = field(default_factory=Counter)       # target -> students losing points
    points_lost_by_target: Counter = field(default_factory=Counter)
    diagnoses: Counter = field(default_factory=Counter)            # diagnosis -> students
    problems: list[tuple[Standing, str, str]] = field(default_factory=list)  # (standing, kind, message)
    missing: list[str] = field(default_factory=list)               # students with no submission

    @property
    def finals(self) -> list[float]:
        return [s.final_score for s in self.standings]

    @property
    def late(self) -> list[Standing]:
        return [s for s in self.standings if s.days_late]


def exercise_stats(book: Gradebook, course: Course, exercise: str) -> ExerciseStats:
    ex = next((e for e in course.exercises if e.id == exercise), None)
    standings = book.latest(exercise=exercise)
    stats = ExerciseStats(exercise, ex.title if ex else exercise, ex.points if ex else 0.0, standings,
                          {s.result_id: book.result(s.result_id) for s in standings})
    handed_in = {s.student for s in standings}
    stats.missing = [sid for sid in book.students() if sid not in handed_in]
    for s in standings:
        result = stats.results[s.result_id]
        lost = {}
        for t in result.tests:
            if t.points < t.max_points:
                lost[t.target] = lost.get(t.target, 0.0) + t.max_points - t.points
        for target, points in lost.items():
            stats.lost_by_target[target] += 1
            stats.points_lost_by_target[target] += points
        for d in {t.diagnosis for t in result.tests if t.diagnosis and t.status != TestStatus.passed}:
            stats.diagnoses[d] += 1
        if result.status.value != "graded":
            stats.problems.append((s, result.status.value, result.message))
        elif result.message:  # graded, but the module itself failed (import error, syntax error)
            stats.problems.append((s, "module error", result.message))
        else:
            bad = [t for t in result.tests if t.status in (TestStatus.error, TestStatus.timeout)]
            if bad:
                kinds = Counter(t.status.value for t in bad)
                stats.problems.append((s, ", ".join(f"{n} test {k}" for k, n in kinds.items()),
                                       bad[0].message))
    return stats


def _first_line(text: str, limit: int = 160) -> str:
    line = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    return line[:limit] + ("…" if len(line) > limit else "")


def _spread(values: list[float], noun: str = "submissions") -> str:
    if not values:
        return f"no {noun}"
    return (f"{len(values)} {noun}; mean {statistics.fmean(values):.1f}, median "
            f"{statistics.median(values):g}, min {min(values):g}, max {max(values):g}")


def exercise_page(stats: ExerciseStats, course: Course, feedback_dir: str | None = None) -> str:
    p = [f"<h1>{esc(stats.title)}</h1>",
         f"<p class=\"muted\">{esc(course.title)} &middot; {esc(stats.exercise)} &middot; class report "
         f"&middot; <a href=\"index.html\">course report</a></p>",
         f"<div class=\"box\"><div class=\"score\">{esc(_spread(stats.finals))} (out of {stats.max_points:g})"
         "</div><div>Final scores: after the late policy and manual adjustments.</div>"
         + (f"<div>No submission: {esc(', '.join(stats.missing))}</div>" if stats.missing else "") + "</div>"]
    if stats.finals:
        png = plots.png_bytes(plots.histogram_figure(stats.finals, stats.max_points, f"{stats.exercise}: final scores"))
        p.append(f"<figure><img src=\"{plots.data_uri(png)}\" alt=\"score histogram\"><figcaption>How many "
                 "students got each final score (10 bins from 0 to the maximum).</figcaption></figure>")
    n = len(stats.standings) or 1
    p.append("<h2>Functions most often losing points</h2>")
    if stats.lost_by_target:
        p.append("<table><tr><th>function</th><th class=\"num\">students losing points</th>"
                 "<th class=\"num\">mean points lost (of those)</th><th></th></tr>")
        for target, count in stats.lost_by_target.most_common(15):
            mean = stats.points_lost_by_target[target] / count
            p.append(f"<tr><td><code>{esc(target)}</code></td><td class=\"num\">{count} ({100 * count / n:.0f}%)"
                     f"</td><td class=\"num\">{mean:.1f}</td><td><span class=\"bar\" style=\"width:"
                     f"{int(200 * count / n)}px\"></span></td></tr>")
        p.append("</table>")
    else:
        p.append("<p>Nobody lost points.</p>")
    p.append("<h2>Most common causes named by the grader</h2>")
    if stats.diagnoses:
        p.append("<table><tr><th>likely cause</th><th class=\"num\">students</th></tr>")
        p += [f"<tr><td>{esc(d)}</td><td class=\"num\">{c}</td></tr>" for d, c in stats.diagnoses.most_common(15)]
        p.append("</table>")
    else:
        p.append("<p class=\"muted\">No failed test carries a diagnosis: the grader names a likely cause only "
                 "when the numbers show one.</p>")
    p.append(f"<h2>Late submissions ({len(stats.late)})</h2>")
    if stats.late:
        p.append("<table><tr><th>student</th><th class=\"num\">days late</th><th class=\"num\">graded</th>"
                 "<th class=\"num\">penalty</th><th class=\"num\">final</th></tr>")
        for s in sorted(stats.late, key=lambda s: (-s.days_late, s.student)):
            p.append(f"<tr><td>{_student_link(s.student, stats.exercise, feedback_dir)}</td>"
                     f"<td class=\"num\">{s.days_late}</td><td class=\"num\">{s.raw_score:g}</td><td class=\"num\">"
                     f"{s.late_penalty:g}</td><td class=\"num\">{s.final_score:g}</td></tr>")
        p.append("</table>")
    else:
        p.append("<p>None.</p>")
    p.append(f"<h2>Errors, timeouts and modules that would not load ({len(stats.problems)})</h2>")
    if stats.problems:
        p.append("<table><tr><th>student</th><th>what</th><th>message</th></tr>")
        for s, kind, message in stats.problems:
            p.append(f"<tr><td>{_student_link(s.student, stats.exercise, feedback_dir)}</td><td class=\"bad\">"
                     f"{esc(kind)}</td><td><code>{esc(_first_line(message))}</code></td></tr>")
        p.append("</table>")
    else:
        p.append("<p>None: every submission was graded to the end.</p>")
    p.append("<h2>Every student</h2><table><tr><th>student</th><th class=\"num\">score</th>"
             "<th class=\"num\">submissions</th></tr>")
    for s in sorted(stats.standings, key=lambda s: s.student):
        p.append(f"<tr><td>{_student_link(s.student, stats.exercise, feedback_dir)}</td>"
                 f"<td class=\"num\">{esc(cell(s))}</td><td class=\"num\">{s.submissions}</td></tr>")
    p.append("</table>")
    return page(f"{stats.title}: class report", "\n".join(p))


def _student_link(student: str, exercise: str, feedback_dir: str | None) -> str:
    if feedback_dir is None:
        return esc(student)
    href = f"{feedback_dir}/{safe_name(student)}/{exercise}.html"
    return f"<a href=\"{esc(href)}\">{esc(student)}</a>"


def course_page(book: Gradebook, course: Course, all_stats: list[ExerciseStats]) -> str:
    summary = class_summary(book, course)
    totals = [r.total for r in summary.rows if r.standings]
    p = [f"<h1>{esc(course.title)}</h1>", f"<p class=\"muted\">Class report &middot; {len(summary.rows)} "
         f"students &middot; course version {esc(course.version)}</p>",
         f"<div class=\"box\"><div class=\"score\">Totals: {esc(_spread(totals, 'students'))} (out of "
         f"{summary.max_total:g})</div></div>"]
    if totals:
        png = plots.png_bytes(plots.histogram_figure(totals, summary.max_total, "course totals"))
        p.append(f"<figure><img src=\"{plots.data_uri(png)}\" alt=\"histogram of totals\"><figcaption>How many "
                 "students got each course total (sum of final scores).</figcaption></figure>")
    p.append("<h2>Exercises</h2><table><tr><th>exercise</th><th class=\"num\">submitted</th><th class=\"num\">"
             "mean</th><th class=\"num\">median</th><th class=\"num\">late</th><th class=\"num\">"
             "errors, timeouts, import failures"
             "</th><th>most often lost</th></tr>")
    for st in all_stats:
        f = st.finals
        top = ", ".join(f"<code>{esc(t)}</code> ({c})" for t, c in st.lost_by_target.most_common(3))
        p.append(f"<tr><td><a href=\"{esc(st.exercise)}.html\">{esc(st.exercise)}</a> {esc(st.title)}</td>"
                 f"<td class=\"num\">{len(f)}</td><td class=\"num\">"
                 f"{(statistics.fmean(f) if f else 0):.1f} / {st.max_points:g}</td><td class=\"num\">"
                 f"{(statistics.median(f) if f else 0):g}</td><td class=\"num\">{len(st.late)}</td>"
                 f"<td class=\"num\">{len(st.problems)}</td><td>{top}</td></tr>")
    p.append("</table><h2>Students</h2><table><tr><th>student</th><th>name</th>"
             + "".join(f"<th class=\"num\">{esc(e)}</th>" for e in summary.exercises)
             + "<th class=\"num\">total</th></tr>")
    for r in summary.rows:
        p.append(f"<tr><td>{esc(r.student)}</td><td>{esc(r.name)}</td>"
                 + "".join(f"<td class=\"num\">{esc(cell(r.standings.get(e)))}</td>" for e in summary.exercises)
                 + f"<td class=\"num\">{r.total:g}</td></tr>")
    p.append("</table><p class=\"muted\">A score in parentheses is the graded score before the late penalty or a "
             "manual adjustment (*).</p>")
    return page(f"{course.title}: class report", "\n".join(p))


def write_class_report(book: Gradebook, course: Course, out: Path, feedback_dir: str | None = None) -> list[Path]:
    """OUT/index.html (the course) and OUT/EXERCISE.html per exercise with submissions."""
    out.mkdir(parents=True, exist_ok=True)
    summary = class_summary(book, course)
    all_stats = [exercise_stats(book, course, e) for e in summary.exercises]
    written = []
    for st in all_stats:
        path = out / f"{safe_name(st.exercise)}.html"
        path.write_text(exercise_page(st, course, feedback_dir), encoding="utf-8")
        written.append(path)
    index = out / "index.html"
    index.write_text(course_page(book, course, all_stats), encoding="utf-8")
    return [index, *written]
