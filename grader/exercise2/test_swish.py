"""Hidden checks of swish and swish_grad: values, stability at |z| up to 1e4, input forms."""
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
STABLE_HINT = "build swish on a stable sigmoid: exp(-z) overflows for z = -1e4"



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
def test_swish_no_warning_for_large_z(student, reference):
    call_without_warnings(student.swish, LARGE, want=reference.swish(LARGE),
                          what="swish(z)", inputs={"z": LARGE}, hint=STABLE_HINT)


@pytest.mark.target("swish")
@pytest.mark.points(2)
def test_swish_values_for_large_z(student, reference):
    assert_close(student.swish(LARGE), reference.swish(LARGE), what="swish(z)", inputs={"z": LARGE},
                 hint="swish(z) tends to 0 for z -> -inf and to z for z -> +inf, never nan; " + STABLE_HINT)


@pytest.mark.target("swish")
@pytest.mark.points(1)
def test_swish_scalar_input(student, reference):
    check_scalar_input(student, reference, "swish")


@pytest.mark.target("swish")
@pytest.mark.points(1)
def test_swish_list_input(student, reference):
    check_list_input(student, reference, "swish")


@pytest.mark.target("swish")
@pytest.mark.points(1)
def test_swish_float32_input(student, reference):
    check_float32_input(student, reference, "swish")


@pytest.mark.target("swish")
@pytest.mark.points(1)
def test_swish_keeps_input_unchanged(student, rng, reference):
    check_input_unchanged(student, reference, "swish", rng)


@pytest.mark.target("swish")
@pytest.mark.points(1)
def test_swish_keeps_shape_of_3d_input(student, rng, reference):
    check_3d_shape(student, reference, "swish", rng)


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
def test_swish_grad_no_warning_for_large_z(student, reference):
    call_without_warnings(student.swish_grad, LARGE, want=reference.swish_grad(LARGE),
                          what="swish_grad(z)", inputs={"z": LARGE}, hint=STABLE_HINT)


@pytest.mark.target("swish_grad")
@pytest.mark.points(2)
def test_swish_grad_values_for_large_z(student, reference):
    assert_close(student.swish_grad(LARGE), reference.swish_grad(LARGE), what="swish_grad(z)",
                 inputs={"z": LARGE}, hint="the slope tends to 0 for z -> -inf and to 1 for z -> +inf, never nan")


@pytest.mark.target("swish_grad")
@pytest.mark.points(1)
def test_swish_grad_scalar_input(student, reference):
    check_scalar_input(student, reference, "swish_grad")


@pytest.mark.target("swish_grad")
@pytest.mark.points(1)
def test_swish_grad_list_input(student, reference):
    check_list_input(student, reference, "swish_grad")


@pytest.mark.target("swish_grad")
@pytest.mark.points(1)
def test_swish_grad_float32_input(student, reference):
    check_float32_input(student, reference, "swish_grad")


@pytest.mark.target("swish_grad")
@pytest.mark.points(1)
def test_swish_grad_keeps_input_unchanged(student, rng, reference):
    check_input_unchanged(student, reference, "swish_grad", rng)


@pytest.mark.target("swish_grad")
@pytest.mark.points(1)
def test_swish_grad_keeps_shape_of_3d_input(student, rng, reference):
    check_3d_shape(student, reference, "swish_grad", rng)
