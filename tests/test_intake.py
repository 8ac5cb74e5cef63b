"""Intake, channel and output: a submission is read as data, the reply channel is strict, students see clean text.

The corpus (tests/intake_corpus.py) is built in a temporary folder: links to the
reference and to a root-only file, a FIFO, a device, zip bombs and malformed
zips, a folder name that is not UTF-8, modules that forge the reply channel or
print terminal escapes. Each is checked on its own, then all of them are graded
in one `nncourse grade --jobs 2 --out` batch next to the reference.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import yaml

import intake_corpus as corpus
from nncourse.cli import main
from nncourse.errors import SubmissionError, WorkerDied
from nncourse.reports.sanitize import clean, display_name, one_line, scrub_paths
from nncourse.reports.terminal import render, render_row
from nncourse.result import Result, TestResult
from nncourse.sandbox import isolation, protocol
from nncourse.sandbox.limits import Limits
from nncourse.sandbox.proxy import PROTOCOL_FAULT, Session, StudentModule
from nncourse.submission import resolve_submission
from nncourse.visibility import for_student

from conftest import REPO

MB = 1024 * 1024


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    root = tmp_path_factory.mktemp("intake")
    return root, corpus.build(root)


def _no_host_path(text: str, *roots: Path) -> None:
    for root in (REPO, *roots):
        assert str(root) not in text, text
    assert "nncourse-worker-" not in text and "nncourse-sub-" not in text and "Traceback" not in text, text


# -- 1. submissions are read as data -------------------------------------------------------------------------
def test_every_intake_case_is_a_plain_error_or_a_private_copy(cases):
    root, listed = cases
    for case, path, expect in listed:
        if expect.startswith("error: "):
            with pytest.raises(SubmissionError) as info:
                resolve_submission(path, corpus.MODULE)
            message = str(info.value)
            assert expect[7:] in message, f"{case}: {message}"
            assert corpus.SECRET not in message and "\n" not in message, f"{case}: {message}"
            _no_host_path(message, root)
        else:
            with resolve_submission(path, corpus.MODULE) as sub:
                data = sub.module_path.read_bytes()
                assert not str(sub.module_path).startswith(str(root)), "graded from a private copy"
                assert sub.sha256 == __import__("hashlib").sha256(data).hexdigest()
                assert sub.name.encode("utf-8")  # always serialisable, even for non-UTF-8 names
            if case.startswith("reference") or case == "non_utf8_folder":
                assert data == corpus.REFERENCE.read_bytes(), case


def test_a_fifo_given_directly_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "activations.py"
    os.mkfifo(fifo)
    with pytest.raises(SubmissionError, match="named pipe"):  # a blocking open would hang here
        resolve_submission(fifo, corpus.MODULE)


def test_a_real_module_one_level_down_is_found_and_links_beside_it_are_ignored(tmp_path):
    (tmp_path / "sub" / "deep").mkdir(parents=True)
    (tmp_path / "sub" / "deep" / corpus.MODULE).write_text("x = 1\n")
    os.symlink(corpus.REFERENCE.parent, tmp_path / "sub" / "ref")
    with resolve_submission(tmp_path / "sub", corpus.MODULE) as sub:
        assert sub.module_path.read_text() == "x = 1\n"


def test_two_copies_one_level_down_are_an_error(tmp_path):
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / corpus.MODULE).write_text("x = 1\n")
    with pytest.raises(SubmissionError, match="2 copies"):
        resolve_submission(tmp_path, corpus.MODULE)


def test_non_utf8_names_are_shown_lossily():
    assert display_name(os.fsdecode(b"caf\xe9")) == "caf\ufffd"
    Result(exercise="x", submission_sha256="", submission=display_name(os.fsdecode(b"\xff")), score=0,
           max_score=0, status="error", grader_version="").to_json()


# -- 2. the channel is strict ----------------------------------------------------------------------------------
def test_a_header_is_refused_before_its_bytes_are_read():
    taken = []

    def read(n):
        taken.append(n)
        return protocol._LEN.pack(32 * MB + 100) if len(taken) == 1 else protocol._LEN.pack(32 * MB)
    with pytest.raises(protocol.ProtocolError, match="description of"):
        protocol.read_message(read)
    assert sum(taken) == 16


@pytest.mark.parametrize("header", [b"[" * 30000 + b"]" * 30000, b'{"__dict__": ' * 40 + b"1" + b"}" * 40])
def test_deep_nesting_is_refused_before_parsing(header):
    frame = protocol._LEN.pack(len(header)) + header + protocol._LEN.pack(0)
    with pytest.raises(protocol.ProtocolError, match="nested too deeply"):
        protocol.decode(frame)


def test_brackets_inside_strings_are_not_nesting():
    value = {"message": "[" * 500, "values": [[1, 2]] * 50}
    assert protocol.decode(protocol.encode(value)) == value


def test_frame_length_must_match_its_content():
    frame = protocol.encode({"value": 1})
    with pytest.raises(protocol.ProtocolError):
        protocol.read_message(iter([protocol._LEN.pack(len(frame) + 8), frame[:8], frame[8:-8],
                                    frame[-8:]]).__next__)


@pytest.mark.parametrize("value", [[0.5] * 5000, [1, 2, 3, 4, 5], (True, False) * 3,
                                   [np.float32(i) for i in range(10)], [np.int64(7)] * 6, [1.0, 2, 3.0, 4.0]])
def test_long_scalar_lists_keep_their_types_and_fit_a_small_header(value):
    frame = protocol.encode(value)
    back = protocol.decode(frame)
    assert type(back) is type(value) and len(back) == len(value)
    assert [type(x) for x in back] == [type(x) for x in value] and list(back) == list(value)
    assert protocol._LEN.unpack(frame[:8])[0] < 200  # the header stays small whatever the length


FORGED = {"forge_wrong_id": "answers another request", "forge_huge_header": "description of",
          "forge_deep_nesting": "nested too deeply"}


@pytest.mark.parametrize("case", sorted(FORGED))
def test_a_forged_reply_ends_the_worker_and_the_next_call_gets_a_fresh_one(tmp_path, case):
    path = tmp_path / corpus.MODULE
    path.write_text(corpus.forger_source(case) + "\n\ndef honest(x):\n    return x + 1\n")
    session = Session(str(path), "activations", Limits(call_timeout=10))
    student = StudentModule(session)
    try:
        with pytest.raises(WorkerDied) as info:
            student.sigmoid(0.0)
        assert PROTOCOL_FAULT in info.value.message and FORGED[case] in info.value.message
        assert not session.worker.alive()
        assert student.honest(1) == 2  # a fresh worker
    finally:
        session.close()


def test_a_reply_waiting_before_its_request_is_a_protocol_error(tmp_path):
    path = tmp_path / corpus.MODULE
    path.write_text(corpus.forger_source("forge_reply_ahead") + "\n\ndef honest(x):\n    return x + 1\n")
    session = Session(str(path), "activations", Limits(call_timeout=10))
    student = StudentModule(session)
    try:
        try:
            first = student.sigmoid(0.0)
        except WorkerDied as exc:  # the forging thread won the race with the worker's own reply
            assert "answers another request" in str(exc)
        else:
            assert first is None  # its own return value: the forged frame is not read yet
            import time
            time.sleep(0.5)  # the thread has written the next request's "reply" by now
            # caught either way: waiting before the request, or answering another one
            with pytest.raises(WorkerDied, match="waiting before the request|answers another request"):
                student.honest(1)
        assert student.honest(1) == 2
    finally:
        session.close()


RSS_SCRIPT = r"""
import sys, zipfile
from pathlib import Path
sys.path.insert(0, sys.argv[1])
import intake_corpus as corpus
from nncourse.errors import SubmissionError, WorkerDied
from nncourse.sandbox.limits import Limits
from nncourse.sandbox.proxy import Session, StudentModule
from nncourse.submission import resolve_submission

