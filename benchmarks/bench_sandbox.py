"""What each layer of the sandbox costs per submission, side by side in one run.

Layers, added one at a time:
  rlimits          the weak mode with nothing but rlimits, a new session and the host uid
  +landlock        + Landlock file, TCP and signal rules
  weak as graded   + the seccomp filter and a cgroup per worker: what `grade --allow-weak-isolation` uses
  bwrap            bubblewrap namespaces, no seccomp filter, no cgroup
  bwrap+seccomp    + the seccomp filter on every sandbox process (bwrap --seccomp)
  bwrap+sec+cgroup + a cgroup per worker (created, joined, killed, removed): what `grade` uses

Per configuration: the median wall time of one worker's life (start, import the
reference module, one call, kill and clean up): the sandbox's fixed cost per
submission (a submission usually costs one such life). With --grade, also the
median time to grade the exercise2 reference in this process. Rounds interleave
the configurations, so machine load hits them alike.

    python benchmarks/bench_sandbox.py [--repeat 10] [--grade]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from nncourse.sandbox import cgroup, confine, isolation, landlock, seccomp  # noqa: E402

MODULE = REPO / "solutions" / "exercise2" / "activations.py"
_REAL = {"seccomp": seccomp.supported, "landlock": landlock.abi_version, "cgroup": cgroup.support}
CONFIGS = {  # name: (bubblewrap?, seccomp?, landlock?, cgroup?)
    "rlimits": (False, False, False, False),
    "+landlock": (False, False, True, False),
    "weak as graded": (False, True, True, True),
    "bwrap": (True, False, False, False),
    "bwrap+seccomp": (True, True, False, False),
    "bwrap+sec+cgroup": (True, True, False, True),
}


def configure(bwrap: bool, use_seccomp: bool, use_landlock: bool, use_cgroup: bool) -> isolation.Isolation:
    """Switch layers on or off in this process (module functions patched; nothing global changes)."""
    if bwrap:
        os.environ.pop("NNCOURSE_ISOLATION", None)
    else:
        os.environ["NNCOURSE_ISOLATION"] = "rlimits"
    seccomp.supported = _REAL["seccomp"] if use_seccomp else (lambda: False)
    landlock.abi_version = _REAL["landlock"] if use_landlock else (lambda: 0)
    confine.landlock.abi_version = landlock.abi_version
    none = cgroup.CgroupSupport("none", reason="switched off by the benchmark")
    cgroup.support = _REAL["cgroup"] if use_cgroup else (lambda: none)
    isolation.detect.cache_clear()
    return isolation.detect()


def worker_life() -> float:
    from nncourse.sandbox.proxy import Session, StudentModule
    started = time.perf_counter()
    session = Session(str(MODULE), "activations")
    try:
        assert StudentModule(session).sigmoid(0.0) == 0.5
    finally:
        session.close()
    return time.perf_counter() - started


def grade_once() -> float:
    from nncourse.course import load_course
    from nncourse.grading.engine import grade
    from nncourse.submission import resolve_submission
    course = load_course(REPO, check_files=False)
    ex = course.exercise("exercise2")
    started = time.perf_counter()
    with resolve_submission(str(MODULE), ex.module) as sub:
        result = grade(course, ex, sub)
    assert result.score == result.max_score, result.message
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=10, help="worker lives per configuration")
    parser.add_argument("--grade", action="store_true", help="also grade the exercise2 reference per configuration")
    args = parser.parse_args()
    available = {}
    for name, layers in CONFIGS.items():
        active = configure(*layers)
        if layers[0] and not active.strong:
            print(f"{name}: skipped ({active.reason})")
            continue
        if layers[3] and not cgroup.support().usable:
            print(f"{name}: skipped (no cgroup here: {cgroup.support().reason})")
            continue
        available[name] = layers
    lives = {name: [] for name in available}
    grades = {name: [] for name in available}
    for name in available:  # one warm-up each (page cache, bwrap binary)
        configure(*available[name])
        worker_life()
    for _ in range(args.repeat):
        for name, layers in available.items():
            configure(*layers)
            lives[name].append(worker_life())
            if args.grade and len(grades[name]) < 3:
                grades[name].append(grade_once())
    base = statistics.median(lives["rlimits"]) if "rlimits" in lives else None
    print(f"\nsandbox cost per submission (median of {args.repeat} worker lives: start, import the exercise2 "
          f"reference, one call, kill, clean up); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'layers':<18} {'worker life (s)':>16} {'vs rlimits':>11}" + (f" {'grade 1 (s)':>12}" if args.grade else ""))
    for name in available:
        life = statistics.median(lives[name])
        ratio = f"{life / base:10.2f}x" if base else "        -"
        extra = f" {statistics.median(grades[name]):12.2f}" if args.grade else ""
        print(f"{name:<18} {life:16.3f} {ratio:>11}{extra}")


if __name__ == "__main__":
    main()
