"""Benchmark: how long a student waits for `nncourse check`, and an instructor per graded submission.

Prints figures; asserts nothing (speed targets live here, not in unit tests).
Usage: python benchmarks/bench.py [--repeat N] [--exercises exercise1,exercise2]
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def wall(cmd: list[str], repeat: int) -> float:
    """Median wall time of a command, in seconds (its exit status is ignored)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--exercises", default=",".join(f"exercise{i}" for i in range(1, 7)))
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


if __name__ == "__main__":
    main()
