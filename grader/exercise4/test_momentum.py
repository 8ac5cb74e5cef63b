"""Hidden tests of Momentum: v = beta * v + g, p -= lr * v, in place, one velocity per key."""
import numpy as np
import pytest

from nncourse.grading.checks import assert_close, assert_true
from nncourse.grading.defaults import assert_defaults

IN_PLACE_HINT = ("update the array itself (p -= lr * v, or params[k][...] = ...); "
                 "params[k] = p - lr * v only rebinds the dict entry to a new array")
RULE = "v = beta * v + g (v starts at 0, no (1 - beta), no lr inside v), then p -= lr * v"


def _problem(rng, n_steps=4, same_shape=False):
    b_shape = (3, 2) if same_shape else (2,)
    params = {"W": rng.normal(size=(3, 2)), "b": rng.normal(size=b_shape)}
    grads = [{"W": rng.normal(size=(3, 2)), "b": rng.normal(size=b_shape)} for _ in range(n_steps)]
    return params, grads


def _momentum_math(params, grads_seq, lrs, beta):
    p = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
    v = {k: np.zeros_like(x) for k, x in p.items()}
    for grads, lr in zip(grads_seq, lrs):
        for k, value in p.items():
            v[k] = beta * v[k] + grads[k]
            p[k] = value - lr * v[k]
    return p


def _run(student, params, grads_seq, lrs, **kwargs):
    P = student.put(params)
    opt = student.Momentum(**kwargs)
    for g, lr in zip(grads_seq, lrs):
        if lr is not None:
            opt.lr = lr
        opt.step(P, g)
    return P.value()


@pytest.mark.target("Momentum")
@pytest.mark.points(1)
def test_Momentum_default_hyperparameters(student):
    assert_close(student.Momentum().lr, 0.01, what="Momentum().lr",
                 hint="store the learning rate in the attribute lr; its default is 0.01")
    # beta's default is checked on what the constructor stores (grading/defaults.py), never through
    # step: a bug in step costs Momentum.step's points only
    assert_defaults(student.Momentum, "Momentum", {"lr": 0.01, "beta": 0.9}, {"lr": 0.02, "beta": 0.5},
                    diagnoses={"lr": "wrong_hyperparameter", "beta": "wrong_hyperparameter"})


@pytest.mark.target("Momentum.step")
@pytest.mark.points(2)
def test_Momentum_step_updates_params_in_place(student, rng):
    params, grads = _problem(rng)
    P = student.put(params)
    arrays = {k: P.ref_item(k) for k in params}
    opt = student.Momentum(lr=0.1, beta=0.9)
    opt.step(P, grads[0])
    opt.step(P, grads[1])
    after = P.value()
    want = _momentum_math(params, grads[:2], [0.1] * 2, beta=0.9)
    for k in params:
        assert_close(after[k], want[k], what=f"params['{k}'] after the steps (lr=0.1)", inputs={k: params[k]})
    for k, A in arrays.items():
        old_array = A.value()
        assert_true(not np.allclose(old_array, params[k]),
                    f"Momentum.step: the array object that was params['{k}'] before the steps still "
                    f"holds its old values after two calls of opt.step(params, grads). Hint: {IN_PLACE_HINT}.")
        assert_close(old_array, after[k], what=f"the original array params['{k}'] vs params['{k}'] after two steps",
                     hint=IN_PLACE_HINT)


@pytest.mark.target("Momentum.step")
@pytest.mark.points(1)
def test_Momentum_step_first_step_moves_by_lr_times_grad(student, rng):
    params, grads = _problem(rng, n_steps=1)
    got = _run(student, params, grads, [None], lr=0.1, beta=0.9)
    for k in params:
        assert_close(got[k], params[k] - 0.1 * grads[0][k],
                     what=f"params['{k}'] after the first step (lr=0.1, beta=0.9)",
                     inputs={k: params[k], "grad": grads[0][k]},
                     hint="v starts at 0, so the first step is v = g and p -= lr * g "
                          "(not (1 - beta) * g)")


