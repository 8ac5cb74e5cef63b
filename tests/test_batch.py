"""`nncourse grade` on a class: 50 submissions in one call, bad ones contained, order kept, resumable,
keyed by student, interruptible; the collected suite grades exactly as a fresh pytest session."""
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from nncourse.mutants import apply_hunks, load_mutant, mutant_files, write_mutant
from nncourse.course import load_course
from nncourse.grading.batch import grade_many
from nncourse.grading.engine import grade
from nncourse.result import Result
from nncourse.submission import resolve_submission

from conftest import REPO, write_module

EX = "exercise2"
MODULE = "activations.py"


@pytest.fixture(scope="module")
def class_of_50(tmp_path_factory):
    """50 submissions: references in three forms, variants, mutants, and five broken ones."""
    root = tmp_path_factory.mktemp("class")
    reference = (REPO / "solutions" / EX / MODULE).read_text()
    subs, expect = [], []
    good = [reference] + [p.read_text() for p in sorted((REPO / "tests" / "variants" / EX).glob(f"*/{MODULE}"))]
    mutants = [apply_hunks(load_mutant(p), reference) for p in mutant_files(REPO / "grader" / EX)]
    broken = {
        "hang": "while True:\n    pass\n",
        "syntax": "def sigmoid(z)\n    return z\n",
        "exit": "import sys\nsys.exit(0)\n",
        "crash": "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n",
    }
    for i in range(50 - len(broken) - 1):
        kind = i % 3
        source = good[i % len(good)] if kind != 2 else mutants[i % len(mutants)]
        student = root / f"student{i:02d}"
        if kind == 1:  # a folder holding the module one level down
            path = write_module(student / "work", MODULE, source).parents[1]
        elif i % 5 == 0:  # a zip
            write_module(student, MODULE, source)
            path = student.with_suffix(".zip")
            with zipfile.ZipFile(path, "w") as zf:
                zf.write(student / MODULE, f"hw/{MODULE}")
        else:
            path = write_module(student, MODULE, source)
        subs.append(path)
        expect.append("full" if kind != 2 else "partial")
    for name, source in broken.items():
        subs.append(write_module(root / name, MODULE, source))
        expect.append("zero")
    subs.append(root / "nobody" / MODULE)  # does not exist
    expect.append("error")
    return subs, expect


@pytest.mark.slow
def test_grade_50_submissions_in_one_call(cli, class_of_50, tmp_path):
    subs, expect = class_of_50
    res = cli("grade", EX, *subs, "--json", "--jobs", "2", "--out", tmp_path / "out")
    assert res.exit_code == 1  # one submission could not be graded (it does not exist)
    results = [json.loads(line) for line in res.stdout.splitlines()]
    assert len(results) == 50
    assert [r["submission"] for r in results] == [str(s) for s in subs]  # order given
    for result, want in zip(results, expect):
        if want == "full":
            assert result["score"] == result["max_score"] > 0, result["submission"]
        elif want == "partial":
            assert 0 < result["score"] < result["max_score"]
        elif want == "zero":
            assert result["status"] == "graded" and result["score"] == 0
            assert "could not be imported" in result["message"]
        else:
            assert result["status"] == "error" and "no such file" in result["message"]

    assert [r["student"] for r in results[:3]] == ["student00", "student01", "student02"]

    # a rerun reuses what --out holds: nothing is graded twice
    again = cli("grade", EX, *subs[:6], "--out", tmp_path / "out")
    assert again.exit_code == 0
    assert "6 already graded" in again.stderr and "0 graded now" in again.stderr
    assert again.stdout.splitlines()[0].split() == ["score", "lost", "status", "student", "submission"]
    assert "6 graded, 0 errors" in again.stdout


def strip_durations(result: Result) -> dict:
    data = json.loads(result.to_json())
    data.pop("duration")
    for test in data["tests"]:
        test.pop("duration")
    return data


@pytest.mark.slow
def test_collected_suite_grades_exactly_as_a_fresh_pytest_session(course, tmp_path):
    """References, variants and mutants: one pytest session per submission vs one suite collected once."""
    def sample(exercise, n_mutants):
        ex = course.exercise(exercise)
        paths = [course.path(ex.solution), *sorted((REPO / "tests" / "variants" / exercise).glob(f"*/{ex.module}"))[:2],
                 *[write_mutant(load_mutant(m), course.path(ex.solution), tmp_path / exercise / m.stem)
                   for m in mutant_files(course.path(ex.grader))[:n_mutants]]]
        return ex, [str(p) for p in paths]
    for exercise, n_mutants in (("exercise2", 4), ("exercise5", 2)):
        ex, paths = sample(exercise, n_mutants)
        batch = list(grade_many(str(REPO), exercise, paths, jobs=1))
        for path, collected in zip(paths, batch):
            with resolve_submission(path, ex.module) as sub:
                fresh = grade(course, ex, sub)
            assert collected.status == "graded" and collected.tests
            assert strip_durations(collected) == strip_durations(fresh.model_copy(
                update={"student": collected.student, "submitted_at": collected.submitted_at,
                        "submission": collected.submission})), path


