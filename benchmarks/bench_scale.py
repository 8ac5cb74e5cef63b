"""Benchmark: grading a class, side by side in one run.

Builds N submissions of one exercise (copies of the reference, the variants and
the mutants, each with a comment of its own so every hash differs) and prints
submissions per second for
  - the naive way: one `python -m pytest grader/<exercise>` process per submission,
    the student's module imported in-process (no sandbox), JOBS at a time;
  - `nncourse grade --jobs JOBS` (grading processes that collect the suite once, each pinned to a
    processor of its own), with the per-submission worker (NNCOURSE_NO_TEMPLATE=1) and with the
    warmed template, side by side (and the template with its processes not pinned, and with
    2 x JOBS processes: each waits for its worker at every call);
  - `nncourse grade --scheduler local` (a local Dask cluster of JOBS workers, template);
then the per-submission overhead inside a grading process and the latency of a
student's `check` against `python -c "import numpy"`. The naive way and the warmed template
run twice, in the order naive, template, template, naive: the machine's drift cancels out.
Prints figures; asserts nothing.
Usage: python benchmarks/bench_scale.py [-n 60] [--exercise exercise2] [--jobs 2] [--no-dask] [--check-only]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# The naive harness's pytest plugin: the grader's fixtures, with the student's module imported in-process.
NAIVE_PLUGIN = '''
import copy, importlib.util, os, warnings
import numpy as np
import pytest


class _Warnings:
    last_warnings = []


class LocalCallable:
    """A student function called in this process; the same helpers as the sandbox proxy's."""

    def __init__(self, fn, label):
        self.fn, self.label, self._session = fn, label, _Warnings()

    def __call__(self, *args, **kwargs):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = self.fn(*args, **kwargs)
        self._session.last_warnings = [str(w.message) for w in caught]
        return out

    def with_inputs(self, *args, **kwargs):
        args, kwargs = copy.deepcopy(args), copy.deepcopy(kwargs)
        return self(*args, **kwargs), args, kwargs

    def keep(self, *args, **kwargs):
        return self(*args, **kwargs)


class LocalModule:
    def __init__(self, module):
        self._module = module

    def __getattr__(self, name):
        value = getattr(self._module, name)
        return LocalCallable(value, name) if callable(value) else value


def _load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pytest_configure(config):
    for line in ("points(n): points", "target(name): target", "timeout(seconds): budget"):
        config.addinivalue_line("markers", line)


@pytest.fixture
def student():
    return LocalModule(_load(os.environ["NAIVE_MODULE"], "student_module"))


@pytest.fixture
def reference():
    return _load(os.environ["NAIVE_REFERENCE"], "reference_module")


@pytest.fixture
def seed():
    return 0


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture
def thresholds():
    return dict(json.loads(os.environ.get("NAIVE_THRESHOLDS", "{}")))

