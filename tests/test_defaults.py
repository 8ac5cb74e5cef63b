"""Constructor defaults read from what __init__ stores (RemoteObject.attributes, grading/defaults.py)."""
import pytest

from nncourse.grading.checks import CheckFailed
from nncourse.grading.defaults import assert_defaults, changed, same
from nncourse.sandbox.limits import Limits
from nncourse.sandbox.proxy import Session, StudentModule

from conftest import write_module

SOURCE = """
import numpy as np
class Right:
    def __init__(self, lr=0.1, betas=(0.9, 0.99)):
        self.lr, self.betas, self.state = lr, tuple(betas), {}
        self.rng = np.random.default_rng(0)      # not plain data: left out
        self.fn = lambda x: x                    # not plain data: left out
class WrongDefault:
    def __init__(self, lr=0.1, beta=0.5):
        self.lr, self.beta = lr, beta
class Ignores:
    def __init__(self, lr=0.1, beta=0.9):
        self.lr, self.beta = lr, 0.9
class Nans:
    def __init__(self, lr=0.1, beta=0.9):
        self.lr, self.beta = float("nan"), float("nan")
"""


@pytest.fixture
def student(tmp_path):
    session = Session(str(write_module(tmp_path, "mod.py", SOURCE)), "mod", Limits(call_timeout=5))
    yield StudentModule(session)
    session.close()


def test_attributes_are_the_plain_ones(student):
    assert student.Right().attributes() == {"lr": 0.1, "betas": (0.9, 0.99), "state": {}}


def test_right_defaults_pass(student):
    assert_defaults(student.Right, "Right", {"lr": 0.1, "betas": (0.9, 0.99)}, {"lr": 0.2, "betas": (0.5, 0.6)})


def test_wrong_default_fails_with_its_diagnosis(student):
    with pytest.raises(CheckFailed, match=r"attribute beta: expected 0\.9, got 0\.5") as info:
        assert_defaults(student.WrongDefault, "WrongDefault", {"lr": 0.1, "beta": 0.9}, {"lr": 0.2, "beta": 0.3},
                        diagnoses={"beta": "wrong_hyperparameter"})
    assert info.value.diagnosis_names == ["wrong_hyperparameter"]


def test_an_argument_not_stored_fails(student):
    with pytest.raises(CheckFailed, match="the argument beta is not stored"):
        assert_defaults(student.Ignores, "Ignores", {"lr": 0.1, "beta": 0.9}, {"lr": 0.2, "beta": 0.3})


def test_nan_attributes_never_count_as_stored_arguments(student):
    with pytest.raises(CheckFailed, match="the argument lr is not stored"):
        assert_defaults(student.Nans, "Nans", {"lr": 0.1, "beta": 0.9}, {"lr": 0.2, "beta": 0.3})


def test_same_and_changed():
    assert same({"a": (1.0, [2])}, {"a": (1.0, [2])}) and not same((1.0,), [1.0])
    assert same(float("nan"), float("nan")) and not same(1, 1.5) and not same("x", 1)
    assert changed({"a": 1, "b": 2}, {"a": 1, "c": 2}) == ["b", "c"]
