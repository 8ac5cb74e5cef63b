"""Hypotheses for optimizers: the steps replayed under known-wrong update rules.

Why: an optimizer's result after a step or two is fully determined by the start
values, the gradients and the hyperparameters; when the check shows them, a few
known-wrong rules (no bias correction, eps inside the sqrt, (1 - beta) * g) can be
replayed with trusted NumPy and compared with the student's numbers.
"""
from __future__ import annotations

import re

import numpy as np

from nncourse.grading.diagnoses import Case, Diagnosis, hypothesis

ADAM_DEFAULTS = {"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}


def _start_and_grads(case: Case) -> tuple[np.ndarray, list[np.ndarray]] | None:
    """W0 and every step's gradient, when the check's inputs hold all of them."""
    arrays = case.arrays()
    steps = sorted((int(m[1]), v) for k, v in arrays.items() if (m := re.search(r"step (\d+)$", k)))
    n_steps = re.search(r"after (\d+) (?:\w+ )*steps?", case.what)
    if steps and n_steps and len(steps) == int(n_steps[1]) and [s for s, _ in steps] == list(range(1, len(steps) + 1)):
        start = next((v for k, v in arrays.items() if k.endswith("before")), np.zeros_like(steps[0][1]))
        return start, [g for _, g in steps]
    if "grad" in arrays and "first step" in case.what:
        start = next((v for k, v in arrays.items() if k != "grad" and v.shape == arrays["grad"].shape), None)
        return (start, [arrays["grad"]]) if start is not None else None
    return None


def adam(start, grads, lr, beta1, beta2, eps, rule="right"):
    p, m, v = start.astype(float).copy(), 0.0, 0.0
    for t, g in enumerate(grads, 1):
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        m_hat, v_hat = (m, v) if rule == "no_bias_correction" else (m / (1 - beta1 ** t), v / (1 - beta2 ** t))
        p = p - lr * m_hat / (np.sqrt(v_hat + eps) if rule == "eps_inside_sqrt" else np.sqrt(v_hat) + eps)
    return p


ADAM_RULES = {
    "no_bias_correction": "your Adam uses m and v without bias correction: divide by (1 - beta1**t) and "
                          "(1 - beta2**t), with t counting steps from 1",
    "eps_inside_sqrt": "your eps is inside the square root: the step is m_hat / (np.sqrt(v_hat) + eps)",
}


@hypothesis("Adam.step", "Adam")
def adam_rule(case: Case) -> Diagnosis | None:
    found = _start_and_grads(case)
    if found is None:
        return None
    start, grads = found
    hp = {**ADAM_DEFAULTS, **{k: v for k, v in case.call_args.items() if k in ADAM_DEFAULTS}}
    if "defaults" in case.what:
        hp = dict(ADAM_DEFAULTS)
    with np.errstate(all="ignore"):
        if start.shape != case.want.shape:
            return None
        for rule, sentence in ADAM_RULES.items():
            if case.fits(adam(start, grads, **hp, rule=rule)):
                return Diagnosis(rule, sentence)
        for name in ("beta1", "beta2", "eps", "lr"):
            for other in (0.9, 0.99, 0.999, 1e-6, 1e-7, 1e-8, 0.01, 0.001):
                if other != hp[name] and case.fits(adam(start, grads, **{**hp, name: other})):
                    return Diagnosis("wrong_hyperparameter", f"your Adam behaves as if {name} were {other:g}, not "
                                     f"{hp[name]:g}: check the default values and that you use the arguments")
    return None


@hypothesis("Momentum.step")
def momentum_one_minus_beta(case: Case) -> Diagnosis | None:
    found = _start_and_grads(case)
    beta, lr = case.call_args.get("beta", 0.9), case.call_args.get("lr", 0.01)
    if found is None or len(found[1]) != 1:
        return None
    start, (g,) = found
    if case.fits(start - lr * (1 - beta) * g):
        return Diagnosis("one_minus_beta", "your velocity adds (1 - beta) * g: the course's momentum is "
                         "v = beta * v + g (then p -= lr * v), so the first step moves by lr * g")
    return None


def _lrs(case: Case) -> list[float] | None:
    m = re.search(r"opt\.lr set to ([\d., ]+)", case.what)
    return [float(v) for v in m[1].rstrip(", ").split(",")] if m else None


def sgd_momentum(start, grads, lrs, beta, rule="right"):
    p, v = start.astype(float).copy(), np.zeros_like(start, dtype=float)
    for g, lr in zip(grads, lrs):
        if beta is None:
            p = p - lr * g
        elif rule == "lr_inside_v":
            v = beta * v + lr * g
            p = p - v
        else:
            v = beta * v + g
            p = p - lr * v
    return p


@hypothesis("SGD.step", "Momentum.step")
def lr_changed_between_steps(case: Case) -> Diagnosis | None:
    """opt.lr changed between steps: replay with the first lr kept, and with lr inside the velocity."""
    found, lrs = _start_and_grads(case), _lrs(case)
    if found is None or lrs is None or len(lrs) != len(found[1]):
        return None
    start, grads = found
    beta = case.call_args.get("beta", 0.9) if case.target == "Momentum.step" else None
    if case.fits(sgd_momentum(start, grads, [lrs[0]] * len(lrs), beta)):
        return Diagnosis("lr_copied", "your step keeps using the first learning rate: read self.lr inside step "
                         "(a schedule changes it between steps), do not copy it into another attribute in __init__")
    if beta is not None and case.fits(sgd_momentum(start, grads, lrs, beta, rule="lr_inside_v")):
        return Diagnosis("lr_inside_v", "your velocity holds lr * g: keep lr out of v (v = beta * v + g, "
                         "p -= lr * v), or the old steps keep their old learning rate when lr changes")
    return None
