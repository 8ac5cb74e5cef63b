"""The proxy: calls, references, and a fresh worker after anything that leaves the old one suspect."""
import numpy as np
import pytest

from nncourse.errors import ModuleLoadError, StudentError, WorkerDied, WorkerTimeout
from nncourse.sandbox.limits import Limits
from nncourse.sandbox.proxy import Session, StudentModule

from conftest import write_module

SOURCE = """
import numpy as np
calls = []
def double(x):
    calls.append(1)
    return np.asarray(x, dtype=float) * 2
def count():
    return len(calls)
def interrupt():
    raise KeyboardInterrupt
def fail():
    raise ValueError("no")
def forever():
    while True:
        pass
def bump(d):
    d["W"] += 1
class Box:
    def __init__(self):
        self.items = {"W": np.zeros(2)}
    def bump(self):
        self.items["W"] += 1
"""


@pytest.fixture
def student(tmp_path):
    session = Session(str(write_module(tmp_path, "mod.py", SOURCE)), "mod", Limits(call_timeout=2))
    yield StudentModule(session)
    session.close()


def pid(student):
    return object.__getattribute__(student, "_session").worker.proc.pid


def test_plain_calls_and_remote_objects(student):
    np.testing.assert_array_equal(student.double([1, 2]), [2.0, 4.0])
    P = student.put({"W": np.zeros(2)})
    A = P.ref_item("W")
    student.bump(P)
    np.testing.assert_array_equal(A.value(), [1.0, 1.0])  # the very array, updated in place
    box = student.Box()
    box.bump()
    np.testing.assert_array_equal(box.items["W"], [1.0, 1.0])


def test_an_ordinary_exception_keeps_the_worker(student):
    student.double(1)
    before = pid(student)
    with pytest.raises(StudentError, match="ValueError: no"):
        student.fail()
    assert pid(student) == before and student.count() == 1


def test_keyboard_interrupt_gives_a_fresh_worker(student):
    student.double(1)
    before = pid(student)
    with pytest.raises(StudentError) as info:
        student.interrupt()
    assert info.value.is_a("KeyboardInterrupt")
    assert student.count() == 0  # module state starts afresh
    assert pid(student) != before


def test_timeout_kills_and_the_next_call_works(student):
    box = student.Box()
    with pytest.raises(WorkerTimeout):
        student.forever()
    assert student.count() == 0
    with pytest.raises(WorkerDied, match="previous"):
        box.bump()  # an object of the dead worker is not silently reused


def test_import_failure_is_remembered_not_retried(tmp_path):
    path = write_module(tmp_path, "bad.py", "raise RuntimeError('at import')\n")
    session = Session(str(path), "bad", Limits(call_timeout=2))
    student = StudentModule(session)
    for _ in range(2):
        with pytest.raises(ModuleLoadError, match="RuntimeError: at import"):
            student.anything()
    session.close()
