"""The manifest model: the bundled course loads; each kind of breakage gives one clear error."""
import copy
import shutil
from pathlib import Path

import pytest
import yaml

from nncourse.course import find_course_root, load_course
from nncourse.errors import CourseError, UsageError

from conftest import REPO


def test_bundled_course_loads_with_six_exercises(course):
    assert [ex.id for ex in course.exercises] == [f"exercise{i}" for i in range(1, 7)]
    assert all(ex.points > 0 for ex in course.exercises)
    assert course.exercise("exercise3").module == "backprop.py"
    assert course.exercise("activations").id == "exercise2"  # slugs work too


def test_unknown_exercise_lists_the_valid_ones(course):
    with pytest.raises(UsageError) as info:
        course.exercise("exercise9")
    assert "exercise9" in str(info.value) and "exercise1, exercise2" in str(info.value)


@pytest.fixture
def manifest(tmp_path):
    """A copy of the bundled course.yaml (and the tree it names), to break."""
    for name in ("exercises", "solutions", "grader"):
        (tmp_path / name).symlink_to(REPO / name)
    data = yaml.safe_load((REPO / "course.yaml").read_text())

    def write(mutate):
        broken = copy.deepcopy(data)
        mutate(broken)
        path = tmp_path / "course.yaml"
        path.write_text(yaml.safe_dump(broken))
        return path
    return write


BREAKAGES = {
    "missing key": (lambda d: d["exercises"][2].pop("module"),
                    "exercises[2] (exercise3).module: this key is required but missing"),
    "wrong type": (lambda d: d["exercises"][1].__setitem__("points", "many"),
                   "exercises[1] (exercise2).points"),
    "negative points": (lambda d: d["exercises"][0].__setitem__("points", -1),
                        "exercises[0] (exercise1).points"),
    "duplicate id": (lambda d: d["exercises"][1].__setitem__("id", "exercise1"),
                     "duplicate exercise id 'exercise1'"),
    "unknown key": (lambda d: d["exercises"][0].__setitem__("pionts", 3),
                    "exercises[0] (exercise1).pionts: unknown key"),
    "missing file": (lambda d: d["exercises"][3].__setitem__("solution", "solutions/nope.py"),
                     "exercises[3] (exercise4).solution: solutions/nope.py does not exist"),
    "no exercises": (lambda d: d.__setitem__("exercises", []), "exercises"),
    "naive deadline": (lambda d: d["exercises"][0].__setitem__("deadline", "2026-12-01T10:00:00"),
                       "deadline needs a timezone"),
    "bad module name": (lambda d: d["exercises"][0].__setitem__("module", "perceptron"),
                        "exercises[0] (exercise1).module"),
}


@pytest.mark.parametrize("case", sorted(BREAKAGES))
def test_broken_manifest_names_file_key_and_problem(manifest, case):
    mutate, expected = BREAKAGES[case]
    path = manifest(mutate)
    with pytest.raises(CourseError) as info:
        load_course(path)
    text = str(info.value)
    assert str(path) in text and expected in text


def test_invalid_yaml_gives_the_line(tmp_path):
    path = tmp_path / "course.yaml"
    path.write_text("title: x\nexercises: [\n  - id: a\n")
    with pytest.raises(CourseError, match=r"course.yaml: line \d+: not valid YAML"):
        load_course(path)


def test_missing_manifest_says_where_it_looked(tmp_path):
    with pytest.raises(CourseError, match="no course manifest"):
        load_course(tmp_path)


def test_course_root_found_from_a_subfolder(monkeypatch, tmp_path):
    shutil.copy(REPO / "course.yaml", tmp_path / "course.yaml")
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)
    monkeypatch.delenv("NNCOURSE_COURSE", raising=False)
    assert find_course_root() == tmp_path.resolve()


def test_thresholds_are_numbers_in_the_manifest(course):
    trained = {ex.id: ex.thresholds for ex in course.exercises if ex.thresholds}
    assert trained, "some exercise must carry accuracy thresholds"
    for thresholds in trained.values():
        assert all(isinstance(v, float) for v in thresholds.values())
