"""Hostile submissions can't hang, crash, flood, escape or forge a score.

Every `tests/hostile/<case>/activations.py` (exercise2) starts with
`# HOSTILE: <behaviour> | expect: <expectation>[ | <scope>]` and all of them are
graded in ONE `nncourse grade --json --jobs 2 --out DIR` call, next to ordinary
submissions (the reference, a variant, a mutant and a module that does nothing),
once under bubblewrap and once under the rlimits fallback. Expectations:

- `full`: full marks; `zero`: 0 points (a forger; `says "..."`: words in the Result's message);
- `lose A, B`: exactly targets A and B lose points, every other test passes
  (`status S`: each lost test has status S; `says "..."`: its message holds the words);
- `nothing gained`: no test passes that the do-nothing module fails.

Scopes: `bubblewrap only` cases (network, reading files, writing to /tmp, disk
quota) are asserted under bubblewrap alone; `unprivileged only` cases (writing
into the repo, killing the grader) hold under bubblewrap or a fallback that drops
to an unprivileged uid, and are not run at all by a fallback that runs as root.
After each batch: no leftover process, no marker planted outside the scratch
folders, the course files untouched, the --out folder holds the true results.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from nncourse.cli import main
from nncourse.grading.batch import grade_task
from nncourse.mutants import load_mutant, write_mutant
from nncourse.result import Result
from nncourse.sandbox import isolation

from conftest import HOSTILE, REPO

EX = "exercise2"
MODULE = "activations.py"
MARKER = "NNHOSTILE"           # every hostile write, process name and forged line carries it
LISTEN_PORT = 47_311           # the `network` case tries to reach this listener
MAX_MESSAGE = 10_000           # characters of feedback per test, whatever the code under test does
CASES = sorted(p.parent.name for p in HOSTILE.glob(f"*/{MODULE}"))
HEADER = re.compile(r"^# HOSTILE: (?P<what>.+?) \| expect: (?P<expect>.+?)(?: \| (?P<scope>[a-z ]+))?$")
# Files that no process but a human should touch during the run: strict mtime check.
STRICT = ("solutions/exercise2", "grader/exercise2", "exercises/exercise2", "course.yaml", "tests/hostile")
SKIP_DIRS = {".git", "__pycache__", ".ruff_cache", ".pytest_cache", ".benchmarks", ".ci"}


@dataclass(frozen=True)
class Expect:
    kind: str                      # full | zero | lose | nothing gained
    targets: frozenset = frozenset()
    status: str | None = None
    says: str | None = None
    scope: str | None = None       # None | "bubblewrap only" | "unprivileged only"


def parse_header(path: Path) -> Expect:
    line = path.read_bytes().split(b"\n", 1)[0].decode("ascii")
    match = HEADER.match(line)
    assert match, f"{path}: first line must be '# HOSTILE: <behaviour> | expect: <expectation>'"
    kind, *fields = [f.strip() for f in match["expect"].split(";")]
    targets = frozenset()
    if kind.startswith("lose "):
        kind, targets = "lose", frozenset(t.strip() for t in kind[5:].split(","))
    assert kind in ("full", "zero", "lose", "nothing gained"), line
    status = says = None
    for field in fields:
        if field.startswith("status "):
            status = field[7:]
        elif field.startswith("says "):
            says = field[5:].strip('"')
        else:
            raise AssertionError(f"{path}: unknown expectation field {field!r}")
    assert match["scope"] in (None, "bubblewrap only", "unprivileged only"), line
    return Expect(kind, targets, status, says, match["scope"])


EXPECT = {case: parse_header(HOSTILE / case / MODULE) for case in CASES}


# -- fixtures ----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def fast_course(tmp_path_factory):
    """A copy of exercise2's course files with a 4 s per-test budget: hanging code is cut off quickly,
    while honest work still fits on a loaded 2-core CI machine."""
    root = tmp_path_factory.mktemp("hostile-course")
    for name in STRICT[:3]:
        shutil.copytree(REPO / name, root / name)
    data = yaml.safe_load((REPO / "course.yaml").read_text())
    data["exercises"] = [e for e in data["exercises"] if e["id"] == EX]
    data["limits"] = {"test_timeout": 4, "submission_timeout": 600}  # 600: forgers whose every call fails restart a worker per test
    (root / "course.yaml").write_text(yaml.safe_dump(data))
    return root


@pytest.fixture(scope="module")
def ordinary(tmp_path_factory):
    """Ordinary submissions and their normal Results, graded alone on the bundled course."""
    do_nothing = tmp_path_factory.mktemp("do-nothing") / MODULE
    do_nothing.write_text("".join(f"def {name}(*args, **kwargs):\n    return None\n\n\n"
                                  for name in _api_names()))
    subs = {"reference": REPO / "solutions" / EX / MODULE,
            "variant": REPO / "tests" / "variants" / EX / "logspace" / MODULE,
            "mutant": write_mutant(load_mutant(REPO / "grader" / EX / "mutants" / "relu_grad_one_at_zero.diff"),
                                   REPO / "solutions" / EX / MODULE, tmp_path_factory.mktemp("mutant")),
            "do_nothing": do_nothing}
    normal = {name: Result.from_json(grade_task(str(REPO), EX, str(path))) for name, path in subs.items()}
    assert normal["reference"].score == normal["variant"].score == normal["reference"].max_score
    assert 0 < normal["mutant"].score < normal["mutant"].max_score
    return subs, normal


def _api_names() -> list[str]:
    source = (REPO / "solutions" / EX / MODULE).read_text()
    return re.findall(r"^def ([a-z][a-z_]*)\(", source, flags=re.MULTILINE)


@pytest.fixture(params=["bubblewrap", "rlimits"])
def isolation_kind(request, monkeypatch):
    """Run under bubblewrap (skipped where it is missing) or the forced rlimits fallback."""
    if request.param == "rlimits":
        monkeypatch.setenv("NNCOURSE_ISOLATION", "rlimits")
    else:
        monkeypatch.delenv("NNCOURSE_ISOLATION", raising=False)
    isolation.detect.cache_clear()
    active = isolation.detect()
    if active.kind != request.param:
        pytest.skip(f"{request.param} is not available here: {active.reason}")
    yield active
    isolation.detect.cache_clear()


@pytest.fixture
def listener():
    """A TCP server on 127.0.0.1:LISTEN_PORT recording what reaches it (the `network` case's target)."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        server.bind(("127.0.0.1", LISTEN_PORT))
    except OSError:
        server.close()
        pytest.skip(f"port {LISTEN_PORT} is busy")
    server.listen(16)
    server.settimeout(0.2)
    received, stop = [], threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1.0)
                try:
                    received.append(conn.recv(100))
                except OSError:
                    received.append(b"")
    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield received
    stop.set()
    thread.join(2)
    server.close()


