"""Hidden checks of sigmoid and sigmoid_grad: values, stability at |z| up to 1e4, input forms."""
import numpy as np
import pytest

from nncourse.grading.checks import (inputs_after, call_without_warnings, assert_close, assert_dtype_kind, assert_matches_numeric_grad,
                                     assert_shape)

# exp(710) already overflows float64; 1e4 is the course's stress value.
LARGE = np.array([-1e4, -1000.0, -710.0, -50.0, -1.0, 0.0, 1.0, 50.0, 710.0, 1000.0, 1e4])
STABLE_HINT = "never call exp on a large positive number: use exp(-|z|), which lies in (0, 1]"



def _check_scalar(student, reference, name):
    got = getattr(student, name)(2.0)
    assert_close(got, getattr(reference, name)(2.0), what=f"{name}(2.0)", inputs={"z": 2.0},
                 hint="a Python scalar gives a 0-d array (shape ()): start with np.asarray(z, dtype=float)")


def _check_list(student, reference, name):
    z = [-3.0, 0.0, 0.5, 4.0]
    assert_close(getattr(student, name)(z), getattr(reference, name)(np.array(z)),
                 what=f"{name}(z) with z a list", inputs={"z": z},
                 hint="convert the input first: z = np.asarray(z, dtype=float)")


def _check_float32(student, reference, name):
    z = np.array([-4.0, -0.5, 0.0, 0.5, 4.0], dtype=np.float32)
    got = getattr(student, name)(z)
    assert_dtype_kind(got, "f", what=f"{name}(z) with z float32", inputs={"z": z})
    # float32 carries about 7 significant digits, so the tolerance is float32's.
    assert_close(got, getattr(reference, name)(z), what=f"{name}(z) with z float32", inputs={"z": z},
                 rtol=1e-5, atol=1e-6)


def _check_unchanged(student, name, rng):
    z = rng.normal(0.0, 3.0, size=(3, 4))
    z[0, 0] = 0.0
    before = z.copy()
    _, args_after, _ = inputs_after(getattr(student, name), z)
    assert_close(args_after[0], before, what=f"z after {name}(z)", inputs={"z": before}, rtol=0, atol=0,
                 hint="the function must not modify its input: work on a new array")


def _check_shape_3d(student, name, rng):
    z = rng.normal(size=(2, 3, 4))
    assert_shape(getattr(student, name)(z), (2, 3, 4), what=f"{name}(z)", inputs={"z": z},
                 hint="the output has the input's shape; no reshape or flatten")


# --- sigmoid ------------------------------------------------------------------------------

@pytest.mark.target("sigmoid")
@pytest.mark.points(3)
def test_sigmoid_values_match_math(student, rng):
    z = rng.uniform(-8.0, 8.0, size=(4, 5))
    z[0, 0] = 0.0
    want = 1.0 / (1.0 + np.exp(-z))  # safe here: |z| <= 8
    assert_close(student.sigmoid(z), want, what="sigmoid(z)", inputs={"z": z},
                 hint="sigmoid(z) = 1 / (1 + exp(-z)), elementwise")


@pytest.mark.target("sigmoid")
@pytest.mark.points(2)
def test_sigmoid_no_warning_for_large_z(student):
    call_without_warnings(student.sigmoid, LARGE, expect_shape=LARGE.shape, what="sigmoid(z)", inputs={"z": LARGE},
                           hint="1 / (1 + exp(-z)) overflows for z = -1e4; " + STABLE_HINT)


@pytest.mark.target("sigmoid")
@pytest.mark.points(2)
def test_sigmoid_values_for_large_z(student, reference):
    assert_close(student.sigmoid(LARGE), reference.sigmoid(LARGE), what="sigmoid(z)", inputs={"z": LARGE},
                 hint="sigmoid tends to 0 for z -> -inf and to 1 for z -> +inf, never nan; " + STABLE_HINT)


@pytest.mark.target("sigmoid")
@pytest.mark.points(1)
def test_sigmoid_scalar_input(student, reference):
    _check_scalar(student, reference, "sigmoid")


