"""Hidden tests of softmax: values, the last axis, stability at huge logits, inputs untouched."""
import numpy as np
import pytest

from nncourse.grading.checks import inputs_after, call_without_warnings, assert_close, assert_equal, assert_finite

HINT_STABLE = "subtract the maximum of each row (along the last axis, keepdims=True) before np.exp"
HINT_AXIS = "normalise along the last axis: np.sum(..., axis=-1, keepdims=True)"



def _softmax(z):
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@pytest.mark.target("softmax")
@pytest.mark.points(2)
def test_softmax_matches_math(student, rng):
    z = rng.normal(0.0, 3.0, size=(4, 5))
    assert_close(student.softmax(z), _softmax(z), what="softmax(z)", inputs={"z": z},
                 hint="softmax(z)[i, j] = exp(z[i, j]) / sum_m exp(z[i, m])")


@pytest.mark.target("softmax")
@pytest.mark.points(1)
def test_softmax_along_last_axis_of_3d_input(student, rng):
    z = rng.normal(0.0, 2.0, size=(2, 3, 4))
    assert_close(student.softmax(z), _softmax(z), what="softmax(z) with z of shape (2, 3, 4)",
                 inputs={"z": z}, hint=HINT_AXIS)


@pytest.mark.target("softmax")
@pytest.mark.points(2)
def test_softmax_stable_for_huge_logits(student):
    z = np.array([[1e4, 0.0, -1e4], [-1e4, -1e4, -1e4], [1e4, 1e4, 0.0]])
    got = call_without_warnings(student.softmax, z, what="softmax(z)", inputs={"z": z},
                                 hint=HINT_STABLE)
    assert_finite(got, what="softmax(z)", inputs={"z": z}, hint=HINT_STABLE)
    assert_close(got, _softmax(z), what="softmax(z)", inputs={"z": z}, hint=HINT_STABLE)


@pytest.mark.target("softmax")
@pytest.mark.points(1)
def test_softmax_accepts_list_and_float32(student):
    z = [[1.0, 2.0, 3.0], [0.5, 0.5, -1.0]]
    assert_close(student.softmax(z), _softmax(z), what="softmax(z) with z a nested list",
                 inputs={"z": np.array(z)}, hint="convert the input with np.asarray(z, dtype=float)")
    z32 = np.array(z, dtype=np.float32)
    # rtol 1e-5: a student may compute in float32 for float32 input (about 1e-7 relative error)
    assert_close(student.softmax(z32), _softmax(z32), what="softmax(z) with z float32",
                 inputs={"z": z32}, rtol=1e-5, hint="convert the input with np.asarray(z, dtype=float)")


@pytest.mark.target("softmax")
@pytest.mark.points(1)
def test_softmax_does_not_modify_input(student, rng):
    z = rng.normal(0.0, 3.0, size=(3, 4))
    got, args_after, _ = inputs_after(student.softmax, z.copy())
    assert_close(got, _softmax(z), what="softmax(z)", inputs={"z": z})
    assert_equal(args_after[0], z, what="softmax(z): z after the call", inputs={"z": z},
                 hint="z - z.max(...) makes a new array; z -= ... changes the caller's array")
