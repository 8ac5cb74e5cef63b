"""Hidden tests of SGD: the lr attribute, in-place updates, the math over steps."""
import numpy as np
import pytest

from nncourse.grading.checks import assert_close, assert_dtype_kind, assert_true

IN_PLACE_HINT = ("update the array itself (p -= lr * g, or params[k][...] = ...); "
                 "params[k] = p - lr * g only rebinds the dict entry to a new array")


def _problem(rng):
    params = {"W": rng.normal(size=(3, 2)), "b": rng.normal(size=2)}
    grads = [{"W": rng.normal(size=(3, 2)), "b": rng.normal(size=2)} for _ in range(3)]
    return params, grads


def _sgd_math(params, grads_seq, lrs):
    p = {k: v.astype(np.float64).copy() for k, v in params.items()}
    for grads, lr in zip(grads_seq, lrs):
        for k, value in p.items():
            p[k] = value - lr * grads[k]
    return p


@pytest.mark.target("SGD")
@pytest.mark.points(1)
def test_SGD_has_lr_attribute_with_default_0_01(student):
    assert_close(student.SGD().lr, 0.01, what="SGD().lr",
                 hint="store the learning rate in the attribute lr; its default is 0.01")
    assert_close(student.SGD(lr=0.3).lr, 0.3, what="SGD(lr=0.3).lr",
                 hint="store the constructor's lr argument in self.lr")


@pytest.mark.target("SGD.step")
@pytest.mark.points(2)
def test_SGD_step_updates_params_in_place(student, rng):
    params, grads = _problem(rng)
    P = student.put(params)
    arrays = {k: P.ref_item(k) for k in params}
    student.SGD(lr=0.1).step(P, grads[0])
    after = P.value()
    want = _sgd_math(params, grads[:1], [0.1])
    for k in params:
        assert_close(after[k], want[k], what=f"params['{k}'] after the steps (lr=0.1)", inputs={k: params[k]})
    for k, A in arrays.items():
        old_array = A.value()
        assert_true(not np.allclose(old_array, params[k]),
                    f"SGD.step: the array object that was params['{k}'] before the step still "
                    f"holds its old values after opt.step(params, grads) with lr=0.1. Hint: {IN_PLACE_HINT}.")
        assert_close(old_array, after[k], what=f"the original array params['{k}'] vs params['{k}'] after the step",
                     hint=IN_PLACE_HINT)


@pytest.mark.target("SGD.step")
@pytest.mark.points(1)
def test_SGD_step_matches_math_over_three_steps_two_keys(student, rng):
    params, grads = _problem(rng)
    want = _sgd_math(params, grads, [0.05] * 3)
    P = student.put(params)
    opt = student.SGD(lr=0.05)
    for g in grads:
        opt.step(P, g)
    got = P.value()
    for k in params:
        assert_close(got[k], want[k], what=f"params['{k}'] after 3 SGD steps (lr=0.05)",
                     inputs={f"{k} before": params[k], f"grad of {k}, step 1": grads[0][k]},
                     hint="each step: p -= lr * g, for every key")


@pytest.mark.target("SGD.step")
@pytest.mark.points(1)
def test_SGD_step_uses_lr_changed_between_steps(student, rng):
    params, grads = _problem(rng)
    lrs = [0.1, 0.02, 0.5]
    want = _sgd_math(params, grads, lrs)
    P = student.put(params)
    opt = student.SGD(lr=lrs[0])
    for g, lr in zip(grads, lrs):
        opt.lr = lr
        opt.step(P, g)
    got = P.value()
    for k in params:
        assert_close(got[k], want[k], what=f"params['{k}'] after 3 steps with opt.lr set to 0.1, 0.02, 0.5",
                     inputs={f"{k} before": params[k], **{f"grad of {k}, step {i}": g[k] for i, g in enumerate(grads, 1)}},
                     hint="read self.lr inside step (a schedule changes it between steps); "
                          "do not copy it into another attribute in __init__")


@pytest.mark.target("SGD.step")
@pytest.mark.points(1)
def test_SGD_step_does_not_modify_grads(student, rng):
    params, grads = _problem(rng)
    P = student.put(params)
    G = student.put(grads[0])
    student.SGD(lr=0.1).step(P, G)
    want, got = _sgd_math(params, grads[:1], [0.1]), P.value()
    for k in params:
        assert_close(got[k], want[k], what=f"params['{k}'] after the steps (lr=0.1)", inputs={k: params[k]})
    after = G.value()
    for k in params:
        # the caller's gradients must come back bit for bit
        assert_close(after[k], grads[0][k], rtol=0, atol=0, what=f"grads['{k}'] after SGD.step",
                     hint="never write into the gradient arrays (g *= lr changes the caller's grads)")


@pytest.mark.target("SGD.step")
@pytest.mark.points(1)
def test_SGD_step_float32_params(student, rng):
    params, grads = _problem(rng)
    p32 = {k: v.astype(np.float32) for k, v in params.items()}
    g32 = {k: v.astype(np.float32) for k, v in grads[0].items()}
    want = _sgd_math(p32, [g32], [0.1])
    P = student.put(p32)
    student.SGD(lr=0.1).step(P, g32)
    got = P.value()["W"]
    assert_dtype_kind(got, "f", what="params['W'] (float32) after SGD.step")
    # float32 storage: one rounding of ~6e-8 relative per value
    assert_close(got, want["W"], rtol=1e-6, atol=1e-6, what="float32 params['W'] after one SGD step",
                 inputs={"W": p32["W"], "grad": g32["W"]},
                 hint="p -= lr * g works on float32 arrays too; keep the update in place")
