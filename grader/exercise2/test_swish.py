"""Hidden checks of swish and swish_grad: values, stability at |z| up to 1e4, input forms."""
import numpy as np
import pytest

from nncourse.grading.checks import (inputs_after, call_without_warnings, assert_close, assert_dtype_kind, assert_matches_numeric_grad,
                                     assert_shape)

# exp(710) already overflows float64; 1e4 is the course's stress value.
LARGE = np.array([-1e4, -1000.0, -710.0, -50.0, -1.0, 0.0, 1.0, 50.0, 710.0, 1000.0, 1e4])
STABLE_HINT = "build swish on a stable sigmoid: exp(-z) overflows for z = -1e4"



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


# --- swish --------------------------------------------------------------------------------

@pytest.mark.target("swish")
@pytest.mark.points(3)
def test_swish_values_match_math(student, rng):
    z = rng.uniform(-8.0, 8.0, size=(4, 5))
    z[0, 0] = 0.0
    want = z / (1.0 + np.exp(-z))  # safe here: |z| <= 8
    assert_close(student.swish(z), want, what="swish(z)", inputs={"z": z},
                 hint="swish(z) = z * sigmoid(z)")


@pytest.mark.target("swish")
@pytest.mark.points(2)
def test_swish_no_warning_for_large_z(student):
    call_without_warnings(student.swish, LARGE, expect_shape=LARGE.shape, what="swish(z)", inputs={"z": LARGE}, hint=STABLE_HINT)


@pytest.mark.target("swish")
@pytest.mark.points(2)
def test_swish_values_for_large_z(student, reference):
    assert_close(student.swish(LARGE), reference.swish(LARGE), what="swish(z)", inputs={"z": LARGE},
                 hint="swish(z) tends to 0 for z -> -inf and to z for z -> +inf, never nan; " + STABLE_HINT)


@pytest.mark.target("swish")
@pytest.mark.points(1)
def test_swish_scalar_input(student, reference):
    _check_scalar(student, reference, "swish")


@pytest.mark.target("swish")
@pytest.mark.points(1)
def test_swish_list_input(student, reference):
    _check_list(student, reference, "swish")


@pytest.mark.target("swish")
@pytest.mark.points(1)
def test_swish_float32_input(student, reference):
    _check_float32(student, reference, "swish")


@pytest.mark.target("swish")
@pytest.mark.points(1)
def test_swish_keeps_input_unchanged(student, rng):
    _check_unchanged(student, "swish", rng)


@pytest.mark.target("swish")
@pytest.mark.points(1)
def test_swish_keeps_shape_of_3d_input(student, rng):
    _check_shape_3d(student, "swish", rng)


# --- swish_grad ---------------------------------------------------------------------------

@pytest.mark.target("swish_grad")
@pytest.mark.points(3)
def test_swish_grad_matches_numeric_grad(student, reference, rng):
    z = rng.uniform(-6.0, 6.0, size=(3, 4))
    assert_matches_numeric_grad(student.swish_grad(z), lambda x: np.sum(reference.swish(x)), z,
                                what="swish_grad(z)", inputs={"z": z},
                                hint="product rule: d/dz [z * s(z)] = s + z * s * (1 - s)")


@pytest.mark.target("swish_grad")
@pytest.mark.points(2)
def test_swish_grad_values_match_math(student, reference, rng):
    # s * (1 - s) loses relative precision for large |z|; the absolute tolerance accepts it.
    z = np.concatenate([[0.0, -2.0, 2.0, -12.0, 12.0, -30.0, 30.0], rng.uniform(-30.0, 30.0, size=7)])
    assert_close(student.swish_grad(z), reference.swish_grad(z), what="swish_grad(z)", inputs={"z": z},
                 hint="swish_grad(0) = 0.5; the formula is s + z * s * (1 - s)")


@pytest.mark.target("swish_grad")
@pytest.mark.points(2)
def test_swish_grad_no_warning_for_large_z(student):
    call_without_warnings(student.swish_grad, LARGE, expect_shape=LARGE.shape, what="swish_grad(z)", inputs={"z": LARGE}, hint=STABLE_HINT)


@pytest.mark.target("swish_grad")
@pytest.mark.points(2)
def test_swish_grad_values_for_large_z(student, reference):
    assert_close(student.swish_grad(LARGE), reference.swish_grad(LARGE), what="swish_grad(z)",
                 inputs={"z": LARGE}, hint="the slope tends to 0 for z -> -inf and to 1 for z -> +inf, never nan")


@pytest.mark.target("swish_grad")
@pytest.mark.points(1)
def test_swish_grad_scalar_input(student, reference):
    _check_scalar(student, reference, "swish_grad")


@pytest.mark.target("swish_grad")
@pytest.mark.points(1)
def test_swish_grad_list_input(student, reference):
    _check_list(student, reference, "swish_grad")


@pytest.mark.target("swish_grad")
@pytest.mark.points(1)
def test_swish_grad_float32_input(student, reference):
    _check_float32(student, reference, "swish_grad")


@pytest.mark.target("swish_grad")
@pytest.mark.points(1)
def test_swish_grad_keeps_input_unchanged(student, rng):
    _check_unchanged(student, "swish_grad", rng)


@pytest.mark.target("swish_grad")
@pytest.mark.points(1)
def test_swish_grad_keeps_shape_of_3d_input(student, rng):
    _check_shape_3d(student, "swish_grad", rng)
