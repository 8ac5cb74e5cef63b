"""Benchmark: one request/reply round trip through a real worker, two source trees side by side.

Why: grading exercise2 makes ~134 round trips per submission, so the fixed CPU cost of
one (framing, select/read, encode/decode, the worker's per-request wrapping) is paid
thousands of times per class. This runs proxy.Session on solutions/exercise2/activations.py
and calls small exercise2-like functions (a (4,3) float array in and out, a keyword
scalar, a scalar call) many times, for each tree in turn (rounds interleave the trees,
so the machine's load hits them alike), and prints per tree: round trips per second,
trusted-side CPU microseconds per round trip (this process) and worker CPU microseconds
per round trip (/proc schedstat of the worker's processes).

    python benchmarks/bench_protocol.py [--calls 2000] [--rounds 3] [--base 615748b] [--tree src ...] [--grade 20]

--base REV: `git archive REV src` into a temporary folder, measured as "REV" (default 615748b;
"" to skip). --grade N: also the processor time per submission of grading the exercise2
reference N times in a collected suite with the warmed template (bench_scale.py's profile,
trusted side and worker), the trees interleaved the same way. Prints figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MODULE = REPO / "solutions" / "exercise2" / "activations.py"

# Run in a child with PYTHONPATH=<tree>/src: prints {"wall": s, "trusted": s, "worker": s} for `calls` round trips.
CHILD = r"""
import json, os, sys, time
import numpy as np
from nncourse.sandbox.limits import Limits
from nncourse.sandbox.proxy import Session, StudentModule

def descendants(pid):
    kids = {}
    for e in os.listdir("/proc"):
        if e.isdigit():
            try:
                kids.setdefault(int(open(f"/proc/{e}/stat").read().rsplit(")", 1)[1].split()[1]), []).append(int(e))
            except OSError:
                pass
    out, todo = [pid], [pid]
    while todo:
        for c in kids.get(todo.pop(), []):
            out.append(c); todo.append(c)
    return out

def worker_ns(pids):
    total = 0
    for pid in pids:
        try:
            total += int(open(f"/proc/{pid}/schedstat").read().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return total

os.environ.pop("NNCOURSE_TEMPLATE", None)
session = Session(sys.argv[1], "activations", Limits(call_timeout=30))
student = StudentModule(session)
z = np.linspace(-2, 2, 12).reshape(4, 3)
calls = [lambda: student.sigmoid(z), lambda: student.leaky_relu(z, alpha=0.1),
         lambda: student.softmax(z, axis=0), lambda: student.sigmoid(0.5)]
for i in range(50):  # warm up: the import, first calls
    calls[i % 4]()
pids = descendants(session.worker.proc.pid)
n = int(sys.argv[2])
w0, t0, c0 = worker_ns(pids), time.perf_counter(), time.process_time()
for i in range(n):
    calls[i & 3]()
c1, t1, w1 = time.process_time(), time.perf_counter(), worker_ns(pids)
session.close()
print(json.dumps({"wall": t1 - t0, "trusted": c1 - c0, "worker": (w1 - w0) / 1e9}))
"""


def run(src: str, calls: int) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, str(MODULE), str(calls)], capture_output=True, text=True,
                          cwd=REPO, env={**os.environ, "PYTHONPATH": src})
    try:
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        raise SystemExit(f"{src}: {done.stderr.strip()[-2000:]}") from None


def grade_cpu(src: str, n: int) -> dict:
    """bench_scale.py's per-submission processor time (warmed template) with nncourse from `src`."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    from bench_scale import PROFILE
    done = subprocess.run([sys.executable, "-c", PROFILE, str(REPO), "exercise2", str(MODULE), str(n)],
                          capture_output=True, text=True, cwd=REPO, env={**os.environ, "PYTHONPATH": src})
    try:
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        raise SystemExit(f"{src}: {done.stderr.strip()[-2000:]}") from None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--base", default="615748b", help="a git revision measured too ('' to skip)")
    parser.add_argument("--tree", action="append", help="more src folders (default: this tree's src)")
    parser.add_argument("--grade", type=int, default=0, help="also grade the exercise2 reference N times per round")
    args = parser.parse_args()
    trees = {}
    with tempfile.TemporaryDirectory(prefix="bench-protocol-") as tmp:
        if args.base:
            archive = subprocess.run(["git", "archive", args.base, "src"], cwd=REPO, capture_output=True, check=True)
            subprocess.run(["tar", "-x", "-C", tmp], input=archive.stdout, check=True)
            trees[args.base] = str(Path(tmp, "src"))
        for src in args.tree or [str(REPO / "src")]:
            trees["this tree" if src == str(REPO / "src") else src] = src
        got = {name: [] for name in trees}
        graded = {name: [] for name in trees}
        for _ in range(args.rounds):
            for name, src in trees.items():
                got[name].append(run(src, args.calls))
                if args.grade:
                    graded[name].append(grade_cpu(src, args.grade))
    print(f"{args.calls} round trips x {args.rounds} rounds (medians); load average {os.getloadavg()[0]:.2f} "
          f"on {os.cpu_count()} cores")
    print(f"{'tree':<12} {'round trips/s':>14} {'trusted us/rt':>14} {'worker us/rt':>13} {'total us/rt':>12}")
    for name, runs in got.items():
        rate = statistics.median(args.calls / r["wall"] for r in runs)
        trusted = statistics.median(r["trusted"] for r in runs) / args.calls * 1e6
        worker = statistics.median(r["worker"] for r in runs) / args.calls * 1e6
        print(f"{name:<12} {rate:>14.0f} {trusted:>14.1f} {worker:>13.1f} {trusted + worker:>12.1f}")
    if args.grade:
        print(f"\nprocessor time per submission, exercise2 reference graded {args.grade}x per round "
              f"(collected suite, warmed template; medians of {args.rounds} rounds)")
        print(f"{'tree':<12} {'trusted ms':>11} {'worker ms':>10} {'total ms':>9}")
        for name, runs in graded.items():
            trusted = statistics.median(r["trusted"] for r in runs) * 1000
            worker = statistics.median(r["worker"] for r in runs) * 1000
            total = statistics.median(r["trusted"] + r["worker"] for r in runs) * 1000
            print(f"{name:<12} {trusted:>11.1f} {worker:>10.1f} {total:>9.1f}")


if __name__ == "__main__":
    main()
