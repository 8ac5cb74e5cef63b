"""The one Result schema, shared by check, score, grade and validate.

Why: every path (terminal, JSON lines, Gradescope, gradebook) renders the same
model, so a Result means the same thing wherever it is read.
"""
from __future__ import annotations

import json
from datetime import datetime
from enum import Enum

from pydantic import BaseModel, Field

SCHEMA_VERSION = 1


class TestStatus(str, Enum):
    passed = "passed"
    failed = "failed"
    error = "error"
    timeout = "timeout"


class ResultStatus(str, Enum):
    graded = "graded"
    error = "error"
    timeout = "timeout"


class TestResult(BaseModel):
    """One test: its target (API name), points and what happened."""

    __test__ = False  # not a pytest class

    name: str
    target: str
    points: float
    max_points: float
    status: TestStatus
    message: str = ""
    duration: float = 0.0
    diagnosis: str | None = Field(default=None, description="the named cause of a failure, when the numbers show one")
    diagnosis_names: list[str] = Field(default_factory=list,
                                       description="the names of the hypotheses behind `diagnosis` (for statistics)")
    instructor_detail: str = Field(default="", description="traceback of a grader fault; never shown to students")


class Result(BaseModel):
    """The graded outcome of one submission for one exercise."""

    schema_version: int = SCHEMA_VERSION
    exercise: str
    student: str | None = None
    submission_sha256: str
    submission: str = ""
    submitted_at: datetime | None = None
    score: float
    max_score: float
    raw_score: float | None = Field(default=None, description="the score before a late penalty, when one applies")
    late_penalty: float | None = Field(default=None, description="points taken off for lateness")
    isolation: str = Field(default="", description="'strong', or 'WEAK ISOLATION' when the instructor allowed it")
    status: ResultStatus
    message: str = ""
    tests: list[TestResult] = []
    grader_version: str
    suite: str = "hidden"
    duration: float = 0.0

    def to_json(self) -> str:
        return self.model_dump_json()

    @classmethod
    def from_json(cls, text: str) -> "Result":
        return cls.model_validate(json.loads(text))

    def by_target(self) -> dict[str, list[TestResult]]:
        """Tests grouped by the API name they grade, in first-seen order."""
        groups: dict[str, list[TestResult]] = {}
        for test in self.tests:
            groups.setdefault(test.target, []).append(test)
        return groups

    def counts(self) -> dict[str, int]:
        out = {s.value: 0 for s in TestStatus}
        for test in self.tests:
            out[test.status.value] += 1
        return out
