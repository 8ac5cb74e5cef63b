"""Behaviour: on an ill-conditioned quadratic, Momentum and Adam beat plain SGD.

f(w) = 0.5 * (w - w*)^T diag(1, 100) (w - w*). With one lr for all three optimizers
(lr must stay below 2 / 100 for SGD to be stable), SGD crawls along the flat
direction; Momentum and Adam must end with a much lower loss after the same number
of steps. The minimum w* is away from 0, from 1 and from the start, so a step that
sets params to a constant (or leaves them alone) cannot pass; the offset from w* is
drawn as before, so the dynamics and course.yaml's ratios are unchanged. The SGD
baseline is the math, computed here. The hyperparameters are passed explicitly: the
constructor's defaults have their own tests.
"""
import numpy as np
import pytest

from nncourse.grading.checks import assert_true

CURVATURE = np.array([1.0, 100.0])
MINIMUM = np.array([2.5, -1.75])
LR, N_STEPS = 0.015, 300
HYPER = {"Momentum": {"beta": 0.9}, "Adam": {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8}}


def _loss(w):
    return float(0.5 * np.sum(CURVATURE * (w - MINIMUM) ** 2))


def _start(seed):
    rng = np.random.default_rng(seed)
    return MINIMUM + rng.uniform(0.5, 1.5, size=2) * rng.choice([-1.0, 1.0], size=2)


def _sgd_loss(w0):
    w = w0.copy()
    for _ in range(N_STEPS):
        w = w - LR * CURVATURE * (w - MINIMUM)
    return _loss(w)


def _student_loss(student, name, w0):
    P = student.put({"w": w0.copy()})
    opt = getattr(student, name)(lr=LR, **HYPER[name])
    for _ in range(N_STEPS):
        w = np.asarray(P.value()["w"], dtype=np.float64)
        opt.step(P, {"w": CURVATURE * (w - MINIMUM)})
    return _loss(np.asarray(P.value()["w"], dtype=np.float64))


def _check_beats_sgd(student, name, seed, ratio):
    w0 = _start(seed)
    sgd, got = _sgd_loss(w0), _student_loss(student, name, w0)
    args = ", ".join(f"{k}={v:g}" for k, v in {"lr": LR, **HYPER[name]}.items())
    assert_true(np.isfinite(got) and got <= ratio * sgd,
                f"{name}.step: on f(w) = 0.5 * ((w1 - {MINIMUM[0]:g})**2 + 100 * (w2 - ({MINIMUM[1]:g}))**2) "
                f"from w0 = {np.round(w0, 4).tolist()} (seed {seed}), {N_STEPS} steps of {name}({args}) should "
                f"reach a loss at most {ratio:g} x plain SGD's {sgd:.3e}: expected <= {ratio * sgd:.3e}, got "
                f"{got:.3e}. Hint: check the update rule of {name} against the README (the other tests say "
                "which part).")


@pytest.mark.target("Momentum.step")
@pytest.mark.points(2)
def test_Momentum_step_beats_sgd_on_ill_conditioned_quadratic(student, seed, thresholds):
    _check_beats_sgd(student, "Momentum", seed, thresholds["momentum_vs_sgd_loss_ratio"])


@pytest.mark.target("Adam.step")
@pytest.mark.points(2)
def test_Adam_step_beats_sgd_on_ill_conditioned_quadratic(student, seed, thresholds):
    _check_beats_sgd(student, "Adam", seed, thresholds["adam_vs_sgd_loss_ratio"])
