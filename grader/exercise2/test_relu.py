"""Hidden checks of relu, relu_grad, leaky_relu and leaky_relu_grad: values, the kink at 0, alpha."""
import numpy as np
import pytest

from nncourse.grading.checks import assert_close, assert_matches_numeric_grad
from nncourse.grading.elementwise import (
    check_3d_shape,
    check_float32_input,
    check_input_unchanged,
    check_list_input,
    check_scalar_input,
)


def _off_kink(rng, size):
    """Random z with |z| >= 0.1, so central differences never straddle the kink at 0."""
    z = rng.uniform(0.1, 4.0, size=size)
    return z * rng.choice([-1.0, 1.0], size=size)


# --- relu ---------------------------------------------------------------------------------

@pytest.mark.target("relu")
@pytest.mark.points(3)
def test_relu_values_match_math(student, rng):
    z = rng.normal(0.0, 3.0, size=(4, 5))
    z[0, 0] = 0.0
    assert_close(student.relu(z), np.maximum(z, 0.0), what="relu(z)", inputs={"z": z},
                 hint="relu(z) = max(z, 0) elementwise: np.maximum(z, 0), not np.max")


@pytest.mark.target("relu")
@pytest.mark.points(1)
def test_relu_values_for_large_z(student):
    z = np.array([-1e4, -1.0, 0.0, 1.0, 1e4])
    assert_close(student.relu(z), np.maximum(z, 0.0), what="relu(z)", inputs={"z": z},
                 hint="relu(z) = max(z, 0): no clipping of large values")


@pytest.mark.target("relu")
@pytest.mark.points(1)
def test_relu_scalar_input(student, reference):
    check_scalar_input(student, reference, "relu")


@pytest.mark.target("relu")
@pytest.mark.points(1)
def test_relu_list_input(student, reference):
    check_list_input(student, reference, "relu")


@pytest.mark.target("relu")
@pytest.mark.points(1)
def test_relu_float32_input(student, reference):
    check_float32_input(student, reference, "relu")


@pytest.mark.target("relu")
@pytest.mark.points(1)
def test_relu_keeps_input_unchanged(student, rng, reference):
    check_input_unchanged(student, reference, "relu", rng)


@pytest.mark.target("relu")
@pytest.mark.points(1)
def test_relu_keeps_shape_of_3d_input(student, rng, reference):
    check_3d_shape(student, reference, "relu", rng)


# --- relu_grad ----------------------------------------------------------------------------

@pytest.mark.target("relu_grad")
@pytest.mark.points(3)
def test_relu_grad_matches_numeric_grad(student, reference, rng):
    z = _off_kink(rng, (3, 4))
    assert_matches_numeric_grad(student.relu_grad(z), lambda x: np.sum(reference.relu(x)), z,
                                what="relu_grad(z)", inputs={"z": z},
                                hint="relu_grad(z) is 1 where z > 0 and 0 elsewhere")


@pytest.mark.target("relu_grad")
@pytest.mark.points(2)
def test_relu_grad_zero_at_zero(student):
    z = np.array([-1.0, 0.0, 0.0, 2.0])
    assert_close(student.relu_grad(z), [0.0, 0.0, 0.0, 1.0], what="relu_grad(z)", inputs={"z": z},
                 hint="the course takes the derivative at exactly 0 as 0: use z > 0, not z >= 0")


@pytest.mark.target("relu_grad")
@pytest.mark.points(1)
def test_relu_grad_values_for_large_z(student):
    z = np.array([-1e4, -1e-300, 1e-300, 1e4])
    assert_close(student.relu_grad(z), [0.0, 0.0, 1.0, 1.0], what="relu_grad(z)", inputs={"z": z},
                 hint="the slope is 1 for every z > 0, however small or large, and 0 for z < 0")


@pytest.mark.target("relu_grad")
@pytest.mark.points(1)
def test_relu_grad_scalar_input(student, reference):
    check_scalar_input(student, reference, "relu_grad")


@pytest.mark.target("relu_grad")
@pytest.mark.points(1)
def test_relu_grad_list_input(student, reference):
    check_list_input(student, reference, "relu_grad")


@pytest.mark.target("relu_grad")
@pytest.mark.points(1)
def test_relu_grad_float32_input(student, reference):
    check_float32_input(student, reference, "relu_grad")


@pytest.mark.target("relu_grad")
@pytest.mark.points(1)
def test_relu_grad_keeps_input_unchanged(student, rng, reference):
    check_input_unchanged(student, reference, "relu_grad", rng)


@pytest.mark.target("relu_grad")
@pytest.mark.points(1)
def test_relu_grad_keeps_shape_of_3d_input(student, rng, reference):
    check_3d_shape(student, reference, "relu_grad", rng)


