"""Correct variant of exercise1: explicit Python loops, wide uniform initial weights."""
import numpy as np


def step(z):
    z = np.asarray(z, dtype=float)
    out = np.zeros(z.shape, dtype=int)
    for idx in np.ndindex(z.shape):
        if z[idx] > 0:
            out[idx] = 1
    return out


class Perceptron:
    def __init__(self, n_inputs, learning_rate=0.1, seed=None):
        rng = np.random.default_rng(seed)
        self.weights = rng.uniform(-0.49, 0.49, size=n_inputs)
        self.bias = 0.0
        self.learning_rate = learning_rate

    def _dot(self, x):
        total = self.bias
        for j in range(len(x)):
            total += float(x[j]) * self.weights[j]
        return total

    def net_input(self, X):
        X = np.asarray(X, dtype=float)
        if X.ndim == 1:
            return np.array(self._dot(X))
        return np.array([self._dot(row) for row in X])

    def predict(self, X):
        return step(self.net_input(X))

    def update(self, x, y):
        error = int(y) - int(self.predict(x))
        new_weights = self.weights.copy()
        for j in range(len(new_weights)):
            new_weights[j] = new_weights[j] + self.learning_rate * error * float(x[j])
        self.weights = new_weights
        self.bias = self.bias + self.learning_rate * error
        return error

    def fit(self, X, y, epochs=100):
        history = []
        epoch = 0
        while epoch < epochs:
            wrong = 0
            for i in range(len(y)):
                if self.update(X[i], y[i]) != 0:
                    wrong += 1
            history.append(wrong)
            epoch += 1
            if wrong == 0:
                break
        return history
