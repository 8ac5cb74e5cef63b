"""The warmed template: nothing one submission leaves behind reaches the next, through the SAME template.

Submission A tries to leave traces everywhere a process can (files in /tmp,
/dev/shm, its work folder, the slots' tmpfs, the environment, a running
thread, a patched numpy and builtins, a signal handler, a huge memfd, the
template's memory through /proc/<ppid>/mem, SIGKILL of its parent, PID 1 and
everything); B, forked from the same template afterwards, looks for each of
them and must find none; B's Result equals B graded alone (the per-submission
worker) and the template still serves. Two children alive at once never share
a slot and cannot read each other's; a timeout kills one child and nothing
else; a child whose confinement fails runs no student code and the Result
says the sandbox failed. Runs where the template can (bubblewrap, Landlock).
"""
from __future__ import annotations

import json
import os
import textwrap

import pytest

from nncourse.course import load_course
from nncourse.errors import WorkerTimeout
from nncourse.sandbox import template
from nncourse.sandbox.limits import Limits
from nncourse.sandbox.proxy import Session, StudentModule

from conftest import REPO

pytestmark = pytest.mark.skipif(template.unavailable_reason() is not None,
                                reason=f"no warmed template here: {template.unavailable_reason()}")

LEAVE = textwrap.dedent('''
    import builtins, os, signal, threading, time
    import numpy as np

    def leave():
        """Try to leave every trace; return which attempts the sandbox let through."""
        worked = []
        for path in ("/tmp/nn-trace", "/dev/shm/nn-trace", "/slots/nn-trace", "/opt/nncourse/nn-trace",
                     "nn-trace", os.path.join(os.environ.get("HOME", "."), "nn-home-trace")):
            try:
                with open(path, "w") as f:
                    f.write("left")
                worked.append(path)
            except OSError:
                pass
        os.environ["NN_TRACE"] = "left"
        threading.Thread(target=time.sleep, args=(3600,), name="nn-trace", daemon=True).start()
        np.sum = lambda *a, **k: 42
        builtins.nn_trace = "left"
        signal.signal(signal.SIGTERM, lambda *a: None)
        fd = os.memfd_create("nn-trace")
        os.ftruncate(fd, 60 << 20)  # RLIMIT_FSIZE (64 MiB) caps a memfd too
        os.write(fd, b"x" * (48 << 20))
        try:
            with open(f"/proc/{os.getppid()}/mem", "r+b") as mem:
                mem.write(b"x")
            worked.append("ppid mem")
        except OSError:
            pass
        for pid in (os.getppid(), 1, -1):
            try:
                os.kill(pid, signal.SIGKILL)
                worked.append(f"kill {pid}")
            except OSError:
                pass
        # The next child is forked ahead while this one runs (a spare, waiting for its submission):
        # every other process of the sandbox, and every other slot, must be out of reach.
        for pid in range(2, 200):
            if pid in (os.getpid(), os.getppid()):
                continue
            try:
                os.kill(pid, signal.SIGKILL)
                worked.append(f"kill {pid}")
            except OSError:
                pass
            try:
                with open(f"/proc/{pid}/mem", "r+b"):
                    worked.append(f"mem {pid}")
            except OSError:
                pass
        mine = os.path.dirname(os.getcwd())
        for k in range(1, 200):
            for sub in ("submission/mod.py", "submission/activations.py", "work/nn-trace"):
                path = f"/slots/{k}/{sub}"
                if path.startswith(mine + "/"):
                    continue
                try:
                    with open(path, "w") as f:
                        f.write("left")
                    worked.append(path)
                except OSError:
                    pass
        return worked

    def read(path):
        try:
            with open(path) as f:
                return f.read()
        except OSError as exc:
            return f"refused: {exc.strerror}"

    def write_work(text):
        with open("mine.txt", "w") as f:
            f.write(text)
        return os.getcwd()

    def spin():
        while True:
            pass
''')

