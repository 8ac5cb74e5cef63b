"""The student release of a course: what students may have, and nothing else.

Why: one course folder holds two products. Instructors work in it with
everything (solutions, hidden grader, mutants, thresholds); students get only
the stubs, READMEs, hints and public checks, with a manifest that names no
solution or grader path. The wheel bundles the release of the repository's
course (setup.py calls build_release), and `nncourse release --dir DIR` builds
it for any course. Files are chosen by an allow-list, never by exclusion.
"""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import yaml

from nncourse.course import MANIFEST, Course, Exercise
from nncourse.errors import CourseError

HINTS = "hints.yaml"
# Keys of an exercise that a student may see; solution, grader and thresholds are not among them.
STUDENT_KEYS = ("id", "slug", "title", "module", "points", "deadline", "late_policy", "limits")


def hints_path(course: Course, ex: Exercise) -> Path:
    """exercises/<id>/hints.yaml: next to the exercise's README (optional)."""
    return course.path(ex.readme).parent / HINTS


def release_files(course: Course, ex: Exercise) -> dict[str, Path]:
    """The files of one exercise that go into the release: name in the release -> source."""
    files = {ex.module: course.path(ex.stub), "README.md": course.path(ex.readme),
             "test_public.py": course.path(ex.public_checks)}
    if hints_path(course, ex).is_file():
        files[HINTS] = hints_path(course, ex)
    return files


def release_manifest(course: Course) -> dict:
    """course.yaml of the release: no solution, grader, thresholds or instructor comments."""
    data = course.model_dump(mode="json", exclude_none=True,
                             include={"title", "version", "late_policy", "limits", "exchange", "record_hints"})
    if not (course.exchange and course.exchange.is_absolute()):
        data.pop("exchange", None)  # a relative path means the instructors' course folder: not the students'

    data["release"] = "student"
    data["exercises"] = []
    for ex in course.exercises:
        entry = ex.model_dump(mode="json", exclude_none=True, include=set(STUDENT_KEYS))
        folder = f"exercises/{ex.id}"
        entry.update(stub=f"{folder}/{ex.module}", readme=f"{folder}/README.md",
                     public_checks=f"{folder}/test_public.py")
        data["exercises"].append(entry)
    return data


def build_release(course: Course, dest: str | Path) -> list[Path]:
    """Write the student release of `course` into `dest` (replacing an earlier release there).

    Returns the files written, relative to dest. Refuses a dest that holds
    anything but an earlier release, and a dest inside the course's own
    exercises, so nothing of the instructor's is ever overwritten.
    """
    dest = Path(dest).resolve()
    _check_dest(course, dest)
    try:
        return _write_release(course, dest)
    except OSError as exc:
        raise CourseError(f"{dest}: the release could not be written ({exc.strerror or exc}).") from None


def _write_release(course: Course, dest: Path) -> list[Path]:
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".nncourse-release-", dir=dest.parent))
    written = []
    try:
        for ex in course.exercises:
            folder = staging / "exercises" / ex.id
            folder.mkdir(parents=True)
            for name, source in release_files(course, ex).items():
                if not source.is_file():
                    raise CourseError(f"{source}: missing, so the release of {ex.id} cannot be built.")
                shutil.copyfile(source, folder / name)
                written.append(Path("exercises", ex.id, name))
        text = ("# The student release of this course, written by `nncourse release`: no solutions,\n"
                "# no hidden grader. Instructors edit the course folder, not this file.\n"
                + yaml.safe_dump(release_manifest(course), sort_keys=False, allow_unicode=True))
        (staging / MANIFEST).write_text(text, encoding="utf-8")
        written.append(Path(MANIFEST))
        if dest.exists():
            shutil.rmtree(dest)
        staging.rename(dest)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return sorted(written)


def _check_dest(course: Course, dest: Path) -> None:
    if _is_release(dest):
        return
    root = course.root.resolve()
    if dest == root or (root in dest.parents and dest.relative_to(root).parts[0] != "build"):
        raise CourseError(f"{dest}: inside the course folder; a release goes somewhere else.",
                          "Pass --dir to an empty folder outside the course (or under build/).")
    if dest.exists() and any(dest.iterdir()):
        raise CourseError(f"{dest}: not empty and not an earlier release; nothing was written.",
                          "Pass --dir to an empty or new folder.")


def _is_release(folder: Path) -> bool:
    try:
        data = yaml.safe_load((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return False
    return isinstance(data, dict) and data.get("release") == "student"
