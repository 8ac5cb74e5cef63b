"""The course proves itself: references full, stubs zero, mutants caught, thresholds stable.

Why: CI must prove the course, not only the code. Each check is a small named
function returning Records, like scikit-learn's estimator checks; all the
gradings they need run first, in one process pool.
"""
from __future__ import annotations

import ast
import multiprocessing
import re
import statistics
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from nncourse.course import Course, Exercise
from nncourse.grading.batch import grade_task, pin_process, pinning_cpus
from nncourse.mutants import Mutant, MutantError, load_mutant, mutant_files, write_mutant
from nncourse.nomath import FLAVORS, api_targets, half_kept, no_math_source, same_target
from nncourse.result import Result, TestStatus
from nncourse.validate_diagnoses import coverage, diagnoses_on_correct_code

@dataclass
class Record:
    exercise: str
    check: str
    ok: bool
    detail: str = ""


def find_mutants(course: Course, ex: Exercise) -> list[Mutant]:
    """grader/<id>/mutants/<name>.diff, parsed (a malformed file is a Mutant whose `problem` says why)."""
    return [load_mutant(path) for path in mutant_files(course.path(ex.grader))]


def materialise_mutants(course: Course, ex: Exercise, scratch: Path) -> dict[str, Path | str]:
    """Each mutant applied to the current reference in its own folder under `scratch`: its module path,
    or the sentence saying why it does not apply."""
    out: dict[str, Path | str] = {}
    for mutant in find_mutants(course, ex):
        try:
            out[mutant.name] = write_mutant(mutant, course.path(ex.solution), Path(tempfile.mkdtemp(dir=scratch)))
        except MutantError as exc:
            out[mutant.name] = exc.message
    return out


def api_names(stub: Path) -> list[str]:
    """The public API of a stub: functions, classes (their constructors) and Class.method names."""
    return api_targets(stub)


def do_nothing_module(stub: Path, folder: Path) -> Path:
    """The stub with every `raise NotImplementedError(...)` turned into `return None`."""
    source = re.sub(r"raise NotImplementedError\(.*\)\s*$", "return None", stub.read_text(encoding="utf-8"),
                    flags=re.M)
    path = folder / stub.name
    path.write_text(source, encoding="utf-8")
    return path


def _jobs_for(course: Course, ex: Exercise, seeds: int, scratch: Path) -> dict[str, tuple]:
    root = str(course.root)
    nothing = do_nothing_module(course.path(ex.stub), Path(tempfile.mkdtemp(dir=scratch)))
    jobs = {
        "reference": (root, ex.id, str(course.path(ex.solution)), "hidden", 0),
        "stub": (root, ex.id, str(course.path(ex.stub)), "hidden", 0),
        "do-nothing": (root, ex.id, str(nothing), "hidden", 0),
        "public-reference": (root, ex.id, str(course.path(ex.solution)), "public", 0),
        "public-stub": (root, ex.id, str(course.path(ex.stub)), "public", 0),
    }
    jobs.update(_no_math_jobs(course, ex, scratch))
    for seed in range(1, seeds + 1):
        jobs[f"seed-{seed}"] = (root, ex.id, str(course.path(ex.solution)), "hidden", seed)
    for name, module in materialise_mutants(course, ex, scratch).items():
        # a mutant that does not apply has no job; check_mutants reports it from the message kept here
        jobs[f"mutant-{name}"] = (root, ex.id, str(module), "hidden", 0) if isinstance(module, Path) else module
    return jobs


def _no_math_jobs(course: Course, ex: Exercise, scratch: Path) -> dict[str, tuple]:
    """One grading per no-math flavor, and the half control (the reference right on every other name)."""
    root, stub, ref = str(course.root), course.path(ex.stub), course.path(ex.solution)
    modules = {f"no-math-{f}": no_math_source(stub, ref, f) for f in FLAVORS}
    modules["half-control"] = no_math_source(stub, ref, "zeros", keep=half_kept(stub))
    jobs = {}
    for key, source in modules.items():
        path = Path(tempfile.mkdtemp(dir=scratch)) / ex.module
        path.write_text(source, encoding="utf-8")
        jobs[key] = (root, ex.id, str(path), "hidden", 0)
    return jobs


