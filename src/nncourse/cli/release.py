"""Instructor command: release (the student release of a course)."""
from __future__ import annotations

import click

from nncourse.cli import main
from nncourse.cli.options import load


@main.command()
@click.option("--dir", "directory", type=click.Path(file_okay=False), required=True, metavar="DIR",
              help="Where to write the release (new or empty, or an earlier release, which is replaced).")
@click.pass_context
def release(ctx, directory):
    """Build the student release of the course into DIR.

    The release holds each exercise's stub, README, hints and public checks and
    a course.yaml without solution or grader paths: what students may have.
    Point students at it with `--course DIR` or NNCOURSE_COURSE; the installed
    package already bundles the release of its own course.
    """
    from nncourse.release import build_release
    course = load(ctx, check_files=True, instructor=True)
    written = build_release(course, directory)
    click.echo(f"wrote the student release of {course.title!r} ({len(written)} files) to {directory}")
