"""Hidden tests of Adam: bias correction, one step count t, eps after the sqrt, in place."""
import numpy as np
import pytest

from nncourse.grading.checks import assert_close, assert_true
from nncourse.grading.defaults import assert_defaults

IN_PLACE_HINT = ("update the array itself (p -= ..., or params[k][...] = ...); "
                 "params[k] = p - ... only rebinds the dict entry to a new array")
# Adam moves each param by about lr per step, so a correct solution that keeps m and v in
# float32 (relative rounding ~6e-8) is off by up to ~1e-7 * lr * steps in absolute terms;
# every bug of the mutants moves params by more than 1e-6.
ATOL = 1e-7
DEFAULTS = {"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
EXPLICIT = {"beta1": 0.9, "beta2": 0.999, "eps": 0.0}  # step tests never rely on the defaults; eps = 0: its placement has its own test
RULE = ("m = b1*m + (1-b1)*g, v = b2*v + (1-b2)*g**2, m_hat = m/(1-b1**t), v_hat = v/(1-b2**t), "
        "p -= lr * m_hat / (sqrt(v_hat) + eps), with t = 1, 2, ... counted per call of step")


def _problem(rng, n_steps=5, same_shape=False):
    b_shape = (3, 2) if same_shape else (2,)
    params = {"W": rng.normal(size=(3, 2)), "b": rng.normal(size=b_shape)}
    grads = [{"W": rng.normal(size=(3, 2)) * rng.choice([0.01, 1.0, 100.0], size=(3, 2)),
              "b": rng.normal(size=b_shape)} for _ in range(n_steps)]
    return params, grads


def _adam_math(params, grads_seq, lrs, b1=0.9, b2=0.999, eps=0.0):
    p = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
    m = {k: np.zeros_like(x) for k, x in p.items()}
    v = {k: np.zeros_like(x) for k, x in p.items()}
    for t, (grads, lr) in enumerate(zip(grads_seq, lrs), start=1):
        for k, value in p.items():
            g = np.asarray(grads[k], dtype=np.float64)
            m[k] = b1 * m[k] + (1 - b1) * g
            v[k] = b2 * v[k] + (1 - b2) * g**2
            m_hat, v_hat = m[k] / (1 - b1**t), v[k] / (1 - b2**t)
            p[k] = value - lr * m_hat / (np.sqrt(v_hat) + eps)
    return p


def _run(student, params, grads_seq, lrs, **kwargs):
    P = student.put(params)
    opt = student.Adam(**kwargs)
    for g, lr in zip(grads_seq, lrs):
        if lr is not None:
            opt.lr = lr
        opt.step(P, g)
    return P.value()


@pytest.mark.target("Adam")
@pytest.mark.points(1)
def test_Adam_has_lr_attribute_with_default_0_001(student):
    assert_close(student.Adam().lr, 0.001, what="Adam().lr",
                 hint="store the learning rate in the attribute lr; its default is 0.001")
    assert_close(student.Adam(lr=0.05, **EXPLICIT).lr, 0.05, what="Adam(lr=0.05).lr",
                 hint="store the constructor's lr argument in self.lr")


@pytest.mark.target("Adam")
@pytest.mark.points(2)
def test_Adam_default_hyperparameters(student):
    # the defaults are checked on what the constructor stores (grading/defaults.py), never through
    # step: a bug in step costs Adam.step's points only
    assert_defaults(student.Adam, "Adam", DEFAULTS, {"lr": 0.002, "beta1": 0.5, "beta2": 0.9, "eps": 1e-3},
                    diagnoses=dict.fromkeys(DEFAULTS, "wrong_hyperparameter"))


@pytest.mark.target("Adam.step")
@pytest.mark.points(2)
def test_Adam_step_updates_params_in_place(student, rng):
    params, grads = _problem(rng, n_steps=2)
    P = student.put(params)
    arrays = {k: P.ref_item(k) for k in params}
    opt = student.Adam(lr=0.1, **EXPLICIT)
    opt.step(P, grads[0])
    opt.step(P, grads[1])
    after = P.value()
    want = _adam_math(params, grads[:2], [0.1] * 2)
    for k in params:
        assert_close(after[k], want[k], what=f"params['{k}'] after the steps (lr=0.1)", inputs={k: params[k]})
    for k, A in arrays.items():
        old_array = A.value()
        assert_true(not np.allclose(old_array, params[k]),
                    f"Adam.step: the array object that was params['{k}'] before the steps still "
                    f"holds its old values after two calls of opt.step(params, grads). Hint: {IN_PLACE_HINT}.")
        assert_close(old_array, after[k], what=f"the original array params['{k}'] vs params['{k}'] after two steps",
                     hint=IN_PLACE_HINT)


@pytest.mark.target("Adam.step")
@pytest.mark.points(2)
def test_Adam_step_first_step_moves_each_param_by_lr_times_sign_of_grad(student, rng):
    params = {"W": rng.normal(size=(3, 2))}
    g = np.array([[3.0, -0.01], [200.0, -5e-3], [0.5, -40.0]])
    got = _run(student, params, [{"W": g}], [None], lr=0.01, eps=0.0)
    # exactly lr * g / |g| = lr * sign(g) whatever the size of g (eps = 0: its placement is graded elsewhere)
    assert_close(got["W"], params["W"] - 0.01 * np.sign(g), atol=ATOL,
                 what="params['W'] after the first step of Adam(lr=0.01, eps=0)",
                 inputs={"W": params["W"], "grad": g},
                 hint="with bias correction, m_hat = g and v_hat = g**2 at t = 1, so each param "
                      "moves by about lr * sign(g); check m / (1 - beta1**t), v / (1 - beta2**t) and t = 1")


@pytest.mark.target("Adam.step")
@pytest.mark.points(2)
def test_Adam_step_matches_math_over_five_steps(student, rng):
    params, grads = _problem(rng)
    want = _adam_math(params, grads, [0.02] * 5, b1=0.8, b2=0.95)
    got = _run(student, params, grads, [None] * 5, lr=0.02, beta1=0.8, beta2=0.95, eps=0.0)
    for k in params:
        assert_close(got[k], want[k], atol=ATOL,
                     what=f"params['{k}'] after 5 steps of Adam(lr=0.02, beta1=0.8, beta2=0.95, eps=0)",
                     inputs={f"{k} before": params[k], f"grad of {k}, step 1": grads[0][k]},
                     hint=RULE)


@pytest.mark.target("Adam.step")
@pytest.mark.points(2)
def test_Adam_step_counts_t_once_per_step_for_all_keys(student, rng):
    params, grads = _problem(rng, n_steps=3)
    params["c"] = rng.normal(size=4)
    for g in grads:
        g["c"] = rng.normal(size=4)
    P = student.put(params)
    opt = student.Adam(lr=0.01, beta1=0.9, beta2=0.999, eps=0.0)  # defaults have their own test
    done = 0
    for n_done in (1, 3):
        for g in grads[done:n_done]:
            opt.step(P, g)
        done = n_done
        want = _adam_math(params, grads[:n_done], [0.01] * n_done)
        got = P.value()
        for k in params:
            assert_close(got[k], want[k], atol=ATOL,
                         what=f"params['{k}'] (one of 3 keys) after {n_done} Adam step(s) (lr=0.01, eps=0)",
                         hint="t counts calls of step: it is 1 for every key during the first call, "
                              "2 during the second...; increment it once per step, before the loop over keys")


@pytest.mark.target("Adam.step")
@pytest.mark.points(2)
def test_Adam_step_eps_is_added_after_the_sqrt(student):
    # with |g| ~ 1e-10 the eps term dominates: lr * g / (|g| + eps) is ~1e-2 * lr,
    # while lr * g / sqrt(g**2 + eps) would be ~1e-6 * lr
    params = {"w": np.zeros(4)}
    grads = [{"w": np.array([1e-10, -3e-10, 1e-9, -2e-11])},
             {"w": np.array([2e-10, -1e-10, 5e-10, -4e-11])}]
    want = _adam_math(params, grads, [0.1] * 2, eps=1e-8)
    got = _run(student, params, grads, [None] * 2, lr=0.1, beta1=0.9, beta2=0.999)  # eps: its default
    assert_close(got["w"], want["w"], atol=ATOL, what="params['w'] after 2 Adam steps (lr=0.1) with gradients ~1e-10",
                 inputs={"grad, step 1": grads[0]["w"], "grad, step 2": grads[1]["w"]},
                 hint="eps placement: add eps (default 1e-8) to the square root of the bias-corrected v, "
                      "m_hat / (np.sqrt(v_hat) + eps); not inside the root, and not to np.sqrt(v) before the "
                      "bias correction (the paper's 'eps-hat' form, right only for eps = 0)")


@pytest.mark.target("Adam.step")
@pytest.mark.points(1)
def test_Adam_step_keeps_separate_moments_per_key(student, rng):
    params, grads = _problem(rng, n_steps=3, same_shape=True)
    want = _adam_math(params, grads, [0.05] * 3)
    got = _run(student, params, grads, [None] * 3, lr=0.05, beta1=0.9, beta2=0.999, eps=0.0)
    for k in params:
        assert_close(got[k], want[k], atol=ATOL,
                     what=f"params['{k}'] after 3 steps with two keys of the same shape (3, 2) and different grads",
                     hint="keep one m and one v per key (dicts self.m[k], self.v[k]); never share them between keys")


@pytest.mark.target("Adam.step")
@pytest.mark.points(1)
def test_Adam_step_uses_lr_changed_between_steps(student, rng):
    params, grads = _problem(rng, n_steps=3)
    lrs = [0.1, 0.01, 0.3]
    want = _adam_math(params, grads, lrs)
    got = _run(student, params, grads, lrs, lr=lrs[0], beta1=0.9, beta2=0.999, eps=0.0)
    for k in params:
        assert_close(got[k], want[k], atol=ATOL, what=f"params['{k}'] after 3 steps with opt.lr set to 0.1, 0.01, 0.3",
                     hint="read self.lr inside step: a schedule changes it between steps")


@pytest.mark.target("Adam.step")
@pytest.mark.points(1)
def test_Adam_step_does_not_modify_grads(student, rng):
    params, grads = _problem(rng, n_steps=2)
    P = student.put(params)
    opt = student.Adam(lr=0.1, **EXPLICIT)
    remote = [student.put(g) for g in grads]
    for G in remote:
        opt.step(P, G)
    want, got = _adam_math(params, grads[:2], [0.1] * 2), P.value()
    for k in params:
        assert_close(got[k], want[k], what=f"params['{k}'] after the steps (lr=0.1)", inputs={k: params[k]})
    for step, (G, g) in enumerate(zip(remote, grads), start=1):
        after = G.value()
        for k in params:
            # the caller's gradients must come back bit for bit
            assert_close(after[k], g[k], rtol=0, atol=0,
                         what=f"grads['{k}'] of step {step} after two Adam steps",
                         hint="never write into the gradient arrays (g **= 2 or g *= ... change the caller's grads)")
