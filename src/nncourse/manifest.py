"""Where course.yaml is, and its raw data: YAML alone, no model.

Why: `check` reads the manifest before the course model (pydantic, ~60 ms to import)
is loaded, to start the student's worker early (cli/early.py); course.load_course
validates the same data into the model.
"""
from __future__ import annotations

import os
from pathlib import Path

import yaml

from nncourse.errors import CourseError

MANIFEST = "course.yaml"
BUNDLED = Path(__file__).resolve().parent / "_course"   # the student release inside the package


def find_course_root(explicit: str | os.PathLike | None = None) -> Path:
    """--course, then $NNCOURSE_COURSE, then the nearest course.yaml above the cwd, then the bundled release.

    The bundled course is the student release packaged in the wheel
    (nncourse/_course); a student never gets solutions or the hidden grader.
    """
    if explicit:
        return Path(explicit)
    if os.environ.get("NNCOURSE_COURSE"):
        return Path(os.environ["NNCOURSE_COURSE"])
    here = Path.cwd().resolve()
    for folder in [here, *here.parents]:
        if (folder / MANIFEST).is_file():
            return folder
    if (BUNDLED / MANIFEST).is_file():
        return BUNDLED
    raise CourseError("no course.yaml found in this folder or above it, and this installation has no "
                      "bundled course.",
                      "Run inside the course folder, pass --course DIR or set NNCOURSE_COURSE.")


def manifest_file(path: Path | str) -> Path:
    """The manifest of a course folder, or the file itself."""
    source = Path(path)
    return source / MANIFEST if source.is_dir() else source


def read_manifest(source: Path) -> dict:
    """The manifest's top-level mapping; CourseError with file (and line) when it is missing or not YAML."""
    try:
        data = parse_yaml(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CourseError(f"{source}: no course manifest there.",
                          "Run inside the course folder or pass --course DIR.") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark else ""
        raise CourseError(f"{source}:{line}: not valid YAML ({getattr(exc, 'problem', exc)}).") from None
    if not isinstance(data, dict):
        raise CourseError(f"{source}: the manifest must be a mapping with title, version and exercises.")
    return data


def parse_yaml(text: str):
    """yaml.safe_load's data, parsed by libyaml where PyYAML has it (a tenth of the time: ~13 ms less for
    the course's manifest). A document libyaml refuses is parsed again by safe_load itself, so its verdict
    and its error (message and line) stay safe_load's."""
    loader = getattr(yaml, "CSafeLoader", None)
    if loader is not None:
        try:
            return yaml.load(text, Loader=loader)  # noqa: S506 - CSafeLoader is the safe loader, in C
        except yaml.YAMLError:
            pass
    return yaml.safe_load(text)