def test_two_students_with_identical_files_get_two_results_and_a_resubmission_supersedes(cli, tmp_path):
    reference = (REPO / "solutions" / EX / MODULE).read_text()
    mutant = apply_hunks(load_mutant(mutant_files(REPO / "grader" / EX)[0]), reference)
    alice = write_module(tmp_path / "round1" / "alice", MODULE, mutant)
    bob = write_module(tmp_path / "round1" / "bob", MODULE, mutant)
    os.utime(alice, (1_000_000, 1_000_000))
    out = tmp_path / "out"
    first = cli("grade", EX, alice.parent, bob.parent, "--json", "--out", out, "--jobs", "1")
    results = [Result.from_json(line) for line in first.stdout.splitlines()]
    assert [r.student for r in results] == ["alice", "bob"]
    assert results[0].submission_sha256 == results[1].submission_sha256
    assert sorted(p.relative_to(out).parts[:2] for p in out.glob("*/*/*.json")) == \
        [(EX, "alice"), (EX, "bob")]

    # alice hands in again (later): both stay on record, the later one is current
    again = write_module(tmp_path / "round2" / "alice", MODULE, reference)
    second = cli("grade", EX, again.parent, "--json", "--out", out)
    assert second.exit_code == 0
    index = json.loads((out / EX / "index.json").read_text())
    assert index["alice"]["score"] == Result.from_json(second.stdout).score > results[0].score
    assert len(index["alice"]["on_record"]) == 2 and len(index["bob"]["on_record"]) == 1
    # regrading the older one again does not make it current
    cli("grade", EX, alice.parent, "--out", out)
    assert json.loads((out / EX / "index.json").read_text())["alice"] == index["alice"]


def test_a_mapping_file_names_the_students_and_their_times(cli, tmp_path):
    reference = (REPO / "solutions" / EX / MODULE).read_text()
    first = write_module(tmp_path / "a1", MODULE, reference + "# one\n")
    second = write_module(tmp_path / "a2", MODULE, reference + "# two\n")
    mapping = tmp_path / "who.csv"
    mapping.write_text("path,student,submitted_at\n"
                       "a1/activations.py,s123,2026-11-20T10:00:00+00:00\n"
                       "a2/activations.py,s123,2026-11-19T10:00:00+00:00\n")
    res = cli("grade", EX, first, second, "--json", "--students", mapping, "--out", tmp_path / "out")
    results = [Result.from_json(line) for line in res.stdout.splitlines()]
    assert [r.student for r in results] == ["s123", "s123"]
    index = json.loads((tmp_path / "out" / EX / "index.json").read_text())
    assert index["s123"]["current"].endswith(results[0].submission_sha256[:16] + ".json")  # the later one


# -- interruption ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def class_of_8(tmp_path_factory):
    """Eight students: the reference and mutants, each with a comment of its own (distinct hashes)."""
    root = tmp_path_factory.mktemp("class8")
    reference = (REPO / "solutions" / EX / MODULE).read_text()
    sources = [reference] + [apply_hunks(load_mutant(p), reference) for p in mutant_files(REPO / "grader" / EX)]
    return [write_module(root / f"s{i}", MODULE, sources[i % len(sources)] + f"# s{i}\n").parent
            for i in range(8)]


