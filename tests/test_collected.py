"""A grading process's fixed costs: the reference timed inside the collected session, what the parent
imports for its grading processes, and what is kept across submissions (markers read, reference compiled)."""
import sys

import pytest

from nncourse.grading import budgets, engine, plugin, runner
from nncourse.grading.preload import preload, suite_imports
from nncourse.submission import resolve_submission

EX = "exercise2"


def test_suite_imports_are_the_known_packages_a_suite_imports_at_its_top(tmp_path):
    (tmp_path / "test_a.py").write_text("import json\nimport numpy as np\nfrom sklearn.datasets import load_iris\n"
                                        "from . import sibling\nimport helpers\n\ndef test_x():\n    import csv\n")
    (tmp_path / "test_b.py").write_text("import numpy\nfrom nncourse.grading.checks import assert_close\n")
    (tmp_path / "test_broken.py").write_text("def test_(:\n")
    assert suite_imports(tmp_path) == ["json", "numpy", "sklearn.datasets", "nncourse.grading.checks"]


def test_preload_never_imports_a_name_a_suite_could_mean_as_its_own_file(tmp_path, monkeypatch):
    (tmp_path / "nncourse_probe_helpers.py").write_text("LOADED = True\n")
    (tmp_path / "test_a.py").write_text("import nncourse_probe_helpers\nimport nncourse_no_such_module\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    preload(tmp_path)
    assert "nncourse_probe_helpers" not in sys.modules


def test_the_reference_is_timed_as_the_first_job_of_the_collected_session(course, monkeypatch):
    calls = []
    real = runner.run_suite

    def counting(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)
    monkeypatch.setattr(runner, "run_suite", counting)
    monkeypatch.setattr(budgets, "_TIMES", {})  # times measured by other tests in this process: unknown here
    engine.close_suites()
    ex = course.exercise(EX)
    try:
        with resolve_submission(course.path(ex.solution), ex.module) as sub:
            first = engine.grade_collected(course, ex, sub)
            second = engine.grade_collected(course, ex, sub)
    finally:
        engine.close_suites()
    assert len(calls) == 1  # one pytest session: collection, the reference's times, both submissions
    assert budgets._TIMES and all(budgets._TIMES.values())
    assert first.score == first.max_score > 0 and second.score == first.score


class _Item:
    """Just enough of a pytest item for runner._remember_markers and the plugin's marker reading."""

    def __init__(self):
        self.marks = [pytest.mark.target("relu").mark, pytest.mark.points(2).mark]
        self.keywords = {}

    def iter_markers_with_node(self, name=None):
        return ((self, m) for m in self.marks if name is None or m.name == name)

    def iter_markers(self, name=None):
        return (m for _, m in self.iter_markers_with_node(name))

    def add_marker(self, name):
        self.marks.insert(0, getattr(pytest.mark, name)("softmax").mark)


def test_markers_are_read_once_per_item_and_again_when_one_is_added():
    item = _Item()
    runner._remember_markers(item)
    marks = plugin._marks(item)
    assert (marks.target, marks.points_arg, marks.uses_reference) == ("relu", 2, ())
    assert plugin._marks(item) is marks
    item.add_marker("target")
    assert plugin._marks(item).target == "softmax"


def test_each_submission_gets_a_fresh_reference_module_compiled_again_when_the_file_changes(tmp_path):
    ref = tmp_path / "reference.py"
    ref.write_text("X = 1\n")

    def load():
        return plugin.GraderPlugin(module_path="", module_name="m", reference_path=str(ref))._reference_module()
    first = load()
    first.X = 5
    assert load().X == 1 and load() is not first
    ref.write_text("X = 22\n")
    assert load().X == 22
