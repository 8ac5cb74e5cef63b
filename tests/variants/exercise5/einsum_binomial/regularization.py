"""A correct solution with einsum, a binomial draw for the dropout mask, deepcopy."""
from copy import deepcopy

import numpy as np


def _weights(params):
    return [np.asarray(v, dtype=np.float64) for k, v in params.items() if k[0] == "W"]


def l2_penalty(params, lam):
    return float(lam / 2 * sum(np.einsum("ij,ij->", w, w) for w in _weights(params)))


def l2_grad(params, lam):
    return {k: (lam * np.asarray(v, dtype=np.float64) if k[0] == "W" else np.zeros(np.shape(v)))
            for k, v in params.items()}


def l1_penalty(params, lam):
    return float(lam * sum(np.abs(w).sum() for w in _weights(params)))


def l1_grad(params, lam):
    return {k: (lam * np.sign(np.asarray(v, dtype=np.float64)) if k[0] == "W" else np.zeros(np.shape(v)))
            for k, v in params.items()}


def dropout_forward(x, p, training=True, rng=None):
    x = np.asarray(x, dtype=np.float64)
    if not training:
        return np.array(x), None
    gen = rng if rng is not None else np.random.default_rng()
    mask = gen.binomial(1, 1.0 - p, size=x.shape) * (1.0 / (1.0 - p))
    return np.multiply(x, mask), mask


def dropout_backward(dout, mask):
    return np.array(dout, dtype=np.float64) if mask is None else np.multiply(dout, mask)


class EarlyStopping:
    def __init__(self, patience=5, min_delta=0.0):
        self.patience, self.min_delta = patience, min_delta
        self.history = []
        self.best_loss, self.best_epoch, self.best_params = np.inf, None, None
        self._bad_epochs = 0

    def step(self, val_loss, params):
        self.history.append(val_loss)
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss, self.best_epoch = val_loss, len(self.history) - 1
            self.best_params = deepcopy(params)
            self._bad_epochs = 0
        else:
            self._bad_epochs += 1
        return np.bool_(self._bad_epochs >= self.patience)