import json
'''


def build_class(course, ex, n: int, folder: Path) -> list[Path]:
    """N submission folders: reference, variants and mutants in turn, each with a comment of its own."""
    sources = [course.path(ex.solution).read_text()]
    sources += [p.read_text() for p in sorted((REPO / "tests" / "variants" / ex.id).glob(f"*/{ex.module}"))]
    from nncourse.mutants import apply_hunks, load_mutant, mutant_files
    sources += [apply_hunks(load_mutant(p), sources[0]) for p in mutant_files(course.path(ex.grader))]
    paths = []
    for i in range(n):
        student = folder / f"student{i:04d}"
        student.mkdir(parents=True)
        (student / ex.module).write_text(sources[i % len(sources)] + f"\n# submission {i}\n")
        paths.append(student)
    return paths


def naive(course, ex, paths: list[Path], jobs: int, scratch: Path) -> float:
    """Seconds for one pytest process per submission, JOBS at a time."""
    (scratch / "naive_plugin.py").write_text(NAIVE_PLUGIN)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(scratch), str(REPO / "src")]),
           "NAIVE_REFERENCE": str(course.path(ex.solution)), "NAIVE_THRESHOLDS": json.dumps(ex.thresholds),
           "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}

    def one(path: Path) -> int:
        return subprocess.run([sys.executable, "-m", "pytest", str(course.path(ex.grader)), "-q", "-p", "naive_plugin",
                               "-p", "no:cacheprovider", "--import-mode=importlib", "-c", os.devnull,
                               "--rootdir", str(course.path(ex.grader))],
                              env={**env, "NAIVE_MODULE": str(path / ex.module)}, cwd=scratch,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
    start = time.perf_counter()
    with ThreadPoolExecutor(jobs) as pool:
        codes = list(pool.map(one, paths))
    seconds = time.perf_counter() - start
    if not all(code in (0, 1) for code in codes):
        print(f"  (naive: {sum(c not in (0, 1) for c in codes)} pytest runs did not complete)")
    return seconds


def nncourse_grade(ex, paths: list[Path], extra: list[str], env: dict | None = None) -> tuple[float, list[dict]]:
    """Seconds for one `nncourse grade` of the class, and its Results."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "nncourse", "grade", ex.id, *map(str, paths), "--json", *extra],
                          cwd=REPO, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO / "src"), "NNCOURSE_COURSE": str(REPO),
                               **(env or {})})
    seconds = time.perf_counter() - start
    results = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    if len(results) != len(paths):
        print(f"  (nncourse grade {' '.join(extra)}: {len(results)} Results of {len(paths)}; "
              f"{done.stderr.strip()[-300:]})")
    return seconds, results


# Run in a child: processor time of one grading process per submission, split into the trusted side
# (pytest, checks, protocol) and the worker (its start and NumPy import, then the calls). The
# per-submission worker's time is that of our finished children; the template's children are the
# template's, so there it is read from /proc (the template's own time and that of its reaped children).
PROFILE = """
import json, os, resource, sys
from nncourse.course import load_course
from nncourse.grading.engine import grade_collected, new_session
from nncourse.sandbox import template
from nncourse.submission import resolve_submission
warm = template.unavailable_reason() is None
def sandbox_cpu():
    total, tick = 0.0, os.sysconf("SC_CLK_TCK")
    for t in list(template._TEMPLATES.values()):
        for pid in [t.proc.pid] + descendants(t.proc.pid):
            try:
                fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += sum(int(x) for x in fields[11:15]) / tick
    return total
def descendants(pid):
    kids = {}
    for e in os.listdir("/proc"):
        if e.isdigit():
            try:
                kids.setdefault(int(open(f"/proc/{e}/stat").read().rsplit(")", 1)[1].split()[1]), []).append(int(e))
            except OSError:
                pass
    out, todo = [], [pid]
    while todo:
        for c in kids.get(todo.pop(), []):
            out.append(c); todo.append(c)
    return out
def cpu(who):
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime + (sandbox_cpu() if who == resource.RUSAGE_CHILDREN and warm else 0)
course = load_course(sys.argv[1]); ex = course.exercise(sys.argv[2]); n = int(sys.argv[4])
new_session(str(course.path(ex.solution)), ex.module_name, None, warm=True).ensure_loaded()  # the template starts
start = cpu(resource.RUSAGE_CHILDREN)
for _ in range(n):
    session = new_session(str(course.path(ex.solution)), ex.module_name, None, warm=True)
    session.ensure_loaded(); session.close()
worker_start = (cpu(resource.RUSAGE_CHILDREN) - start) / n
with resolve_submission(sys.argv[3], ex.module) as sub:
    grade_collected(course, ex, sub)
    trusted, worker = cpu(resource.RUSAGE_SELF), cpu(resource.RUSAGE_CHILDREN)
    if len(sys.argv) > 5:
        import cProfile, pstats
        profiler = cProfile.Profile(); profiler.enable()
    for _ in range(n):
        grade_collected(course, ex, sub)
    trusted, worker = (cpu(resource.RUSAGE_SELF) - trusted) / n, (cpu(resource.RUSAGE_CHILDREN) - worker) / n
    if len(sys.argv) > 5:
        profiler.disable(); pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(30)
print(json.dumps({"trusted": trusted, "worker": worker, "worker_start": worker_start}))
"""


def children_cpu() -> float:
    """User + system seconds of the finished child processes so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cpu_profile(ex, submission: Path, env: dict, n: int = 10, cprofile: bool = False) -> str:
    done = subprocess.run([sys.executable, "-c", PROFILE, str(REPO), ex.id, str(submission / ex.module), str(n),
                           *(["profile"] if cprofile else [])],
                          capture_output=True, text=True, cwd=REPO,
                          env={**os.environ, "PYTHONPATH": str(REPO / "src"), **env})
    if cprofile:
        print(done.stderr[-6000:])
    try:
        got = json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        return f"(not measured: {done.stderr.strip()[-200:]})"
    total = got["trusted"] + got["worker"]
    return (f"{total * 1000:.0f} ms = trusted side {got['trusted'] * 1000:.0f} ms (pytest, checks, protocol) "
            f"+ worker {got['worker'] * 1000:.0f} ms, of which its start and NumPy import "
            f"{got['worker_start'] * 1000:.0f} ms; at full use of the cores that allows "
            f"{(os.cpu_count() or 1) / total:.1f} submissions/s")


def wall(cmd: list[str], repeat: int, path: str | None = None, course: str | None = None) -> float:
    """Median wall seconds of `cmd`, with nncourse imported from `path` (default: this tree's src)
    and the course in `course` (default: this repository)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       env={**os.environ, "PYTHONPATH": path or str(REPO / "src"),
                            "NNCOURSE_COURSE": course or str(REPO)})
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=60, help="submissions (default 60)")
    parser.add_argument("--exercise", default="exercise2")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=5, help="runs of the check latency (median)")
    parser.add_argument("--rounds", type=int, default=2, choices=(1, 2),
                        help="2 (default): naive, template, template, naive (the machine's drift cancels out)")
    parser.add_argument("--no-dask", action="store_true", help="skip the local Dask cluster")
    parser.add_argument("--cprofile", action="store_true", help="print cProfile of grade_collected (template)")
    parser.add_argument("--check-only", action="store_true", help="only the latency of `check` against `import numpy`")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO / "src"))
    from nncourse.course import load_course
    course = load_course(REPO, check_files=False)
    ex = course.exercise(args.exercise)
    if args.check_only:
        check_latency(course, ex, args.repeat)
        return
    print(f"{args.n} submissions of {ex.id}, {args.jobs} at a time, on {os.cpu_count()} cores "
          f"(load average {os.getloadavg()[0]:.1f} {os.getloadavg()[1]:.1f} {os.getloadavg()[2]:.1f} at the start)")
    with tempfile.TemporaryDirectory(prefix="nncourse-bench-") as tmp:
        scratch = Path(tmp)
        paths = build_class(course, ex, args.n, scratch / "class")
        # The naive way and the warmed template in the order naive, template, template, naive (ABBA):
        # this machine's speed drifts over minutes, and both halves see the same drift.
        naive_times, template_times, naive_cpu = [], [], 0.0
        for order in (("naive", "template"), ("template", "naive"))[:max(1, args.rounds)]:
            for way in order:
                if way == "naive":
                    before = children_cpu()
                    naive_times.append(naive(course, ex, paths, args.jobs, scratch))
                    naive_cpu = (children_cpu() - before) / args.n
                else:
                    seconds, template_results = nncourse_grade(ex, paths, ["--jobs", str(args.jobs)])
                    template_times.append(seconds)
        rows = [("naive (pytest per submission, no sandbox)", statistics.mean(naive_times), None)]
        seconds, results = nncourse_grade(ex, paths, ["--jobs", str(args.jobs)], {"NNCOURSE_NO_TEMPLATE": "1"})
        rows.append((f"nncourse grade --jobs {args.jobs}, per-submission worker", seconds, results))
        rows.append((f"nncourse grade --jobs {args.jobs}, warmed template", statistics.mean(template_times),
                     template_results))
        seconds, _ = nncourse_grade(ex, paths, ["--jobs", str(args.jobs)], {"NNCOURSE_NO_PIN": "1"})
        rows.append(("  the same, processes not pinned (NNCOURSE_NO_PIN=1)", seconds, None))
        more = 2 * args.jobs  # more processes than processors: not pinned
        seconds, _ = nncourse_grade(ex, paths, ["--jobs", str(more)])
        rows.append((f"nncourse grade --jobs {more}, warmed template", seconds, None))
        if not args.no_dask:
            seconds, dask_results = nncourse_grade(ex, paths, ["--jobs", str(args.jobs), "--scheduler", "local"])
            rows.append((f"nncourse grade --scheduler local ({args.jobs} workers)", seconds, dask_results))
        profiles = [("per-submission worker (rlimits isolation, so that the worker's time is counted)",
                     cpu_profile(ex, paths[0], {"NNCOURSE_ISOLATION": "rlimits"})),
                    ("warmed template (bubblewrap; the sandbox's time read from /proc)",
                     cpu_profile(ex, paths[0], {}, cprofile=args.cprofile))]
        same = _same_results(rows[1][2], rows[2][2])
    base = args.n / rows[0][1]
    print(f"\n{'way':<50} {'seconds':>8} {'subs/s':>8} {'x naive':>8}")
    for name, seconds, _ in rows:
        print(f"{name:<50} {seconds:8.1f} {args.n / seconds:8.2f} {args.n / seconds / base:8.1f}")

    if len(naive_times) > 1:
        print("naive and warmed template, each run: " + ", ".join(
            f"{n:.1f} s / {t:.1f} s = {n / t:.1f}x" for n, t in zip(naive_times, template_times))
            + " (rows above: their means)")
    print(f"Results of the two workers identical (but durations): {same}")
    for name, seconds, results in rows[1:3]:
        graded = [r for r in results if r["tests"]]
        if not graded:
            continue
        per = statistics.mean(r["duration"] for r in graded)
        tests = statistics.mean(sum(t["duration"] for t in r["tests"]) for r in graded)
        first = statistics.mean(max(t["duration"] for t in r["tests"][:1]) for r in graded)
        fixed = seconds - per * len(graded) / args.jobs
        print(f"\n{name}: per submission in a grading process: {per * 1000:.0f} ms, of which tests "
              f"{tests * 1000:.0f} ms (the first test, which starts the worker and imports the module: "
              f"{first * 1000:.0f} ms), pytest and worker overhead {(per - tests) * 1000:.0f} ms; "
              f"fixed cost of the run (processes, collection, start-up): {fixed:.1f} s")

    for name, profile in profiles:
        print(f"processor time per submission (collected suite), {name}: {profile}")
    print(f"processor time per submission of the naive way: {naive_cpu * 1000:.0f} ms")

    check_latency(course, ex, args.repeat)


def check_latency(course, ex, repeat: int) -> None:
    """Median wall time of a student's `check` (on the reference) against `python -c "import numpy"`.

    Run in turn, `repeat` times each, so that a change of load touches all alike: `check` with
    nncourse's modules as an installed package has them (compiled to bytecode, as pip does; NumPy's
    are), in the course folder (where the reference is there to be timed) and in the student release
    a student's wheel carries (no reference), and from this source tree as it is (where
    PYTHONDONTWRITEBYTECODE is set, every nncourse module is compiled again at each start).
    """
    import compileall
    import shutil
    from nncourse.release import build_release
    solution = course.path(ex.solution)
    numpy_cmd = [sys.executable, "-c", "import numpy"]
    check_cmd = [sys.executable, "-m", "nncourse", "check", ex.id, "--dir", str(solution.parent)]
    with tempfile.TemporaryDirectory(prefix="nncourse-bench-src-") as tmp:
        shutil.copytree(REPO / "src" / "nncourse", Path(tmp) / "nncourse",
                        ignore=shutil.ignore_patterns("__pycache__"))
        compileall.compile_dir(str(Path(tmp) / "nncourse"), quiet=1)
        release = Path(tmp) / "release"
        build_release(course, release)
        runs = {"numpy": (numpy_cmd, None, None), "installed": (check_cmd, tmp, None),
                "student": (check_cmd, tmp, str(release)), "source": (check_cmd, None, None)}
        for cmd, path, folder in runs.values():
            wall(cmd, 1, path, folder)  # warm the page cache
        times = {name: [] for name in runs}
        for _ in range(repeat):
            for name, (cmd, path, folder) in runs.items():
                times[name].append(wall(cmd, 1, path, folder))
    med = {name: statistics.median(values) for name, values in times.items()}
    print(f"\npython -c 'import numpy': {med['numpy']:.3f} s; check {ex.id}, nncourse compiled as installed: "
          f"{med['installed']:.3f} s, ratio {med['installed'] / med['numpy']:.1f}x (target <= 5x); "
          f"in a student's release (no reference to time): {med['student']:.3f} s, "
          f"{med['student'] / med['numpy']:.1f}x; "
          f"from the source tree without bytecode: {med['source']:.3f} s, {med['source'] / med['numpy']:.1f}x")
    print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


def _same_results(one: list[dict], other: list[dict]) -> bool:
    def key(result: dict) -> str:
        result = {k: v for k, v in result.items() if k != "duration"}
        result["tests"] = [{k: v for k, v in t.items() if k != "duration"} for t in result.get("tests", [])]
        return json.dumps(result, sort_keys=True)
    return len(one) == len(other) and all(key(a) == key(b) for a, b in zip(one, other))


if __name__ == "__main__":
    main()