def nncourse(*args, **kwargs):
    env = {**os.environ, "NNCOURSE_COURSE": str(REPO), "PYTHONPATH": str(REPO / "src")}
    return subprocess.Popen([sys.executable, "-m", "nncourse", *map(str, args)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def stored(out: Path) -> dict:
    return {p.relative_to(out).as_posix(): strip_durations(Result.from_json(p.read_text()))
            for p in out.glob("*/*/*.json")}


def interrupt_after_two(class_of_8, out: Path, sig: int):
    """Start grading the class, send `sig` once two Results are on disk; return the process."""
    proc = nncourse("grade", EX, *class_of_8, "--out", out, "--jobs", "1", start_new_session=True)
    deadline = time.monotonic() + 300
    while len(list(out.glob("*/*/*.json"))) < 2:
        assert proc.poll() is None and time.monotonic() < deadline, "the batch ended before it could be stopped"
        time.sleep(0.05)
    os.kill(proc.pid, sig)
    proc.wait(timeout=60)
    deadline = time.monotonic() + 10
    while processes_mentioning(out) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not processes_mentioning(out), "a grading process outlived the batch"
    return proc


def processes_mentioning(text) -> list[int]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if str(text).encode() in cmdline.read_bytes():
                found.append(int(cmdline.parent.name))
        except OSError:
            pass
    return found


@pytest.fixture(scope="module")
def uninterrupted(class_of_8, tmp_path_factory):
    out = tmp_path_factory.mktemp("whole")
    proc = nncourse("grade", EX, *class_of_8, "--json", "--out", out, "--jobs", "2")
    stdout, _ = proc.communicate(timeout=600)
    assert proc.returncode == 0
    return out, [strip_durations(Result.from_json(line)) for line in stdout.splitlines()]


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "kill-9"])
def test_interrupted_batch_keeps_what_was_done_and_a_rerun_grades_only_the_rest(class_of_8, uninterrupted,
                                                                                 tmp_path, sig):
    out = tmp_path / "out"
    proc = interrupt_after_two(class_of_8, out, sig)
    done = stored(out)
    assert 2 <= len(done) < len(class_of_8)
    if sig == signal.SIGINT:
        stderr = proc.stderr.read()
        assert proc.returncode == 130 and "Traceback" not in stderr, stderr
        assert f"of {len(class_of_8)} submissions graded" in stderr and "again" in stderr
        assert not list(out.rglob("*.tmp"))  # nothing half written
    # (kill -9 may land between a temporary file's writing and its renaming: never read, the rerun removes it)

    rerun = nncourse("grade", EX, *class_of_8, "--json", "--out", out, "--jobs", "2")
    stdout, stderr = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, stderr
    assert not list(out.rglob("*.tmp"))
    assert f"{len(done)} already graded" in stderr
    whole_out, whole_json = uninterrupted
    assert [strip_durations(Result.from_json(line)) for line in stdout.splitlines()] == whole_json
    assert stored(out) == stored(whole_out)


# -- a Dask cluster ----------------------------------------------------------------------------

