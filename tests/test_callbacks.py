"""Substitution by callback: the reference answers for lower-level names while a test runs."""
import types

import numpy as np
import pytest

from nncourse.errors import StudentError, WorkerDied, WorkerTimeout
from nncourse.sandbox.callbacks import Method, StandIns
from nncourse.sandbox.proxy import Session, StudentModule

STUDENT = '''
import numpy as np

def double(x):                      # wrong on purpose: the reference doubles
    return np.asarray(x) * 3

_TABLE = {"double": double}         # an alias made at import time

def twice_via_name(x):
    return double(x)

def twice_via_table(x):
    return _TABLE["double"](x)

def leak(x):
    return __nncourse_stand_in__("double", (x,), {})

class Counter:
    def __init__(self):
        self.total = 0.0
        self.step_size = 1.0

    def add(self, x):               # wrong on purpose: the reference adds step_size * x
        self.total = self.total - x
        return self.total

    def add_all(self, xs):
        return [self.add(x) for x in xs]

def spin(x):
    while True:
        double(x)
'''

REFERENCE = types.SimpleNamespace(double=lambda x: np.asarray(x) * 2)


class ReferenceCounter:
    def add(self, x):
        self.total = self.total + self.step_size * x
        return self.total


REFERENCE.Counter = ReferenceCounter


@pytest.fixture
def student(tmp_path):
    path = tmp_path / "mod.py"
    path.write_text(STUDENT)
    session = Session(str(path), "mod")
    yield StudentModule(session), session
    session.close()


def test_function_stand_in_reaches_calls_by_name_and_by_alias(student):
    mod, session = student
    assert mod.twice_via_name(2.0) == 6.0
    with session.using_reference(StandIns(REFERENCE, ["double"])):
        assert mod.twice_via_name(2.0) == 4.0
        assert mod.twice_via_table(np.array([1.0, 2.0])).tolist() == [2.0, 4.0]
    assert mod.twice_via_name(2.0) == 6.0  # restored after the block


def test_method_stand_in_carries_and_writes_back_state(student):
    mod, session = student
    c = mod.Counter()
    c.step_size = 0.5
    counter = Method("Counter.add", state=("total", "step_size"), read_only=("step_size",))
    with session.using_reference(StandIns(REFERENCE, [counter])):
        assert c.add_all([2.0, 4.0]) == [1.0, 3.0]
    assert c.total == 3.0
    assert c.add(1.0) == 2.0  # the student's own add again


def test_reference_failure_is_an_exception_in_student_code(student):
    mod, session = student
    with session.using_reference(StandIns(REFERENCE, ["double"])):
        with pytest.raises(StudentError) as info:
            mod.twice_via_name("not a number")
    assert "standing in for yours" in info.value.message


def test_stand_ins_survive_a_fresh_worker(student):
    mod, session = student
    with session.using_reference(StandIns(REFERENCE, ["double"])):
        assert mod.twice_via_name(1.0) == 2.0
        session.worker.kill()
        assert mod.twice_via_name(1.0) == 2.0


def test_a_callback_for_a_name_not_stood_in_kills_the_worker(student):
    mod, session = student
    with pytest.raises(StudentError):
        mod.leak(1.0)  # no stand-ins active: the shim's global does not even exist
    with session.using_reference(StandIns(REFERENCE, ["Counter.add"])):
        with pytest.raises(WorkerDied):
            mod.leak(1.0)  # the reference answers only for the names of this block


def test_a_callback_storm_is_bounded_by_the_deadline(student):
    mod, session = student
    session.limits = session.limits.__class__(call_timeout=1.0)
    with session.using_reference(StandIns(REFERENCE, ["double"])):
        with pytest.raises(WorkerTimeout):
            mod.spin(1.0)


def test_oversized_callback_arguments_are_refused(student):
    mod, session = student
    with session.using_reference(StandIns(REFERENCE, ["double"])):
        with pytest.raises(StudentError) as info:
            mod.twice_via_name(np.zeros(5000))
    assert "larger than this stand-in accepts" in info.value.message
