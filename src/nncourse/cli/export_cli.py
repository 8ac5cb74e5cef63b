"""`nncourse export FORMAT`: the gradebook as CSV, nbgrader CSV, JSON, JUnit XML or Gradescope results."""
from __future__ import annotations

from pathlib import Path

import click

from nncourse.cli import main
from nncourse.cli.gradebook_cli import gradebook_option, open_book

FORMATS = ("csv", "nbgrader-csv", "json", "junit", "gradescope")


@main.command("export")
@click.argument("fmt", type=click.Choice(FORMATS), metavar="FORMAT")
@click.option("--out", type=click.Path(), metavar="PATH",
              help="The file to write (default: print it); for gradescope, a folder (default: gradescope/).")
@gradebook_option
@click.option("--visibility", type=click.Choice(["hidden", "after_due_date", "after_published", "visible"]),
              default="after_published", show_default=True, help="gradescope: visibility of the graded tests.")
@click.pass_context
def export(ctx, fmt, out, gradebook_path, visibility):
    """Export the gradebook: FORMAT is csv, nbgrader-csv, json, junit or gradescope.

    \b
    csv           one row per student, per exercise its final score, raw score and days late; totals
    nbgrader-csv  the columns of `nbgrader export` (one row per exercise and student)
    json          every standing with its full Result
    junit         JUnit XML, one testsuite per student and exercise (for CI dashboards)
    gradescope    one results.json per student and exercise: OUT/EXERCISE/STUDENT/results.json
    """
    ctx.obj = {**(ctx.obj or {}), "gradebook_path": gradebook_path}
    course, book = open_book(ctx)
    with book:
        if fmt == "gradescope":
            folder = Path(out or "gradescope")
            from nncourse.exports.gradescope_files import write_gradescope
            n = write_gradescope(book, folder, visibility)
            click.echo(f"{n} results.json files written under {folder}/.")
            return
        text = render(book, course, fmt)
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(text, encoding="utf-8")
        click.echo(f"{fmt} written to {out}.")
    else:
        click.echo(text, nl=False)


def render(book, course, fmt: str) -> str:
    from nncourse.exports import csv_export, json_export, junit
    if fmt == "csv":
        return csv_export.class_csv(book, course)
    if fmt == "nbgrader-csv":
        return csv_export.nbgrader_csv(book, course)
    if fmt == "json":
        return json_export.class_json(book, course)
    return junit.junit_xml([(f"{s.student}.{s.exercise}", book.result(s.result_id)) for s in book.latest()])
