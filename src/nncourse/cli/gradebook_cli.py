"""`nncourse gradebook`: the class summary, one student's record, roster, import, extensions, adjustments."""
from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import click

from nncourse.cli import main
from nncourse.cli.options import load
from nncourse.errors import GradebookError, UsageError

gradebook_option = click.option(
    "--gradebook", "gradebook_path", type=click.Path(dir_okay=False), envvar="NNCOURSE_GRADEBOOK", metavar="FILE",
    help="The gradebook file (default: $NNCOURSE_GRADEBOOK, else gradebook.db in the course folder).")


def open_book(ctx: click.Context, *, create: bool = False):
    """The course and its gradebook (from the group's --gradebook); only writers create a new file."""
    from nncourse.gradebook import Gradebook, default_path
    course = load(ctx)
    path = Path((ctx.find_object(dict) or {}).get("gradebook_path") or default_path(course))
    if not create and not path.exists():
        raise GradebookError(f"no gradebook at {path} yet.",
                             "`nncourse gradebook import RESULTS` creates it; or pass --gradebook FILE.")
    return course, Gradebook(path, course)


class StudentOrCommand(click.Group):
    """`gradebook` alone is the summary; `gradebook ID` (not a subcommand) is one student's record."""

    def parse_args(self, ctx, args):
        words = [a for i, a in enumerate(args) if not a.startswith("-")
                 and not (i and args[i - 1] == "--gradebook")]
        if "--help" not in args and "-h" not in args:
            if not words:
                args = [*args, "summary"]
            elif words[0] not in self.commands:
                at = args.index(words[0])
                args = [*args[:at], "show", *args[at:]]
        return super().parse_args(ctx, args)


@main.group(cls=StudentOrCommand, name="gradebook")
@gradebook_option
@click.pass_context
def gradebook_group(ctx, gradebook_path):
    """The class gradebook: `nncourse gradebook` prints the class, `nncourse gradebook ID` one student.

    \b
    nncourse gradebook import results/         Results of `grade --out DIR` or `--json` lines
    nncourse gradebook import-roster roster.csv
    nncourse gradebook extend alice exercise2 --days 2
    nncourse gradebook adjust alice exercise2 --score 150 --why "regrade"
    """
    ctx.obj = {**(ctx.obj or {}), "gradebook_path": gradebook_path}


@gradebook_group.command(hidden=True)
@click.pass_context
def summary(ctx):
    """The class summary table."""
    from nncourse.gradebook.render import summary_table
    from nncourse.gradebook.summary import class_summary
    course, book = open_book(ctx)
    with book:
        s = class_summary(book, course)
        if not s.rows:
            click.echo(f"The gradebook {book.path} is empty. Add Results with `nncourse gradebook import DIR`.")
            return
        click.echo(summary_table(s))


@gradebook_group.command(hidden=True)
@click.argument("student")
@click.pass_context
def show(ctx, student):
    """One student's record."""
    from nncourse.gradebook.render import student_record
    course, book = open_book(ctx)
    with book:
        text = student_record(book, student, {ex.id: ex.points for ex in course.exercises})
    if not text:
        raise UsageError(f"no student {student!r} in the gradebook.", "`nncourse gradebook` lists them.")
    click.echo(text)


@gradebook_group.command("import-roster")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False), metavar="CSV")
@click.pass_context
def import_roster(ctx, csv_file):
    """Add or update students from CSV (columns id, name or first/last name, email)."""
    from nncourse.gradebook.roster import read_roster
    students = read_roster(csv_file)
    _, book = open_book(ctx, create=True)
    with book:
        book.add_students(students)
        click.echo(f"{len(students)} students in {csv_file} added or updated in {book.path}.")


@gradebook_group.command("import")
@click.argument("sources", nargs=-1, required=True, type=click.Path(exists=True), metavar="RESULTS...")
@click.option("--student", "student_id", metavar="ID", help="The student of every Result imported (default: "
              "the Result's, else the folder holding the submission, else its file name).")
@click.pass_context
def import_results(ctx, sources, student_id):
    """Record Result JSON files (`grade --out DIR`) or JSON lines (`grade --json`); skips what is already in."""
    from nncourse.gradebook.ingest import module_bytes, read_results, student_of, submitted_at_of
    from nncourse.gradebook.store import already_recorded, utc
    course, book = open_book(ctx, create=True)
    added = skipped = 0
    with book:
        for source in sources:
            for found in read_results(source):
                r = found.result
                module = next((ex.module for ex in course.exercises if ex.id == r.exercise), None)
                who = student_id or student_of(r, module)
                if not who:
                    raise UsageError(f"{found.where}: the Result names no student.", "Pass --student ID.")
                when = utc(submitted_at_of(r))
                if already_recorded(book, who, r, when):
                    skipped += 1
                    continue
                book.record(r, student=who, submitted_at=when, submission_path=r.submission,
                            submission_bytes=module_bytes(r.submission, module))
                added += 1
    click.echo(f"{added} Results recorded in {book.path}" + (f", {skipped} already there" if skipped else "") + ".")


@gradebook_group.command()
@click.argument("student")
@click.argument("exercise")
@click.option("--days", type=float, default=0.0, help="Days added to the deadline.")
@click.option("--hours", type=float, default=0.0, help="Hours added to the deadline.")
@click.pass_context
def extend(ctx, student, exercise, days, hours):
    """Give STUDENT more time on EXERCISE (replaces an earlier extension) and rescore their submissions."""
    course, book = open_book(ctx, create=True)
    ex = course.exercise(exercise)
    extension = timedelta(days=days, hours=hours)
    if extension < timedelta(0):
        raise UsageError("an extension cannot be negative.")
    with book:
        n = book.extend(student, ex.id, extension)
    due = f", new deadline {(ex.deadline + extension):%Y-%m-%d %H:%M %Z}" if ex.deadline else ""
    click.echo(f"{student} has {extension.total_seconds() / 86400:g} extra day(s) on {ex.id}{due}; "
               f"{n} submission(s) rescored.")


@gradebook_group.command()
@click.argument("student")
@click.argument("exercise")
@click.option("--score", "new_score", type=float, help="The new score.")
@click.option("--delta", type=float, help="Points to add (negative to take off).")
@click.option("--why", required=True, help="The reason, kept with the change.")
@click.option("--who", default=lambda: os.environ.get("USER", "instructor"), show_default="$USER",
              help="Who made the change.")
@click.pass_context
def adjust(ctx, student, exercise, new_score, delta, why, who):
    """Change STUDENT's score on EXERCISE by hand; the graded score is kept."""
    if (new_score is None) == (delta is None):
        raise UsageError("give exactly one of --score and --delta.")
    course, book = open_book(ctx)
    ex = course.exercise(exercise)
    with book:
        book.adjust(student, ex.id, new_score=new_score, delta=delta, why=why, who=who)
        [s] = book.latest(student, ex.id)
    click.echo(f"{student} {ex.id}: {s.final_score:g} / {ex.points:g} (graded {s.raw_score:g}, "
               f"after late policy {s.late_score:g}).")


@gradebook_group.command()
@click.pass_context
def rescore(ctx):
    """Re-apply course.yaml's deadlines and late policy to every recorded Result (after editing them)."""
    _, book = open_book(ctx)
    with book:
        n = book.reapply_late_policy()
    click.echo(f"{n} Results rescored.")
