"""Hidden checks of sigmoid and sigmoid_grad: values, stability at |z| up to 1e4, input forms."""
import numpy as np
import pytest

from nncourse.grading.checks import (
    assert_close,
    assert_matches_numeric_grad,
    call_without_warnings,
)
from nncourse.grading.elementwise import (
    check_3d_shape,
    check_float32_input,
    check_input_unchanged,
    check_list_input,
    check_scalar_input,
)

# exp(710) already overflows float64; 1e4 is the course's stress value.
LARGE = np.array([-1e4, -1000.0, -710.0, -50.0, -1.0, 0.0, 1.0, 50.0, 710.0, 1000.0, 1e4])
STABLE_HINT = "never call exp on a large positive number: use exp(-|z|), which lies in (0, 1]"



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
def test_sigmoid_no_warning_for_large_z(student, reference):
    call_without_warnings(student.sigmoid, LARGE, want=reference.sigmoid(LARGE), what="sigmoid(z)", inputs={"z": LARGE},
                           hint="1 / (1 + exp(-z)) overflows for z = -1e4; " + STABLE_HINT)


@pytest.mark.target("sigmoid")
@pytest.mark.points(2)
def test_sigmoid_values_for_large_z(student, reference):
    assert_close(student.sigmoid(LARGE), reference.sigmoid(LARGE), what="sigmoid(z)", inputs={"z": LARGE},
                 hint="sigmoid tends to 0 for z -> -inf and to 1 for z -> +inf, never nan; " + STABLE_HINT)


@pytest.mark.target("sigmoid")
@pytest.mark.points(1)
def test_sigmoid_scalar_input(student, reference):
    check_scalar_input(student, reference, "sigmoid")


@pytest.mark.target("sigmoid")
@pytest.mark.points(1)
def test_sigmoid_list_input(student, reference):
    check_list_input(student, reference, "sigmoid")


@pytest.mark.target("sigmoid")
@pytest.mark.points(1)
def test_sigmoid_float32_input(student, reference):
    check_float32_input(student, reference, "sigmoid")


@pytest.mark.target("sigmoid")
@pytest.mark.points(1)
def test_sigmoid_keeps_input_unchanged(student, rng, reference):
    check_input_unchanged(student, reference, "sigmoid", rng)


@pytest.mark.target("sigmoid")
@pytest.mark.points(1)
def test_sigmoid_keeps_shape_of_3d_input(student, rng, reference):
    check_3d_shape(student, reference, "sigmoid", rng)


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
def test_sigmoid_grad_no_warning_for_large_z(student, reference):
    call_without_warnings(student.sigmoid_grad, LARGE, want=reference.sigmoid_grad(LARGE),
                          what="sigmoid_grad(z)", inputs={"z": LARGE},
                           hint="build it on a stable sigmoid; exp(-z) / (1 + exp(-z))**2 overflows for z = -1e4")


@pytest.mark.target("sigmoid_grad")
@pytest.mark.points(2)
def test_sigmoid_grad_values_for_large_z(student, reference):
    assert_close(student.sigmoid_grad(LARGE), reference.sigmoid_grad(LARGE), what="sigmoid_grad(z)",
                 inputs={"z": LARGE}, hint="the derivative tends to 0 for large |z|, never nan")


@pytest.mark.target("sigmoid_grad")
@pytest.mark.points(1)
def test_sigmoid_grad_scalar_input(student, reference):
    check_scalar_input(student, reference, "sigmoid_grad")


@pytest.mark.target("sigmoid_grad")
@pytest.mark.points(1)
def test_sigmoid_grad_list_input(student, reference):
    check_list_input(student, reference, "sigmoid_grad")


@pytest.mark.target("sigmoid_grad")
@pytest.mark.points(1)
def test_sigmoid_grad_float32_input(student, reference):
    check_float32_input(student, reference, "sigmoid_grad")


@pytest.mark.target("sigmoid_grad")
@pytest.mark.points(1)
def test_sigmoid_grad_keeps_input_unchanged(student, rng, reference):
    check_input_unchanged(student, reference, "sigmoid_grad", rng)


@pytest.mark.target("sigmoid_grad")
@pytest.mark.points(1)
def test_sigmoid_grad_keeps_shape_of_3d_input(student, rng, reference):
    check_3d_shape(student, reference, "sigmoid_grad", rng)
