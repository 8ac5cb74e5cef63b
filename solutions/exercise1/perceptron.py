"""Reference solution of exercise1: Rosenblatt's perceptron in NumPy."""
import numpy as np


def step(z):
    """Heaviside step: 1 where z > 0, else 0 (so step(0) == 0).

    Returns an int64 array of z's shape (0-d for a scalar).
    """
    return (np.asarray(z) > 0).astype(np.int64)


class Perceptron:
    """A single-unit binary classifier trained with the perceptron rule."""

    def __init__(self, n_inputs, learning_rate=0.1, seed=None):
        rng = np.random.default_rng(seed)
        self.weights = rng.normal(0.0, 0.01, size=n_inputs)
        self.bias = 0.0
        self.learning_rate = learning_rate

    def net_input(self, X):
        """X @ weights + bias: (n, d) -> (n,), (d,) -> 0-d."""
        return np.asarray(X, dtype=np.float64) @ self.weights + self.bias

    def predict(self, X):
        """Class labels in {0, 1}: step(net_input(X))."""
        return step(self.net_input(X))

    def update(self, x, y):
        """One perceptron-rule step on sample x (d,) with label y; returns the error."""
        x = np.asarray(x, dtype=np.float64)
        error = int(y - self.predict(x))
        if error != 0:
            self.weights = self.weights + self.learning_rate * error * x
            self.bias = float(self.bias + self.learning_rate * error)
        return error

    def fit(self, X, y, epochs=100):
        """Epochs of in-order updates; stops after the first epoch without errors.

        Returns the list of per-epoch numbers of misclassified samples.
        """
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y)
        history = []
        for _ in range(epochs):
            n_errors = 0
            for xi, yi in zip(X, y):
                if self.update(xi, yi) != 0:
                    n_errors += 1
            history.append(n_errors)
            if n_errors == 0:
                break
        return history

# nncourse-leak-marker-exercise1: tests/test_release.py proves this line reaches no student product.
