"""course.yaml -> a validated Course model.

Why: every command reads the course through one typed model, and a broken
manifest gives one sentence naming the file, the key and what is wrong.
"""
from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from nncourse.errors import CourseError, UsageError
from nncourse.manifest import BUNDLED, MANIFEST, find_course_root, manifest_file, read_manifest  # noqa: F401

ID_PATTERN = r"^[a-z][a-z0-9_-]*$"


class LatePolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")
    grace_minutes: float = Field(default=0, ge=0)
    penalty_per_day: float = Field(default=0.0, ge=0, le=1)
    max_late_days: int = Field(default=0, ge=0)


class Limits(BaseModel):
    model_config = ConfigDict(extra="forbid")
    test_timeout: float = Field(default=20, gt=0)
    submission_timeout: float = Field(default=600, gt=0)


class ValidateSettings(BaseModel):
    """Bars `nncourse validate` holds the course to, raised as the grader improves."""

    model_config = ConfigDict(extra="forbid")
    # each mutant's share of its lost points that falls on its own targets
    mutant_on_target_share: float = Field(default=0.0, ge=0, le=1)
    # targets whose tests still call other graded functions of the student's module (so a bug
    # elsewhere changes them): reported, but not held to the no-math and half-control checks
    pending_targets: list[str] = []


class DiagnosesPolicy(BaseModel):
    """What validate asks of the diagnoses: the share of mutants that get their declared one."""
    model_config = ConfigDict(extra="forbid")
    min_share: float = Field(default=0.8, ge=0, le=1, description="over the exercises validated together")
    min_share_each: float = Field(default=0.5, ge=0, le=1, description="for every exercise on its own")


