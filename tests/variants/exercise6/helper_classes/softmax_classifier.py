"""Correct variant: helper classes, a ValueError subclass, balanced np.array_split batches, unweighted epoch loss."""
import numpy as np


class LabelError(ValueError):
    """A label outside [0, n_classes)."""


class _Labels:
    def __init__(self, y, n_classes):
        self.values = np.array(y, dtype=np.int64).reshape(-1)
        bad = self.values[(self.values < 0) | (self.values >= n_classes)]
        if bad.size:
            raise LabelError(f"labels {bad.tolist()} are outside [0, {n_classes})")
        self.n_classes = n_classes

    def dense(self):
        out = np.zeros((self.values.size, self.n_classes))
        out[np.arange(self.values.size), self.values] = 1
        return out


def one_hot(y, n_classes):
    return _Labels(y, n_classes).dense()


def log_softmax(z):
    z = np.array(z, dtype=np.float64)
    m = z.max(axis=-1, keepdims=True)
    return z - (m + np.log(np.exp(z - m).sum(axis=-1, keepdims=True)))


def softmax(z):
    return np.exp(log_softmax(z))


def cross_entropy(logits, y):
    logp = log_softmax(logits)
    return float(-(logp * one_hot(y, logp.shape[-1])).sum(axis=1).mean())


def cross_entropy_grad(logits, y):
    p = softmax(logits)
    return (p - one_hot(y, p.shape[-1])) / p.shape[0]


class _Batches:
    """Balanced batches of a fresh permutation: ceil(n / batch_size) chunks, every sample once."""

    def __init__(self, n, batch_size, rng):
        self.n, self.rng = n, rng
        self.count = 1 if batch_size is None else -(-n // batch_size)

    def __iter__(self):
        return iter(np.array_split(self.rng.permutation(self.n), self.count))


class SoftmaxClassifier:
    def __init__(self, n_features, n_classes, reg=0.0, seed=None):
        self.reg = reg
        rng = np.random.default_rng(seed)
        self.params = {"W": rng.standard_normal((n_features, n_classes)) * 0.1, "b": np.zeros(n_classes)}

    def forward(self, X):
        return np.asarray(X, dtype=np.float64) @ self.params["W"] + self.params["b"]

    def loss_and_grads(self, X, y):
        X = np.asarray(X, dtype=np.float64)
        z = self.forward(X)
        W = self.params["W"]
        loss = cross_entropy(z, y) + self.reg / 2 * float((W * W).sum())
        dz = cross_entropy_grad(z, y)
        return loss, {"W": X.T.dot(dz) + self.reg * W, "b": dz.sum(0)}

    def _step(self, grads, learning_rate):
        for key, grad in grads.items():
            self.params[key] = self.params[key] - learning_rate * grad

    def fit(self, X, y, learning_rate=0.1, epochs=200, batch_size=None, seed=None):
        X, y = np.asarray(X, dtype=np.float64), np.asarray(y)
        rng = np.random.default_rng(seed)
        losses = []
        for _ in range(epochs):
            epoch = []
            for idx in _Batches(len(X), batch_size, rng):
                loss, grads = self.loss_and_grads(X[idx], y[idx])
                self._step(grads, learning_rate)
                epoch.append(loss)
            losses.append(sum(epoch) / len(epoch))
        return losses

    def predict_proba(self, X):
        return softmax(self.forward(X))

    def predict(self, X):
        return self.predict_proba(X).argmax(-1)

    def score(self, X, y):
        return float((self.predict(X) == np.asarray(y)).mean())


def confusion_matrix(y_true, y_pred, n_classes):
    t = _Labels(y_true, n_classes).dense()
    p = _Labels(y_pred, n_classes).dense()
    return (t.T @ p).round().astype(np.int64)


def _ratio(num, den):
    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    safe = np.where(den == 0, 1.0, den)
    return np.where(den == 0, 0.0, num / safe)


def precision_recall_f1(y_true, y_pred, n_classes):
    cm = confusion_matrix(y_true, y_pred, n_classes)
    tp = cm.diagonal()
    precision, recall = _ratio(tp, cm.sum(0)), _ratio(tp, cm.sum(1))
    return precision, recall, _ratio(2 * precision * recall, precision + recall)
