"""Hidden checks of elu and elu_grad: values, alpha, the point 0, stability at |z| up to 1e4, input forms."""
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
WHERE_HINT = ("np.where evaluates both branches on every element: exp(z) still runs on z = 1e4; "
              "pass np.minimum(z, 0) to exp")


def _off_kink(rng, size):
    """Random z with |z| >= 0.1, so central differences never straddle the kink at 0."""
    z = rng.uniform(0.1, 4.0, size=size)
    return z * rng.choice([-1.0, 1.0], size=size)



# --- elu ----------------------------------------------------------------------------------

@pytest.mark.target("elu")
@pytest.mark.points(3)
def test_elu_values_match_math(student, rng):
    z = rng.normal(0.0, 3.0, size=(4, 5))
    z[0, 0] = 0.0
    want = np.where(z > 0, z, np.exp(np.minimum(z, 0.0)) - 1.0)
    assert_close(student.elu(z), want, what="elu(z)", inputs={"z": z},
                 hint="elu(z) = z for z > 0, alpha * (exp(z) - 1) otherwise, alpha = 1.0 by default")


@pytest.mark.target("elu")
@pytest.mark.points(2)
def test_elu_uses_alpha(student, rng):
    z = rng.normal(0.0, 3.0, size=(3, 4))
    want = np.where(z > 0, z, 1.7 * (np.exp(np.minimum(z, 0.0)) - 1.0))
    assert_close(student.elu(z, alpha=1.7), want, what="elu(z, alpha=1.7)", inputs={"z": z},
                 hint="alpha multiplies the negative branch only: alpha * (exp(z) - 1)")


@pytest.mark.target("elu")
@pytest.mark.points(1)
def test_elu_zero_at_zero(student):
    z = np.array([-1e-9, 0.0, 1e-9])
    assert_close(student.elu(z, alpha=2.0), [-2e-9, 0.0, 1e-9], what="elu(z, alpha=2.0)", inputs={"z": z},
                 rtol=1e-6, atol=1e-15,  # the values are ~1e-9: the absolute slack must be far below them
                 hint="elu is continuous at 0: both branches give 0 there")


@pytest.mark.target("elu")
@pytest.mark.points(2)
def test_elu_no_warning_for_large_z(student, reference):
    call_without_warnings(student.elu, LARGE, want=reference.elu(LARGE),
                          what="elu(z)", inputs={"z": LARGE}, hint=WHERE_HINT)


@pytest.mark.target("elu")
@pytest.mark.points(2)
def test_elu_values_for_large_z(student, reference):
    assert_close(student.elu(LARGE, alpha=1.5), reference.elu(LARGE, alpha=1.5), what="elu(z, alpha=1.5)",
                 inputs={"z": LARGE},
                 hint="elu(z) = z for large z and tends to -alpha for z -> -inf; " + WHERE_HINT)


@pytest.mark.target("elu")
@pytest.mark.points(1)
def test_elu_scalar_input(student, reference):
    check_scalar_input(student, reference, "elu")


@pytest.mark.target("elu")
@pytest.mark.points(1)
def test_elu_list_input(student, reference):
    check_list_input(student, reference, "elu")


@pytest.mark.target("elu")
@pytest.mark.points(1)
def test_elu_float32_input(student, reference):
    check_float32_input(student, reference, "elu")


@pytest.mark.target("elu")
@pytest.mark.points(1)
def test_elu_keeps_input_unchanged(student, rng, reference):
    check_input_unchanged(student, reference, "elu", rng)


@pytest.mark.target("elu")
@pytest.mark.points(1)
def test_elu_keeps_shape_of_3d_input(student, rng, reference):
    check_3d_shape(student, reference, "elu", rng)


# --- elu_grad -----------------------------------------------------------------------------

@pytest.mark.target("elu_grad")
@pytest.mark.points(3)
def test_elu_grad_matches_numeric_grad(student, reference, rng):
    z = _off_kink(rng, (3, 4))
    assert_matches_numeric_grad(student.elu_grad(z), lambda x: np.sum(reference.elu(x)), z,
                                what="elu_grad(z)", inputs={"z": z},
                                hint="elu_grad(z) = 1 for z > 0, alpha * exp(z) otherwise")


@pytest.mark.target("elu_grad")
@pytest.mark.points(2)
def test_elu_grad_alpha_at_zero(student):
    z = np.array([-1.0, 0.0, 1.0])
    want = [2.5 * np.exp(-1.0), 2.5, 1.0]
    assert_close(student.elu_grad(z, alpha=2.5), want, what="elu_grad(z, alpha=2.5)", inputs={"z": z},
                 hint="at exactly 0 the formula alpha * exp(z) applies (z > 0 is false), so elu_grad(0) = alpha")


@pytest.mark.target("elu_grad")
@pytest.mark.points(2)
def test_elu_grad_uses_alpha(student, reference, rng):
    z = _off_kink(rng, (3, 4))
    assert_matches_numeric_grad(student.elu_grad(z, alpha=0.5), lambda x: np.sum(reference.elu(x, alpha=0.5)), z,
                                what="elu_grad(z, alpha=0.5)", inputs={"z": z},
                                hint="alpha multiplies the negative branch: alpha * exp(z)")


@pytest.mark.target("elu_grad")
@pytest.mark.points(2)
def test_elu_grad_no_warning_for_large_z(student, reference):
    call_without_warnings(student.elu_grad, LARGE, want=reference.elu_grad(LARGE),
                          what="elu_grad(z)", inputs={"z": LARGE}, hint=WHERE_HINT)


@pytest.mark.target("elu_grad")
@pytest.mark.points(2)
def test_elu_grad_values_for_large_z(student, reference):
    assert_close(student.elu_grad(LARGE, alpha=1.5), reference.elu_grad(LARGE, alpha=1.5),
                 what="elu_grad(z, alpha=1.5)", inputs={"z": LARGE},
                 hint="the slope is 1 for z > 0 and tends to 0 for z -> -inf; " + WHERE_HINT)


@pytest.mark.target("elu_grad")
@pytest.mark.points(1)
def test_elu_grad_scalar_input(student, reference):
    check_scalar_input(student, reference, "elu_grad")


@pytest.mark.target("elu_grad")
@pytest.mark.points(1)
def test_elu_grad_list_input(student, reference):
    check_list_input(student, reference, "elu_grad")


@pytest.mark.target("elu_grad")
@pytest.mark.points(1)
def test_elu_grad_float32_input(student, reference):
    check_float32_input(student, reference, "elu_grad")


@pytest.mark.target("elu_grad")
@pytest.mark.points(1)
def test_elu_grad_keeps_input_unchanged(student, rng, reference):
    check_input_unchanged(student, reference, "elu_grad", rng)


@pytest.mark.target("elu_grad")
@pytest.mark.points(1)
def test_elu_grad_keeps_shape_of_3d_input(student, rng, reference):
    check_3d_shape(student, reference, "elu_grad", rng)