# -- what the run must leave behind: nothing -----------------------------------------------------------------
def repo_snapshot() -> dict[str, tuple[int, int]]:
    snap = {}
    for folder, dirs, files in os.walk(REPO):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.endswith(".egg-info")]
        for name in files:
            path = os.path.join(folder, name)
            try:
                st = os.stat(path)
            except OSError:
                continue
            snap[os.path.relpath(path, REPO)] = (st.st_mtime_ns, st.st_size)
    return snap


def changed_files(before: dict, after: dict) -> tuple[list[str], list[str]]:
    """(files changed in STRICT folders, any new or changed file carrying the marker)."""
    changed = sorted(p for p in set(before) | set(after) if before.get(p) != after.get(p))
    strict = [p for p in changed if p.startswith(STRICT)]
    marked = [p for p in changed if MARKER in p or (p in after and _holds_marker(REPO / p))]
    return strict, marked


def _holds_marker(path: Path) -> bool:
    try:
        return MARKER.encode() in path.read_bytes()[:10_000_000]
    except OSError:
        return False


def planted_markers(*extra: Path) -> list[Path]:
    """Files or folders named after the marker in the places a hostile case aims at."""
    found = []
    for folder in [Path("/tmp"), Path("/var/tmp"), Path("/dev/shm"), Path("/root"), Path("/work"),
                   Path("/work/shared"), Path("/"), *extra]:
        try:
            found += [folder / n for n in os.listdir(folder) if MARKER in n]
        except OSError:
            continue
    for folder, dirs, files in os.walk(REPO):
        dirs[:] = [d for d in dirs if d != ".git"]
        found += [Path(folder, n) for n in dirs + files if MARKER in n]
    return sorted(set(found))