@pytest.fixture
def dask_cluster(tmp_path):
    """A real scheduler and two single-threaded workers on loopback, started with Dask's command line."""
    pytest.importorskip("distributed")
    scheduler_file = tmp_path / "scheduler.json"
    dask = [sys.executable, "-m"]
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    procs = [subprocess.Popen([*dask[:2], "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0",
                               "--no-dashboard", "--scheduler-file", str(scheduler_file)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        deadline = time.monotonic() + 60
        while not scheduler_file.exists() or not scheduler_file.read_text().strip():
            assert time.monotonic() < deadline, "the Dask scheduler did not start"
            time.sleep(0.2)
        address = json.loads(scheduler_file.read_text())["address"]
        for _ in range(2):
            procs.append(subprocess.Popen(
                [*dask[:2], "distributed.cli.dask_worker", address, "--nthreads", "1", "--no-dashboard",
                 "--host", "127.0.0.1"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        from distributed import Client
        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=120)
        yield address
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.mark.slow
def test_a_dask_cluster_grades_a_class_as_the_local_pool_does(class_of_8, uninterrupted, dask_cluster, tmp_path):
    proc = nncourse("grade", EX, *class_of_8, "--json", "--out", tmp_path / "out", "--scheduler", dask_cluster)
    stdout, stderr = proc.communicate(timeout=600)
    assert proc.returncode == 0, stderr[-3000:]
    whole_out, whole_json = uninterrupted
    assert [strip_durations(Result.from_json(line)) for line in stdout.splitlines()] == whole_json
    assert stored(tmp_path / "out") == stored(whole_out)


def test_a_grader_that_cannot_be_collected_is_a_grader_fault_for_every_submission(tmp_path):
    """Both engines: one pytest session per submission, and a suite collected once for many."""
    import shutil
    root = tmp_path / "course"
    root.mkdir()
    for name in ("exercises", "solutions"):
        (root / name).symlink_to(REPO / name)
    shutil.copytree(REPO / "grader", root / "grader", ignore=shutil.ignore_patterns("mutants", "__pycache__"))
    (root / "grader" / EX / "test_broken.py").write_text("def test_oops(:\n")
    shutil.copyfile(REPO / "course.yaml", root / "course.yaml")
    reference = str(REPO / "solutions" / EX / MODULE)
    course = load_course(root)
    ex = course.exercise(EX)
    with resolve_submission(reference, ex.module) as sub:
        fresh = grade(course, ex, sub)
    batch = list(grade_many(str(root), EX, [reference, reference], jobs=1))
    for result in [fresh, *batch]:
        assert result.status == "error" and "grader itself failed" in result.message
        assert result.score == 0 and [t.name for t in result.tests] == ["collection"]
        assert "test_broken.py" in result.tests[0].instructor_detail


def test_the_batch_table_shows_points_lost_flags_timeouts_and_sums_up():
    from nncourse.reports.terminal import render_table
    from nncourse.result import TestResult

    def result(student, score, status="graded", timeouts=0):
        tests = [TestResult(name=f"t{i}", target="f", points=0, max_points=1, status="timeout")
                 for i in range(timeouts)]
        return Result(exercise=EX, student=student, submission_sha256="ab" * 32, submission=f"{student}.zip",
                      score=score, max_score=10, status=status, grader_version="v", tests=tests,
                      message="grading stopped" if status == "timeout" else "")
    table = render_table([result("alice", 10), result("bob", 7.5, timeouts=2), result("carol", 0, "timeout", 3),
                          Result(exercise=EX, submission_sha256="", submission="gone", score=0, max_score=0,
                                 status="error", grader_version="v", message="gone: no such file or folder.")])
    lines = table.splitlines()
    assert lines[0].split() == ["score", "lost", "status", "student", "submission"]
    assert lines[2].split()[:3] == ["7.5/10", "2.5", "graded"] and "(2 timed out)" in lines[2]
    assert lines[3].split()[:3] == ["0/10", "10", "timeout"]
    assert lines[-1] == "3 graded, 1 errors, 2 with timeouts; score mean 5.833, median 7.5 (of 10)"


def _where_i_run(i: int) -> str:
    time.sleep(0.2)  # long enough for both grading processes to take tasks
    return json.dumps([os.getpid(), sorted(os.sched_getaffinity(0))])


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2,
                    reason="one processor: nothing to pin")
@pytest.mark.parametrize("pinned", [True, False])
def test_each_grading_process_keeps_to_a_processor_of_its_own(pinned, monkeypatch):
    """Two grading processes on a machine of two or more processors: one processor each (their sandboxes
    and workers inherit it); NNCOURSE_NO_PIN=1 leaves them free."""
    from nncourse.grading.batch import LocalPool
    if not pinned:
        monkeypatch.setenv("NNCOURSE_NO_PIN", "1")
    pool = LocalPool(2, _where_i_run, list(range(6)))
    try:
        seen = [json.loads(text) for i, text in pool.completed(poll=0.1) if i >= 0]
    finally:
        pool.shutdown()
    by_process = {pid: cpus for pid, cpus in seen}
    assert len(seen) == 6 and len(by_process) == 2
    if pinned:
        assert all(len(cpus) == 1 for cpus in by_process.values())
        assert len({cpus[0] for cpus in by_process.values()}) == 2
    else:
        assert all(cpus == sorted(os.sched_getaffinity(0)) for cpus in by_process.values())


def test_a_killed_runs_temporary_files_are_removed_by_the_next_and_a_live_ones_kept(tmp_path):
    from nncourse.grading.store import ResultStore
    folder = tmp_path / "out" / EX / "alice"
    folder.mkdir(parents=True)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    orphan = folder / f".CURRENT.{int(dead.stdout)}.tmp"
    live = folder / f".0123456789abcdef.json.{os.getpid()}.tmp"
    for path in (orphan, live):
        path.write_text("half")
    ResultStore(tmp_path / "out", EX)
    assert not orphan.exists() and live.exists()


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2,
                    reason="one processor: nothing to pin")
def test_a_local_clusters_workers_keep_to_a_processor_each():
    """--scheduler local: each Dask worker's grading thread (and what it starts) on a processor of its own."""
    pytest.importorskip("distributed")
    from nncourse.grading import cluster

    def where() -> tuple[int, list[int]]:
        from nncourse.grading import cluster as on_worker
        on_worker.prepare_process()  # what grade_on_worker does first
        return os.getpid(), sorted(os.sched_getaffinity(0))

    client, local = cluster._client("local", 2)
    try:
        workers = sorted(client.scheduler_info()["workers"])
        seen = dict(client.submit(where, pure=False, workers=[w]).result() for w in workers)
    finally:
        client.close()
        local.close()
    assert len(seen) == 2 and all(len(cpus) == 1 for cpus in seen.values())
    assert len({cpus[0] for cpus in seen.values()}) == 2
