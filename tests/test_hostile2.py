"""Round two of the hostile corpus: escapes, floods and peeking, against every layer of the sandbox.

Every `tests/hostile2/<case>.py` (exercise2) starts with
`# HOSTILE: <behaviour> | expect: <expectation>[ | <scope>]` (the format of
tests/hostile) and holds only its hostile part; the submission graded is that
header, the reference module, then the hostile part (case_module). All of them are graded in ONE `nncourse grade --json --jobs 2
--out DIR` run (a separate process, so its memory can be measured) next to a
reference and a variant, under bubblewrap and under the weak mode
(--allow-weak-isolation). Scopes: `cgroup only` cases run where this machine
can create a cgroup per worker; `confined files only` cases run under
bubblewrap or where Landlock confines the weak mode (elsewhere they would
really fill /tmp or read the course); `no capability kept` cases run unless
the weak mode had to keep CAP_DAC_READ_SEARCH (root, a Python out of an
unprivileged user's reach, and no private mount namespace). Afterwards: each case has its expected
Result, the ordinary ones full marks, no process of a sandbox uid is left,
no cgroup of the run is left, and no grading process went past 600 MB of RSS.

Smaller tests below prove each layer on its own: the filter on every sandbox
process (bwrap's PID 1 included), the unprivileged host uid, the cgroup, the
seccomp rules, Landlock, and the refusal of hidden grading in the weak mode.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
import yaml

from nncourse.result import Result
from nncourse.sandbox import cgroup, isolation, landlock, seccomp, template

from conftest import REPO

EX, MODULE = "exercise2", "activations.py"
CORPUS = Path(__file__).resolve().parent / "hostile2"
CASES = sorted(p.stem for p in CORPUS.glob("*.py"))  # each: its header line and its hostile part
HEADER = re.compile(r"^# HOSTILE: (?P<what>.+?) \| expect: (?P<expect>.+?)(?: \| (?P<scope>[a-z ]+))?$")
RSS_LIMIT = 600 * 1024**2


def expectation(case: str) -> tuple[str, frozenset, str | None]:
    """(kind, targets, scope) from the case's first line: kind is `full` or `lose`."""
    line = (CORPUS / f"{case}.py").read_text().split("\n", 1)[0]
    match = HEADER.match(line)
    assert match, f"{case}: first line must be '# HOSTILE: <behaviour> | expect: <expectation>'"
    expect, scope = match["expect"], match["scope"]
    assert scope in (None, "cgroup only", "confined files only", "no capability kept"), line
    if expect.startswith("lose "):
        return "lose", frozenset(t.strip() for t in expect[5:].split(",")), scope
    assert expect == "full", line
    return "full", frozenset(), scope


@pytest.fixture(params=["bubblewrap", "weak"])
def mode(request, monkeypatch):
    """bubblewrap (skipped where missing) or the weak mode; yields the environment for the grading run."""
    env = {k: v for k, v in os.environ.items() if k != "NNCOURSE_ISOLATION"}
    if request.param == "weak":
        env["NNCOURSE_ISOLATION"] = "rlimits"
        monkeypatch.setenv("NNCOURSE_ISOLATION", "rlimits")
    else:
        monkeypatch.delenv("NNCOURSE_ISOLATION", raising=False)
    isolation.detect.cache_clear()
    active = isolation.detect()
    if (request.param == "bubblewrap") != active.strong:
        pytest.skip(f"{request.param} is not available here: {active.reason}")
    yield active, env
    isolation.detect.cache_clear()


@pytest.fixture(scope="module")
def slow_course(tmp_path_factory):
    """exercise2's course files with generous budgets: the machine is shared and loaded."""
    root = tmp_path_factory.mktemp("hostile2-course")
    for name in ("solutions/exercise2", "grader/exercise2", "exercises/exercise2"):
        shutil.copytree(REPO / name, root / name)
    data = yaml.safe_load((REPO / "course.yaml").read_text())
    data["exercises"] = [e for e in data["exercises"] if e["id"] == EX]
    data["limits"] = {"test_timeout": 30, "submission_timeout": 600}
    (root / "course.yaml").write_text(yaml.safe_dump(data))
    return root