class Exercise(BaseModel):
    """One exercise: where its files are, what it is worth, its thresholds and deadline."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=ID_PATTERN)
    slug: str = Field(pattern=ID_PATTERN)
    title: str = Field(min_length=1)
    module: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*\.py$")
    stub: Path
    readme: Path
    public_checks: Path
    solution: Path | None = None   # absent in a student release (see release.py)
    grader: Path | None = None
    points: float = Field(ge=0)
    deadline: datetime | None = None
    late_policy: LatePolicy | None = None
    limits: Limits | None = None
    thresholds: dict[str, float] = {}
    hints: dict[str, str] = {}
    feedback: Literal["full", "summary", "none"] | None = None

    @field_validator("deadline")
    @classmethod
    def _aware(cls, value):
        if value is not None and value.tzinfo is None:
            raise ValueError("deadline needs a timezone, e.g. 2026-12-07T23:59:00+00:00")
        return value

    @property
    def module_name(self) -> str:
        return self.module[:-3]


class Course(BaseModel):
    """The whole course: its exercises in order, and the root their paths are relative to."""

    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1)
    version: str = Field(min_length=1)
    late_policy: LatePolicy = LatePolicy()
    limits: Limits = Limits()
    validation: ValidateSettings = Field(default=ValidateSettings(), alias="validate")
    diagnoses: DiagnosesPolicy = DiagnosesPolicy()
    feedback: Literal["full", "summary", "none"] = Field(
        default="full", description="how much of the hidden tests students see (visibility.for_student)")
    allow_weak_isolation: bool = False  # grade/validate even where only the weak sandbox is available
    exercises: list[Exercise] = Field(min_length=1)
    release: str | None = Field(default=None, pattern=r"^student$",
                                description="'student' in a student release: no solutions, no hidden grader")
    exchange: Path | None = None       # where `submit` drops submissions (NNCOURSE_EXCHANGE overrides)
    record_hints: bool = False         # `hint` use is recorded and sent along with `submit`
    root: Path = Path(".")

    @model_validator(mode="after")
    def _unique_ids(self):
        seen = set()
        for ex in self.exercises:
            if ex.id in seen:
                raise ValueError(f"duplicate exercise id {ex.id!r}")
            seen.add(ex.id)
            if not self.is_release and (ex.solution is None or ex.grader is None):
                missing = "solution" if ex.solution is None else "grader"
                raise ValueError(f"exercise {ex.id!r} has no {missing!r}; only a student release "
                                 "(release: student) may leave it out")
        return self

    @property
    def is_release(self) -> bool:
        return self.release == "student"

    def exercise(self, exercise_id: str) -> Exercise:
        """The exercise with this id (or slug); a UsageError lists the valid ones."""
        for ex in self.exercises:
            if exercise_id in (ex.id, ex.slug):
                return ex
        valid = ", ".join(ex.id for ex in self.exercises)
        raise UsageError(f"unknown exercise {exercise_id!r}.", f"Valid exercises: {valid}.")

    def path(self, relative: Path | str) -> Path:
        return (self.root / relative).resolve()

    def late_policy_for(self, ex: Exercise) -> LatePolicy:
        return ex.late_policy or self.late_policy

    def limits_for(self, ex: Exercise) -> Limits:
        return ex.limits or self.limits

    def feedback_for(self, ex: Exercise) -> str:
        return ex.feedback or self.feedback


def _location(loc: tuple, data) -> str:
    """'exercises[2].points' (with the exercise id when there is one) from a pydantic loc."""
    parts, node = [], data
    for item in loc:
        if isinstance(item, int):
            label = f"[{item}]"
            try:
                node = node[item]
                if isinstance(node, dict) and "id" in node:
                    label = f"[{item}] ({node['id']})"
            except (IndexError, KeyError, TypeError):
                node = None
            parts.append(label)
        else:
            parts.append(("." if parts else "") + str(item))
            node = node.get(item) if isinstance(node, dict) else None
    return "".join(parts) or "(top level)"


def _explain(exc: ValidationError, data, source: Path) -> CourseError:
    err = exc.errors()[0]
    where = _location(tuple(err["loc"]), data)
    msg = re.sub(r"^Value error, ", "", err["msg"])
    if err["type"] == "missing":
        msg = "this key is required but missing"
    elif err["type"] == "extra_forbidden":
        msg = "unknown key (a typo?)"
    more = f" ({len(exc.errors()) - 1} more problem(s) after this one)" if len(exc.errors()) > 1 else ""
    return CourseError(f"{source}: {where}: {msg}{more}.", "Fix course.yaml and try again.")


def load_course(path: Path | str, *, check_files: bool = True) -> Course:
    """Read and validate a course manifest; CourseError with file, key and reason on any problem."""
    source = manifest_file(path)
    data = read_manifest(source)
    try:
        course = Course.model_validate({**data, "root": source.parent.resolve()})
    except ValidationError as exc:
        raise _explain(exc, data, source) from None
    if check_files:
        _check_files(course, source)
    return course


def _check_files(course: Course, source: Path) -> None:
    keys = STUDENT_FILE_KEYS if course.is_release else FILE_KEYS
    for ex in course.exercises:
        require_files(course, ex, source, keys)


FILE_KEYS = ("stub", "readme", "public_checks", "solution", "grader")
STUDENT_FILE_KEYS = ("stub", "readme", "public_checks")


def require_files(course: Course, ex: Exercise, source: Path | None = None,
                  keys: tuple[str, ...] = FILE_KEYS) -> None:
    """CourseError naming the manifest key when one of the exercise's files is missing."""
    source = source or course.root / MANIFEST
    i = course.exercises.index(ex)
    for key in keys:
        rel = getattr(ex, key)
        if rel is None and course.is_release:
            raise CourseError(f"{source}: this is the student release of the course: it has no "
                              f"solutions and no hidden grader, so it cannot {_needs(key)}.",
                              "Instructors run this in the course folder (the one with solutions/ and grader/), "
                              "or pass --course DIR.")
        if not course.path(rel).exists():
            raise CourseError(f"{source}: exercises[{i}] ({ex.id}).{key}: {rel} does not exist.",
                              "Fix the path in course.yaml or add the file.")


def _needs(key: str) -> str:
    return "grade or validate" if key in ("solution", "grader") else f"provide {key}"