def _lost_targets(result: Result) -> set[str]:
    return {t.target for t in result.tests if t.status != TestStatus.passed}


def check_reference(ex, results) -> list[Record]:
    out = []
    for key in ["reference"] + sorted(k for k in results if k.startswith("seed-")):
        r = results[key]
        ok = r.status.value == "graded" and r.score == r.max_score > 0
        lost = ", ".join(sorted(_lost_targets(r)))
        out.append(Record(ex.id, f"{key} full marks", ok, f"{r.score:g}/{r.max_score:g}"
                          + (f" lost on {lost}" if lost else "") + (f" {r.message}" if r.message else "")))
    return out


def check_points(ex, results) -> list[Record]:
    r = results["reference"]
    return [Record(ex.id, "points match course.yaml", r.max_score == ex.points,
                   f"tests sum to {r.max_score:g}, course.yaml says {ex.points:g}")]


def check_stub(ex, results) -> list[Record]:
    r = results["stub"]
    errors = [t.name for t in r.tests if t.status in (TestStatus.error, TestStatus.timeout)]
    ok = r.status.value == "graded" and r.score == 0 and not errors
    return [Record(ex.id, "stub scores zero, no crash", ok,
                   f"{r.score:g}/{r.max_score:g}" + (f"; errors in {errors[:3]}" if errors else ""))]


def check_do_nothing(ex, results) -> list[Record]:
    r = results["do-nothing"]
    passed = [t.name for t in r.tests if t.status == TestStatus.passed]
    return [Record(ex.id, "a do-nothing module scores zero", r.score == 0,
                   f"{r.score:g}/{r.max_score:g}" + (f" from {', '.join(passed[:4])}" if passed else ""))]


def _pending(course: Course, target: str) -> bool:
    return any(same_target(target, p) for p in course.validation.pending_targets)


def check_no_math(course, ex, results) -> list[Record]:
    """Every no-math flavor (right API, shapes and attributes, values wrong) scores exactly 0.

    Points on course.yaml's validate.pending_targets are reported, not failed.
    """
    out = []
    for flavor in FLAVORS:
        r = results[f"no-math-{flavor}"]
        free = [t for t in r.tests if t.points > 0 and not _pending(course, t.target)]
        pending = sum(t.points for t in r.tests if t.points > 0 and _pending(course, t.target))
        ok = r.status.value == "graded" and not free and bool(r.tests)
        detail = f"{r.score:g}/{r.max_score:g}"
        if free:
            detail += " from " + ", ".join(f"{t.name} ({t.points:g})" for t in free[:4])
        if pending:
            detail += f" ({pending:g} on pending targets)"
        detail += f" {r.message}" if r.message else ""
        out.append(Record(ex.id, f"no-math ({flavor}) scores zero", ok, detail))
    return out


def check_half_control(course, ex, results) -> list[Record]:
    """The reference right on every other API name earns exactly those names' points (pending targets aside)."""
    kept = half_kept(course.path(ex.stub))
    ref, r = results["reference"], results["half-control"]

    def is_kept(target):
        return any(same_target(target, k) for k in kept)
    judged = [t for t in r.tests if not _pending(course, t.target)]
    want = sum(t.max_points for t in ref.tests if is_kept(t.target) and not _pending(course, t.target))
    got = sum(t.points for t in judged)
    wrong = sorted({t.target for t in judged if is_kept(t.target) != (t.points >= t.max_points > 0)})
    ok = r.status.value == "graded" and abs(got - want) < 1e-6 and not wrong
    return [Record(ex.id, "half control earns its half", ok,
                   f"{got:g} of the {want:g} pts of {', '.join(sorted(kept))}"
                   + (f"; off on {', '.join(wrong[:6])}" if wrong else "")
                   + (f" ({r.score:g}/{r.max_score:g} with pending targets)" if len(judged) < len(r.tests) else ""))]