def runnable(scope: str | None, active: isolation.Isolation) -> bool:
    if scope == "cgroup only":
        return cgroup.support().usable
    if scope == "confined files only":
        return active.strong or landlock.abi_version() >= 1
    if scope == "no capability kept":  # not the weak mode's setpriv launcher, which keeps CAP_DAC_READ_SEARCH
        return not active.launcher
    return True


# -- what runs alongside the batch ------------------------------------------------------------------------
def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def _hwm(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            return next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return 0


class RssWatch:
    """The RSS high-water mark of the grading processes (the CLI process and its pool), sampled."""

    def __init__(self, proc: subprocess.Popen):
        self.proc, self.peak, self.stop = proc, {}, threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop.is_set():
            main = self.proc.pid
            for pid in [main, *_children(main)]:
                try:
                    exe = os.readlink(f"/proc/{pid}/exe")
                    cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
                except OSError:
                    continue
                if "python" in os.path.basename(exe) and b"worker.py" not in cmd:
                    self.peak[pid] = max(self.peak.get(pid, 0), _hwm(pid))
            self.stop.wait(0.2)

    def done(self) -> dict[int, int]:
        self.stop.set()
        self.thread.join(5)
        return self.peak


def sandbox_processes(uids: set[int]) -> list[str]:
    """Live (not zombie) processes of these sandbox host uids (other developers' graders use the range too)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            uid = os.stat(f"/proc/{entry}").st_uid
            state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
            cmd = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ")[:150]
        except OSError:
            continue
        if uid in uids and state != "Z":
            found.append(f"pid {entry} uid {uid}: {cmd!r}")
    return found


def leftover_cgroups(pids: set[int]) -> list[str]:
    found = []
    for parent in [*cgroup.support().parents.values(), cgroup.support().kill_parent]:
        if parent and os.path.isdir(parent):
            found += [os.path.join(parent, n) for n in os.listdir(parent)
                      if n.startswith("nncourse-") and n.split("-")[1].isdigit() and int(n.split("-")[1]) in pids]
    return found


def case_module(case: str) -> str:
    """A case as a submission: its header, the reference module (right answers), then its hostile part
    (which rebinds some names), so each case file holds only what it does differently."""
    head, hostile = (CORPUS / f"{case}.py").read_text().split("\n", 1)
    reference = (REPO / "solutions" / EX / MODULE).read_text()
    return f"{head}\n{reference}\n\n{hostile}"


def render_cases(folder: Path, targets: dict[str, str], cases: list[str]) -> dict[str, Path]:
    """Copies of the cases; read_peers learns where the reference and a peer submission are."""
    paths = {}
    for case in cases:
        text = case_module(case)
        text = text.replace("TARGETS = {}", f"TARGETS = {targets!r}")
        (folder / case).mkdir(parents=True)
        paths[case] = folder / case / MODULE
        paths[case].write_text(text)
    return paths


@pytest.mark.slow
def test_hostile2_corpus_in_one_batch(mode, slow_course, tmp_path, capsys):
    active, env = mode
    ordinary = {"reference": REPO / "solutions" / EX / MODULE,
                "variant": REPO / "tests" / "variants" / EX / "logspace" / MODULE}
    subs = {}
    for name, source in ordinary.items():
        (tmp_path / "subs" / name).mkdir(parents=True)
        subs[name] = shutil.copyfile(source, tmp_path / "subs" / name / MODULE)
    cases = [c for c in CASES if runnable(expectation(c)[2], active)]
    targets = {"reference": str(slow_course / "solutions" / EX / MODULE), "peer": str(subs["variant"])}
    paths = {**subs, **render_cases(tmp_path / "cases", targets, cases)}

    argv = [sys.executable, "-m", "nncourse", "--course", str(slow_course), "grade", EX,
            *map(str, paths.values()), "--json", "--jobs", "2", "--out", str(tmp_path / "out"),
            "--allow-weak-isolation"]
    started = time.monotonic()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True,
                            stdin=subprocess.DEVNULL)
    watch = RssWatch(proc)
    out, err = proc.communicate(timeout=1800)
    peaks = watch.done()
    seconds = time.monotonic() - started
    assert proc.returncode == 0, err[-3000:]
    results = [Result.from_json(line) for line in out.splitlines()]
    assert len(results) == len(paths), out[:2000]
    got = dict(zip(paths, results))

    label = "strong" if active.strong else "WEAK ISOLATION"
    assert {r.isolation for r in results} == {label}
    for name in subs:
        assert got[name].score == got[name].max_score == 180, f"{name}: {got[name].score}: {got[name].message}"
    for case in cases:
        kind, targets_lost, _ = expectation(case)
        result = got[case]
        assert result.status == "graded", f"{case}: {result.status}: {result.message[:300]}"
        lost = {t.target for t in result.tests if t.status != "passed"}
        bad = [f"{t.name}: {t.message[:200]}" for t in result.tests if t.status != "passed"]
        assert lost == set(targets_lost), f"{case} lost {sorted(lost)}:\n" + "\n".join(bad[:10])

    # nothing outlives the batch: no process of a sandbox uid, no cgroup of its processes
    time.sleep(1.0)
    grading = {proc.pid, *peaks}
    assert not sandbox_processes({isolation.FALLBACK_UID_BASE + pid % 100000 for pid in grading})
    assert not leftover_cgroups(grading)
    # the grading processes stay small whatever the workers do
    assert peaks and max(peaks.values()) < RSS_LIMIT, {p: v >> 20 for p, v in peaks.items()}
    with capsys.disabled():
        print(f"\n{active.kind}: {len(paths)} submissions in {seconds:.0f} s; grading processes' peak RSS "
              + ", ".join(f"{v / 2**20:.0f} MB" for v in peaks.values()))
        for name, r in got.items():
            print(f"  {name:20} {r.score:6g}/{r.max_score:g}  {r.status.value:8} lost "
                  f"{sorted({t.target for t in r.tests if t.status != 'passed'})}")


# -- each layer on its own ----------------------------------------------------------------------------------
def _descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        kids = _children(todo.pop())
        out += kids
        todo += kids
    return out


def _status(pid: int) -> dict[str, str]:
    with open(f"/proc/{pid}/status") as f:
        return dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)


def test_every_sandbox_process_is_filtered_unprivileged_and_counted(mode):
    """bwrap's init (PID 1 inside) and the worker run under the filter, as the unprivileged host uid,
    in the worker's cgroup; after close() none of them is left, nor the cgroup."""
    from nncourse.sandbox.proxy import Session, StudentModule
    active, _env = mode
    session = Session(str(REPO / "solutions" / EX / MODULE), "activations")
    try:
        assert StudentModule(session).sigmoid(0.0) == 0.5
        worker = session.worker
        forked = isinstance(worker, template.TemplateWorker)  # NNCOURSE_TEMPLATE=always: a template's child
        pids = [worker.proc.pid, *_descendants(worker.proc.pid)]
        inside = pids if forked or not active.strong else pids[1:]  # bwrap's own monitor stays outside
        assert len(inside) == (2 if active.strong and not forked else 1), pids
        for pid in inside:
            status = _status(pid)
            assert status["Seccomp"].strip() == "2", f"pid {pid} runs without the filter"
            assert status["NoNewPrivs"].strip() == "1"
        for pid in pids:
            uid = int(_status(pid)["Uid"].split()[0])
            assert uid != 0, f"pid {pid} runs as root on the host"
            if active.uid is not None:
                assert uid == active.uid
        if worker.cgroup is not None:
            assert set(pids) <= set(worker.cgroup.pids())
            folders = [*worker.cgroup.folders.values()]
    finally:
        session.close()
    if forked:
        assert worker.template.wait_reaped(10.0)  # a template's child: reaped by the template's thread
    for pid in pids:
        assert not os.path.exists(f"/proc/{pid}") or "Z" in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1][:3]
    if cgroup.support().usable:
        assert not any(os.path.exists(f) for f in folders)


