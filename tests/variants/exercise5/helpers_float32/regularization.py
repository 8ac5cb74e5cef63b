"""A correct solution with helper functions, a uniform draw compared against p, float32 masks."""
import numpy as np


def _is_weight(name):
    return name.startswith("W")


def _map_params(params, weight_fn):
    """Apply weight_fn to each weight; zeros of the same shape for the biases."""
    out = {}
    for name, value in params.items():
        arr = np.asarray(value)
        out[name] = weight_fn(arr) if _is_weight(name) else np.zeros_like(arr, dtype=np.float64)
    return out


def _reduce_weights(params, fn):
    return sum(float(fn(np.asarray(v, dtype=np.float64))) for k, v in params.items() if _is_weight(k))


def l2_penalty(params, lam):
    return 0.5 * lam * _reduce_weights(params, lambda w: np.vdot(w, w))


def l2_grad(params, lam):
    return _map_params(params, lambda w: w * lam)


def l1_penalty(params, lam):
    return lam * _reduce_weights(params, lambda w: np.linalg.norm(w.ravel(), 1))


def l1_grad(params, lam):
    # the sign is exact in float32; harmless
    return _map_params(params, lambda w: lam * np.sign(w.astype(np.float32)))


class _Dropout:
    """Draws masks: a unit survives when a uniform draw is at least p."""

    def __init__(self, p, rng):
        self.scale = np.float32(1.0 / (1.0 - p))
        self.p = p
        self.rng = np.random.default_rng() if rng is None else rng

    def mask(self, shape):
        survive = self.rng.uniform(0.0, 1.0, size=shape) >= self.p
        return np.where(survive, self.scale, np.float32(0.0))


def dropout_forward(x, p, training=True, rng=None):
    x = np.asarray(x, dtype=np.float64)
    if not training:
        return x.copy(), None
    mask = _Dropout(p, rng).mask(x.shape)
    return x * mask, mask


def dropout_backward(dout, mask):
    dout = np.asarray(dout, dtype=np.float64)
    return dout.copy() if mask is None else dout * mask


class EarlyStopping:
    def __init__(self, patience=5, min_delta=0.0):
        self.patience = patience
        self.min_delta = min_delta
        self.best_loss = np.inf
        self.best_epoch = None
        self.best_params = None
        self._since_best = 0
        self._calls = 0

    def _improves(self, loss):
        return loss < self.best_loss - self.min_delta

    def step(self, val_loss, params):
        epoch, self._calls = self._calls, self._calls + 1
        if self._improves(val_loss):
            self.best_loss, self.best_epoch = float(val_loss), epoch
            self.best_params = {k: np.copy(v) for k, v in params.items()}
            self._since_best = 0
        else:
            self._since_best += 1
        return self._since_best >= self.patience
