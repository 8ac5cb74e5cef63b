"""Benchmark: how long a student waits for `nncourse check`, and an instructor per graded submission.

Also the cost of the sandbox: starting a worker and importing a submission, and
grading one submission, under bubblewrap and under the rlimits fallback
(NNCOURSE_ISOLATION=rlimits), with their ratio.
Prints figures; asserts nothing (speed targets live here, not in unit tests).
Usage: python benchmarks/bench.py [--repeat N] [--exercises exercise1,exercise2] [--sandbox-exercise exercise2]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


ISOLATIONS = {"bubblewrap": {}, "rlimits": {"NNCOURSE_ISOLATION": "rlimits"}}
# Started in a child per isolation: the median time to start a worker and import a module in it.
WORKER_START = """
import json, statistics, sys, time
from nncourse.sandbox import isolation
from nncourse.sandbox.proxy import Session
times = []
for _ in range(int(sys.argv[3])):
    start = time.perf_counter()
    session = Session(sys.argv[1], sys.argv[2])
    session.ensure_loaded()
    session.close()
    times.append(time.perf_counter() - start)
print(json.dumps({"kind": isolation.detect().kind, "seconds": statistics.median(times)}))
"""


def wall(cmd: list[str], repeat: int, env: dict | None = None) -> float:
    """Median wall time of a command, in seconds (its exit status is ignored)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
                       env={**_without_isolation(), **(env or {})})
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _without_isolation() -> dict:
    return {k: v for k, v in os.environ.items() if k != "NNCOURSE_ISOLATION"}


def sandbox_cost(course, ex_id: str, repeat: int, copies: int = 4) -> None:
    """Per isolation: worker start + import, and grading one submission (a batch of copies, --jobs 1)."""
    ex = course.exercise(ex_id)
    solution = str(course.path(ex.solution))
    figures = {}
    for name, env in ISOLATIONS.items():
        done = subprocess.run([sys.executable, "-c", WORKER_START, solution, ex.module_name, str(max(5, repeat))],
                              cwd=REPO, capture_output=True, text=True, env={**_without_isolation(), **env},
                              check=True)
        start = json.loads(done.stdout)
        grade = wall([sys.executable, "-m", "nncourse", "grade", ex.id, *[solution] * copies, "--jobs", "1", "--allow-weak-isolation"],
                     repeat, env) / copies
        figures[name] = (start["kind"], start["seconds"], grade)
    print(f"\nsandbox cost ({ex.id}, grading {copies} copies of the reference with --jobs 1, median of {repeat}):")
    print(f"{'isolation':<12} {'active':<11} {'worker start+import (s)':>24} {'grade 1 (s)':>12}")
    for name, (kind, start, grade) in figures.items():
        print(f"{name:<12} {kind:<11} {start:24.3f} {grade:12.3f}")
    (_, b_start, b_grade), (_, r_start, r_grade) = figures["bubblewrap"], figures["rlimits"]
    print(f"ratio bubblewrap / rlimits: worker start {b_start / r_start:.2f}x, grading {b_grade / r_grade:.2f}x "
          f"({b_grade - r_grade:+.3f} s per submission)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--exercises", default=",".join(f"exercise{i}" for i in range(1, 7)))
    parser.add_argument("--sandbox-exercise", default="exercise2",
                        help="the exercise whose reference measures the sandbox's cost (empty: skip)")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO / "src"))
    from nncourse.course import load_course
    course = load_course(REPO, check_files=False)
    numpy_time = wall([sys.executable, "-c", "import numpy"], max(5, args.repeat))
    nncourse = [sys.executable, "-m", "nncourse"]
    print(f"python -c 'import numpy': {numpy_time:.3f} s (median of {max(5, args.repeat)})")
    print(f"{'exercise':<10} {'check (s)':>10} {'x numpy':>8} {'grade 1 (s)':>12}")
    for ex_id in args.exercises.split(","):
        ex = course.exercise(ex_id)
        solution = course.path(ex.solution)
        check = wall(nncourse + ["check", ex.id, "--dir", str(solution.parent)], args.repeat)
        graded = wall(nncourse + ["grade", ex.id, str(solution)], args.repeat)
        print(f"{ex.id:<10} {check:10.3f} {check / numpy_time:8.1f} {graded:12.3f}")
    if args.sandbox_exercise:
        sandbox_cost(course, args.sandbox_exercise, args.repeat)


if __name__ == "__main__":
    main()
