"""submit / score / exchange grade, and the exchange's privacy between two real unprivileged users."""
from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import traceback
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from conftest import REPO, write_module
from nncourse import exchange
from nncourse.course import load_course
from nncourse.result import Result, ResultStatus

EX, MODULE = "exercise1", "perceptron.py"


@pytest.fixture
def shared_tmp():
    """A folder every uid may traverse (pytest's tmp_path is root's alone)."""
    path = Path(tempfile.mkdtemp(prefix="nncourse-exchange-test-"))
    os.chmod(path, 0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def ex_env(cli, tmp_path, monkeypatch):
    root = exchange.init_exchange(tmp_path / "exchange")
    monkeypatch.setenv("NNCOURSE_EXCHANGE", str(root))
    monkeypatch.setenv("NNCOURSE_STUDENT", "alice")
    return root


def test_submit_keeps_every_submission_and_score_waits_for_grading(cli, ex_env, tmp_path):
    ws = tmp_path / "ws"
    write_module(ws, MODULE, "# first\n")
    assert cli("score", EX, "--dir", ws).exit_code == 1
    first = cli("submit", EX, "--dir", ws)
    assert first.exit_code == 0, first.output
    write_module(ws, MODULE, "# second\n")
    assert cli("submit", EX, "--dir", ws).exit_code == 0
    entries, notes = exchange.collect(ex_env, load_course(REPO).exercise(EX))
    assert not notes and len(entries) == 2
    assert sorted(e.module.read_text() for e in entries) == ["# first\n", "# second\n"]
    assert all(e.intact and e.student == "alice" for e in entries)
    assert not [p for p in (ex_env / "inbound").iterdir() if p.name.startswith(".tmp")]
    meta = entries[0].meta
    assert meta["sha256"] == entries[0].sha256 and datetime.fromisoformat(meta["submitted_at"]).tzinfo
    res = cli("score", EX, "--dir", ws)
    assert res.exit_code == 1 and "not graded yet" in res.output


def test_clear_errors(cli, tmp_path, monkeypatch):
    ws = tmp_path / "ws"
    write_module(ws, MODULE, "x = 1\n")
    monkeypatch.setenv("NNCOURSE_EXCHANGE", str(tmp_path / "nowhere"))
    res = cli("submit", EX, "--dir", ws, "--student", "bob")
    assert res.exit_code == 1 and "does not exist" in res.output and "Traceback" not in res.output
    (tmp_path / "plain").mkdir()
    monkeypatch.setenv("NNCOURSE_EXCHANGE", str(tmp_path / "plain"))
    res = cli("submit", EX, "--dir", ws, "--student", "bob")
    assert res.exit_code == 1 and "not an exchange" in res.output
    res = cli("submit", EX, "--dir", tmp_path / "empty", "--student", "bob")
    assert res.exit_code == 1 and f"no {MODULE}" in res.output
    res = cli("submit", EX, "--dir", ws, "--student", "../bob")
    assert res.exit_code == 2 and "not a usable student id" in res.output
    monkeypatch.delenv("NNCOURSE_EXCHANGE")
    res = cli("submit", EX, "--dir", ws, "--student", "bob")
    assert res.exit_code == 1 and "no exchange is set up" in res.output


def late_course(tmp_path: Path, days_ago: float) -> Path:
    """A copy of the course manifest whose exercise1 was due `days_ago` days ago."""
    data = yaml.safe_load((REPO / "course.yaml").read_text())
    data["exercises"] = [e for e in data["exercises"] if e["id"] == EX]
    data["exercises"][0]["deadline"] = datetime.now(timezone.utc) - timedelta(days=days_ago)
    for key in ("stub", "readme", "public_checks", "solution", "grader"):
        data["exercises"][0][key] = str(REPO / data["exercises"][0][key])
    folder = tmp_path / "late-course"
    folder.mkdir()
    (folder / "course.yaml").write_text(yaml.safe_dump(data))
    return folder


def test_past_the_hard_deadline_is_stored_and_marked_late(runner, tmp_path, monkeypatch):
    from nncourse.cli import main
    course = late_course(tmp_path, days_ago=30)
    root = exchange.init_exchange(tmp_path / "exchange")
    ws = tmp_path / "ws"
    shutil.copy(REPO / "solutions" / EX / MODULE, ws.mkdir() or ws / MODULE)
    args = ["--course", str(course)]
    res = runner.invoke(main, [*args, "submit", EX, "--dir", str(ws), "--student", "carol", "--exchange", str(root)])
    assert res.exit_code == 0, res.output
    assert "past the hard deadline" in res.output and "scores it 0" in res.output
    (entry,), _ = exchange.collect(root, load_course(course).exercise(EX))
    assert entry.meta["late"] is True
    res = runner.invoke(main, [*args, "exchange", "grade", EX, "--exchange", str(root), "-j", "1"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(main, [*args, "score", EX, "--dir", str(ws), "--json"])
    result = Result.from_json(res.output)
    assert result.student == "carol" and result.raw_score == 51 and result.score == 0
    assert result.late_penalty == 51 and result.submitted_at is not None
    text = runner.invoke(main, [*args, "score", EX, "--dir", str(ws)]).output
    assert "late: 51 points before the late penalty, -51 for lateness" in text and "score: 0 / 51" in text


def test_exchange_grade_grades_the_latest_of_each_student(cli, ex_env, tmp_path):
    for student, source in (("alice", "raise SystemExit\n"), ("bob", "x = 1\n"), ("alice", None)):
        ws = tmp_path / student
        if source is None:
            shutil.copy(REPO / "solutions" / EX / MODULE, ws / MODULE)
        else:
            write_module(ws, MODULE, source)
        assert cli("submit", EX, "--dir", ws, "--student", student).exit_code == 0
    res = cli("exchange", "grade", EX, "-j", "1", "--out", tmp_path / "out")
    assert res.exit_code == 0, res.output
    assert "graded 2 student(s)" in res.output
    full = {p.name: Result.from_json(p.read_text()) for p in (tmp_path / "out").iterdir()}
    assert full[f"{EX}-alice.json"].score == 51 and full[f"{EX}-bob.json"].score == 0
    res = cli("score", EX, "--dir", tmp_path / "alice")
    assert res.exit_code == 0 and "score: 51 / 51" in res.output
    assert "score: 0 / 51" in cli("score", EX, "--dir", tmp_path / "bob").output


def test_published_feedback_has_no_grader_traceback(tmp_path):
    root = exchange.init_exchange(tmp_path / "ex")
    from nncourse.result import TestResult, TestStatus
    result = Result(exercise=EX, submission_sha256="0" * 64, score=0, max_score=1, status=ResultStatus.graded,
                    grader_version="v", tests=[TestResult(name="t", target="step", points=0, max_points=1,
                                                          status=TestStatus.error, message="grader failed",
                                                          instructor_detail="Traceback: secret path")])
    entry = exchange.Inbound(tmp_path, "tok", "alice", tmp_path / MODULE, datetime.now(timezone.utc),
                             datetime.now(timezone.utc), "0" * 64, os.getuid(), True, {})
    path = exchange.publish(root, entry, result)
    assert "secret path" not in path.read_text() and "grader failed" in path.read_text()


# -- two unprivileged users ------------------------------------------------------------------------
ALICE, BOB = 61001, 61002


def as_user(uid: int, action) -> dict:
    """Run action() in a forked child as uid:uid (no groups); its dict result comes back as JSON."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(read)
        try:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            out = action()
        except BaseException:  # noqa: BLE001
            out = {"crash": traceback.format_exc()}
        os.write(write, json.dumps(out, default=str).encode())
        os._exit(0)
    os.close(write)
    chunks = []
    while chunk := os.read(read, 65536):
        chunks.append(chunk)
    os.close(read)
    os.waitpid(pid, 0)
    out = json.loads(b"".join(chunks))
    assert "crash" not in out, out.get("crash")
    return out


def denied(fn) -> str:
    try:
        fn()
    except PermissionError:
        return "denied"
    except OSError as exc:
        return f"error {exc}"
    return "allowed"


@pytest.mark.skipif(sys.platform != "linux" or os.geteuid() != 0, reason="needs root to become two users")
def test_two_students_cannot_see_each_others_work(shared_tmp):
    course = load_course(REPO)
    ex = course.exercise(EX)
    root = exchange.init_exchange(shared_tmp / "exchange")
    homes = {}
    for uid, name in ((ALICE, "alice"), (BOB, "bob")):
        home = shared_tmp / name
        home.mkdir()
        (home / MODULE).write_text(f"# {name}'s work\n")
        for path in (home, home / MODULE):
            os.chown(path, uid, uid)
        os.chmod(home, 0o700)
        homes[name] = home

    def submit_as(name):
        def action():
            receipt = exchange.submit(root, ex, homes[name] / MODULE, name)
            return receipt.__dict__
        return action
    alice = as_user(ALICE, submit_as("alice"))
    as_user(BOB, submit_as("bob"))
    alice_entry = root / "inbound" / f"{EX}.{alice['token']}"
    assert alice_entry.is_dir() and os.stat(alice_entry).st_uid == ALICE

    def bob_snoops():
        return {"list_inbound": denied(lambda: os.listdir(root / "inbound")),
                "list_feedback": denied(lambda: os.listdir(root / "feedback")),
                "list_entry": denied(lambda: os.listdir(alice_entry)),
                "read_module": denied(lambda: (alice_entry / MODULE).read_bytes()),
                "read_meta": denied(lambda: (alice_entry / exchange.META).read_bytes()),
                "rename_entry": denied(lambda: os.rename(alice_entry, root / "inbound" / "stolen")),
                "remove_entry": denied(lambda: shutil.rmtree(alice_entry)),
                "read_feedback": denied(lambda: (root / "feedback" / alice["token"] / "result.json").read_bytes())}
    before = as_user(BOB, bob_snoops)
    assert before.pop("read_feedback").startswith("error [Errno 2]")  # not graded yet
    assert set(before.values()) == {"denied"}, before

    # The instructor (root here) grades and publishes.
    entries, _ = exchange.collect(root, ex)
    assert {e.student for e in entries} == {"alice", "bob"}
    for entry in entries:
        result = Result(exercise=EX, student=entry.student, submission_sha256=entry.sha256, score=1, max_score=2,
                        status=ResultStatus.graded, grader_version="v", message=f"for {entry.student}")
        exchange.publish(root, entry, result)

    after = as_user(BOB, bob_snoops)
    assert set(after.values()) == {"denied"}, after

    def alice_reads_her_own():
        receipt = exchange.Receipt(**alice)
        return {"message": exchange.feedback_for(root, receipt).message,
                "own_module": denied(lambda: (alice_entry / MODULE).read_bytes())}
    mine = as_user(ALICE, alice_reads_her_own)
    assert mine == {"message": "for alice", "own_module": "allowed"}


@pytest.mark.skipif(sys.platform != "linux" or os.geteuid() != 0, reason="needs root to become another user")
def test_read_only_exchange_is_a_clear_error(shared_tmp):
    ex = load_course(REPO).exercise(EX)
    root = exchange.init_exchange(shared_tmp / "exchange")
    os.chmod(root / "inbound", 0o755)
    home = shared_tmp / "alice"
    home.mkdir()
    (home / MODULE).write_text("x = 1\n")

    def try_submit():
        try:
            exchange.submit(root, ex, home / MODULE, "alice")
        except exchange.ExchangeError as exc:
            return {"error": str(exc)}
        return {"error": None}
    assert "may not write" in as_user(ALICE, try_submit)["error"]


def test_a_student_id_claimed_by_another_account_is_flagged(monkeypatch, tmp_path):
    entry = exchange.Inbound(tmp_path, "tok", "alice", tmp_path / MODULE, datetime.now(timezone.utc),
                             datetime.now(timezone.utc), "0" * 64, 12345, True, {})
    monkeypatch.setattr(exchange, "owner_name", lambda e: "mallory")
    assert exchange.identity_note(entry) == "submitted by the account 'mallory' under the student id 'alice'"
    monkeypatch.setattr(exchange, "owner_name", lambda e: "alice")
    assert exchange.identity_note(entry) == ""


def test_a_failed_write_leaves_nothing_half_written(ex_env, tmp_path, monkeypatch):
    ex = load_course(REPO).exercise(EX)
    module = write_module(tmp_path / "ws", MODULE, "x = 1\n")
    real = exchange._write_new

    def fail_on_meta(path, data):
        if path.name == exchange.META:
            raise OSError(28, "No space left on device")
        real(path, data)
    monkeypatch.setattr(exchange, "_write_new", fail_on_meta)
    with pytest.raises(exchange.ExchangeError, match="could not be stored"):
        exchange.submit(ex_env, ex, module, "alice")
    assert list((ex_env / "inbound").iterdir()) == []
