"""Public checks for exercise 2 (run them with `nncourse check exercise2`).

A few small, telling inputs per function, the usual traps included. Passing
them all is a good sign, not a guarantee: the hidden grader checks more inputs
(see README.md).
"""
import numpy as np
import pytest

from nncourse.gradcheck import numeric_elementwise_derivative, numeric_grad_of_output
from nncourse.grading.checks import inputs_after, assert_close, assert_shape, call_without_warnings

EXP_HINT = "never call exp on a large positive number (exp(710) is already inf)"
BIG = np.array([-1e4, -800.0, 0.0, 800.0, 1e4])



def _check_derivative(student, name, forward, z):
    # central differences of your own forward function; accurate to ~1e-9 here
    want = numeric_elementwise_derivative(getattr(student, forward), z)
    assert_close(getattr(student, name)(z), want, what=f"{name}(z)", inputs={"z": z}, rtol=1e-5, atol=1e-7,
                 hint=f"{name} must be the derivative of your {forward}")


@pytest.mark.target("sigmoid")
def test_sigmoid_values(student):
    z = np.array([-2.0, 0.0, 2.0])
    assert_close(student.sigmoid(z), 1.0 / (1.0 + np.exp(-z)), what="sigmoid(z)", inputs={"z": z},
                 hint="sigmoid(z) = 1 / (1 + exp(-z)); sigmoid(0) = 0.5")


@pytest.mark.target("sigmoid")
def test_sigmoid_large_z_without_overflow(student):
    got = call_without_warnings(student.sigmoid, BIG, what="sigmoid(z)", inputs={"z": BIG}, hint=EXP_HINT)
    assert_close(got, [0.0, 0.0, 0.5, 1.0, 1.0], what="sigmoid(z)", inputs={"z": BIG})


@pytest.mark.target("sigmoid")
def test_sigmoid_scalar_gives_0d(student):
    got = student.sigmoid(0.0)
    assert_shape(got, (), what="sigmoid(0.0)", hint="a scalar input gives a 0-d array: np.asarray(z, dtype=float)")


@pytest.mark.target("sigmoid_grad")
def test_sigmoid_grad_is_derivative(student):
    _check_derivative(student, "sigmoid_grad", "sigmoid", np.array([-3.0, -0.5, 0.0, 1.0, 4.0]))


@pytest.mark.target("sigmoid_grad")
def test_sigmoid_grad_large_z_without_overflow(student):
    got = call_without_warnings(student.sigmoid_grad, BIG, what="sigmoid_grad(z)", inputs={"z": BIG}, hint=EXP_HINT)
    assert_close(got, [0.0, 0.0, 0.25, 0.0, 0.0], what="sigmoid_grad(z)", inputs={"z": BIG})


@pytest.mark.target("tanh")
def test_tanh_values(student):
    z = np.array([-2.0, 0.0, 0.5, 1e4])
    assert_close(student.tanh(z), np.tanh(z), what="tanh(z)", inputs={"z": z})


@pytest.mark.target("tanh_grad")
def test_tanh_grad_is_derivative(student):
    _check_derivative(student, "tanh_grad", "tanh", np.array([-2.0, -0.5, 0.0, 1.0, 3.0]))


@pytest.mark.target("relu")
def test_relu_values(student):
    z = np.array([[-2.0, 0.0, 3.0]])
    assert_close(student.relu(z), [[0.0, 0.0, 3.0]], what="relu(z)", inputs={"z": z})


@pytest.mark.target("relu")
def test_relu_keeps_input_unchanged(student):
    z = np.array([-2.0, 0.0, 3.0])
    _, args_after, _ = inputs_after(student.relu, z)
    assert_close(args_after[0], [-2.0, 0.0, 3.0], what="z after relu(z)", rtol=0, atol=0,
                 hint="do not modify the input array in place (z[z < 0] = 0); build a new array")


@pytest.mark.target("relu_grad")
def test_relu_grad_values_and_zero_at_zero(student):
    z = np.array([-2.0, 0.0, 3.0])
    assert_close(student.relu_grad(z), [0.0, 0.0, 1.0], what="relu_grad(z)", inputs={"z": z},
                 hint="relu_grad(0) == 0: 0 belongs to the flat side")


