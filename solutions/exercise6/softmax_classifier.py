"""Softmax (multinomial logistic) regression and its metrics: the reference."""
import numpy as np


def _labels(y, n_classes=None):
    """Integer label array of `y`; ValueError for non-integers or labels outside [0, n_classes)."""
    y = np.asarray(y)
    if y.size and not np.all(np.equal(np.mod(y, 1), 0)):
        raise ValueError("labels must be integers")
    y = y.astype(np.int64).ravel()
    if n_classes is not None and y.size and (y.min() < 0 or y.max() >= n_classes):
        raise ValueError(f"labels must lie in [0, {n_classes})")
    return y


def one_hot(y, n_classes):
    """(n,) integer labels -> (n, n_classes) float64 one-hot rows."""
    y = _labels(y, n_classes)
    out = np.zeros((y.size, n_classes))
    out[np.arange(y.size), y] = 1.0
    return out


def _log_softmax(z):
    """log softmax along the last axis: z - max - log(sum(exp(z - max)))."""
    z = np.asarray(z, dtype=np.float64)
    shifted = z - np.max(z, axis=-1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def softmax(z):
    """Probabilities along the last axis, stable for logits of any size (a scalar gives 1.0)."""
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(z - np.max(z, axis=-1, keepdims=True)) if z.ndim else np.ones(())
    return e / np.sum(e, axis=-1, keepdims=True)


def cross_entropy(logits, y):
    """Mean over the batch of -log softmax(logits)[i, y_i], computed in log-space."""
    logp = _log_softmax(np.atleast_2d(logits))
    y = _labels(y, logp.shape[-1])
    return float(-np.mean(logp[np.arange(y.size), y]))


def cross_entropy_grad(logits, y):
    """Gradient of the mean cross-entropy w.r.t. the logits: (softmax - one_hot) / n."""
    logits = np.atleast_2d(np.asarray(logits, dtype=np.float64))
    n, k = logits.shape
    return (softmax(logits) - one_hot(y, k)) / n


class SoftmaxClassifier:
    """Linear model logits = X @ W + b trained on the mean cross-entropy plus an L2 penalty on W."""

    def __init__(self, n_features, n_classes, reg=0.0, seed=None):
        rng = np.random.default_rng(seed)
        self.n_features = n_features
        self.n_classes = n_classes
        self.reg = reg
        self.params = {
            "W": 0.01 * rng.standard_normal((n_features, n_classes)),
            "b": np.zeros(n_classes),
        }

    def _logits(self, X):
        X = np.atleast_2d(np.asarray(X, dtype=np.float64))
        return X @ self.params["W"] + self.params["b"]

    def loss_and_grads(self, X, y):
        """(loss, grads): mean cross-entropy + 0.5 * reg * sum(W**2), and its gradient."""
        X = np.atleast_2d(np.asarray(X, dtype=np.float64))
        W = self.params["W"]
        logits = self._logits(X)
        loss = cross_entropy(logits, y) + 0.5 * self.reg * np.sum(W ** 2)
        dlogits = cross_entropy_grad(logits, y)
        grads = {"W": X.T @ dlogits + self.reg * W, "b": dlogits.sum(axis=0)}
        return float(loss), grads

    def fit(self, X, y, learning_rate=0.1, epochs=200, batch_size=None, seed=None):
        """Mini-batch gradient descent, shuffled each epoch; returns per-epoch mean losses."""
        X = np.atleast_2d(np.asarray(X, dtype=np.float64))
        y = _labels(y, self.n_classes)
        n = X.shape[0]
        size = n if batch_size is None else int(batch_size)
        rng = np.random.default_rng(seed)
        losses = []
        for _ in range(epochs):
            order = rng.permutation(n)
            total = 0.0
            for start in range(0, n, size):
                idx = order[start:start + size]
                loss, grads = self.loss_and_grads(X[idx], y[idx])
                for key in self.params:
                    self.params[key] = self.params[key] - learning_rate * grads[key]
                total += loss * idx.size
            losses.append(total / n)
        return losses

    def predict_proba(self, X):
        """(n, n_classes) class probabilities."""
        return softmax(self._logits(X))

    def predict(self, X):
        """(n,) int labels: the most probable class."""
        return np.argmax(self._logits(X), axis=-1).astype(np.int64)

    def score(self, X, y):
        """Accuracy: the fraction of samples whose predicted label equals y."""
        return float(np.mean(self.predict(X) == _labels(y)))


def confusion_matrix(y_true, y_pred, n_classes):
    """(k, k) int counts: entry [i, j] = samples of true class i predicted as j."""
    t = _labels(y_true, n_classes)
    p = _labels(y_pred, n_classes)
    cm = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(cm, (t, p), 1)
    return cm


def _safe_ratio(num, den):
    """num / den elementwise, 0.0 where den == 0, without a warning."""
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    out = np.zeros_like(num)
    np.divide(num, den, out=out, where=den != 0)
    return out


def precision_recall_f1(y_true, y_pred, n_classes):
    """Per-class precision, recall and F1, each (k,); 0.0 where a ratio is undefined."""
    cm = confusion_matrix(y_true, y_pred, n_classes)
    tp = np.diag(cm)
    precision = _safe_ratio(tp, cm.sum(axis=0))
    recall = _safe_ratio(tp, cm.sum(axis=1))
    f1 = _safe_ratio(2 * precision * recall, precision + recall)
    return precision, recall, f1

# nncourse-leak-marker-exercise6: tests/test_release.py proves this line reaches no student product.
