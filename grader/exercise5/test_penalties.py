"""Hidden tests of the weight penalties: l2_penalty, l2_grad, l1_penalty, l1_grad."""
import numpy as np
import pytest

from nncourse.grading.checks import (inputs_after, as_array, assert_close, assert_equal, assert_matches_numeric_grad,
                                     assert_true, fail)

LAM = 0.3
HINT_L2 = "l2_penalty = 0.5 * lam * (sum of W**2 over every key starting with 'W')"
HINT_L2_GRAD = "the gradient of 0.5 * lam * W**2 is lam * W (the 0.5 cancels the 2)"
HINT_L1 = "l1_penalty = lam * (sum of |W| over every key starting with 'W')"
HINT_L1_GRAD = "the derivative of lam * |w| is lam * sign(w)"


def make_params(rng, sizes=(4, 3, 2)):
    """{"W1": (4, 3), "b1": (3,), "W2": (3, 2), "b2": (2,)} with nonzero biases."""
    params = {}
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        params[f"W{i}"] = rng.normal(size=(n_in, n_out))
        params[f"b{i}"] = rng.normal(size=n_out)
    return params


def make_params_away_from_zero(rng, sizes=(4, 3, 2)):
    """As make_params, but W entries in +-[0.2, 1.2], away from the corner of |w| at 0."""
    params = make_params(rng, sizes)
    for key in params:
        if key.startswith("W"):
            params[key] = np.sign(params[key]) * rng.uniform(0.2, 1.2, size=params[key].shape)
    return params


def grad_dict(got, params, what):
    """The student's gradient dict, checked to have the keys and shapes of params."""
    if not isinstance(got, dict):
        fail(what, "wrong return type", None, f"expected a dict, got {type(got).__name__}",
             "return a dict with one gradient array per key of params")
    assert_equal(sorted(got), sorted(params), what=f"{what} keys", inputs={"params": params},
                 hint="return a gradient for every key of params, biases included (zeros)")
    for key, value in params.items():
        got_shape = as_array(got[key], what=f"{what}[{key!r}]").shape
        assert_equal(got_shape, value.shape, what=f"{what}[{key!r}] shape", inputs={"params": params},
                     hint="each gradient has the shape of its parameter")
    return got


def right_values(got, reference, name, params, lam):
    """The student's penalty or gradient dict equals the reference's on these params (checked first)."""
    want = getattr(reference, name)(params, lam)
    what = f"{name}(params, lam)"
    if isinstance(want, dict):
        grad_dict(got, params, what)
        for key in want:
            assert_close(got[key], want[key], what=f"{what}[{key!r}]", inputs={key: params[key], "lam": lam})
    else:
        assert_close(as_array(got, what=what), want, what=what, inputs={"params": params, "lam": lam})


@pytest.mark.target("l2_penalty")
@pytest.mark.points(2)
def test_l2_penalty_matches_formula(student, reference, rng):
    params = make_params(rng)
    got = student.l2_penalty(params, LAM)
    assert_close(as_array(got, what="l2_penalty(params, lam)"), reference.l2_penalty(params, LAM),
                 what="l2_penalty(params, lam)", inputs={"params": params, "lam": LAM}, hint=HINT_L2)


@pytest.mark.target("l2_penalty")
@pytest.mark.points(1)
def test_l2_penalty_has_half_factor(student):
    params = {"W": np.array([[1.0, 2.0]]), "b": np.array([0.0])}
    got = student.l2_penalty(params, 1.0)
    assert_close(as_array(got, what="l2_penalty(params, 1.0)"), 2.5,
                 what="l2_penalty(params, 1.0)", inputs={"W": params["W"]},
                 hint="0.5 * 1.0 * (1 + 4) = 2.5: do not forget the factor 0.5")


@pytest.mark.target("l2_penalty")
@pytest.mark.points(1)
def test_l2_penalty_skips_biases(student, rng):
    params = {"W1": rng.normal(size=(3, 2)), "b1": rng.normal(size=2) + 3.0,
              "W2": rng.normal(size=(2, 1)), "b2": np.array([-5.0])}
    got = student.l2_penalty(params, LAM)
    assert_close(as_array(got, what="l2_penalty(params, lam)"), 0.5 * LAM * (np.sum(params["W1"] ** 2)
                                                                          + np.sum(params["W2"] ** 2)),
                 what="l2_penalty with large biases", inputs={"params": params},
                 hint="biases (keys starting with 'b') are never penalised")


@pytest.mark.target("l2_penalty")
@pytest.mark.points(1)
def test_l2_penalty_sums_every_weight_key(student, reference, rng):
    params = {"W": rng.normal(size=(2, 2)), "b": rng.normal(size=2),
              "W1": rng.normal(size=(2, 3)), "W2": rng.normal(size=(3, 3)),
              "W3": rng.normal(size=(3, 1)), "b3": rng.normal(size=1)}
    got = student.l2_penalty(params, LAM)
    assert_close(as_array(got, what="l2_penalty(params, lam)"), reference.l2_penalty(params, LAM),
                 what="l2_penalty with keys W, W1, W2, W3", inputs={"params": params},
                 hint="loop over params and penalise every key that starts with 'W', not only W1 and W2")


