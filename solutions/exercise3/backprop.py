"""Reference solution of exercise3: layer-wise backpropagation and a multi-layer perceptron.

Each layer function returns ``(out, cache)``; its backward takes the upstream
gradient and that cache. Every loss is a mean over the batch, so the layer
backwards simply pass on (and sum over the batch) what they receive.
"""
import numpy as np

_BCE_EPS = 1e-12  # probabilities are clipped to [eps, 1 - eps] before the log
_ACTIVATIONS = ("relu", "sigmoid", "tanh")


def _as_float(a):
    """A float64 copy of ``a`` (so caches and outputs never alias the caller's arrays)."""
    return np.array(a, dtype=np.float64)


def _sigmoid(x):
    """Stable logistic function: only ever exponentiates -|x|."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def affine_forward(x, W, b):
    """``out = x @ W + b`` for x (n, d), W (d, m), b (m,); cache = (x, W)."""
    x, W, b = _as_float(x), _as_float(W), _as_float(b)
    return x @ W + b, (x, W)


def affine_backward(dout, cache):
    """Gradients of the affine layer: dx (n, d), dW (d, m), db (m,), summed over the batch."""
    x, W = cache
    dout = np.asarray(dout, dtype=np.float64)
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)


def relu_forward(x):
    """``out = max(x, 0)``; cache = x."""
    x = _as_float(x)
    return np.maximum(x, 0.0), x


def relu_backward(dout, cache):
    """``dx = dout`` where x > 0, else 0 (the derivative at exactly 0 is 0)."""
    return np.where(cache > 0, np.asarray(dout, dtype=np.float64), 0.0)


def sigmoid_forward(x):
    """``out = 1 / (1 + exp(-x))``, stable for any |x|; cache = out."""
    out = _sigmoid(_as_float(x))
    return out, out


def sigmoid_backward(dout, cache):
    """``dx = dout * s * (1 - s)`` with s the forward output."""
    s = cache
    return np.asarray(dout, dtype=np.float64) * s * (1.0 - s)


def tanh_forward(x):
    """``out = tanh(x)``; cache = out."""
    out = np.tanh(_as_float(x))
    return out, out


def tanh_backward(dout, cache):
    """``dx = dout * (1 - t**2)`` with t the forward output."""
    t = cache
    return np.asarray(dout, dtype=np.float64) * (1.0 - t * t)


def binary_cross_entropy(p, y):
    """Mean of ``-(y log p + (1 - y) log(1 - p))`` for p (n,) or (n, 1), y (n,); a float."""
    p = np.clip(_as_float(p).reshape(-1), _BCE_EPS, 1.0 - _BCE_EPS)
    y = _as_float(y).reshape(-1)
    if p.shape != y.shape:
        raise ValueError(f"p has {p.size} values but y has {y.size}")
    return float(-np.mean(y * np.log(p) + (1.0 - y) * np.log1p(-p)))


_LAYERS = {
    "relu": (relu_forward, relu_backward),
    "sigmoid": (sigmoid_forward, sigmoid_backward),
    "tanh": (tanh_forward, tanh_backward),
}


class MLP:
    """A fully connected network: hidden layers with one activation, then sigmoid or softmax."""

    def __init__(self, layer_sizes, activation="relu", seed=None):
        sizes = [int(s) for s in layer_sizes]
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"layer_sizes must hold at least two positive sizes, got {layer_sizes}")
        if activation not in _ACTIVATIONS:
            raise ValueError(f"activation must be one of {_ACTIVATIONS}, got {activation!r}")
        self.layer_sizes = sizes
        self.activation = activation
        self.n_layers = len(sizes) - 1
        self.params = self._init_params(np.random.default_rng(seed))

    def _init_params(self, rng):
        """He normal for relu, Xavier/Glorot normal for sigmoid and tanh; zero biases."""
        params = {}
        for l, (n_in, n_out) in enumerate(zip(self.layer_sizes[:-1], self.layer_sizes[1:]), 1):
            var = 2.0 / n_in if self.activation == "relu" else 2.0 / (n_in + n_out)
            params[f"W{l}"] = rng.normal(0.0, np.sqrt(var), size=(n_in, n_out))
            params[f"b{l}"] = np.zeros(n_out)
        return params

    def _logits(self, X):
        """Forward pass up to the output logits (n, d_out), with every layer's cache."""
        act_forward = _LAYERS[self.activation][0]
        h = _as_float(X)
        caches = []
        for l in range(1, self.n_layers + 1):
            h, affine_cache = affine_forward(h, self.params[f"W{l}"], self.params[f"b{l}"])
            act_cache = None
            if l < self.n_layers:
                h, act_cache = act_forward(h)
            caches.append((affine_cache, act_cache))
        return h, caches

    def _output(self, z):
        """Sigmoid (d_out == 1) or softmax of the logits."""
        if z.shape[1] == 1:
            return _sigmoid(z)
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def forward(self, X):
        """Output probabilities: (n, 1) for d_out == 1, else (n, d_out) rows summing to 1."""
        return self._output(self._logits(X)[0])

    def _loss_and_dlogits(self, z, y):
        """Mean loss and its gradient with respect to the logits, computed from the logits."""
        n = z.shape[0]
        if z.shape[1] == 1:
            t = _as_float(y).reshape(n, 1)
            loss = np.mean(np.logaddexp(0.0, z) - t * z)   # BCE of sigmoid(z), stable
            return float(loss), (_sigmoid(z) - t) / n
        labels = np.asarray(y).reshape(n).astype(int)
        shifted = z - z.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        loss = -np.mean(log_p[np.arange(n), labels])
        dz = np.exp(log_p)
        dz[np.arange(n), labels] -= 1.0
        return float(loss), dz / n

    def loss_and_grads(self, X, y):
        """Mean loss over the batch and its gradient for every param (same keys and shapes)."""
        act_backward = _LAYERS[self.activation][1]
        z, caches = self._logits(X)
        loss, dh = self._loss_and_dlogits(z, y)
        grads = {}
        for l in range(self.n_layers, 0, -1):
            affine_cache, act_cache = caches[l - 1]
            if act_cache is not None:
                dh = act_backward(dh, act_cache)
            dh, grads[f"W{l}"], grads[f"b{l}"] = affine_backward(dh, affine_cache)
        return loss, grads

    def predict(self, X):
        """Integer labels (n,): p > 0.5 for one output, else the argmax."""
        probs = self.forward(X)
        if probs.shape[1] == 1:
            return (probs[:, 0] > 0.5).astype(int)
        return probs.argmax(axis=1)

    def fit(self, X, y, epochs=1000, learning_rate=0.1, batch_size=None, seed=None):
        """Mini-batch gradient descent; returns the per-epoch mean losses (a list of floats)."""
        X = _as_float(X)
        y = np.asarray(y).reshape(-1)
        n = X.shape[0]
        rng = np.random.default_rng(seed)
        losses = []
        for _ in range(epochs):
            if batch_size is None:
                batches = [np.arange(n)]
            else:
                order = rng.permutation(n)
                batches = [order[i:i + batch_size] for i in range(0, n, batch_size)]
            total = 0.0
            for idx in batches:
                loss, grads = self.loss_and_grads(X[idx], y[idx])
                for key, g in grads.items():
                    self.params[key] = self.params[key] - learning_rate * g
                total += loss * len(idx)
            losses.append(total / n)
        return losses

# nncourse-leak-marker-exercise3: tests/test_release.py proves this line reaches no student product.
