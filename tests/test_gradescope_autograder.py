"""`nncourse gradescope build` and its run_autograder, run on a fake /autograder tree."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import pytest

from nncourse.exports.gradescope_schema import RESULTS

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src"


@pytest.fixture(scope="module")
def autograder_zip(tmp_path_factory):
    from click.testing import CliRunner

    from nncourse.cli import main
    out = tmp_path_factory.mktemp("zip") / "autograder.zip"
    result = CliRunner().invoke(main, ["--course", str(REPO), "gradescope", "build", "exercise2", "--out", str(out)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out


def _tree(tmp_path: Path, autograder_zip: Path, submission: str | None, name: str = "activations.py") -> Path:
    root = tmp_path / "autograder"
    with zipfile.ZipFile(autograder_zip) as zf:
        zf.extractall(root / "source")
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    (root / "submission").mkdir()
    if submission is not None:
        (root / "submission" / name).write_text(submission)
    (root / "submission_metadata.json").write_text(json.dumps({
        "id": 1, "created_at": "2026-12-14T10:00:00.000000-08:00",
        "users": [{"email": "alice@example.org", "id": 7, "name": "Alice"}]}))
    return root


def _run(root: Path) -> dict:
    env = {**os.environ, "NNCOURSE_AUTOGRADER_DIR": str(root), "NNCOURSE_PYTHON": sys.executable,
           "PYTHONPATH": str(SRC)}
    proc = subprocess.run(["bash", str(root / "run_autograder")], env=env, capture_output=True, text=True,
                          timeout=600, cwd=root)
    assert proc.returncode == 0, proc.stderr
    data = json.loads((root / "results" / "results.json").read_text())
    jsonschema.validate(data, RESULTS)
    return data


def test_zip_holds_setup_run_and_only_this_exercise(autograder_zip):
    names = zipfile.ZipFile(autograder_zip).namelist()
    assert {"setup.sh", "run_autograder", "course/course.yaml", "nncourse/pyproject.toml"} <= set(names)
    assert "course/solutions/exercise2/activations.py" in names
    course_files = [n for n in names if n.startswith("course/")]
    assert not any("exercise3" in n or "/mutants/" in n for n in course_files)
    info = zipfile.ZipFile(autograder_zip).getinfo("run_autograder")
    assert info.external_attr >> 16 & 0o111


@pytest.mark.slow
def test_a_correct_submission_gets_full_marks(tmp_path, autograder_zip):
    data = _run(_tree(tmp_path, autograder_zip, (REPO / "solutions/exercise2/activations.py").read_text()))
    assert data["score"] == 180
    graded = [t for t in data["tests"] if t["number"].startswith("1.")]
    assert sum(t["max_score"] for t in graded) == 180
    assert {t["visibility"] for t in graded} == {"after_published"}
    assert any(t["number"].startswith("0.") and t["visibility"] == "visible" for t in data["tests"])


@pytest.mark.slow
def test_a_buggy_submission_loses_points_with_messages(tmp_path, autograder_zip):
    source = (REPO / "solutions/exercise2/activations.py").read_text()
    buggy = source.replace("def relu_grad(z):", "def relu_grad(z):\n    return np.ones_like(np.asarray(z, float))\n"
                                                "\ndef _unused(z):", 1)
    assert buggy != source
    data = _run(_tree(tmp_path, autograder_zip, buggy))
    assert 0 < data["score"] < 180
    lost = [t for t in data["tests"] if t["status"] == "failed" and t["number"].startswith("1.")]
    assert lost and all(t["name"].startswith("relu_grad") for t in lost)
    assert all(t["output"] for t in lost)


@pytest.mark.slow
def test_a_syntax_error_is_graded_zero_with_a_message(tmp_path, autograder_zip):
    data = _run(_tree(tmp_path, autograder_zip, "def sigmoid(z:\n"))
    assert data["score"] == 0
    assert "SyntaxError" in data["output"] or any("SyntaxError" in t["output"] for t in data["tests"])


def test_a_missing_file_is_said_plainly(tmp_path, autograder_zip):
    data = _run(_tree(tmp_path, autograder_zip, "x = 1\n", name="something_else.py"))
    assert data["score"] == 0
    [test] = data["tests"]
    assert test["visibility"] == "visible" and "activations.py" in test["output"]
    assert str(tmp_path) not in json.dumps(data)


def test_a_crashing_grader_still_writes_results(tmp_path, autograder_zip):
    root = _tree(tmp_path, autograder_zip, "x = 1\n")
    (root / "source" / "course" / "course.yaml").write_text("title: [broken\n")
    data = _run(root)
    assert data["score"] == 0 and data["output"].startswith("Autograder failed")
    assert data["tests"][0]["visibility"] == "hidden"


def test_a_python_that_cannot_start_still_gets_results(tmp_path, autograder_zip):
    root = _tree(tmp_path, autograder_zip, "x = 1\n")
    env = {**os.environ, "NNCOURSE_AUTOGRADER_DIR": str(root), "NNCOURSE_PYTHON": "/bin/false"}
    subprocess.run(["bash", str(root / "run_autograder")], env=env, check=True, timeout=60, capture_output=True)
    data = json.loads((root / "results" / "results.json").read_text())
    jsonschema.validate(data, RESULTS)
    assert data["score"] == 0