def remove_markers(paths: list[Path]) -> None:
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def leftover_processes() -> list[str]:
    """Live processes a hostile case may have left: by name, command line, uid or vanished scratch folder."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            stat = (proc / "stat").read_text()
            if stat.rsplit(")", 1)[1].split()[0] == "Z":
                continue  # a zombie: nothing runs (this machine's PID 1 does not reap orphans)
            comm = (proc / "comm").read_text().strip()
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            uid = proc.stat().st_uid
            environ = (proc / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        home = next((e[5:].decode(errors="replace") for e in environ if e.startswith(b"HOME=")), "")
        orphaned = "nncourse-worker-" in home and not os.path.isdir(home)
        fallback_uid = isolation.FALLBACK_UID_BASE <= uid < isolation.FALLBACK_UID_BASE + 100000
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        # a sandbox uid's process whose grading process is gone (reparented to PID 1)
        sandboxed = (uid == isolation.SANDBOX_UID and "worker.py" in cmdline) or (fallback_uid and ppid == 1)
        if MARKER in comm or MARKER in cmdline or str(HOSTILE) in cmdline or orphaned or sandboxed \
                or (fallback_uid and not home):
            found.append(f"pid {proc.name} uid {uid} comm {comm!r}: {cmdline[:200]}")
    return found


# -- the batch -----------------------------------------------------------------------------------------------
def run_batch(runner, course: Path, paths: list[Path], out: Path):
    started = time.monotonic()
    res = runner.invoke(main, ["--course", str(course), "grade", EX, *map(str, paths), "--json", "--jobs", "2",
                               "--out", str(out), "--allow-weak-isolation"], catch_exceptions=False)
    return res, time.monotonic() - started


def lost_targets(result: Result) -> set[str]:
    return {t.target for t in result.tests if t.status != "passed"}


def check_case(case: str, result: Result, do_nothing: Result) -> None:
    """The Result of one hostile case meets its header's expectation."""
    want = EXPECT[case]
    assert result.status == "graded", f"{case}: {result.status}: {result.message[:300]}"
    if want.kind == "full":
        bad = [f"{t.name}: {t.message[:200]}" for t in result.tests if t.status != "passed"]
        assert result.score == result.max_score, f"{case} lost points:\n" + "\n".join(bad)
    elif want.kind == "zero":
        assert result.score == 0, f"{case} scored {result.score}: " + \
            ", ".join(t.name for t in result.tests if t.status == "passed")
        assert want.says is None or want.says in result.message, f"{case}: {result.message[:300]}"
    elif want.kind == "nothing gained":
        free = {t.name for t in do_nothing.tests if t.status == "passed"}
        gained = [t.name for t in result.tests if t.status == "passed" and t.name not in free]
        assert not gained, f"{case} passed tests a module doing nothing fails: {gained}"
    else:
        assert lost_targets(result) == want.targets, f"{case}: lost {sorted(lost_targets(result))}"
        for t in result.tests:
            if t.status != "passed":
                assert want.status is None or t.status == want.status, f"{case}: {t.name}: {t.status}"
                assert want.says is None or want.says in t.message, f"{case}: {t.name}: {t.message[:300]}"


def check_invariants(case: str, path: Path, result: Result) -> None:
    """Whatever a case does: its bytes are hashed as given, feedback is bounded, no grader fault is faked."""
    assert result.submission_sha256 == hashlib.sha256(path.read_bytes()).hexdigest(), case
    assert len(result.to_json()) < 2_000_000, f"{case}: a Result of {len(result.to_json())} bytes"
    for t in result.tests:
        assert len(t.message) <= MAX_MESSAGE, f"{case}: {t.name}: a message of {len(t.message)} characters"
        assert t.status != "error", f"{case}: {t.name} shows a grader fault:\n{t.instructor_detail[-1500:]}"


