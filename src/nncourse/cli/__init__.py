"""The `nncourse` command line: one click group, one error handler.

Exit status: 0 success; 1 the work could not be done (a check failed, a
submission could not be graded); 2 a usage error (unknown exercise, bad
option). Errors are one or two sentences on stderr, never a traceback.
"""
from __future__ import annotations

import sys

import click

from nncourse import __version__
from nncourse.errors import NncourseError


class Group(click.Group):
    """Turns every NncourseError into a plain message and its exit code."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except NncourseError as exc:
            click.echo(f"Error: {exc.message}", err=True)
            if exc.hint:
                click.echo(exc.hint, err=True)
            sys.exit(exc.exit_code)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="nncourse")
@click.option("--course", "course_dir", envvar="NNCOURSE_COURSE", metavar="DIR",
              type=click.Path(file_okay=False), help="The course folder (holds course.yaml). "
              "Default: $NNCOURSE_COURSE, the nearest course.yaml above the current folder, or the bundled course.")
@click.pass_context
def main(ctx, course_dir):
    """Auto-graded exercises for building neural networks in NumPy.

    \b
    Students:     nncourse fetch exercise1 · check · hint · submit · score
    Instructors:  nncourse grade exercise1 SUBMISSIONS... --out results/
                  nncourse exchange grade exercise1 · nncourse release --dir DIR
    CI:           nncourse validate

    \b
    Exit status: 0 success; 1 the work could not be done (checks failed,
    a submission could not be graded, a course check breached); 2 usage error.
    """
    ctx.obj = {"course_dir": course_dir}


# Importing a command module registers its commands (one per line, to keep merges simple).
from nncourse.cli import authoring  # noqa: E402,F401
from nncourse.cli import ci  # noqa: E402,F401
from nncourse.cli import demo_cli  # noqa: E402,F401
from nncourse.cli import doctor  # noqa: E402,F401
from nncourse.cli import exchange  # noqa: E402,F401
from nncourse.cli import export_cli  # noqa: E402,F401
from nncourse.cli import feedback_cli  # noqa: E402,F401
from nncourse.cli import gradebook_cli  # noqa: E402,F401
from nncourse.cli import gradescope_cli  # noqa: E402,F401
from nncourse.cli import instructor  # noqa: E402,F401
from nncourse.cli import release  # noqa: E402,F401
from nncourse.cli import student  # noqa: E402,F401