@pytest.mark.target("l2_penalty")
@pytest.mark.points(1)
def test_l2_penalty_returns_float(student, reference, rng):
    params = make_params(rng)
    got = student.l2_penalty(params, LAM)
    right_values(got, reference, "l2_penalty", params, LAM)
    assert_true(isinstance(got, (float, np.floating)),
                f"l2_penalty(params, lam): wrong return type: expected a float, got {type(got).__name__}"
                f"{' of shape ' + str(np.shape(got)) if isinstance(got, np.ndarray) else ''}. "
                "Hint: return float(...) of the total")


@pytest.mark.target("l2_penalty")
@pytest.mark.points(1)
def test_l2_penalty_does_not_modify_params(student, reference, rng):
    params = make_params(rng)
    got, args_after, _ = inputs_after(student.l2_penalty, params, LAM)
    right_values(got, reference, "l2_penalty", params, LAM)
    for key, value in params.items():  # unchanged means bit for bit: no tolerance
        assert_close(args_after[0][key], value, rtol=0, atol=0,
                     what=f"l2_penalty(params, lam): params[{key!r}] after the call",
                     hint="do not square the weights in place (W **= 2); build new arrays")


@pytest.mark.target("l2_grad")
@pytest.mark.points(1)
def test_l2_grad_keys_and_shapes(student, reference, rng):
    params = make_params(rng, sizes=(4, 3, 3, 2))
    right_values(student.l2_grad(params, LAM), reference, "l2_grad", params, LAM)


@pytest.mark.target("l2_grad")
@pytest.mark.points(2)
def test_l2_grad_matches_numeric_grad(student, reference, rng):
    params = make_params(rng)
    got = grad_dict(student.l2_grad(params, LAM), params, "l2_grad(params, lam)")
    for key in params:
        def penalty(value, key=key):
            return reference.l2_penalty({**params, key: value}, LAM)
        assert_matches_numeric_grad(got[key], penalty, params[key], what=f"l2_grad(params, lam)[{key!r}]",
                                    inputs={"params": params, "lam": LAM}, hint=HINT_L2_GRAD)


@pytest.mark.target("l2_grad")
@pytest.mark.points(1)
def test_l2_grad_zero_for_biases(student, reference, rng):
    params = make_params(rng)
    got = grad_dict(student.l2_grad(params, LAM), params, "l2_grad(params, lam)")
    right_values(got, reference, "l2_grad", params, LAM)
    for key in ("b1", "b2"):
        assert_close(got[key], np.zeros_like(params[key]), what=f"l2_grad(params, lam)[{key!r}]",
                     inputs={key: params[key]}, hint="biases are not penalised: their gradient is zeros")


@pytest.mark.target("l2_grad")
@pytest.mark.points(1)
def test_l2_grad_float32_params(student, reference, rng):
    params = {k: v.astype(np.float32) for k, v in make_params(rng).items()}
    got = grad_dict(student.l2_grad(params, LAM), params, "l2_grad(float32 params, lam)")
    want = reference.l2_grad(params, LAM)
    for key in params:
        # float32 inputs: the student may compute in float32 (relative rounding ~6e-8)
        assert_close(got[key], want[key], rtol=1e-5, atol=1e-6, what=f"l2_grad(float32 params, lam)[{key!r}]",
                     inputs={"params": params}, hint=HINT_L2_GRAD)


@pytest.mark.target("l2_grad")
@pytest.mark.points(1)
def test_l2_grad_does_not_modify_params(student, reference, rng):
    params = make_params(rng)
    got, args_after, _ = inputs_after(student.l2_grad, params, LAM)
    right_values(got, reference, "l2_grad", params, LAM)
    for key, value in params.items():  # unchanged means bit for bit: no tolerance
        assert_close(args_after[0][key], value, rtol=0, atol=0,
                     what=f"l2_grad(params, lam): params[{key!r}] after the call",
                     hint="return lam * W (a new array); do not scale W in place, nor return params' own arrays")


@pytest.mark.target("l1_penalty")
@pytest.mark.points(2)
def test_l1_penalty_matches_formula(student, reference, rng):
    params = make_params_away_from_zero(rng)
    got = student.l1_penalty(params, LAM)
    assert_close(as_array(got, what="l1_penalty(params, lam)"), reference.l1_penalty(params, LAM),
                 what="l1_penalty(params, lam)", inputs={"params": params, "lam": LAM},
                 hint=HINT_L1 + ": take the absolute value before summing")


@pytest.mark.target("l1_penalty")
@pytest.mark.points(1)
def test_l1_penalty_skips_biases(student, rng):
    params = {"W1": rng.normal(size=(3, 2)), "b1": rng.normal(size=2) + 3.0,
              "W2": rng.normal(size=(2, 1)), "b2": np.array([-5.0])}
    got = student.l1_penalty(params, LAM)
    assert_close(as_array(got, what="l1_penalty(params, lam)"), LAM * (np.sum(np.abs(params["W1"]))
                                                                    + np.sum(np.abs(params["W2"]))),
                 what="l1_penalty with large biases", inputs={"params": params},
                 hint="biases (keys starting with 'b') are never penalised")


