"""Instructor commands: grade."""
from __future__ import annotations

import os
import sys
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
              help="Keep every Result in DIR/EXERCISE/STUDENT/ the moment it is done; a rerun grades only "
                   "what DIR does not hold yet for the same student, submission and grader version.")
@click.option("--students", "mapping", type=click.Path(dir_okay=False, exists=True), metavar="CSV",
              help="Who handed in what: a CSV with columns path,student[,submitted_at]. "
                   "Default: the submission's folder or zip name.")
@jobs_option
@click.option("--scheduler", metavar="ADDRESS",
              help="Grade on a Dask cluster: tcp://HOST:PORT of its scheduler, or 'local' to start one here "
                   "(needs the 'dask' extra).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the randomised tests.")
@click.option("--verbose", "-v", is_flag=True, help="Print each submission's full report, not one line.")
@weak_isolation_option
@click.pass_context
def grade(ctx, exercise, submissions, as_json, out_dir, mapping, jobs, scheduler, seed, verbose, allow_weak_isolation):
    """Grade SUBMISSION... of EXERCISE with the hidden grader.

    A SUBMISSION is the module file, a folder holding it (at its top or one
    level down) or a zip of either; the folder or zip names the student. With
    --json, one Result per line in the order given. Ctrl-C stops; what was
    graded is kept in --out. Exit status: 0 when every submission was graded
    (whatever its score), 1 when some could not be graded, 2 for a usage
    error, 130 when interrupted.
    """
    from nncourse.sandbox import isolation
    isolation.start_detection()  # bubblewrap's trial run goes on while the grader's modules import
    from nncourse.grading import engine  # noqa: F401 - grade_many's; imported here, during the trial
    from nncourse.grading.batch import grade_many
    from nncourse.grading.identity import read_mapping
    from nncourse.cli.progress import Counting, for_stderr
    from nncourse.reports.terminal import render, render_summary, render_table, shown
    course, ex = load_exercise(ctx, exercise, keys=("solution", "grader"))
    sandbox = isolation_for_hidden_grading(course, allow_weak_isolation)
    jobs = jobs or os.cpu_count() or 1
    students = read_mapping(mapping) if mapping else None
    single = len(submissions) == 1
    progress = Counting() if single or as_json and not sys.stderr.isatty() else for_stderr()
    results = []
    try:
        for result in grade_many(str(course.root), ex.id, list(submissions), jobs=jobs, seed=seed,
                                 out_dir=Path(out_dir) if out_dir else None, progress=progress,
                                 students=students, scheduler=scheduler):
            results.append(result)
            if as_json:
                click.echo(result.to_json())
            elif verbose or single:
                click.echo(f"== {shown(result.submission)}\n{render(result)}\n")
    except KeyboardInterrupt:
        progress.close()
        kept = f"; they are in {out_dir}" if out_dir else " (use --out DIR to keep them)"
        click.echo(f"\nInterrupted: {progress.graded} of {progress.total} submissions graded{kept}.", err=True)
        if out_dir:
            click.echo("Run the same command again: it grades only what is missing.", err=True)
        ctx.exit(130)
    progress.close()
    if not as_json and not single:
        click.echo(render_table(results) if not verbose else render_summary(results))
    if progress.reused:
        click.echo(f"{progress.reused} already graded in {out_dir} (reused), {progress.graded} graded now.",
                   err=True)
    failures = sum(r.status.value == "error" for r in results)
    if not sandbox.strong and not as_json:
        click.echo(f"{sandbox.label}: graded in the weak sandbox, without namespaces (see `nncourse doctor`).")
    ctx.exit(1 if failures else 0)
