"""One exception tree for every user-facing failure.

Why: the CLI turns an NncourseError into a one- or two-sentence message (and an
exit code) at a single point, so a user's mistake never shows a traceback.
"""
from __future__ import annotations


class NncourseError(Exception):
    """Root: `message` says what is wrong, `hint` what to do about it."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}" if self.hint else self.message


class UsageError(NncourseError):
    """The command was called wrongly (unknown exercise, bad option value)."""

    exit_code = 2


class CourseError(NncourseError):
    """course.yaml or the course tree is broken."""


class SubmissionError(NncourseError):
    """A submission cannot be found or unpacked."""


class GradebookError(NncourseError):
    """The gradebook cannot be opened, read or written."""


class SandboxError(NncourseError):
    """The student worker failed in a way that is not an exception in student code."""


class WorkerTimeout(SandboxError):
    """Student code ran past its time budget; the worker was killed."""


class WorkerDied(SandboxError):
    """The worker exited or was killed by a signal while running student code."""


class ModuleLoadError(SandboxError):
    """The student's module could not be imported (syntax error, exception, hang or exit)."""


class StudentError(Exception):
    """Student code raised an exception; it was re-created on the trusted side as text."""

    def __init__(self, type_name: str, mro_names: list[str], message: str, traceback: str = ""):
        super().__init__(f"{type_name}: {message}" if message else type_name)
        self.type_name = type_name
        self.mro_names = list(mro_names)
        self.message = message
        self.traceback = traceback

    def is_a(self, name: str) -> bool:
        """True when the student's exception is `name` or a subclass of it."""
        return name in self.mro_names


class UnusableObject(Exception):
    """A value from the worker that is not what a check can use (an opaque object)."""
