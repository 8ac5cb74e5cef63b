"""Exercise 6: softmax classification and its metrics.

Fill in every function and method below. NumPy and the standard library only.
Conventions (see README.md):
- a batch of inputs X is (n, d): one row per sample; labels y are n integers
  in [0, k) where k is the number of classes;
- outputs are float64 arrays unless a docstring says otherwise;
- never modify an input array (work on copies or on new arrays);
- losses are means over the batch, so gradients are gradients of that mean.

Run the public checks with:  nncourse check exercise6
"""
import numpy as np


def one_hot(y, n_classes):
    """One-hot encode integer labels.

    Row i is all zeros except a 1.0 in column y[i].

    Parameters
    ----------
    y : (n,) integer labels (array or list), each in [0, n_classes)
    n_classes : int, the number of classes k

    Returns
    -------
    (n, n_classes) float64 array.

    Raises
    ------
    ValueError if a label is < 0 or >= n_classes. Careful: NumPy indexing
    would silently accept -1 (it means "the last column"), so check first.

    Example
    -------
    >>> one_hot(np.array([2, 0]), 3)
    array([[0., 0., 1.],
           [1., 0., 0.]])
    """
    raise NotImplementedError("one_hot: not implemented yet")


def softmax(z):
    """Softmax along the last axis.

        softmax(z)[..., j] = exp(z[..., j]) / sum_m exp(z[..., m])

    Stable for logits of any size: subtract the maximum of each row first
    (softmax(z) == softmax(z - c) for any constant c per row), so exp never
    overflows.

    Parameters
    ----------
    z : array of any shape (..., k), or a list

    Returns
    -------
    float64 array of the same shape; every slice along the last axis sums to 1.

    Example
    -------
    >>> softmax(np.array([[0.0, 0.0], [1e4, 0.0]]))
    array([[0.5, 0.5],
           [1. , 0. ]])
    """
    raise NotImplementedError("softmax: not implemented yet")


def cross_entropy(logits, y):
    """Mean cross-entropy of integer labels under softmax(logits).

        L = (1/n) * sum_i -log softmax(logits)[i, y_i]
          = (1/n) * sum_i ( logsumexp(logits[i]) - logits[i, y_i] )

    Work in log-space with the log-sum-exp trick
    (logsumexp(z) = max(z) + log(sum(exp(z - max(z))))): taking the log of a
    softmax probability that underflowed to 0 gives -inf.

    Parameters
    ----------
    logits : (n, k) float array (or nested list)
    y : (n,) integer labels in [0, k)

    Returns
    -------
    float: the mean over the n samples (not the sum).

    Example
    -------
    >>> cross_entropy(np.array([[0.0, 0.0]]), np.array([1]))   # -log(0.5)
    0.6931471805599453
    """
    raise NotImplementedError("cross_entropy: not implemented yet")


def cross_entropy_grad(logits, y):
    """Gradient of cross_entropy(logits, y) with respect to the logits.

        dL/dlogits = (softmax(logits) - one_hot(y, k)) / n

    The / n comes from the mean over the batch.

    Parameters
    ----------
    logits : (n, k) float array
    y : (n,) integer labels in [0, k)

    Returns
    -------
    (n, k) float64 array.

    Example
    -------
    >>> cross_entropy_grad(np.array([[0.0, 0.0]]), np.array([1]))
    array([[ 0.5, -0.5]])
    """
    raise NotImplementedError("cross_entropy_grad: not implemented yet")


