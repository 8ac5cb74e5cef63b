"""Hidden tests of step(z): values, the value at 0, dtype and shape."""
import numpy as np
import pytest

from nncourse.grading.checks import as_array, assert_dtype_kind, assert_equal, assert_shape



def _values(got, what):
    """The student's result as an array of its own dtype, or a failure if unusable."""
    as_array(got, what=what)
    return np.asarray(got)


HINT_GT = "step(z) is 1 only where z > 0 (strictly); z == 0 gives 0"


@pytest.mark.target("step")
@pytest.mark.points(1)
def test_step_values_for_nonzero_z(student):
    z = np.array([-1e4, -2.5, -1e-9, 1e-9, 0.3, 7.0, 1e4])
    got = student.step(z)
    assert_equal(_values(got, "step(z)"), np.array([0, 0, 0, 1, 1, 1, 1]),
                 what="step(z)", inputs={"z": z}, hint=HINT_GT)


@pytest.mark.target("step")
@pytest.mark.points(2)
def test_step_is_zero_at_zero(student):
    z = np.array([-1.0, 0.0, -0.0, 1.0])
    got = student.step(z)
    assert_equal(_values(got, "step(z)"), np.array([0, 0, 0, 1]),
                 what="step(z) at z = 0", inputs={"z": z}, hint=HINT_GT + " (use >, not >=)")
    assert_equal(_values(student.step(0.0), "step(0.0)").ravel(), np.array([0]),
                 what="step(0.0)", inputs={"z": 0.0}, hint=HINT_GT)


@pytest.mark.target("step")
@pytest.mark.points(1)
def test_step_returns_int_array(student, rng):
    z = rng.normal(size=(3, 4))
    got = student.step(z)
    assert_equal(_values(got, "step(z)"), (z > 0).astype(int), what="step(z)", inputs={"z": z}, hint=HINT_GT)
    assert_dtype_kind(got, "iu", what="step(z) dtype", inputs={"z": z},
                      hint="return integers, e.g. (z > 0).astype(int), not booleans or floats")


@pytest.mark.target("step")
@pytest.mark.points(1)
def test_step_keeps_shape_including_scalar(student, rng):
    z = rng.normal(size=(2, 3, 4))
    got = student.step(z)
    assert_shape(got, (2, 3, 4), what="step(z) shape", inputs={"z": z},
                 hint="work elementwise; do not flatten or reshape")
    assert_equal(_values(got, "step(z)"), (z > 0).astype(int), what="step(z)", inputs={"z": z}, hint=HINT_GT)
    for scalar, want in ((2.5, 1), (-1.5, 0)):
        got = student.step(scalar)
        assert_shape(got, (), what=f"step({scalar}) shape", inputs={"z": scalar},
                     hint="a scalar input gives a 0-d result (np.asarray(z) keeps the shape)")
        assert_equal(_values(got, f"step({scalar})"), np.array(want), what=f"step({scalar})",
                     inputs={"z": scalar}, hint=HINT_GT)


@pytest.mark.target("step")
@pytest.mark.points(1)
def test_step_accepts_list_and_float32(student):
    z = [-1.5, 0.5, 2.0]
    assert_equal(_values(student.step(z), "step(z)"), np.array([0, 1, 1]),
                 what="step(list)", inputs={"z": z}, hint="convert the input with np.asarray(z)")
    z32 = np.array([[-0.5, 0.5], [-3.0, 3.0]], dtype=np.float32)
    assert_equal(_values(student.step(z32), "step(z)"), np.array([[0, 1], [0, 1]]),
                 what="step(float32 z)", inputs={"z": z32}, hint=HINT_GT)