def on_target_share(mutant: Mutant, result: Result) -> float | None:
    """The share of a mutant's lost points that falls on its own targets (None when it lost nothing)."""
    lost = [(t.target, t.max_points - t.points) for t in result.tests if t.points < t.max_points]
    total = sum(p for _, p in lost)
    if not total:
        return None
    return sum(p for target, p in lost if any(same_target(target, m) for m in mutant.targets)) / total


def check_on_target(course, ex, results) -> list[Record]:
    """Per exercise, min and median of the mutants' on-target shares; fails below course.yaml's threshold."""
    shares = {}
    for m in find_mutants(course, ex):
        share = on_target_share(m, results[f"mutant-{m.name}"])
        if share is not None:
            shares[m.name] = share
    if not shares:
        return []
    values = sorted(shares.values())
    least = min(shares, key=shares.get)
    median = statistics.median(values)
    need = course.validation.mutant_on_target_share
    return [Record(ex.id, "mutants lose points on their targets", values[0] >= need,
                   f"on-target share min {values[0]:.0%} ({least}), median {median:.0%}"
                   f" (course.yaml validate.mutant_on_target_share {need:g})")]


def check_public(ex, results) -> list[Record]:
    ref, stub = results["public-reference"], results["public-stub"]
    ref_ok = ref.status.value == "graded" and bool(ref.tests) and all(t.status == TestStatus.passed for t in ref.tests)
    stub_ok = bool(stub.tests) and all(t.status == TestStatus.failed for t in stub.tests)
    return [Record(ex.id, "public checks pass on reference", ref_ok, f"{ref.counts()['passed']}/{len(ref.tests)}"),
            Record(ex.id, "public checks fail on stub", stub_ok, f"{stub.counts()['failed']}/{len(stub.tests)} failed")]


def check_coverage(course, ex, results) -> list[Record]:
    covered = {t.target for t in results["reference"].tests}
    missing = [n for n in api_names(course.path(ex.stub))
               if n not in covered and not ("." not in n and f"{n}.__init__" in covered)]
    return [Record(ex.id, "every API name has a hidden test", not missing,
                   "missing: " + ", ".join(missing) if missing else f"{len(covered)} targets")]


def check_mutants(course, ex, results) -> list[Record]:
    out = []
    for m in find_mutants(course, ex):
        r = results.get(f"mutant-{m.name}")
        if not isinstance(r, Result):
            out.append(Record(ex.id, f"mutant {m.name} caught", False, r or m.problem or "not graded"))
            continue
        lost = _lost_targets(r)
        hit = sorted(lost & set(m.targets))
        ok = bool(m.targets) and bool(hit) and r.score < r.max_score
        on_target = sum(t.max_points - t.points for t in r.tests if t.target in hit)
        detail = (f"lost {on_target:g} pts on {', '.join(hit)} ({r.max_score - r.score:g} in all)" if ok else
                  ("no '# targets: ...' header line" if not m.targets else
                   f"not caught on {', '.join(m.targets)} (lost on: {', '.join(sorted(lost)) or 'nothing'})"))
        out.append(Record(ex.id, f"mutant {m.name} caught", ok, detail))
    return out


def check_diagnoses(course, ex, results) -> list[Record]:
    """Mutants get their declared diagnosis (share >= diagnoses.min_share); the reference never gets one."""
    done, total, misses = coverage(find_mutants(course, ex), results)
    share = done / total if total else 1.0
    wrong = diagnoses_on_correct_code(results)
    return [Record(ex.id, "mutants diagnosed", share >= course.diagnoses.min_share_each,
                   f"{done}/{total} ({share:.0%}, at least {course.diagnoses.min_share_each:.0%})"
                   + (f"; missed: {'; '.join(misses)}" if misses else "")),
            Record(ex.id, "no diagnosis on the reference", not wrong, "; ".join(wrong[:3]) or "none on any seed")]