SECCOMP_PROBE = textwrap.dedent("""
    import ctypes, os, sys, threading
    from nncourse.sandbox import seccomp
    assert seccomp.install(seccomp.build(self_pid=os.getpid()))
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    def refused(ret):
        return ret == -1 and ctypes.get_errno() in (1, 38)  # EPERM, ENOSYS
    out = {}
    try:
        os.fork(); out["fork"] = False
    except OSError:
        out["fork"] = True
    out["unshare"] = refused(libc.unshare(0x10000000))
    out["clone newuser"] = refused(libc.syscall(56, 0x10000000 | 17, 0, 0, 0, 0))
    args = (ctypes.c_uint64 * 11)(0, 0, 0, 0, 17, 0, 0, 0, 0, 0, 0)
    out["clone3"] = libc.syscall(435, args, 88) == -1 and ctypes.get_errno() == 38
    out["ptrace"] = refused(libc.ptrace(16, os.getppid(), None, None))
    out["kill parent"] = refused(libc.kill(os.getppid(), 0))
    out["kill self"] = libc.kill(os.getpid(), 0) == 0
    seen = []
    t = threading.Thread(target=seen.append, args=(1,)); t.start(); t.join()
    out["threads"] = seen == [1]
    print(out)
    sys.exit(0 if all(out.values()) else 1)
""")