@pytest.mark.target("l1_penalty")
@pytest.mark.points(1)
def test_l1_penalty_sums_every_weight_key(student, reference, rng):
    params = {"W": rng.normal(size=(2, 2)), "b": rng.normal(size=2),
              "W1": rng.normal(size=(2, 3)), "W2": rng.normal(size=(3, 3)),
              "W3": rng.normal(size=(3, 1)), "b3": rng.normal(size=1)}
    got = student.l1_penalty(params, LAM)
    assert_close(as_array(got, what="l1_penalty(params, lam)"), reference.l1_penalty(params, LAM),
                 what="l1_penalty with keys W, W1, W2, W3", inputs={"params": params},
                 hint="loop over params and penalise every key that starts with 'W', not only W1 and W2")


@pytest.mark.target("l1_penalty")
@pytest.mark.points(1)
def test_l1_penalty_returns_float(student, reference, rng):
    params = make_params_away_from_zero(rng)
    got = student.l1_penalty(params, LAM)
    right_values(got, reference, "l1_penalty", params, LAM)
    assert_true(isinstance(got, (float, np.floating)),
                f"l1_penalty(params, lam): wrong return type: expected a float, got {type(got).__name__}"
                f"{' of shape ' + str(np.shape(got)) if isinstance(got, np.ndarray) else ''}. "
                "Hint: return float(...) of the total")


@pytest.mark.target("l1_penalty")
@pytest.mark.points(1)
def test_l1_penalty_does_not_modify_params(student, reference, rng):
    params = make_params_away_from_zero(rng)
    got, args_after, _ = inputs_after(student.l1_penalty, params, LAM)
    right_values(got, reference, "l1_penalty", params, LAM)
    for key, value in params.items():  # unchanged means bit for bit: no tolerance
        assert_close(args_after[0][key], value, rtol=0, atol=0,
                     what=f"l1_penalty(params, lam): params[{key!r}] after the call",
                     hint="np.abs(W) builds a new array; flipping the negative entries in place changes the weights")


@pytest.mark.target("l1_grad")
@pytest.mark.points(1)
def test_l1_grad_keys_and_shapes(student, reference, rng):
    params = make_params_away_from_zero(rng, sizes=(4, 3, 3, 2))
    right_values(student.l1_grad(params, LAM), reference, "l1_grad", params, LAM)


@pytest.mark.target("l1_grad")
@pytest.mark.points(2)
def test_l1_grad_matches_numeric_grad(student, reference, rng):
    params = make_params_away_from_zero(rng)
    got = grad_dict(student.l1_grad(params, LAM), params, "l1_grad(params, lam)")
    for key in params:
        def penalty(value, key=key):
            return reference.l1_penalty({**params, key: value}, LAM)
        assert_matches_numeric_grad(got[key], penalty, params[key], what=f"l1_grad(params, lam)[{key!r}]",
                                    inputs={"params": params, "lam": LAM}, hint=HINT_L1_GRAD)


@pytest.mark.target("l1_grad")
@pytest.mark.points(1)
def test_l1_grad_zero_at_zero(student):
    W = np.array([[0.0, 1.5, -2.0], [0.0, -0.0, 3.0]])
    params = {"W": W, "b": np.array([1.0, 2.0, 3.0])}
    got = grad_dict(student.l1_grad(params, 0.5), params, "l1_grad(params, 0.5)")
    assert_close(got["W"], [[0.0, 0.5, -0.5], [0.0, 0.0, 0.5]], what="l1_grad(params, 0.5)['W'] where W == 0",
                 inputs={"W": W}, hint="sign(0) is 0: use np.sign(W), not np.where(W >= 0, 1, -1)")


@pytest.mark.target("l1_grad")
@pytest.mark.points(1)
def test_l1_grad_zero_for_biases(student, reference, rng):
    params = make_params_away_from_zero(rng)
    got = grad_dict(student.l1_grad(params, LAM), params, "l1_grad(params, lam)")
    right_values(got, reference, "l1_grad", params, LAM)
    for key in ("b1", "b2"):
        assert_close(got[key], np.zeros_like(params[key]), what=f"l1_grad(params, lam)[{key!r}]",
                     inputs={key: params[key]}, hint="biases are not penalised: their gradient is zeros")


@pytest.mark.target("l1_grad")
@pytest.mark.points(1)
def test_l1_grad_does_not_modify_params(student, reference, rng):
    params = make_params_away_from_zero(rng)
    got, args_after, _ = inputs_after(student.l1_grad, params, LAM)
    right_values(got, reference, "l1_grad", params, LAM)
    for key, value in params.items():  # unchanged means bit for bit: no tolerance
        assert_close(args_after[0][key], value, rtol=0, atol=0,
                     what=f"l1_grad(params, lam): params[{key!r}] after the call",
                     hint="return lam * np.sign(W) (a new array); do not overwrite W in place")