LOOK = textwrap.dedent('''
    import builtins, os, signal, threading
    import numpy as np

    def look(gone):
        """Every trace an earlier submission could have left here (gone: its slot, removed by now)."""
        found = [p for p in ("/tmp/nn-trace", "/dev/shm/nn-trace", "/slots/nn-trace", "/opt/nncourse/nn-trace")
                 if os.path.exists(p)]
        found += [f"cwd: {n}" for n in os.listdir(".")]
        found += [f"home: {n}" for n in os.listdir(os.environ["HOME"])]
        if "NN_TRACE" in os.environ:
            found.append("environment")
        found += [f"thread {t.name}" for t in threading.enumerate() if t is not threading.main_thread()]
        if np.sum(np.ones(3)) != 3.0:
            found.append("numpy patched")
        if hasattr(builtins, "nn_trace"):
            found.append("builtins patched")
        if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
            found.append("signal handler")
        fds = sorted(int(n) for n in os.listdir("/proc/self/fd"))
        if len(fds) > 6:  # 0, 1, 2, the two pipes, and listdir's own
            found.append(f"fds {fds}")
        if os.path.exists(gone):
            found.append(f"slot {gone} still there")
        return found
''')

# B at import: the slots before its own must be gone and nothing else left; any trace breaks sigmoid.
LOOK_AT_IMPORT = textwrap.dedent('''
    _parts = __file__.split("/")
    _earlier = [f"/slots/{k}" for k in range(1, int(_parts[2]))] if __file__.startswith("/slots/") else []
    if any(look(_slot) for _slot in _earlier or ["/slots/none"]):
        sigmoid = None
''')


def _spare_forked_ahead() -> template.TemplateWorker:
    """The child this process forked ahead for the next submission (waiting for its submission)."""
    (thread, box), = [entry for key, entry in template._SPARES._ahead.items() if key[0] == os.getpid()]
    thread.join()
    assert box and box[0].waiting()
    return box[0]


def _template_of(session: Session) -> template.Template:
    return session.worker.template


@pytest.fixture
def modules(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "mod.py").write_text(LEAVE)
    (tmp_path / "b" / "mod.py").write_text(LOOK + LEAVE)
    return str(tmp_path / "a" / "mod.py"), str(tmp_path / "b" / "mod.py")


def _session(path: str, limits: Limits | None = None) -> Session:
    session = Session(path, "mod", limits or Limits(call_timeout=10))
    session.worker_factory = template.start_worker
    return session


def test_the_next_submission_finds_nothing_of_the_last(modules):
    a_path, b_path = modules
    a = _session(a_path)
    try:
        worked = StudentModule(a).leave()
        assert isinstance(a.worker, template.TemplateWorker)
        tmpl, tmpl_pid = _template_of(a), _template_of(a).proc.pid
        a_slot = os.path.dirname(os.path.dirname(a.worker.visible_module))
        spare = _spare_forked_ahead()  # alive while A ran: A tried to kill it and to write into its slot
    finally:
        a.close()
    assert all(w in ("nn-trace", f"{a_slot}/work/nn-home-trace") for w in worked), worked  # its own folder only
    b = _session(b_path)
    try:
        assert StudentModule(b).look(a_slot) == []
        assert b.worker is spare  # the spare A could not reach, not a child forked after A was gone
        assert _template_of(b) is tmpl and tmpl.alive() and tmpl.proc.pid == tmpl_pid
        assert os.path.dirname(os.path.dirname(b.worker.visible_module)) != a_slot
    finally:
        b.close()


def test_two_children_never_share_a_slot_nor_read_each_other(modules):
    a_path, b_path = modules
    one, two = _session(a_path), _session(b_path)
    try:
        first, second = StudentModule(one), StudentModule(two)
        work_one, work_two = first.write_work("one"), second.write_work("two")
        assert work_one != work_two
        assert one.worker.visible_module != two.worker.visible_module
        assert first.read(one.worker.visible_module).startswith("\nimport builtins")  # its own: readable
        for path in (two.worker.visible_module, f"{work_two}/mine.txt"):
            assert first.read(path).startswith("refused"), path
        assert second.read(one.worker.visible_module).startswith("refused")
    finally:
        one.close()
        two.close()


def test_a_timeout_kills_that_child_and_nothing_else(modules):
    a_path, b_path = modules
    looping, other = _session(a_path, Limits(call_timeout=1)), _session(b_path)
    try:
        StudentModule(other).read("/")
        tmpl = _template_of(other)
        with pytest.raises(WorkerTimeout):
            StudentModule(looping).spin()
        assert not looping.worker.alive()
        assert other.worker.alive() and tmpl.alive()
        assert StudentModule(other).look("/slots/none") == []
    finally:
        looping.close()
        other.close()


