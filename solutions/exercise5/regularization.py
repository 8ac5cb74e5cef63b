"""Regularization: weight penalties (L2, L1), inverted dropout, early stopping.

Reference solution of exercise5. NumPy and the standard library only.
"""
import copy

import numpy as np


def _is_weight(key):
    """Weights are the params whose key starts with "W"; biases are never penalised."""
    return str(key).startswith("W")


def l2_penalty(params, lam):
    """0.5 * lam * (sum of W**2 over every weight array) as a float."""
    total = 0.0
    for key, value in params.items():
        if _is_weight(key):
            w = np.asarray(value, dtype=np.float64)
            total += float(np.sum(w * w))
    return 0.5 * float(lam) * total


def l2_grad(params, lam):
    """Gradient of l2_penalty: lam * W for weights, zeros for biases."""
    grads = {}
    for key, value in params.items():
        w = np.asarray(value, dtype=np.float64)
        grads[key] = float(lam) * w if _is_weight(key) else np.zeros_like(w)
    return grads


def l1_penalty(params, lam):
    """lam * (sum of |W| over every weight array) as a float."""
    total = 0.0
    for key, value in params.items():
        if _is_weight(key):
            total += float(np.sum(np.abs(np.asarray(value, dtype=np.float64))))
    return float(lam) * total


def l1_grad(params, lam):
    """(Sub)gradient of l1_penalty: lam * sign(W) (0 where W == 0), zeros for biases."""
    grads = {}
    for key, value in params.items():
        w = np.asarray(value, dtype=np.float64)
        grads[key] = float(lam) * np.sign(w) if _is_weight(key) else np.zeros_like(w)
    return grads


def dropout_forward(x, p, training=True, rng=None):
    """Inverted dropout: keep each unit with probability 1 - p, scale kept ones by 1 / (1 - p).

    Returns (out, mask) with out == x * mask; mask is None when training is False.
    """
    x = np.asarray(x, dtype=np.float64)
    if not training:
        return x.copy(), None
    if not 0.0 <= p < 1.0:
        raise ValueError(f"dropout_forward: p must be in [0, 1), got {p}")
    rng = np.random.default_rng(rng)
    keep = 1.0 - p
    mask = np.asarray(rng.random(x.shape) < keep) / keep
    return np.asarray(x * mask), np.asarray(mask)


def dropout_backward(dout, mask):
    """dL/dx = dout * mask (dout itself when mask is None, i.e. evaluation mode)."""
    dout = np.asarray(dout, dtype=np.float64)
    if mask is None:
        return dout.copy()
    return dout * mask


class EarlyStopping:
    """Stop training once the validation loss has not improved for `patience` steps."""

    def __init__(self, patience=5, min_delta=0.0):
        self.patience = int(patience)
        self.min_delta = float(min_delta)
        self.best_loss = np.inf
        self.best_epoch = None
        self.best_params = None
        self.counter = 0
        self.n_steps = 0

    def step(self, val_loss, params):
        """Record one epoch's validation loss; return True when training should stop."""
        epoch = self.n_steps
        self.n_steps += 1
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss = float(val_loss)
            self.best_epoch = epoch
            self.best_params = copy.deepcopy(params)
            self.counter = 0
        else:
            self.counter += 1
        return self.counter >= self.patience

# nncourse-leak-marker-exercise5: tests/test_release.py proves this line reaches no student product.
