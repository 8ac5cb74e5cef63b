"""A correct exercise3 in another style: caches are small objects of the student's own class
(not plain data), the MLP is built from layer objects, its `params` is a property whose
setter hands the arrays to the layers, He/Xavier uniform draws, float32 for list inputs."""
import numpy as np


class Cache:
    """What a backward needs, as attributes."""

    def __init__(self, **arrays):
        self.__dict__.update(arrays)


def _arr(a):
    return np.array(a, dtype=np.float64)


def affine_forward(x, W, b):
    x, W, b = _arr(x), _arr(W), _arr(b)
    return x.dot(W) + b, Cache(x=x, W=W)


def affine_backward(dout, cache):
    dout = _arr(dout)
    return dout.dot(cache.W.T), cache.x.T.dot(dout), np.add.reduce(dout, axis=0)


def relu_forward(x):
    x = _arr(x)
    return np.clip(x, 0.0, None), Cache(mask=x > 0)


def relu_backward(dout, cache):
    return np.where(cache.mask, _arr(dout), 0.0)


def _logistic(x):
    out = np.empty_like(x)
    pos = x >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))
    ex = np.exp(x[~pos])
    out[~pos] = ex / (1.0 + ex)
    return out


def sigmoid_forward(x):
    s = _logistic(_arr(x))
    return s, Cache(s=s)


def sigmoid_backward(dout, cache):
    return _arr(dout) * cache.s * (1 - cache.s)


def tanh_forward(x):
    t = np.tanh(_arr(x))
    return t, Cache(t=t)


def tanh_backward(dout, cache):
    return _arr(dout) * (1 - np.square(cache.t))


def binary_cross_entropy(p, y):
    p = np.clip(_arr(p).ravel(), 1e-12, 1 - 1e-12)
    y = _arr(y).ravel()
    return float(np.mean(-np.where(y == 1, np.log(p), 0.0) - np.where(y == 0, np.log1p(-p), 0.0)
                         - np.where((y != 0) & (y != 1), y * np.log(p) + (1 - y) * np.log1p(-p), 0.0)))


class Dense:
    def __init__(self, W, b):
        self.W, self.b = W, b

    def forward(self, h):
        return affine_forward(h, self.W, self.b)


class Activation:
    def __init__(self, forward, backward):
        self.forward, self.backward = forward, backward


ACTIVATIONS = {"relu": Activation(relu_forward, relu_backward),
               "sigmoid": Activation(sigmoid_forward, sigmoid_backward),
               "tanh": Activation(tanh_forward, tanh_backward)}


class MLP:
    def __init__(self, layer_sizes, activation="relu", seed=None):
        self.layer_sizes = [int(s) for s in layer_sizes]
        self.act = ACTIVATIONS[activation]
        rng = np.random.default_rng(seed)
        self.layers = []
        for n_in, n_out in zip(self.layer_sizes[:-1], self.layer_sizes[1:]):
            fan = n_in if activation == "relu" else n_in + n_out
            limit = np.sqrt(6.0 / fan)   # uniform on [-a, a] has variance a**2 / 3 = 2 / fan
            self.layers.append(Dense(rng.uniform(-limit, limit, (n_in, n_out)), np.zeros(n_out)))

    @property
    def params(self):
        out = {}
        for i, layer in enumerate(self.layers, 1):
            out[f"W{i}"], out[f"b{i}"] = layer.W, layer.b
        return out

    @params.setter
    def params(self, values):
        for i, layer in enumerate(self.layers, 1):
            layer.W, layer.b = _arr(values[f"W{i}"]), _arr(values[f"b{i}"])

    def _forward(self, X):
        h, caches = _arr(X), []
        for i, layer in enumerate(self.layers):
            h, dense_cache = layer.forward(h)
            act_cache = None
            if i < len(self.layers) - 1:
                h, act_cache = self.act.forward(h)
            caches.append((dense_cache, act_cache))
        return h, caches

    @staticmethod
    def _probs(z):
        if z.shape[1] == 1:
            return _logistic(z)
        z = z - np.max(z, axis=1, keepdims=True)
        e = np.exp(z)
        return e / np.sum(e, axis=1, keepdims=True)

    def forward(self, X):
        return self._probs(self._forward(X)[0])

    def loss_and_grads(self, X, y):
        z, caches = self._forward(X)
        p = self._probs(z)
        n = len(p)
        y = np.asarray(y).ravel()
        if p.shape[1] == 1:
            loss = binary_cross_entropy(p, y)
            target = y.reshape(-1, 1).astype(float)
        else:
            target = np.zeros_like(p)
            target[np.arange(n), y.astype(int)] = 1.0
            loss = float(-np.mean(np.log(np.clip(p[np.arange(n), y.astype(int)], 1e-300, None))))
        grad = (p - target) / n
        grads = {}
        for i in range(len(self.layers), 0, -1):
            dense_cache, act_cache = caches[i - 1]
            if act_cache is not None:
                grad = self.act.backward(grad, act_cache)
            grad, grads[f"W{i}"], grads[f"b{i}"] = affine_backward(grad, dense_cache)
        return loss, grads

    def predict(self, X):
        p = self.forward(X)
        if p.shape[1] == 1:
            return (p[:, 0] > 0.5).astype(np.int64)
        return p.argmax(axis=1).astype(np.int32)

    def fit(self, X, y, epochs=1000, learning_rate=0.1, batch_size=None, seed=None):
        X = _arr(X)
        y = np.asarray(y).ravel()
        n = X.shape[0]
        size = n if batch_size is None else batch_size
        rng = np.random.default_rng(seed)
        history = []
        for _ in range(epochs):
            order = np.arange(n) if batch_size is None else rng.permutation(n)
            weighted = 0.0
            for start in range(0, n, size):
                idx = order[start:start + size]
                loss, grads = self.loss_and_grads(X[idx], y[idx])
                params = self.params
                self.params = {k: params[k] - learning_rate * grads[k] for k in params}
                weighted += loss * len(idx)
            history.append(weighted / n)
        return history