def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024

tmp = Path(sys.argv[2])
bombs = [corpus.zip_bomb(tmp / "bomb.zip", honest=True), corpus.zip_bomb(tmp / "lying.zip", honest=False)]
forger = tmp / "activations.py"
forger.write_text(corpus.forger_source("forge_huge_header"))
session = Session(str(forger), "activations", Limits(call_timeout=20))
student = StudentModule(session)
student.put(1.0)  # warm: the worker runs and the module is loaded
figures = {}

def reset_peak():
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # the peak RSS starts again from the current RSS

reset_peak()
base = hwm()
try:
    student.sigmoid(0.0)
except WorkerDied:
    pass
figures["forged 32 MiB header"] = hwm() - base
session.close()
for bomb in bombs:
    reset_peak()
    base = hwm()
    try:
        resolve_submission(bomb, corpus.MODULE)
    except SubmissionError:
        pass
    figures[bomb.name] = hwm() - base
print(__import__("json").dumps(figures))
"""


@pytest.mark.slow
def test_the_grading_process_stays_small(tmp_path, capsys):
    """A forged 32 MiB header and a 1 MB zip inflating to 1 GiB: peak RSS grows by far less than 50 MB."""
    out = subprocess.run([sys.executable, "-c", RSS_SCRIPT, str(Path(__file__).parent), str(tmp_path)],
                         capture_output=True, text=True, timeout=300, env={**os.environ})
    assert out.returncode == 0, out.stderr[-2000:]
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    with capsys.disabled():
        print("\npeak RSS growth of the grading process: "
              + ", ".join(f"{k}: {v / MB:.1f} MB" for k, v in figures.items()))
    assert all(v < 50 * MB for v in figures.values()), figures


# -- 3. what students see is clean -----------------------------------------------------------------------------
def test_control_characters_are_escaped_and_newlines_kept():
    text = "a\x1b[2K\rb\x07c\x9bd\u202ee\nf\tg\x00"
    assert clean(text) == "a\\x1b[2K\\rb\\x07c\\x9bd\\u202ee\nf\tg\\x00"
    assert one_line(text).count("\n") == 0 and "\\n" in one_line(text)
    assert clean(clean(text)) == clean(text)


def test_host_paths_are_scrubbed_and_the_file_name_stays():
    text = ('File "/tmp/nncourse-worker-ab_c1/submission/activations.py", line 3\n'
            'File "/submission/activations.py", line 4\n'
            f"open('{REPO}/solutions/exercise2/activations.py') in /tmp/nncourse-sub-xyz/x")
    out = scrub_paths(text, roots=(str(REPO),), module_name="activations.py")
    assert 'File "activations.py", line 3' in out and 'File "activations.py", line 4' in out
    assert "<course>/solutions" in out and "<scratch>/x" in out
    assert str(REPO) not in out and "/tmp/" not in out


def _escaped_result(message: str) -> Result:
    return Result(exercise="exercise2", submission_sha256="0" * 64, submission="alice\x1b[31m", score=0,
                  max_score=180, status="graded", message=message, grader_version="v",
                  tests=[TestResult(name="t\r", target="sigmoid", points=0, max_points=10, status="failed",
                                    message=message, instructor_detail="grader traceback")])


def test_terminal_rows_cannot_be_rewritten():
    row = render_row(_escaped_result(corpus.ESCAPES))
    assert row.startswith("     0/180") and "\x1b" not in row and "\r" not in row and "\x9b" not in row
    report = render(_escaped_result(corpus.ESCAPES))
    assert not any(ch in report for ch in "\x1b\r\x07\x9b") and "score: 0 / 180" in report


# -- 4. feedback visibility -------------------------------------------------------------------------------------
def _graded() -> Result:
    tests = [TestResult(name="sigmoid_values", target="sigmoid", points=0, max_points=10, status="failed",
                        message="sigmoid([0.5]) expected [0.622] got [0.5]", diagnosis="forgot the exponent",
                        instructor_detail="tb"),
             TestResult(name="sigmoid_shape", target="sigmoid", points=5, max_points=5, status="passed"),
             TestResult(name="tanh_values", target="tanh", points=10, max_points=10, status="passed")]
    return Result(exercise="exercise2", submission_sha256="0" * 64, submission="/srv/grading/alice", score=15,
                  max_score=25, status="graded", message="", tests=tests, grader_version="v")


def test_full_feedback_keeps_messages_but_never_instructor_detail():
    shown = for_student(_graded(), "full")
    assert [t.message for t in shown.tests] == [t.message for t in _graded().tests]
    assert all(t.instructor_detail == "" for t in shown.tests) and shown.submission == "alice"


def test_summary_feedback_is_points_and_diagnosis_per_target():
    shown = for_student(_graded(), "summary")
    assert [(t.target, t.points, t.max_points, t.status.value) for t in shown.tests] == \
        [("sigmoid", 5, 15, "failed"), ("tanh", 10, 10, "passed")]
    assert shown.tests[0].diagnosis == "forgot the exponent" and "1 of 2" in shown.tests[0].message
    dumped = shown.to_json()
    assert "0.622" not in dumped and "expected" not in dumped and "tb" not in json.loads(dumped)["tests"][0].values()
    assert shown.score == 15


def test_no_feedback_is_the_score_only_unless_nothing_was_graded():
    shown = for_student(_graded(), "none")
    assert shown.tests == [] and shown.message == "" and (shown.score, shown.max_score) == (15, 25)
    broken = Result(exercise="exercise2", submission_sha256="", submission="x", score=0, max_score=0,
                    status="error", message="x.zip: not a readable zip file.", grader_version="v")
    assert for_student(broken, "none").message == broken.message
    with pytest.raises(ValueError):
        for_student(_graded(), "partial")


def test_course_feedback_level_and_exercise_override(tmp_path):
    data = yaml.safe_load((REPO / "course.yaml").read_text())
    data["feedback"] = "summary"
    data["exercises"][1]["feedback"] = "none"
    (tmp_path / "course.yaml").write_text(yaml.safe_dump(data))
    from nncourse.course import load_course
    course = load_course(tmp_path / "course.yaml", check_files=False)
    assert course.feedback_for(course.exercises[0]) == "summary"
    assert course.feedback_for(course.exercises[1]) == "none"
    data["feedback"] = "everything"
    (tmp_path / "course.yaml").write_text(yaml.safe_dump(data))
    from nncourse.errors import CourseError
    with pytest.raises(CourseError, match="feedback"):
        load_course(tmp_path / "course.yaml", check_files=False)


# -- 5. the whole corpus in one batch ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def fast_course(tmp_path_factory):
    root = tmp_path_factory.mktemp("intake-course")
    for name in (f"solutions/{corpus.EX}", f"grader/{corpus.EX}", f"exercises/{corpus.EX}"):
        __import__("shutil").copytree(REPO / name, root / name)
    data = yaml.safe_load((REPO / "course.yaml").read_text())
    data["exercises"] = [e for e in data["exercises"] if e["id"] == corpus.EX]
    data["limits"] = {"test_timeout": 6, "submission_timeout": 180}
    (root / "course.yaml").write_text(yaml.safe_dump(data))
    return root


def _grade(runner, course, paths, out, *extra):
    # --allow-weak-isolation: the weak run is deliberate (bubblewrap is not weakened by it)
    return runner.invoke(main, ["--course", str(course), "grade", corpus.EX, *paths, "--jobs", "2",
                                "--out", str(out), "--allow-weak-isolation", *extra], catch_exceptions=False)


@pytest.fixture(params=["bubblewrap", "rlimits"])
def isolation_kind(request, monkeypatch):
    """Grade under bubblewrap (skipped where it is missing) or the forced weak fallback."""
    if request.param == "rlimits":
        monkeypatch.setenv("NNCOURSE_ISOLATION", "rlimits")
    else:
        monkeypatch.delenv("NNCOURSE_ISOLATION", raising=False)
    isolation.detect.cache_clear()
    if isolation.detect().kind != request.param:
        pytest.skip(f"{request.param} is not available here: {isolation.detect().reason}")
    yield request.param
    isolation.detect.cache_clear()


@pytest.mark.slow
def test_the_corpus_in_one_batch(isolation_kind, cases, fast_course, runner, tmp_path, capsys):
    root, listed = cases
    names, paths = [c for c, _, _ in listed], [p for _, p, _ in listed]
    res = _grade(runner, fast_course, paths, tmp_path / "out", "--json")
    assert res.exit_code == 1, res.stderr[-2000:]  # some could not be graded (CLI contract)
    results = [Result.from_json(line) for line in res.stdout.splitlines()]
    assert len(results) == len(listed), res.stdout[-2000:]
    got = dict(zip(names, results))
    for (case, path, expect), result in zip(listed, results):
        assert result.submission == display_name(path)
        if expect == "full":
            assert result.status == "graded" and result.score == result.max_score > 0, \
                f"{case}: {result.score}: {result.message[:300]}"
        elif expect == "zero":
            # graded, or stopped at the submission's time budget: a fresh worker per forged call is slow
            assert result.status in ("graded", "timeout") and result.score == 0, f"{case}: {result.score}"
        else:
            assert result.status == "error" and expect[7:] in result.message, f"{case}: {result.message}"
        student_text = result.message + "".join(t.message for t in result.tests)
        _no_host_path(student_text.replace("Traceback", ""), root, fast_course)
        assert corpus.SECRET not in res.stdout + res.stderr
        assert not any(ch in student_text for ch in "\x1b\r\x07\x9b"), case
    for case in corpus.FORGERS:  # a reply written ahead fails the call after it; the others fail every call
        said = ["could not be read" in t.message for t in got[case].tests]
        timed_out = [t.status == "timeout" for t in got[case].tests]  # a loaded machine: fresh workers are slow
        assert any(said) and (case not in FORGED or all(map(max, said, timed_out))), case
    assert "ValueError" in got["terminal_escapes"].message and "\\x1b[2K\\r" in got["terminal_escapes"].message
    assert any('File "activations.py"' in t.message and "RuntimeError" in t.message for t in got["host_paths"].tests)
    stored = list((tmp_path / "out").glob("*/*/*.json"))  # OUT/<exercise>/<student>/<sha>.json
    assert len(stored) == len({(r.student, r.submission_sha256) for r in results if r.status != "error"})

    # the instructor's table (cached Results now): every row intact, one per submission
    table = _grade(runner, fast_course, paths, tmp_path / "out")
    lines = table.stdout.splitlines()
    rows = lines[1:lines.index("")]  # after the header, up to the summary
    assert len(rows) == len(listed) and not any(ch in table.stdout + table.stderr for ch in "\x1b\r\x07\x9b")
    escapes_row = rows[names.index("terminal_escapes")]
    assert escapes_row.startswith("     0/180") and "could not be imported" in escapes_row
    graded_only = [p for p, r in zip(paths, results) if r.status != "error"]
    assert _grade(runner, fast_course, graded_only, tmp_path / "out").exit_code == 0
    with capsys.disabled():
        print(f"\nintake corpus under {isolation_kind}: {len(listed)} submissions, one batch")
        for case, r in got.items():
            print(f"  {case:24} {r.score:5g}/{r.max_score:<4g} {r.status.value:7} {one_line(r.message)[:70]}")
