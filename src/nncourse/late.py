"""The late policy of course.yaml applied to one Result, by submission time.

Why: `score`, the gradebook, every export and every report must show the same
raw score, penalty and final score for a late submission; one function decides.
Rule: within the grace minutes after the deadline (plus any extension) is on
time; past that, each started day after the deadline costs `penalty_per_day` of
the raw score; more than `max_late_days` started days scores 0.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from nncourse.course import LatePolicy
from nncourse.result import Result


@dataclass(frozen=True)
class Lateness:
    """How late a submission is and what fraction of its score it keeps."""

    days_late: int          # started days past deadline + extension + grace (0 when on time)
    factor: float           # the share of the raw score kept: 1.0 on time, 0.0 past max_late_days
    deadline: datetime | None

    @property
    def late(self) -> bool:
        return self.days_late > 0


def lateness(policy: LatePolicy, deadline: datetime | None, submitted_at: datetime | None,
             extension: timedelta = timedelta(0)) -> Lateness:
    """Started late days and the kept share; no deadline or no time means on time."""
    if deadline is None or submitted_at is None:
        return Lateness(0, 1.0, deadline)
    due = deadline + extension
    if submitted_at <= due + timedelta(minutes=policy.grace_minutes):
        return Lateness(0, 1.0, due)
    days = math.ceil((submitted_at - due) / timedelta(days=1))
    if days > policy.max_late_days:
        return Lateness(days, 0.0, due)
    return Lateness(days, max(0.0, 1.0 - policy.penalty_per_day * days), due)


def apply_late_policy(result: Result, policy: LatePolicy, deadline: datetime | None,
                      submitted_at: datetime | None, extension: timedelta = timedelta(0)) -> Result:
    """A copy of `result` with submitted_at, raw_score, late_penalty and the final score set."""
    raw = result.raw_score if result.raw_score is not None else result.score
    how = lateness(policy, deadline, submitted_at, extension)
    final = round(raw * how.factor, 6)
    return result.model_copy(update={
        "submitted_at": submitted_at, "raw_score": raw,
        "late_penalty": round(raw - final, 6), "score": final})