@pytest.mark.skipif(not seccomp.supported(), reason="no seccomp filter for this machine")
def test_the_filter_refuses_escapes_and_keeps_threads():
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    done = subprocess.run([sys.executable, "-c", SECCOMP_PROBE], capture_output=True, text=True, env=env,
                          timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_filter_is_valid_bpf_on_every_machine_it_knows():
    for machine in seccomp.ARCHES:
        program = seccomp.build(self_pid=1234, machine=machine)
        assert len(program) % 8 == 0 and len(program) // 8 < 4096


LANDLOCK_PROBE = textwrap.dedent("""
    import os, sys
    from nncourse.sandbox import landlock
    mine, other = sys.argv[1], sys.argv[2]
    landlock.restrict([(mine, landlock.READ | landlock.WRITE), ("/usr", landlock.READ | landlock.EXECUTE)])
    open(os.path.join(mine, "new"), "w").write("ok")
    try:
        open(os.path.join(other, "secret")).read()
    except PermissionError:
        sys.exit(0)
    sys.exit(1)
""")


@pytest.mark.skipif(landlock.abi_version() < 1, reason="this kernel offers no Landlock")
def test_landlock_keeps_a_worker_out_of_other_folders(tmp_path):
    mine, other = tmp_path / "mine", tmp_path / "other"
    mine.mkdir()
    other.mkdir()
    (other / "secret").write_text("peer text")
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    done = subprocess.run([sys.executable, "-c", LANDLOCK_PROBE, str(mine), str(other)], capture_output=True,
                          text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (mine / "new").read_text() == "ok"


def test_hidden_grading_refuses_the_weak_mode_unless_allowed(cli, monkeypatch, tmp_path):
    monkeypatch.setenv("NNCOURSE_ISOLATION", "rlimits")
    isolation.detect.cache_clear()
    try:
        reference = REPO / "solutions" / EX / MODULE
        refused = cli("grade", EX, reference)
        assert refused.exit_code == 1
        assert "needs strong isolation" in refused.stderr and "--allow-weak-isolation" in refused.stderr
        assert cli("validate", EX).exit_code == 1
        allowed = cli("grade", EX, reference, "--json", "--allow-weak-isolation")
        assert allowed.exit_code == 0, allowed.stderr
        assert Result.from_json(allowed.stdout).isolation == "WEAK ISOLATION"
        assert Result.from_json(allowed.stdout).score == 180
        assert "WEAK ISOLATION" in allowed.stderr
        table = cli("grade", EX, reference, reference, "--jobs", "1", "--allow-weak-isolation")
        assert table.stdout.strip().splitlines()[-1].startswith("WEAK ISOLATION")
        # the course may allow it for good
        course = tmp_path / "course"
        for name in ("solutions/exercise2", "grader/exercise2", "exercises/exercise2"):
            shutil.copytree(REPO / name, course / name)
        data = yaml.safe_load((REPO / "course.yaml").read_text())
        data["exercises"] = [e for e in data["exercises"] if e["id"] == EX]
        data["allow_weak_isolation"] = True
        (course / "course.yaml").write_text(yaml.safe_dump(data))
        monkeypatch.setenv("NNCOURSE_COURSE", str(course))
        assert cli("grade", EX, reference).exit_code == 0
        # a student's own check is never refused
        assert cli("check", EX, "--dir", str(reference.parent)).exit_code == 0
    finally:
        isolation.detect.cache_clear()