@pytest.mark.target("Momentum.step")
@pytest.mark.points(2)
def test_Momentum_step_matches_math_over_four_steps(student, rng):
    params, grads = _problem(rng)
    want = _momentum_math(params, grads, [0.05] * 4, beta=0.8)
    got = _run(student, params, grads, [None] * 4, lr=0.05, beta=0.8)
    for k in params:
        assert_close(got[k], want[k], what=f"params['{k}'] after 4 steps (lr=0.05, beta=0.8)",
                     inputs={f"{k} before": params[k], f"grad of {k}, step 1": grads[0][k]},
                     hint=RULE)


@pytest.mark.target("Momentum.step")
@pytest.mark.points(2)
def test_Momentum_step_keeps_one_velocity_per_key(student, rng):
    params, grads = _problem(rng, n_steps=3, same_shape=True)
    want = _momentum_math(params, grads, [0.1] * 3, beta=0.9)
    got = _run(student, params, grads, [None] * 3, lr=0.1, beta=0.9)
    for k in params:
        assert_close(got[k], want[k],
                     what=f"params['{k}'] after 3 steps with two keys of the same shape (3, 2) and different grads",
                     hint="keep one velocity array per key (e.g. a dict self.v[k]), created with its own "
                          "np.zeros_like(p); never share one array between keys")


@pytest.mark.target("Momentum.step")
@pytest.mark.points(2)
def test_Momentum_step_uses_lr_changed_between_steps(student, rng):
    params, grads = _problem(rng, n_steps=3)
    lrs = [0.1, 0.01, 0.3]
    want = _momentum_math(params, grads, lrs, beta=0.9)
    got = _run(student, params, grads, lrs, lr=lrs[0], beta=0.9)
    for k in params:
        assert_close(got[k], want[k], what=f"params['{k}'] after 3 steps with opt.lr set to 0.1, 0.01, 0.3",
                     inputs={f"{k} before": params[k], **{f"grad of {k}, step {i}": g[k] for i, g in enumerate(grads, 1)}},
                     hint="read self.lr in every step, and keep lr out of v: v = beta * v + g, p -= lr * v "
                          "(v = beta * v + lr * g gives the same result only while lr never changes)")


@pytest.mark.target("Momentum.step")
@pytest.mark.points(1)
def test_Momentum_step_does_not_modify_grads(student, rng):
    params, grads = _problem(rng, n_steps=2)
    P = student.put(params)
    opt = student.Momentum(lr=0.1, beta=0.9)
    remote = [student.put(g) for g in grads]
    for G in remote:
        opt.step(P, G)
    want, got = _momentum_math(params, grads[:2], [0.1] * 2, beta=0.9), P.value()
    for k in params:
        assert_close(got[k], want[k], what=f"params['{k}'] after the steps (lr=0.1)", inputs={k: params[k]})
    for step, (G, g) in enumerate(zip(remote, grads), start=1):
        after = G.value()
        for k in params:
            # the caller's gradients must come back bit for bit
            assert_close(after[k], g[k], rtol=0, atol=0,
                         what=f"grads['{k}'] of step {step} after two Momentum steps",
                         hint="never write into the gradient arrays; and do not store g itself as "
                              "the velocity and then update it in place (v = g.copy())")


@pytest.mark.target("Momentum.step")
@pytest.mark.points(1)
def test_Momentum_step_two_optimizers_do_not_share_state(student, rng):
    params, grads = _problem(rng, n_steps=2)
    other = {k: np.zeros_like(v) for k, v in params.items()}
    P1, P2 = student.put(params), student.put(other)
    first, second = student.Momentum(lr=0.1, beta=0.9), student.Momentum(lr=0.1, beta=0.9)
    first.step(P1, grads[0])
    first.step(P1, grads[1])
    second.step(P2, grads[0])
    got = P2.value()
    for k in params:
        assert_close(got[k], -0.1 * grads[0][k],
                     what=f"params['{k}'] after the first step of a second, fresh Momentum optimizer",
                     hint="create the state in __init__ (self.v = {}); a dict written in the class body "
                          "is shared by every instance")
