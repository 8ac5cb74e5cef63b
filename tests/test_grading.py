"""The engine: a Result per submission, points lost only where the code is wrong, every failure contained."""
import shutil

import pytest
import yaml

from nncourse.course import load_course
from nncourse.grading.engine import grade
from nncourse.result import Result
from nncourse.submission import resolve_submission

from conftest import REPO, write_module

EX = "exercise2"
MODULE = "activations.py"
REFERENCE = (REPO / "solutions" / EX / MODULE).read_text()


@pytest.fixture(scope="module")
def fast_course(tmp_path_factory):
    """The bundled course with a 3 s per-test budget, so hanging code is cut off quickly."""
    root = tmp_path_factory.mktemp("course")
    for name in ("exercises", "solutions", "grader"):
        (root / name).symlink_to(REPO / name)
    data = yaml.safe_load((REPO / "course.yaml").read_text())
    data["limits"] = {"test_timeout": 3, "submission_timeout": 120}
    (root / "course.yaml").write_text(yaml.safe_dump(data))
    return load_course(root)


def grade_source(course, tmp_path, source, suite="hidden"):
    path = write_module(tmp_path, MODULE, source)
    ex = course.exercise(EX)
    with resolve_submission(path, ex.module) as sub:
        return grade(course, ex, sub, suite=suite)


def lost_targets(result):
    return {t.target for t in result.tests if t.status != "passed"}


def with_function(name, body):
    """The reference with `name` replaced by a function whose body is `body`."""
    renamed = REFERENCE.replace(f"def {name}(", f"def _ref_{name}(", 1)
    return renamed + f"\n\ndef {name}(*args, **kwargs):\n" + "".join(f"    {line}\n" for line in body.splitlines())


def test_reference_gets_full_marks_and_a_complete_result(course, tmp_path):
    result = grade_source(course, tmp_path, REFERENCE)
    assert result.status == "graded" and result.score == result.max_score == course.exercise(EX).points
    again = Result.from_json(result.to_json())
    assert again == result
    assert len(result.submission_sha256) == 64 and result.grader_version
    assert {t.target for t in result.tests} >= {"sigmoid", "softmax_backward"}


@pytest.mark.parametrize("body, status, words", [
    ("while True:\n    pass", "timeout", "timed out"),
    ("import os\nos._exit(9)", "failed", "exited with status 9"),
    ("import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)", "failed", "crashed: SIGSEGV"),
    ("raise KeyboardInterrupt", "failed", "KeyboardInterrupt"),
    ("raise SystemExit(2)", "failed", "sys.exit(2)"),
    ("return object()", "failed", "unusable object"),
])
def test_misbehaving_function_loses_only_its_own_points(fast_course, tmp_path, body, status, words):
    result = grade_source(fast_course, tmp_path, with_function("relu_grad", body))
    assert lost_targets(result) == {"relu_grad"}
    bad = [t for t in result.tests if t.target == "relu_grad" and t.status != "passed"]
    assert len(bad) >= 5  # only property tests that never look at the output may pass
    assert all(t.status == status and words in t.message for t in bad), bad[0].message
    assert result.score == result.max_score - sum(t.max_points for t in bad)


def test_ndarray_subclass_claiming_equality_gains_nothing(course, tmp_path):
    body = ("class Liar(np.ndarray):\n"
            "    def __eq__(self, other): return np.ones(np.shape(other), bool)\n"
            "    def __sub__(self, other): return np.zeros(np.shape(other))\n"
            "    __rsub__ = __sub__\n"
            "z = np.asarray(args[0], dtype=float)\n"
            "return np.full(z.shape, 7.0).view(Liar)")
    result = grade_source(course, tmp_path, with_function("sigmoid", body))
    value_tests = [t for t in result.tests if t.target == "sigmoid" and "values" in t.name]
    assert value_tests and all(t.status == "failed" for t in value_tests)
    assert lost_targets(result) == {"sigmoid"}


def test_failure_message_names_input_expected_and_got(course, tmp_path):
    source = with_function("relu", "z = np.asarray(args[0], dtype=float)\nreturn np.abs(z)")
    result = grade_source(course, tmp_path, source)
    message = next(t.message for t in result.tests if t.target == "relu" and t.status == "failed")
    assert message.startswith("relu")
    assert "expected" in message and "got" in message and "for z = " in message


def test_public_suite_has_no_reference_and_no_points(course, tmp_path):
    result = grade_source(course, tmp_path, REFERENCE, suite="public")
    assert result.suite == "public" and all(t.status == "passed" for t in result.tests)


def test_grader_fault_is_an_error_not_a_student_failure(tmp_path):
    root = tmp_path / "course"
    shutil.copytree(REPO / "exercises" / EX, root / "exercises" / EX)
    shutil.copytree(REPO / "solutions" / EX, root / "solutions" / EX)
    (root / "grader" / EX).mkdir(parents=True)
    (root / "grader" / EX / "test_bug.py").write_text(
        "import pytest\n\n@pytest.mark.target('sigmoid')\n@pytest.mark.points(2)\n"
        "def test_sigmoid_grader_bug(student):\n    student.sigmoid(0.0)\n    {}['missing']\n")
    data = yaml.safe_load((REPO / "course.yaml").read_text())
    data["exercises"] = [e for e in data["exercises"] if e["id"] == EX]
    (root / "course.yaml").write_text(yaml.safe_dump(data))
    local = load_course(root)
    result = grade_source(local, tmp_path / "sub", REFERENCE)
    (test,) = result.tests
    assert test.status == "error" and "tell your instructor" in test.message
    assert "KeyError" in test.instructor_detail and "KeyError" not in test.message


def test_one_process_grading_several_exercises_never_mixes_their_suites():
    """Suites share file names (test_softmax.py, test_public.py); each run must use its own."""
    from nncourse.grading.batch import grade_task
    runs = [("exercise2", "solutions/exercise2/activations.py", "hidden"),
            ("exercise6", "solutions/exercise6/softmax_classifier.py", "hidden"),
            ("exercise3", "solutions/exercise3/backprop.py", "public"),
            ("exercise6", "solutions/exercise6/softmax_classifier.py", "public")]
    for ex_id, path, suite in runs:
        result = Result.from_json(grade_task(str(REPO), ex_id, str(REPO / path), suite))
        assert result.tests and all(t.status == "passed" for t in result.tests), (ex_id, suite)
        assert not any(t.target.startswith("Perceptron") for t in result.tests)
