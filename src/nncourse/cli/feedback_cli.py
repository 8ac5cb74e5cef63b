"""`nncourse feedback` (pages per student and exercise) and `nncourse report` (the class report)."""
from __future__ import annotations

import os
from pathlib import Path

import click

from nncourse.cli import main
from nncourse.cli.gradebook_cli import gradebook_option, open_book


@main.command()
@click.option("--out", type=click.Path(file_okay=False), default="feedback", show_default=True, metavar="DIR")
@click.option("--exercise", "exercises", multiple=True, metavar="EX", help="Only this exercise (repeatable).")
@click.option("--student", "students", multiple=True, metavar="ID", help="Only this student (repeatable).")
@click.option("--no-plots", is_flag=True, help="Skip the plots (they re-run the submission in the sandbox).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, metavar="N",
              help="Pages made in parallel (default: the number of cores).")
@gradebook_option
@click.pass_context
def feedback(ctx, out, exercises, students, no_plots, jobs, gradebook_path):
    """Write feedback pages from the gradebook: DIR/STUDENT/EXERCISE.html and .md, with plots."""
    from nncourse.feedback.write import write_feedback
    ctx.obj = {**(ctx.obj or {}), "gradebook_path": gradebook_path}
    course, book = open_book(ctx)
    with book:
        written = write_feedback(course, book, Path(out), exercises=list(exercises), students=list(students),
                                 plots=not no_plots, jobs=jobs or os.cpu_count() or 1)
    n_plots = sum(len(w.plot_bytes) for w in written)
    biggest = max((b for w in written for b in w.plot_bytes), default=0)
    click.echo(f"{len(written)} feedback pages (HTML and Markdown) in {out}/ with {n_plots} plots "
               f"(largest {biggest / 1024:.0f} KB).")


@main.command()
@click.option("--out", type=click.Path(file_okay=False), default="report", show_default=True, metavar="DIR")
@click.option("--feedback-dir", metavar="DIR", help="Link students to their feedback pages in DIR.")
@gradebook_option
@click.pass_context
def report(ctx, out, feedback_dir, gradebook_path):
    """Write the class report: DIR/index.html for the course, DIR/EXERCISE.html per exercise."""
    from nncourse.feedback.class_report import write_class_report
    ctx.obj = {**(ctx.obj or {}), "gradebook_path": gradebook_path}
    course, book = open_book(ctx)
    link = os.path.relpath(feedback_dir, out) if feedback_dir else None
    with book:
        pages = write_class_report(book, course, Path(out), link)
    click.echo(f"Class report: {pages[0]} (and {len(pages) - 1} exercise pages).")
