"""Correct variant: explicit Python loops, math.exp/log, uniform init, loss measured after each epoch."""
import math

import numpy as np


def one_hot(y, n_classes):
    labels = [int(v) for v in np.asarray(y).ravel()]
    out = np.zeros((len(labels), n_classes))
    for i, label in enumerate(labels):
        if label < 0 or label >= n_classes:
            raise ValueError("label %d outside [0, %d)" % (label, n_classes))
        out[i, label] = 1.0
    return out


def _softmax_row(row):
    top = max(row)
    exps = [math.exp(v - top) for v in row]
    total = sum(exps)
    return [e / total for e in exps]


def softmax(z):
    z = np.array(z, dtype=np.float64)
    flat = z.reshape(-1, z.shape[-1])
    out = np.empty_like(flat)
    for i in range(flat.shape[0]):
        out[i] = _softmax_row(list(flat[i]))
    return out.reshape(z.shape)


def cross_entropy(logits, y):
    logits = np.array(logits, dtype=np.float64)
    labels = [int(v) for v in np.asarray(y).ravel()]
    total = 0.0
    for i, label in enumerate(labels):
        row = list(logits[i])
        top = max(row)
        log_sum = top + math.log(sum(math.exp(v - top) for v in row))
        total += log_sum - row[label]
    return total / len(labels)


def cross_entropy_grad(logits, y):
    logits = np.array(logits, dtype=np.float64)
    n, k = logits.shape
    labels = [int(v) for v in np.asarray(y).ravel()]
    grad = np.zeros((n, k))
    for i in range(n):
        probs = _softmax_row(list(logits[i]))
        for j in range(k):
            grad[i, j] = (probs[j] - (1.0 if j == labels[i] else 0.0)) / n
    return grad


class SoftmaxClassifier:
    def __init__(self, n_features, n_classes, reg=0.0, seed=None):
        rng = np.random.default_rng(seed)
        self.n_features, self.n_classes, self.reg = n_features, n_classes, reg
        self.params = {"W": rng.uniform(-0.01, 0.01, size=(n_features, n_classes)),
                       "b": np.zeros(n_classes)}

    def _logits(self, X):
        X = np.array(X, dtype=np.float64)
        W, b = self.params["W"], self.params["b"]
        out = np.zeros((X.shape[0], self.n_classes))
        for i in range(X.shape[0]):
            out[i] = X[i] @ W + b
        return out

    def loss_and_grads(self, X, y):
        X = np.array(X, dtype=np.float64)
        logits = self._logits(X)
        W = self.params["W"]
        penalty = 0.0
        for value in W.ravel():
            penalty += value * value
        loss = cross_entropy(logits, y) + 0.5 * self.reg * penalty
        dlogits = cross_entropy_grad(logits, y)
        dW = self.reg * W.copy()
        db = np.zeros(self.n_classes)
        for i in range(X.shape[0]):
            dW += np.outer(X[i], dlogits[i])
            db += dlogits[i]
        return loss, {"W": dW, "b": db}

    def fit(self, X, y, learning_rate=0.1, epochs=200, batch_size=None, seed=None):
        X = np.array(X, dtype=np.float64)
        y = np.array(y, dtype=np.int64)
        n = X.shape[0]
        size = n if batch_size is None else batch_size
        rng = np.random.default_rng(seed)
        history = []
        for _ in range(epochs):
            order = rng.permutation(n)
            start = 0
            while start < n:
                idx = order[start:start + size]
                _, grads = self.loss_and_grads(X[idx], y[idx])
                self.params["W"] = self.params["W"] - learning_rate * grads["W"]
                self.params["b"] = self.params["b"] - learning_rate * grads["b"]
                start += size
            history.append(self.loss_and_grads(X, y)[0])
        return history

    def predict_proba(self, X):
        return softmax(self._logits(X))

    def predict(self, X):
        logits = self._logits(X)
        return np.array([int(np.argmax(row)) for row in logits])

    def score(self, X, y):
        pred = self.predict(X)
        labels = [int(v) for v in np.asarray(y).ravel()]
        right = 0
        for p, t in zip(pred, labels):
            right += int(p == t)
        return right / len(labels)


def confusion_matrix(y_true, y_pred, n_classes):
    cm = np.zeros((n_classes, n_classes), dtype=int)
    for t, p in zip(np.asarray(y_true).ravel(), np.asarray(y_pred).ravel()):
        cm[int(t), int(p)] += 1
    return cm


def precision_recall_f1(y_true, y_pred, n_classes):
    cm = confusion_matrix(y_true, y_pred, n_classes)
    precision, recall, f1 = np.zeros(n_classes), np.zeros(n_classes), np.zeros(n_classes)
    for c in range(n_classes):
        tp = cm[c, c]
        predicted = sum(cm[r, c] for r in range(n_classes))
        actual = sum(cm[c, j] for j in range(n_classes))
        precision[c] = tp / predicted if predicted else 0.0
        recall[c] = tp / actual if actual else 0.0
        both = precision[c] + recall[c]
        f1[c] = 2 * precision[c] * recall[c] / both if both else 0.0
    return precision, recall, f1
