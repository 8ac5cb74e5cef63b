"""Instructor commands: grade."""
from __future__ import annotations

import os
from pathlib import Path

import click

from nncourse.cli import main
from nncourse.cli.options import (isolation_for_hidden_grading, jobs_option, json_option, load_exercise,
                                  weak_isolation_option)


@main.command()
@click.argument("exercise")
@click.argument("submissions", nargs=-1, required=True, metavar="SUBMISSION...")
@json_option
@click.option("--out", "out_dir", type=click.Path(file_okay=False), metavar="DIR",
              help="Write one Result JSON per submission into DIR; a rerun skips what DIR already holds "
                   "for the same submission and grader version.")
@jobs_option
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the randomised tests.")
@click.option("--verbose", "-v", is_flag=True, help="Print each submission's full report, not one line.")
@weak_isolation_option
@click.pass_context
def grade(ctx, exercise, submissions, as_json, out_dir, jobs, seed, verbose, allow_weak_isolation):
    """Grade SUBMISSION... of EXERCISE with the hidden grader.

    A SUBMISSION is the module file, a folder holding it (at its top or one
    level down) or a zip of either. With --json, one Result per line in the
    order given. Exit status: 0 when every submission was graded (whatever its
    score), 1 when some could not be graded, 2 for a usage error.
    """
    from nncourse.grading.batch import grade_many
    from nncourse.reports.sanitize import one_line
    from nncourse.reports.terminal import render, render_row
    course, ex = load_exercise(ctx, exercise, keys=("solution", "grader"))
    sandbox = isolation_for_hidden_grading(course, allow_weak_isolation)
    jobs = jobs or os.cpu_count() or 1

    def progress(done, total, result, reused):
        if total > 1:
            tag = " (already graded)" if reused else ""
            click.echo(f"[{done}/{total}] {one_line(result.submission)}: {result.score:g}/{result.max_score:g}{tag}",
                       err=True)

    failures = 0
    for result in grade_many(str(course.root), ex.id, list(submissions), jobs=jobs, seed=seed,
                             out_dir=Path(out_dir) if out_dir else None, progress=progress):
        failures += result.status.value == "error"
        if as_json:
            click.echo(result.to_json())
        elif verbose or len(submissions) == 1:
            click.echo(f"== {one_line(result.submission)}\n{render(result)}\n")
        else:
            click.echo(render_row(result))
    if not sandbox.strong and not as_json:
        click.echo(f"{sandbox.label}: graded in the weak sandbox, without namespaces (see `nncourse doctor`).")
    ctx.exit(1 if failures else 0)