# --- leaky_relu ---------------------------------------------------------------------------

@pytest.mark.target("leaky_relu")
@pytest.mark.points(3)
def test_leaky_relu_values_match_math(student, rng):
    z = rng.normal(0.0, 3.0, size=(4, 5))
    z[0, 0] = 0.0
    assert_close(student.leaky_relu(z), np.where(z > 0, z, 0.01 * z), what="leaky_relu(z)", inputs={"z": z},
                 hint="leaky_relu(z) = z where z > 0, alpha * z elsewhere, with alpha = 0.01 by default")


@pytest.mark.target("leaky_relu")
@pytest.mark.points(2)
def test_leaky_relu_uses_alpha(student, rng):
    z = rng.normal(0.0, 3.0, size=(3, 4))
    assert_close(student.leaky_relu(z, alpha=0.2), np.where(z > 0, z, 0.2 * z), what="leaky_relu(z, alpha=0.2)",
                 inputs={"z": z}, hint="use the alpha argument, not a fixed 0.01")


@pytest.mark.target("leaky_relu")
@pytest.mark.points(1)
def test_leaky_relu_scalar_input(student, reference):
    check_scalar_input(student, reference, "leaky_relu")


@pytest.mark.target("leaky_relu")
@pytest.mark.points(1)
def test_leaky_relu_list_input(student, reference):
    check_list_input(student, reference, "leaky_relu")


@pytest.mark.target("leaky_relu")
@pytest.mark.points(1)
def test_leaky_relu_float32_input(student, reference):
    check_float32_input(student, reference, "leaky_relu")


@pytest.mark.target("leaky_relu")
@pytest.mark.points(1)
def test_leaky_relu_keeps_input_unchanged(student, rng, reference):
    check_input_unchanged(student, reference, "leaky_relu", rng)


@pytest.mark.target("leaky_relu")
@pytest.mark.points(1)
def test_leaky_relu_keeps_shape_of_3d_input(student, rng, reference):
    check_3d_shape(student, reference, "leaky_relu", rng)


# --- leaky_relu_grad ----------------------------------------------------------------------

@pytest.mark.target("leaky_relu_grad")
@pytest.mark.points(3)
def test_leaky_relu_grad_matches_numeric_grad(student, reference, rng):
    z = _off_kink(rng, (3, 4))
    assert_matches_numeric_grad(student.leaky_relu_grad(z), lambda x: np.sum(reference.leaky_relu(x)), z,
                                what="leaky_relu_grad(z)", inputs={"z": z},
                                hint="the slope is 1 where z > 0 and alpha (0.01 by default) elsewhere")


@pytest.mark.target("leaky_relu_grad")
@pytest.mark.points(2)
def test_leaky_relu_grad_alpha_at_zero(student):
    z = np.array([-1.0, 0.0, 0.0, 2.0])
    assert_close(student.leaky_relu_grad(z, alpha=0.3), [0.3, 0.3, 0.3, 1.0], what="leaky_relu_grad(z, alpha=0.3)",
                 inputs={"z": z}, hint="the slope at exactly 0 is alpha: use z > 0 for the slope 1")


@pytest.mark.target("leaky_relu_grad")
@pytest.mark.points(2)
def test_leaky_relu_grad_uses_alpha(student, reference, rng):
    z = _off_kink(rng, (3, 4))
    assert_matches_numeric_grad(student.leaky_relu_grad(z, alpha=0.25),
                                lambda x: np.sum(reference.leaky_relu(x, alpha=0.25)), z,
                                what="leaky_relu_grad(z, alpha=0.25)", inputs={"z": z},
                                hint="use the alpha argument, not a fixed 0.01")


@pytest.mark.target("leaky_relu_grad")
@pytest.mark.points(1)
def test_leaky_relu_grad_scalar_input(student, reference):
    check_scalar_input(student, reference, "leaky_relu_grad")


@pytest.mark.target("leaky_relu_grad")
@pytest.mark.points(1)
def test_leaky_relu_grad_list_input(student, reference):
    check_list_input(student, reference, "leaky_relu_grad")


@pytest.mark.target("leaky_relu_grad")
@pytest.mark.points(1)
def test_leaky_relu_grad_float32_input(student, reference):
    check_float32_input(student, reference, "leaky_relu_grad")


@pytest.mark.target("leaky_relu_grad")
@pytest.mark.points(1)
def test_leaky_relu_grad_keeps_input_unchanged(student, rng, reference):
    check_input_unchanged(student, reference, "leaky_relu_grad", rng)


@pytest.mark.target("leaky_relu_grad")
@pytest.mark.points(1)
def test_leaky_relu_grad_keeps_shape_of_3d_input(student, rng, reference):
    check_3d_shape(student, reference, "leaky_relu_grad", rng)
