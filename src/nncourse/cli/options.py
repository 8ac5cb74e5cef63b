"""Options and helpers shared by several commands."""
from __future__ import annotations

from typing import TYPE_CHECKING

import click

from nncourse.errors import CourseError

if TYPE_CHECKING:  # the model (pydantic) is imported when a command loads the course: `check` starts its worker first
    from nncourse.course import Course, Exercise

dir_option = click.option("--dir", "directory", type=click.Path(file_okay=False), metavar="DIR",
                          help="The exercise's folder in your workspace (default: ./EXERCISE).")
json_option = click.option("--json", "as_json", is_flag=True,
                           help="Print the Result as JSON (one object per line) instead of a report.")
jobs_option = click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, metavar="N",
                           help="Parallel grading processes (default: the number of cores).")
weak_isolation_option = click.option(
    "--allow-weak-isolation", is_flag=True,
    help="Grade even where student code cannot be strongly isolated (no bubblewrap or user namespaces); "
         "every Result then says WEAK ISOLATION. Also `allow_weak_isolation: true` in course.yaml.")


def isolation_for_hidden_grading(course: Course, allow_weak: bool):
    """The sandbox hidden grading will use; refuses the weak mode unless allowed, and says so loudly."""
    from nncourse.sandbox.isolation import require_strong
    active = require_strong(allow_weak or course.allow_weak_isolation)
    if not active.strong:
        click.echo(active.reason, err=True)
    return active


def load(ctx: click.Context, *, check_files: bool = False, instructor: bool = False) -> Course:
    """The course of this invocation (--course, $NNCOURSE_COURSE, or found).

    instructor=True refuses a student release (it has no solutions or grader) in one sentence.
    """
    from nncourse.course import find_course_root, load_course
    root = find_course_root(ctx.find_root().obj.get("course_dir"))
    course = load_course(root, check_files=check_files)
    if instructor and course.is_release:
        raise CourseError(f"{course.root / 'course.yaml'}: this is the student release of the course: it has "
                          f"no solutions and no hidden grader, so `{ctx.info_name}` cannot run on it.",
                          "Instructors run it in the course folder (the one with solutions/ and grader/), "
                          "or pass --course DIR.")
    return course


def load_exercise(ctx: click.Context, exercise: str, keys=("stub", "readme", "public_checks")) -> tuple[Course, Exercise]:
    """The course and one of its exercises, whose files named by `keys` must exist."""
    from nncourse.course import require_files
    course = load(ctx)
    ex = course.exercise(exercise)
    require_files(course, ex, keys=keys)
    return course, ex
