"""Validate the diagnoses: mutants get the one they declare, correct code never gets one.

Why: a diagnosis is only worth showing if it is right; the mutants are the
measurable evidence (each declares `# diagnosis: <hypothesis name>`), and the
reference over every seed proves that a correct submission is never told it has a bug.
"""
from __future__ import annotations

from nncourse.mutants import Mutant
from nncourse.result import Result, TestStatus


def names_on_targets(result: Result, targets) -> set[str]:
    """The diagnosis names on the failed tests of `targets`."""
    return {n for t in result.tests if t.status != TestStatus.passed and t.target in set(targets)
            for n in t.diagnosis_names}


def gets_declared(mutant: Mutant, result) -> bool:
    if not isinstance(result, Result) or not mutant.diagnosis:
        return False
    return mutant.diagnosis in names_on_targets(result, mutant.targets)


def coverage(mutants: list[Mutant], results: dict) -> tuple[int, int, list[str]]:
    """(diagnosed, total, one line per miss) over the mutants of one exercise."""
    misses = []
    for m in mutants:
        r = results.get(f"mutant-{m.name}")
        if gets_declared(m, r):
            continue
        got = sorted(names_on_targets(r, m.targets)) if isinstance(r, Result) else []
        misses.append(f"{m.name} (declares {m.diagnosis or 'nothing'}, got {', '.join(got) or 'none'})")
    return len(mutants) - len(misses), len(mutants), misses


def diagnoses_on_correct_code(results: dict) -> list[str]:
    """'<run> <test>: <diagnosis>' for every diagnosis on the reference (every seed)."""
    out = []
    for key, r in sorted(results.items()):
        if (key == "reference" or key.startswith("seed-")) and isinstance(r, Result):
            out += [f"{key} {t.name}: {t.diagnosis}" for t in r.tests if t.diagnosis or t.diagnosis_names]
    return out
