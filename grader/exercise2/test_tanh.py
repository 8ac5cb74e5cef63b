"""Hidden checks of tanh and tanh_grad: values, stability at |z| up to 1e4, input forms."""
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



# --- tanh ---------------------------------------------------------------------------------

@pytest.mark.target("tanh")
@pytest.mark.points(3)
def test_tanh_values_match_math(student, rng):
    z = rng.uniform(-5.0, 5.0, size=(4, 5))
    z[0, 0] = 0.0
    want = (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))  # safe here: |z| <= 5
    assert_close(student.tanh(z), want, what="tanh(z)", inputs={"z": z},
                 hint="tanh(z) = (exp(z) - exp(-z)) / (exp(z) + exp(-z)); np.tanh computes it")


@pytest.mark.target("tanh")
@pytest.mark.points(2)
def test_tanh_no_warning_for_large_z(student, reference):
    call_without_warnings(student.tanh, LARGE, want=reference.tanh(LARGE), what="tanh(z)", inputs={"z": LARGE},
                           hint="exp(z) overflows for z = 1e4; np.tanh is stable")


@pytest.mark.target("tanh")
@pytest.mark.points(2)
def test_tanh_values_for_large_z(student, reference):
    assert_close(student.tanh(LARGE), reference.tanh(LARGE), what="tanh(z)", inputs={"z": LARGE},
                 hint="tanh tends to -1 and 1, never nan (inf / inf is nan); np.tanh is stable")


@pytest.mark.target("tanh")
@pytest.mark.points(1)
def test_tanh_scalar_input(student, reference):
    check_scalar_input(student, reference, "tanh")


@pytest.mark.target("tanh")
@pytest.mark.points(1)
def test_tanh_list_input(student, reference):
    check_list_input(student, reference, "tanh")


@pytest.mark.target("tanh")
@pytest.mark.points(1)
def test_tanh_float32_input(student, reference):
    check_float32_input(student, reference, "tanh")


@pytest.mark.target("tanh")
@pytest.mark.points(1)
def test_tanh_keeps_input_unchanged(student, rng, reference):
    check_input_unchanged(student, reference, "tanh", rng)


@pytest.mark.target("tanh")
@pytest.mark.points(1)
def test_tanh_keeps_shape_of_3d_input(student, rng, reference):
    check_3d_shape(student, reference, "tanh", rng)


# --- tanh_grad ----------------------------------------------------------------------------

@pytest.mark.target("tanh_grad")
@pytest.mark.points(3)
def test_tanh_grad_matches_numeric_grad(student, reference, rng):
    z = rng.uniform(-4.0, 4.0, size=(3, 4))
    assert_matches_numeric_grad(student.tanh_grad(z), lambda x: np.sum(reference.tanh(x)), z,
                                what="tanh_grad(z)", inputs={"z": z},
                                hint="d tanh/dz = 1 - tanh(z)**2")


@pytest.mark.target("tanh_grad")
@pytest.mark.points(2)
def test_tanh_grad_values_match_math(student, reference, rng):
    # 1 - tanh**2 loses relative precision for large |z|; the absolute tolerance accepts it.
    z = np.concatenate([[0.0, -1.0, 1.0, -8.0, 8.0, -20.0, 20.0], rng.uniform(-20.0, 20.0, size=7)])
    assert_close(student.tanh_grad(z), reference.tanh_grad(z), what="tanh_grad(z)", inputs={"z": z},
                 hint="tanh_grad(0) = 1; the formula is 1 - tanh(z)**2, computed in float64")


@pytest.mark.target("tanh_grad")
@pytest.mark.points(2)
def test_tanh_grad_no_warning_for_large_z(student, reference):
    call_without_warnings(student.tanh_grad, LARGE, want=reference.tanh_grad(LARGE),
                          what="tanh_grad(z)", inputs={"z": LARGE},
                           hint="build it on np.tanh; cosh(z) and exp(z) overflow for z = 1e4")


@pytest.mark.target("tanh_grad")
@pytest.mark.points(2)
def test_tanh_grad_values_for_large_z(student, reference):
    assert_close(student.tanh_grad(LARGE), reference.tanh_grad(LARGE), what="tanh_grad(z)",
                 inputs={"z": LARGE}, hint="the derivative tends to 0 for large |z|, never nan")


@pytest.mark.target("tanh_grad")
@pytest.mark.points(1)
def test_tanh_grad_scalar_input(student, reference):
    check_scalar_input(student, reference, "tanh_grad")


@pytest.mark.target("tanh_grad")
@pytest.mark.points(1)
def test_tanh_grad_list_input(student, reference):
    check_list_input(student, reference, "tanh_grad")


@pytest.mark.target("tanh_grad")
@pytest.mark.points(1)
def test_tanh_grad_float32_input(student, reference):
    check_float32_input(student, reference, "tanh_grad")


@pytest.mark.target("tanh_grad")
@pytest.mark.points(1)
def test_tanh_grad_keeps_input_unchanged(student, rng, reference):
    check_input_unchanged(student, reference, "tanh_grad", rng)


@pytest.mark.target("tanh_grad")
@pytest.mark.points(1)
def test_tanh_grad_keeps_shape_of_3d_input(student, rng, reference):
    check_3d_shape(student, reference, "tanh_grad", rng)
