"""Render a Result for a person at a terminal: grouped by target, failures explained.

Why: compute, then render: this module only turns a Result into text.
"""
from __future__ import annotations

from nncourse.reports.sanitize import clean, one_line
from nncourse.result import Result, TestStatus

MARKS = {TestStatus.passed: "PASS", TestStatus.failed: "FAIL", TestStatus.error: "ERROR",
         TestStatus.timeout: "TIMEOUT"}


def _indent(text: str, pad: str = "      ") -> str:
    return "\n".join(pad + line for line in text.splitlines())


def render(result: Result, *, verbose: bool = False, show_points: bool = True) -> str:
    """The whole report; passing tests are listed only with verbose=True."""
    lines = []
    if result.message:
        lines += [clean(result.message), ""]
    for target, tests in result.by_target().items():
        got = sum(t.points for t in tests)
        top = sum(t.max_points for t in tests)
        ok = all(t.status == TestStatus.passed for t in tests)
        pts = f"  {got:g}/{top:g}" if show_points and top else ""
        lines.append(f"{'ok ' if ok else 'NO '} {one_line(target)}{pts}")
        for t in tests:
            if t.status == TestStatus.passed and not verbose:
                continue
            lines.append(f"    {MARKS[t.status]:<7} {one_line(t.name)}")
            if t.message and t.status != TestStatus.passed:
                if result.message and t.message.endswith(result.message):
                    continue  # the module-level message is printed once, above
                lines.append(_indent(clean(t.message)))
    counts = result.counts()
    lines.append("")
    if show_points:
        lines.append(f"score: {result.score:g} / {result.max_score:g}")
    others = [f"{counts[k]} {label}" for k, label in (("timeout", "timed out"), ("error", "grader errors"))
              if counts[k]]
    if others:
        lines.append("(of the failed: " + ", ".join(others) + ")")
    closing = f"{counts['passed']} passed, {len(result.tests) - counts['passed']} failed"
    lines.append(closing)
    return "\n".join(lines)


def shown(text: str) -> str:
    """Student-chosen text (names, messages) on its way to a terminal: every such string passes here,
    one line, control characters escaped (a \r or an escape sequence cannot rewrite a row)."""
    return one_line(text)


def _first_line(text: str, width: int) -> str:
    line = clean(text).split("\n")[0] if text else ""  # escaped first: \r or \x85 cannot split the line
    return line[:width - 1] + "…" if len(line) > width else line


TABLE_HEADER = f"{'score':>13}  {'lost':>6}  {'status':<8}  {'student':<20}  submission"


def render_row(result: Result) -> str:
    """One line per graded submission, for batch tables: points lost, timeouts flagged."""
    lost = result.max_score - result.score
    timeouts = result.counts()["timeout"]
    status = result.status.value + (f" ({timeouts} timed out)" if timeouts and result.status.value != "timeout"
                                    else "")
    note = f"  {shown(_first_line(result.message, 90))}" if result.message else ""
    return (f"{result.score:6g}/{result.max_score:<6g}  {lost:6g}  {status:<8}  "
            f"{shown(result.student or '-'):<20}  {shown(result.submission)}{note}")


def render_table(results: list[Result]) -> str:
    """The batch table: a header, one row per submission, and a summary line."""
    return "\n".join([TABLE_HEADER, *(render_row(r) for r in results), "", render_summary(results)])


def render_summary(results: list[Result]) -> str:
    """graded, errors, timeouts, mean and median score of the graded ones."""
    import statistics
    graded = [r for r in results if r.status.value != "error"]
    errors = len(results) - len(graded)
    timeouts = sum(1 for r in results if r.status.value == "timeout" or r.counts()["timeout"])
    line = f"{len(graded)} graded, {errors} errors, {timeouts} with timeouts"
    if graded:
        scores = [r.score for r in graded]
        top = max(r.max_score for r in graded)
        line += (f"; score mean {statistics.fmean(scores):.4g}, median {statistics.median(scores):.4g}"
                 f" (of {top:g})")
    return line
