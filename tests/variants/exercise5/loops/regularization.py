"""A correct solution written with explicit Python loops (variant for the grader's self-test)."""
import numpy as np


def l2_penalty(params, lam):
    total = 0.0
    for key in params:
        if not key.startswith("W"):
            continue
        for w in np.asarray(params[key]).ravel():
            total += float(w) * float(w)
    return 0.5 * lam * total


def l2_grad(params, lam):
    grads = {}
    for key in params:
        w = np.asarray(params[key], dtype=float)
        g = np.zeros(w.shape)
        if key.startswith("W"):
            for idx in np.ndindex(w.shape):
                g[idx] = lam * w[idx]
        grads[key] = g
    return grads


def l1_penalty(params, lam):
    total = 0.0
    for key in params:
        if key.startswith("W"):
            for w in np.asarray(params[key]).ravel():
                total += abs(float(w))
    return lam * total


def l1_grad(params, lam):
    grads = {}
    for key in params:
        w = np.asarray(params[key], dtype=float)
        g = np.zeros(w.shape)
        if key.startswith("W"):
            for idx in np.ndindex(w.shape):
                if w[idx] > 0:
                    g[idx] = lam
                elif w[idx] < 0:
                    g[idx] = -lam
        grads[key] = g
    return grads


def dropout_forward(x, p, training=True, rng=None):
    x = np.array(x, dtype=float)
    if not training:
        return x, None
    if rng is None:
        rng = np.random.default_rng()
    mask = np.zeros(x.shape)
    out = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        if rng.random() >= p:            # kept with probability 1 - p
            mask[idx] = 1.0 / (1.0 - p)
            out[idx] = x[idx] * mask[idx]
    return out, mask


def dropout_backward(dout, mask):
    dout = np.array(dout, dtype=float)
    if mask is None:
        return dout
    dx = np.zeros(dout.shape)
    for idx in np.ndindex(dout.shape):
        dx[idx] = dout[idx] * mask[idx]
    return dx


class EarlyStopping:
    def __init__(self, patience=5, min_delta=0.0):
        self.patience = patience
        self.min_delta = min_delta
        self.best_loss = float("inf")
        self.best_epoch = -1
        self.best_params = {}
        self.wait = 0
        self.epoch = -1

    def step(self, val_loss, params):
        self.epoch += 1
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss = val_loss
            self.best_epoch = self.epoch
            self.best_params = {}
            for key in params:
                self.best_params[key] = np.array(params[key], copy=True)
            self.wait = 0
            return False
        self.wait += 1
        if self.wait >= self.patience:
            return True
        return False
