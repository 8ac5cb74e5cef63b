"""`nncourse demo [DIR]`: grade a generated sample class end to end and write every output."""
from __future__ import annotations

from pathlib import Path

import click

from nncourse.cli import main
from nncourse.cli.options import load


@main.command()
@click.argument("folder", default="nncourse-demo", type=click.Path(file_okay=False), metavar="[DIR]")
@click.option("--students", type=click.IntRange(8, 500), default=40, show_default=True)
@click.option("--exercise", "exercises", multiple=True, metavar="EX",
              help="Exercises to hand in (repeatable; default: exercise2 and exercise3).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=2, show_default=True,
              help="Parallel grading processes.")
@click.option("--no-plots", is_flag=True, help="Feedback pages without plots (faster).")
@click.pass_context
def demo(ctx, folder, students, exercises, jobs, no_plots):
    """Grade a generated class of STUDENTS in DIR (default ./nncourse-demo) and write every output.

    About 40 students hand in correct solutions in several styles, buggy ones
    (the course's mutants), broken files and late work (one with an
    extension, one resubmission). Then: grade, gradebook, late policy, the
    class summary, CSV, Gradescope results, feedback pages, class report.
    A rerun reuses the graded Results kept in DIR/results.
    """
    from nncourse.demo import run_demo
    course = load(ctx)
    chosen = [course.exercise(e) for e in (exercises or ("exercise2", "exercise3"))]
    outcome = run_demo(course, Path(folder), exercises=chosen, students=students, jobs=jobs,
                       plots=not no_plots, say=click.echo)
    click.echo(f"\n{outcome.summary_text}\n\nWritten:")
    for what, where in outcome.files.items():
        click.echo(f"  {what:<15} {where}")
    click.echo(f"Done in {outcome.timings['total']:.0f} s (feedback pages {outcome.timings['feedback']:.0f} s).")
