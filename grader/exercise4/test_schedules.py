"""Hidden tests of the learning-rate schedules: t = 0, integer division, floats, NumPy ints."""
import numpy as np
import pytest

from nncourse.grading.checks import assert_close, assert_dtype_kind, assert_equal


def _check_float_scalar(got, want, what, hint):
    assert_equal(np.ndim(got), 0, what=f"number of dimensions of {what}",
                 hint="return a plain float, not an array")
    assert_dtype_kind(got, "f", what=what, hint="return a float (float(...)), not an int")
    assert_close(got, want, what=what, hint=hint)


@pytest.mark.target("exponential_decay")
@pytest.mark.points(1)
def test_exponential_decay_returns_lr0_at_t_0(student):
    assert_close(student.exponential_decay(0.1, 0.9, 0), 0.1, what="exponential_decay(0.1, 0.9, 0)",
                 hint="t is 0-based: lr0 * decay_rate**0 = lr0 (not decay_rate**(t + 1))")
    # and the decay has started one step later: "return lr0" is not a schedule
    assert_close(student.exponential_decay(0.1, 0.9, 1), 0.09, what="exponential_decay(0.1, 0.9, 1)",
                 hint="t is 0-based: lr0 * decay_rate**t")


@pytest.mark.target("exponential_decay")
@pytest.mark.points(1)
def test_exponential_decay_values(student):
    for lr0, rate, t in [(0.1, 0.9, 1), (0.5, 0.96, 10), (2.0, 0.5, 7), (0.01, 0.999, 1000)]:
        assert_close(student.exponential_decay(lr0, rate, t), lr0 * rate**t,
                     what=f"exponential_decay({lr0}, {rate}, {t})", hint="lr0 * decay_rate**t")


@pytest.mark.target("exponential_decay")
@pytest.mark.points(1)
def test_exponential_decay_returns_float_for_numpy_int_t(student):
    for t in (np.int64(3), np.int32(12)):
        got = student.exponential_decay(1, 0.5, t)
        _check_float_scalar(got, 0.5 ** int(t), f"exponential_decay(1, 0.5, np.{type(t).__name__}({int(t)}))",
                            hint="lr0 * decay_rate**t must also work when t is a NumPy integer")


@pytest.mark.target("step_decay")
@pytest.mark.points(1)
def test_step_decay_returns_lr0_at_t_0(student):
    assert_close(student.step_decay(0.1, 0.5, 10, 0), 0.1, what="step_decay(0.1, 0.5, 10, 0)",
                 hint="at t = 0 the rate is lr0 * factor**0 = lr0")
    # and the first drop comes at t = step_size: "return lr0" is not a schedule
    assert_close(student.step_decay(0.1, 0.5, 10, 10), 0.05, what="step_decay(0.1, 0.5, 10, 10)",
                 hint="factor**(t // step_size)")


@pytest.mark.target("step_decay")
@pytest.mark.points(2)
def test_step_decay_uses_integer_division(student):
    for t in [1, 4, 5, 9, 10, 11, 24, 25, 26]:
        assert_close(student.step_decay(0.1, 0.5, 5, t), 0.1 * 0.5 ** (t // 5),
                     what=f"step_decay(0.1, 0.5, 5, {t})",
                     hint="the rate drops only every step_size steps: factor**(t // step_size), "
                          "integer division (t / step_size gives a smooth decay)")


@pytest.mark.target("step_decay")
@pytest.mark.points(1)
def test_step_decay_returns_float_for_numpy_int_arguments(student):
    got = student.step_decay(1, 0.5, np.int64(3), np.int64(7))
    _check_float_scalar(got, 0.25, "step_decay(1, 0.5, np.int64(3), np.int64(7))",
                        hint="lr0 * factor**(t // step_size) must also work with NumPy integers")


@pytest.mark.target("inverse_time_decay")
@pytest.mark.points(1)
def test_inverse_time_decay_returns_lr0_at_t_0(student):
    assert_close(student.inverse_time_decay(0.1, 0.5, 0), 0.1, what="inverse_time_decay(0.1, 0.5, 0)",
                 hint="at t = 0: lr0 / (1 + decay_rate * 0) = lr0")
    # and it has decayed one step later: "return lr0" is not a schedule
    assert_close(student.inverse_time_decay(0.1, 0.5, 1), 0.1 / 1.5, what="inverse_time_decay(0.1, 0.5, 1)",
                 hint="lr0 / (1 + decay_rate * t)")


@pytest.mark.target("inverse_time_decay")
@pytest.mark.points(1)
def test_inverse_time_decay_values(student):
    for lr0, rate, t in [(0.1, 0.5, 1), (0.1, 0.5, 2), (1.0, 0.01, 100), (0.3, 2.0, 7)]:
        assert_close(student.inverse_time_decay(lr0, rate, t), lr0 / (1 + rate * t),
                     what=f"inverse_time_decay({lr0}, {rate}, {t})", hint="lr0 / (1 + decay_rate * t)")


@pytest.mark.target("inverse_time_decay")
@pytest.mark.points(1)
def test_inverse_time_decay_returns_float_for_numpy_int_t(student):
    for t in (np.int64(4), np.int32(9)):
        got = student.inverse_time_decay(1, 0.25, t)
        _check_float_scalar(got, 1 / (1 + 0.25 * int(t)),
                            f"inverse_time_decay(1, 0.25, np.{type(t).__name__}({int(t)}))",
                            hint="lr0 / (1 + decay_rate * t) must also work when t is a NumPy integer")