class SoftmaxClassifier:
    """A linear classifier: logits = X @ W + b, probabilities = softmax(logits).

    Parameters
    ----------
    n_features : int, d, the number of input features
    n_classes : int, k, the number of classes
    reg : float >= 0, strength of the L2 penalty 0.5 * reg * sum(W**2)
          (the bias b is never penalised)
    seed : int or None, seed of np.random.default_rng for the initial weights

    Attributes
    ----------
    params : dict {"W": (n_features, n_classes) float64, "b": (n_classes,) float64}.
        W starts as small random numbers drawn from np.random.default_rng(seed)
        (e.g. normal with std 0.01); b starts at zeros. The grader may replace
        this dict with new arrays: always read self.params["W"] and
        self.params["b"] in your methods, do not keep copies elsewhere.

    Example
    -------
    >>> clf = SoftmaxClassifier(4, 3, seed=0)
    >>> clf.params["W"].shape, clf.params["b"].shape
    ((4, 3), (3,))
    """

    def __init__(self, n_features, n_classes, reg=0.0, seed=None):
        raise NotImplementedError("SoftmaxClassifier: not implemented yet")

    def loss_and_grads(self, X, y):
        """Loss on the batch (X, y) and its gradient for every parameter.

            logits = X @ W + b                              (n, k)
            loss   = cross_entropy(logits, y) + 0.5 * reg * sum(W**2)
            dlogits = cross_entropy_grad(logits, y)         (n, k), already / n
            dW = X.T @ dlogits + reg * W                    (d, k)
            db = sum of dlogits over the batch (axis 0)     (k,)

        Returns
        -------
        (loss, grads): loss a float, grads a dict with keys "W" and "b" and the
        shapes of params.

        Example
        -------
        >>> clf = SoftmaxClassifier(2, 2, seed=0)
        >>> clf.params = {"W": np.zeros((2, 2)), "b": np.zeros(2)}
        >>> loss, grads = clf.loss_and_grads(np.array([[1.0, 2.0]]), np.array([0]))
        >>> loss            # -log(0.5)
        0.6931471805599453
        >>> grads["b"]
        array([-0.5,  0.5])
        """
        raise NotImplementedError("SoftmaxClassifier.loss_and_grads: not implemented yet")

    def fit(self, X, y, learning_rate=0.1, epochs=200, batch_size=None, seed=None):
        """Train with (mini-batch) gradient descent.

        Each epoch: draw a random order of the n samples with
        rng = np.random.default_rng(seed) (one rng for the whole call), cut it
        into consecutive batches of batch_size samples (the last batch may be
        smaller: do not drop it; batch_size=None means one batch of all n
        samples), and for each batch do
            loss, grads = self.loss_and_grads(X_batch, y_batch)
            params[key] = params[key] - learning_rate * grads[key]

        Returns
        -------
        list of `epochs` floats: the mean training loss of each epoch (e.g. the
        mean of its batch losses weighted by batch size).

        Example
        -------
        >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [1.0, 2.0]]); y = np.array([0, 1, 1, 1])
        >>> losses = clf.fit(X, y, learning_rate=0.1, epochs=50, batch_size=16, seed=0)
        >>> len(losses), losses[-1] < losses[0]
        (50, True)
        """
        raise NotImplementedError("SoftmaxClassifier.fit: not implemented yet")

    def predict_proba(self, X):
        """(n, k) float64 class probabilities softmax(X @ W + b); each row sums to 1.

        Example
        -------
        >>> clf.params = {"W": np.zeros((2, 2)), "b": np.zeros(2)}
        >>> clf.predict_proba(np.array([[1.0, 2.0]]))
        array([[0.5, 0.5]])
        """
        raise NotImplementedError("SoftmaxClassifier.predict_proba: not implemented yet")

    def predict(self, X):
        """(n,) integer labels: the most probable class of each row (argmax).

        Example
        -------
        >>> clf.params = {"W": np.zeros((2, 2)), "b": np.array([0.0, 1.0])}
        >>> clf.predict(np.array([[1.0, 2.0]]))
        array([1])
        """
        raise NotImplementedError("SoftmaxClassifier.predict: not implemented yet")

    def score(self, X, y):
        """Accuracy: the fraction (a float in [0, 1]) of rows where predict(X) == y.

        Example
        -------
        >>> clf.score(X, y)      # 3 right out of 4
        0.75
        """
        raise NotImplementedError("SoftmaxClassifier.score: not implemented yet")


def confusion_matrix(y_true, y_pred, n_classes):
    """Count matrix of true versus predicted labels.

        C[i, j] = number of samples with y_true == i and y_pred == j

    Rows are the true class, columns the predicted one. A class that appears
    in neither y_true nor y_pred still has its (all-zero) row and column.

    Parameters
    ----------
    y_true, y_pred : (n,) integer labels in [0, n_classes) (arrays or lists)
    n_classes : int k

    Returns
    -------
    (k, k) integer array.

    Example
    -------
    >>> confusion_matrix([0, 1, 1], [0, 0, 1], 3)
    array([[1, 0, 0],
           [1, 1, 0],
           [0, 0, 0]])
    """
    raise NotImplementedError("confusion_matrix: not implemented yet")


def precision_recall_f1(y_true, y_pred, n_classes):
    """Per-class precision, recall and F1 score.

    For class c, with TP = C[c, c] from the confusion matrix C:
        precision[c] = TP / (number of samples predicted as c)   (column sum)
        recall[c]    = TP / (number of samples truly of class c) (row sum)
        f1[c]        = 2 * precision * recall / (precision + recall)
    A ratio whose denominator is 0 is defined as 0.0, and computing it must
    not emit a NumPy warning (no 0/0).

    Returns
    -------
    (precision, recall, f1): three (n_classes,) float64 arrays.

    Example
    -------
    >>> precision_recall_f1([0, 1, 1], [0, 0, 1], 3)
    (array([0.5, 1. , 0. ]), array([1. , 0.5, 0. ]), array([0.66666667, 0.66666667, 0.        ]))
    """
    raise NotImplementedError("precision_recall_f1: not implemented yet")