@pytest.mark.target("sigmoid")
@pytest.mark.points(1)
def test_sigmoid_list_input(student, reference):
    _check_list(student, reference, "sigmoid")


@pytest.mark.target("sigmoid")
@pytest.mark.points(1)
def test_sigmoid_float32_input(student, reference):
    _check_float32(student, reference, "sigmoid")


@pytest.mark.target("sigmoid")
@pytest.mark.points(1)
def test_sigmoid_keeps_input_unchanged(student, rng):
    _check_unchanged(student, "sigmoid", rng)


@pytest.mark.target("sigmoid")
@pytest.mark.points(1)
def test_sigmoid_keeps_shape_of_3d_input(student, rng):
    _check_shape_3d(student, "sigmoid", rng)


# --- sigmoid_grad -------------------------------------------------------------------------

@pytest.mark.target("sigmoid_grad")
@pytest.mark.points(3)
def test_sigmoid_grad_matches_numeric_grad(student, reference, rng):
    z = rng.uniform(-6.0, 6.0, size=(3, 4))
    assert_matches_numeric_grad(student.sigmoid_grad(z), lambda x: np.sum(reference.sigmoid(x)), z,
                                what="sigmoid_grad(z)", inputs={"z": z},
                                hint="d sigmoid/dz = s * (1 - s) with s = sigmoid(z)")


@pytest.mark.target("sigmoid_grad")
@pytest.mark.points(2)
def test_sigmoid_grad_values_match_math(student, reference, rng):
    # s * (1 - s) loses relative precision for large |z|; the absolute tolerance accepts it.
    z = np.concatenate([[0.0, -2.0, 2.0, -5.0, 5.0, -10.0, 10.0, -12.5, 12.5, -17.5, 17.5, -30.0, 30.0],
                        rng.uniform(-30.0, 30.0, size=7)])
    assert_close(student.sigmoid_grad(z), reference.sigmoid_grad(z), what="sigmoid_grad(z)", inputs={"z": z},
                 hint="sigmoid_grad(0) = 0.25; the formula is s * (1 - s), computed in float64")


@pytest.mark.target("sigmoid_grad")
@pytest.mark.points(2)
def test_sigmoid_grad_no_warning_for_large_z(student):
    call_without_warnings(student.sigmoid_grad, LARGE, expect_shape=LARGE.shape, what="sigmoid_grad(z)", inputs={"z": LARGE},
                           hint="build it on a stable sigmoid; exp(-z) / (1 + exp(-z))**2 overflows for z = -1e4")


@pytest.mark.target("sigmoid_grad")
@pytest.mark.points(2)
def test_sigmoid_grad_values_for_large_z(student, reference):
    assert_close(student.sigmoid_grad(LARGE), reference.sigmoid_grad(LARGE), what="sigmoid_grad(z)",
                 inputs={"z": LARGE}, hint="the derivative tends to 0 for large |z|, never nan")


@pytest.mark.target("sigmoid_grad")
@pytest.mark.points(1)
def test_sigmoid_grad_scalar_input(student, reference):
    _check_scalar(student, reference, "sigmoid_grad")


@pytest.mark.target("sigmoid_grad")
@pytest.mark.points(1)
def test_sigmoid_grad_list_input(student, reference):
    _check_list(student, reference, "sigmoid_grad")


@pytest.mark.target("sigmoid_grad")
@pytest.mark.points(1)
def test_sigmoid_grad_float32_input(student, reference):
    _check_float32(student, reference, "sigmoid_grad")


@pytest.mark.target("sigmoid_grad")
@pytest.mark.points(1)
def test_sigmoid_grad_keeps_input_unchanged(student, rng):
    _check_unchanged(student, "sigmoid_grad", rng)


@pytest.mark.target("sigmoid_grad")
@pytest.mark.points(1)
def test_sigmoid_grad_keeps_shape_of_3d_input(student, rng):
    _check_shape_3d(student, "sigmoid_grad", rng)
