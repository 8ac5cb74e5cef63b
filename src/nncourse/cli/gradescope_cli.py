"""`nncourse gradescope build EXERCISE`: the autograder zip for a Gradescope programming assignment."""
from __future__ import annotations

from pathlib import Path

import click

from nncourse.cli import main
from nncourse.cli.options import load_exercise


@main.group()
def gradescope():
    """Gradescope: build the autograder zip (results.json per submission: `nncourse export gradescope`)."""


@gradescope.command()
@click.argument("exercise")
@click.option("--out", type=click.Path(dir_okay=False), default="autograder.zip", show_default=True)
@click.option("--visibility", type=click.Choice(["hidden", "after_due_date", "after_published", "visible"]),
              default="after_published", show_default=True,
              help="When students see the graded tests (Gradescope also hides the total until then).")
@click.option("--public-checks/--no-public-checks", default=True, show_default=True,
              help="Also run the public checks, shown at once as 0-point tests.")
@click.pass_context
def build(ctx, exercise, out, visibility, public_checks):
    """Write the autograder zip of EXERCISE: setup.sh, run_autograder, the grader and nncourse itself."""
    from nncourse.exports.gradescope_build import build_autograder
    course, ex = load_exercise(ctx, exercise, keys=("stub", "readme", "public_checks", "solution", "grader"))
    members = build_autograder(course, ex, Path(out), hidden_visibility=visibility, public_checks=public_checks)
    click.echo(f"{out}: {len(members)} files ({Path(out).stat().st_size // 1024} KB). Upload it as the "
               "autograder of a Gradescope programming assignment (Ubuntu base image).")
