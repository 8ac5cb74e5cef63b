"""Instructor commands on the exchange: init, grade (and publish the feedback)."""
from __future__ import annotations

import os
from pathlib import Path

import click

from nncourse.cli import main
from nncourse.cli.options import jobs_option, load, load_exercise


@main.group("exchange")
def exchange_group():
    """The exchange folder students submit into (instructors)."""


@exchange_group.command("init")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--group", metavar="GROUP", help="The instructors' group: it may read every submission.")
def init(directory, group):
    """Create the exchange DIRECTORY (or repair its modes).

    inbound/ lets students drop submissions but list nothing; feedback/ lets
    each student read only their own results.
    """
    from nncourse.exchange import init_exchange
    root = init_exchange(Path(directory), group)
    click.echo(f"exchange ready at {root}; students set NNCOURSE_EXCHANGE={root.resolve()}")


@exchange_group.command("grade")
@click.argument("exercise")
@click.option("--exchange", "exchange_dir", type=click.Path(file_okay=False), metavar="DIR",
              help="The exchange folder (default: $NNCOURSE_EXCHANGE, else course.yaml's exchange:).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), metavar="DIR",
              help="Also keep one Result JSON per student in DIR (full, for the instructor).")
@jobs_option
@click.pass_context
def grade(ctx, exercise, exchange_dir, out_dir, jobs):
    """Grade every student's latest submission of EXERCISE and publish the feedback.

    The late policy uses the time the exchange stored the submission. Exit
    status 0 when every submission was graded, 1 when some could not be.
    """
    from nncourse import exchange
    from nncourse.grading.batch import grade_many
    from nncourse.imports import explain_missing_module
    from nncourse.late import apply_late_policy
    from nncourse.reports.terminal import render_row
    course, ex = load_exercise(ctx, exercise, keys=("solution", "grader"))
    root = exchange.exchange_root(course, exchange_dir)
    entries, notes = exchange.collect(root, ex)
    for note in notes:
        click.echo(note, err=True)
    latest = exchange.latest_per_student(entries)
    if not latest:
        click.echo(f"no submissions of {ex.id} in {root}.")
        return
    out = Path(out_dir) if out_dir else None
    if out:
        out.mkdir(parents=True, exist_ok=True)
    failures = 0
    results = grade_many(str(course.root), ex.id, [str(e.module) for e in latest], jobs=jobs or os.cpu_count() or 1)
    for entry, result in zip(latest, results):
        result = result.model_copy(update={"student": entry.student, "submission": entry.folder.name,
                                           "message": _notes(entry, explain_missing_module(result.message))})
        if result.status.value != "error":
            result = apply_late_policy(result, course.late_policy_for(ex), ex.deadline, entry.stored_at)
        else:
            failures += 1
        exchange.publish(root, entry, result, course.feedback_for(ex))
        if out:
            (out / f"{ex.id}-{entry.student}.json").write_text(result.to_json(), encoding="utf-8")
        late = f"  (late: -{result.late_penalty:g})" if result.late_penalty else ""
        click.echo(f"{entry.student:<16} {render_row(result)}{late}")
    click.echo(f"graded {len(latest)} student(s) of {ex.id}; feedback published in {root / exchange.FEEDBACK}")
    ctx.exit(1 if failures else 0)


def _notes(entry, message: str) -> str:
    """What the instructor (and the student) should know about this submission, before the grader's message."""
    from nncourse.exchange import identity_note
    notes = [note] if (note := identity_note(entry)) else []
    if not entry.intact:
        notes.append("the module was changed after it was submitted (its sha256 differs); "
                     "the changed file was graded and its time counts")
    hints = entry.meta.get("hints")
    if isinstance(hints, list) and hints:
        used = sorted({f"{h.get('target')} (level {h.get('level')})" for h in hints if isinstance(h, dict)})
        notes.append("hints used: " + ", ".join(used[:30]))
    return "\n".join([*notes, message] if message else notes)
