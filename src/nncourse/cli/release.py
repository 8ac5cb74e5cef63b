"""Instructor command: release (the student release of a course, or its nbgrader course tree)."""
from __future__ import annotations

import click

from nncourse.cli import main
from nncourse.cli.options import load


@main.command()
@click.option("--dir", "directory", type=click.Path(file_okay=False), metavar="DIR",
              help="Where to write the release (new or empty, or an earlier release, which is replaced).")
@click.option("--nbgrader", "nbgrader_dir", type=click.Path(file_okay=False), metavar="DIR",
              help="Also (or only) write an nbgrader course tree into DIR: nbgrader_config.py and "
                   "source/<exercise>/<exercise>.ipynb for every exercise (see docs/NBGRADER.md).")
@click.pass_context
def release(ctx, directory, nbgrader_dir):
    """Build the student release of the course into DIR.

    The release holds each exercise's stub, README, hints and public checks and
    a course.yaml without solution or grader paths: what students may have.
    Point students at it with `--course DIR` or NNCOURSE_COURSE; the installed
    package already bundles the release of its own course.
    """
    from nncourse.release import build_release
    if not directory and not nbgrader_dir:
        raise click.UsageError("pass --dir DIR (the student release), --nbgrader DIR (an nbgrader tree), or both.")
    course = load(ctx, check_files=True, instructor=True)
    if directory:
        written = build_release(course, directory)
        click.echo(f"wrote the student release of {course.title!r} ({len(written)} files) to {directory}")
    if nbgrader_dir:
        from nncourse.nbgrader_release import build_nbgrader_release
        written = build_nbgrader_release(
            course, nbgrader_dir, progress=lambda ex: click.echo(f"{ex.id}: grading the source notebook...",
                                                                 err=True))
        click.echo(f"wrote the nbgrader tree of {course.title!r} ({len(written)} files) to {nbgrader_dir}; "
                   f"next: cd {nbgrader_dir} && nbgrader generate_assignment <exercise>")
