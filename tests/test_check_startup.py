"""What `check` does to start sooner changes nothing it decides: the early worker, libyaml, pytest's confcutdir."""
import shutil

import pytest
import yaml

from conftest import REPO
from nncourse.cli import early
from nncourse.manifest import parse_yaml


def test_libyaml_gives_safe_loads_data_and_safe_loads_errors():
    text = (REPO / "course.yaml").read_text(encoding="utf-8")
    assert parse_yaml(text) == yaml.safe_load(text)
    broken = "title: x\nexercises: [a, b\nversion: 1\n"
    with pytest.raises(yaml.YAMLError) as ours:
        parse_yaml(broken)
    with pytest.raises(yaml.YAMLError) as theirs:
        yaml.safe_load(broken)
    assert str(ours.value) == str(theirs.value)


class _Closable:
    def __init__(self):
        self.closed = False

    def close(self):
        self.closed = True

    def cleanup(self):
        self.closed = True


def test_an_early_worker_is_taken_only_for_the_same_file_module_and_reference(tmp_path):
    path, solution = tmp_path / "activations.py", tmp_path / "ref.py"

    def started():
        worker = early.EarlyWorker(path, "activations.py", _Closable(), _Closable())
        worker.solution, worker.reference = solution, _Closable()
        return worker

    worker = started()
    sub, session, reference = worker.take(path, "activations.py", solution)
    assert not (sub.closed or session.closed or reference.closed)
    worker = started()
    reference = worker.reference
    assert worker.take(path, "activations.py", None)[2] is None and reference.closed
    for other in ((tmp_path / "other.py", "activations.py"), (path, "backprop.py")):
        worker = started()
        parts = (worker.submission, worker.session, worker.reference)
        assert worker.take(*other, solution) is None
        assert all(part.closed for part in parts)


def test_no_early_worker_for_an_exercise_the_manifest_does_not_have(tmp_path):
    assert early.start(str(REPO), "exercise99", str(tmp_path)) is None
    assert early.start(str(tmp_path), "exercise2", str(tmp_path)) is None  # no course.yaml there


def test_a_conftest_above_the_suite_folder_is_not_loaded(cli, tmp_path, monkeypatch):
    course = tmp_path / "course"
    shutil.copytree(REPO / "exercises", course / "exercises")
    shutil.copytree(REPO / "solutions", course / "solutions")
    shutil.copytree(REPO / "grader", course / "grader")
    shutil.copy(REPO / "course.yaml", course / "course.yaml")
    marker = tmp_path / "loaded"
    (course / "conftest.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    monkeypatch.setenv("NNCOURSE_COURSE", str(course))
    res = cli("check", "exercise2", "--dir", REPO / "solutions" / "exercise2")
    assert res.exit_code == 0, res.output
    assert "20 passed" in res.output
    assert not marker.exists()