@pytest.mark.target("leaky_relu")
def test_leaky_relu_values_with_alpha(student):
    z = np.array([-2.0, 0.0, 3.0])
    assert_close(student.leaky_relu(z, alpha=0.1), [-0.2, 0.0, 3.0], what="leaky_relu(z, alpha=0.1)",
                 inputs={"z": z})


@pytest.mark.target("leaky_relu_grad")
def test_leaky_relu_grad_alpha_at_zero(student):
    z = np.array([-2.0, 0.0, 3.0])
    assert_close(student.leaky_relu_grad(z, alpha=0.1), [0.1, 0.1, 1.0], what="leaky_relu_grad(z, alpha=0.1)",
                 inputs={"z": z}, hint="the slope is alpha for z <= 0, so alpha at exactly 0")


@pytest.mark.target("elu")
def test_elu_values_without_overflow(student):
    z = np.array([-1.0, 0.0, 2.0, 1e4])
    got = call_without_warnings(student.elu, z, what="elu(z)", inputs={"z": z}, hint=EXP_HINT)
    assert_close(got, [np.exp(-1.0) - 1.0, 0.0, 2.0, 1e4], what="elu(z)", inputs={"z": z},
                 hint="np.where computes both branches: exp also runs on the large z whose result is discarded")


@pytest.mark.target("elu_grad")
def test_elu_grad_alpha_at_zero(student):
    z = np.array([-1.0, 0.0, 2.0])
    assert_close(student.elu_grad(z, alpha=2.0), [2.0 * np.exp(-1.0), 2.0, 1.0], what="elu_grad(z, alpha=2.0)",
                 inputs={"z": z}, hint="elu_grad = alpha * exp(z) for z <= 0, so alpha at exactly 0")


@pytest.mark.target("swish")
def test_swish_values(student):
    z = np.array([-3.0, 0.0, 1.0])
    assert_close(student.swish(z), z / (1.0 + np.exp(-z)), what="swish(z)", inputs={"z": z})


@pytest.mark.target("swish_grad")
def test_swish_grad_is_derivative(student):
    _check_derivative(student, "swish_grad", "swish", np.array([-4.0, -1.0, 0.0, 0.5, 3.0]))


@pytest.mark.target("softmax")
def test_softmax_rows(student):
    z = np.array([[0.0, 0.0], [0.0, np.log(3.0)]])
    assert_close(student.softmax(z), [[0.5, 0.5], [0.25, 0.75]], what="softmax(z)", inputs={"z": z},
                 hint="one probability vector per row: sum along axis=-1 with keepdims=True")


@pytest.mark.target("softmax")
def test_softmax_huge_logits(student):
    z = np.array([[1000.0, 0.0], [-1000.0, -1000.0]])
    got = call_without_warnings(student.softmax, z, what="softmax(z)", inputs={"z": z}, hint=EXP_HINT)
    assert_close(got, [[1.0, 0.0], [0.5, 0.5]], what="softmax(z)", inputs={"z": z},
                 hint="subtract the max of each row before exp")


@pytest.mark.target("softmax")
def test_softmax_axis_0(student):
    z = np.array([[0.0, 1.0], [0.0, 1.0 + np.log(3.0)]])
    assert_close(student.softmax(z, axis=0), [[0.5, 0.25], [0.5, 0.75]], what="softmax(z, axis=0)",
                 inputs={"z": z}, hint="use the axis argument in the max and in the sum")


@pytest.mark.target("softmax_backward")
def test_softmax_backward_is_gradient(student):
    z = np.array([[0.5, -1.0, 2.0], [0.0, 0.3, -0.2]])
    dout = np.array([[1.0, -2.0, 0.5], [0.0, 1.0, 3.0]])
    s = student.softmax(z)
    # central differences through your own softmax; accurate to ~1e-9 here
    want = numeric_grad_of_output(student.softmax, z, dout)
    assert_close(student.softmax_backward(dout, s), want, what="softmax_backward(dout, s)",
                 inputs={"dout": dout, "s": s}, rtol=1e-5, atol=1e-7,
                 hint="dL/dz_j = s_j (dout_j - sum_i dout_i s_i), the sum along the last axis (README: the derivatives, derived)")
