"""Wall time of the hostile corpus in tests/hostile: the grader before issue #9's work and now, in one run.

Why: hangs used to cost the flat 20 s per-test budget on every test that
called the hanging function (a looping relu took 141 s of an 11-student
batch). Now a target that timed out fails its later tests at once, and each
test's budget comes from the reference's own time. This script grades the
same corpus, with the course as shipped (its own course.yaml limits), with an
earlier revision of nncourse (extracted with `git archive`, default the last
commit before that work) and with this checkout, one after the other, and
prints the wall time of each batch and of the slowest cases.

    python benchmarks/bench_hostile.py [--before REV] [--jobs 2] [--cases loop_in_call,sleep_in_call]

Both batches run `nncourse grade exercise2 CASE... --json --jobs J` in a
fresh process; the corpus's expectations are asserted by tests/test_hostile.py,
not here.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HOSTILE = REPO / "tests" / "hostile"
BEFORE = "3755a96"  # the last commit before the work on issue #9 (scores you can trust)
MODULE = "activations.py"


def extract(rev: str, into: Path) -> Path:
    """The repository at `rev`, as files (no git metadata): its src/ and course."""
    archive = subprocess.run(["git", "-C", str(REPO), "archive", rev], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def grade(root: Path, cases: list[Path], jobs: int) -> tuple[float, list[dict]]:
    """One batch in a fresh process with `root`'s nncourse and course; (wall seconds, results in order)."""
    env = {**os.environ, "PYTHONPATH": str(root / "src")}
    argv = [sys.executable, "-m", "nncourse", "--course", str(root), "grade", "exercise2",
            *map(str, cases), "--json", "--jobs", str(jobs)]
    started = time.monotonic()
    done = subprocess.run(argv, capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL)
    seconds = time.monotonic() - started
    results = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    if len(results) != len(cases):
        print(f"  ({root.name}: {len(results)} results for {len(cases)} cases; exit {done.returncode}: "
              f"{done.stderr.strip()[-300:]})")
    return seconds, results


def summary(results: list[dict]) -> dict[str, tuple[float, float, int, float]]:
    """case -> (score, max, tests timed out, seconds)."""
    out = {}
    for r in results:
        case = Path(r["submission"]).parent.name
        timeouts = sum(1 for t in r.get("tests", []) if t.get("status") == "timeout")
        out[case] = (r["score"], r["max_score"], timeouts, r.get("duration", 0.0))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", default=BEFORE, help=f"the earlier revision (default {BEFORE})")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--cases", default="", help="comma-separated case names (default: the whole corpus)")
    parser.add_argument("--slowest", type=int, default=8, help="cases listed per batch, slowest first")
    args = parser.parse_args()
    names = [n for n in args.cases.split(",") if n] or sorted(p.parent.name for p in HOSTILE.glob(f"*/{MODULE}"))
    cases = [HOSTILE / n / MODULE for n in names]
    load = os.getloadavg()[0]
    print(f"hostile corpus: {len(cases)} exercise2 cases, --jobs {args.jobs}, load {load:.1f}, "
          f"{os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="nncourse-bench-hostile-") as tmp:
        before_root = extract(args.before, Path(tmp))
        batches = {}
        for label, root in ((f"before ({args.before})", before_root), ("now", REPO)):
            seconds, results = grade(root, cases, args.jobs)
            batches[label] = (seconds, summary(results))
            print(f"{label:>18}: {seconds:7.1f} s wall for the batch")
    print(f"\n{'case':<24} " + " ".join(f"{label:>28}" for label in batches))
    slow = set()
    for _, (_, per_case) in batches.items():
        slow |= set(sorted(per_case, key=lambda c: -per_case[c][3])[:args.slowest])
    for case in sorted(slow, key=lambda c: -max(b[1].get(c, (0, 0, 0, 0))[3] for b in batches.values())):
        cells = []
        for _, per_case in batches.values():
            score, top, timeouts, secs = per_case.get(case, (0, 0, 0, 0.0))
            cells.append(f"{secs:6.1f} s {score:>5.0f}/{top:<3.0f} {timeouts:>2} t/o")
        print(f"{case:<24} " + " ".join(f"{c:>28}" for c in cells))
    (b_secs, _), (n_secs, _) = batches.values()
    print(f"\nwhole batch: {b_secs:.1f} s before, {n_secs:.1f} s now ({b_secs / max(n_secs, 1e-9):.1f}x)")


if __name__ == "__main__":
    main()