def test_a_failed_confinement_step_runs_no_student_code(modules, monkeypatch, tmp_path):
    """The child fails to set its rlimits: it exits before the module is imported; the Result says so."""
    from nncourse.grading import batch
    from nncourse.sandbox import template_worker
    monkeypatch.setattr(template_worker, "_rlimits", lambda limits, active: {"no such limit": 1})
    marker = tmp_path / "ran"
    student = tmp_path / "activations.py"
    student.write_text((REPO / "solutions" / "exercise2" / "activations.py").read_text()
                       + f"\nopen({str(marker)!r}, 'w').close()\n")
    result = json.loads(batch.grade_task(str(REPO), "exercise2", str(student)))
    assert result["status"] == "error" and result["score"] == 0
    assert "sandbox failed to confine your code" in result["message"]
    assert not marker.exists()


def _strip(result) -> dict:
    data = json.loads(result.to_json())
    data.pop("duration", None)
    for test in data["tests"]:
        test.pop("duration", None)
    return data


def test_grading_b_after_a_equals_b_alone(tmp_path):
    """exercise2 through grade_collected: A leaves its traces at import, B looks at import and would break
    sigmoid on any; B's Result equals B graded by a per-submission worker of its own."""
    from nncourse.grading.engine import close_suites, grade, grade_collected
    from nncourse.submission import resolve_submission
    course = load_course(REPO, check_files=False)
    ex = course.exercise("exercise2")
    reference = (REPO / "solutions" / "exercise2" / "activations.py").read_text()
    for name, extra in (("a", LEAVE + "\n_left = leave()\n"),
                        ("b", LOOK + LOOK_AT_IMPORT)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "activations.py").write_text(reference + "\n" + extra)
    with resolve_submission(str(tmp_path / "a"), ex.module) as sub:
        grade_collected(course, ex, sub)
    tmpl = next(t for (pid, _), t in template._TEMPLATES.items() if pid == os.getpid())
    with resolve_submission(str(tmp_path / "b"), ex.module) as sub:
        warm = grade_collected(course, ex, sub)
        assert tmpl.alive() and next(t for (p, _), t in template._TEMPLATES.items() if p == os.getpid()) is tmpl
        close_suites()  # one pytest session at a time in a process
        alone = grade(course, ex, sub)  # a per-submission worker (a single check's path)
    assert warm.score == warm.max_score
    assert _strip(warm) == _strip(alone)


def test_a_template_that_died_is_started_again(modules):
    a_path, b_path = modules
    first = _session(b_path)
    try:
        assert StudentModule(first).look("/slots/none") == []
        old = _template_of(first)
    finally:
        first.close()
    old.proc.kill()
    old.proc.wait(timeout=10)
    second = _session(b_path)
    try:
        assert StudentModule(second).look("/slots/none") == []
        assert isinstance(second.worker, template.TemplateWorker) and _template_of(second) is not old
    finally:
        second.close()


def _status(pid: int) -> dict[str, str]:
    with open(f"/proc/{pid}/status") as f:
        return dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)


def test_a_child_stacks_its_own_filter_runs_unprivileged_in_its_own_cgroup(modules):
    from nncourse.sandbox import isolation
    _a_path, b_path = modules
    session = _session(b_path)
    try:
        StudentModule(session).look("/slots/none")
        worker = session.worker
        status = _status(worker.proc.pid)
        assert status["Seccomp"].strip() == "2" and status["NoNewPrivs"].strip() == "1"
        assert int(status.get("Seccomp_filters", "2").strip()) >= 2  # the sandbox's and its own, stricter one
        uid = int(status["Uid"].split()[0])
        assert uid != 0 and (isolation.detect().uid is None or uid == isolation.detect().uid)
        if worker.cgroup is not None:
            assert worker.cgroup.pids() == [worker.proc.pid]
            folders = list(worker.cgroup.folders.values())
        pid = worker.proc.pid
    finally:
        session.close()
    assert worker.template.wait_reaped(10.0)  # close() left the reaping to the template's thread
    assert not os.path.exists(f"/proc/{pid}") or " Z " in open(f"/proc/{pid}/stat").read()
    if worker.cgroup is None and "folders" in locals():
        assert not any(os.path.exists(f) for f in folders)