@pytest.mark.slow
def test_hostile_corpus_in_one_batch(isolation_kind, fast_course, ordinary, listener, runner, tmp_path, capsys):
    strong = isolation_kind.strong
    subs, normal = ordinary
    cases = [c for c in CASES if strong or isolation_kind.uid is not None or EXPECT[c].scope != "unprivileged only"]
    paths = [*subs.values(), *(HOSTILE / c / MODULE for c in cases)]
    course_files = {p: p.read_bytes() for p in fast_course.rglob("*") if p.is_file()}
    remove_markers(planted_markers())  # from an earlier, interrupted run
    before = repo_snapshot()

    res, seconds = run_batch(runner, fast_course, paths, tmp_path / "out")
    assert res.exit_code == 0, res.stderr[-3000:]
    lines = res.stdout.splitlines()
    assert len(lines) == len(paths), "one JSON line per submission, and nothing else: \n" + res.stdout[:2000]
    results = [Result.from_json(line) for line in lines]
    assert [r.submission for r in results] == [str(p) for p in paths]
    got = dict(zip([*subs, *cases], results))

    # the ordinary submissions keep their normal scores
    for name in subs:
        assert got[name].score == normal[name].score, f"{name}: {got[name].score} != {normal[name].score}"
    # each hostile case meets its expectation (scoped ones only where they can hold)
    skipped = [c for c in cases if not strong and EXPECT[c].scope == "bubblewrap only"]
    for case in cases:
        check_invariants(case, HOSTILE / case / MODULE, got[case])
        if case not in skipped:
            check_case(case, got[case], got["do_nothing"])
    if strong:
        assert not listener, f"the sandbox reached 127.0.0.1:{LISTEN_PORT}: {listener}"

    # the --out folder holds exactly the true Results, and a rerun reuses them
    stored = {(p.parent.name, p.stem): Result.from_json(p.read_text()) for p in (tmp_path / "out").glob("*/*/*.json")}
    assert len(stored) == len({(r.student, r.submission_sha256) for r in results})
    for r in results:
        assert stored[(r.student, r.submission_sha256[:16])].score == r.score
    forgers = [HOSTILE / c / MODULE for c in cases if c.startswith("forge_")]
    again, _ = run_batch(runner, fast_course, forgers, tmp_path / "out")
    assert f"{len(forgers)} already graded" in again.stderr
    assert [Result.from_json(line).score for line in again.stdout.splitlines()] == \
        [got[p.parent.name].score for p in forgers]

    # nothing is left behind: no process, no marker, no changed course file
    time.sleep(2.0)  # a detached process that survived would have planted its marker by now
    assert not leftover_processes()
    strict, marked = changed_files(before, repo_snapshot())
    assert not strict and not marked, f"changed in the repo: {strict} {marked}"
    assert {p: p.read_bytes() for p in fast_course.rglob("*") if p.is_file()} == course_files
    markers = planted_markers(fast_course)
    remove_markers(markers)
    allowed = [f"{MARKER}_{c}" for c in skipped]  # bubblewrap-only cases may plant theirs in /tmp
    assert [m for m in markers if not any(m.name.startswith(a) for a in allowed)] == []

    with capsys.disabled():
        print(f"\n{isolation_kind.kind}: {len(paths)} submissions in {seconds:.0f} s")
        for name, r in got.items():
            scope = EXPECT[name].scope if name in EXPECT else "ordinary"
            print(f"  {name:24} {r.score:6g}/{r.max_score:g}  {r.status.value:8}"
                  f"{'  (not asserted here: ' + scope + ')' if name in skipped else ''}")


@pytest.mark.slow
def test_a_dying_grading_process_costs_one_submission_not_the_batch(monkeypatch, tmp_path):
    """The last line of defence: if a grading process dies anyway (the OOM killer), the batch goes on."""
    from nncourse.grading import batch
    real = batch.grade_task

    def grade_or_die(root, exercise, path, suite="hidden", seed=0):
        if path.endswith("killer.py"):
            os.kill(os.getpid(), signal.SIGKILL)
        return real(root, exercise, path, suite, seed)
    monkeypatch.setattr(batch, "grade_task", grade_or_die)  # the pool's processes are forked: they inherit it
    reference = str(REPO / "solutions" / EX / MODULE)
    killer = tmp_path / "killer.py"
    shutil.copyfile(reference, killer)
    results = list(batch.grade_many(str(REPO), EX, [reference, str(killer), reference, reference], jobs=2))
    assert [r.score for r in results] == [180, 0, 180, 180]
    assert results[1].status == "error" and "grading process died" in results[1].message
    assert [r.status for r in results[::2]] == ["graded"] * 2
