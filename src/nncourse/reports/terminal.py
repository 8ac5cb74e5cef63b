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


def render_row(result: Result) -> str:
    """One line per graded submission, for batch tables."""
    c = result.counts()
    bad = c["failed"] + c["error"] + c["timeout"]
    first = clean(result.message).split("\n")[0]  # escaped first: a \r or \x85 cannot split or rewrite the row
    note = f"  {first[:90]}" if result.message else ""
    return (f"{result.score:6g}/{result.max_score:<4g} {result.status.value:<8} "
            f"{bad:3d} lost  {one_line(result.submission)}{note}")
