"""One student's feedback on one exercise: an HTML page and the same in Markdown.

Why: a student opens one file and sees the final score next to the graded
score and any late penalty or adjustment, which functions lost points and why
(the test messages and likely causes), and the plots. The instructor-only
detail of a Result never appears. Everything a submission could have chosen
(names, messages, exception text) is escaped.
"""
from __future__ import annotations

from dataclasses import dataclass

from nncourse.course import Course, Exercise
from nncourse.feedback.figures import Figures
from nncourse.feedback.html import esc, md_code, md_text, page
from nncourse.gradebook.store import Standing
from nncourse.result import Result, TestStatus


@dataclass
class Scores:
    """The numbers a page shows: graded, late penalty, adjustments, final."""

    final: float
    raw: float
    late_penalty: float
    days_late: int
    max_score: float
    adjustments: list[tuple[str, str, str]]  # (change, who, why)

    @classmethod
    def of(cls, result: Result, ex: Exercise, standing: Standing | None = None) -> "Scores":
        if standing is not None:
            adjustments = [(f"set to {a.new_score:g}" if a.new_score is not None else f"{a.delta:+g}", a.who, a.why)
                           for a in standing.adjustments]
            return cls(standing.final_score, standing.raw_score, standing.late_penalty, standing.days_late,
                       ex.points, adjustments)
        raw = result.raw_score if result.raw_score is not None else result.score
        return cls(result.score, raw, result.late_penalty or 0.0, 0, ex.points, [])


def _score_lines(s: Scores) -> list[str]:
    lines = [f"Graded score: {s.raw:g} / {s.max_score:g}"]
    if s.late_penalty or s.days_late:
        lines.append(f"Late: {s.days_late} day(s) after the deadline, penalty {s.late_penalty:g} "
                     + ("point" if s.late_penalty == 1 else "points"))
    lines += [f"Adjusted {change} by {who}: {why}" for change, who, why in s.adjustments]
    return lines


def _targets(result: Result) -> list[tuple[str, float, float, list]]:
    return [(target, sum(t.points for t in tests), sum(t.max_points for t in tests), tests)
            for target, tests in result.by_target().items()]


def feedback_html(course: Course, ex: Exercise, result: Result, figures: Figures, scores: Scores) -> str:
    student = result.student or "(unnamed)"
    parts = [f"<h1>{esc(ex.title)}</h1>",
             f"<p class=\"muted\">{esc(course.title)} &middot; {esc(ex.id)} &middot; student "
             f"<strong id=\"student\">{esc(student)}</strong>"
             + (f" &middot; submitted {result.submitted_at:%Y-%m-%d %H:%M} UTC" if result.submitted_at else "")
             + "</p>",
             "<div class=\"box\"><div class=\"score\" id=\"score\">Score: "
             f"{scores.final:g} / {scores.max_score:g}</div>"
             + "".join(f"<div>{esc(line)}</div>" for line in _score_lines(scores)) + "</div>"]
    if result.message:
        parts.append(f"<pre class=\"bad\">{esc(result.message)}</pre>")
    parts.append("<h2>By function</h2><table><tr><th>function</th><th class=\"num\">points</th>"
                 "<th>tests passed</th></tr>")
    for target, got, top, tests in _targets(result):
        ok = sum(t.status == TestStatus.passed for t in tests)
        cls = "ok" if ok == len(tests) else "bad"
        parts.append(f"<tr><td><code>{esc(target)}</code></td><td class=\"num {cls}\">{got:g} / {top:g}</td>"
                     f"<td>{ok} of {len(tests)}</td></tr>")
    parts.append("</table>")
    if figures.plots or figures.notes:
        parts.append("<h2>Pictures</h2>")
        for p in figures.plots:
            parts.append(f"<figure><img src=\"{p.uri}\" alt=\"{esc(p.title)}\"><figcaption><strong>"
                         f"{esc(p.title)}.</strong> {esc(p.caption)}</figcaption></figure>")
        parts += [f"<p class=\"muted\">{esc(n)}</p>" for n in figures.notes]
    failed = [t for t in result.tests if t.status != TestStatus.passed]
    if failed:
        parts.append("<h2>What lost points</h2>")
        for t in failed:
            why = f"<div class=\"warn\">Likely cause: {esc(t.diagnosis)}</div>" if t.diagnosis else ""
            parts.append(f"<h3><code>{esc(t.target)}</code> &middot; {esc(t.name)} "
                         f"<span class=\"muted\">({t.points:g} / {t.max_points:g}, {esc(t.status.value)})</span>"
                         f"</h3><pre>{esc(t.message or t.status.value)}</pre>{why}")
    parts.append(f"<p class=\"muted\">Graded by nncourse, grader {esc(result.grader_version)}; submission "
                 f"sha256 {esc(result.submission_sha256[:16])}&hellip;</p>")
    return page(f"{ex.title}: feedback for {student}", "\n".join(parts))


def feedback_markdown(course: Course, ex: Exercise, result: Result, figures: Figures, scores: Scores) -> str:
    student = result.student or "(unnamed)"
    lines = [f"# {md_text(ex.title)}", "",
             f"{md_text(course.title)}, {md_text(ex.id)}, student **{md_text(student)}**", "",
             f"**Score: {scores.final:g} / {scores.max_score:g}**", ""]
    lines += [f"- {md_text(line)}" for line in _score_lines(scores)] + [""]
    if result.message:
        lines += [md_code(result.message), ""]
    lines += ["## By function", "", "| function | points | tests passed |", "| --- | ---: | --- |"]
    for target, got, top, tests in _targets(result):
        ok = sum(t.status == TestStatus.passed for t in tests)
        lines.append(f"| {md_text(target)} | {got:g} / {top:g} | {ok} of {len(tests)} |")
    failed = [t for t in result.tests if t.status != TestStatus.passed]
    if failed:
        lines += ["", "## What lost points"]
        for t in failed:
            lines += ["", f"### {md_text(t.target)}: {md_text(t.name)} ({t.points:g} / {t.max_points:g})", "",
                      md_code(t.message or t.status.value)]
            if t.diagnosis:
                lines += ["", f"Likely cause: {md_text(t.diagnosis)}"]
    if figures.plots or figures.notes:
        lines += ["", "## Pictures"]
        for p in figures.plots:
            lines += ["", f"![{md_text(p.title)}]({p.uri})", "", f"*{md_text(p.title)}.* {md_text(p.caption)}"]
        lines += [f"\n{md_text(n)}" for n in figures.notes]
    return "\n".join(lines) + "\n"
