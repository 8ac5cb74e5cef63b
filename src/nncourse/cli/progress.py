"""A batch's progress for the person watching it: a rich bar on stderr, only when stderr is a terminal.

Why: grading a class takes minutes; the bar shows count, rate, ETA and the
submission that is slow right now, and disappears from logs and pipes.
"""
from __future__ import annotations

import sys

from nncourse.grading.batch import Progress
from nncourse.reports.terminal import shown


class Counting(Progress):
    """Counts what was graded (for the Ctrl-C message and the summary), shows nothing."""

    def __init__(self):
        self.total = self.reused = self.graded = 0

    def begin(self, total: int, reused: int) -> None:
        self.total, self.reused = total, reused

    def done(self, result, reused: bool) -> None:
        self.graded += not reused

    def close(self) -> None:
        """Remove whatever was shown."""


class Bar(Counting):
    """A rich progress bar: done/total, submissions per second, ETA, the slowest running submission."""

    def __init__(self):
        super().__init__()
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress as RichProgress, TaskProgressColumn, \
            TextColumn, TimeElapsedColumn, TimeRemainingColumn
        self._bar = RichProgress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(),
                                 TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TextColumn("ETA"),
                                 TimeRemainingColumn(), TextColumn("{task.fields[slow]}"),
                                 console=Console(stderr=True), transient=True)
        self._task = None

    def begin(self, total: int, reused: int) -> None:
        super().begin(total, reused)
        self._bar.start()
        self._task = self._bar.add_task("grading", total=total, completed=reused, rate="", slow="")

    def done(self, result, reused: bool) -> None:
        super().done(result, reused)
        if self._task is None:
            return
        self._bar.advance(self._task)
        elapsed = self._bar.tasks[0].elapsed or 0.0
        if self.graded and elapsed > 0:
            self._bar.update(self._task, rate=f"{self.graded / elapsed:.2f}/s")

    def slowest(self, name: str | None, seconds: float) -> None:
        if self._task is not None:
            slow = f"slow: {shown(name)} {seconds:.0f} s" if name and seconds >= 5 else ""
            self._bar.update(self._task, slow=slow)

    def close(self) -> None:
        self._bar.stop()


def for_stderr() -> Counting:
    """A Bar when stderr is a terminal, otherwise a silent counter."""
    return Bar() if sys.stderr.isatty() else Counting()
