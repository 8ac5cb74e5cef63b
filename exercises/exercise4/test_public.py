"""Public checks for exercise 4 (run them with `nncourse check exercise4`).

A few small cases with hand-computed answers. Passing them does not mean full
marks: the hidden grader checks more steps, more keys and more edge cases (see
README.md), so test your own code further.
"""
import numpy as np
import pytest

from nncourse.grading.checks import assert_close, assert_true


def _check_in_place(P, A, key, name):
    assert_close(A.value(), P.value()[key], what=f"{name}: the original array params['{key}'] after step",
                 hint="update the array in place (p -= ...), do not rebind params[k] = ...")


@pytest.mark.target("SGD")
def test_optimizers_store_lr_with_its_default(student):
    assert_close(student.SGD().lr, 0.01, what="SGD().lr", hint="default lr=0.01, stored in self.lr")
    assert_close(student.SGD(lr=0.5).lr, 0.5, what="SGD(lr=0.5).lr", hint="store lr in self.lr")


@pytest.mark.target("SGD.step")
def test_sgd_step_updates_in_place(student):
    P = student.put({"w": np.array([1.0, 2.0])})
    A = P.ref_item("w")
    student.SGD(lr=0.1).step(P, {"w": np.array([1.0, -1.0])})
    assert_close(P.value()["w"], [0.9, 2.1], what="params['w'] after one SGD(lr=0.1) step",
                 inputs={"w": np.array([1.0, 2.0]), "grad": np.array([1.0, -1.0])}, hint="p -= lr * g")
    _check_in_place(P, A, "w", "SGD.step")


@pytest.mark.target("Momentum")
def test_momentum_stores_lr_with_its_default(student):
    assert_close(student.Momentum().lr, 0.01, what="Momentum().lr", hint="default lr=0.01, stored in self.lr")


@pytest.mark.target("Momentum.step")
def test_momentum_two_steps_v_starts_at_zero(student):
    # v = 1.0, then v = 0.9 * 1.0 + 1.0 = 1.9: w = 0 - 0.1 * 1.0 - 0.1 * 1.9 = -0.29
    P = student.put({"w": np.array([0.0])})
    A = P.ref_item("w")
    opt = student.Momentum(lr=0.1, beta=0.9)
    opt.step(P, {"w": np.array([1.0])})
    assert_close(P.value()["w"], [-0.1], what="params['w'] after the first Momentum(lr=0.1, beta=0.9) step",
                 hint="v starts at 0: the first step is v = g, p -= lr * v (no (1 - beta))")
    opt.step(P, {"w": np.array([1.0])})
    assert_close(P.value()["w"], [-0.29], what="params['w'] after the second step",
                 hint="v = beta * v + g, then p -= lr * v")
    _check_in_place(P, A, "w", "Momentum.step")


@pytest.mark.target("Adam")
def test_adam_stores_lr_with_its_default(student):
    assert_close(student.Adam().lr, 0.001, what="Adam().lr", hint="default lr=0.001, stored in self.lr")


@pytest.mark.target("Adam.step")
def test_adam_first_step_moves_by_lr_times_sign(student):
    P = student.put({"w": np.array([1.0, 1.0])})
    A = P.ref_item("w")
    student.Adam(lr=0.1).step(P, {"w": np.array([5.0, -0.5])})
    # exactly 1 - 0.1 * g / (|g| + 1e-8): 0.9 and 1.1 up to ~2e-9
    assert_close(P.value()["w"], [0.9, 1.1], atol=1e-7, what="params['w'] after the first Adam(lr=0.1) step",
                 inputs={"grad": np.array([5.0, -0.5])},
                 hint="with bias correction and t = 1, m_hat = g and v_hat = g**2")
    _check_in_place(P, A, "w", "Adam.step")


@pytest.mark.target("Adam.step")
def test_adam_eps_outside_sqrt_with_tiny_gradient(student):
    # g = 1e-10: lr * g / (sqrt(g**2) + eps) = 0.1 * 1e-10 / 1.01e-8 = 0.1 / 101
    P = student.put({"w": np.array([0.0])})
    student.Adam(lr=0.1).step(P, {"w": np.array([1e-10])})
    assert_close(P.value()["w"], [-0.1 / 101], what="params['w'] after one Adam(lr=0.1) step with g = 1e-10",
                 hint="eps goes after the square root: m_hat / (np.sqrt(v_hat) + eps)")


@pytest.mark.target("Adam.step")
def test_adam_counts_steps_once_for_all_keys(student):
    P = student.put({"a": np.array([0.0]), "b": np.array([0.0])})
    student.Adam(lr=0.1).step(P, {"a": np.array([2.0]), "b": np.array([3.0])})
    got = P.value()
    assert_true(abs(got["b"][0] + 0.1) < 1e-7,
                f"Adam.step: params['b'] (the second key) after the first step of Adam(lr=0.1) with g = 3.0: "
                f"expected about -0.1, got {got['b'][0]:.6g}. Hint: t is 1 for every key during the first "
                f"step: increment it once per call of step, not once per key.")


@pytest.mark.target("exponential_decay")
def test_exponential_decay_small_cases(student):
    assert_close(student.exponential_decay(0.1, 0.5, 0), 0.1, what="exponential_decay(0.1, 0.5, 0)",
                 hint="t is 0-based: at t = 0 the rate is lr0")
    assert_close(student.exponential_decay(0.1, 0.5, 2), 0.025, what="exponential_decay(0.1, 0.5, 2)",
                 hint="lr0 * decay_rate**t")


@pytest.mark.target("step_decay")
def test_step_decay_small_cases(student):
    want = [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25]
    got = [student.step_decay(1.0, 0.5, 3, t) for t in range(7)]
    assert_close(got, want, what="[step_decay(1.0, 0.5, 3, t) for t in range(7)]",
                 hint="lr0 * factor**(t // step_size): integer division")


@pytest.mark.target("inverse_time_decay")
def test_inverse_time_decay_small_cases(student):
    assert_close(student.inverse_time_decay(1.0, 0.5, 0), 1.0, what="inverse_time_decay(1.0, 0.5, 0)",
                 hint="at t = 0 the rate is lr0")
    assert_close(student.inverse_time_decay(1.0, 0.5, 2), 0.5, what="inverse_time_decay(1.0, 0.5, 2)",
                 hint="lr0 / (1 + decay_rate * t)")
