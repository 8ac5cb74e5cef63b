"""A sample class to grade end to end: `nncourse demo [DIR]`.

Why: one command shows a fresh clone doing what a course does: about 40
students hand in correct solutions in several styles, buggy ones (the
course's own mutants), a few broken files (syntax error, a missing function,
the untouched stub) and some late ones (one with an extension, one who
resubmitted). The command grades them (grade_many), records them in a
gradebook, applies the late policy, prints the class and writes the CSV,
Gradescope results, feedback pages and the class report, saying where.
"""
from __future__ import annotations

import csv
import random
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from nncourse.course import Course, Exercise

MARKER = ".nncourse-demo"
FIRST = ["Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "Frances", "John", "Katherine", "Claude",
         "Radia", "Tim", "Margaret", "Dennis", "Hedy", "Ken", "Sophie", "Niklaus", "Joan", "Yann"]
LAST = ["Lovelace", "Turing", "Hopper", "Dijkstra", "Liskov", "Knuth", "Allen", "McCarthy", "Johnson",
        "Shannon", "Perlman", "Berners-Lee", "Hamilton", "Ritchie", "Lamarr", "Thompson", "Wilson", "Wirth",
        "Clarke", "LeCun"]


@dataclass
class Hand:
    """One file handed in: who, for which exercise, when, what kind of solution."""

    student: str
    exercise: str
    path: Path
    submitted_at: datetime
    kind: str          # "correct: loops", "bug: tanh_naive", "broken: syntax error", ...


def _mutant_sources(course: Course, ex: Exercise, reference: str) -> dict[str, str]:
    """The course's mutants of this exercise as module sources: folders, or .diff files when those exist."""
    folder = course.path(ex.grader) / "mutants"
    out = {}
    if not folder.is_dir():
        return out
    for item in sorted(folder.iterdir()):
        if item.is_dir() and (item / ex.module).is_file():
            out[item.name] = (item / ex.module).read_text(encoding="utf-8")
        elif item.suffix == ".diff":
            source = _apply_diff(item, reference, ex.module)
            if source is not None:
                out[item.stem] = source
    return out


def _apply_diff(diff: Path, reference: str, module: str) -> str | None:
    try:  # the mutants module, once it is there, knows its own format best
        from nncourse import mutants
        return mutants.apply_hunks(mutants.load_mutant(diff), reference)
    except ImportError:
        pass
    except Exception:  # noqa: BLE001 - a mutant that no longer applies is just not used
        return None
    if shutil.which("patch") is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / module
        target.write_text(reference, encoding="utf-8")
        done = subprocess.run(["patch", "-s", "-f", str(target), str(diff)], capture_output=True)
        return target.read_text(encoding="utf-8") if done.returncode == 0 else None


def _correct_sources(course: Course, ex: Exercise) -> dict[str, str]:
    """The reference and the repository's other correct styles (tests/variants), when present."""
    out = {"reference": course.path(ex.solution).read_text(encoding="utf-8")}
    variants = course.root / "tests" / "variants" / ex.id
    if variants.is_dir():
        for item in sorted(variants.iterdir()):
            if (item / ex.module).is_file():
                out[item.name] = (item / ex.module).read_text(encoding="utf-8")
    return out


def _broken_sources(course: Course, ex: Exercise, reference: str) -> dict[str, str]:
    lines = reference.splitlines(keepends=True)
    defs = [i for i, line in enumerate(lines) if line.startswith("def ") and not line.startswith("def _")]
    syntax = "".join(lines[:defs[len(defs) // 2]]) + "def broken(z:\n    return z\n"
    name = lines[defs[-1]].split("(")[0][4:]
    missing = reference.replace(f"def {name}(", f"def {name}_renamed(", 1)
    return {"syntax error": syntax, f"missing function {name}": missing,
            "the unchanged stub": course.path(ex.stub).read_text(encoding="utf-8")}


def make_class(course: Course, folder: Path, exercises: list[Exercise], n_students: int = 40,
               seed: int = 0) -> tuple[list[dict], list[Hand], list[tuple[str, str, timedelta]]]:
    """Write the roster and the submissions; return (roster, hand-ins, extensions to grant)."""
    rng = random.Random(seed)
    roster = [{"id": f"s{i:02d}", "name": f"{FIRST[i % len(FIRST)]} {LAST[(i * 7) % len(LAST)]}",
               "email": f"s{i:02d}@example.edu"} for i in range(1, n_students + 1)]
    hands, extensions = [], []
    for ex in exercises:
        reference = course.path(ex.solution).read_text(encoding="utf-8")
        correct = list(_correct_sources(course, ex).items())
        buggy = list(_mutant_sources(course, ex, reference).items())
        rng.shuffle(buggy)
        broken = list(_broken_sources(course, ex, reference).items())
        ids = [s["id"] for s in roster]
        rng.shuffle(ids)
        n_correct = max(1, round(0.35 * n_students))
        n_absent = max(1, n_students // 20)
        plan = []
        for i, sid in enumerate(ids):
            if i < len(broken):
                plan.append((sid, f"broken: {broken[i][0]}", broken[i][1]))
            elif i < len(broken) + n_correct:
                name, source = correct[i % len(correct)]
                plan.append((sid, f"correct: {name}", source))
            elif i < n_students - n_absent and buggy:
                name, source = buggy[i % len(buggy)]
                plan.append((sid, f"bug: {name}", source))
        deadline = ex.deadline or datetime(2026, 12, 1, 23, 59, tzinfo=timezone.utc)
        late = [timedelta(minutes=40), timedelta(days=1, hours=3), timedelta(days=3, hours=5),
                timedelta(days=8), timedelta(days=1, hours=20)]
        for j, (sid, kind, source) in enumerate(plan):
            when = deadline - timedelta(hours=rng.uniform(2, 96))
            if len(broken) <= j < len(broken) + len(late):  # some correct ones late
                when = deadline + late[j - len(broken)]
                if j - len(broken) == len(late) - 1:
                    extensions.append((sid, ex.id, timedelta(days=2)))
                    kind += " (late, with a 2-day extension)"
                else:
                    kind += " (late)"
            path = folder / "submissions" / ex.id / f"{sid}-{j}" / ex.module
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(source, encoding="utf-8")
            hands.append(Hand(sid, ex.id, path, when, kind))
        # a resubmission: a buggy first try, the reference three days before the deadline... then a fix
        if buggy and plan:
            sid = plan[-1][0]
            first = next(h for h in hands if h.student == sid and h.exercise == ex.id)
            fixed = folder / "submissions" / ex.id / f"{sid}-fixed" / ex.module
            fixed.parent.mkdir(parents=True, exist_ok=True)
            fixed.write_text(reference, encoding="utf-8")
            hands.append(Hand(sid, ex.id, fixed, first.submitted_at + timedelta(hours=1),
                              "correct: reference (resubmitted after a buggy first try)"))
    with open(folder / "roster.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, ["id", "name", "email"])
        writer.writeheader()
        writer.writerows(roster)
    return roster, hands, extensions


def prepare(folder: Path) -> None:
    """A fresh demo folder; an existing one is reused only when a previous demo made it."""
    from nncourse.errors import UsageError
    if folder.exists() and any(folder.iterdir()) and not (folder / MARKER).exists():
        raise UsageError(f"{folder} exists and was not made by `nncourse demo`.", "Pick another folder.")
    for name in ("submissions", "feedback", "report", "gradescope", "exports"):
        shutil.rmtree(folder / name, ignore_errors=True)
    for db in folder.glob("gradebook.db*"):
        db.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MARKER).write_text("made by `nncourse demo`; safe to delete\n")
