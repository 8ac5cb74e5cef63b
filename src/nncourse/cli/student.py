"""Student commands: list, fetch, check."""
from __future__ import annotations

from pathlib import Path

import click

from nncourse.cli import main
from nncourse.cli.options import dir_option, json_option, load, load_exercise


@main.command("list")
@click.option("--workspace", type=click.Path(file_okay=False), default=".", show_default=True,
              help="The folder that holds your exercise folders.")
@click.pass_context
def list_exercises(ctx, workspace):
    """List the exercises, their points, and the state of your workspace."""
    from nncourse.workspace import last_check
    course = load(ctx, check_files=False)
    root = Path(workspace)
    click.echo(f"{course.title} ({course.version})")
    for ex in course.exercises:
        have = (root / ex.id / ex.module).is_file()
        state = "not fetched"
        if have:
            last = last_check(ex, root)
            state = "fetched, not checked" if last is None else \
                f"last check: {last.counts()['passed']}/{len(last.tests)} passed"
        due = f"  due {ex.deadline:%Y-%m-%d %H:%M %Z}" if ex.deadline else ""
        click.echo(f"  {ex.id:<10} {ex.points:>4g} pts  {ex.title}{due}  [{state}]")


@main.command()
@click.argument("exercise")
@dir_option
@click.pass_context
def fetch(ctx, exercise, directory):
    """Put EXERCISE's stub, README and public checks into your workspace.

    Never overwrites a file you already have: it says so and keeps yours.
    """
    from nncourse.workspace import exercise_dir, fetch as do_fetch
    course, ex = load_exercise(ctx, exercise)
    report = do_fetch(course, ex, directory)
    for path in report.written:
        click.echo(f"wrote {path}")
    for path in report.kept:
        click.echo(f"kept your {path} (not overwritten)")
    folder = exercise_dir(ex, directory)
    click.echo(f"Next: read {folder / 'README.md'}, edit {folder / ex.module}, then run "
               f"`nncourse check {ex.id}`" + (f" --dir {directory}" if directory else "") + ".")


@main.command()
@click.argument("exercise")
@dir_option
@json_option
@click.option("--verbose", "-v", is_flag=True, help="List the passing checks too.")
@click.pass_context
def check(ctx, exercise, directory, as_json, verbose):
    """Run EXERCISE's public checks on your module and say what is wrong.

    Your code runs in a separate process with a time limit. Exit status 0 when
    every check passes, 1 otherwise, 2 for a usage error.
    """
    from nncourse.grading.engine import grade
    from nncourse.reports.terminal import render
    from nncourse.submission import resolve_submission
    from nncourse.workspace import find_module, save_last_check
    course, ex = load_exercise(ctx, exercise, keys=("public_checks",))
    module = find_module(ex, directory)
    with resolve_submission(module, ex.module) as sub:
        result = grade(course, ex, sub, suite="public")
    save_last_check(module, result)
    if as_json:
        click.echo(result.to_json())
    else:
        click.echo(f"{ex.id} · {ex.title}: public checks on {module}\n")
        click.echo(render(result, verbose=verbose, show_points=False))
    ctx.exit(0 if result.counts()["passed"] == len(result.tests) and result.tests else 1)
