"""CI commands: validate (the course proves itself)."""
from __future__ import annotations

import click

from nncourse.cli import main
from nncourse.cli.options import isolation_for_hidden_grading, jobs_option, load, weak_isolation_option


@main.command()
@click.argument("exercise", required=False)
@jobs_option
@click.option("--seeds", type=click.IntRange(min=1), default=3, show_default=True,
              help="Extra seeds on which the reference must keep full marks (thresholds hold).")
@weak_isolation_option
@click.pass_context
def validate(ctx, exercise, jobs, seeds, allow_weak_isolation):
    """Prove the course: references full marks, stubs zero, mutants caught.

    Also: the public checks pass on the reference and fail on the stub, every
    API name has a hidden test, the points match course.yaml, the reference
    keeps full marks across seeds, no-math modules (zeros, ones, identity,
    random, NaN) score 0, a control right on half the API earns exactly that
    half, and each mutant's lost points fall on its targets (course.yaml
    validate:). Exit status 1 on any breach.
    """
    import os

    from nncourse.validate import render_table, validate_course
    course = load(ctx, check_files=not exercise, instructor=True)
    sandbox = isolation_for_hidden_grading(course, allow_weak_isolation)
    exercises = [course.exercise(exercise)] if exercise else course.exercises
    records = validate_course(course, exercises, jobs=jobs or os.cpu_count() or 1, seeds=seeds,
                              progress=lambda msg: click.echo(msg, err=True))
    click.echo(render_table(records))
    if not sandbox.strong:
        click.echo(f"{sandbox.label}: graded in the weak sandbox, without namespaces (see `nncourse doctor`).")
    ctx.exit(0 if all(r.ok for r in records) else 1)
