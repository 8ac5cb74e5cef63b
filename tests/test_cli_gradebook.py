"""`nncourse gradebook ...` and `nncourse export ...` on Result files written by hand."""
from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone

import pytest

from gradebook_helpers import make_result

DEADLINE2 = datetime(2026, 12, 14, 23, 59, tzinfo=timezone.utc)


@pytest.fixture
def gb(cli, tmp_path):
    db = tmp_path / "g.db"

    def run(*args, code=0):
        result = cli("gradebook", "--gradebook", db, *args) if args[:1] != ("export",) else \
            cli("export", *args[1:], "--gradebook", db)
        assert result.exit_code == code, result.output
        return result.output
    return run


def _write_results(folder, *pairs):
    folder.mkdir(exist_ok=True)
    for i, (student, result, when) in enumerate(pairs):
        result = result.model_copy(update={"submission": f"/nowhere/{student}/activations.py", "submitted_at": when})
        (folder / f"r{i}.json").write_text(result.to_json())


def test_import_summary_student_extend_adjust_export(gb, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name,email\nalice,Alice A,a@x.org\nbob,Bob B,b@x.org\ncarol,Carol C,c@x.org\n")
    assert "3 students" in gb("import-roster", roster)
    _write_results(tmp_path / "res", ("alice", make_result(points=(3, 3, 3)), DEADLINE2 - timedelta(days=1)),
                   ("bob", make_result(points=(3, 3, 0)), DEADLINE2 + timedelta(hours=3)))
    assert "2 Results recorded" in gb("import", tmp_path / "res")
    assert "0 Results recorded" in gb("import", tmp_path / "res")  # idempotent
    # JSON lines, as `grade --json` prints them
    lines = tmp_path / "more.jsonl"
    lines.write_text(make_result(points=(0, 0, 3), student="carol").model_copy(
        update={"submitted_at": DEADLINE2}).to_json() + "\n")
    assert "1 Results recorded" in gb("import", lines)

    table = gb()
    assert "alice" in table and "5.4 (6 late 1d)" in table and "3 students, 3 with a submission" in table
    assert "late penalty 0.6, 1 day(s) late" in gb("bob")
    assert "1 submission(s) rescored" in gb("extend", "bob", "exercise2", "--days", "1")
    assert "5.4" not in gb()
    out = gb("adjust", "carol", "exercise2", "--score", "8", "--why", "appeal: func0 was right", "--who", "prof")
    assert "carol exercise2: 8 / 180 (graded 3" in out
    record = gb("carol")
    assert "adjusted set to 8 by prof" in record and "appeal: func0 was right" in record

    rows = {r["student_id"]: r for r in csv.DictReader(io.StringIO(gb("export", "csv")))}
    assert (rows["bob"]["exercise2"], rows["carol"]["exercise2"], rows["carol"]["exercise2_raw"]) == ("6", "8", "3")
    assert json.loads(gb("export", "json"))["students"][0]["student"] == "alice"
    assert gb("export", "junit").startswith("<?xml")
    out_dir = tmp_path / "gs"
    assert "3 results.json" in gb("export", "gradescope", "--out", out_dir)
    assert json.loads((out_dir / "exercise2" / "carol" / "results.json").read_text())["score"] == 8


def test_user_mistakes_are_one_sentence(gb, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("id\nalice\n")
    gb("import-roster", roster)
    assert "no student 'zed'" in gb("zed", code=2)
    assert "exactly one of --score and --delta" in gb("adjust", "a", "exercise2", "--why", "x", code=2)
    bad = tmp_path / "bad.json"
    bad.write_text('{"not": "a result"}')
    out = gb("import", bad, code=1)
    assert "bad.json: not a Result" in out and "Traceback" not in out
    assert "unknown exercise" in gb("extend", "a", "nope", "--days", "1", code=2)


def test_reading_a_gradebook_that_is_not_there_creates_nothing(cli, tmp_path):
    db = tmp_path / "none.db"
    result = cli("gradebook", "--gradebook", db)
    assert result.exit_code == 1 and "no gradebook at" in result.output and not db.exists()
    result = cli("export", "csv", "--gradebook", db)
    assert result.exit_code == 1 and not db.exists()
