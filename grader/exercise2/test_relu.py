"""Hidden checks of relu, relu_grad, leaky_relu and leaky_relu_grad: values, the kink at 0, alpha."""
import numpy as np
import pytest

from nncourse.grading.checks import inputs_after, assert_close, assert_dtype_kind, assert_matches_numeric_grad, assert_shape


def _off_kink(rng, size):
    """Random z with |z| >= 0.1, so central differences never straddle the kink at 0."""
    z = rng.uniform(0.1, 4.0, size=size)
    return z * rng.choice([-1.0, 1.0], size=size)


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
    _check_scalar(student, reference, "relu")


@pytest.mark.target("relu")
@pytest.mark.points(1)
def test_relu_list_input(student, reference):
    _check_list(student, reference, "relu")


@pytest.mark.target("relu")
@pytest.mark.points(1)
def test_relu_float32_input(student, reference):
    _check_float32(student, reference, "relu")


@pytest.mark.target("relu")
@pytest.mark.points(1)
def test_relu_keeps_input_unchanged(student, rng):
    _check_unchanged(student, "relu", rng)


@pytest.mark.target("relu")
@pytest.mark.points(1)
def test_relu_keeps_shape_of_3d_input(student, rng):
    _check_shape_3d(student, "relu", rng)


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
    _check_scalar(student, reference, "relu_grad")


@pytest.mark.target("relu_grad")
@pytest.mark.points(1)
def test_relu_grad_list_input(student, reference):
    _check_list(student, reference, "relu_grad")


@pytest.mark.target("relu_grad")
@pytest.mark.points(1)
def test_relu_grad_float32_input(student, reference):
    _check_float32(student, reference, "relu_grad")


@pytest.mark.target("relu_grad")
@pytest.mark.points(1)
def test_relu_grad_keeps_input_unchanged(student, rng):
    _check_unchanged(student, "relu_grad", rng)


@pytest.mark.target("relu_grad")
@pytest.mark.points(1)
def test_relu_grad_keeps_shape_of_3d_input(student, rng):
    _check_shape_3d(student, "relu_grad", rng)


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
    _check_scalar(student, reference, "leaky_relu")


@pytest.mark.target("leaky_relu")
@pytest.mark.points(1)
def test_leaky_relu_list_input(student, reference):
    _check_list(student, reference, "leaky_relu")


@pytest.mark.target("leaky_relu")
@pytest.mark.points(1)
def test_leaky_relu_float32_input(student, reference):
    _check_float32(student, reference, "leaky_relu")


@pytest.mark.target("leaky_relu")
@pytest.mark.points(1)
def test_leaky_relu_keeps_input_unchanged(student, rng):
    _check_unchanged(student, "leaky_relu", rng)


@pytest.mark.target("leaky_relu")
@pytest.mark.points(1)
def test_leaky_relu_keeps_shape_of_3d_input(student, rng):
    _check_shape_3d(student, "leaky_relu", rng)


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
    _check_scalar(student, reference, "leaky_relu_grad")


@pytest.mark.target("leaky_relu_grad")
@pytest.mark.points(1)
def test_leaky_relu_grad_list_input(student, reference):
    _check_list(student, reference, "leaky_relu_grad")


@pytest.mark.target("leaky_relu_grad")
@pytest.mark.points(1)
def test_leaky_relu_grad_float32_input(student, reference):
    _check_float32(student, reference, "leaky_relu_grad")


@pytest.mark.target("leaky_relu_grad")
@pytest.mark.points(1)
def test_leaky_relu_grad_keeps_input_unchanged(student, rng):
    _check_unchanged(student, "leaky_relu_grad", rng)


@pytest.mark.target("leaky_relu_grad")
@pytest.mark.points(1)
def test_leaky_relu_grad_keeps_shape_of_3d_input(student, rng):
    _check_shape_3d(student, "leaky_relu_grad", rng)