def validate_course(course: Course, exercises: list[Exercise], *, jobs: int = 2, seeds: int = 3,
                    progress: Callable[[str], None] = lambda _msg: None) -> list[Record]:
    """Run every grading the checks need (in parallel), then the checks."""
    with tempfile.TemporaryDirectory(prefix="nncourse-validate-") as scratch:
        results = _grade_all(course, exercises, jobs, seeds, Path(scratch), progress)
    records = []
    for ex in exercises:
        res = results[ex.id]
        records += check_reference(ex, res) + check_points(ex, res) + check_stub(ex, res)
        records += check_do_nothing(ex, res) + check_no_math(course, ex, res) + check_half_control(course, ex, res)
        records += check_public(ex, res)
        records += check_coverage(course, ex, res) + check_mutants(course, ex, res) + check_on_target(course, ex, res)
        records += check_diagnoses(course, ex, res)
    return records + check_course_diagnoses(course, records)


def check_course_diagnoses(course, records) -> list[Record]:
    """The share of mutants diagnosed over the exercises validated together (when more than one)."""
    per = [r for r in records if r.check == "mutants diagnosed"]
    if len(per) < 2:
        return []
    done, total = (sum(int(r.detail.split(" ")[0].split("/")[i]) for r in per) for i in (0, 1))
    share = done / total if total else 1.0
    return [Record("course", "mutants diagnosed", share >= course.diagnoses.min_share,
                   f"{done}/{total} ({share:.0%}, at least {course.diagnoses.min_share:.0%})")]


def _grade_all(course, exercises, jobs, seeds, scratch, progress) -> dict[str, dict[str, Result]]:
    plan = {(ex.id, key): args for ex in exercises for key, args in _jobs_for(course, ex, seeds, scratch).items()}
    results: dict[str, dict[str, Result | str]] = {ex.id: {} for ex in exercises}
    for (ex_id, key), args in list(plan.items()):
        if isinstance(args, str):  # not gradable (a mutant that does not apply): keep the reason
            results[ex_id][key] = plan.pop((ex_id, key))
    progress(f"validate: {len(plan)} gradings on {jobs} processes")
    ctx = multiprocessing.get_context("fork")
    cpus = pinning_cpus(jobs)
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=pin_process,
                             initargs=(cpus, ctx.Value("i", 0) if cpus else None)) as pool:
        futures = {k: pool.submit(grade_task, *args) for k, args in plan.items()}
        for n, ((ex_id, key), fut) in enumerate(futures.items(), 1):
            results[ex_id][key] = Result.from_json(fut.result())
            r = results[ex_id][key]
            progress(f"[{n}/{len(plan)}] {ex_id} {key}: {r.score:g}/{r.max_score:g} ({r.duration:.1f}s)")
    return results


def render_table(records: list[Record]) -> str:
    lines = []
    for r in records:
        lines.append(f"{'ok  ' if r.ok else 'FAIL'} {r.exercise:<10} {r.check:<40} {r.detail}")
    by_ex: dict[str, list[Record]] = {}
    for r in records:
        by_ex.setdefault(r.exercise, []).append(r)
    lines.append("")
    for ex_id, recs in by_ex.items():
        if ex_id == "course":
            lines += [f"course: {r.check} {r.detail}" for r in recs]
            continue
        mut = [r for r in recs if r.check.startswith("mutant ")]
        caught = sum(r.ok for r in mut)
        ref = all(r.ok for r in recs if "full marks" in r.check)
        stub = all(r.ok for r in recs if r.check.startswith(("stub", "a do-nothing", "no-math")))
        diagnosed = next((r.detail.split(" ")[0] for r in recs if r.check == "mutants diagnosed"), "?")
        lines.append(f"{ex_id}: references {'full' if ref else 'NOT FULL'}, stubs {'zero' if stub else 'NOT ZERO'}, "
                     f"mutants caught {caught}/{len(mut)} on their named targets, diagnosed {diagnosed}")
    bad = sum(not r.ok for r in records)
    lines.append(f"validate: {len(records) - bad} checks ok, {bad} breached")
    return "\n".join(lines)
