"""A correct exercise3 in another style: explicit Python loops over samples, dict caches,
uniform initialisation, a tanh-based sigmoid, probabilities clipped Keras-style (eps 1e-7)."""
import math

import numpy as np

EPS = 1e-7


def affine_forward(x, W, b):
    x = np.array(x, dtype=float)
    W = np.array(W, dtype=float)
    b = np.array(b, dtype=float)
    out = np.zeros((x.shape[0], W.shape[1]))
    for i in range(x.shape[0]):
        out[i] = x[i] @ W + b
    return out, {"x": x, "W": W}


def affine_backward(dout, cache):
    x, W = cache["x"], cache["W"]
    dout = np.array(dout, dtype=float)
    dx = np.zeros_like(x)
    dW = np.zeros_like(W)
    db = np.zeros(W.shape[1])
    for i in range(x.shape[0]):
        dx[i] = W @ dout[i]
        dW += np.outer(x[i], dout[i])
        db += dout[i]
    return dx, dW, db


def relu_forward(x):
    x = np.array(x, dtype=float)
    out = x.copy()
    out[out < 0] = 0.0
    return out, {"positive": x > 0}


def relu_backward(dout, cache):
    dx = np.array(dout, dtype=float)   # a copy: the caller's dout stays as it was
    dx[~cache["positive"]] = 0.0
    return dx


def _sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def sigmoid_forward(x):
    s = _sigmoid(np.array(x, dtype=float))
    return s, {"s": s}


def sigmoid_backward(dout, cache):
    s = cache["s"]
    return np.asarray(dout, dtype=float) * s * (1.0 - s)


def tanh_forward(x):
    t = np.tanh(np.array(x, dtype=float))
    return t, {"t": t}


def tanh_backward(dout, cache):
    return np.asarray(dout, dtype=float) * (1.0 - cache["t"] ** 2)


def binary_cross_entropy(p, y):
    p = np.asarray(p, dtype=float).ravel()
    y = np.asarray(y, dtype=float).ravel()
    total = 0.0
    for pi, yi in zip(p, y):
        pi = min(max(pi, EPS), 1.0 - EPS)
        total -= yi * math.log(pi) + (1.0 - yi) * math.log(1.0 - pi)
    return total / len(p)


ACTIVATIONS = {"relu": (relu_forward, relu_backward), "sigmoid": (sigmoid_forward, sigmoid_backward),
               "tanh": (tanh_forward, tanh_backward)}


class MLP:
    def __init__(self, layer_sizes, activation="relu", seed=None):
        self.sizes = list(layer_sizes)
        self.activation = activation
        rng = np.random.default_rng(seed)
        self.params = {}
        for l in range(1, len(self.sizes)):
            n_in, n_out = self.sizes[l - 1], self.sizes[l]
            if activation == "relu":
                var = 2.0 / n_in
            else:
                var = 2.0 / (n_in + n_out)
            bound = math.sqrt(3.0 * var)
            self.params["W%d" % l] = rng.uniform(-bound, bound, size=(n_in, n_out))
            self.params["b%d" % l] = np.zeros(n_out)

    def _run(self, X):
        L = len(self.sizes) - 1
        h = np.array(X, dtype=float)
        caches = []
        for l in range(1, L + 1):
            h, c1 = affine_forward(h, self.params["W%d" % l], self.params["b%d" % l])
            c2 = None
            if l != L:
                h, c2 = ACTIVATIONS[self.activation][0](h)
            caches.append((c1, c2))
        if self.sizes[-1] == 1:
            return _sigmoid(h), caches
        probs = np.zeros_like(h)
        for i in range(h.shape[0]):
            e = np.exp(h[i] - h[i].max())
            probs[i] = e / e.sum()
        return probs, caches

    def forward(self, X):
        return self._run(X)[0]

    def loss_and_grads(self, X, y):
        probs, caches = self._run(X)
        n = probs.shape[0]
        y = np.asarray(y).ravel()
        if self.sizes[-1] == 1:
            loss = binary_cross_entropy(probs, y)
            dz = (probs - y.reshape(-1, 1)) / n
        else:
            loss = 0.0
            dz = probs.copy()
            for i in range(n):
                loss -= math.log(max(probs[i, int(y[i])], 1e-300))
                dz[i, int(y[i])] -= 1.0
            loss /= n
            dz /= n
        grads = {}
        d = dz
        for l in range(len(caches), 0, -1):
            c1, c2 = caches[l - 1]
            if c2 is not None:
                d = ACTIVATIONS[self.activation][1](d, c2)
            d, grads["W%d" % l], grads["b%d" % l] = affine_backward(d, c1)
        return loss, grads

    def predict(self, X):
        probs = self.forward(X)
        if probs.shape[1] == 1:
            return np.array([1 if p >= 0.5 else 0 for p in probs[:, 0]])
        return np.array([int(np.argmax(row)) for row in probs])

    def fit(self, X, y, epochs=1000, learning_rate=0.1, batch_size=None, seed=None):
        X = np.asarray(X, dtype=float)
        y = np.asarray(y)
        n = len(X)
        rng = np.random.default_rng(seed)
        history = []
        for epoch in range(epochs):
            if batch_size is None:
                order, size = np.arange(n), n
            else:
                order, size = rng.permutation(n), batch_size
            seen, total = 0, 0.0
            start = 0
            while start < n:
                idx = order[start:start + size]
                loss, grads = self.loss_and_grads(X[idx], y[idx])
                for key in self.params:
                    self.params[key] = self.params[key] - learning_rate * grads[key]
                total += loss * len(idx)
                seen += len(idx)
                start += size
            history.append(total / seen)
        return history
