"""Progressive hints: the idea, then the formula, then the shape of the code.

Why: a stuck student should get unstuck one step at a time instead of reading
the answer. Hints live in exercises/<id>/hints.yaml (`target: [level 1, level 2,
level 3]`) and travel in the student release. Each hint shown is logged in the
workspace (.nncourse/hints.jsonl) so the next call gives the next level; a
course with `record_hints: true` sends that log along with `submit`.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import yaml

from nncourse.course import Course, Exercise
from nncourse.errors import CourseError, UsageError
from nncourse.release import hints_path

LOG = "hints.jsonl"
STATE_DIR = ".nncourse"


def load_hints(course: Course, ex: Exercise) -> dict[str, list[str]]:
    """target -> its hints, easiest first; {} when the exercise has none."""
    path = hints_path(course, ex)
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise CourseError(f"{path}: not valid YAML ({exc}).") from None
    if not isinstance(data, dict) or not all(isinstance(v, list) and v and all(isinstance(h, str) for h in v)
                                             for v in data.values()):
        raise CourseError(f"{path}: each target must map to a list of hint texts.")
    return {str(k): [h.strip() for h in v] for k, v in data.items()}


def hint_log(folder: Path) -> list[dict]:
    """The hints shown in this exercise folder, oldest first."""
    try:
        lines = (Path(folder) / STATE_DIR / LOG).read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    out = []
    for line in lines:
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict):
            out.append(entry)
    return out


def next_hint(course: Course, ex: Exercise, target: str, folder: Path, level: int | None = None) -> tuple[int, int, str]:
    """(level, number of levels, text) of the hint to show now, and log it in `folder`."""
    hints = load_hints(course, ex)
    if target not in hints:
        known = ", ".join(hints) or "none"
        raise UsageError(f"{ex.id} has no hints for {target!r}.", f"Targets with hints: {known}.")
    levels = hints[target]
    seen = max((e.get("level", 0) for e in hint_log(folder)
                if e.get("exercise") == ex.id and e.get("target") == target), default=0)
    if level is None:
        level = min(seen + 1, len(levels))
    if not 1 <= level <= len(levels):
        raise UsageError(f"{target} has hint levels 1 to {len(levels)}.")
    _append(folder, {"exercise": ex.id, "target": target, "level": level,
                     "at": datetime.now(timezone.utc).isoformat(timespec="seconds")})
    return level, len(levels), levels[level - 1]


def _append(folder: Path, entry: dict) -> None:
    state = Path(folder) / STATE_DIR
    try:
        state.mkdir(parents=True, exist_ok=True)
        with open(state / LOG, "a", encoding="utf-8") as out:
            out.write(json.dumps(entry) + "\n")
    except OSError:
        pass  # a read-only folder still gets its hint; only the progress is lost
